"""A message as staff follow it: a pure dataclass, no database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from campaign.delivery.states import MessageState
from campaign.kernel.channel import Channel


@dataclass(frozen=True, slots=True)
class MessageRecord:
    """One message as staff follow it; ``address`` as stored or masked (None once erased)."""

    id: int
    contact_id: int | None
    channel: Channel
    address: str | None
    language: str
    state: MessageState
    attempts: int
    reason: str | None
    error_code: str | None
    provider_id: str | None
    sent_at: datetime | None
    final_at: datetime | None
    settled_at: datetime | None
    settled_by: str | None
    segments: int | None
    cost: float | None
    updated_at: datetime
