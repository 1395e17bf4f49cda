"""A workbook over the XLSX limits is refused before openpyxl reads it; a CSV or workbook over
the column limit after its header alone (decision 0032).

"Before openpyxl reads it" is checked in a process of its own: after the refusal, openpyxl has
not even been imported there.
"""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from audiences.importing.csvfile import CsvFileError
from audiences.importing.sources import open_table
from audiences.importing.workbook import check_workbook
from campaign.kernel.errors import TooLarge
from campaign.kernel.limits import (
    IMPORT_COLUMNS_MAX,
    XLSX_PARTS_MAX,
    XLSX_ROWS_MAX,
    XLSX_SHARED_STRINGS_MAX,
    XLSX_UNCOMPRESSED_MAX,
)
from tests.workbooks import contact_sheet

ROOT = Path(__file__).resolve().parents[2]
_OPEN = """
import sys
from audiences.importing.sources import open_table
from audiences.importing.workbook import check_workbook
from campaign.kernel.errors import TooLarge
try:
    open_table(open(sys.argv[1], "rb"))
except TooLarge as refused:
    print("refused:", refused)
print("openpyxl imported:", "openpyxl" in sys.modules)
"""


def _opened_elsewhere(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "contacts.xlsx"
    path.write_bytes(data)
    done = subprocess.run(
        [sys.executable, "-c", _OPEN, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


def test_a_gibibyte_of_whitespace_in_sheet_data_is_refused_unread(tmp_path: Path) -> None:
    data = contact_sheet(padding=1 << 30)
    assert len(data) < 5 * 1024 * 1024  # it travels as a few megabytes
    said = _opened_elsewhere(data, tmp_path)
    assert "refused: the workbook unzips to 1,024 MiB: at most 256 MiB" in said
    assert "openpyxl imported: False" in said


def test_five_million_shared_strings_are_refused_unread(tmp_path: Path) -> None:
    data = contact_sheet(shared_strings=5_000_000)
    assert len(data) < 1024 * 1024
    said = _opened_elsewhere(data, tmp_path)
    assert f"more than {XLSX_SHARED_STRINGS_MAX:,} shared strings" in said
    assert "openpyxl imported: False" in said


def test_rows_beyond_excels_own_are_refused_unread(tmp_path: Path) -> None:
    said = _opened_elsewhere(contact_sheet(rows=XLSX_ROWS_MAX), tmp_path)
    assert f"more than {XLSX_ROWS_MAX:,} rows" in said
    assert "openpyxl imported: False" in said


def test_workbooks_at_the_limits_pass_the_check() -> None:
    at_limits = contact_sheet(
        shared_strings=XLSX_SHARED_STRINGS_MAX - 4,  # the contact's four, and these
        rows=XLSX_ROWS_MAX - 2,
        padding=XLSX_UNCOMPRESSED_MAX - 40 * 1024 * 1024,  # and the strings' and rows' 40 MiB
    )
    check_workbook(io.BytesIO(at_limits))


def test_a_workbook_within_the_limits_is_read() -> None:
    table = open_table(contact_sheet(shared_strings=1000, rows=1000, padding=1 << 20))
    assert table.header == ("phone", "language")
    assert [r.values for r in table.records()] == [("0470 12 34 56", "nl")]


def test_a_workbook_of_too_many_parts_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(contact_sheet())) as source, zipfile.ZipFile(out, "w") as book:
        for item in source.infolist():
            book.writestr(item, source.read(item))
        for n in range(XLSX_PARTS_MAX):
            book.writestr(f"xl/media/image{n}.png", b"")
    with pytest.raises(TooLarge, match=f"parts: at most {XLSX_PARTS_MAX:,}"):
        open_table(out.getvalue())


def test_a_part_compressed_as_excel_never_does_is_not_inflated() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(contact_sheet())) as source, zipfile.ZipFile(out, "w") as book:
        for item in source.infolist():
            # bzip2 inflates in one call, without a bound on what comes out
            book.writestr(item.filename, source.read(item), zipfile.ZIP_BZIP2)
    with pytest.raises(CsvFileError, match="compressed in a way Excel does not write"):
        open_table(out.getvalue())


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_file_wider_than_a_contact_list_is_refused_after_its_header(kind: str) -> None:
    header = ["phone", "language"] + [f"extra_{n}" for n in range(IMPORT_COLUMNS_MAX - 1)]
    if kind == "csv":
        data = (";".join(header) + "\n0470 12 34 56;nl\n").encode()
    else:
        from tests.factories import xlsx_bytes

        data = xlsx_bytes([header, ["0470 12 34 56", "nl"]])
    with pytest.raises(TooLarge, match=f"{IMPORT_COLUMNS_MAX + 1:,} columns"):
        open_table(data)


def test_a_file_as_wide_as_the_limit_is_read() -> None:
    header = ["phone", "language"] + [f"extra_{n}" for n in range(IMPORT_COLUMNS_MAX - 2)]
    table = open_table((";".join(header) + "\n0470 12 34 56;nl\n").encode())
    assert len(table.header) == IMPORT_COLUMNS_MAX
