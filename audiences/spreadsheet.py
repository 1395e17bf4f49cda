"""Cells that are safe to open in a spreadsheet, and the rejected-rows file of an import.

A cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return) is read by
Excel and LibreOffice as a formula: a contact file is data from outside, so every cell we write
for a spreadsheet is neutralised with a leading ``'`` (OWASP's advice on CSV injection).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from typing import IO

from audiences.importer import apply_mapping
from audiences.model import ImportReport
from audiences.sources import Table, open_table

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """``value`` as text, with a leading ``'`` when a spreadsheet would run it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def write_rejects(
    out: IO[str],
    data: bytes | IO[bytes],
    report: ImportReport,
    mapping: Mapping[str, str] | None = None,
) -> int:
    """Write each rejected row (line, column, reason, then its values) as CSV; return the count.

    The file is read once more to find the rejected lines' values; every cell is made safe.
    """
    problems: dict[int, list[tuple[str, str]]] = {}
    for rejected in report.rejected:
        problems.setdefault(rejected.line, []).append((rejected.column, rejected.reason))
    writer = csv.writer(out, lineterminator="\n")
    try:
        table: Table | None = open_table(data)
    except ValueError:
        table = None
    header = apply_mapping(table.header, mapping or {}) if table is not None else []
    writer.writerow([safe_cell(c) for c in ("line", "column", "reason", *header)])
    written = 0
    for column, reason in problems.pop(1, []):
        writer.writerow([safe_cell(c) for c in (1, column, reason, *header)])
        written += 1
    for record in table.records() if table is not None and problems else ():
        for column, reason in problems.get(record.line, []):
            writer.writerow([safe_cell(c) for c in (record.line, column, reason, *record.values)])
            written += 1
    return written
