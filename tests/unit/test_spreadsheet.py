"""Cells written for a spreadsheet never run as formulas."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audiences.cells import safe_cell, unwrap_cell
from audiences.model import ImportReport, RejectedRow
from audiences.spreadsheet import write_rejects


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
    out = io.StringIO()
    assert write_rejects(out, data, report, {"phone": "phone"}) == 3
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ["line", "column", "reason", "phone", "language", "first_name"],
        ["2", "phone", "not a phone number", "'=1+1", "nl", "An"],
        ["4", "phone", "not a valid number for BE", "12", "xx", "'@me"],
        ["4", "language", "expected one of nl, got 'xx'", "12", "xx", "'@me"],
    ]


@given(st.text().filter(lambda text: not text.startswith("'")))
def test_a_neutralised_cell_reads_back_as_it_was_written(text: str) -> None:
    assert unwrap_cell(safe_cell(text)) == text


@pytest.mark.parametrize("text", ["'t Stad", "'", "''=1", "O'Neil", "'42"])
def test_an_apostrophe_that_guards_no_formula_is_kept(text: str) -> None:
    assert unwrap_cell(text) == text
