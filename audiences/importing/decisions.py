"""Deciding what one checked row does to the store: create, update, nothing, or ask a person.

Pure apart from reading the rows it is given: no queries here. ``RowWriter`` turns a row into
contact column values (address keys, consent with its source and time, merged attributes);
``Matcher`` applies the matching rules of docs/decisions/0009-import-matching.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from audiences.contacts.model import AmbiguousRow, RejectedRow
from audiences.importing.rows import Consent, ContactRow
from campaign.kernel.channel import Channel
from campaign.store.copy_text import copy_line

DEFAULT_SOURCE = "import"
_NULLABLE = (
    "external_id",
    "phone",
    "email",
    "phone_key",
    "email_key",
    "first_name",
    "preferred_channel",
    "postcode",
    "municipality",
    "province",
    "region",
    "consent_sms_source",
    "consent_sms_at",
    "consent_email_source",
    "consent_email_at",
)


@dataclass(frozen=True, slots=True)
class Decision:
    insert: dict[str, Any] | None = None
    insert_line: str | None = None  # the new contact as COPY text, when a worker encoded it
    update: tuple[int, dict[str, Any]] | None = None
    ambiguous: AmbiguousRow | None = None
    rejected: RejectedRow | None = None  # all None: the contact is there and unchanged


def address_keys(rows: Sequence[ContactRow]) -> tuple[set[str], set[str]]:
    """The phone keys and the email keys of these rows."""
    return {r.phone_key for r in rows if r.phone_key}, {r.email_key for r in rows if r.email_key}


class RowWriter:
    """Contact column values for a row, new or against the contact it updates."""

    def __init__(
        self,
        now: datetime,
        default_time_zone: str,
        owner_partner_id: int | None,
        columns: set[str],
    ) -> None:
        self._now = now
        self._owner = owner_partner_id
        self._defaults: dict[str, Any] = dict.fromkeys(_NULLABLE) | {
            "time_zone": default_time_zone,
            "attributes": {},
            "consent_sms": False,
            "consent_email": False,
        }
        self._columns = columns
        # The columns of every new contact, in the order of insert_line.
        self.insert_columns = (
            *self._defaults,
            "language",
            "owner_partner_id",
            "created_at",
            "updated_at",
        )

    @property
    def now(self) -> datetime:
        return self._now

    def insert_line(self, row: ContactRow) -> str:
        """The new contact of ``row`` as one line of COPY text (docs/decisions/0011)."""
        values = self.new_contact(row)
        return copy_line([values[name] for name in self.insert_columns])

    def new_contact(self, row: ContactRow) -> dict[str, Any]:
        return (
            self._defaults
            | self.values(row, None)
            | {
                "owner_partner_id": self._owner,
                "created_at": self._now,
                "updated_at": self._now,
            }
        )

    def changes(self, row: ContactRow, existing: Mapping[str, Any]) -> dict[str, Any]:
        """What the row changes in ``existing``; empty when it says the same."""
        values = self.values(row, existing)
        return {name: value for name, value in values.items() if existing[name] != value}

    def values(self, row: ContactRow, existing: Mapping[str, Any] | None) -> dict[str, Any]:
        """The columns the file gives for this row."""
        values: dict[str, Any] = dict(row.columns)
        if "phone" in self._columns:
            values["phone_key"] = row.phone_key
        if "email" in self._columns:
            values["email_key"] = row.email_key
        for channel, consent in row.consent.items():
            values |= self._consent(channel, consent, existing)
        attributes = dict(existing["attributes"]) if existing is not None else {}
        attributes |= row.attributes
        for name in row.cleared:
            attributes.pop(name, None)
        values["attributes"] = attributes
        return values

    def _consent(
        self, channel: Channel, consent: Consent, existing: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        prefix = f"consent_{channel}"
        values: dict[str, Any] = {prefix: consent.given}
        changed = existing is not None and existing[prefix] != consent.given
        if not consent.given and not changed:
            return values  # consent_source and consent_at describe a yes (or a change)
        if existing is None or changed:
            values[f"{prefix}_source"] = consent.source or DEFAULT_SOURCE
            values[f"{prefix}_at"] = consent.at or self._now
            return values
        # Same answer as before: keep its recorded source and time unless the file gives them.
        if consent.source:
            values[f"{prefix}_source"] = consent.source
        if consent.at:
            values[f"{prefix}_at"] = consent.at
        return values


def _same_name(a: str | None, b: str | None) -> bool:
    return (a or "").strip().casefold() == (b or "").strip().casefold()


class Matcher:
    """Applies the matching rules, one chunk of rows at a time.

    Candidates for a row without external_id are found by address key, never by scanning. A
    contact a chunk creates stays a candidate for the rest of that chunk; later chunks find it
    in the store, since the chunk is written before the next is read. A dry run writes
    nothing, so there the created contacts are kept until the end (``keep_created``).
    """

    def __init__(self, writer: RowWriter, *, keep_created: bool) -> None:
        self._writer = writer
        self._keep_created = keep_created
        self._nearby: dict[str, list[Mapping[str, Any]]] = {}
        self._created: dict[str, list[Mapping[str, Any]]] = {}

    def start_chunk(self, nearby: Iterable[Mapping[str, Any]]) -> None:
        """Take the stored contacts that share an address key with the chunk's rows."""
        self._nearby = {}
        for contact in nearby:
            _index(self._nearby, contact)
        if not self._keep_created:
            self._created = {}

    def decide(self, row: ContactRow, by_external_id: Mapping[str, Mapping[str, Any]]) -> Decision:
        if row.external_id:
            return self._by_external_id(row, by_external_id.get(row.external_id))
        return self._by_address(row)

    def _by_external_id(self, row: ContactRow, existing: Mapping[str, Any] | None) -> Decision:
        if row.insert_line is not None:
            # Rows are encoded only on a first import, where no stored contact can match; such
            # a row may come from the worker as its keys and line alone (rows.py, to_wire).
            if existing is not None:
                raise RuntimeError(f"line {row.line}: an encoded row matched a stored contact")
            return Decision(insert_line=row.insert_line)
        if existing is None:
            return Decision(insert=self._writer.new_contact(row))
        if existing["erased_at"] is not None:
            reason = "this contact was erased; it is not imported again"
            return Decision(rejected=RejectedRow(row.line, "external_id", reason))
        changes = self._writer.changes(row, existing)
        if not changes:
            return Decision()
        return Decision(update=(int(existing["id"]), changes | {"updated_at": self._writer.now}))

    def _candidates(self, row: ContactRow) -> list[Mapping[str, Any]]:
        """Contacts with the row's phone or email key, each once."""
        found: dict[int, Mapping[str, Any]] = {}
        for key in (row.phone_key, row.email_key):
            if key is not None:
                for contact in (*self._nearby.get(key, ()), *self._created.get(key, ())):
                    found[id(contact)] = contact
        return list(found.values())

    def _by_address(self, row: ContactRow) -> Decision:
        same = [c for c in self._candidates(row) if _same_name(c["first_name"], row.first_name)]
        if not same:
            contact = self._writer.new_contact(row)
            _index(self._created, contact)
            return Decision(insert=contact)
        if any(not self._writer.changes(row, c) for c in same):
            return Decision()
        ids = tuple(int(c["id"]) for c in same if c.get("id") is not None)
        reason = (
            "same address and first name as a contact already there, with other details; "
            "nothing was changed: give both an external_id to update or separate them"
        )
        return Decision(ambiguous=AmbiguousRow(row.line, ids, reason))


def _index(index: dict[str, list[Mapping[str, Any]]], contact: Mapping[str, Any]) -> None:
    for name in ("phone_key", "email_key"):
        if contact[name] is not None:
            index.setdefault(contact[name], []).append(contact)
