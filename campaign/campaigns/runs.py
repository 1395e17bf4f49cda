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

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, select
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

    channel: str
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
            plans.append(ChannelPlan(channel, frozenset(languages), fallback))
    return plans


def _chosen_channel(
    plans: Sequence[ChannelPlan], honour_contact_channel: bool
) -> ColumnElement[str]:
    whens: list[tuple[ColumnElement[bool], str]] = []
    if honour_contact_channel:
        whens += [
            (
                and_(contacts.c.preferred_channel == p.channel, reachable(Channel(p.channel))),
                p.channel,
            )
            for p in plans
        ]
    whens += [(reachable(Channel(p.channel)), p.channel) for p in plans]
    return case(*whens, else_=None)


def _address(channel: ColumnElement[str]) -> ColumnElement[str]:
    return case((channel == "sms", contacts.c.phone), else_=contacts.c.email)


def _language(plans: Sequence[ChannelPlan], channel: ColumnElement[str]) -> ColumnElement[str]:
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


def recipients(
    audience: ColumnElement[bool], plans: Sequence[ChannelPlan], honour_contact_channel: bool
) -> Select[Any]:
    """One row per message a run would queue: contact, channel, address and language.

    A household sharing an address gets one row (the lowest contact id), exactly as the
    unique key does when a run is materialised.
    """
    chosen = _chosen_channel(plans, honour_contact_channel).label("channel")
    inner = (
        select(contacts.c.id.label("contact_id"), chosen)
        .where(audience, contacts.c.erased_at.is_(None))
        .subquery("chosen")
    )
    address = _address(inner.c.channel)
    ranked = (
        select(
            contacts.c.id.label("contact_id"),
            inner.c.channel,
            address.label("address"),
            _language(plans, inner.c.channel).label("language"),
            contacts.c.language.label("contact_language"),
            contacts.c.first_name,
            contacts.c.municipality,
            func.row_number()
            .over(partition_by=(inner.c.channel, address), order_by=contacts.c.id)
            .label("rank"),
        )
        .select_from(inner.join(contacts, contacts.c.id == inner.c.contact_id))
        .where(inner.c.channel.is_not(None))
        .subquery("ranked")
    )
    return select(ranked).where(ranked.c.rank == 1)


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
    chosen = _chosen_channel(plans, honour_contact_channel).label("channel")
    inner = (
        select(contacts.c.id.label("contact_id"), chosen, contacts.c.language.label("contact_lang"))
        .where(audience, contacts.c.erased_at.is_(None))
        .subquery("chosen")
    )
    # Second pass over the chosen channel to pick the address and language.
    joined = select(
        literal(run_id).label("run_id"),
        literal(campaign_id).label("campaign_id"),
        contacts.c.id,
        inner.c.channel,
        _address(inner.c.channel),
        _language(plans, inner.c.channel),
        literal(MessageState.QUEUED.value),
        literal(0),
        literal(now, messages.c.next_attempt_at.type),
        literal(now, messages.c.created_at.type),
        literal(now, messages.c.updated_at.type),
    ).select_from(inner.join(contacts, contacts.c.id == inner.c.contact_id))
    joined = joined.where(inner.c.channel.is_not(None)).order_by(contacts.c.id)
    columns = [
        "run_id",
        "campaign_id",
        "contact_id",
        "channel",
        "address",
        "language",
        "state",
        "attempts",
        "next_attempt_at",
        "created_at",
        "updated_at",
    ]
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
