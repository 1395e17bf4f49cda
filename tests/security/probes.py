"""One request per row of the role table, aimed at the world's data.

A write that the table expects to succeed gets a target of its own (a new draft, a new contact,
a new key…), so that one identity's success never changes what the next one meets; a write the
table expects to be refused shares one target per row, made for the purpose.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from campaign.campaigns.states import CampaignState
from tests.security.world import (
    PRIVATE_FIELD,
    Owner,
    World,
    campaign_body,
    measure_body,
    template_body,
)

_S = CampaignState
_REASON = {"reason": "checked by a second person"}


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    json: Any = None
    data: bytes | None = None


@dataclass
class Targets:
    """Things a write acts on: new ones for writes that should succeed, else a shared one."""

    world: World
    _shared: dict[tuple[str, str], int] = field(default_factory=dict)

    async def get(
        self, kind: str, owner: str, fresh: bool, make: Callable[[], Awaitable[int]]
    ) -> int:
        if fresh:
            return await make()
        key = (kind, owner)
        if key not in self._shared:
            self._shared[key] = await make()
        return self._shared[key]

    async def campaign(self, state: CampaignState, fresh: bool) -> int:
        return await self.get(
            f"campaign {state}", "", fresh, lambda: self.world.fresh_campaign(state)
        )

    async def contact(self, owner: Owner, fresh: bool) -> int:
        return await self.get("contact", owner, fresh, lambda: self.world.fresh_contact(owner))

    async def segment(self, owner: Owner, fresh: bool) -> int:
        return await self.get("segment", owner, fresh, lambda: self.world.fresh_segment(owner))

    async def key(self, fresh: bool) -> int:
        return await self.get("key", "", fresh, self.world.fresh_key)


# A probe builds the request of one row for one identity: (targets, case, fresh) -> Request.
Probe = Callable[[Targets, str, bool], Awaitable[Request]]


def _fixed(method: str, path: str, json: Any = None) -> Probe:
    async def probe(targets: Targets, case: str, fresh: bool) -> Request:
        return Request(method, path, json)

    return probe


def _campaign_read(suffix: str) -> Probe:
    async def probe(targets: Targets, case: str, fresh: bool) -> Request:
        owner = Owner(case)
        world = targets.world
        path = f"/api/v1/campaigns/{world.campaigns[owner]}{suffix}"
        return Request("GET", path.format(message_id=world.messages[owner]))

    return probe


def _campaign_action(action: str, state: CampaignState, json: Any = None) -> Probe:
    async def probe(targets: Targets, case: str, fresh: bool) -> Request:
        campaign_id = await targets.campaign(state, fresh)
        return Request("POST", f"/api/v1/campaigns/{campaign_id}/{action}", json)

    return probe


async def _create_campaign(targets: Targets, case: str, fresh: bool) -> Request:
    world = targets.world
    body = campaign_body(world.unique("campaign"), world.template_version, world.now())
    return Request("POST", "/api/v1/campaigns", body)


async def _edit_campaign(targets: Targets, case: str, fresh: bool) -> Request:
    world = targets.world
    campaign_id = await targets.campaign(_S.DRAFT, fresh)
    body = campaign_body(world.unique("edited"), world.template_version, world.now())
    return Request("PUT", f"/api/v1/campaigns/{campaign_id}", body)


async def _import(targets: Targets, case: str, fresh: bool) -> Request:
    world = targets.world
    row = f"{world.unique('imported')},{world.unique_phone()},nl,yes"
    text = f"external_id,phone,language,consent_sms\n{row}\n"
    return Request("POST", "/api/v1/contacts/import", data=text.encode("utf-8"))


def _contact_write(method: str, suffix: str, json: Any = None) -> Probe:
    async def probe(targets: Targets, case: str, fresh: bool) -> Request:
        contact_id = await targets.contact(Owner(case), fresh)
        return Request(method, f"/api/v1/contacts/{contact_id}{suffix}", json)

    return probe


async def _contact_export(targets: Targets, case: str, fresh: bool) -> Request:
    contact_id = targets.world.contacts[Owner(case)][0]
    return Request("GET", f"/api/v1/contacts/{contact_id}/export")


async def _revoke(targets: Targets, case: str, fresh: bool) -> Request:
    return Request("POST", f"/api/v1/api-keys/{await targets.key(fresh)}/revoke")


async def _field(targets: Targets, case: str, fresh: bool) -> Request:
    return Request("GET", f"/api/v1/fields/{PRIVATE_FIELD[Owner(case)]}")


async def _new_field(targets: Targets, case: str, fresh: bool) -> Request:
    name = targets.world.unique("proof").replace("-", "_")
    return Request("POST", "/api/v1/fields", {"name": name, "type": "text"})


async def _new_measure(targets: Targets, case: str, fresh: bool) -> Request:
    return Request("POST", "/api/v1/measures", measure_body(targets.world.unique("measure")))


async def _segment_read(targets: Targets, case: str, fresh: bool) -> Request:
    return Request("GET", f"/api/v1/segments/{targets.world.segments[Owner(case)]}")


async def _new_segment(targets: Targets, case: str, fresh: bool) -> Request:
    body = {"name": targets.world.unique("segment"), "query": "language IS SET"}
    return Request("POST", "/api/v1/segments", body)


def _segment_write(method: str) -> Probe:
    async def probe(targets: Targets, case: str, fresh: bool) -> Request:
        segment_id = await targets.segment(Owner(case), fresh)
        body = {"name": targets.world.unique("renamed"), "query": 'language = "nl"'}
        return Request(method, f"/api/v1/segments/{segment_id}", body if method == "PUT" else None)

    return probe


async def _preview(targets: Targets, case: str, fresh: bool) -> Request:
    return Request("POST", "/api/v1/segments/preview", {"query": case, "sample_size": 5})


async def _new_version(targets: Targets, case: str, fresh: bool) -> Request:
    slug = targets.world.unique("template")
    return Request("POST", f"/api/v1/templates/{slug}/versions", template_body())


def _world_path(method: str, template: str, json: Any = None) -> Probe:
    """A request on the world's measure or template version."""

    async def probe(targets: Targets, case: str, fresh: bool) -> Request:
        world = targets.world
        path = template.format(measure_id=world.measure, version_id=world.template_version)
        return Request(method, path, json)

    return probe


_CAMPAIGN = "/api/v1/campaigns/{campaign_id}"
_READS = ("", "/stats", "/preview", "/checks", "/history", "/messages", "/messages.csv")
_MORE_READS = ("/exclusions", "/exclusions.csv", "/preview/messages")
_COPY = "/messages/{message_id}/copy"
_CHECK = {"channel": "sms", "language": "nl", "text": "Er is hulp voor u. Bel 1700."}

PROBES: dict[tuple[str, str], Probe] = {
    ("GET", "/healthz"): _fixed("GET", "/healthz"),
    ("GET", "/readyz"): _fixed("GET", "/readyz"),
    ("GET", "/api/v1/openapi.json"): _fixed("GET", "/api/v1/openapi.json"),
    ("GET", "/api/v1/campaigns"): _fixed("GET", "/api/v1/campaigns?limit=200"),
    **{("GET", _CAMPAIGN + s): _campaign_read(s) for s in _READS + _MORE_READS + (_COPY,)},
    ("POST", "/api/v1/campaigns"): _create_campaign,
    ("PUT", _CAMPAIGN): _edit_campaign,
    ("POST", _CAMPAIGN + "/submit"): _campaign_action("submit", _S.DRAFT),
    ("POST", _CAMPAIGN + "/approve"): _campaign_action("approve", _S.AWAITING_APPROVAL, _REASON),
    ("POST", _CAMPAIGN + "/reject"): _campaign_action("reject", _S.AWAITING_APPROVAL, _REASON),
    ("POST", _CAMPAIGN + "/withdraw"): _campaign_action("withdraw", _S.AWAITING_APPROVAL),
    ("POST", _CAMPAIGN + "/pause"): _campaign_action("pause", _S.RUNNING),
    ("POST", _CAMPAIGN + "/resume"): _campaign_action("resume", _S.PAUSED),
    ("POST", _CAMPAIGN + "/cancel"): _campaign_action("cancel", _S.DRAFT, _REASON),
    ("POST", _CAMPAIGN + "/messages/resend"): _campaign_action(
        "messages/resend", _S.RUNNING, {"confirm": True}
    ),
    ("POST", _CAMPAIGN + "/messages/settle"): _campaign_action(
        "messages/settle", _S.RUNNING, {"reason": "called them; nobody answered"}
    ),
    ("GET", "/api/v1/dispatch"): _fixed("GET", "/api/v1/dispatch"),
    ("POST", "/api/v1/dispatch/stop"): _fixed("POST", "/api/v1/dispatch/stop", _REASON),
    ("POST", "/api/v1/dispatch/resume"): _fixed("POST", "/api/v1/dispatch/resume"),
    ("GET", "/api/v1/contacts"): _fixed("GET", "/api/v1/contacts?limit=500"),
    ("GET", "/api/v1/contacts/export.csv"): _fixed("GET", "/api/v1/contacts/export.csv"),
    ("POST", "/api/v1/contacts/import"): _import,
    ("GET", "/api/v1/contacts/{contact_id}/export"): _contact_export,
    ("DELETE", "/api/v1/contacts/{contact_id}"): _contact_write("DELETE", ""),
    ("POST", "/api/v1/contacts/{contact_id}/opt-out"): _contact_write(
        "POST", "/opt-out", {"channel": "sms", "reason": "asked by phone"}
    ),
    ("GET", "/api/v1/api-keys"): _fixed("GET", "/api/v1/api-keys"),
    ("POST", "/api/v1/api-keys/{key_id}/revoke"): _revoke,
    ("GET", "/api/v1/fields"): _fixed("GET", "/api/v1/fields"),
    ("GET", "/api/v1/fields/{name}"): _field,
    ("POST", "/api/v1/fields"): _new_field,
    ("PATCH", "/api/v1/fields/{name}"): _fixed(
        "PATCH", "/api/v1/fields/file_number", {"labels": {"nl": "Dossiernummer"}}
    ),
    ("POST", "/api/v1/fields/{name}/convert"): _fixed(
        "POST", "/api/v1/fields/file_number/convert", {"type": "text"}
    ),
    ("GET", "/api/v1/measures"): _fixed("GET", "/api/v1/measures"),
    ("GET", "/api/v1/measures/{measure_id}"): _world_path("GET", "/api/v1/measures/{measure_id}"),
    ("POST", "/api/v1/measures"): _new_measure,
    ("PUT", "/api/v1/measures/{measure_id}"): _world_path(
        "PUT", "/api/v1/measures/{measure_id}", measure_body("energy")
    ),
    ("GET", "/api/v1/segments"): _fixed("GET", "/api/v1/segments?limit=500"),
    ("GET", "/api/v1/segments/{segment_id}"): _segment_read,
    ("POST", "/api/v1/segments"): _new_segment,
    ("PUT", "/api/v1/segments/{segment_id}"): _segment_write("PUT"),
    ("DELETE", "/api/v1/segments/{segment_id}"): _segment_write("DELETE"),
    ("POST", "/api/v1/segments/preview"): _preview,
    ("POST", "/api/v1/messages/check"): _fixed("POST", "/api/v1/messages/check", _CHECK),
    ("GET", "/api/v1/templates"): _fixed("GET", "/api/v1/templates"),
    ("POST", "/api/v1/templates/{slug}/versions"): _new_version,
    ("GET", "/api/v1/template-versions/{version_id}"): _world_path(
        "GET", "/api/v1/template-versions/{version_id}"
    ),
    ("POST", "/api/v1/template-versions/{version_id}/preview"): _world_path(
        "POST", "/api/v1/template-versions/{version_id}/preview", {}
    ),
}
