"""What a campaign would send, before it is sent: recipients per channel and language, who
falls back to another language, and the SMS cost computed over the real audience.

The cost depends on the filled-in values (one contact named Zoë makes that person's SMS
UCS-2), so every distinct combination of the values a template uses is rendered once and
counted as many times as it occurs; the database groups, Python renders, in the ``Workshop``
(a million contacts are as many renderings: off the event loop, with a time limit).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, case, false, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from audiences.segments.reachability import reachable
from campaign.campaigns.audience import campaign_audience
from campaign.campaigns.model import Campaign
from campaign.campaigns.runs import plan_channels, recipients
from campaign.campaigns.texts import measure_texts
from campaign.kernel import limits
from campaign.kernel.channel import Channel
from campaign.kernel.work import Workshop, check_deadline
from campaign.message_templates import repository as templates
from campaign.messages.language import stop_sentence
from campaign.messages.render import SAMPLE_CONTEXT, CompiledVariant, Renderer, TemplateProblem
from campaign.messages.sms import non_gsm_characters, sms_info
from campaign.store.engine import Database
from campaign.store.tables import contacts


async def _groups(session: AsyncSession, campaign: Campaign) -> list[Any]:
    draft = campaign.draft
    audience = (await campaign_audience(session, campaign)).condition
    languages = await templates.variant_languages(session, draft.template_version_id)
    plans = plan_channels(draft.channels, languages, draft.language_fallback)
    if not plans:
        return []
    rows = recipients(audience, plans, draft.honour_contact_channel).subquery("r")
    spare = _spare_channel({p.channel for p in plans}, rows.c.channel)
    # Counted, not grouped by: PostgreSQL refuses a constant (one channel: false) in GROUP BY.
    grouped = (
        select(
            rows.c.channel,
            rows.c.language,
            rows.c.contact_language,
            rows.c.first_name,
            rows.c.municipality,
            func.sum(case((spare, 1), else_=0)).label("spare"),
            func.count().label("n"),
        )
        .select_from(rows.join(contacts, contacts.c.id == rows.c.contact_id))
        .group_by(
            rows.c.channel,
            rows.c.language,
            rows.c.contact_language,
            rows.c.first_name,
            rows.c.municipality,
        )
    )
    return list((await session.execute(grouped)).all())


def _spare_channel(channels: set[Channel], chosen: Any) -> ColumnElement[bool]:
    """Whether the campaign's other channel reaches the person too: who a fallback could
    carry if the chosen channel fails for good."""
    if len(channels) < 2:
        return false()
    return case(
        (chosen == Channel.SMS.value, reachable(Channel.EMAIL)), else_=reachable(Channel.SMS)
    )


class CostEstimator:
    def __init__(
        self,
        database: Database,
        renderer: Renderer,
        *,
        price: float,
        alphanumeric: bool,
        work: Workshop,
        links: Callable[[], tuple[str, str, str]],
    ) -> None:
        self._database = database
        self._renderer = renderer
        self._work = work
        # (web copy, unsubscribe, stop) links as long as any message's (the composer's).
        self._links = links
        self._price = price
        self._alphanumeric = alphanumeric

    async def preview(self, campaign: Campaign) -> dict[str, Any]:
        async with self._database.read_session() as session:
            groups = await _groups(session, campaign)
            variants = await templates.load_variants(session, campaign.draft.template_version_id)
            texts = await measure_texts(session, campaign)
        summary = await self._work.run(
            self._estimate,
            groups,
            variants,
            texts,
            self._links(),  # signed once per estimate, not once per group
            campaign.draft.sms_segment_cap,
            what="the campaign's estimate",
            limit=limits.CAMPAIGN_CHECK_TIME_LIMIT,
        )
        summary["channel_fallback"]["enabled"] = campaign.draft.channel_fallback
        return summary

    def _estimate(
        self,
        groups: list[Any],
        variants: list[Any],
        texts: dict[str, Any],
        links: tuple[str, str, str],
        cap: int | None,
    ) -> dict[str, Any]:
        sms = {v.language: self._renderer.compile(v) for v in variants if v.channel == Channel.SMS}
        return self._summarise(groups, sms, texts, links, cap)

    def _summarise(
        self,
        groups: list[Any],
        sms: dict[str, CompiledVariant],
        texts: dict[str, Any],
        links: tuple[str, str, str],
        cap: int | None,
    ) -> dict[str, Any]:
        by_channel: dict[str, dict[str, Any]] = defaultdict(
            lambda: {"recipients": 0, "by_language": defaultdict(_language_bucket)}
        )
        fallback: dict[str, Counter[str]] = defaultdict(Counter)
        costly: Counter[str] = Counter()
        spare: Counter[str] = Counter()
        for g in groups:
            check_deadline("the campaign's estimate")
            spare[g.channel] += int(g.spare or 0)
            bucket = by_channel[g.channel]
            bucket["recipients"] += g.n
            language = bucket["by_language"][g.language]
            language["recipients"] += g.n
            if g.contact_language != g.language:
                language["fallback"] += g.n
                fallback[g.contact_language][g.language] += g.n
            if g.channel == Channel.SMS and g.language in sms:
                try:
                    text = self._render(sms[g.language], g, texts.get(g.language), links)
                except TemplateProblem:  # the checks name it; the estimate counts it
                    language["unrenderable"] += g.n
                    continue
                info = sms_info(text)
                language["segments"] += info.segments * g.n
                if cap is not None and info.segments > cap:
                    language["over_cap"] += g.n
                language["ucs2"] += g.n if info.encoding == "UCS-2" else 0
                for character in non_gsm_characters(text):
                    costly[character] += g.n
        return self._shape(by_channel, fallback, costly) | {
            "channel_fallback": {
                "enabled": False,
                "could_fall_back": {channel: spare[channel] for channel in by_channel},
            }
        }

    def _render(
        self, compiled: CompiledVariant, group: Any, measure: Any, links: tuple[str, str, str]
    ) -> str:
        web, unsubscribe, stop_url = links
        stop = stop_sentence(
            group.language, sender_is_alphanumeric=self._alphanumeric, stop_url=stop_url
        )
        context = dict(SAMPLE_CONTEXT) | {
            "first_name": group.first_name or "",
            "municipality": group.municipality or "",
            "stop": stop,
            "measure": dict(SAMPLE_CONTEXT["measure"]) | (measure or {}),
            "web_url": web,
            "unsubscribe_url": unsubscribe,
        }
        return self._renderer.render(compiled, context).text

    def _shape(self, by_channel: Any, fallback: Any, costly: Counter[str]) -> dict[str, Any]:
        channels = {}
        for channel, bucket in by_channel.items():
            languages = {}
            for language, b in bucket["by_language"].items():
                entry = {"recipients": b["recipients"], "fallback": b["fallback"]}
                if channel == Channel.SMS:
                    sms_part = {k: b[k] for k in ("segments", "ucs2", "over_cap", "unrenderable")}
                    entry |= sms_part | {"cost": round(b["segments"] * self._price, 2)}
                languages[language] = entry
            channels[channel] = {"recipients": bucket["recipients"], "by_language": languages}
        segments = sum(
            b["segments"] for b in channels.get("sms", {"by_language": {}})["by_language"].values()
        )
        return {
            "recipients": sum(c["recipients"] for c in channels.values()),
            "by_channel": channels,
            "fallback": {k: dict(v) for k, v in fallback.items()},
            "sms": {
                "segments": segments,
                "price_per_segment": self._price,
                "cost": round(segments * self._price, 2),
                "costly_characters": [
                    {"character": c, "recipients": n} for c, n in costly.most_common(20)
                ],
            },
        }


def _language_bucket() -> dict[str, int]:
    return {
        "recipients": 0,
        "fallback": 0,
        "segments": 0,
        "ucs2": 0,
        "over_cap": 0,
        "unrenderable": 0,
    }
