"""About 2,000 synthetic Belgian contacts, the same every time (a seeded generator).

Mobile numbers are written as people write them (``0470 12 34 56``, sometimes ``+32…``);
some households share a phone; some people have only a phone or only an email. A handful
use the sandbox's simulator numbers and addresses, so the demo also shows failures.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass

COLUMNS = (
    "external_id",
    "phone",
    "email",
    "language",
    "first_name",
    "preferred_channel",
    "time_zone",
    "postcode",
    "municipality",
    "province",
    "region",
    "consent_sms",
    "consent_email",
    "consent_source",
    "consent_at",
    "age",
    "temporary_unemployed",
    "income_support",
    "lives_alone",
)


@dataclass(frozen=True, slots=True)
class Place:
    postcode: str
    municipality: str
    province: str
    region: str


_FLANDERS = [
    Place("9000", "Gent", "Oost-Vlaanderen", "Vlaanderen"),
    Place("2000", "Antwerpen", "Antwerpen", "Vlaanderen"),
    Place("3000", "Leuven", "Vlaams-Brabant", "Vlaanderen"),
    Place("8000", "Brugge", "West-Vlaanderen", "Vlaanderen"),
    Place("3500", "Hasselt", "Limburg", "Vlaanderen"),
    Place("2800", "Mechelen", "Antwerpen", "Vlaanderen"),
]
_WALLONIA = [
    Place("4000", "Liège", "Liège", "Wallonie"),
    Place("6000", "Charleroi", "Hainaut", "Wallonie"),
    Place("5000", "Namur", "Namur", "Wallonie"),
    Place("7000", "Mons", "Hainaut", "Wallonie"),
]
_BRUSSELS = [
    Place("1000", "Brussel", "Brussel", "Brussel"),
    Place("1080", "Sint-Jans-Molenbeek", "Brussel", "Brussel"),
    Place("1030", "Schaarbeek", "Brussel", "Brussel"),
]
_EAST = [
    Place("4700", "Eupen", "Liège", "Ostbelgien"),
    Place("4780", "Sankt Vith", "Liège", "Ostbelgien"),
]

_NAMES = {
    "nl": ["Jan", "An", "Pieter", "Els", "Wout", "Lotte", "Bram", "Zoë", "Stijn", "Fien"],
    "fr": ["Marie", "Luc", "Chloé", "Nathalie", "Hugo", "Léa", "Céline", "Thierry", "Anaïs"],
    "de": ["Jürgen", "Anna", "Lukas", "Sabine", "Thomas", "Jörg"],
    "en": ["John", "Emily", "Grace", "Daniel", "Sophie"],
    "ar": ["Mohammed", "Fatima", "Youssef", "Amina", "محمد", "فاطمة"],
    "tr": ["Ayşe", "Mehmet", "Çağla", "Emre", "Elif", "Burak"],
    "uk": ["Олена", "Андрій", "Oksana", "Taras", "Ірина", "Dmytro"],
}
_LANGUAGES = ["nl", "fr", "de", "en", "ar", "tr", "uk"]
_WEIGHTS = [45, 30, 3, 7, 6, 5, 4]
_YES = {"nl": "ja", "fr": "oui", "de": "ja"}
_NO = {"nl": "nee", "fr": "non", "de": "nein"}
# Failures that end at once, and a person who answers STOP (docs/operations.md).
SIMULATOR_PHONES = ("+32499000001", "+32499000002", "+32499000003", "+32499000007")
SIMULATOR_EMAIL = "hard-bounce@simulator.example.org"


def _place(rng: random.Random, language: str) -> Place:
    if language == "de":
        return rng.choice(_EAST)
    if language == "nl":
        return rng.choice(_FLANDERS + _BRUSSELS[:1])
    if language == "fr":
        return rng.choice(_WALLONIA + _BRUSSELS)
    return rng.choice(_FLANDERS + _WALLONIA + _BRUSSELS)


def _mobile(rng: random.Random) -> str:
    prefix = rng.choice(["470", "471", "472", "473", "475", "476", "477", "478", "479", "486"])
    digits = f"{rng.randrange(10**6):06d}"
    if rng.random() < 0.2:
        return f"+32{prefix}{digits}"
    return f"0{prefix} {digits[:2]} {digits[2:4]} {digits[4:]}"


def _answer(rng: random.Random, language: str, yes_share: float) -> str:
    yes = rng.random() < yes_share
    return (_YES if yes else _NO).get(language, "yes" if yes else "no")


def _row(
    rng: random.Random, number: int, shared_phone: str | None, housemate: str = ""
) -> dict[str, str]:
    language = rng.choices(_LANGUAGES, _WEIGHTS)[0]
    place = _place(rng, language)
    name = rng.choice([n for n in _NAMES[language] if n != housemate])
    kind = rng.random()  # who has what: most both, some phone only, some email only
    phone = shared_phone or (_mobile(rng) if kind < 0.85 else "")
    email = f"person{number}@{rng.choice(['example.org', 'example.net'])}" if kind > 0.3 else ""
    channel = "sms" if phone and (not email or rng.random() < 0.7) else "email"
    return {
        "external_id": f"demo-{number:05d}",
        "phone": phone,
        "email": email,
        "language": language,
        "first_name": name,
        "preferred_channel": channel,
        "time_zone": "Europe/Brussels",
        "postcode": place.postcode,
        "municipality": place.municipality,
        "province": place.province,
        "region": place.region,
        "consent_sms": _answer(rng, language, 0.95) if phone else "",
        "consent_email": _answer(rng, language, 0.9) if email else "",
        "consent_source": rng.choice(["OCMW intake", "CPAS intake", "partner form", "call centre"]),
        "consent_at": f"2020-0{rng.randint(1, 3)}-{rng.randint(10, 28)}T10:00:00+01:00",
        "age": str(rng.randint(18, 92)),
        "temporary_unemployed": rng.choice(["yes", "no", "no"]),
        "income_support": rng.choice(["yes", "no", "no", "no"]),
        "lives_alone": rng.choice(["yes", "no"]),
    }


def demo_rows(count: int = 2000, seed: int = 7) -> list[dict[str, str]]:
    rng = random.Random(seed)
    rows: list[dict[str, str]] = []
    for number in range(1, count + 1):
        household = rows and rng.random() < 0.05 and rows[-1]["phone"]
        if household:  # another person on the same phone: never the same first name
            rows.append(_row(rng, number, rows[-1]["phone"], rows[-1]["first_name"]))
        else:
            rows.append(_row(rng, number, None))
    for row, phone in zip(rows[10 : 10 + len(SIMULATOR_PHONES)], SIMULATOR_PHONES, strict=True):
        row |= {"phone": phone, "preferred_channel": "sms", "consent_sms": "yes"}
    rows[20] |= {"email": SIMULATOR_EMAIL, "preferred_channel": "email", "consent_email": "yes"}
    # The demo campaign is for people out of work (its measure's eligibility): the simulator's
    # people are, so the demo shows its failures.
    for row in (*rows[10 : 10 + len(SIMULATOR_PHONES)], rows[20]):
        row["temporary_unemployed"] = "yes"
    return rows


def demo_contacts_csv(count: int = 2000, seed: int = 7) -> str:
    """The demo contacts as a CSV file's text (comma-delimited, a header line first)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(demo_rows(count, seed))
    return out.getvalue()
