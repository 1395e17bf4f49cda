"""Importing XLSX workbooks, told apart from CSV by their content: lines are row numbers."""

from __future__ import annotations

from datetime import datetime

from audiences.contacts.model import FieldType, RejectedRow
from campaign.kernel.clock import ManualClock
from campaign.store.engine import Database
from tests.factories import all_contacts, run_import, xlsx_bytes

HEADER = ("external_id", "Telefoon", "email", "language", "first_name", "consent_sms", "age")


async def test_an_xlsx_file_imports_with_row_numbers_as_lines(
    database: Database, clock: ManualClock
) -> None:
    data = xlsx_bytes(
        [
            HEADER,
            ("x1", "0470 12 34 56", None, "nl", "An", True, 67),
            ("x2", "12", None, "nl", "Jan", "ja", 70),
            (None, None, None, None, None, None, None),  # an empty row keeps its number
            ("x3", None, "marie@example.org", "fr", "Marie", False, 81.0),
            ("x4", "0470 12 34 57", None, "xx", "Els", "ja", 45, None, None),
        ]
    )
    report = await run_import(database, clock, data, mapping={"Telefoon": "phone"})
    assert (report.format, report.encoding, report.delimiter) == ("xlsx", "", "")
    assert report.rejected == [
        RejectedRow(3, "phone", "not a valid number for BE"),
        RejectedRow(6, "language", "expected one of nl, fr, de, en, got 'xx'"),
    ]
    assert report.attributes == {"age": FieldType.NUMBER}
    an, marie = await all_contacts(database)
    assert (an["phone"], an["consent_sms"], an["attributes"]) == ("+32470123456", True, {"age": 67})
    assert (marie["email"], marie["attributes"]) == ("marie@example.org", {"age": 81})


async def test_dates_in_cells_become_iso_dates_and_the_name_does_not_matter(
    database: Database, clock: ManualClock
) -> None:
    data = xlsx_bytes(
        [
            ("external_id", "phone", "language", "vaccinated_on"),
            ("d1", "0470 12 34 56", "nl", datetime(2021, 3, 1)),
        ]
    )
    report = await run_import(database, clock, data)
    assert report.rejected == [] and report.attributes == {"vaccinated_on": FieldType.DATE}
    (contact,) = await all_contacts(database)
    assert contact["attributes"] == {"vaccinated_on": "2021-03-01"}


async def test_a_broken_workbook_is_one_clear_rejection(
    database: Database, clock: ManualClock
) -> None:
    report = await run_import(database, clock, b"PK\x03\x04 this is not a workbook")
    assert len(report.rejected) == 1 and report.rejected[0].line == 1
    assert "XLSX" in report.rejected[0].reason
    assert await all_contacts(database) == []
