"""Converting an attribute's stored values to another type, for a field fixed to the wrong one.

Pure. A value converts when its text, as the spreadsheet export writes it, reads as the new
type the way an import reads a cell: ``"0471"`` becomes the number 471, the number 1 the
boolean yes, ``"2024-03-01"`` a date, and any value becomes text. So converting is the same
as exporting the contacts and importing them again with the field registered as the new type,
without the round trip.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from audiences.contacts.model import FieldInfo, FieldType
from audiences.contacts.values import JsonValue, parse_typed

SHOWN_FAILURES = 5  # values named in the refusal; the rest are counted
_SHOWN_LENGTH = 40


def stored_text(value: JsonValue) -> str:
    """A stored attribute value as text: booleans as yes/no, numbers without an exponent."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and "e" in repr(value):
        return format(Decimal(repr(value)), "f")
    return str(value)


def converted(value: JsonValue, to: FieldType) -> JsonValue:
    """``value`` stored as a ``to`` value; ValueError when its text is not one."""
    return parse_typed(stored_text(value), to)


def same_stored(a: JsonValue, b: JsonValue) -> bool:
    """Equal as stored JSON (in Python ``True == 1``; in a document they differ)."""
    return type(a) is type(b) and a == b


@dataclass(frozen=True, slots=True)
class Unconvertible:
    """A contact whose stored value does not read as the new type."""

    contact_id: int
    value: JsonValue

    def __str__(self) -> str:
        text = stored_text(self.value)
        if len(text) > _SHOWN_LENGTH:
            text = text[: _SHOWN_LENGTH - 1] + "…"
        return f"contact {self.contact_id}: {text!r}"


@dataclass(frozen=True, slots=True)
class FieldConversion:
    """The field after a conversion, and how many contacts' stored values were rewritten."""

    field: FieldInfo
    previous: FieldType
    rewritten: int

    @property
    def changed(self) -> bool:
        return self.field.type is not self.previous
