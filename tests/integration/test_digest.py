"""A digest tells each person about the campaign's measures whose eligibility they meet."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import insert

from audiences.contacts.model import FieldType
from campaign.bootstrap import build
from campaign.campaigns.model import CampaignDraft
from campaign.campaigns.states import CampaignAction
from campaign.channels import Provider, ProviderSinks
from campaign.channels.sandbox import SandboxProvider, sandbox_sms
from campaign.kernel.channel import Channel
from campaign.kernel.clock import ManualClock
from campaign.kernel.identity import Identity, Role
from campaign.message_templates.repository import save_version
from campaign.messages.library import TemplateSource, VariantSource
from campaign.settings import load_settings
from campaign.store.engine import Database
from campaign.store.results import inserted_id
from campaign.store.tables import measures
from tests.factories import TEST_SECRET, contact, register, user_row

DIGEST = "Voor u:{% for m in measures %} {{ m.title }};{% endfor %} Bel 1700. {{ stop }}"


async def _measure(
    database: Database, clock: ManualClock, slug: str, eligibility: str | None
) -> int:
    now = clock.now()
    row = {
        "slug": slug,
        "level": "federal",
        "theme": "t",
        "status": "new",
        "eligibility": eligibility,
        "contact_point": "1700",
        "created_at": now,
        "updated_at": now,
        "translations": {"nl": {"title": f"Titel {slug}"}},
    }
    async with database.transaction() as session:
        return inserted_id(await session.execute(insert(measures).values(**row)))


async def test_each_person_hears_of_the_measures_they_may_be_entitled_to(
    database: Database, clock: ManualClock
) -> None:
    await register(database, temporary_unemployed=FieldType.BOOLEAN, age=FieldType.NUMBER)
    await contact(
        database, clock, phone="+32470000001", attributes={"temporary_unemployed": True, "age": 40}
    )
    await contact(
        database, clock, phone="+32470000002", attributes={"temporary_unemployed": False, "age": 70}
    )
    ids = (
        await _measure(database, clock, "unemployed", "temporary_unemployed"),
        await _measure(database, clock, "older", "age >= 65"),
        await _measure(database, clock, "everyone", None),
    )
    source = TemplateSource("digest", "Digest", "", (VariantSource("nl", "sms", None, DIGEST),))
    async with database.transaction() as session:
        version = await save_version(session, source, clock.now())
    sandboxes: dict[Channel, SandboxProvider] = {}

    def providers(sinks: ProviderSinks) -> Mapping[Channel, Provider]:
        sandboxes[Channel.SMS] = sandbox_sms(sinks.report, sinks.clock)
        return sandboxes

    url = database.engine.url.render_as_string(hide_password=False)
    settings = load_settings(
        database_url=url, secret_key=TEST_SECRET, sms_rate=1000, default_time_zone="UTC"
    )
    services = build(settings, clock=clock, channels=providers)
    service = services.campaigns
    author = Identity(Role.ADMIN, "ad", user_id=await user_row(database, clock, "a@x.org", "admin"))
    approver = Identity(
        Role.APPROVER, "ap", user_id=await user_row(database, clock, "b@x.org", "approver")
    )
    draft = CampaignDraft(
        name="Digest",
        template_version_id=version,
        audience_query="phone IS SET",
        starts_at=clock.now(),
        channels=("sms",),
        measure_ids=ids,
    )
    campaign = await service.create(author, draft)
    await service.act(author, campaign.id, CampaignAction.SUBMIT)
    await service.act(approver, campaign.id, CampaignAction.APPROVE)
    await service.start_due()

    worker, sms = services.worker, sandboxes[Channel.SMS]
    while await worker.run_once():
        pass
    texts = {m.to: m.text for m in sms.sent}
    assert texts["+32470000001"].startswith("Voor u: Titel unemployed; Titel everyone; Bel")
    assert texts["+32470000002"].startswith("Voor u: Titel older; Titel everyone; Bel")
    clock.advance(10)  # let the sandbox's receipts arrive before it closes
    await sms.flush()
    await services.close()
