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

from audiences.addresses import AddressKeys
from audiences.model import AmbiguousRow, Channel, RejectedRow
from audiences.rows import Consent, ContactRow

DEFAULT_SOURCE = "import"
_NULLABLE = (
    "external_id", "phone", "email", "phone_key", "email_key", "first_name", "preferred_channel",
    "postcode", "municipality", "province", "region", "consent_sms_source", "consent_sms_at",
    "consent_email_source", "consent_email_at",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Decision:
    insert: dict[str, Any] | None = None
    update: tuple[int, dict[str, Any]] | None = None
    ambiguous: AmbiguousRow | None = None
    rejected: RejectedRow | None = None  # all None: the contact is there and unchanged


class RowWriter:
    """Contact column values for a row, new or against the contact it updates."""

    def __init__(
        self,
        keys: AddressKeys,
        now: datetime,
        default_time_zone: str,
        owner_partner_id: int | None,
        columns: set[str],
    ) -> None:
        self._keys = keys
        self._now = now
        self._owner = owner_partner_id
        self._defaults: dict[str, Any] = dict.fromkeys(_NULLABLE) | {
            "time_zone": default_time_zone,
            "attributes": {},
            "consent_sms": False,
            "consent_email": False,
        }
        self._columns = columns

    @property
    def now(self) -> datetime:
        return self._now

    def keys_of(self, row: ContactRow) -> tuple[str | None, str | None]:
        phone = self._keys.key(Channel.SMS, row.phone) if row.phone else None
        email = self._keys.key(Channel.EMAIL, row.email) if row.email else None
        return phone, email

    def address_keys(self, rows: Iterable[ContactRow]) -> tuple[set[str], set[str]]:
        pairs = [self.keys_of(row) for row in rows]
        return {p for p, _ in pairs if p}, {e for _, e in pairs if e}

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
        phone_key, email_key = self.keys_of(row)
        if "phone" in self._columns:
            values["phone_key"] = phone_key
        if "email" in self._columns:
            values["email_key"] = email_key
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
    """Applies the matching rules; remembers contacts this import creates without external_id."""

    def __init__(self, writer: RowWriter) -> None:
        self._writer = writer
        self._created: list[dict[str, Any]] = []

    def decide(
        self,
        row: ContactRow,
        by_external_id: Mapping[str, Mapping[str, Any]],
        nearby: Sequence[Mapping[str, Any]],
    ) -> Decision:
        if row.external_id:
            return self._by_external_id(row, by_external_id.get(row.external_id))
        return self._by_address(row, [*nearby, *self._created])

    def _by_external_id(self, row: ContactRow, existing: Mapping[str, Any] | None) -> Decision:
        if existing is None:
            return Decision(insert=self._writer.new_contact(row))
        if existing["erased_at"] is not None:
            reason = "this contact was erased; it is not imported again"
            return Decision(rejected=RejectedRow(row.line, "external_id", reason))
        changes = self._writer.changes(row, existing)
        if not changes:
            return Decision()
        return Decision(update=(int(existing["id"]), changes | {"updated_at": self._writer.now}))

    def _by_address(self, row: ContactRow, candidates: Sequence[Mapping[str, Any]]) -> Decision:
        phone_key, email_key = self._writer.keys_of(row)
        same = [
            c
            for c in candidates
            if _same_name(c["first_name"], row.first_name)
            and (
                (phone_key and c["phone_key"] == phone_key)
                or (email_key and c["email_key"] == email_key)
            )
        ]
        if not same:
            contact = self._writer.new_contact(row)
            self._created.append(contact)
            return Decision(insert=contact)
        if any(not self._writer.changes(row, c) for c in same):
            return Decision()
        ids = tuple(int(c["id"]) for c in same if c.get("id") is not None)
        reason = (
            "same address and first name as a contact already there, with other details; "
            "nothing was changed: give both an external_id to update or separate them"
        )
        return Decision(ambiguous=AmbiguousRow(row.line, ids, reason))
