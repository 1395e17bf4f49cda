"""Files as Belgian staff make them, on SQLite and PostgreSQL: headers in their own language,
day-first dates, letters lost to Windows-1252, and a rejects file that opens like the input."""

from __future__ import annotations

import csv
import io

from audiences.contacts.fields import add_field, load_registry
from audiences.contacts.model import FieldType, RowWarning
from audiences.importing.spreadsheet import write_rejects
from campaign.kernel.clock import ManualClock
from campaign.store.engine import Database
from tests.api_client import Api
from tests.factories import all_contacts, run_import

DUTCH_EXCEL = (
    "Eigen nummer;Taal;Voornaam;GSM;Gemeente;Postcode;Akkoord met sms;Vaccinatiedatum\r\n"
    "n1;nl;Chloé;0470 12 34 56;Gand;9000;ja;15/03/2021\r\n"
    "n2;fr;Fran?ois;0470 12 34 57;Luik;4000;oui;1/4/2021\r\n"
    "n3;nl;Jan;12;Gent;9000;ja;31.12.2020\r\n"
)


async def test_a_dutch_excel_file_imports_by_its_own_headers(
    database: Database, clock: ManualClock
) -> None:
    report = await run_import(database, clock, DUTCH_EXCEL.encode("cp1252"))
    assert (report.encoding, report.delimiter) == ("windows-1252", ";")
    assert report.columns == {
        "Eigen nummer": "external_id",
        "Taal": "language",
        "Voornaam": "first_name",
        "GSM": "phone",
        "Gemeente": "municipality",
        "Postcode": "postcode",
        "Akkoord met sms": "consent_sms",
        "Vaccinatiedatum": "vaccinatiedatum",
    }
    assert report.attributes == {"vaccinatiedatum": FieldType.DATE}
    assert [(r.line, r.column) for r in report.rejected] == [(4, "phone")]
    assert report.created == 2
    chloe, francois = await all_contacts(database)
    assert (chloe["external_id"], chloe["phone"], chloe["consent_sms"]) == (
        "n1",
        "+32470123456",
        True,
    )
    assert chloe["attributes"] == {"vaccinatiedatum": "2021-03-15"}
    assert francois["attributes"] == {"vaccinatiedatum": "2021-04-01"}


async def test_a_question_mark_where_a_letter_was_lost_is_a_warning(
    database: Database, clock: ManualClock
) -> None:
    report = await run_import(database, clock, DUTCH_EXCEL.encode("cp1252"))
    assert [(w.line, w.column) for w in report.warnings] == [(3, "first_name")]
    assert "'Fran?ois' has a ? where a letter was probably lost" in report.warnings[0].reason
    assert "Windows-1252" in report.warnings[0].reason
    # Imported as written: the warning asks a person to look, it does not refuse the row.
    assert [c["first_name"] for c in await all_contacts(database)] == ["Chloé", "Fran?ois"]


async def test_a_question_mark_in_free_text_is_not_a_lost_letter(
    database: Database, clock: ManualClock
) -> None:
    text = (
        "phone,language,first_name,note,achternaam\n"
        "0470 12 34 56,nl,An,Belt ze terug?,Pawe?czyk\n"
        "0470 12 34 57,nl,?,,\n"
    )
    report = await run_import(database, clock, text)
    assert report.warnings == [
        RowWarning(2, "achternaam", report.warnings[0].reason),
        RowWarning(3, "first_name", report.warnings[1].reason),
    ]
    assert "Windows-1252" not in report.warnings[0].reason


async def test_a_registered_field_is_read_by_its_label(
    database: Database, clock: ManualClock
) -> None:
    async with database.transaction() as session:
        labels = {"nl": "Geboortedatum", "fr": "Date de naissance"}
        await add_field(session, "geboortedatum", FieldType.DATE, labels)
    text = "Langue;Prénom;Portable;Date de naissance\nfr;Léa;0470 12 34 56;02/01/1950\n"
    report = await run_import(database, clock, text)
    assert report.rejected == [] and report.new_fields == []
    assert report.columns["Date de naissance"] == "geboortedatum"
    (lea,) = await all_contacts(database)
    assert lea["attributes"] == {"geboortedatum": "1950-01-02"}  # 2 January, never 1 February
    async with database.read_session() as session:
        assert "date_de_naissance" not in await load_registry(session)


async def test_a_header_without_a_language_names_the_columns_and_suggests_map(
    database: Database, clock: ManualClock
) -> None:
    text = "Naam;Moedertaal;GSM\nAn;nl;0470 12 34 56\n"
    report = await run_import(database, clock, text)
    assert [(r.line, r.column) for r in report.rejected] == [(1, "language")]
    assert "'Naam', 'Moedertaal', 'GSM'" in report.rejected[0].reason
    assert "map" in report.rejected[0].reason
    assert report.created == 0 and await all_contacts(database) == []
    mapped = await run_import(database, clock, text, mapping={"Moedertaal": "language"})
    assert mapped.rejected == [] and mapped.created == 1


async def test_the_rejects_file_is_written_as_the_file_came(
    database: Database, clock: ManualClock
) -> None:
    data = DUTCH_EXCEL.replace("Jan;12", "Chloé;12").encode("cp1252")
    report = await run_import(database, clock, data)
    out = io.BytesIO()
    assert write_rejects(out, io.BytesIO(data), report) == 1
    written = out.getvalue()
    assert "Chloé".encode("cp1252") in written  # Windows-1252, as the file came
    rows = list(csv.reader(io.StringIO(written.decode("cp1252")), delimiter=";"))
    assert rows[0] == ["line", "column", "reason", *DUTCH_EXCEL.split("\r\n")[0].split(";")]
    assert rows[1][:2] == ["4", "GSM"]  # under the name the file gives the column
    assert rows[1][3:6] == ["n3", "nl", "Chloé"]


async def test_the_rejects_of_a_utf8_file_keep_its_byte_order_mark_and_commas(
    database: Database, clock: ManualClock
) -> None:
    data = "\ufeffTaal,GSM,Voornaam\nnl,12,Zoë\n".encode()
    report = await run_import(database, clock, data)
    out = io.BytesIO()
    assert write_rejects(out, io.BytesIO(data), report) == 1
    assert out.getvalue().startswith("\ufeffline,column,reason,Taal,GSM,Voornaam\r\n".encode())
    assert b"2,GSM," in out.getvalue() and "Zoë".encode() in out.getvalue()


async def test_the_api_reports_how_columns_were_read_and_the_warnings(api: Api) -> None:
    status, report, _ = await api.call(
        "POST", "/api/v1/contacts/import", "editor", data=DUTCH_EXCEL.encode("cp1252")
    )
    assert status == 200, report
    assert report["detected"]["columns"]["GSM"] == "phone"
    assert report["warnings"] == [
        {"line": 3, "column": "first_name", "reason": report["warnings"][0]["reason"]}
    ]
    assert [(r["line"], r["column"]) for r in report["rejected"]] == [(4, "phone")]
