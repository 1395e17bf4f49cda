"""Campaigns and their runs: pure dataclasses, no database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time

from campaign.campaigns.states import CampaignState


@dataclass(frozen=True, slots=True)
class QuietHours:
    """Local hours in which nothing is sent, e.g. 21:00 to 08:00 (may wrap midnight)."""

    start: time
    end: time

    def contains(self, local: time) -> bool:
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def as_json(self) -> dict[str, str]:
        return {"start": self.start.strftime("%H:%M"), "end": self.end.strftime("%H:%M")}

    @classmethod
    def from_json(cls, value: dict[str, str] | None) -> QuietHours | None:
        if not value:
            return None
        return cls(time.fromisoformat(value["start"]), time.fromisoformat(value["end"]))


@dataclass(frozen=True, slots=True)
class CampaignDraft:
    """What an editor writes; everything but state and bookkeeping."""

    name: str
    template_version_id: int
    audience_query: str
    starts_at: datetime
    channels: tuple[str, ...] = ("sms", "email")
    honour_contact_channel: bool = True
    channel_fallback: bool = False  # a message that failed for good goes on the other channel
    language_fallback: tuple[str, ...] = ("en", "fr", "nl")
    window_ends_at: datetime | None = None
    quiet_hours: QuietHours | None = None
    # Why the service's default quiet hours do not apply (only ``quiet_hours`` then, if any).
    quiet_hours_override: str | None = None
    rate_per_second: float = 10.0
    spend_cap: float | None = None
    sms_segment_cap: int | None = None
    segment_id: int | None = None
    measure_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Campaign:
    id: int
    state: CampaignState
    draft: CampaignDraft
    created_at: datetime
    updated_at: datetime
    created_by: int | None = None
    owner_partner_id: int | None = None
    approval_override: str | None = None
    measure_ids: tuple[int, ...] = field(default=())

    @property
    def name(self) -> str:
        return self.draft.name


@dataclass(frozen=True, slots=True)
class Run:
    id: int
    campaign_id: int
    sequence: int
    due_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    message_count: int
