"""The demo's contacts and measures: the same every time, and shaped the way the import expects."""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from datetime import datetime

import phonenumbers
import pytest

from campaign.demo.contacts import COLUMNS, demo_contacts_csv
from campaign.demo.content import MEASURES
from campaign.messages.language import SUPPORTED_LANGUAGES, stop_sentence
from campaign.messages.library import load_library
from campaign.messages.render import SAMPLE_CONTEXT, Renderer
from campaign.messages.sms import sms_info

SIMULATORS = [f"+3249900000{n}" for n in range(1, 10)]
MEASURE_COLUMNS = {
    "slug",
    "level",
    "theme",
    "status",
    "amount",
    "eligibility",
    "valid_from",
    "valid_until",
    "contact_point",
    "link",
    "translations",
}


def _rows() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(demo_contacts_csv())))


def _e164(phone: str) -> str:
    number = phonenumbers.parse(phone, "BE")
    assert phonenumbers.is_valid_number(number), phone
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def test_the_csv_is_the_same_every_time_and_differs_by_seed() -> None:
    assert demo_contacts_csv() == demo_contacts_csv()
    assert demo_contacts_csv(count=50, seed=1) != demo_contacts_csv(count=50, seed=2)


def test_two_thousand_rows_with_the_contract_columns() -> None:
    text = demo_contacts_csv()
    assert text.splitlines()[0] == ",".join(COLUMNS)
    rows = _rows()
    assert len(rows) == 2000
    assert len({row["external_id"] for row in rows}) == 2000
    assert all(row["region"] and row["postcode"] and row["municipality"] for row in rows)


def test_every_language_is_present_in_roughly_its_share() -> None:
    shares = Counter(row["language"] for row in _rows())
    assert set(shares) == set(SUPPORTED_LANGUAGES)
    assert 800 <= shares["nl"] <= 1000 and 500 <= shares["fr"] <= 700
    assert all(shares[language] >= 30 for language in SUPPORTED_LANGUAGES)


def test_german_speakers_live_in_east_belgium() -> None:
    regions = {row["region"] for row in _rows() if row["language"] == "de"}
    assert regions == {"Ostbelgien"}


def test_every_phone_parses_in_belgium_and_simulators_appear_once() -> None:
    phones = Counter(_e164(row["phone"]) for row in _rows() if row["phone"])
    in_demo = {*SIMULATORS[:3], SIMULATORS[6]}  # failures that end at once, and a STOP
    for simulator in in_demo:
        assert phones[simulator] == 1, simulator
    assert not (set(SIMULATORS) - in_demo) & set(phones)
    written = [row["phone"] for row in _rows() if row["phone"]]
    assert any(p.startswith("04") and " " in p for p in written)
    assert any(p.startswith("+32") for p in written)


def test_households_share_a_phone_as_different_people() -> None:
    by_phone: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in _rows():
        if row["phone"]:
            by_phone[_e164(row["phone"])].append(row)
    households = [people for people in by_phone.values() if len(people) > 1]
    assert 40 <= len(households) <= 150
    for people in households:
        assert len({p["first_name"] for p in people}) == len(people)


def test_addresses_are_safe_and_some_people_have_only_one_channel() -> None:
    rows = _rows()
    emails = [row["email"] for row in rows if row["email"]]
    assert emails.count("hard-bounce@simulator.example.org") == 1
    assert all(e.endswith(("@example.org", "@example.net", ".example.org")) for e in emails)
    assert any(row["phone"] and not row["email"] for row in rows)
    assert any(row["email"] and not row["phone"] for row in rows)
    assert all(row["phone"] or row["email"] for row in rows)


def test_names_in_other_scripts_and_consent_in_the_persons_words() -> None:
    rows = _rows()
    names = {row["first_name"] for row in rows}
    assert {"Zoë", "Çağla", "Олена", "محمد"} <= names
    answers = {row["consent_sms"] for row in rows} | {row["consent_email"] for row in rows}
    assert {"yes", "ja", "oui"} <= answers


def test_every_measure_has_the_columns_and_four_languages() -> None:
    for measure in MEASURES:
        assert set(measure) == MEASURE_COLUMNS, measure["slug"]
        assert measure["level"] in {"federal", "regional", "local"}
        assert measure["status"] in {"new", "existing", "ended"}
        assert measure["contact_point"]
        for moment in (measure["valid_from"], measure["valid_until"]):
            aware = isinstance(moment, datetime) and moment.utcoffset() is not None
            assert moment is None or aware, measure["slug"]
        for language in ("nl", "fr", "de", "en"):
            texts = measure["translations"][language]
            assert set(texts) == {"title", "summary", "how_to"}
            assert all(texts.values()), (measure["slug"], language)


def test_the_demo_measures_are_there() -> None:
    by_slug = {m["slug"]: m for m in MEASURES}
    assert len(by_slug) == len(MEASURES) >= 8
    assert by_slug["water-energy-temporary-unemployed"]["eligibility"] == "temporary_unemployed"
    assert {m["level"] for m in MEASURES} >= {"federal", "regional"}
    assert any(m["theme"] == "vaccination" for m in MEASURES)


@pytest.mark.parametrize("alphanumeric", [False, True])
def test_sms_in_latin_script_languages_stay_within_two_segments(alphanumeric: bool) -> None:
    renderer, library = Renderer(), {t.slug: t for t in load_library()}
    stop_url = "https://campaign.example.org/s/" + "t" * 25  # as long as a real short link
    too_long = []
    for measure in MEASURES:
        slug = "vaccination" if measure["theme"] == "vaccination" else "new-measure"
        for variant in library[slug].variants:
            if variant.channel != "sms" or variant.language not in ("nl", "fr", "de", "en"):
                continue
            stop = stop_sentence(
                variant.language, sender_is_alphanumeric=alphanumeric, stop_url=stop_url
            )
            texts = measure["translations"][variant.language]
            filled = texts | {"contact_point": measure["contact_point"]}
            context = dict(SAMPLE_CONTEXT) | {"first_name": "Jan", "stop": stop, "measure": filled}
            info = sms_info(renderer.render(renderer.compile(variant), context).text)
            if info.encoding != "GSM-7" or info.segments > 2:
                too_long.append((measure["slug"], variant.language, info))
    assert too_long == []
