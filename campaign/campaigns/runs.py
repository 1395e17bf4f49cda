"""Materialising a run: one INSERT … SELECT turns an audience into queued messages.

The database does the work (no rows travel through Python): each matching contact gets one
message on the first channel that reaches it, in the first language the template has, and a
household sharing an address gets one message (the unique key on run, channel and address,
with the lowest contact id winning).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, Subquery, and_, case, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from audiences.segments.reachability import reachable
from campaign.delivery.states import MessageState
from campaign.kernel.channel import Channel
from campaign.messages.language import choose_language
from campaign.store.tables import contacts, messages


@dataclass(frozen=True, slots=True)
class ChannelPlan:
    """For one channel: the languages the template has, and the fallback for the rest."""

    channel: Channel
    languages: frozenset[str]
    fallback: str


def plan_channels(
    channels: Sequence[str], variants: Mapping[str, set[str]], fallback_chain: Sequence[str]
) -> list[ChannelPlan]:
    """Keep the campaign's channels the template can fill, in the campaign's order."""
    plans = []
    for channel in channels:
        languages = variants.get(channel, set())
        fallback = choose_language("", languages, fallback_chain, default="en")
        if languages and fallback is not None:
            plans.append(ChannelPlan(Channel(channel), frozenset(languages), fallback))
    return plans


def _chosen_channel(
    plans: Sequence[ChannelPlan], honour_contact_channel: bool
) -> ColumnElement[str]:
    whens: list[tuple[ColumnElement[bool], str]] = []
    if honour_contact_channel:
        whens += [
            (
                and_(contacts.c.preferred_channel == p.channel.value, reachable(p.channel)),
                p.channel.value,
            )
            for p in plans
        ]
    whens += [(reachable(p.channel), p.channel.value) for p in plans]
    return case(*whens, else_=None)


def address_of(channel: ColumnElement[str]) -> ColumnElement[str]:
    """The contact's address on ``channel``."""
    return case((channel == Channel.SMS.value, contacts.c.phone), else_=contacts.c.email)


def language_in(plans: Sequence[ChannelPlan], channel: ColumnElement[str]) -> ColumnElement[str]:
    """The contact's language where the template has it on ``channel``, else the plan's."""
    whens = [
        (
            channel == p.channel,
            case(
                (contacts.c.language.in_(sorted(p.languages)), contacts.c.language),
                else_=literal(p.fallback),
            ),
        )
        for p in plans
    ]
    return case(*whens, else_=None)


def _chosen(
    audience: ColumnElement[bool], plans: Sequence[ChannelPlan], honour_contact_channel: bool
) -> Subquery:
    """Each contact of the audience (not erased) with the channel that reaches it, or NULL."""
    return (
        select(
            contacts.c.id.label("contact_id"),
            _chosen_channel(plans, honour_contact_channel).label("channel"),
        )
        .where(audience, contacts.c.erased_at.is_(None))
        .subquery("chosen")
    )


def _reached(chosen: Subquery, *columns: ColumnElement[Any]) -> Select[Any]:
    """``columns`` for each contact some channel reaches: a second pass, over ``contacts``,
    to pick the address and language of the chosen channel."""
    return (
        select(*columns)
        .select_from(chosen.join(contacts, contacts.c.id == chosen.c.contact_id))
        .where(chosen.c.channel.is_not(None))
    )


def recipients(
    audience: ColumnElement[bool], plans: Sequence[ChannelPlan], honour_contact_channel: bool
) -> Select[Any]:
    """One row per message a run would queue: contact, channel, address and language.

    A household sharing an address gets one row (the lowest contact id), exactly as the
    unique key does when a run is materialised.
    """
    chosen = _chosen(audience, plans, honour_contact_channel)
    address = address_of(chosen.c.channel)
    ranked = _reached(
        chosen,
        contacts.c.id.label("contact_id"),
        chosen.c.channel,
        address.label("address"),
        language_in(plans, chosen.c.channel).label("language"),
        contacts.c.language.label("contact_language"),
        contacts.c.first_name,
        contacts.c.municipality,
        func.row_number()
        .over(partition_by=(chosen.c.channel, address), order_by=contacts.c.id)
        .label("rank"),
    ).subquery("ranked")
    return select(ranked).where(ranked.c.rank == 1)


# The columns of a message being queued: whom it is for, then its state (``queued_now``).
QUEUED_FOR = ("run_id", "campaign_id", "contact_id", "channel", "address", "language")
QUEUED_STATE = ("state", "attempts", "next_attempt_at", "created_at", "updated_at")


def queued_now(now: datetime) -> tuple[ColumnElement[Any], ...]:
    """The values of ``QUEUED_STATE`` for a message queued at ``now``, due at once."""
    return (
        literal(MessageState.QUEUED.value),
        literal(0),
        literal(now, messages.c.next_attempt_at.type),
        literal(now, messages.c.created_at.type),
        literal(now, messages.c.updated_at.type),
    )


async def materialise_run(
    session: AsyncSession,
    *,
    run_id: int,
    campaign_id: int,
    audience: ColumnElement[bool],
    plans: Sequence[ChannelPlan],
    honour_contact_channel: bool,
    now: datetime,
) -> int:
    """Queue one message per reachable contact and address; return how many were queued."""
    if not plans:
        return 0
    chosen = _chosen(audience, plans, honour_contact_channel)
    # In id order, so the lowest id of a household is inserted first and keeps the address.
    joined = _reached(
        chosen,
        literal(run_id).label("run_id"),
        literal(campaign_id).label("campaign_id"),
        contacts.c.id,
        chosen.c.channel,
        address_of(chosen.c.channel),
        language_in(plans, chosen.c.channel),
        *queued_now(now),
    ).order_by(contacts.c.id)
    columns = [*QUEUED_FOR, *QUEUED_STATE]
    dialect = session.get_bind().dialect.name
    insert_module = postgresql if dialect == "postgresql" else sqlite
    statement = (
        insert_module.insert(messages)
        .from_select(columns, joined)
        .on_conflict_do_nothing(index_elements=["run_id", "channel", "address"])
    )
    await session.execute(statement)
    count = await session.execute(
        select(func.count()).select_from(messages).where(messages.c.run_id == run_id)
    )
    return int(count.scalar_one())
