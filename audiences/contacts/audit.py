"""The audit trail of what was done with a person's data (export, erasure, staff opt-out).

Recorded as outbox events in the caller's transaction, so the record exists exactly when the
act does, and handlers (a partner webhook, a log shipper) see it. No table of its own: the
outbox keeps processed events; the payload names who acted and when, never the person's data.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from campaign.events.outbox import emit

EXPORTED = "contact.exported"
ERASED = "contact.erased"
LIST_EXPORTED = "contacts.exported"  # many people's data at once, as a spreadsheet


async def record(
    session: AsyncSession,
    topic: str,
    contact_id: int,
    actor: str,
    now: datetime,
    **details: Any,
) -> None:
    """Record that ``actor`` did ``topic`` to the contact at ``now``."""
    await record_many(session, topic, actor, now, contact_id=contact_id, **details)


async def record_many(
    session: AsyncSession, topic: str, actor: str, now: datetime, **details: Any
) -> None:
    """Record that ``actor`` did ``topic`` to a set of contacts that ``details`` describe."""
    await emit(session, topic, {"actor": actor, "at": now.isoformat()} | details, now)
