"""``campaign demo``: demo data, and the demo campaign approved and due now.

Safe to run twice: what exists is kept, and the demo campaign is created only once. The
campaign goes through the real flow: an editor creates and submits it, an approver (a second
person) approves it. It overrides the default quiet hours, with its reason, so a demo started
at night still shows the whole flow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, insert, select

from audiences.contacts.model import ImportReport
from campaign.accounts.service import Accounts
from campaign.campaigns.model import CampaignDraft
from campaign.campaigns.states import CampaignAction
from campaign.demo.contacts import demo_contacts_csv
from campaign.demo.content import MEASURES
from campaign.kernel.identity import SYSTEM, Identity, Role
from campaign.message_templates import repository as templates
from campaign.messages.library import load_library
from campaign.services import Services
from campaign.store.tables import campaigns, measures

DEMO_CAMPAIGN = "Demo: help with water and energy bills"
DEMO_MEASURE = "water-energy-temporary-unemployed"
DEMO_TEMPLATE = "new-measure"
EDITOR = "editor@demo.example.org"
APPROVER = "approver@demo.example.org"
ADMIN = "admin@demo.example.org"
DEMO_QUIET_HOURS_OVERRIDE = "demo: delivers at any hour so `make run` shows the whole flow"
DEMO_PASSWORD = "demo-password"  # printed by make run; the demo is for a laptop, not a server


@dataclass(frozen=True, slots=True)
class DemoResult:
    contacts: ImportReport | None
    campaign_id: int
    created: bool


async def demo_loaded(services: Services) -> bool:
    async with services.database.read_session() as session:
        found = await session.execute(
            select(campaigns.c.id).where(campaigns.c.name == DEMO_CAMPAIGN)
        )
        return found.first() is not None


async def load_demo(services: Services) -> DemoResult:
    accounts = services.accounts
    editor_id = await _ensure_user(accounts, EDITOR, Role.EDITOR)
    approver_id = await _ensure_user(accounts, APPROVER, Role.APPROVER)
    await _ensure_user(accounts, ADMIN, Role.ADMIN)
    report = await _ensure_contacts(services)
    await _ensure_measures(services)
    version_id = await _ensure_templates(services)
    async with services.database.read_session() as session:
        existing = (
            await session.execute(select(campaigns.c.id).where(campaigns.c.name == DEMO_CAMPAIGN))
        ).scalar()
        measure_id = (
            await session.execute(select(measures.c.id).where(measures.c.slug == DEMO_MEASURE))
        ).scalar_one()
    if existing is not None:
        return DemoResult(report, int(existing), created=False)
    editor = Identity(Role.EDITOR, EDITOR, user_id=editor_id)
    approver = Identity(Role.APPROVER, APPROVER, user_id=approver_id)
    now = services.clock.now()
    draft = CampaignDraft(
        name=DEMO_CAMPAIGN,
        template_version_id=version_id,
        audience_query="region IS SET",
        starts_at=now,
        channels=("sms", "email"),
        language_fallback=("en", "fr", "nl"),
        window_ends_at=now + timedelta(days=2),
        quiet_hours=None,
        quiet_hours_override=DEMO_QUIET_HOURS_OVERRIDE,
        rate_per_second=50.0,  # ~2,000 messages in under a minute, within CAMPAIGN_SMS_RATE
        measure_ids=(measure_id,),
    )
    campaign = await services.campaigns.create(editor, draft)
    await services.campaigns.act(editor, campaign.id, CampaignAction.SUBMIT)
    await services.campaigns.act(approver, campaign.id, CampaignAction.APPROVE)
    return DemoResult(report, campaign.id, created=True)


async def _ensure_user(accounts: Accounts, email: str, role: Role) -> int:
    existing = await accounts.user_by_email(email)
    if existing is not None:
        return int(existing.id)
    return await accounts.create_user(email, role, DEMO_PASSWORD)


async def _ensure_contacts(services: Services) -> ImportReport | None:
    from campaign.store.tables import contacts

    async with services.database.read_session() as session:
        count = (await session.execute(select(func.count()).select_from(contacts))).scalar_one()
    if count:
        return None
    return await services.records.import_file(SYSTEM, demo_contacts_csv().encode("utf-8"))


async def _ensure_measures(services: Services) -> None:
    now = services.clock.now()
    async with services.database.transaction() as session:
        have = set((await session.execute(select(measures.c.slug))).scalars())
        rows = [
            m | {"created_at": now, "updated_at": now} for m in MEASURES if m["slug"] not in have
        ]
        if rows:
            await session.execute(insert(measures), rows)


async def _ensure_templates(services: Services) -> int:
    """Seed every library template once; return the demo template's version."""
    now = services.clock.now()
    async with services.database.transaction() as session:
        for source in load_library():
            if await templates.latest_version(session, source.slug) is None:
                await templates.save_version(session, source, now)
        version_id = await templates.latest_version(session, DEMO_TEMPLATE)
    assert version_id is not None, "the library has no new-measure template"
    return version_id
