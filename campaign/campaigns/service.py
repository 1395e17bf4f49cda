"""Campaign use cases: create, edit, the staff actions, and what the clock starts and ends.

Every state change is a conditional UPDATE, an audit record and an outbox event in one
transaction; content is written only into a draft (``WHERE state = 'draft'``). An edit and
a staff action read the campaign with its row held, so an edit that comes after a submission
or an approval always sees it and withdraws it first.

Approval needs a second person (four eyes, ``campaign.campaigns.four_eyes``): nobody who
wrote any of what people get. So every write of a campaign or template records a person, and a
key acting for nobody may not make one.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from audiences.contacts.fields import load_registry
from audiences.segments import audience_condition
from audiences.segments.errors import SegmentError
from audiences.segments.repository import get_segment
from campaign.campaigns import repository as repo
from campaign.campaigns.approval import CheckReport
from campaign.campaigns.audience import campaign_audience
from campaign.campaigns.four_eyes import may_approve
from campaign.campaigns.model import AuditEntry, Campaign, CampaignDraft
from campaign.campaigns.runs import materialise_run, plan_channels
from campaign.campaigns.states import (
    EDITABLE_CAMPAIGN_STATES,
    STAFF_ACTIONS,
    CampaignAction,
    CampaignState,
    IllegalTransition,
    edit_withdraws,
    next_campaign_state,
)
from campaign.campaigns.texts import live_measures
from campaign.delivery.moves import move_many
from campaign.delivery.states import MessageState
from campaign.delivery.unknowns import holds_campaign_open, unknown_tally
from campaign.events.outbox import emit
from campaign.kernel.channel import Channel
from campaign.kernel.clock import Clock
from campaign.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from campaign.kernel.identity import SYSTEM, Identity, Permission
from campaign.kernel.identity import require as require_permission
from campaign.message_templates import repository as templates
from campaign.store.engine import Database
from campaign.store.tables import messages

log = logging.getLogger(__name__)

# A run this large changes the queue enough that the planner should count it again at once.
_MANY_MESSAGES = 10_000

# The checks of what people get (``campaign.dispatch.proofs``): run at submission and approval.
ApprovalCheck = Callable[[Campaign], Awaitable[CheckReport]]

_PERMISSION = {
    CampaignAction.APPROVE: Permission.APPROVE,
    CampaignAction.REJECT: Permission.APPROVE,
}
_NEEDS_REASON = {CampaignAction.REJECT, CampaignAction.CANCEL}
_CHECKED = {CampaignAction.SUBMIT, CampaignAction.APPROVE}
QUIET_OVERRIDE_MAX = 500


class CampaignService:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        approval_check: ApprovalCheck | None = None,
        *,
        unknown_settle_after: timedelta,
        channel_rates: Mapping[str, float] | None = None,
    ) -> None:
        self._database = database
        self._clock = clock
        self._approval_check = approval_check
        # What the provider accounts allow per channel: no campaign may ask for more.
        self._channel_rates = dict(channel_rates or {})
        # How long an unknown message nobody settled keeps its campaign running.
        self._unknown_settle_after = unknown_settle_after

    async def create(self, actor: Identity, draft: CampaignDraft) -> Campaign:
        self._require(actor, Permission.CAMPAIGNS)
        now = self._clock.now()
        async with self._database.transaction() as session:
            draft = await self._validate(session, actor, draft)
            campaign_id = await repo.insert_campaign(session, draft, actor, now)
            await repo.record_audit(
                session, campaign_id, "create", actor, now, to_state=CampaignState.DRAFT
            )
            await emit(session, "campaign.created", {"campaign_id": campaign_id}, now)
            return await self._get(session, actor, campaign_id)

    async def edit(self, actor: Identity, campaign_id: int, draft: CampaignDraft) -> Campaign:
        """Change content; a submitted or approved campaign goes back to draft."""
        self._require(actor, Permission.CAMPAIGNS)
        now = self._clock.now()
        async with self._database.transaction() as session:
            # Held from here: a submission or approval racing this edit is either seen now
            # (and withdrawn below) or waits until the edit is in (and sees it changed).
            campaign = await self._get(session, actor, campaign_id, lock=True)
            draft = await self._validate(session, actor, draft)
            if campaign.state not in EDITABLE_CAMPAIGN_STATES:
                raise Conflict(f"a {campaign.state} campaign cannot be edited")
            if edit_withdraws(campaign.state):
                await self._move(
                    session,
                    campaign,
                    CampaignAction.WITHDRAW,
                    actor,
                    now,
                    reason="edited after submission",
                )
            if not await repo.update_draft(session, campaign_id, draft, now):
                raise Conflict("the campaign changed meanwhile and is no longer a draft: try again")
            await repo.record_audit(session, campaign_id, "edit", actor, now)
            return await self._get(session, actor, campaign_id)

    async def get(self, actor: Identity, campaign_id: int) -> Campaign:
        async with self._database.read_session() as session:
            return await self._get(session, actor, campaign_id)

    async def visible(
        self, actor: Identity, *, limit: int = 100, offset: int = 0
    ) -> list[Campaign]:
        async with self._database.read_session() as session:
            return await repo.list_campaigns(
                session, partner_id=actor.partner_id, limit=limit, offset=offset
            )

    async def act(
        self, actor: Identity, campaign_id: int, action: CampaignAction, reason: str | None = None
    ) -> Campaign:
        """A staff action from the state table: submit, approve, reject, withdraw, pause, …"""
        if action not in STAFF_ACTIONS:
            raise Forbidden(f"{action} is done by the scheduler, not by staff")
        self._require(actor, _PERMISSION.get(action, Permission.CAMPAIGNS))
        if action in _NEEDS_REASON and not (reason and reason.strip()):
            raise InvalidInput(f"{action} needs a reason", where="reason")
        checked, report = await self._report_for(actor, campaign_id, action)
        now = self._clock.now()
        async with self._database.transaction() as session:
            campaign = await self._get(session, actor, campaign_id, lock=True)
            if checked is not None and _changed(checked, campaign):
                raise Conflict("the campaign changed while it was being checked: try again")
            extra = {}
            if action is CampaignAction.APPROVE:
                await self._check_approval(session, campaign, actor, report, reason)
            if report is not None:
                extra = _report_values(report, pin=action is CampaignAction.APPROVE)
            await self._move(session, campaign, action, actor, now, reason=reason, **extra)
            override = campaign.draft.quiet_hours_override
            if action is CampaignAction.APPROVE and override:
                # The approver accepted sending at night: the trail names them and the reason.
                await repo.record_audit(
                    session, campaign_id, "quiet_hours_override", actor, now, reason=override
                )
            if action is CampaignAction.CANCEL:
                await self._skip_queued(session, campaign_id, "cancelled campaign", now)
            return await self._get(session, actor, campaign_id)

    async def history(self, actor: Identity, campaign_id: int) -> list[AuditEntry]:
        """Who did what when, with reasons and what the checks found at each submission and
        approval."""
        async with self._database.read_session() as session:
            await self._get(session, actor, campaign_id)
            return await repo.history(session, campaign_id)

    async def checks(self, actor: Identity, campaign_id: int) -> CheckReport:
        """Run the checks of what people get now, without changing anything."""
        campaign = await self.get(actor, campaign_id)
        if self._approval_check is None:
            raise Conflict("this service runs no content checks")
        return await self._approval_check(campaign)

    async def _report_for(
        self, actor: Identity, campaign_id: int, action: CampaignAction
    ) -> tuple[Campaign | None, CheckReport | None]:
        """Submission and approval check what people get first (outside the transaction:
        rendering and counting take a while and hold nothing); the campaign as checked."""
        if self._approval_check is None or action not in _CHECKED:
            return None, None
        async with self._database.read_session() as session:
            campaign = await self._get(session, actor, campaign_id)
            try:
                next_campaign_state(campaign.state, action)
            except IllegalTransition as exc:
                raise Conflict(str(exc)) from exc
            if action is CampaignAction.APPROVE:  # the quick refusals before the long checks
                await may_approve(session, campaign, actor)
        return campaign, await self._approval_check(campaign)

    async def _check_approval(
        self,
        session: AsyncSession,
        campaign: Campaign,
        actor: Identity,
        report: CheckReport | None,
        override: str | None,
    ) -> None:
        await may_approve(session, campaign, actor)
        if report is None:
            return
        submitted = (campaign.checks or {}).get("measures_digest")
        if submitted is not None and submitted != report.measures_digest:
            raise Conflict(
                "the campaign's measures changed since it was submitted, so the messages are "
                "not what was submitted: withdraw it and submit it again, then read its "
                "messages again before approving"
            )
        if not report.blocking:
            return
        if not (override and override.strip()):
            raise Conflict(
                "the messages fail their checks: "
                + "; ".join(f.sentence() for f in report.blocking)
                + " (approve with a reason to override)"
            )

    async def start_due(self) -> list[int]:
        """Start every scheduled campaign whose time has come; mark missed ones. Idempotent."""
        now = self._clock.now()
        async with self._database.read_session() as session:
            due = await repo.due_campaigns(session, now)
        started = []
        for campaign in due:
            try:
                if await self._start(campaign, now):
                    started.append(campaign.id)
            except InvalidInput as exc:  # its segment is gone or its query no longer reads
                # Nothing was queued; the others still start. It stays scheduled until fixed
                # (withdraw, edit) or its window ends (missed).
                log.error("campaign %s cannot start: %s: %s", campaign.id, exc.where, exc)
        return started

    async def _start(self, campaign: Campaign, now: datetime) -> bool:
        async with self._database.transaction() as session:
            if campaign.draft.window_ends_at and campaign.draft.window_ends_at <= now:
                await self._move(
                    session,
                    campaign,
                    CampaignAction.MISS,
                    SYSTEM,
                    now,
                    reason="its time passed while nothing ran",
                )
                return False
            if not await repo.move_state(
                session, campaign.id, CampaignState.SCHEDULED, CampaignState.RUNNING, now
            ):
                return False  # another scheduler got there first
            run = await repo.insert_run(session, campaign.id, campaign.draft.starts_at, now)
            count = await self._materialise(session, campaign, run.id, now)
            await repo.set_run_count(session, run.id, count)
            await repo.record_audit(
                session,
                campaign.id,
                CampaignAction.START.value,
                SYSTEM,
                now,
                from_state=CampaignState.SCHEDULED,
                to_state=CampaignState.RUNNING,
                reason=f"run {run.sequence}: {count} messages queued",
            )
            await emit(
                session,
                "campaign.started",
                {"campaign_id": campaign.id, "run_id": run.id, "messages": count},
                now,
            )
        log.info("campaign %s started: %s messages queued", campaign.id, count)
        if count >= _MANY_MESSAGES:
            await self._database.refresh_statistics("messages")
        return True

    async def _materialise(
        self, session: AsyncSession, campaign: Campaign, run_id: int, now: datetime
    ) -> int:
        audience = await campaign_audience(session, campaign)
        await repo.set_run_audience(session, run_id, audience.query)
        languages = await templates.variant_languages(session, campaign.draft.template_version_id)
        plans = plan_channels(campaign.draft.channels, languages, campaign.draft.language_fallback)
        return await materialise_run(
            session,
            run_id=run_id,
            campaign_id=campaign.id,
            audience=audience.selected,
            eligible=audience.eligible,
            plans=plans,
            honour_contact_channel=campaign.draft.honour_contact_channel,
            now=now,
        )

    async def scheduled_starts(self) -> list[tuple[int, datetime]]:
        """(campaign id, start time) of every scheduled campaign, for the clock."""
        async with self._database.read_session() as session:
            return await repo.scheduled_starts(session)

    async def complete_finished(self) -> list[int]:
        """Complete running campaigns whose every message is final, or unknown and either
        settled by staff or unknown for longer than the settle time. Idempotent."""
        now = self._clock.now()
        async with self._database.read_session() as session:
            running = await repo.running_campaign_ids(session)
        completed = []
        for campaign_id in running:
            async with self._database.transaction() as session:
                if await _has_open_messages(session, campaign_id, now, self._unknown_settle_after):
                    continue
                campaign = await self._get(session, SYSTEM, campaign_id)
                if campaign.state is not CampaignState.RUNNING:
                    continue
                await self._move(
                    session,
                    campaign,
                    CampaignAction.COMPLETE,
                    SYSTEM,
                    now,
                    reason=await self._completion_reason(session, campaign_id, now),
                )
                await repo.complete_runs(session, campaign_id, now)
                completed.append(campaign_id)
        return completed

    async def _completion_reason(
        self, session: AsyncSession, campaign_id: int, now: datetime
    ) -> str:
        tally = await unknown_tally(session, campaign_id)
        if not tally.total:
            return "every message reached a final state"
        hours = self._unknown_settle_after.total_seconds() / 3600
        return (
            f"every other message reached a final state; {tally.total} unknown counted settled "
            f"at {now:%Y-%m-%d %H:%M} UTC: {tally.settled} settled by staff, "
            f"{tally.unsettled} unknown for more than {hours:g} hours"
        )

    async def _move(
        self,
        session: AsyncSession,
        campaign: Campaign,
        action: CampaignAction,
        actor: Identity,
        now: datetime,
        *,
        reason: str | None = None,
        **values: Any,
    ) -> CampaignState:
        try:
            target = next_campaign_state(campaign.state, action)
        except IllegalTransition as exc:
            raise Conflict(str(exc)) from exc
        extra = dict(values)
        if action is CampaignAction.APPROVE:
            extra["approval_override"] = reason
        if target is CampaignState.DRAFT:
            extra["pinned_measures"] = None  # back to the catalogue's texts until approved again
        if not await repo.move_state(session, campaign.id, campaign.state, target, now, **extra):
            raise Conflict(f"the campaign changed meanwhile; it is no longer {campaign.state}")
        await repo.record_audit(
            session,
            campaign.id,
            action.value,
            actor,
            now,
            from_state=campaign.state,
            to_state=target,
            reason=reason,
            details=values.get("checks"),
        )
        await emit(
            session,
            f"campaign.{target.value}",
            {
                "campaign_id": campaign.id,
                "from": campaign.state.value,
                "action": action.value,
                "actor": actor.label,
            },
            now,
        )
        return target

    async def _skip_queued(
        self, session: AsyncSession, campaign_id: int, reason: str, now: datetime
    ) -> None:
        ids = (
            await session.execute(
                select(messages.c.id).where(
                    messages.c.campaign_id == campaign_id,
                    messages.c.state == MessageState.QUEUED.value,
                )
            )
        ).scalars()
        await move_many(
            session,
            list(ids),
            [MessageState.QUEUED],
            MessageState.SKIPPED,
            now,
            reason=reason,
            values={"reason": reason, "final_at": now},
        )

    async def _validate(
        self, session: AsyncSession, actor: Identity, draft: CampaignDraft
    ) -> CampaignDraft:
        """The draft as it will be kept (its override reason trimmed), or InvalidInput."""
        if not draft.name.strip():
            raise InvalidInput("a campaign needs a name", where="name")
        if not await templates.version_exists(session, draft.template_version_id):
            raise InvalidInput("no such template version", where="template_version_id")
        unknown = set(draft.channels) - {c.value for c in Channel}
        if unknown or not draft.channels:
            raise InvalidInput("channels must be sms and/or email", where="channels")
        if draft.rate_per_second <= 0:
            raise InvalidInput("the rate must be above zero", where="rate_per_second")
        allowed = max((self._channel_rates.get(c, 0.0) for c in draft.channels), default=0.0)
        if self._channel_rates and draft.rate_per_second > allowed:
            raise InvalidInput(
                f"the rate is above what the provider accounts allow for its channels "
                f"({allowed:g} a second: CAMPAIGN_SMS_RATE, CAMPAIGN_EMAIL_RATE)",
                where="rate_per_second",
            )
        draft = await _audience_checked(session, actor, draft)
        await _measures_checked(session, draft.measure_ids)
        return _quiet_override_checked(draft)

    async def _get(
        self, session: AsyncSession, actor: Identity, campaign_id: int, *, lock: bool = False
    ) -> Campaign:
        return await visible_campaign(session, actor, campaign_id, lock=lock)

    @staticmethod
    def _require(actor: Identity, permission: Permission) -> None:
        require(actor, permission)


async def visible_campaign(
    session: AsyncSession, actor: Identity, campaign_id: int, *, lock: bool = False
) -> Campaign:
    """The campaign, if the actor may see it: a partner sees only its own (others: NotFound).
    With ``lock``, its row is held until the transaction ends."""
    campaign = await repo.get_campaign(session, campaign_id, lock=lock)
    if campaign is None or (actor.is_partner and campaign.owner_partner_id != actor.partner_id):
        raise NotFound(f"no campaign {campaign_id}")
    return campaign


def require(actor: Identity, permission: Permission) -> None:
    """Forbidden unless the actor's role has ``permission`` and, for what four eyes must
    know the author of, the actor is a person (campaign.kernel.identity.require)."""
    require_permission(actor, permission)


def _changed(checked: Campaign, now: Campaign) -> bool:
    """Whether the campaign is not what was checked (its content, not only its clock: two
    writes may share a time)."""
    return (
        checked.updated_at != now.updated_at
        or checked.state is not now.state
        or checked.draft != now.draft
    )


async def _audience_checked(
    session: AsyncSession, actor: Identity, draft: CampaignDraft
) -> CampaignDraft:
    """Exactly one of a saved segment (which the actor may see) or a query of its own; with a
    segment, the campaign keeps the segment's query of the moment for display, and each run
    reads it again when it is materialised."""
    if draft.segment_id is not None:
        segment = await get_segment(session, draft.segment_id, actor.partner_id)
        # Only the campaign owner's own segments: a partner's could be changed by the partner.
        if segment is None or segment.owner_partner_id != actor.partner_id:
            raise InvalidInput(f"no segment {draft.segment_id}", where="segment_id")
        # The query as last read may come back with the campaign (a GET, edited, PUT back).
        if draft.audience_query.strip() not in ("", segment.query.strip()):
            raise InvalidInput(
                "give either segment_id or audience_query, not both", where="audience_query"
            )
        return replace(draft, audience_query=segment.query)
    if not draft.audience_query.strip():
        raise InvalidInput(
            "say whom the campaign is for: a segment_id or an audience_query",
            where="audience_query",
        )
    try:
        registry = await load_registry(session, actor.partner_id)
        audience_condition(draft.audience_query, dict(registry))
    except SegmentError as exc:
        raise InvalidInput(str(exc), where="audience_query") from exc
    return draft


async def _measures_checked(session: AsyncSession, measure_ids: tuple[int, ...]) -> None:
    if len(set(measure_ids)) != len(measure_ids):
        raise InvalidInput("a measure is named twice", where="measure_ids")
    known = {m.measure_id for m in await live_measures(session, measure_ids)}
    for index, measure_id in enumerate(measure_ids):
        if measure_id not in known:
            raise InvalidInput(f"no measure {measure_id}", where=f"measure_ids[{index}]")


def _report_values(report: CheckReport, *, pin: bool) -> dict[str, Any]:
    """What a check leaves on the campaign; approval pins the measures exactly as checked."""
    values: dict[str, Any] = {"checks": report.as_json()}
    if pin:
        values["pinned_measures"] = [m.as_json() for m in report.measures]
    return values


def _quiet_override_checked(draft: CampaignDraft) -> CampaignDraft:
    """A quiet-hours override needs a real reason (kept, and shown to the approver)."""
    if draft.quiet_hours_override is None:
        return draft
    reason = draft.quiet_hours_override.strip()
    if not reason:
        raise InvalidInput(
            "overriding the default quiet hours needs a reason; leave it out to keep them",
            where="quiet_hours_override",
        )
    if len(reason) > QUIET_OVERRIDE_MAX:
        raise InvalidInput(
            f"the reason for overriding quiet hours is over {QUIET_OVERRIDE_MAX} characters",
            where="quiet_hours_override",
        )
    return replace(draft, quiet_hours_override=reason)


async def _has_open_messages(
    session: AsyncSession, campaign_id: int, now: datetime, settle_after: timedelta
) -> bool:
    """Whether the campaign still waits for a message: one not final, or an unknown one
    nobody settled that has not been unknown for ``settle_after`` yet."""
    condition = and_(messages.c.campaign_id == campaign_id, holds_campaign_open(now, settle_after))
    return bool((await session.execute(select(exists().where(condition)))).scalar())


__all__ = ["CampaignService", "SegmentError"]
