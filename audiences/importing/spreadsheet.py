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
from audiences.importing.importer import apply_mapping
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
