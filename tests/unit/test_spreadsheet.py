"""Cells written for a spreadsheet never run as formulas."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audiences.contacts.model import ImportReport, RejectedRow
from audiences.contacts.values import parse_number
from audiences.importing.cells import safe_cell, unwrap_cell
from audiences.importing.spreadsheet import EXPORTED_COLUMNS, contact_cells, write_rejects


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+32470123456", "'+32470123456"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Gent", "Gent"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (42, "42"),
    ],
)
def test_a_cell_that_a_spreadsheet_would_run_is_neutralised(value: object, written: str) -> None:
    assert safe_cell(value) == written


def test_the_rejects_file_has_line_column_reason_and_the_values_made_safe() -> None:
    data = b"phone,language,first_name\n=1+1,nl,An\n0470 12 34 56,nl,Jan\n12,xx,@me\n"
    report = ImportReport(
        rejected=[
            RejectedRow(2, "phone", "not a phone number"),
            RejectedRow(4, "phone", "not a valid number for BE"),
            RejectedRow(4, "language", "expected one of nl, got 'xx'"),
        ]
    )
    out = io.BytesIO()
    assert write_rejects(out, data, report) == 3
    assert list(csv.reader(io.StringIO(out.getvalue().decode("utf-8")))) == [
        ["line", "column", "reason", "phone", "language", "first_name"],
        ["2", "phone", "not a phone number", "'=1+1", "nl", "An"],
        ["4", "phone", "not a valid number for BE", "12", "xx", "'@me"],
        ["4", "language", "expected one of nl, got 'xx'", "12", "xx", "'@me"],
    ]


@given(st.one_of(st.text(), st.text().map(lambda text: "'" + text)))
def test_a_neutralised_cell_reads_back_as_it_was_written(text: str) -> None:
    assert unwrap_cell(safe_cell(text)) == text


@pytest.mark.parametrize("text", ["'t Stad", "'", "''", "O'Neil", "'42"])
def test_an_apostrophe_that_guards_no_formula_is_kept(text: str) -> None:
    assert unwrap_cell(text) == text


def test_an_apostrophe_before_a_formula_is_guarded_too() -> None:
    assert safe_cell("'=1+1") == "''=1+1"


def test_exported_attributes_read_as_an_import_reads_them() -> None:
    row = {c: None for c in EXPORTED_COLUMNS} | {
        "attributes": {"tiny": 1.5e-07, "big": 1e22, "alone": True, "age": 70, "since": "2021-03"}
    }
    cells = contact_cells(row, ["tiny", "big", "alone", "age", "since", "missing"])
    assert cells[len(EXPORTED_COLUMNS) :] == [
        "0.00000015",
        "10000000000000000000000",
        "yes",
        "70",
        "2021-03",
        "",
    ]
    assert parse_number(cells[len(EXPORTED_COLUMNS)]) == 1.5e-07


def test_a_number_too_large_to_store_is_not_a_number() -> None:
    with pytest.raises(ValueError, match="too large"):
        parse_number("9" * 400)
