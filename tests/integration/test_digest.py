"""A digest tells each person about the campaign's measures whose eligibility they meet."""

from __future__ import annotations

from sqlalchemy import insert

from audiences.model import FieldType
from campaign.channels.base import DeliveryReport
from campaign.channels.sandbox import sandbox_sms
from campaign.clock import ManualClock
from campaign.dispatch.composer import Composer
from campaign.dispatch.worker import DispatchWorker
from campaign.identity import Identity, Role
from campaign.messages.library import TemplateSource, VariantSource
from campaign.messages.render import Renderer
from campaign.model import CampaignDraft
from campaign.security import Signer
from campaign.service import CampaignService
from campaign.states import CampaignAction
from campaign.store.engine import Database
from campaign.store.results import inserted_id
from campaign.store.tables import measures
from campaign.template_repository import save_version
from tests.factories import contact, register, user_row

DIGEST = "Voor u:{% for m in measures %} {{ m.title }};{% endfor %} Bel 1700. {{ stop }}"


async def _measure(
    database: Database, clock: ManualClock, slug: str, eligibility: str | None
) -> int:
    now = clock.now()
    row = {"slug": slug, "level": "federal", "theme": "t", "status": "new",
           "eligibility": eligibility, "contact_point": "1700", "created_at": now,
           "updated_at": now, "translations": {"nl": {"title": f"Titel {slug}"}}}  # fmt: skip
    async with database.transaction() as session:
        return inserted_id(await session.execute(insert(measures).values(**row)))


async def test_each_person_hears_of_the_measures_they_may_be_entitled_to(
    database: Database, clock: ManualClock
) -> None:
    await register(database, temporary_unemployed=FieldType.BOOLEAN, age=FieldType.NUMBER)
    await contact(database, clock, phone="+32470000001",
                  attributes={"temporary_unemployed": True, "age": 40})  # fmt: skip
    await contact(database, clock, phone="+32470000002",
                  attributes={"temporary_unemployed": False, "age": 70})  # fmt: skip
    ids = (
        await _measure(database, clock, "unemployed", "temporary_unemployed"),
        await _measure(database, clock, "older", "age >= 65"),
        await _measure(database, clock, "everyone", None),
    )
    source = TemplateSource("digest", "Digest", "", (VariantSource("nl", "sms", None, DIGEST),))
    async with database.transaction() as session:
        version = await save_version(session, source, clock.now())
    service = CampaignService(database, clock)
    author = Identity(Role.ADMIN, "ad", user_id=await user_row(database, clock, "a@x.org", "admin"))
    approver = Identity(Role.APPROVER, "ap",
                        user_id=await user_row(database, clock, "b@x.org", "approver"))  # fmt: skip
    draft = CampaignDraft(name="Digest", template_version_id=version, audience_query="phone IS SET",
                          starts_at=clock.now(), channels=("sms",), measure_ids=ids)  # fmt: skip
    campaign = await service.create(author, draft)
    await service.act(author, campaign.id, CampaignAction.SUBMIT)
    await service.act(approver, campaign.id, CampaignAction.APPROVE)
    await service.start_due()

    async def sink(report: DeliveryReport) -> None:
        return None

    sms = sandbox_sms(sink, clock)
    composer = Composer(database, Renderer(), Signer(b"s" * 32), base_url="http://x",
                        default_time_zone="UTC", sender_is_alphanumeric=False)  # fmt: skip
    worker = DispatchWorker(database, clock, {"sms": sms}, composer, worker_id="t",
                            channel_rates={"sms": 1000})  # fmt: skip
    while await worker.run_once():
        pass
    texts = {m.to: m.text for m in sms.sent}
    assert texts["+32470000001"].startswith("Voor u: Titel unemployed; Titel everyone; Bel")
    assert texts["+32470000002"].startswith("Voor u: Titel older; Titel everyone; Bel")
    clock.advance(10)  # let the sandbox's receipts arrive before it closes
    await sms.flush()
    await sms.close()
