"""Campaign reads, creation and edits, and the staff actions of the state table."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Annotated, Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from campaign.api.answers import json_response
from campaign.api.bodies import Moment, int_param, read_model
from campaign.api.bodies import campaign_id as _id
from campaign.api.context import identity, services
from campaign.campaigns.model import Campaign, CampaignDraft, QuietHours
from campaign.campaigns.states import STAFF_ACTIONS, CampaignAction
from campaign.kernel import limits
from campaign.kernel.errors import NotFound


class QuietHoursBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: time
    end: time


# Why the service's default quiet hours do not hold for a campaign: kept, shown to the approver.
QuietHoursOverride = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=limits.REASON_MAX)
]
_Language = Annotated[str, Field(max_length=limits.LANGUAGE_CODE_MAX)]
_Channel = Annotated[str, Field(max_length=limits.CHANNEL_NAME_MAX)]


class CampaignBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=limits.NAME_MAX)
    template_version_id: int
    # Whom it is for: a saved segment (read again when each run starts) or a query of its own.
    segment_id: int | None = None
    audience_query: str = Field(default="", max_length=limits.SEGMENT_QUERY_MAX)
    starts_at: Moment
    channels: tuple[_Channel, ...] = Field(default=("sms", "email"), max_length=2)
    honour_contact_channel: bool = True
    # When the chosen channel fails for good, try the campaign's other channel once.
    channel_fallback: bool = False
    language_fallback: tuple[_Language, ...] = Field(
        default=("en", "fr", "nl"), max_length=limits.LANGUAGES_MAX
    )
    window_ends_at: Moment | None = None
    quiet_hours: QuietHoursBody | None = None
    quiet_hours_override: QuietHoursOverride | None = Field(
        default=None,
        description="Why the service's default quiet hours (CAMPAIGN_QUIET_HOURS) do not hold "
        "for this campaign; then only its own quiet_hours do, if any. Leave out to keep them.",
    )
    rate_per_second: float = Field(default=10.0, gt=0)  # at most the channels' rates
    spend_cap: float | None = Field(default=None, ge=0)
    sms_segment_cap: int | None = Field(default=None, ge=1, le=10)
    measure_ids: tuple[int, ...] = Field(default=(), max_length=limits.CAMPAIGN_MEASURES_MAX)

    def draft(self) -> CampaignDraft:
        quiet = self.quiet_hours
        return CampaignDraft(
            name=self.name,
            template_version_id=self.template_version_id,
            segment_id=self.segment_id,
            audience_query=self.audience_query,
            starts_at=self.starts_at.astimezone(UTC),
            channels=self.channels,
            honour_contact_channel=self.honour_contact_channel,
            channel_fallback=self.channel_fallback,
            language_fallback=self.language_fallback,
            window_ends_at=self.window_ends_at.astimezone(UTC) if self.window_ends_at else None,
            quiet_hours=QuietHours(quiet.start, quiet.end) if quiet else None,
            quiet_hours_override=self.quiet_hours_override,
            rate_per_second=self.rate_per_second,
            spend_cap=self.spend_cap,
            sms_segment_cap=self.sms_segment_cap,
            measure_ids=self.measure_ids,
        )


class ActionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str | None = Field(default=None, max_length=limits.REASON_MAX)


async def list_campaigns(request: web.Request) -> web.Response:
    limit = int_param(request, "limit", 50, low=1, high=200)
    offset = int_param(request, "offset", 0, low=0, high=10**9)
    found = await services(request).campaigns.visible(identity(request), limit=limit, offset=offset)
    stats = await services(request).stats.of_each([c.id for c in found])
    items = [await _with_stats(request, c, stats[c.id]) for c in found]
    return json_response({"items": items, "limit": limit, "offset": offset})


async def get_campaign(request: web.Request) -> web.Response:
    campaign = await services(request).campaigns.get(identity(request), _id(request))
    return json_response(await _with_stats(request, campaign))


async def get_stats(request: web.Request) -> web.Response:
    campaign = await services(request).campaigns.get(identity(request), _id(request))
    return json_response(await services(request).stats.of(campaign.id))


async def preview_campaign(request: web.Request) -> web.Response:
    campaign = await services(request).campaigns.get(identity(request), _id(request))
    return json_response(await services(request).costs.preview(campaign))


async def create_campaign(request: web.Request) -> web.Response:
    body = await read_model(request, CampaignBody)
    campaign = await services(request).campaigns.create(identity(request), body.draft())
    response = json_response(await _with_stats(request, campaign), status=201)
    response.headers["Location"] = f"/api/v1/campaigns/{campaign.id}"
    return response


async def edit_campaign(request: web.Request) -> web.Response:
    body = await read_model(request, CampaignBody)
    campaign = await services(request).campaigns.edit(identity(request), _id(request), body.draft())
    return json_response(await _with_stats(request, campaign))


async def act_on_campaign(request: web.Request) -> web.Response:
    action = _action(request.match_info["action"])
    body = await read_model(request, ActionBody, optional=True)
    campaign = await services(request).campaigns.act(
        identity(request), _id(request), action, reason=body.reason
    )
    return json_response(await _with_stats(request, campaign))


def _action(name: str) -> CampaignAction:
    try:
        action = CampaignAction(name)
    except ValueError:
        action = None
    if action is None or action not in STAFF_ACTIONS:
        names = ", ".join(sorted(a.value for a in STAFF_ACTIONS))
        raise NotFound(f"no campaign action {name!r}; the actions are {names}")
    return action


async def _with_stats(
    request: web.Request, campaign: Campaign, stats: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The campaign with its hold and stats; a list passes the stats it read for its page."""
    held = await services(request).holds.held(campaign)
    return campaign_json(campaign) | {
        "held": held.as_json() if held else None,
        "stats": stats if stats is not None else await services(request).stats.of(campaign.id),
    }


def campaign_json(campaign: Campaign) -> dict[str, Any]:
    draft = campaign.draft
    return {
        "id": campaign.id,
        "name": draft.name,
        "state": campaign.state.value,
        "template_version_id": draft.template_version_id,
        "audience_query": draft.audience_query,
        "segment_id": draft.segment_id,
        "channels": list(draft.channels),
        "honour_contact_channel": draft.honour_contact_channel,
        "channel_fallback": draft.channel_fallback,
        "language_fallback": list(draft.language_fallback),
        "starts_at": _iso(draft.starts_at),
        "window_ends_at": _iso(draft.window_ends_at),
        "quiet_hours": draft.quiet_hours.as_json() if draft.quiet_hours else None,
        "quiet_hours_override": draft.quiet_hours_override,
        "rate_per_second": draft.rate_per_second,
        "spend_cap": draft.spend_cap,
        "sms_segment_cap": draft.sms_segment_cap,
        "measure_ids": list(campaign.measure_ids or draft.measure_ids),
        "checks": campaign.checks,
        "created_at": _iso(campaign.created_at),
        "updated_at": _iso(campaign.updated_at),
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
