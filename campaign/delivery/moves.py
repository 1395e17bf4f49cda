"""Moving messages between states, in bulk, with their delivery events and outbox events.

Every move is a conditional UPDATE on the expected current state, so racing writers (a worker
recording "sent" and a webhook recording "delivered") never move a message backwards. Every move
is one the transition table allows (``can_move``); asking for another is a bug, refused before
any SQL runs.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, bindparam, case, func, insert, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from campaign.delivery.states import MessageState, can_move
from campaign.store.tables import delivery_events, messages

Db = AsyncSession | AsyncConnection

_IDS_PER_STATEMENT = 5000


@dataclass(frozen=True, slots=True)
class Move:
    """One message's change of state, as recorded in its delivery events."""

    message_id: int
    from_state: MessageState
    to_state: MessageState
    provider_status: str | None = None
    code: str | None = None
    reason: str | None = None

    def __post_init__(self) -> None:
        _check(self.from_state, self.to_state)


def _check(from_state: MessageState, to_state: MessageState) -> None:
    if not can_move(from_state, to_state):
        raise ValueError(f"a message may not move from {from_state} to {to_state}")


def _cleared(to_state: MessageState) -> dict[str, Any]:
    """What a move resets: back in the queue, the next attempt has not been handed over."""
    return {"handed_over_at": None} if to_state is MessageState.QUEUED else {}


async def move_many(
    db: Db,
    ids: Collection[int],
    from_states: Iterable[MessageState],
    to_state: MessageState,
    now: datetime,
    *,
    reason: str | None = None,
    provider_status: str | None = None,
    code: str | None = None,
    values: dict[str, Any] | None = None,
    condition: ColumnElement[bool] | None = None,
) -> list[Move]:
    """Move every listed message that is in one of ``from_states`` (and meets ``condition``);
    return what moved."""
    from_states = list(from_states)
    for from_state in from_states:
        _check(from_state, to_state)
    moved: list[Move] = []
    remaining = set(ids)
    for from_state in from_states:
        pending = sorted(remaining)
        # A bounded IN list per statement: PostgreSQL takes at most 32,767 parameters.
        for start in range(0, len(pending), _IDS_PER_STATEMENT):
            chunk = pending[start : start + _IDS_PER_STATEMENT]
            statement = (
                update(messages)
                .where(
                    messages.c.id.in_(chunk),
                    messages.c.state == from_state.value,
                    true() if condition is None else condition,
                )
                .values(
                    state=to_state.value, updated_at=now, **_cleared(to_state), **(values or {})
                )
                .returning(messages.c.id)
            )
            for message_id in (await db.execute(statement)).scalars():
                moved.append(
                    Move(int(message_id), from_state, to_state, provider_status, code, reason)
                )
                remaining.discard(int(message_id))
    await record_moves(db, moved, now)
    return moved


async def move_each(
    db: Db,
    moves: Sequence[Move],
    now: datetime,
    *,
    condition: ColumnElement[bool] | None = None,
    **values: Any,
) -> list[Move]:
    """Apply individual moves (each its own reason and codes) with one statement per batch.

    ``values`` maps a column to a per-move list (same order as ``moves``); a move applies only
    where ``condition`` holds too.
    """
    if not moves:
        return []
    params = [
        {
            "m_id": move.message_id,
            "m_from": move.from_state.value,
            "m_to": move.to_state.value,
            "m_reason": move.reason,
            "m_status": move.provider_status,
            "m_code": move.code,
            **{f"v_{name}": column_values[i] for name, column_values in values.items()},
        }
        for i, move in enumerate(moves)
    ]
    statement = (
        update(messages)
        .where(
            messages.c.id == bindparam("m_id"),
            messages.c.state == bindparam("m_from"),
            true() if condition is None else condition,
        )
        .values(
            state=bindparam("m_to"),
            reason=bindparam("m_reason"),
            provider_status=bindparam("m_status"),
            error_code=bindparam("m_code"),
            updated_at=now,
            # Back in the queue, a message has not been handed over in its next attempt yet.
            handed_over_at=case(
                (bindparam("m_to") == MessageState.QUEUED.value, None),
                else_=messages.c.handed_over_at,
            ),
            **{name: bindparam(f"v_{name}") for name in values},
        )
    )
    await db.execute(statement, params)
    # executemany reports no per-row counts everywhere: read back which moves took effect. A
    # message another transaction moved to the same state first (a receipt overtaking the
    # worker's record) is not this move's: only rows stamped with this ``now`` are.
    landed = await _stamps(db, [m.message_id for m in moves])
    applied = [m for m in moves if landed.get(m.message_id) == (m.to_state.value, now)]
    await record_moves(db, applied, now)
    return applied


async def record_acceptance(db: Db, accepted: Sequence[tuple[int, str, datetime]]) -> None:
    """Write when and under which provider id each message was accepted, whatever its state.

    A receipt may overtake the record of the send and move the message past ``sent`` first;
    the send still happened, so its time and id are kept: the id is never overwritten once
    written, the time only by the earlier moment of the hand-over.
    """
    if not accepted:
        return
    at = bindparam("m_at", type_=messages.c.sent_at.type)
    statement = (
        update(messages)
        .where(messages.c.id == bindparam("m_id"))
        .values(
            # The hand-over is the truest time: it replaces the later time of a receipt that
            # came first and wrote its own.
            sent_at=case(
                (or_(messages.c.sent_at.is_(None), messages.c.sent_at > at), at),
                else_=messages.c.sent_at,
            ),
            provider_id=func.coalesce(messages.c.provider_id, bindparam("m_provider_id")),
            lease_owner=None,
        )
    )
    await db.execute(
        statement, [{"m_id": i, "m_provider_id": p, "m_at": at} for i, p, at in accepted]
    )


async def lock_messages(db: Db, ids: Sequence[int]) -> None:
    """Lock these messages' rows in id order (PostgreSQL; SQLite's writers take turns anyway):
    writers that lock first in one order never wait on each other crosswise."""
    dialect = db.dialect if isinstance(db, AsyncConnection) else db.get_bind().dialect
    if not ids or dialect.name != "postgresql":
        return
    await db.execute(
        select(messages.c.id)
        .where(messages.c.id.in_(sorted(set(ids))))
        .order_by(messages.c.id)
        .with_for_update()
    )


async def _stamps(db: Db, ids: Sequence[int]) -> dict[int, tuple[str, datetime]]:
    rows = await db.execute(
        select(messages.c.id, messages.c.state, messages.c.updated_at).where(messages.c.id.in_(ids))
    )
    return {int(r.id): (r.state, r.updated_at) for r in rows}


async def record_moves(db: Db, moves: Sequence[Move], now: datetime) -> None:
    """Write the delivery events of moves already applied.

    Message moves write no outbox events: ``delivery_events`` is their record, written in the
    same transaction, and feeds whoever follows messages (decision 0022); three outbox rows
    per message doubled the writes of the hot path for no reader."""
    if not moves:
        return
    await db.execute(
        insert(delivery_events),
        [
            {
                "message_id": m.message_id,
                "at": now,
                "from_state": m.from_state.value,
                "to_state": m.to_state.value,
                "provider_status": m.provider_status,
                "code": m.code,
                "reason": m.reason,
            }
            for m in moves
        ],
    )
