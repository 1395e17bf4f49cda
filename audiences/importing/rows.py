"""Checking one CSV record of a contact import: a ``ContactRow`` or the reasons it is rejected.

Pure: no database. Each problem names the column, so a person can find and fix it. A valid
row also carries the keyed hashes of its addresses, so the matching that follows (and may run
in another process than the checking) needs no secret.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from audiences.contacts.addresses import AddressError, AddressKeys, normalise_email, normalise_phone
from audiences.contacts.model import FieldType, RejectedRow
from audiences.contacts.places import PLACE_FIELDS, area_for, stored_place
from audiences.contacts.values import JsonValue, parse_boolean, parse_datetime, parse_typed
from audiences.importing.cells import unwrap_cell
from campaign.kernel.calendar import in_calendar
from campaign.kernel.channel import Channel

TEXT_COLUMNS = ("first_name", "postcode", "municipality", "province", "region")
_NUL = (
    "holds a NUL character (\\x00), which cannot be stored: the file may be damaged or saved "
    "as UTF-16; save it again as CSV UTF-8"
)
_CHANNELS = {channel.value: channel for channel in Channel}  # iterating an enum is slow


class Consent(NamedTuple):
    """A yes or no to one channel, with where and when it was given (None: not in the file)."""

    given: bool
    source: str | None
    at: datetime | None


# A ContactRow as plain values, the cheapest thing to pickle: rows cross from the worker
# processes by the thousand, and a dataclass with enum keys took 22 µs a row there and back.
WireRow = tuple[Any, ...]


@dataclass(slots=True)
class ContactRow:
    """A valid row: the contact columns the file gives, and its attributes."""

    line: int
    external_id: str | None = None
    phone: str | None = None
    email: str | None = None
    columns: dict[str, object] = field(default_factory=dict)
    consent: dict[Channel, Consent] = field(default_factory=dict)
    attributes: dict[str, JsonValue] = field(default_factory=dict)
    cleared: set[str] = field(default_factory=set)  # attribute columns left empty
    phone_key: str | None = None
    email_key: str | None = None
    insert_line: str | None = None  # the contact it would create, as COPY text, if encoded

    def to_wire(self) -> WireRow:
        if self.insert_line is not None and self.external_id:
            # Encoded on a first import: inserting it needs no more than this (importing.py).
            return (self.line, self.external_id, self.phone_key, self.email_key, self.insert_line)
        consent = tuple((channel.value, *given) for channel, given in self.consent.items())
        return (
            self.line,
            self.external_id,
            self.phone,
            self.email,
            self.columns,
            consent,
            self.attributes,
            tuple(self.cleared),
            self.phone_key,
            self.email_key,
            self.insert_line,
        )

    @classmethod
    def from_wire(cls, wire: WireRow) -> ContactRow:
        if len(wire) == 5:
            line, external_id, phone_key, email_key, insert_line = wire
            return cls(
                line, external_id, phone_key=phone_key, email_key=email_key, insert_line=insert_line
            )
        line, external_id, phone, email, columns, consent, attributes, cleared, *rest = wire
        given = {_CHANNELS[c]: Consent(yes, source, at) for c, yes, source, at in consent}
        return cls(line, external_id, phone, email, columns, given, attributes, set(cleared), *rest)

    @property
    def first_name(self) -> str | None:
        value = self.columns.get("first_name")
        return value if isinstance(value, str) else None


class RowProblem(ValueError):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


@dataclass(frozen=True, slots=True)
class RowRules:
    """What a valid row looks like for this import."""

    default_region: str
    default_time_zone: str
    languages: Collection[str]
    attribute_types: Mapping[str, FieldType]
    # The most characters each text column holds (its database column's length): a longer
    # cell rejects its row, where the database would refuse the whole chunk.
    text_limits: Mapping[str, int] = field(default_factory=dict)


def _text(value: str) -> str | None:
    return value.strip() or None


class RowChecker:
    """Turns a record (column name → text) into a ``ContactRow``, collecting every problem."""

    def __init__(self, rules: RowRules, keys: AddressKeys) -> None:
        self._rules = rules
        self._keys = keys
        self._zone = ZoneInfo(rules.default_time_zone)
        self._limits = tuple(rules.text_limits.items())
        self._builtin: dict[str, Callable[[ContactRow, str], None]] = {
            "external_id": self._external_id,
            "phone": self._phone,
            "email": self._email,
            "language": self._language,
            "preferred_channel": self._preferred_channel,
            "time_zone": self._time_zone,
        } | {name: self._plain_text(name) for name in TEXT_COLUMNS}
        for name in PLACE_FIELDS:
            self._builtin[name] = self._place(name)

    def check(self, line: int, record: Mapping[str, str]) -> ContactRow | list[RejectedRow]:
        row = ContactRow(line)
        problems: list[RejectedRow] = []
        # Looking in the joined row first costs a fifth of looking at every cell.
        joined = "".join(record.values())
        if "\x00" in joined:
            return [RejectedRow(line, c, _NUL) for c, v in record.items() if "\x00" in v]
        too_long = self._too_long(line, record)
        if too_long:
            return too_long
        if "'" in joined:  # a cell our export neutralised ('+32…) reads as it was written
            record = {column: unwrap_cell(value) for column, value in record.items()}
        for column, value in record.items():
            try:
                self._check_column(row, column, value)
            except RowProblem as problem:
                problems.append(RejectedRow(line, problem.column, problem.reason))
        for check in (self._check_consent, self._check_reachable):
            try:
                check(row, record)
            except RowProblem as problem:
                problems.append(RejectedRow(line, problem.column, problem.reason))
        if not problems:
            self._fill_area(row)
        return problems or row

    def _too_long(self, line: int, record: Mapping[str, str]) -> list[RejectedRow]:
        found = []
        for column, limit in self._limits:
            value = record.get(column)
            if value is not None and len(value) > limit and len(value.strip()) > limit:
                reason = f"{len(value.strip())} characters long; at most {limit} fit"
                found.append(RejectedRow(line, column, reason))
        return found

    def _check_column(self, row: ContactRow, column: str, value: str) -> None:
        if column in self._builtin:
            self._builtin[column](row, value)
        elif column in self._rules.attribute_types:
            self._attribute(row, column, value)

    def _plain_text(self, column: str) -> Callable[[ContactRow, str], None]:
        def store(row: ContactRow, value: str) -> None:
            row.columns[column] = _text(value)

        return store

    def _place(self, column: str) -> Callable[[ContactRow, str], None]:
        def store(row: ContactRow, value: str) -> None:
            row.columns[column] = stored_place(column, value) or None

        return store

    def _fill_area(self, row: ContactRow) -> None:
        """Province and region, where the row leaves them empty, from its postcode or place."""
        if row.columns.get("province") and row.columns.get("region"):
            return
        postcode, municipality = row.columns.get("postcode"), row.columns.get("municipality")
        if self._rules.default_region != "BE":
            postcode = None  # four digits may be a postcode of another country
        area = area_for(
            postcode if isinstance(postcode, str) else None,
            municipality if isinstance(municipality, str) else None,
        )
        if area is not None:
            row.columns["province"] = row.columns.get("province") or area.province
            row.columns["region"] = row.columns.get("region") or area.region

    def _external_id(self, row: ContactRow, value: str) -> None:
        row.external_id = _text(value)
        row.columns["external_id"] = row.external_id

    def _phone(self, row: ContactRow, value: str) -> None:
        try:
            row.phone = normalise_phone(value, self._rules.default_region) if _text(value) else None
        except AddressError as exc:
            raise RowProblem("phone", str(exc)) from exc
        row.columns["phone"] = row.phone
        row.phone_key = self._keys.key(Channel.SMS, row.phone) if row.phone else None

    def _email(self, row: ContactRow, value: str) -> None:
        try:
            row.email = normalise_email(value) if _text(value) else None
        except AddressError as exc:
            raise RowProblem("email", str(exc)) from exc
        row.columns["email"] = row.email
        row.email_key = self._keys.key(Channel.EMAIL, row.email) if row.email else None

    def _language(self, row: ContactRow, value: str) -> None:
        language = value.strip().lower()
        if language not in self._rules.languages:
            expected = ", ".join(self._rules.languages)
            shown = f"{value.strip()!r}" if language else "nothing"
            raise RowProblem("language", f"expected one of {expected}, got {shown}")
        row.columns["language"] = language

    def _preferred_channel(self, row: ContactRow, value: str) -> None:
        channel = value.strip().lower()
        if channel and channel not in (Channel.SMS, Channel.EMAIL):
            raise RowProblem("preferred_channel", f"expected sms, email or nothing, got {value!r}")
        row.columns["preferred_channel"] = channel or None

    def _time_zone(self, row: ContactRow, value: str) -> None:
        name = value.strip() or self._rules.default_time_zone
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise RowProblem("time_zone", f"not a time zone: {value!r}") from exc
        row.columns["time_zone"] = name

    def _attribute(self, row: ContactRow, column: str, value: str) -> None:
        if not value.strip():
            row.cleared.add(column)
            return
        type_ = self._rules.attribute_types[column]
        try:
            row.attributes[column] = parse_typed(value, type_)
        except ValueError as exc:
            raise RowProblem(column, f"{column} is a {type_} field: {exc}") from exc

    def _check_consent(self, row: ContactRow, record: Mapping[str, str]) -> None:
        source = _text(record.get("consent_source", ""))
        at: datetime | None = None
        if _text(record.get("consent_at", "")):
            try:
                # 0001-01-01 in Brussels has no UTC: held to the service's calendar.
                at = in_calendar(parse_datetime(record["consent_at"], self._zone))
            except ValueError as exc:
                raise RowProblem("consent_at", str(exc)) from exc
        for channel in _CHANNELS.values():
            column = f"consent_{channel}"
            if column not in record:
                continue
            try:
                given = parse_boolean(record[column]) if _text(record[column]) else False
            except ValueError as exc:
                raise RowProblem(column, str(exc)) from exc
            row.consent[channel] = Consent(given, source, at)

    def _check_reachable(self, row: ContactRow, record: Mapping[str, str]) -> None:
        if not _text(record.get("phone", "")) and not _text(record.get("email", "")):
            reason = "no phone number and no email address: at least one is needed"
            raise RowProblem("phone", reason)
