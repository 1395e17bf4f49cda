"""Campaign rows in and out; every function works inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from campaign.campaigns.model import (
    AuditEntry,
    Campaign,
    CampaignDraft,
    MeasureContent,
    QuietHours,
    Run,
)
from campaign.campaigns.states import CampaignState
from campaign.kernel.identity import Identity
from campaign.store.results import affected, inserted_id
from campaign.store.tables import campaign_audit, campaign_measures, campaign_runs, campaigns


def _draft_values(draft: CampaignDraft) -> dict[str, Any]:
    return {
        "name": draft.name,
        "template_version_id": draft.template_version_id,
        "audience_query": draft.audience_query,
        "segment_id": draft.segment_id,
        "channels": list(draft.channels),
        "honour_contact_channel": draft.honour_contact_channel,
        "channel_fallback": draft.channel_fallback,
        "language_fallback": list(draft.language_fallback),
        "starts_at": draft.starts_at,
        "window_ends_at": draft.window_ends_at,
        "quiet_hours": draft.quiet_hours.as_json() if draft.quiet_hours else None,
        "quiet_hours_override": draft.quiet_hours_override,
        "rate_per_second": draft.rate_per_second,
        "spend_cap": draft.spend_cap,
        "sms_segment_cap": draft.sms_segment_cap,
    }


def _campaign(row: Row[Any], measure_ids: Sequence[int] = ()) -> Campaign:
    draft = CampaignDraft(
        name=row.name,
        template_version_id=row.template_version_id,
        audience_query=row.audience_query,
        segment_id=row.segment_id,
        starts_at=row.starts_at,
        channels=tuple(row.channels),
        honour_contact_channel=row.honour_contact_channel,
        channel_fallback=row.channel_fallback,
        language_fallback=tuple(row.language_fallback),
        window_ends_at=row.window_ends_at,
        quiet_hours=QuietHours.from_json(row.quiet_hours),
        quiet_hours_override=row.quiet_hours_override,
        rate_per_second=row.rate_per_second,
        spend_cap=row.spend_cap,
        sms_segment_cap=row.sms_segment_cap,
        measure_ids=tuple(measure_ids),
    )
    return Campaign(
        id=row.id,
        state=CampaignState(row.state),
        draft=draft,
        created_at=row.created_at,
        updated_at=row.updated_at,
        created_by=row.created_by,
        owner_partner_id=row.owner_partner_id,
        approval_override=row.approval_override,
        measure_ids=tuple(measure_ids),
        checks=row.checks,
        pinned_measures=(
            tuple(MeasureContent.from_json(m) for m in row.pinned_measures)
            if row.pinned_measures is not None
            else None
        ),
    )


async def insert_campaign(
    session: AsyncSession, draft: CampaignDraft, actor: Identity, now: datetime
) -> int:
    values = _draft_values(draft) | {
        "state": CampaignState.DRAFT.value,
        "created_by": actor.user_id,
        "owner_partner_id": actor.partner_id,
        "created_at": now,
        "updated_at": now,
    }
    campaign_id = inserted_id(await session.execute(insert(campaigns).values(**values)))
    await _set_measures(session, campaign_id, draft.measure_ids)
    return campaign_id


async def update_draft(
    session: AsyncSession, campaign_id: int, draft: CampaignDraft, now: datetime
) -> bool:
    """Write new content into the campaign only while it is a draft; False (and nothing
    written) when it is not: content never changes under a submission or an approval."""
    result = await session.execute(
        update(campaigns)
        .where(campaigns.c.id == campaign_id, campaigns.c.state == CampaignState.DRAFT.value)
        # The latest checks were of the words before this edit: they stay in the history only.
        .values(**_draft_values(draft), checks=None, updated_at=now)
    )
    if not affected(result):
        return False
    await session.execute(
        campaign_measures.delete().where(campaign_measures.c.campaign_id == campaign_id)
    )
    await _set_measures(session, campaign_id, draft.measure_ids)
    return True


async def _set_measures(session: AsyncSession, campaign_id: int, ids: Sequence[int]) -> None:
    if ids:
        await session.execute(
            insert(campaign_measures),
            [{"campaign_id": campaign_id, "measure_id": m} for m in ids],
        )


async def get_campaign(
    session: AsyncSession, campaign_id: int, *, lock: bool = False
) -> Campaign | None:
    """The campaign; with ``lock``, its row is held until the transaction ends (on
    PostgreSQL; SQLite holds the whole database for a writing transaction anyway), so what
    is read of its state stays true until then."""
    query = select(campaigns).where(campaigns.c.id == campaign_id)
    if lock:
        query = query.with_for_update()
    row = (await session.execute(query)).first()
    if row is None:
        return None
    measure_ids = (
        await session.execute(
            select(campaign_measures.c.measure_id)
            .where(campaign_measures.c.campaign_id == campaign_id)
            .order_by(campaign_measures.c.measure_id)
        )
    ).scalars()
    return _campaign(row, list(measure_ids))


async def list_campaigns(
    session: AsyncSession, *, partner_id: int | None = None, limit: int = 100, offset: int = 0
) -> list[Campaign]:
    query = select(campaigns).order_by(campaigns.c.id.desc()).limit(limit).offset(offset)
    if partner_id is not None:
        query = query.where(campaigns.c.owner_partner_id == partner_id)
    rows = (await session.execute(query)).all()
    measures: dict[int, list[int]] = {int(row.id): [] for row in rows}
    if measures:  # every listed campaign's measures in one query, not one per campaign
        linked = await session.execute(
            select(campaign_measures.c.campaign_id, campaign_measures.c.measure_id)
            .where(campaign_measures.c.campaign_id.in_(list(measures)))
            .order_by(campaign_measures.c.measure_id)
        )
        for campaign_id, measure_id in linked:
            measures[int(campaign_id)].append(int(measure_id))
    return [_campaign(row, measures[int(row.id)]) for row in rows]


async def move_state(
    session: AsyncSession,
    campaign_id: int,
    expected: CampaignState,
    target: CampaignState,
    now: datetime,
    **extra: Any,
) -> bool:
    """Move the campaign only if it is still ``expected``: two racing actors cannot both win."""
    result = await session.execute(
        update(campaigns)
        .where(campaigns.c.id == campaign_id, campaigns.c.state == expected.value)
        .values(state=target.value, updated_at=now, **extra)
    )
    return bool(affected(result))


async def record_audit(
    session: AsyncSession,
    campaign_id: int,
    action: str,
    actor: Identity,
    now: datetime,
    *,
    from_state: CampaignState | None = None,
    to_state: CampaignState | None = None,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    await session.execute(
        insert(campaign_audit).values(
            campaign_id=campaign_id,
            action=action,
            from_state=from_state.value if from_state else None,
            to_state=to_state.value if to_state else None,
            actor_user_id=actor.user_id,
            actor=actor.label,
            reason=reason,
            details=details,
            at=now,
        )
    )


async def history(session: AsyncSession, campaign_id: int) -> list[AuditEntry]:
    """Who did what to the campaign and when, oldest first."""
    rows = await session.execute(
        select(campaign_audit)
        .where(campaign_audit.c.campaign_id == campaign_id)
        .order_by(campaign_audit.c.at, campaign_audit.c.id)
    )
    return [
        AuditEntry(
            at=r.at,
            action=r.action,
            actor=r.actor,
            actor_user_id=r.actor_user_id,
            from_state=r.from_state,
            to_state=r.to_state,
            reason=r.reason,
            checks=r.details,
        )
        for r in rows
    ]


async def author_ids(session: AsyncSession, campaign_id: int) -> set[int]:
    """Users who created, edited or submitted the campaign: none of them may approve it (a
    submission vouches for the words, also those of a campaign written before every write
    had a person behind it)."""
    rows = await session.execute(
        select(campaign_audit.c.actor_user_id).where(
            campaign_audit.c.campaign_id == campaign_id,
            campaign_audit.c.action.in_(("create", "edit", "submit")),
            campaign_audit.c.actor_user_id.is_not(None),
        )
    )
    return {int(user_id) for user_id in rows.scalars()}


async def due_campaigns(session: AsyncSession, now: datetime) -> list[Campaign]:
    rows = await session.execute(
        select(campaigns).where(
            campaigns.c.state == CampaignState.SCHEDULED.value, campaigns.c.starts_at <= now
        )
    )
    return [_campaign(row) for row in rows.all()]


async def scheduled_starts(session: AsyncSession) -> list[tuple[int, datetime]]:
    """(campaign id, start time) of every scheduled campaign, for the clock's jobs."""
    rows = await session.execute(
        select(campaigns.c.id, campaigns.c.starts_at).where(
            campaigns.c.state == CampaignState.SCHEDULED.value
        )
    )
    return [(int(r.id), r.starts_at) for r in rows]


async def running_campaign_ids(session: AsyncSession) -> list[int]:
    rows = await session.execute(
        select(campaigns.c.id).where(campaigns.c.state == CampaignState.RUNNING.value)
    )
    return [int(i) for i in rows.scalars()]


async def insert_run(
    session: AsyncSession, campaign_id: int, due_at: datetime, now: datetime
) -> Run:
    previous = (
        await session.execute(
            select(campaign_runs.c.sequence)
            .where(campaign_runs.c.campaign_id == campaign_id)
            .order_by(campaign_runs.c.sequence.desc())
            .limit(1)
        )
    ).scalar()
    sequence = (previous or 0) + 1
    result = await session.execute(
        insert(campaign_runs).values(
            campaign_id=campaign_id,
            sequence=sequence,
            due_at=due_at,
            started_at=now,
            message_count=0,
        )
    )
    run_id = inserted_id(result)
    return Run(run_id, campaign_id, sequence, due_at, now, None, 0)


async def set_run_count(session: AsyncSession, run_id: int, count: int) -> None:
    await session.execute(
        update(campaign_runs).where(campaign_runs.c.id == run_id).values(message_count=count)
    )


async def set_run_audience(session: AsyncSession, run_id: int, query: str) -> None:
    """Keep the query a run was materialised from: its segment may change afterwards."""
    await session.execute(
        update(campaign_runs).where(campaign_runs.c.id == run_id).values(audience_query=query)
    )


async def complete_runs(session: AsyncSession, campaign_id: int, now: datetime) -> None:
    await session.execute(
        update(campaign_runs)
        .where(campaign_runs.c.campaign_id == campaign_id, campaign_runs.c.completed_at.is_(None))
        .values(completed_at=now)
    )
