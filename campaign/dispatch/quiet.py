"""Quiet hours: when, in a person's own time zone, nothing is sent to them.

The service's default (``CAMPAIGN_QUIET_HOURS``, 21:00–08:00) holds for every campaign. A
campaign may add its own hours on top; only a campaign that gives a reason for overriding the
default (``quiet_hours_override``) is held by its own hours alone, or by none.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from campaign.campaigns.model import CampaignDraft, QuietHours


def default_quiet_hours(hours: tuple[time, time] | None) -> QuietHours | None:
    return QuietHours(*hours) if hours is not None else None


def quiet_spans(draft: CampaignDraft, default: QuietHours | None) -> tuple[QuietHours, ...]:
    """The quiet hours that hold for ``draft``'s messages."""
    spans = (draft.quiet_hours,) if draft.quiet_hours_override else (default, draft.quiet_hours)
    return tuple(span for span in spans if span is not None)


def quiet_until(spans: tuple[QuietHours, ...], zone: ZoneInfo, now: datetime) -> datetime | None:
    """When the quiet hours that hold at ``now`` for a person in ``zone`` end (None: not quiet).

    Overlapping spans chain: 21:00–08:00 with a campaign's own 07:00–09:00 ends at 09:00.
    """
    moment = now
    for _ in range(len(spans) + 1):
        local = moment.astimezone(zone)
        ending = [_end_of(span, local) for span in spans if span.contains(local.time())]
        if not ending:
            return None if moment == now else moment
        moment = max(ending).astimezone(now.tzinfo)
    return moment


def _end_of(span: QuietHours, local: datetime) -> datetime:
    """The first moment at or after ``local`` at which ``span`` ends, in ``local``'s zone."""
    end = local.replace(hour=span.end.hour, minute=span.end.minute, second=0, microsecond=0)
    if end <= local:
        end += timedelta(days=1)  # wall-clock arithmetic: still span.end, the next day
    # A wall time that does not exist (spring forward) resolves forward through fold rules;
    # round-tripping through UTC gives a real instant.
    return end.astimezone(ZoneInfo("UTC")).astimezone(local.tzinfo)
