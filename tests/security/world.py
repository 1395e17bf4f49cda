"""A small world for the security proofs: the authority and two partners, each with contacts,
a private attribute, a segment and a running campaign with a message, and a key for every
identity of the role table (docs/security.md).

Everything the API can make is made through the API with its owner's key (so the world is what
real use leaves behind); users, partners and keys come from the accounts service as the CLI
makes them, and the partners' campaigns are rows, since no route makes one yet.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import insert, or_, select

from campaign.campaigns.states import CampaignState
from campaign.delivery.states import MessageState
from campaign.kernel.identity import Role
from campaign.services import Services
from campaign.store.results import inserted_id
from campaign.store.tables import campaign_runs, contact_partners, contacts, messages
from tests.factories import campaign_row, csv_text


class Who(StrEnum):
    """The identities of the role table; the values are its column headings."""

    ADMIN = "admin"
    EDITOR = "editor"
    APPROVER = "approver"
    VIEWER = "viewer"
    PARTNER_A = "partner A"
    PARTNER_B = "partner B"
    VIEWER_FOR_A = "viewer for A"
    USERLESS = "key without a user"
    NO_KEY = "no key"


class Owner(StrEnum):
    """Whose data a request is about; the values are the table's "of" column."""

    AUTHORITY = "authority's"
    PARTNER_A = "partner A's"
    PARTNER_B = "partner B's"


PARTNER_SLUGS = {Owner.PARTNER_A: "ngo-a", Owner.PARTNER_B: "ngo-b"}
# The key that writes each owner's data through the API.
OWNER_KEY = {
    Owner.AUTHORITY: Who.EDITOR,
    Owner.PARTNER_A: Who.PARTNER_A,
    Owner.PARTNER_B: Who.PARTNER_B,
}
PRIVATE_FIELD = {
    Owner.AUTHORITY: "file_number",
    Owner.PARTNER_A: "a_note",
    Owner.PARTNER_B: "b_note",
}
_PHONE_BLOCK = {Owner.AUTHORITY: 1, Owner.PARTNER_A: 2, Owner.PARTNER_B: 3}
PASSWORD = "a long password for tests"


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: Any  # parsed JSON, or the text of anything else
    content_type: str


# (method, path, secret or None, json, data) -> Answer
Send = Callable[[str, str, str | None, Any, bytes | None], Awaitable[Answer]]


def client_sender(client: Any) -> Send:
    """``Send`` over an aiohttp test client (or a ``ClientSession`` with a base URL)."""

    async def send(
        method: str, path: str, secret: str | None, body: Any, data: bytes | None
    ) -> Answer:
        headers = {"Authorization": f"Bearer {secret}"} if secret else {}
        response = await client.request(method, path, headers=headers, json=body, data=data)
        async with response:
            text = await response.text()
            parsed: Any = text
            if "json" in response.content_type and text:
                parsed = json.loads(text)
            return Answer(response.status, parsed, response.content_type)

    return send


@dataclass
class World:
    services: Services
    send: Send
    keys: dict[Who, str | None]
    partner_ids: dict[Owner, int] = field(default_factory=dict)
    contacts: dict[Owner, list[int]] = field(default_factory=dict)
    phones: dict[Owner, list[str]] = field(default_factory=dict)
    segments: dict[Owner, int] = field(default_factory=dict)
    campaigns: dict[Owner, int] = field(default_factory=dict)
    messages: dict[Owner, int] = field(default_factory=dict)
    template_version: int = 0
    measure: int = 0
    _serial: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def unique(self, prefix: str) -> str:
        return f"{prefix}-{next(self._serial)}"

    def unique_phone(self) -> str:
        """A Belgian mobile number nobody in the world has yet."""
        return f"+324759{next(self._serial):05d}"

    async def call(
        self, who: Who, method: str, path: str, *, json: Any = None, data: bytes | None = None
    ) -> Answer:
        return await self.send(method, path, self.keys[who], json, data)

    async def made(self, who: Who, method: str, path: str, json: Any = None) -> Any:
        """A call that builds the world: anything but a 2xx stops the test, saying why."""
        answer = await self.call(who, method, path, json=json)
        assert answer.status < 300, f"setting up: {method} {path} as {who}: {answer}"
        return answer.body

    # Fresh targets, so that one identity's write never changes what the next one meets.

    async def fresh_campaign(self, state: CampaignState) -> int:
        body = campaign_body(self.unique("campaign"), self.template_version, self.now())
        campaign_id = int((await self.made(Who.EDITOR, "POST", "/api/v1/campaigns", body))["id"])
        steps = _STEPS_TO[state]
        for who, action in steps:
            path = f"/api/v1/campaigns/{campaign_id}/{action}"
            await self.made(who, "POST", path, {"reason": "checked by a second person"})
            if action == "approve" and state in (CampaignState.RUNNING, CampaignState.PAUSED):
                await self.services.campaigns.start_due()
        return campaign_id

    async def fresh_contact(self, owner: Owner) -> int:
        external_id = self.unique("fresh")
        row = _person(external_id, self.unique_phone(), "nl")
        path = "/api/v1/contacts/import"
        answer = await self.send("POST", path, self.keys[OWNER_KEY[owner]], None, _csv(row))
        assert answer.status == 200 and answer.body["created"] == 1, answer
        return await self._contact_id(owner, external_id)

    async def fresh_segment(self, owner: Owner) -> int:
        body = {"name": self.unique("segment"), "query": "language IS SET"}
        created = await self.made(OWNER_KEY[owner], "POST", "/api/v1/segments", body)
        return int(created["id"])

    async def fresh_key(self) -> int:
        name = self.unique("key")
        await self.services.accounts.create_api_key(role=Role.VIEWER, name=name)
        listed = await self.made(Who.ADMIN, "GET", "/api/v1/api-keys")
        return int(next(k["id"] for k in listed["items"] if k["name"] == name))

    def now(self) -> Any:
        return self.services.clock.now()

    async def visible_contacts(self, owner: Owner | None) -> set[int]:
        """The live contacts a partner (``owner``) or the authority's staff (None) may see."""
        query = select(contacts.c.id).where(contacts.c.erased_at.is_(None))
        if owner is not None:
            partner = self.partner_ids[owner]
            linked = select(contact_partners.c.contact_id).where(
                contact_partners.c.partner_id == partner
            )
            query = query.where(
                or_(contacts.c.owner_partner_id == partner, contacts.c.id.in_(linked))
            )
        async with self.services.database.read_session() as session:
            return set((await session.execute(query)).scalars())

    async def _contact_id(self, owner: Owner, external_id: str) -> int:
        partner = self.partner_ids.get(owner)
        owned = (
            contacts.c.owner_partner_id.is_(None)
            if partner is None
            else contacts.c.owner_partner_id == partner
        )
        query = select(contacts.c.id).where(contacts.c.external_id == external_id, owned)
        async with self.services.database.read_session() as session:
            return int((await session.execute(query)).scalar_one())


_STEPS_TO: dict[CampaignState, list[tuple[Who, str]]] = {
    CampaignState.DRAFT: [],
    CampaignState.AWAITING_APPROVAL: [(Who.EDITOR, "submit")],
    CampaignState.RUNNING: [(Who.EDITOR, "submit"), (Who.APPROVER, "approve")],
    CampaignState.PAUSED: [
        (Who.EDITOR, "submit"),
        (Who.APPROVER, "approve"),
        (Who.EDITOR, "pause"),
    ],
}


def campaign_body(name: str, version_id: int, now: Any) -> dict[str, Any]:
    return {
        "name": name,
        "template_version_id": version_id,
        "audience_query": "language IS SET",
        "starts_at": now.isoformat(),
        "window_ends_at": (now + timedelta(days=2)).isoformat(),
        "channels": ["sms", "email"],
        "language_fallback": ["en", "nl"],
        "quiet_hours_override": "the proofs run at any hour",
    }


def template_body() -> dict[str, Any]:
    sms = "Dag {{ first_name }}. Er is hulp voor uw energiefactuur. Bel 1700. {{ stop }}"
    email = "Dag {{ first_name }},\n\nEr is hulp voor uw energiefactuur. Bel 1700."
    return {
        "name": "Energy help",
        "variants": [
            {"language": "nl", "channel": "sms", "body": sms},
            {"language": "en", "channel": "sms", "body": "Hello {{ first_name }}. {{ stop }}"},
            {"language": "nl", "channel": "email", "subject": "Hulp", "body": email},
            {"language": "en", "channel": "email", "subject": "Help", "body": "Hello."},
        ],
    }


def measure_body(slug: str) -> dict[str, Any]:
    return {
        "slug": slug,
        "level": "federal",
        "theme": "energy",
        "translations": {"nl": {"title": "Hulp bij de energiefactuur"}},
    }


def _person(external_id: str, phone: str, language: str, **extra: str) -> dict[str, str]:
    return {
        "external_id": external_id,
        "phone": phone,
        "email": f"{external_id}@example.org",
        "language": language,
        "first_name": external_id.title(),
        "consent_sms": "yes",
        "consent_email": "yes",
    } | extra


def _csv(*rows: dict[str, str]) -> bytes:
    return csv_text(list(rows)).encode("utf-8")


async def build_world(services: Services, send: Send) -> World:
    """Every identity, and the data of the authority and both partners."""
    world = World(services, send, keys={Who.NO_KEY: None})
    await _identities(world)
    for owner in Owner:
        await _contacts(world, owner)
    measure = await world.made(Who.EDITOR, "POST", "/api/v1/measures", measure_body("energy"))
    world.measure = int(measure["id"])
    version = await world.made(
        Who.EDITOR, "POST", "/api/v1/templates/energy/versions", template_body()
    )
    world.template_version = int(version["id"])
    for owner in Owner:
        world.segments[owner] = await world.fresh_segment(owner)
    world.campaigns[Owner.AUTHORITY] = await world.fresh_campaign(CampaignState.RUNNING)
    world.messages[Owner.AUTHORITY] = await _first_message(world, world.campaigns[Owner.AUTHORITY])
    for owner in (Owner.PARTNER_A, Owner.PARTNER_B):
        await _partner_campaign(world, owner)
    return world


async def _identities(world: World) -> None:
    accounts = world.services.accounts
    for owner, slug in PARTNER_SLUGS.items():
        partner = await accounts.create_partner(slug, slug.upper())
        world.partner_ids[owner] = partner.id
    staff = {Who.ADMIN: Role.ADMIN, Who.EDITOR: Role.EDITOR, Who.APPROVER: Role.APPROVER}
    for who, role in (staff | {Who.VIEWER: Role.VIEWER}).items():
        email = f"{role.value}@example.org"
        await accounts.create_user(email, role, PASSWORD)
        world.keys[who] = await accounts.create_api_key(role=role, name=who, user_email=email)
    for who, owner in ((Who.PARTNER_A, Owner.PARTNER_A), (Who.PARTNER_B, Owner.PARTNER_B)):
        email = f"{PARTNER_SLUGS[owner]}@example.org"
        await accounts.create_user(email, Role.PARTNER, PASSWORD, partner_slug=PARTNER_SLUGS[owner])
        world.keys[who] = await accounts.create_api_key(
            role=Role.PARTNER, name=who, user_email=email
        )
    world.keys[Who.VIEWER_FOR_A] = await accounts.create_api_key(
        role=Role.VIEWER,
        name="viewer for A",
        user_email=f"{PARTNER_SLUGS[Owner.PARTNER_A]}@example.org",
    )
    world.keys[Who.USERLESS] = await accounts.create_api_key(role=Role.EDITOR, name="robot")


async def _contacts(world: World, owner: Owner) -> None:
    """Two people (nl and fr) with the owner's private attribute, imported with its key."""
    block = _PHONE_BLOCK[owner]
    phones = [f"+3247{block}00000{n}" for n in (1, 2)]
    note = PRIVATE_FIELD[owner]
    rows = [
        _person(f"{owner.name.lower()}-{n}", phone, language, **{note: f"secret {n}"})
        for n, (phone, language) in enumerate(zip(phones, ("nl", "fr"), strict=True), 1)
    ]
    answer = await world.send(
        "POST", "/api/v1/contacts/import", world.keys[OWNER_KEY[owner]], None, _csv(*rows)
    )
    assert answer.status == 200 and answer.body["created"] == 2, answer
    world.phones[owner] = phones
    world.contacts[owner] = [await world._contact_id(owner, row["external_id"]) for row in rows]


async def _partner_campaign(world: World, owner: Owner) -> None:
    """A running campaign of the partner's own, with one queued message to its first contact."""
    database, clock = world.services.database, world.services.clock
    campaign_id = await campaign_row(
        database,
        clock,
        state=CampaignState.RUNNING,
        name=f"{owner} campaign",
        template_version_id=world.template_version,
        owner_partner_id=world.partner_ids[owner],
        language_fallback=["en", "nl"],
    )
    now = clock.now()
    async with database.transaction() as session:
        run_id = inserted_id(
            await session.execute(
                insert(campaign_runs).values(
                    campaign_id=campaign_id, sequence=1, due_at=now, started_at=now, message_count=1
                )
            )
        )
        message_id = inserted_id(
            await session.execute(
                insert(messages).values(
                    run_id=run_id,
                    campaign_id=campaign_id,
                    contact_id=world.contacts[owner][0],
                    channel="sms",
                    address=world.phones[owner][0],
                    language="nl",
                    state=MessageState.QUEUED.value,
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                    updated_at=now,
                )
            )
        )
    world.campaigns[owner] = campaign_id
    world.messages[owner] = message_id


async def _first_message(world: World, campaign_id: int) -> int:
    query = (
        select(messages.c.id).where(messages.c.campaign_id == campaign_id).order_by(messages.c.id)
    )
    async with world.services.database.read_session() as session:
        found = (await session.execute(query.limit(1))).scalar()
    assert found is not None, f"campaign {campaign_id} queued no message"
    return int(found)
