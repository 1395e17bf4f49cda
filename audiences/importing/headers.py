"""Reading a contact file's header: which of our fields each column holds, and what is wrong.

A column is read, in this order, as:

1. the field ``mapping`` names for it (``--map GSM=phone``; the column as written or normalised);
2. a built-in column named as we name it (``phone``, ``first name``);
3. a built-in field whose label or usual header word it is, in nl, fr, de or en (``Taal``,
   ``Prénom``, ``Handy``, ``Courriel``; audiences/contacts/field_labels.py);
4. a registered attribute named so, or whose label it is (``Date de naissance`` for a field
   labelled so in fr);
5. else a new attribute, named by normalising the header.

Labels are compared by their letters only: case, accents, spaces and punctuation do not count.
A built-in label comes before an attribute's name, so a file headed ``Gemeente`` fills the
municipality even where an older import registered an attribute ``gemeente`` (map it
explicitly to reach that attribute). Pure: the caller reads the registry.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from audiences.contacts.field_labels import header_words
from audiences.contacts.model import (
    ATTRIBUTE_NAME_RULE,
    BUILT_IN_FIELDS,
    CONTACT_COLUMNS,
    FieldInfo,
    RejectedRow,
    is_attribute_name,
)
from audiences.contacts.places import name_key, strip_accents

_SHOWN_COLUMNS = 20  # columns named in an error about the header, at most


def normalise_column(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def apply_mapping(header: Sequence[str], mapping: Mapping[str, str]) -> list[str | None]:
    """For each column, the field ``mapping`` names for it, or None when it names none; a
    key matches the column as written or once normalised."""
    normalised = {normalise_column(k): v for k, v in mapping.items()}
    return [mapping.get(name) or normalised.get(normalise_column(name)) for name in header]


def _label_index(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Label key -> field name; a key two fields share names neither."""
    index: dict[str, str] = {}
    shared: set[str] = set()
    for field, label in pairs:
        key = name_key(label)
        if index.setdefault(key, field) != field:
            shared.add(key)
    return {key: field for key, field in index.items() if key not in shared and key}


_BUILT_IN_LABELS = _label_index(
    (name, word) for name in BUILT_IN_FIELDS for word in header_words(name)
)


def read_columns(
    header: Sequence[str], mapping: Mapping[str, str], attributes: Sequence[FieldInfo]
) -> list[str]:
    """Our name for each column of ``header`` (see the module's docstring for the order)."""
    names = {a.name for a in attributes}
    labels = _label_index((a.name, label) for a in attributes for label in a.labels.values())
    mapped = apply_mapping(header, mapping)
    columns: list[str] = []
    for written, target in zip(header, mapped, strict=True):
        column = normalise_column(target if target is not None else written)
        if target is None and column not in CONTACT_COLUMNS:
            key = name_key(written)
            column = _BUILT_IN_LABELS.get(key) or (
                column if column in names else labels.get(key, column)
            )
        columns.append(column)
    return columns


def check_header(header: Sequence[str], columns: Sequence[str]) -> list[RejectedRow]:
    """What is wrong with the header line: each problem names the column as the file writes it
    and, where a column is missing or cannot be read, the columns found and ``map``."""
    problems = [
        RejectedRow(1, column or f"column {index}", why)
        for index, column, why in _column_problems(header, columns)
    ]
    if "language" not in columns:
        problems.append(RejectedRow(1, "language", _missing("language", header, columns)))
    if "phone" not in columns and "email" not in columns:
        why = _missing("phone", header, columns, "neither a phone nor an email column")
        problems.append(RejectedRow(1, "phone", why))
    return problems


def _column_problems(header: Sequence[str], columns: Sequence[str]) -> list[tuple[int, str, str]]:
    problems: list[tuple[int, str, str]] = []
    for index, (written, column) in enumerate(zip(header, columns, strict=True), start=1):
        first = columns.index(column)
        if not column:
            problems.append((index, column, "this column has no name"))
        elif first != index - 1 and header[first] == written:
            problems.append((index, column, "this column appears twice"))
        elif first != index - 1:
            why = f"{header[first]!r} and {written!r} are both read as {column}: keep one"
            problems.append((index, column, f"{why}, or rename one with map"))
        elif column in BUILT_IN_FIELDS and column not in CONTACT_COLUMNS:
            problems.append((index, column, "this field cannot be imported"))
        elif not is_attribute_name(column):
            why = f"{written!r} is not one of our fields and cannot name a new one: "
            hint = _map_hint(written, _suggested_name(written))
            why += f"{ATTRIBUTE_NAME_RULE}; rename it with map ({hint})"
            problems.append((index, column, why))
    return problems


def _missing(
    field: str, header: Sequence[str], columns: Sequence[str], what: str | None = None
) -> str:
    """Why a needed column is missing: the columns found, and how to say which one it is."""
    shown = ", ".join(repr(name) for name in header[:_SHOWN_COLUMNS])
    more = f" and {len(header) - _SHOWN_COLUMNS} more" if len(header) > _SHOWN_COLUMNS else ""
    unread = [w for w, c in zip(header, columns, strict=True) if c not in BUILT_IN_FIELDS]
    example = unread[0] if unread else "COLUMN"
    return (
        f"the file has {what or f'no {field} column'}; the columns found are {shown}{more}. "
        f"If one of them holds it, say so with map ({_map_hint(example, field)})"
    )


def _suggested_name(written: str) -> str:
    """A field name close to ``written`` that is allowed: ``N° registre`` → ``n_registre``."""
    plain = re.sub(r"[^a-z0-9]+", "_", strip_accents(written).lower()).strip("_")[:60]
    name = plain if plain[:1].isalpha() else f"field_{plain}".rstrip("_")
    return name if is_attribute_name(name) else f"{name}_field"


def _map_hint(column: str, field: str) -> str:
    return f'command line: --map "{column}={field}"; API: ?map={column}:{field}'
