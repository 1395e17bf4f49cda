"""What approval waits for: every variant of the campaign's pinned template, filled in with its
measure's texts, must pass the SMS and plain-language checks (or an approver overrides them
with a written reason, which is kept on the campaign and in its audit trail).
"""

from __future__ import annotations

from typing import Any

from campaign.campaigns.model import Campaign
from campaign.campaigns.texts import measure_texts
from campaign.message_templates import repository as templates
from campaign.messages.checks import blocking_messages, check_message
from campaign.messages.language import stop_sentence
from campaign.messages.render import SAMPLE_CONTEXT, Renderer, TemplateProblem
from campaign.store.engine import Database


class ContentChecks:
    """The ``ApprovalCheck`` of ``CampaignService``: blocking findings, in plain words."""

    def __init__(self, database: Database, renderer: Renderer, *, alphanumeric: bool) -> None:
        self._database = database
        self._renderer = renderer
        self._alphanumeric = alphanumeric

    async def __call__(self, campaign: Campaign) -> list[str]:
        async with self._database.read_session() as session:
            variants = await templates.load_variants(session, campaign.draft.template_version_id)
            texts = await measure_texts(session, campaign)
        findings: list[str] = []
        for variant in variants:
            context = self._context(variant.language, texts.get(variant.language))
            label = f"{variant.language} {variant.channel}"
            try:
                rendered = self._renderer.render(self._renderer.compile(variant), context)
            except TemplateProblem as problem:
                findings.append(f"{label}: {problem}")
                continue
            result = check_message(variant.channel, variant.language, rendered.text)
            findings += [f"{label}: {message}" for message in blocking_messages(result)]
            cap = campaign.draft.sms_segment_cap
            if result["sms"] and cap is not None and result["sms"]["segments"] > cap:
                findings.append(
                    f"{label}: {result['sms']['segments']} segments with sample values, over "
                    f"the campaign's cap of {cap}: these messages would be skipped"
                )
        return findings

    def _context(self, language: str, measure: dict[str, Any] | None) -> dict[str, Any]:
        stop = stop_sentence(
            language, sender_is_alphanumeric=self._alphanumeric, stop_url="https://x.example/u/t"
        )
        context = dict(SAMPLE_CONTEXT) | {"stop": stop}
        if measure:
            context["measure"] = dict(SAMPLE_CONTEXT["measure"]) | measure
        return context
