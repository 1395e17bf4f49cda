"""Importing contact CSV files on SQLite and PostgreSQL: what goes in, what is rejected and why."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from audiences.contacts.fields import load_registry
from audiences.contacts.model import FieldType, RejectedRow
from campaign.demo.contacts import demo_contacts_csv
from campaign.kernel.clock import ManualClock
from campaign.messages.language import SUPPORTED_LANGUAGES
from campaign.store.engine import Database
from campaign.store.tables import contacts, fields
from tests.factories import KEYS, all_contacts, csv_text, person, run_import


async def test_good_rows_go_in_and_bad_rows_are_rejected_with_line_column_and_reason(
    database: Database, clock: ManualClock
) -> None:
    text = (
        "external_id,phone,email,language,first_name,preferred_channel,time_zone,"
        "consent_sms,consent_email,consent_source,consent_at\n"
        "a1,0470 12 34 56,,nl,An,sms,,ja,,OCMW intake,2020-03-15T10:00:00+01:00\n"
        'a2,12345,,nl,"Jan\nde Smet",,,ja,,,\n'  # a quoted line break: this record is 2 lines
        "a3,,marie@example.org,xx,Marie,,,,oui,,\n"
        "a4,0470 12 34 57,,fr,Luc,fax,,oui,,,\n"
        "a5,0470 12 34 58,,fr,Léa,,Mars/Olympus,oui,,,\n"
        "a6,0470 12 34 59,,de,Jörg,,,vielleicht,,,\n"
        "a7,,,nl,Els,,,,,,\n"
        "a8,,Els@Example.ORG,en,Els,email,Europe/London,,yes,,2021-13-01\n"
        "a9,,sophie@example.org,en,Sophie,email,,,yes,,\n"
    )
    report = await run_import(database, clock, text)
    assert sorted(report.rejected, key=lambda r: r.line) == [
        RejectedRow(3, "phone", "not a valid number for BE"),
        RejectedRow(5, "language", "expected one of nl, fr, de, en, got 'xx'"),
        RejectedRow(6, "preferred_channel", "expected sms, email or nothing, got 'fax'"),
        RejectedRow(7, "time_zone", "not a time zone: 'Mars/Olympus'"),
        RejectedRow(
            8,
            "consent_sms",
            "expected yes or no (ja/nee, oui/non, ja/nein, true/false, 1/0), got 'vielleicht'",
        ),
        RejectedRow(9, "phone", "no phone number and no email address: at least one is needed"),
        RejectedRow(
            10,
            "consent_at",
            "expected an ISO date and time such as 2020-03-15T10:00:00+01:00, got '2021-13-01'",
        ),
    ]
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    an, sophie = await all_contacts(database)
    assert (an["external_id"], an["phone"], an["phone_key"]) == (
        "a1",
        "+32470123456",
        KEYS.key("sms", "+32470123456"),
    )
    assert an["consent_sms"] is True and an["consent_sms_source"] == "OCMW intake"
    assert an["consent_sms_at"] == datetime(2020, 3, 15, 9, 0, tzinfo=UTC)
    assert an["consent_email"] is False and an["consent_email_at"] is None
    assert an["time_zone"] == "Europe/Brussels"
    assert sophie["consent_email_source"] == "import" and sophie["consent_email_at"] == clock.now()
    assert sophie["email_key"] == KEYS.key("email", "sophie@example.org")


async def test_utf8_with_a_byte_order_mark(database: Database, clock: ManualClock) -> None:
    data = b"\xef\xbb\xbf" + csv_text([person(first_name="Zoë")]).encode("utf-8")
    report = await run_import(database, clock, data)
    assert (report.encoding, report.delimiter, report.created) == ("utf-8-sig", ",", 1)
    assert [c["first_name"] for c in await all_contacts(database)] == ["Zoë"]


async def test_windows_1252_with_semicolons_as_belgian_excel_writes(
    database: Database, clock: ManualClock
) -> None:
    rows = [
        person(external_id="b1", first_name="Chloé", municipality="Liège", language="fr"),
        person(external_id="b2", phone="0470 99 88 77", first_name="Jörg", language="de"),
    ]
    text = csv_text(rows, delimiter=";").replace("\n", ";;\r\n")  # trailing empty columns
    report = await run_import(database, clock, text.encode("cp1252"))
    assert (report.encoding, report.delimiter) == ("windows-1252", ";")
    assert report.rejected == [] and report.created == 2
    chloe, jorg = await all_contacts(database)
    assert (chloe["first_name"], chloe["municipality"], jorg["first_name"]) == (
        "Chloé",
        "Liège",
        "Jörg",
    )


async def test_households_sharing_a_phone_stay_separate_people(
    database: Database, clock: ManualClock
) -> None:
    rows = [person(first_name="An"), person(first_name="Jan"), person(first_name="Fien")]
    report = await run_import(database, clock, csv_text(rows))
    assert report.created == 3
    people = await all_contacts(database)
    assert [p["first_name"] for p in people] == ["An", "Jan", "Fien"]
    assert {p["phone"] for p in people} == {"+32470123456"}


async def test_a_row_without_external_id_like_an_existing_contact_is_never_merged(
    database: Database, clock: ManualClock
) -> None:
    await run_import(database, clock, csv_text([person(first_name="An", region="Vlaanderen")]))
    same = person(first_name="An", region="Vlaanderen")
    moved = person(first_name="AN", region="Brussel")  # names match ignoring case
    sister = person(first_name="Els", region="Brussel")
    report = await run_import(database, clock, csv_text([same, moved, sister]))
    assert (report.created, report.updated, report.unchanged) == (1, 0, 1)
    assert [(a.line, len(a.contact_ids)) for a in report.ambiguous] == [(3, 1)]
    people = await all_contacts(database)
    assert [(p["first_name"], p["region"]) for p in people] == [
        ("An", "Vlaanderen"),
        ("Els", "Brussel"),
    ]


async def test_reimporting_the_same_file_changes_nothing_and_a_change_updates(
    database: Database, clock: ManualClock
) -> None:
    rows = [
        person(external_id=f"c{i}", phone=f"0470 00 00 {i:02d}", age=str(20 + i)) for i in range(10)
    ]
    first = await run_import(database, clock, csv_text(rows))
    clock.advance(3600)
    again = await run_import(database, clock, csv_text(rows))
    assert (first.created, again.created, again.updated, again.unchanged) == (10, 0, 0, 10)
    rows[3] |= {"age": "99", "consent_sms": "nee"}
    changed = await run_import(database, clock, csv_text(rows))
    assert (changed.updated, changed.unchanged) == (1, 9)
    person3 = (await all_contacts(database))[3]
    assert person3["attributes"] == {"age": 99} and person3["consent_sms"] is False
    assert person3["consent_sms_at"] == clock.now() and person3["updated_at"] == clock.now()


async def test_a_dry_run_reports_and_writes_nothing(database: Database, clock: ManualClock) -> None:
    rows = [person(external_id="d1", age="70"), person(external_id="d2", phone="x", age="5")]
    report = await run_import(database, clock, csv_text(rows), dry_run=True)
    assert report.dry_run and report.created == 1
    assert [(r.line, r.column) for r in report.rejected] == [(3, "phone")]
    assert report.new_fields == ["age"]
    async with database.read_session() as session:
        assert (await session.execute(select(func.count()).select_from(contacts))).scalar() == 0
        assert (await session.execute(select(func.count()).select_from(fields))).scalar() == 0


async def test_attributes_are_typed_by_their_values_and_registered(
    database: Database, clock: ManualClock
) -> None:
    rows = [
        person(
            external_id="e1",
            age="70",
            born="1955-04-01",
            alone="ja",
            note="",
            pet="cat",
            income="1234,50",
        ),
        person(
            external_id="e2",
            age="8",
            born="2017-12-31",
            alone="nee",
            note="",
            pet="7",
            income="900",
        ),
    ]
    report = await run_import(database, clock, csv_text(rows))
    expected = {
        "age": FieldType.NUMBER,
        "born": FieldType.DATE,
        "alone": FieldType.BOOLEAN,
        "pet": FieldType.TEXT,
        "income": FieldType.NUMBER,
    }
    assert report.attributes == expected
    async with database.read_session() as session:
        registry = await load_registry(session)
    assert {name: registry[name] for name in expected} == expected
    assert "note" not in registry  # an empty column tells nothing about its type
    first, second = await all_contacts(database)
    assert first["attributes"] == {
        "age": 70,
        "born": "1955-04-01",
        "alone": True,
        "pet": "cat",
        "income": 1234.5,
    }
    assert second["attributes"]["pet"] == "7"
    # Next time the registry decides: a value that does not fit is rejected.
    later = await run_import(database, clock, csv_text([person(external_id="e3", age="old")]))
    assert later.rejected == [
        RejectedRow(2, "age", "age is a number field: expected a number, got 'old'")
    ]


async def test_a_bad_header_rejects_the_file_at_line_1(
    database: Database, clock: ManualClock
) -> None:
    report = await run_import(database, clock, "phone,first name,and,opted_out_sms\n0470,An,x,1\n")
    assert [(r.line, r.column) for r in report.rejected] == [
        (1, "and"),
        (1, "opted_out_sms"),
        (1, "language"),
    ]
    assert report.created == 0 and await all_contacts(database) == []


async def test_the_demo_file_imports_entirely(database: Database, clock: ManualClock) -> None:
    data = demo_contacts_csv().encode("utf-8")
    report = await run_import(database, clock, data, languages=SUPPORTED_LANGUAGES)
    assert report.rejected == [] and report.ambiguous == []
    assert report.created == 2000
    again = await run_import(database, clock, data, languages=SUPPORTED_LANGUAGES)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2000)
