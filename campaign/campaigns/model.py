"""Campaigns and their runs: pure dataclasses, no database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

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
class MeasureContent:
    """One of a campaign's measures as its messages use it: texts per language and who it is
    for. Pinned at approval, so a later edit of the measure does not change what was approved."""

    measure_id: int
    slug: str
    eligibility: str | None
    texts: dict[str, dict[str, str]]  # language -> MEASURE_FIELDS

    def as_json(self) -> dict[str, Any]:
        return {
            "measure_id": self.measure_id,
            "slug": self.slug,
            "eligibility": self.eligibility,
            "texts": self.texts,
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> MeasureContent:
        return cls(
            int(value["measure_id"]), value["slug"], value.get("eligibility"), value["texts"]
        )


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
    # The latest check of what people get (``CheckReport.as_json``), at submission or approval.
    checks: dict[str, Any] | None = None
    pinned_measures: tuple[MeasureContent, ...] | None = None  # as approved; None before

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


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One line of a campaign's history: who did what, when, why, and what the checks found."""

    at: datetime
    action: str
    actor: str
    actor_user_id: int | None
    from_state: str | None
    to_state: str | None
    reason: str | None
    checks: dict[str, Any] | None

    def as_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "action": self.action,
            "actor": self.actor,
            "actor_user_id": self.actor_user_id,
            "from_state": self.from_state,
            "to_state": self.to_state,
            "reason": self.reason,
            "checks": self.checks,
        }
