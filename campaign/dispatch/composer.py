"""Turning a claimed message into the exact text a person gets.

Templates are compiled once per template version, language and channel; per message only the
contact's values are filled in. The context is the contract documented in
``campaign.messages.render``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from campaign.campaigns import repository as repo
from campaign.campaigns.model import Campaign, MeasureContent
from campaign.campaigns.texts import campaign_measures, first_measure_texts
from campaign.channels import OutboundMessage
from campaign.dispatch.claims import ClaimedMessage
from campaign.dispatch.digest import CatalogueEntry, entitlements, load_catalogue, measures_for
from campaign.kernel.channel import Channel
from campaign.kernel.security import Signer
from campaign.message_templates import repository as templates
from campaign.messages.language import stop_sentence
from campaign.messages.library import VariantSource
from campaign.messages.render import CompiledVariant, Renderer
from campaign.messages.samples import MEASURE_FIELDS
from campaign.store.engine import Database
from campaign.store.tables import contacts, messages

LINK_LIFETIME = timedelta(days=90)
# Long enough for an approver to read them the next day; short, as anyone holding one reads a
# real person's message.
PROOF_LIFETIME = timedelta(days=2)
# A message id no deployment reaches: links signed for it are as long as any real one, so
# estimates and proofs never count an SMS shorter than it will be.
LONGEST_MESSAGE_ID = 10**12


@dataclass(frozen=True, slots=True)
class Links:
    web: str
    unsubscribe: str
    stop: str


@dataclass(frozen=True, slots=True)
class ProofSubject:
    """Whose message a proof shows: a campaign, a contact, a channel and a language."""

    campaign_id: int
    contact_id: int
    channel: Channel
    language: str

    def as_subject(self) -> str:
        return f"{self.campaign_id}.{self.contact_id}.{self.channel.value}.{self.language}"

    @classmethod
    def from_subject(cls, value: object) -> ProofSubject | None:
        parts = str(value).split(".")
        if len(parts) != 4 or not parts[0].isdigit() or not parts[1].isdigit():
            return None
        if parts[2] not in {c.value for c in Channel}:
            return None
        return cls(int(parts[0]), int(parts[1]), Channel(parts[2]), parts[3])


@dataclass(frozen=True, slots=True)
class Recipient:
    first_name: str
    municipality: str
    time_zone: ZoneInfo
    entitled: frozenset[int] = frozenset()  # measures whose eligibility the person meets
    erased: bool = False


@dataclass(slots=True)
class CampaignContent:
    """What every message of one campaign shares: compiled variants and measure texts."""

    campaign: Campaign
    variants: dict[tuple[str, str], CompiledVariant]
    measures: dict[str, dict[str, Any]]  # language -> the first measure's fields
    catalogue: list[CatalogueEntry]  # every measure of the campaign, for digests


class Composer:
    def __init__(
        self,
        database: Database,
        renderer: Renderer,
        signer: Signer,
        *,
        base_url: str,
        default_time_zone: str,
        sender_is_alphanumeric: bool,
    ) -> None:
        self._database = database
        self._renderer = renderer
        self._signer = signer
        self._base_url = base_url
        self._default_zone = ZoneInfo(default_time_zone)
        self._alphanumeric = sender_is_alphanumeric
        self._content: dict[int, CampaignContent] = {}

    async def content(self, campaign_id: int) -> CampaignContent:
        """The campaign's shared content, loaded and compiled once per process."""
        cached = self._content.get(campaign_id)
        if cached is None:
            async with self._database.read_session() as session:
                cached = await self._load_content(session, campaign_id)
            self._content[campaign_id] = cached
        return cached

    @property
    def default_time_zone(self) -> ZoneInfo:
        return self._default_zone

    async def _load_content(self, session: AsyncSession, campaign_id: int) -> CampaignContent:
        campaign = await repo.get_campaign(session, campaign_id)
        if campaign is None:
            raise LookupError(f"campaign {campaign_id} vanished")
        variants = await templates.load_variants(session, campaign.draft.template_version_id)
        measures = await campaign_measures(session, campaign)
        return await self.content_of(session, campaign, variants, measures)

    async def content_of(
        self,
        session: AsyncSession,
        campaign: Campaign,
        variants: Sequence[VariantSource],
        measures: Sequence[MeasureContent],
    ) -> CampaignContent:
        """The content of ``campaign`` from its variants and measures as the caller read them."""
        version_id = campaign.draft.template_version_id
        compiled = {
            (v.language, v.channel): self._renderer.compile(
                v, key=(version_id, v.language, v.channel)
            )
            for v in variants
        }
        return CampaignContent(
            campaign,
            compiled,
            first_measure_texts(measures),
            await load_catalogue(session, measures),
        )

    async def recipients(self, claimed: Sequence[ClaimedMessage]) -> dict[int, Recipient]:
        ids = [m.contact_id for m in claimed if m.contact_id is not None]
        catalogue = {
            entry.measure_id: entry
            for campaign_id in {m.campaign_id for m in claimed}
            for entry in (await self.content(campaign_id)).catalogue
        }
        return await self.recipients_of(list(catalogue.values()), ids)

    async def recipients_of(
        self, catalogue: Sequence[CatalogueEntry], contact_ids: Sequence[int]
    ) -> dict[int, Recipient]:
        """The values the messages of ``contact_ids`` are filled with, by contact id."""
        async with self._database.read_session() as session:
            entitled = await entitlements(session, catalogue, contact_ids)
            rows = await session.execute(
                select(
                    contacts.c.id,
                    contacts.c.first_name,
                    contacts.c.municipality,
                    contacts.c.time_zone,
                    contacts.c.erased_at,
                ).where(contacts.c.id.in_(contact_ids))
            )
        return {
            int(r.id): Recipient(
                r.first_name or "",
                r.municipality or "",
                _zone(r.time_zone, self._default_zone),
                frozenset(entitled.get(int(r.id), ())),
                erased=r.erased_at is not None,
            )
            for r in rows
        }

    async def fresh_content(self, campaign_id: int) -> CampaignContent:
        """The campaign's content as it stands now, not cached: for proofs, which must show
        the latest edit of a draft."""
        async with self._database.read_session() as session:
            return await self._load_content(session, campaign_id)

    async def web_copy(self, message_id: int, now: datetime) -> OutboundMessage | None:
        """The message as its recipient got it (re-rendered from the pinned version)."""
        async with self._database.read_session() as session:
            row = (
                await session.execute(select(messages).where(messages.c.id == message_id))
            ).first()
        if row is None or row.contact_id is None or row.address is None:
            return None  # erased: nothing personal is kept to show
        claimed = ClaimedMessage(
            row.id,
            row.campaign_id,
            row.contact_id,
            Channel(row.channel),
            row.address,
            row.language,
            0,
        )
        content = await self.content(row.campaign_id)
        recipient = (await self.recipients([claimed])).get(row.contact_id)
        return self.compose(claimed, content, recipient, now)

    def compose(
        self,
        message: ClaimedMessage,
        content: CampaignContent,
        recipient: Recipient | None,
        now: datetime,
    ) -> OutboundMessage:
        """Render one message; raises ``TemplateProblem`` if it cannot be rendered."""
        return self.fill(message, content, recipient, self.links(message.id, now))

    def links(self, message_id: int, now: datetime) -> Links:
        """The signed web copy, unsubscribe and stop links of one message."""
        expires = now + LINK_LIFETIME
        return Links(
            web=f"{self._base_url}/m/{self._signer.sign('web', message_id, expires)}",
            unsubscribe=f"{self._base_url}/u/{self._signer.sign('unsub', message_id, expires)}",
            stop=f"{self._base_url}/s/{self._signer.sign_short('stop', message_id, expires)}",
        )

    def longest_links(self) -> Links:
        """Links as long as any message's: what estimates fill templates with."""
        return self.links(LONGEST_MESSAGE_ID, datetime.now(UTC))

    def proof_links(self, proof: ProofSubject, now: datetime) -> Links:
        """Links for a proof (a message rendered for a real recipient before any is queued):
        the web copy opens the proof; the stop and unsubscribe links do nothing. They are at
        least as long as a message's, so proofs count SMS segments on the high side.
        """
        expires = now + PROOF_LIFETIME
        token = self._signer.sign("proof", proof.as_subject(), expires)
        short = self._signer.sign_short("proof", LONGEST_MESSAGE_ID, expires)
        return Links(
            web=f"{self._base_url}/m/{token}",
            unsubscribe=f"{self._base_url}/u/{token}",
            stop=f"{self._base_url}/s/{short}",
        )

    def fill(
        self,
        message: ClaimedMessage,
        content: CampaignContent,
        recipient: Recipient | None,
        links: Links,
    ) -> OutboundMessage:
        """Render ``message`` for ``recipient`` with the given links."""
        compiled = content.variants[(message.language, message.channel)]
        stop = stop_sentence(
            message.language, sender_is_alphanumeric=self._alphanumeric, stop_url=links.stop
        )
        context = {
            "first_name": recipient.first_name if recipient else "",
            "municipality": recipient.municipality if recipient else "",
            "measure": content.measures.get(message.language) or _EMPTY_MEASURE,
            "measures": measures_for(
                content.catalogue,
                recipient.entitled if recipient else frozenset(),
                message.language,
            ),
            "stop": stop,
            "web_url": links.web,
            "unsubscribe_url": links.unsubscribe,
        }
        rendered = self._renderer.render(compiled, context)
        headers: dict[str, str] = {}
        if message.channel == Channel.EMAIL:
            headers = {
                "List-Unsubscribe": f"<{links.unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            }
        return OutboundMessage(
            message_id=message.id,
            channel=message.channel,
            to=message.address,
            language=message.language,
            text=rendered.text,
            subject=rendered.subject,
            html=rendered.html,
            status_callback_url=f"{self._base_url}/webhooks/twilio/status?message_id={message.id}",
            headers=headers,
            valid_until=content.campaign.draft.window_ends_at,
        )


_EMPTY_MEASURE: Mapping[str, str] = dict.fromkeys(MEASURE_FIELDS, "")


def _zone(name: str | None, default: ZoneInfo) -> ZoneInfo:
    try:
        return ZoneInfo(name) if name else default
    except (KeyError, ValueError):
        return default
