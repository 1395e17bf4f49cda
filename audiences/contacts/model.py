"""The audiences domain: channels, field types, import reports, reasons for exclusion.

Pure: no database, no network. The repository and service modules map rows to these.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class FieldType(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    BOOLEAN = "boolean"


class ExclusionReason(StrEnum):
    """Why a contact that matches a segment is not reached on a channel."""

    NO_CONSENT = "no_consent"
    OPTED_OUT = "opted_out"
    SUPPRESSED = "suppressed"
    NO_ADDRESS = "no_address"
    DUPLICATE_ADDRESS = "duplicate_address"


# Fields every contact has, stored in their own columns; attributes come from the registry.
BUILT_IN_FIELDS: Mapping[str, FieldType] = {
    "external_id": FieldType.TEXT,
    "phone": FieldType.TEXT,
    "email": FieldType.TEXT,
    "language": FieldType.TEXT,
    "first_name": FieldType.TEXT,
    "preferred_channel": FieldType.TEXT,
    "time_zone": FieldType.TEXT,
    "postcode": FieldType.TEXT,
    "municipality": FieldType.TEXT,
    "province": FieldType.TEXT,
    "region": FieldType.TEXT,
    "consent_sms": FieldType.BOOLEAN,
    "consent_email": FieldType.BOOLEAN,
    "opted_out_sms": FieldType.BOOLEAN,
    "opted_out_email": FieldType.BOOLEAN,
}

# Columns of a contact CSV that are not attributes (consent_source and consent_at describe consent).
CONTACT_COLUMNS = frozenset(BUILT_IN_FIELDS) - {"opted_out_sms", "opted_out_email"} | {
    "consent_source",
    "consent_at",
}


_ATTRIBUTE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,63}")
_RESERVED_WORDS = frozenset({"and", "or", "not", "in", "is", "set"})
ATTRIBUTE_NAME_RULE = (
    "a field name is a letter, then letters, digits or _ (64 at most), "
    "and not a word of the segment language (and, or, not, in, is, set)"
)


def is_attribute_name(name: str) -> bool:
    """Whether ``name`` can name an attribute: a column of a file and a field of a query."""
    return name not in _RESERVED_WORDS and _ATTRIBUTE_NAME.fullmatch(name) is not None


@dataclass(frozen=True, slots=True)
class FieldInfo:
    """A field a segment may name: its type, whether the contact row holds it, its labels."""

    name: str
    type: FieldType
    built_in: bool
    labels: Mapping[str, str]  # language code -> what staff call the field in that language


@dataclass(frozen=True, slots=True)
class RejectedRow:
    """A row that was not imported: the physical line where it starts, the column, and why."""

    line: int
    column: str
    reason: str


@dataclass(frozen=True, slots=True)
class AmbiguousRow:
    """A row that looks like an existing contact but differs: nothing was written for it."""

    line: int
    contact_ids: tuple[int, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class RowWarning:
    """A row imported as written that a person should look at: the line, the column, why."""

    line: int
    column: str
    reason: str


@dataclass(slots=True)
class ImportReport:
    """What an import did (or, in a dry run, would do), and what it detected in the file."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)
    ambiguous: list[AmbiguousRow] = field(default_factory=list)
    warnings: list[RowWarning] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # file header -> our column
    format: str = ""  # "csv" or "xlsx"
    encoding: str = ""
    delimiter: str = ""
    rows: int = 0  # records read after the header
    attributes: dict[str, FieldType] = field(default_factory=dict)
    new_fields: list[str] = field(default_factory=list)
    dry_run: bool = False
