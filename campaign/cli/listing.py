"""What the administrative commands share: who the operator is, and lists as aligned columns."""

from __future__ import annotations

import getpass
from collections.abc import Sequence
from datetime import datetime

import click

from campaign.kernel.identity import Identity, Role


def operator() -> Identity:
    """An administrator named after the operating-system user, so the trail says who it was."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        user = "unknown user"
    return Identity(role=Role.ADMIN, label=f"cli ({user})")


def moment(value: datetime | None) -> str:
    """A time as staff read it in a list: to the minute, in UTC; a dash when there is none."""
    return "-" if value is None else f"{value:%Y-%m-%d %H:%M} UTC"


def echo_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Print ``rows`` under ``header`` in columns as wide as their widest cell."""
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    for row in (header, *rows):
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
