"""Proofs: a campaign's messages rendered for real recipients before anything is queued, and the
checks that approval waits for, run on them.

The approver must see what people will get, so every variant the campaign will use (channel ×
language) is rendered by the composer that sends (same measures, eligibility and links) for a
few real recipients chosen to include the longest names and the costliest characters
(``campaign.campaigns.proof_sample``). A variant nobody will get is still checked, with that
language's sample person. What the words need but nobody gave (a measure without a contact
point: "Bel .") is a blocking finding; what the approver should weigh (nobody reached, a
language served by another's text, eligibility narrowing the audience, a start in the past,
quiet hours overridden) is a warning. Filling the proofs in and checking their words run in the
``Workshop``: off the event loop, with a time limit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from campaign.campaigns.approval import CheckReport, Finding, ProofRequest
from campaign.campaigns.audience import CampaignAudience, campaign_audience
from campaign.campaigns.cost import CostEstimator
from campaign.campaigns.model import Campaign, MeasureContent
from campaign.campaigns.proof_sample import SampleRecipient, sample_recipients
from campaign.campaigns.runs import ChannelPlan, plan_channels, recipients
from campaign.campaigns.service import visible_campaign
from campaign.campaigns.states import CampaignState
from campaign.campaigns.texts import campaign_measures
from campaign.channels import OutboundMessage
from campaign.dispatch.claims import ClaimedMessage
from campaign.dispatch.composer import (
    CampaignContent,
    Composer,
    Links,
    ProofSubject,
    Recipient,
)
from campaign.kernel import limits
from campaign.kernel.channel import Channel
from campaign.kernel.clock import Clock
from campaign.kernel.errors import Forbidden, InvalidInput, NotFound
from campaign.kernel.identity import Identity, Permission
from campaign.kernel.work import Workshop
from campaign.message_templates import repository as templates
from campaign.messages.checks import check_message
from campaign.messages.library import VariantSource
from campaign.messages.render import TemplateProblem
from campaign.messages.samples import sample_context
from campaign.messages.variables import used_values
from campaign.store.engine import Database
from campaign.store.tables import contacts, messages

MAX_PROOFS = limits.PROOFS_MAX  # per variant, for the preview's ``limit``
# A proof link of a campaign that is over shows nothing: it was for reading before the run.
_OVER = frozenset({CampaignState.COMPLETED, CampaignState.CANCELLED, CampaignState.MISSED})
_PERSON_VALUES = ("first_name", "municipality")


@dataclass(frozen=True, slots=True)
class Proof:
    """One message as one recipient (or, where nobody reads this variant, a sample) gets it."""

    channel: Channel
    language: str
    contact_id: int | None  # None: no recipient reads this variant; sample values
    chosen_because: tuple[str, ...]
    message: OutboundMessage | None  # None when the template could not be filled in
    web_url: str | None = None  # opens this proof as the web copy (not for sample values)
    problem: str | None = None
    check: dict[str, Any] | None = None

    @property
    def variant(self) -> str:
        return f"{self.language} {self.channel.value}"

    def as_json(self) -> dict[str, Any]:
        message = self.message
        return {
            "channel": self.channel.value,
            "language": self.language,
            "contact_id": self.contact_id,
            "chosen_because": list(self.chosen_because),
            "subject": message.subject if message else None,
            "text": message.text if message else None,
            "html": message.html if message else None,
            "web_url": self.web_url,
            "problem": self.problem,
            "check": self.check,
        }


@dataclass(slots=True)
class _Prepared:
    campaign: Campaign
    audience: CampaignAudience
    plans: list[ChannelPlan]
    sources: dict[tuple[str, str], VariantSource]
    measures: list[MeasureContent]
    content: CampaignContent


class Proofs:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        composer: Composer,
        costs: CostEstimator,
        work: Workshop,
    ) -> None:
        self._database = database
        self._clock = clock
        self._composer = composer
        self._costs = costs
        self._work = work

    async def for_staff(
        self, actor: Identity, campaign_id: int, wanted: ProofRequest | None = None
    ) -> list[Proof]:
        """``messages`` for staff who write or approve campaigns (the proofs show recipients'
        names): editors, approvers, admins, and a partner for its own campaigns."""
        wanted = wanted or ProofRequest()
        campaign = await self._readable(actor, campaign_id)
        if wanted.first < 1 or wanted.first > MAX_PROOFS:
            raise InvalidInput(f"limit must be 1 to {MAX_PROOFS}", where="limit")
        return await self.messages(campaign, wanted)

    async def messages(self, campaign: Campaign, wanted: ProofRequest | None = None) -> list[Proof]:
        """The campaign's messages for sample recipients of each variant (or of one)."""
        wanted = wanted or ProofRequest()
        channel, language = wanted.channel, wanted.language
        prepared = await self._prepare(campaign)
        async with self._database.read_session() as session:
            samples = await _samples(session, prepared, wanted)
        variants = [
            key
            for key in _planned(prepared.plans)
            if (channel is None or key[0] == channel) and (language is None or key[1] == language)
        ]
        return await self._render(prepared, variants, samples, wanted.staff_language)

    async def message_copy(
        self, actor: Identity, campaign_id: int, message_id: int
    ) -> dict[str, Any]:
        """One queued or sent message as its recipient gets it, with its web copy and
        unsubscribe links (for the staff who may read proofs)."""
        await self._readable(actor, campaign_id)
        async with self._database.read_session() as session:
            owner = await session.scalar(
                select(messages.c.campaign_id).where(messages.c.id == message_id)
            )
        now = self._clock.now()
        copy = await self._composer.web_copy(message_id, now) if owner == campaign_id else None
        if copy is None:
            raise NotFound(f"no message {message_id} in campaign {campaign_id} to show")
        links = self._composer.links(message_id, now)
        return {
            "message_id": message_id,
            "channel": copy.channel.value,
            "language": copy.language,
            "subject": copy.subject,
            "text": copy.text,
            "html": copy.html,
            "web_url": links.web,
            "unsubscribe_url": links.unsubscribe,
        }

    async def _readable(self, actor: Identity, campaign_id: int) -> Campaign:
        """The campaign, for staff who may read messages made for real people (they carry
        names): editors, approvers, admins, and a partner its own campaigns."""
        if not (actor.may(Permission.CAMPAIGNS) or actor.may(Permission.APPROVE)):
            if not actor.reads_personal_data:  # a partner reads its own; a viewer, never
                raise Forbidden(
                    f"the {actor.role} role may not read messages made for real recipients"
                )
        async with self._database.read_session() as session:
            return await visible_campaign(session, actor, campaign_id)

    async def proof_copy(self, subject: object) -> OutboundMessage | None:
        """The message a proof link shows (the web copy of a proof), or None."""
        proof = ProofSubject.from_subject(subject)
        if proof is None:
            return None
        try:
            content = await self._composer.fresh_content(proof.campaign_id)
        except LookupError:
            return None  # the campaign is gone
        if (
            content.campaign.state in _OVER
            or (proof.language, proof.channel) not in content.variants
        ):
            return None
        people = await self._composer.recipients_of(content.catalogue, [proof.contact_id])
        recipient = people.get(proof.contact_id)
        if recipient is None or recipient.erased:
            return None
        links = self._composer.proof_links(proof, self._clock.now())
        try:
            return self._fill(content, proof, recipient, links)
        except TemplateProblem:
            return None  # the checks name the problem; the link shows nothing

    async def check(self, campaign: Campaign) -> CheckReport:
        """The checks approval waits for, on the messages people will get."""
        now = self._clock.now()
        prepared = await self._prepare(campaign)
        async with self._database.read_session() as session:
            samples = await _samples(session, prepared, ProofRequest())
            narrowed = await _narrowed(session, prepared.audience)
            empty = await _empty_values(session, prepared, _used_person_values(prepared))
        preview = await self._costs.preview(campaign)
        proofs = await self._render(prepared, _planned(prepared.plans), samples)
        blocking = [*_render_findings(proofs), *_missing_values(prepared)]
        blocking += [Finding("eligibility_broken", why) for why in prepared.audience.broken]
        blocking += _cap_findings(preview, campaign.draft.sms_segment_cap)
        blocking += _unrenderable(preview)
        planned = {plan.channel.value for plan in prepared.plans}
        warnings = _warnings(campaign, planned, preview, narrowed, empty, now)
        if campaign.draft.window_ends_at and campaign.draft.window_ends_at <= now:
            blocking.append(
                Finding(
                    "window_over",
                    f"its window ended at {campaign.draft.window_ends_at:%Y-%m-%d %H:%M} UTC: "
                    "it would be missed; move the window",
                )
            )
        return CheckReport(
            checked_at=now,
            recipients=int(preview["recipients"]),
            blocking=tuple(blocking),
            warnings=tuple(warnings),
            checked_messages=sum(1 for p in proofs if p.message is not None),
            measures=tuple(prepared.measures),
        )

    async def _prepare(self, campaign: Campaign) -> _Prepared:
        async with self._database.read_session() as session:
            audience = await campaign_audience(session, campaign)
            version_id = campaign.draft.template_version_id
            variants = await templates.load_variants(session, version_id)
            measures = await campaign_measures(session, campaign)
            content = await self._composer.content_of(session, campaign, variants, measures)
        languages: dict[str, set[str]] = {}
        for v in variants:
            languages.setdefault(v.channel, set()).add(v.language)
        plans = plan_channels(campaign.draft.channels, languages, campaign.draft.language_fallback)
        sources = {(v.channel, v.language): v for v in variants}
        return _Prepared(campaign, audience, plans, sources, measures, content)

    async def _render(
        self,
        prepared: _Prepared,
        variants: Sequence[tuple[Channel, str]],
        samples: Sequence[SampleRecipient],
        staff_language: str = "en",
    ) -> list[Proof]:
        people = await self._composer.recipients_of(
            prepared.content.catalogue, [s.contact_id for s in samples]
        )
        return await self._work.run(
            self._filled_in,
            prepared,
            variants,
            samples,
            people,
            staff_language,
            what="filling in the campaign's messages",
        )

    def _filled_in(
        self,
        prepared: _Prepared,
        variants: Sequence[tuple[Channel, str]],
        samples: Sequence[SampleRecipient],
        people: Mapping[int, Recipient],
        staff_language: str,
    ) -> list[Proof]:
        everyone = frozenset(entry.measure_id for entry in prepared.content.catalogue)
        proofs = []
        for channel, language in variants:
            chosen = [s for s in samples if (s.channel, s.language) == (channel, language)]
            if not chosen:
                person = sample_context(language)
                stand_in = Recipient(
                    person["first_name"],
                    person["municipality"],
                    self._composer.default_time_zone,
                    everyone,
                )
                proofs.append(
                    self._proof(prepared, channel, language, None, (), stand_in, staff_language)
                )
            for sample in chosen:
                recipient = people.get(sample.contact_id)
                proofs.append(
                    self._proof(
                        prepared,
                        channel,
                        language,
                        sample.contact_id,
                        sample.chosen_because,
                        recipient,
                        staff_language,
                    )
                )
        return proofs

    def _proof(
        self,
        prepared: _Prepared,
        channel: Channel,
        language: str,
        contact_id: int | None,
        because: tuple[str, ...],
        recipient: Recipient | None,
        staff_language: str = "en",
    ) -> Proof:
        subject = ProofSubject(prepared.campaign.id, contact_id or 0, channel, language)
        links = self._composer.proof_links(subject, self._clock.now())
        try:
            message = self._fill(prepared.content, subject, recipient, links)
        except TemplateProblem as problem:
            return Proof(channel, language, contact_id, because, None, problem=str(problem))
        check = check_message(channel.value, language, message.text, staff_language=staff_language)
        web_url = links.web if contact_id is not None else None
        return Proof(channel, language, contact_id, because, message, web_url, check=check)

    def _fill(
        self,
        content: CampaignContent,
        proof: ProofSubject,
        recipient: Recipient | None,
        links: Links,
    ) -> OutboundMessage:
        claimed = ClaimedMessage(
            0, proof.campaign_id, proof.contact_id, proof.channel, "", proof.language, 0
        )
        return self._composer.fill(claimed, content, recipient, links)


async def _samples(
    session: AsyncSession, prepared: _Prepared, wanted: ProofRequest
) -> list[SampleRecipient]:
    return await sample_recipients(
        session,
        prepared.audience.condition,
        prepared.plans,
        prepared.campaign.draft.honour_contact_channel,
        first=wanted.first,
        channel=wanted.channel,
        language=wanted.language,
    )


def _planned(plans: Sequence[ChannelPlan]) -> list[tuple[Channel, str]]:
    return [(plan.channel, language) for plan in plans for language in sorted(plan.languages)]


def _render_findings(proofs: Sequence[Proof]) -> list[Finding]:
    """Each blocking finding once per variant, on the first recipient it was found on."""
    seen: set[tuple[str, str]] = set()
    found = []
    for proof in proofs:
        if proof.problem is not None:
            items = [("template_problem", proof.problem)]
        else:
            items = _blocking(proof.check or {})
        for code, message in items:
            if (proof.variant, message) in seen:
                continue
            seen.add((proof.variant, message))
            found.append(Finding(code, message, proof.variant, contact_id=proof.contact_id))
    return found


def _blocking(check: dict[str, Any]) -> list[tuple[str, str]]:
    parts = [check.get("plain_language")] + ([check["sms"]] if check.get("sms") else [])
    return [
        (str(f.get("rule") or f.get("code")), f["message"])
        for part in parts
        if part
        for f in part["findings"]
        if f["blocking"]
    ]


def _missing_values(prepared: _Prepared) -> list[Finding]:
    """A measure value the words use but nobody gave: the same hole in every message."""
    found = []
    first = prepared.measures[0] if prepared.measures else None
    for channel, language in _planned(prepared.plans):
        source = prepared.sources.get((channel.value, language))
        if source is None:
            continue
        variant = f"{language} {channel.value}"
        used = used_values(source)
        wanted = sorted(name.split(".", 1)[1] for name in used if name.startswith("measure."))
        if (wanted or "measures" in used) and first is None:
            found.append(
                Finding(
                    "no_measure",
                    "the template uses a measure's texts, but the campaign names no measure",
                    variant,
                )
            )
            continue
        if first is None:
            continue
        texts = first.texts.get(language)
        for name in wanted:
            if texts is None or not str(texts.get(name, "")).strip():
                where = "has no texts in this language" if texts is None else f"has no {name}"
                found.append(
                    Finding(
                        "missing_value",
                        f"measure.{name} is empty: the measure {first.slug!r} {where}",
                        variant,
                    )
                )
                if texts is None:
                    break
    return found


def _used_person_values(prepared: _Prepared) -> set[str]:
    used: set[str] = set()
    for channel, language in _planned(prepared.plans):
        source = prepared.sources.get((channel.value, language))
        if source is not None:
            used |= used_values(source) & set(_PERSON_VALUES)
    return used


async def _empty_values(
    session: AsyncSession, prepared: _Prepared, names: set[str]
) -> dict[str, int]:
    """How many recipients lack each person value the words use."""
    if not names or not prepared.plans:
        return {}
    rows = recipients(
        prepared.audience.condition, prepared.plans, prepared.campaign.draft.honour_contact_channel
    ).subquery("r")
    ordered = sorted(names)
    blanks = [  # one pass over the recipients, whatever the number of values
        func.count(case((rows.c[name].is_(None) | (func.trim(rows.c[name]) == ""), 1)))
        for name in ordered
    ]
    counts = (await session.execute(select(*blanks).select_from(rows))).one()
    return {name: int(n) for name, n in zip(ordered, counts, strict=True) if n}


async def _narrowed(session: AsyncSession, audience: CampaignAudience) -> int:
    """How many people the query selects that none of the measures is for."""
    if audience.eligible is None:
        return 0
    selected = await _count(session, audience.selected)
    return selected - await _count(session, audience.condition)


async def _count(session: AsyncSession, condition: ColumnElement[bool]) -> int:
    query = (
        select(func.count()).select_from(contacts).where(condition, contacts.c.erased_at.is_(None))
    )
    return int((await session.execute(query)).scalar() or 0)


def _unrenderable(preview: dict[str, Any]) -> list[Finding]:
    """Messages the template cannot be filled in for, with some recipients' values."""
    languages = preview["by_channel"].get("sms", {}).get("by_language", {})
    return [
        Finding(
            "template_problem",
            f"the template cannot be filled in for {bucket['unrenderable']} recipients' values",
            f"{language} sms",
            recipients=bucket["unrenderable"],
        )
        for language, bucket in sorted(languages.items())
        if bucket.get("unrenderable")
    ]


def _cap_findings(preview: dict[str, Any], cap: int | None) -> list[Finding]:
    if cap is None:
        return []
    found = []
    languages = preview["by_channel"].get("sms", {}).get("by_language", {})
    for language, bucket in sorted(languages.items()):
        if bucket.get("over_cap"):
            found.append(
                Finding(
                    "over_segment_cap",
                    f"{bucket['over_cap']} messages are over the campaign's cap of {cap} "
                    "segments: they would be skipped",
                    f"{language} sms",
                    recipients=bucket["over_cap"],
                )
            )
    return found


def _warnings(
    campaign: Campaign,
    planned: set[str],
    preview: dict[str, Any],
    narrowed: int,
    empty: dict[str, int],
    now: Any,
) -> list[Finding]:
    draft = campaign.draft
    found = []
    for channel in draft.channels:
        if channel not in preview["by_channel"] and channel not in planned:
            found.append(
                Finding(
                    "channel_without_variant",
                    f"the template has no {channel} text: nobody gets a message by {channel}",
                )
            )
    if not preview["recipients"]:
        found.append(
            Finding(
                "nobody_reached",
                "nobody would get a message: the audience is empty or no channel reaches them",
                recipients=0,
            )
        )
    for read, served in sorted(preview["fallback"].items()):
        for language, n in sorted(served.items()):
            found.append(
                Finding(
                    "language_fallback",
                    f"{n} people who read {read or 'no known language'} get the {language} "
                    f"text: the template has no {read or 'such'} variant",
                    recipients=n,
                )
            )
    if narrowed:
        found.append(
            Finding(
                "eligibility_narrows",
                f"{narrowed} people the audience selects are left out: none of the campaign's "
                "measures is for them",
                recipients=narrowed,
            )
        )
    for name, n in sorted(empty.items()):
        found.append(
            Finding(
                "empty_person_value",
                f"{n} recipients have no {name.replace('_', ' ')}: their messages have a gap "
                "where it goes",
                recipients=n,
            )
        )
    if draft.starts_at < now:
        found.append(
            Finding(
                "starts_in_past",
                f"its start time {draft.starts_at:%Y-%m-%d %H:%M} UTC has passed: once "
                "approved it starts at once",
            )
        )
    if draft.quiet_hours_override:
        found.append(
            Finding(
                "quiet_hours_overridden",
                "it may send during the service's quiet hours; the editor's reason: "
                + draft.quiet_hours_override,
            )
        )
    return found
