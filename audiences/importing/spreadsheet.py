"""Files for a spreadsheet: the rejected rows of an import, and contacts exported as CSV.

Every cell goes through ``safe_cell`` (audiences/importing/cells.py), so none runs as a formula. The
contact export has the columns an import reads, so a file exported, corrected in a spreadsheet
and imported again updates the same contacts (by ``external_id``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import IO, Any

from audiences.contacts.model import ImportReport
from audiences.importing.cells import safe_cell
from audiences.importing.csvfile import UTF8, UTF8_BOM, WINDOWS_1252
from audiences.importing.sources import Table, open_table

# The contact columns an import reads, less consent_source and consent_at: those are kept per
# channel, and the per-person JSON export gives them (with opt-outs and messages).
EXPORTED_COLUMNS = (
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
)


DELIMITERS = {"semicolon": ";", "comma": ","}  # Belgian Excel reads semicolons


def csv_lines(rows: Sequence[Sequence[str]], delimiter: str) -> bytes:
    """Rows as CSV lines in UTF-8, ended as a spreadsheet ends them (CR LF)."""
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode()


def contact_header(attributes: Sequence[str]) -> list[str]:
    return [*EXPORTED_COLUMNS, *attributes]


def contact_cells(row: Mapping[str, Any], attributes: Sequence[str]) -> list[str]:
    """One contact as the cells of :func:`contact_header`, each safe for a spreadsheet."""
    values = [row[c] for c in EXPORTED_COLUMNS]
    values += [row["attributes"].get(name) for name in attributes]
    return [safe_cell(_as_text(v)) for v in values]


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and "e" in repr(value):
        return format(Decimal(repr(value)), "f")  # the import reads 0.00000015, not 1.5e-07
    return str(value)


# How the rejects file of a file in each encoding is written: as the file came.
_WRITE_CODECS = {UTF8: "utf-8", UTF8_BOM: "utf-8-sig", WINDOWS_1252: "cp1252"}


def write_rejects(out: IO[bytes], data: bytes | IO[bytes], report: ImportReport) -> int:
    """Write each rejected row (line, column, reason, then its values) as CSV; return the count.

    The file is read once more to find the rejected lines' values. The rejects are written as
    the file was: its encoding, delimiter and header, each problem under the name the file
    gives its column, so they open in the same spreadsheet program as the file did. An XLSX
    workbook's rejects are CSV in UTF-8 with a byte order mark and semicolons, as Belgian
    Excel opens it. Every cell is made safe.
    """
    problems: dict[int, list[tuple[str, str]]] = {}
    headed = {column: written for written, column in report.columns.items()}
    for rejected in report.rejected:
        column = headed.get(rejected.column, rejected.column)
        problems.setdefault(rejected.line, []).append((column, rejected.reason))
    try:
        table: Table | None = open_table(data)
    except ValueError:
        table = None
    codec = _WRITE_CODECS.get(table.encoding if table else "", "utf-8-sig")
    text = io.TextIOWrapper(out, encoding=codec, errors="replace", newline="")
    try:
        written = _write_rejected_rows(text, table, problems)
    finally:
        text.detach()  # the caller's stream stays open
    return written


def _write_rejected_rows(
    out: IO[str], table: Table | None, problems: dict[int, list[tuple[str, str]]]
) -> int:
    delimiter = (table.delimiter if table else "") or DELIMITERS["semicolon"]
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    header = table.header if table is not None else ()
    writer.writerow([safe_cell(c) for c in ("line", "column", "reason", *header)])
    written = 0
    for column, reason in problems.pop(1, []):
        writer.writerow([safe_cell(c) for c in (1, column, reason, *header)])
        written += 1
    for record in table.records() if table is not None and problems else ():
        for column, reason in problems.get(record.line, []):
            writer.writerow([safe_cell(c) for c in (record.line, column, reason, *record.values)])
            written += 1
    out.flush()
    return written
