"""Whom to show an approver: for each channel and language a campaign will use, a few real
recipients, chosen so that the messages most likely to go wrong are among them.

Per variant: the first few by id, the longest first name, the longest municipality, and the
people whose values hold characters outside ASCII (longest first), which are the ones an SMS
may cost more for (one "ë" makes the whole message UCS-2). One pass over the audience with
window functions picks them all, so a million contacts cost one query, not one per variant.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from campaign.campaigns.runs import ChannelPlan, recipients
from campaign.kernel.channel import Channel

FIRST = "first"
LONGEST_NAME = "longest first name"
LONGEST_PLACE = "longest municipality"
COSTLY = "characters that may cost more"
# How many of the non-ASCII candidates to render, to find the one costing the most segments.
COSTLY_CANDIDATES = 8


@dataclass(frozen=True, slots=True)
class SampleRecipient:
    contact_id: int
    channel: Channel
    language: str
    contact_language: str
    first_name: str
    municipality: str
    chosen_because: tuple[str, ...]


def _non_ascii(column: ColumnElement[str], dialect: str) -> ColumnElement[bool]:
    value = func.coalesce(column, "")
    if dialect == "postgresql":
        return value.op("~")(literal("[^ -~]"))
    return value.op("GLOB")(literal("*[^ -~]*"))


def _length(column: ColumnElement[str]) -> ColumnElement[int]:
    return func.length(func.coalesce(column, ""))


def sample_query(
    audience: ColumnElement[bool],
    plans: Sequence[ChannelPlan],
    honour_contact_channel: bool,
    *,
    dialect: str,
    first: int,
    channel: Channel | None = None,
    language: str | None = None,
) -> Select[tuple[object, ...]]:
    rows = recipients(audience, plans, honour_contact_channel).subquery("r")
    variant = (rows.c.channel, rows.c.language)
    odd = or_(_non_ascii(rows.c.first_name, dialect), _non_ascii(rows.c.municipality, dialect))

    def rank(*order: Any) -> ColumnElement[int]:
        return func.row_number().over(partition_by=variant, order_by=(*order, rows.c.contact_id))

    ranked = select(
        rows.c.contact_id,
        rows.c.channel,
        rows.c.language,
        rows.c.contact_language,
        rows.c.first_name,
        rows.c.municipality,
        rank().label("by_id"),
        rank(_length(rows.c.first_name).desc()).label("by_name"),
        rank(_length(rows.c.municipality).desc()).label("by_place"),
        rank(odd.desc(), (_length(rows.c.first_name) + _length(rows.c.municipality)).desc()).label(
            "by_cost"
        ),
        odd.label("odd"),
    )
    if channel is not None:
        ranked = ranked.where(rows.c.channel == channel.value)
    if language is not None:
        ranked = ranked.where(rows.c.language == language)
    picked = ranked.subquery("ranked")
    return (
        select(picked)
        .where(
            or_(
                picked.c.by_id <= first,
                picked.c.by_name == 1,
                picked.c.by_place == 1,
                (picked.c.by_cost <= COSTLY_CANDIDATES) & picked.c.odd,
            )
        )
        .order_by(picked.c.channel, picked.c.language, picked.c.by_id)
    )


async def sample_recipients(
    session: AsyncSession,
    audience: ColumnElement[bool],
    plans: Sequence[ChannelPlan],
    honour_contact_channel: bool,
    *,
    first: int = 3,
    channel: Channel | None = None,
    language: str | None = None,
) -> list[SampleRecipient]:
    """The chosen recipients of every variant (or of one), each once, saying why chosen."""
    if not plans:
        return []
    dialect = session.get_bind().dialect.name
    query = sample_query(
        audience,
        plans,
        honour_contact_channel,
        dialect=dialect,
        first=first,
        channel=channel,
        language=language,
    )
    found: list[SampleRecipient] = []
    seen: set[tuple[str, str, str, str]] = set()
    for row in await session.execute(query):
        because = []
        if row.by_id <= first:
            because.append(FIRST)
        if row.by_name == 1:
            because.append(LONGEST_NAME)
        if row.by_place == 1:
            because.append(LONGEST_PLACE)
        if row.odd and row.by_cost <= COSTLY_CANDIDATES:
            because.append(COSTLY)
        values = (row.channel, row.language, row.first_name or "", row.municipality or "")
        if because == [COSTLY] and values in seen:
            continue  # the same name and place render the same message: once is enough
        seen.add(values)
        found.append(
            SampleRecipient(
                int(row.contact_id),
                Channel(row.channel),
                row.language,
                row.contact_language or "",
                row.first_name or "",
                row.municipality or "",
                tuple(because),
            )
        )
    return found
