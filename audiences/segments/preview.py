"""A segment's preview: who matches, who each channel reaches, who is left out and why.

Every figure is counted by the database in one aggregate query (no contact travels through
Python), so a preview over a million contacts stays within a second or so. Only the masked
sample reads rows, ``sample_size`` of them.

Each matching contact is counted under exactly one outcome per channel, the first that applies
(1 to 4 are ``blocking`` in audiences/segments/reachability.py, whose ``reachable`` selects
the contacts none of them stops, so ``reachable + duplicate_address`` is what it selects here):

1. ``no_address``        no phone (SMS) or no email (email);
2. ``no_consent``        no consent on that channel;
3. ``opted_out``         opted out on that channel;
4. ``suppressed``        the address is on the suppression list;
5. ``duplicate_address`` a household: another matching contact that the channel would reach
                         has the same address and a lower id (it gets the one message);
6. reachable.

So for each channel, ``matched == reachable + sum(excluded)``. Erased contacts never match.

Finding duplicates means comparing contacts that share an address. Only the households are
compared: contacts whose phone or email is in ``shared_addresses``
(audiences/contacts/households.py, kept by every import). Everyone else holds addresses nobody
else has, so their outcome is the blocking reason alone; that keeps the sort by address to a
few per cent of the contacts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import phonenumbers
from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    and_,
    case,
    func,
    select,
    text,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from audiences.contacts.fields import load_registry
from audiences.contacts.households import in_a_household
from audiences.contacts.model import ExclusionReason
from audiences.contacts.privacy import visible_to
from audiences.segments import audience_condition
from audiences.segments.reachability import BLOCKING_REASONS, blocking
from campaign.kernel.channel import Channel
from campaign.store.engine import Database
from campaign.store.tables import contacts

# The order in which reasons are tried; a contact is counted under the first that applies.
REASON_ORDER: tuple[ExclusionReason, ...] = (*BLOCKING_REASONS, ExclusionReason.DUPLICATE_ADDRESS)


@dataclass(frozen=True, slots=True)
class SampleContact:
    """One matching contact with its personal data masked."""

    id: int
    first_name: str | None
    phone: str | None
    email: str | None
    language: str
    municipality: str | None


@dataclass(slots=True)
class Preview:
    matched: int = 0
    reachable: dict[Channel, int] = field(default_factory=dict)
    reachable_by_language: dict[str, int] = field(default_factory=dict)
    excluded: dict[Channel, dict[ExclusionReason, int]] = field(default_factory=dict)
    sample: list[SampleContact] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "matched": self.matched,
            "reachable": {c.value: n for c, n in self.reachable.items()}
            | {"by_language": dict(sorted(self.reachable_by_language.items()))},
            "excluded": {
                c.value: {r.value: n for r, n in reasons.items()}
                for c, reasons in self.excluded.items()
            },
            "sample": [
                {
                    "id": s.id,
                    "first_name": s.first_name,
                    "phone": s.phone,
                    "email": s.email,
                    "language": s.language,
                    "municipality": s.municipality,
                }
                for s in self.sample
            ],
        }


def _blocked(channel: Channel) -> ColumnElement[str | None]:
    """The first reason, before duplicates, that the channel does not reach a contact."""
    # The suppressed set: both databases build it once, not once per contact.
    applies = blocking(channel, as_set=True)
    return case(*((condition, reason.value) for reason, condition in applies.items()), else_=None)


def _outcome(blocked: Any, address: Any, contact_id: Any) -> ColumnElement[str | None]:
    """The blocking reason, else duplicate_address unless this is the household's lowest id."""
    first = func.min(case((blocked.is_(None), contact_id))).over(partition_by=address)
    return case(
        (blocked.is_not(None), blocked),
        (contact_id != first, ExclusionReason.DUPLICATE_ADDRESS.value),
        else_=None,
    )


def _matched(condition: ColumnElement[bool]) -> Select[Any]:
    return select(
        contacts.c.language,
        _blocked(Channel.SMS).label("sms_blocked"),
        _blocked(Channel.EMAIL).label("email_blocked"),
    ).where(condition)


def _counts(condition: ColumnElement[bool]) -> CompoundSelect[Any]:
    """(language, sms outcome, email outcome, count) rows: a NULL outcome means reachable.

    A contact whose phone and email nobody else holds cannot be a duplicate: its outcome is
    its blocking reason, with no comparison. Only the households (contacts with an address in
    ``shared_addresses``) are sorted by address to find each one's lowest reachable id; every
    contact sharing a household's address is among them, so that lowest id is the true one.
    The same (language, sms, email) may come in a row from each part: the caller adds them up.
    """
    household = in_a_household()
    alone = _matched(and_(condition, ~household)).subquery("alone")
    members = (
        _matched(and_(condition, household))
        .add_columns(contacts.c.id, contacts.c.phone, contacts.c.email)
        .subquery("members")
    )
    member_outcomes = select(
        members.c.language,
        _outcome(members.c.sms_blocked, members.c.phone, members.c.id).label("sms"),
        _outcome(members.c.email_blocked, members.c.email, members.c.id).label("email"),
    ).subquery("member_outcomes")
    return union_all(
        _grouped(alone.c.language, alone.c.sms_blocked, alone.c.email_blocked),
        _grouped(member_outcomes.c.language, member_outcomes.c.sms, member_outcomes.c.email),
    )


def _grouped(language: Any, sms: Any, email: Any) -> Select[Any]:
    # Language last: grouped by it first, SQLite walks the whole table through its index.
    return select(language, sms, email, func.count().label("n")).group_by(sms, email, language)


def _tally(rows: Any) -> Preview:
    result = Preview(
        reachable={c: 0 for c in Channel},
        excluded={c: {r: 0 for r in REASON_ORDER} for c in Channel},
    )
    for language, sms, email, n in rows:
        result.matched += n
        outcomes = {Channel.SMS: sms, Channel.EMAIL: email}
        for channel, outcome in outcomes.items():
            if outcome is None:
                result.reachable[channel] += n
            else:
                result.excluded[channel][ExclusionReason(outcome)] += n
        if sms is None or email is None:
            by_language = result.reachable_by_language
            by_language[language] = by_language.get(language, 0) + n
    return result


async def _sample(
    session: AsyncSession, condition: ColumnElement[bool], size: int
) -> list[SampleContact]:
    if size <= 0:
        return []
    rows = await session.execute(
        select(
            contacts.c.id,
            contacts.c.first_name,
            contacts.c.phone,
            contacts.c.email,
            contacts.c.language,
            contacts.c.municipality,
        )
        .where(condition)
        .order_by(contacts.c.id)
        .limit(size)
    )
    return [
        SampleContact(
            id=int(r.id),
            first_name=mask_name(r.first_name),
            phone=mask_phone(r.phone),
            email=mask_email(r.email),
            language=r.language,
            municipality=r.municipality,
        )
        for r in rows
    ]


async def preview(
    database: Database, query_text: str, *, partner_id: int | None, sample_size: int = 5
) -> Preview:
    """Counts and a masked sample for a query over the contacts and fields ``partner_id``
    sees (None: the authority's staff); SegmentError if the query cannot be used."""
    async with database.read_session() as session:
        if database.dialect == "postgresql":
            # Room for the household windows' sorts; JIT compiling costs more than it saves.
            await session.execute(text("SET LOCAL work_mem = '64MB'"))
            await session.execute(text("SET LOCAL jit = off"))
        registry: Mapping[str, object] = await load_registry(session, partner_id)
        condition = and_(
            audience_condition(query_text, registry),
            contacts.c.erased_at.is_(None),
            visible_to(partner_id),
        )
        rows = await session.execute(_counts(condition))
        result = _tally(rows.all())
        result.sample = await _sample(session, condition, sample_size)
        return result


def mask_name(name: str | None) -> str | None:
    """``Anna`` → ``A***``."""
    if not name or not name.strip():
        return None
    return f"{name.strip()[0]}***"


def mask_phone(phone: str | None) -> str | None:
    """``+32470123456`` → ``+32 4** ** ** 56``: the country, the first and the last two digits."""
    if not phone:
        return None
    try:
        number = phonenumbers.parse(phone, None)
        prefix, national = (
            f"+{number.country_code}",
            phonenumbers.national_significant_number(number),
        )
    except phonenumbers.NumberParseException:
        prefix, national = "", "".join(c for c in phone if c.isdigit())
    if len(national) < 4:
        return f"{prefix} ***".strip()
    hidden = national[0] + "*" * (len(national) - 3) + national[-2:]
    head_length = len(hidden) - 6 if len(hidden) > 7 else 1
    groups = [hidden[:head_length]]
    rest = hidden[head_length:]
    groups += [rest[i : i + 2] for i in range(0, len(rest), 2)]
    return " ".join([prefix, *groups]).strip()


def mask_email(email: str | None) -> str | None:
    """``anna@example.org`` → ``a***@example.org``."""
    if not email or "@" not in email:
        return None
    local, _, domain = email.rpartition("@")
    return f"{local[:1]}***@{domain}"
