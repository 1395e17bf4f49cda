"""A campaign's messages, person by person, and what staff do with those in ``unknown``.

Anyone who may read the campaign lists its messages (a partner only its own campaigns), with
every address masked as in segment previews: the full address belongs to the contact, whose
reading is scoped and audited. Each message comes with its delivery events, and the same rows
come as a spreadsheet; so do the people the run left out, and why (decision 0027). Staff who
may change campaigns resend unknown messages (only with an explicit confirmation, because the
provider may already have them) or settle them. Both are recorded in the campaign's audit
trail. Decision 0020.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Collection, Mapping, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from audiences.segments.preview import mask_email, mask_phone
from campaign.campaigns import repository as repo
from campaign.campaigns.exclusions import ExcludedBecause, Exclusion, exclusion_page
from campaign.campaigns.results_files import (
    EXCLUSION_COLUMNS,
    MESSAGE_COLUMNS,
    exclusion_cells,
    message_rows,
)
from campaign.campaigns.service import require, visible_campaign
from campaign.campaigns.states import CampaignState
from campaign.delivery import unknowns
from campaign.delivery.listing import DeliveryEvent, MessageFilter, events_of, message_page
from campaign.delivery.model import MessageRecord
from campaign.kernel import limits
from campaign.kernel.channel import Channel
from campaign.kernel.clock import Clock
from campaign.kernel.errors import Conflict, InvalidInput
from campaign.kernel.identity import Identity, Permission
from campaign.store.engine import Database
from campaign.store.tables import campaigns

# While a campaign sends, a resent message is sent again (paused: once it resumes).
RESENDABLE_CAMPAIGN_STATES = frozenset({CampaignState.RUNNING, CampaignState.PAUSED})
MAX_SETTLE_REASON = limits.REASON_MAX
# Rows per read of a spreadsheet export; each read is a short session of its own.
EXPORT_PAGE = 1000


def unknown_messages(count: int) -> str:
    return f"{count} unknown message{'' if count == 1 else 's'}"


class ResendNotConfirmed(Conflict):
    """Resending needs ``confirm``: the provider may already have these messages."""

    def __init__(self, count: int) -> None:
        super().__init__(
            f"{unknown_messages(count)} would be resent. The provider "
            "may already have them, so resending may reach someone twice. Nothing was changed: "
            'send {"confirm": true} to resend.'
        )
        self.count = count


@dataclass(frozen=True, slots=True)
class MessagePage:
    items: list[MessageRecord]
    events: Mapping[int, Sequence[DeliveryEvent]]  # by message id, oldest first
    next_after: int | None  # the id to continue after; None on the last page


@dataclass(frozen=True, slots=True)
class ExclusionPage:
    items: list[Exclusion]
    next_after: int | None


@dataclass(frozen=True, slots=True)
class Handled:
    """How many listed messages were acted on, and how many were left as they were."""

    count: int
    ignored: int


def masked_address(channel: Channel, address: str | None) -> str | None:
    return mask_phone(address) if channel is Channel.SMS else mask_email(address)


def _masked(records: Sequence[MessageRecord]) -> list[MessageRecord]:
    return [replace(r, address=masked_address(r.channel, r.address)) for r in records]


class CampaignMessages:
    """The messages of one campaign, for the API; every use is checked against the actor."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self._database = database
        self._clock = clock

    async def page(
        self,
        actor: Identity,
        campaign_id: int,
        *,
        which: MessageFilter | None = None,
        after_id: int = 0,
        limit: int = 100,
    ) -> MessagePage:
        """One page of the campaign's messages by id, addresses masked, with their delivery
        events (one query for the page's events, not one per message)."""
        async with self._database.read_session() as session:
            await visible_campaign(session, actor, campaign_id)
            # One more tells whether another page follows.
            records = await message_page(
                session, campaign_id, which=which, after_id=after_id, limit=limit + 1
            )
            shown = records[:limit]
            events = await events_of(session, [r.id for r in shown])
        return MessagePage(_masked(shown), events, shown[-1].id if len(records) > limit else None)

    async def table(
        self, actor: Identity, campaign_id: int, which: MessageFilter | None = None
    ) -> AsyncGenerator[list[list[str]], None]:
        """The messages ``which`` lets through as spreadsheet rows, page by page, the header
        first. The first page is read before anything is yielded, so a campaign the actor may
        not see fails before an answer starts; each page is read in a short session."""
        after_id = 0
        header: list[list[str]] = [list(MESSAGE_COLUMNS)]
        while True:
            async with self._database.read_session() as session:
                if not after_id:
                    await visible_campaign(session, actor, campaign_id)
                records = await message_page(
                    session, campaign_id, which=which, after_id=after_id, limit=EXPORT_PAGE
                )
                events = await events_of(session, [r.id for r in records])
            yield header + message_rows(_masked(records), events)
            if len(records) < EXPORT_PAGE:
                return
            header, after_id = [], records[-1].id

    async def exclusions(
        self,
        actor: Identity,
        campaign_id: int,
        *,
        reasons: Collection[ExcludedBecause] = (),
        after_id: int = 0,
        limit: int = 100,
    ) -> ExclusionPage:
        """One page of the people the campaign's runs left out, and why, by id."""
        async with self._database.read_session() as session:
            await visible_campaign(session, actor, campaign_id)
            found = await exclusion_page(
                session, campaign_id, reasons=reasons, after_id=after_id, limit=limit + 1
            )
        shown = found[:limit]
        return ExclusionPage(shown, shown[-1].id if len(found) > limit else None)

    async def exclusion_table(
        self, actor: Identity, campaign_id: int, reasons: Collection[ExcludedBecause] = ()
    ) -> AsyncGenerator[list[list[str]], None]:
        """The people left out as spreadsheet rows, page by page, the header first (read as
        ``table`` reads messages)."""
        after_id = 0
        header: list[list[str]] = [list(EXCLUSION_COLUMNS)]
        while True:
            async with self._database.read_session() as session:
                if not after_id:
                    await visible_campaign(session, actor, campaign_id)
                found = await exclusion_page(
                    session, campaign_id, reasons=reasons, after_id=after_id, limit=EXPORT_PAGE
                )
            yield header + [exclusion_cells(e) for e in found]
            if len(found) < EXPORT_PAGE:
                return
            header, after_id = [], found[-1].id

    async def resend_unknown(
        self,
        actor: Identity,
        campaign_id: int,
        message_ids: Sequence[int] | None = None,
        *,
        confirmed: bool = False,
    ) -> Handled:
        """Queue unknown messages again (those listed, or every unknown one nobody settled).

        Only while the campaign runs or is paused, and only ``confirmed``: otherwise
        ``ResendNotConfirmed`` says how many would go and nothing changes."""
        require(actor, Permission.CAMPAIGNS)
        now = self._clock.now()
        async with self._database.transaction() as session:
            await visible_campaign(session, actor, campaign_id)
            state = await _state_held(session, campaign_id)
            if state not in RESENDABLE_CAMPAIGN_STATES:
                raise Conflict(
                    f"the campaign is {state}: unknown messages are resent only while it is "
                    "running or paused (settling them is still possible)"
                )
            ids = await unknowns.resendable_ids(session, campaign_id, message_ids)
            if not confirmed:
                raise ResendNotConfirmed(len(ids))
            resent = await unknowns.resend(session, ids, actor.label, now)
            if resent:
                await repo.record_audit(
                    session,
                    campaign_id,
                    "resend_unknown",
                    actor,
                    now,
                    reason=f"{unknown_messages(resent)} resent (they may reach someone twice)",
                )
        asked = len(set(message_ids)) if message_ids is not None else len(ids)
        return Handled(resent, asked - resent)

    async def settle_unknown(
        self,
        actor: Identity,
        campaign_id: int,
        reason: str,
        message_ids: Sequence[int] | None = None,
    ) -> Handled:
        """Record that staff looked at unknown messages (those listed, or all) and leave them:
        who and when; they stay ``unknown`` and stop holding the campaign open."""
        require(actor, Permission.CAMPAIGNS)
        reason = reason.strip()
        if not reason:
            raise InvalidInput("settling needs a reason", where="reason")
        if len(reason) > MAX_SETTLE_REASON:
            raise InvalidInput(
                f"the reason must be at most {MAX_SETTLE_REASON} characters", where="reason"
            )
        now = self._clock.now()
        async with self._database.transaction() as session:
            await visible_campaign(session, actor, campaign_id)
            settled = await unknowns.settle(session, campaign_id, message_ids, actor.label, now)
            if settled:
                await repo.record_audit(
                    session,
                    campaign_id,
                    "settle_unknown",
                    actor,
                    now,
                    reason=f"{unknown_messages(settled)} settled: {reason}",
                )
        asked = len(set(message_ids)) if message_ids is not None else settled
        return Handled(settled, asked - settled)


async def _state_held(session: AsyncSession, campaign_id: int) -> CampaignState:
    """The campaign's state, held (``FOR SHARE`` on PostgreSQL) until this transaction ends, so
    a cancel committing meanwhile waits and cannot miss the messages queued again."""
    state = (
        await session.execute(
            select(campaigns.c.state)
            .where(campaigns.c.id == campaign_id)
            .with_for_update(read=True)
        )
    ).scalar_one()
    return CampaignState(state)
