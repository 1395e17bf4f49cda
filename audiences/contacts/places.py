"""Where a contact lives, as one value whatever the language: Gand is Gent, Luik is Liège.

An import stores a known municipality, province or region under its one name
(``stored_place``) and fills an empty province and region from the Belgian postcode, or from the
municipality when there is no postcode (``area_for``). A segment condition on these fields
matches every name of the place (``place_names``), so ``municipality = "Gand"`` finds contacts
stored before names were normalised too. Names are told apart by their letters only: case,
accents, spaces, hyphens and apostrophes do not count (``name_key``). A name that is not in the
tables is kept as written. Pure: the data is in ``belgian_areas`` and ``municipalities``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache

from audiences.contacts.belgian_areas import (
    PROVINCES,
    REGIONS,
    Area,
    area_of,
    belgian_postcode,
)
from audiences.contacts.municipalities import MUNICIPALITIES

PLACE_FIELDS = frozenset({"municipality", "province", "region"})


def strip_accents(text: str) -> str:
    """``Liège`` → ``Liege``, ``Brüssel`` → ``Brussel``."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def name_key(text: str) -> str:
    """What tells two names apart: their letters and digits, without case or accents."""
    return "".join(c for c in strip_accents(text).casefold() if c.isalnum())


class PlaceNames:
    """One table of places: each written under its first name, known under all of them."""

    def __init__(self, places: Iterable[tuple[str, ...]]) -> None:
        self._stored: dict[str, str] = {}
        self._names: dict[str, tuple[str, ...]] = {}
        for names in places:
            for name in names:
                earlier = self._stored.setdefault(name_key(name), names[0])
                if earlier != names[0]:
                    raise ValueError(f"{name!r} names both {earlier!r} and {names[0]!r}")
            self._names[names[0]] = names

    def stored(self, text: str) -> str | None:
        """The name a place is stored under, or None when the table does not know ``text``."""
        return self._stored.get(name_key(text))

    def names(self, stored: str) -> tuple[str, ...]:
        return self._names[stored]


def _municipality_names() -> PlaceNames:
    return PlaceNames((m.name, *m.names.values(), *m.also) for m in MUNICIPALITIES)


TABLES: Mapping[str, PlaceNames] = {
    "municipality": _municipality_names(),
    "province": PlaceNames(PROVINCES),
    "region": PlaceNames(REGIONS),
}
_POSTCODES = {m.name: m.postcode for m in MUNICIPALITIES}
_IN_LANGUAGE = {m.name: m.names for m in MUNICIPALITIES}


@lru_cache(maxsize=4096)  # a file repeats a few hundred places at most
def stored_place(field: str, text: str) -> str:
    """The value stored for ``text`` in ``field`` (municipality, province or region)."""
    written = text.strip()
    return TABLES[field].stored(written) or written


@lru_cache(maxsize=1024)
def place_names(field: str, text: str) -> tuple[str, ...]:
    """Every way of writing the place ``text`` names: its names in each language, each also
    without accents and with spaces for hyphens; ``(text,)`` for a place the table lacks."""
    table = TABLES[field]
    stored = table.stored(text)
    if stored is None:
        return (text,)
    variants: dict[str, None] = {}
    for name in table.names(stored):
        for form in (name, strip_accents(name)):
            variants[form] = None
            variants[form.replace("-", " ")] = None
    return tuple(variants)


@lru_cache(maxsize=4096)  # Belgium has about 1,100 postcodes
def area_for(postcode: str | None, municipality: str | None) -> Area | None:
    """The province and region of a Belgian postcode, else of a municipality in the table."""
    code = belgian_postcode(postcode) if postcode else None
    if code is None and municipality:
        known = _POSTCODES.get(stored_place("municipality", municipality))
        code = int(known) if known else None
    return area_of(code) if code is not None else None


def municipality_in(name: str, language: str) -> str:
    """A municipality's name in ``language`` (``Gent`` in fr: ``Gand``), for showing it."""
    stored = stored_place("municipality", name)
    return _IN_LANGUAGE.get(stored, {}).get(language, stored)
