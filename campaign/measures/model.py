"""A catalogue entry: a support measure or vaccination information, with texts per language."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from campaign.messages.samples import MEASURE_FIELDS


class Level(StrEnum):
    FEDERAL = "federal"
    REGIONAL = "regional"
    LOCAL = "local"


class MeasureStatus(StrEnum):
    NEW = "new"
    EXISTING = "existing"
    ENDED = "ended"


def template_fields(
    translations: Mapping[str, Mapping[str, Any]],
    *,
    amount: str | None,
    contact_point: str | None,
    link: str | None,
) -> dict[str, dict[str, str]]:
    """What ``measure.…`` is in a template, per language: every field of ``MEASURE_FIELDS``,
    empty where the measure has no value, never a key a template cannot name."""
    shared = {"amount": amount or "", "contact_point": contact_point or "", "link": link or ""}
    return {
        language: dict.fromkeys(MEASURE_FIELDS, "")
        | {k: v or "" for k, v in texts.items() if k in MEASURE_FIELDS}
        | shared
        for language, texts in translations.items()
    }


@dataclass(frozen=True, slots=True)
class Texts:
    title: str
    summary: str = ""
    how_to: str = ""


@dataclass(frozen=True, slots=True)
class MeasureDraft:
    slug: str
    level: Level
    theme: str
    status: MeasureStatus
    translations: dict[str, Texts]
    amount: str | None = None
    eligibility: str | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    contact_point: str | None = None
    link: str | None = None


@dataclass(frozen=True, slots=True)
class Measure:
    id: int
    draft: MeasureDraft
    created_at: datetime
    updated_at: datetime

    def fields_by_language(self) -> dict[str, dict[str, str]]:
        """What ``measure.…`` is in a template, per language the measure has texts in."""
        d = self.draft
        return template_fields(
            {language: asdict(t) for language, t in d.translations.items()},
            amount=d.amount,
            contact_point=d.contact_point,
            link=d.link,
        )

    def as_json(self) -> dict[str, Any]:
        d = self.draft
        return {
            "id": self.id,
            "slug": d.slug,
            "level": d.level.value,
            "theme": d.theme,
            "status": d.status.value,
            "amount": d.amount,
            "eligibility": d.eligibility,
            "valid_from": d.valid_from.isoformat() if d.valid_from else None,
            "valid_until": d.valid_until.isoformat() if d.valid_until else None,
            "contact_point": d.contact_point,
            "link": d.link,
            "translations": {lang: asdict(t) for lang, t in d.translations.items()},
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }
