"""Belgium's provinces and regions, their names in nl, fr, de and en, and the postcode ranges.

Belgian postcodes were handed out by province, so a postcode tells the province and the region
(bpost's ranges, unchanged since 1969). The Brussels-Capital Region belongs to no province since
1995; it stands where a province would (as in NUTS level 2), named ``Brussel``, so counts by
province still show it.

Each area's first name is the one stored: the name in its own official language, Dutch for
bilingual Brussels (docs/decisions/0028-import-labels-and-municipalities.md). Pure data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FLANDERS = "Vlaanderen"
WALLONIA = "Wallonie"
BRUSSELS = "Brussel"

# the stored name first, then every other name people write for it
REGIONS: tuple[tuple[str, ...], ...] = (
    (
        FLANDERS,
        "Flandre",
        "Flandern",
        "Flanders",
        "Vlaams Gewest",
        "Région flamande",
        "Flämische Region",
        "Flemish Region",
    ),
    (
        WALLONIA,
        "Wallonië",
        "Wallonien",
        "Wallonia",
        "Waals Gewest",
        "Région wallonne",
        "Wallonische Region",
        "Walloon Region",
    ),
    (
        BRUSSELS,
        "Bruxelles",
        "Brüssel",
        "Brussels",
        "Brussel-Hoofdstad",
        "Bruxelles-Capitale",
        "Brüssel-Hauptstadt",
        "Brussels-Capital",
        "Brussels Hoofdstedelijk Gewest",
        "Région de Bruxelles-Capitale",
        "Region Brüssel-Hauptstadt",
        "Brussels-Capital Region",
    ),
)

PROVINCES: tuple[tuple[str, ...], ...] = (
    ("Antwerpen", "Anvers", "Antwerp"),
    ("Limburg", "Limbourg"),
    ("Oost-Vlaanderen", "Flandre-Orientale", "Ostflandern", "East Flanders"),
    ("West-Vlaanderen", "Flandre-Occidentale", "Westflandern", "West Flanders"),
    ("Vlaams-Brabant", "Brabant flamand", "Flämisch-Brabant", "Flemish Brabant"),
    ("Brabant wallon", "Waals-Brabant", "Wallonisch-Brabant", "Walloon Brabant"),
    ("Hainaut", "Henegouwen", "Hennegau"),
    ("Liège", "Luik", "Lüttich"),
    ("Luxembourg", "Luxemburg"),
    ("Namur", "Namen"),
    # Not a province: the Brussels-Capital Region, where one would be (see above).
    (BRUSSELS, "Bruxelles", "Brüssel", "Brussels", "Bruxelles-Capitale", "Brussel-Hoofdstad"),
)


@dataclass(frozen=True, slots=True)
class Area:
    province: str
    region: str


# (first postcode, last postcode, area), in order, covering 1000-9999
POSTCODE_RANGES: tuple[tuple[int, int, Area], ...] = (
    (1000, 1299, Area(BRUSSELS, BRUSSELS)),
    (1300, 1499, Area("Brabant wallon", WALLONIA)),
    (1500, 1999, Area("Vlaams-Brabant", FLANDERS)),
    (2000, 2999, Area("Antwerpen", FLANDERS)),
    (3000, 3499, Area("Vlaams-Brabant", FLANDERS)),
    (3500, 3999, Area("Limburg", FLANDERS)),
    (4000, 4999, Area("Liège", WALLONIA)),
    (5000, 5999, Area("Namur", WALLONIA)),
    (6000, 6599, Area("Hainaut", WALLONIA)),
    (6600, 6999, Area("Luxembourg", WALLONIA)),
    (7000, 7999, Area("Hainaut", WALLONIA)),
    (8000, 8999, Area("West-Vlaanderen", FLANDERS)),
    (9000, 9999, Area("Oost-Vlaanderen", FLANDERS)),
)

# "9000", "B-9000", "BE 9000", "B9000": four digits, the country written before them or not.
_BELGIAN_POSTCODE = re.compile(r"(?:BE?[- ]?)?([1-9]\d{3})", re.IGNORECASE)


def belgian_postcode(text: str) -> int | None:
    """The postcode as a number when ``text`` is a Belgian one, else None."""
    found = _BELGIAN_POSTCODE.fullmatch(text.strip())
    return int(found[1]) if found else None


def area_of(postcode: int) -> Area | None:
    """The province and region of a Belgian postcode (1000-9999)."""
    for first, last, area in POSTCODE_RANGES:
        if first <= postcode <= last:
            return area
    return None


# The German-speaking municipalities (all of them, and only they, have a 47xx postcode).
_GERMAN_SPEAKING = range(4700, 4800)


def official_language(postcode: int) -> str:
    """The language a place's own name is in: Dutch for Brussels (the decision above)."""
    area = area_of(postcode)
    if area is None:
        raise ValueError(f"not a Belgian postcode: {postcode}")
    if postcode in _GERMAN_SPEAKING:
        return "de"
    return "fr" if area.region == WALLONIA else "nl"
