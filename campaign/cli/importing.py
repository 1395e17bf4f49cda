"""How a contact import looks in a terminal, kept apart so ``contacts.py`` stays about commands.

The progress goes to standard error and the report to standard output, so a script that keeps
the report is not handed a progress bar.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import ExitStack
from typing import TYPE_CHECKING

import click

from campaign.cli.common import fail

if TYPE_CHECKING:
    from audiences.contacts.model import ImportReport


def parse_map(pairs: tuple[str, ...]) -> dict[str, str]:
    """The ``--map old=new`` options as a column renaming; a malformed one ends the command."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        if not sep or not old.strip() or not new.strip():
            fail(f"--map expects old=new, got {pair!r}", 2)
        mapping[old.strip()] = new.strip()
    return mapping


class Progress:
    """A progress bar over the file's records, on standard error, once their number is known."""

    def __init__(self) -> None:
        self._bar = ExitStack()
        self._update: Callable[[int], None] | None = None
        self._shown = 0

    def __call__(self, done: int, total: int) -> None:
        if self._update is None:
            bar = click.progressbar(length=total, label="importing", file=sys.stderr)
            self._update = self._bar.enter_context(bar).update
        self._update(done - self._shown)
        self._shown = done

    def close(self) -> None:
        self._bar.close()


def summary(report: ImportReport) -> list[str]:
    """The report's lines: what was detected, the counts, then each ambiguous and rejected row
    and each warning."""
    from audiences.importing.headers import normalise_column

    if report.format == "xlsx":
        detected = "XLSX workbook (first sheet)"
    else:
        delimiter = {",": "comma", ";": "semicolon"}.get(report.delimiter, report.delimiter)
        detected = f"CSV, {report.encoding or '?'}, {delimiter or '?'} delimited"
    attributes = ", ".join(f"{n} ({t})" for n, t in report.attributes.items()) or "none"
    new = f"; new fields: {', '.join(report.new_fields)}" if report.new_fields else ""
    # Columns read as a field the header does not spell out (a label, a --map): say which.
    renamed = [f"{w} as {c}" for w, c in report.columns.items() if normalise_column(w) != c]
    return [
        f"detected: {detected}; {report.rows} rows",
        *([f"columns read: {', '.join(renamed)}"] if renamed else []),
        f"attributes: {attributes}{new}",
        f"{'dry run: ' if report.dry_run else ''}{report.created} created, {report.updated} "
        f"updated, {report.unchanged} unchanged, {len(report.ambiguous)} ambiguous, "
        f"{len(report.rejected)} rejected",
        *(f"  line {row.line}, ambiguous: {row.reason}" for row in report.ambiguous),
        *(f"  line {row.line}, {row.column}: {row.reason}" for row in report.rejected),
        *(f"  line {row.line}, {row.column}, warning: {row.reason}" for row in report.warnings),
    ]
