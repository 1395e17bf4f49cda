"""Belgian places under one name: the tables hold together, and every language finds its place."""

from __future__ import annotations

import pytest

from audiences.contacts.belgian_areas import (
    POSTCODE_RANGES,
    PROVINCES,
    REGIONS,
    Area,
    area_of,
    official_language,
)
from audiences.contacts.municipalities import (
    GERMAN_SPEAKING,
    IN_BRUSSELS,
    IN_FLANDERS,
    IN_WALLONIA,
    MUNICIPALITIES,
    Municipality,
)
from audiences.contacts.places import (
    PlaceNames,
    area_for,
    municipality_in,
    name_key,
    place_names,
    stored_place,
)


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("Gand", "Gent"),
        ("Ghent", "Gent"),
        ("GENT", "Gent"),
        ("Anvers", "Antwerpen"),
        ("Antwerp", "Antwerpen"),
        ("Luik", "Liège"),
        ("Lüttich", "Liège"),
        ("liege", "Liège"),
        (" LIÈGE ", "Liège"),
        ("Bruxelles", "Brussel"),
        ("Brüssel", "Brussel"),
        ("Brussels", "Brussel"),
        ("Bergen", "Mons"),
        ("Namen", "Namur"),
        ("Louvain", "Leuven"),
        ("Löwen", "Leuven"),
        ("Malines", "Mechelen"),
        ("Courtrai", "Kortrijk"),
        ("Doornik", "Tournai"),
        ("Ixelles", "Elsene"),
        ("Molenbeek-Saint-Jean", "Sint-Jans-Molenbeek"),
        ("molenbeek saint jean", "Sint-Jans-Molenbeek"),
        ("Saint-Vith", "Sankt Vith"),
        ("St. Vith", "Sankt Vith"),
        ("La Calamine", "Kelmis"),
        ("Eupen", "Eupen"),
        ("'s Gravenbrakel", "Braine-le-Comte"),
        ("Saint-Nicolas", "Saint-Nicolas"),  # near Liège, not Sint-Niklaas
        ("Aken", "Aken"),  # not Belgian: kept as written
        ("  Nergensdorp ", "Nergensdorp"),
    ],
)
def test_a_municipality_is_stored_under_its_own_name(written: str, stored: str) -> None:
    assert stored_place("municipality", written) == stored


@pytest.mark.parametrize(
    ("field", "written", "stored"),
    [
        ("province", "Flandre-Orientale", "Oost-Vlaanderen"),
        ("province", "Henegouwen", "Hainaut"),
        ("province", "Lüttich", "Liège"),
        ("province", "Walloon Brabant", "Brabant wallon"),
        ("region", "Flandre", "Vlaanderen"),
        ("region", "Wallonië", "Wallonie"),
        ("region", "Région de Bruxelles-Capitale", "Brussel"),
        ("region", "Ostbelgien", "Ostbelgien"),  # a community, not a region: kept
    ],
)
def test_provinces_and_regions_are_stored_under_their_own_names(
    field: str, written: str, stored: str
) -> None:
    assert stored_place(field, written) == stored


def test_a_place_matches_under_every_name_with_and_without_accents() -> None:
    names = {name.lower() for name in place_names("municipality", "Luik")}
    assert {"liège", "liege", "luik", "lüttich", "luttich"} <= names
    assert place_names("municipality", "Nergensdorp") == ("Nergensdorp",)
    assert "sint jans molenbeek" in {n.lower() for n in place_names("municipality", "Molenbeek")}


def test_names_are_told_apart_by_their_letters_only() -> None:
    assert name_key("Braine-l'Alleud") == name_key("braine l alleud") == "brainelalleud"
    assert name_key("LIÈGE") == name_key("liege")


def test_no_name_belongs_to_two_places() -> None:
    with pytest.raises(ValueError, match="names both"):
        PlaceNames([("Gent", "Gand"), ("Gand", "Ghent")])
    owners: dict[str, set[str]] = {}
    for m in MUNICIPALITIES:
        for n in {m.name, *m.names.values(), *m.also}:
            owners.setdefault(name_key(n), set()).add(m.name)
    assert {k: o for k, o in owners.items() if len(o) > 1} == {}


@pytest.mark.parametrize(
    ("group", "region", "language"),
    [
        (IN_BRUSSELS, "Brussel", "nl"),
        (IN_FLANDERS, "Vlaanderen", "nl"),
        (IN_WALLONIA, "Wallonie", "fr"),
        (GERMAN_SPEAKING, "Wallonie", "de"),
    ],
)
def test_every_municipality_is_stored_in_its_own_language_and_postcode_region(
    group: tuple[Municipality, ...], region: str, language: str
) -> None:
    for municipality in group:
        area = area_of(int(municipality.postcode))
        assert area is not None and area.region == region, municipality
        assert official_language(int(municipality.postcode)) == language, municipality
        # The stored name is the one in its own language: no other name is given for it.
        assert language not in municipality.names, municipality


def test_the_postcode_ranges_cover_1000_to_9999_without_gaps_or_overlap() -> None:
    expected_first = 1000
    for first, last, _area in POSTCODE_RANGES:
        assert first == expected_first and last >= first
        expected_first = last + 1
    assert expected_first == 10000
    stored = {names[0] for names in PROVINCES}
    assert {area.province for *_, area in POSTCODE_RANGES} == stored
    assert {area.region for *_, area in POSTCODE_RANGES} == {names[0] for names in REGIONS}


@pytest.mark.parametrize(
    ("postcode", "province", "region"),
    [
        ("1000", "Brussel", "Brussel"),
        ("1299", "Brussel", "Brussel"),
        ("1300", "Brabant wallon", "Wallonie"),
        ("1499", "Brabant wallon", "Wallonie"),
        ("1500", "Vlaams-Brabant", "Vlaanderen"),
        ("1999", "Vlaams-Brabant", "Vlaanderen"),
        ("2000", "Antwerpen", "Vlaanderen"),
        ("2999", "Antwerpen", "Vlaanderen"),
        ("3000", "Vlaams-Brabant", "Vlaanderen"),
        ("3499", "Vlaams-Brabant", "Vlaanderen"),
        ("3500", "Limburg", "Vlaanderen"),
        ("3999", "Limburg", "Vlaanderen"),
        ("4000", "Liège", "Wallonie"),
        ("4700", "Liège", "Wallonie"),
        ("5000", "Namur", "Wallonie"),
        ("6000", "Hainaut", "Wallonie"),
        ("6599", "Hainaut", "Wallonie"),
        ("6600", "Luxembourg", "Wallonie"),
        ("6999", "Luxembourg", "Wallonie"),
        ("7000", "Hainaut", "Wallonie"),
        ("7999", "Hainaut", "Wallonie"),
        ("8000", "West-Vlaanderen", "Vlaanderen"),
        ("8999", "West-Vlaanderen", "Vlaanderen"),
        ("9000", "Oost-Vlaanderen", "Vlaanderen"),
        ("9999", "Oost-Vlaanderen", "Vlaanderen"),
        ("B-9000", "Oost-Vlaanderen", "Vlaanderen"),
        ("BE 2000", "Antwerpen", "Vlaanderen"),
    ],
)
def test_province_and_region_come_from_the_postcode(
    postcode: str, province: str, region: str
) -> None:
    assert area_for(postcode, None) == Area(province, region)


@pytest.mark.parametrize("postcode", ["0999", "75001", "1012 AB", "52062", "abc", ""])
def test_a_postcode_that_is_not_belgian_tells_nothing(postcode: str) -> None:
    assert area_for(postcode, None) is None


def test_without_a_postcode_the_municipality_tells_province_and_region() -> None:
    assert area_for(None, "Gand") == Area("Oost-Vlaanderen", "Vlaanderen")
    assert area_for("", "Bütgenbach") == Area("Liège", "Wallonie")
    assert area_for(None, "Nergensdorp") is None
    assert area_for("2000", "Gent") == Area("Antwerpen", "Vlaanderen")  # the postcode first


def test_a_municipality_is_shown_in_another_language() -> None:
    assert municipality_in("Gent", "fr") == "Gand"
    assert municipality_in("Gand", "en") == "Ghent"
    assert municipality_in("Elsene", "fr") == "Ixelles"
    assert municipality_in("Liège", "nl") == "Luik"
    assert municipality_in("Liège", "en") == "Liège"
    assert municipality_in("Nergensdorp", "fr") == "Nergensdorp"
