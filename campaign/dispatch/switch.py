"""The stop switch: one row that, while it says stopped, keeps every worker from handing
anything to a provider. Read in the last-moment transaction, so it holds within one batch.

Only admins (``Permission.DISPATCH``) turn it; anyone may read it. Every change is logged at
WARNING and kept as an outbox event (``dispatch.stopped``, ``dispatch.resumed``: who, when,
why), the way the privacy audit keeps its trail. Stopping twice keeps the first stop's time,
actor and reason: the status says since when nothing has gone out, and who decided it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from campaign.dispatch.circuits import Circuit, open_circuits
from campaign.events.outbox import emit
from campaign.kernel.clock import Clock
from campaign.kernel.errors import Forbidden, InvalidInput
from campaign.kernel.identity import Identity, Permission
from campaign.store.engine import Database
from campaign.store.results import affected
from campaign.store.tables import dispatch_switch

log = logging.getLogger(__name__)

SWITCH_ROW = 1
REASON_MAX = 500
STOPPED = "dispatch.stopped"
RESUMED = "dispatch.resumed"


async def sending_stopped(session: AsyncSession) -> bool:
    """Whether an admin has stopped all sending (no row: never stopped)."""
    stopped = await session.scalar(
        select(dispatch_switch.c.stopped).where(dispatch_switch.c.id == SWITCH_ROW)
    )
    return bool(stopped)


@dataclass(frozen=True, slots=True)
class SwitchState:
    """Whether sending is stopped, and the last change: when, by whom, why (a stop's reason)."""

    stopped: bool
    since: datetime | None = None
    by: str | None = None
    reason: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "stopped": self.stopped,
            "since": self.since.isoformat() if self.since else None,
            "by": self.by,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class SwitchChange:
    """The state after a stop or resume, and whether that call changed it."""

    state: SwitchState
    changed: bool


class DispatchSwitch:
    """Stop and resume all sending; read whether it is stopped."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self._database = database
        self._clock = clock

    async def status(self) -> SwitchState:
        async with self._database.read_session() as session:
            return await _state(session)

    async def refusing_accounts(self) -> list[Circuit]:
        """The provider accounts that refuse to send for now (their circuits are open)."""
        async with self._database.read_session() as session:
            return list((await open_circuits(session)).values())

    async def stop(self, actor: Identity, reason: str | None) -> SwitchChange:
        """Stop all sending now; a reason is required. Already stopped: nothing changes."""
        _require(actor)
        why = (reason or "").strip()
        if not why:
            raise InvalidInput("stopping all sending needs a reason", where="reason")
        if len(why) > REASON_MAX:
            raise InvalidInput(f"the reason is over {REASON_MAX} characters", where="reason")
        now = self._clock.now()
        async with self._database.transaction() as session:
            changed = await _set_stopped(session, actor.label, why, now)
            if changed:
                await emit(session, STOPPED, _event(actor, now, why), now)
            state = await _state(session)
        if changed:
            log.warning("ALL SENDING STOPPED by %s: %s", actor.label, why)
        else:
            log.info("sending was already stopped (since %s, by %s)", state.since, state.by)
        return SwitchChange(state, changed)

    async def resume(self, actor: Identity) -> SwitchChange:
        """Let workers send again. Not stopped: nothing changes."""
        _require(actor)
        now = self._clock.now()
        async with self._database.transaction() as session:
            result = await session.execute(
                update(dispatch_switch)
                .where(dispatch_switch.c.id == SWITCH_ROW, dispatch_switch.c.stopped.is_(True))
                .values(stopped=False, changed_at=now, changed_by=actor.label, reason=None)
            )
            changed = bool(affected(result))
            if changed:
                await emit(session, RESUMED, _event(actor, now, None), now)
            state = await _state(session)
        if changed:
            log.warning("sending resumed by %s", actor.label)
        return SwitchChange(state, changed)


async def _set_stopped(session: AsyncSession, actor: str, reason: str, now: datetime) -> bool:
    """Upsert the one row to stopped unless it already is; whether it changed."""
    dialect = session.get_bind().dialect.name
    insert = (postgresql if dialect == "postgresql" else sqlite).insert
    values = {"stopped": True, "changed_at": now, "changed_by": actor, "reason": reason}
    statement = (
        insert(dispatch_switch)
        .values(id=SWITCH_ROW, **values)
        .on_conflict_do_update(
            index_elements=[dispatch_switch.c.id],
            set_=values,
            where=dispatch_switch.c.stopped.is_(False),
        )
        .returning(dispatch_switch.c.id)
    )
    return (await session.execute(statement)).first() is not None


async def _state(session: AsyncSession) -> SwitchState:
    row = (
        await session.execute(select(dispatch_switch).where(dispatch_switch.c.id == SWITCH_ROW))
    ).first()
    if row is None:
        return SwitchState(stopped=False)
    return SwitchState(bool(row.stopped), row.changed_at, row.changed_by, row.reason)


def _event(actor: Identity, now: datetime, reason: str | None) -> dict[str, Any]:
    return {"actor": actor.label, "at": now.isoformat(), "reason": reason}


def _require(actor: Identity) -> None:
    if not actor.may(Permission.DISPATCH):
        raise Forbidden(f"the {actor.role} role may not stop or resume sending: admins only")
