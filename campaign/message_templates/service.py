"""Templates: versions are immutable; editing makes a new version, checked before it is kept.

A version whose variant uses an undefined variable, does not parse, or reaches for Python
internals is refused at save time with the variant, the line and the reason, so nothing
fails at send time. Checking and previewing fill the template in, in the ``Workshop`` (off the
event loop, with a time limit). A version keeps who wrote it: they cannot approve a campaign
that sends it (four eyes), so a key acting for nobody may not write templates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select

from campaign.kernel.channel import Channel
from campaign.kernel.clock import Clock
from campaign.kernel.errors import Forbidden, InvalidInput, NotFound
from campaign.kernel.identity import Identity, Permission, require
from campaign.kernel.work import Workshop
from campaign.message_templates import repository as repo
from campaign.messages.checks import check_message
from campaign.messages.language import SUPPORTED_LANGUAGES
from campaign.messages.library import CHANNELS, TemplateSource, VariantSource
from campaign.messages.render import Renderer, TemplateProblem
from campaign.messages.samples import MEASURE_FIELDS, sample_context
from campaign.messages.sms import downgrade_typography, non_gsm_characters, sms_info
from campaign.messages.variables import used_values
from campaign.store.engine import Database
from campaign.store.tables import template_versions, templates


class TemplateService:
    def __init__(
        self, database: Database, clock: Clock, renderer: Renderer, work: Workshop
    ) -> None:
        self._database = database
        self._clock = clock
        self._renderer = renderer
        self._work = work

    async def catalogue(self) -> list[dict[str, Any]]:
        async with self._database.read_session() as session:
            rows = await session.execute(
                select(
                    templates.c.slug,
                    templates.c.name,
                    template_versions.c.id,
                    template_versions.c.version,
                )
                .join(template_versions, template_versions.c.template_id == templates.c.id)
                .order_by(templates.c.slug, template_versions.c.version)
            )
            found: dict[str, dict[str, Any]] = {}
            for slug, name, version_id, version in rows:
                entry = found.setdefault(slug, {"slug": slug, "name": name, "versions": []})
                entry["versions"].append({"id": version_id, "version": version})
        return list(found.values())

    async def version(self, version_id: int) -> dict[str, Any]:
        async with self._database.read_session() as session:
            row = (
                await session.execute(
                    select(template_versions, templates.c.slug)
                    .join(templates, templates.c.id == template_versions.c.template_id)
                    .where(template_versions.c.id == version_id)
                )
            ).first()
            if row is None:
                raise NotFound(f"no template version {version_id}")
            variants = await repo.load_variants(session, version_id)
        return {
            "id": row.id,
            "slug": row.slug,
            "version": row.version,
            "created_at": row.created_at.isoformat(),
            "variants": [_variant_json(v) for v in variants],
        }

    async def save(
        self, actor: Identity, slug: str, name: str, variants: Sequence[VariantSource]
    ) -> dict[str, Any]:
        """Keep ``variants`` as the next version of ``slug``, or say what is wrong."""
        if not actor.may(Permission.TEMPLATES):
            raise Forbidden(f"the {actor.role} role may not write templates")
        require(actor, Permission.TEMPLATES)  # and a person: a key acting for nobody may not
        await self._work.run(self.check, variants, what="checking the template", where="variants")
        source = TemplateSource(slug, name, "", tuple(variants))
        async with self._database.transaction() as session:
            version_id = await repo.save_version(
                session, source, self._clock.now(), created_by=actor.user_id
            )
        return await self.version(version_id)

    def check(self, variants: Sequence[VariantSource]) -> None:
        seen: set[tuple[str, str]] = set()
        for index, variant in enumerate(variants):
            where = f"variants[{index}]"
            if variant.language not in SUPPORTED_LANGUAGES:
                raise InvalidInput(f"unsupported language {variant.language!r}", where=where)
            if variant.channel not in CHANNELS:
                raise InvalidInput(f"unknown channel {variant.channel!r}", where=where)
            if (variant.language, variant.channel) in seen:
                raise InvalidInput("two variants for one language and channel", where=where)
            seen.add((variant.language, variant.channel))
            if variant.channel == Channel.EMAIL and not (variant.subject or "").strip():
                raise InvalidInput("an email needs a subject", where=f"{where}.subject")
            problems = self._renderer.problems(variant)
            if problems:
                problem = problems[0]
                raise InvalidInput(
                    f"{variant.language} {variant.channel}: {problem}",
                    where=f"{where}.{problem.part}",
                )
        if not variants:
            raise InvalidInput("a template needs at least one variant", where="variants")

    async def preview(
        self,
        version_id: int,
        context: Mapping[str, Any] | None = None,
        measure: Mapping[str, Mapping[str, str]] | None = None,
        *,
        staff_language: str = "en",
    ) -> list[dict[str, Any]]:
        """Every variant rendered with its own language's sample values, or with ``measure``
        (a real measure's fields per language) and any values given in ``context``, with its
        SMS analysis and checks."""
        async with self._database.read_session() as session:
            if not await repo.version_exists(session, version_id):
                raise NotFound(f"no template version {version_id}")
            variants = await repo.load_variants(session, version_id)
        given = dict(context or {})
        _check_given_measure(given)
        return await self._work.run(
            self._preview_all, variants, given, measure, staff_language, what="the preview"
        )

    def _preview_all(
        self,
        variants: Sequence[VariantSource],
        given: Mapping[str, Any],
        measure: Mapping[str, Mapping[str, str]] | None,
        staff_language: str,
    ) -> list[dict[str, Any]]:
        return [
            self._preview_one(v, _preview_values(v.language, given, measure), staff_language)
            for v in variants
        ]

    def _preview_one(
        self, variant: VariantSource, context: Mapping[str, Any], staff_language: str
    ) -> dict[str, Any]:
        try:
            rendered = self._renderer.render(self._renderer.compile(variant), context)
        except TemplateProblem as problem:
            raise InvalidInput(
                f"{variant.language} {variant.channel}: {problem} with the values given",
                where="context",
            ) from problem
        result: dict[str, Any] = _variant_json(variant) | {
            "rendered": {"subject": rendered.subject, "text": rendered.text, "html": rendered.html},
            "missing_values": sorted(
                f"measure.{name}"
                for name, value in dict(context.get("measure") or {}).items()
                if f"measure.{name}" in used_values(variant) and not str(value).strip()
            ),
        }
        if variant.channel == Channel.SMS:
            result["sms"] = sms_analysis(rendered.text, variant.language)
        result["check"] = check_message(
            variant.channel, variant.language, rendered.text, staff_language=staff_language
        )
        return result


def _check_given_measure(given: Mapping[str, Any]) -> None:
    """A measure given in the context must have every field a template may use."""
    if "measure" not in given:
        return
    measure = given["measure"]
    if not isinstance(measure, Mapping):
        raise InvalidInput("context.measure must be an object of texts", where="context.measure")
    for name in MEASURE_FIELDS:
        if name not in measure:
            raise InvalidInput(
                f"context.measure has no {name}: give all of {', '.join(MEASURE_FIELDS)}, or "
                "pass measure_id to preview with a measure from the catalogue",
                where=f"context.measure.{name}",
            )


def _preview_values(
    language: str, given: Mapping[str, Any], measure: Mapping[str, Mapping[str, str]] | None
) -> dict[str, Any]:
    """The language's sample values, a real measure's fields in that language (empty where
    the measure has no texts in it, which the preview reports as missing values), and
    whatever the caller gave, last."""
    fields = None
    if measure is not None:
        fields = dict(measure.get(language) or dict.fromkeys(MEASURE_FIELDS, ""))
    return sample_context(language, fields) | dict(given)


def sms_analysis(text: str, language: str) -> dict[str, Any]:
    """Encoding and segments, what forces UCS-2, and what the typography downgrade saves."""
    info = sms_info(text)
    downgraded = sms_info(downgrade_typography(text, language))
    return {
        "encoding": info.encoding,
        "segments": info.segments,
        "characters": info.characters,
        "non_gsm_characters": non_gsm_characters(text),
        "downgrade_saves_segments": info.segments - downgraded.segments,
    }


def _variant_json(variant: VariantSource) -> dict[str, Any]:
    return {
        "language": variant.language,
        "channel": variant.channel,
        "subject": variant.subject,
        "body": variant.body,
    }
