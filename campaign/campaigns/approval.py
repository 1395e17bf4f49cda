"""What the checks of a campaign found: blocking findings hold approval back (unless an approver
overrides them with a written reason), warnings are shown at submission and kept with the
approval. Pure data; ``campaign.dispatch.proofs`` renders the messages and fills it in.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from campaign.campaigns.model import MeasureContent
from campaign.kernel.channel import Channel


@dataclass(frozen=True, slots=True)
class ProofRequest:
    """Which proofs: one channel and language (None: all), how many of the first recipients
    per variant, and the language the findings are written in."""

    channel: Channel | None = None
    language: str | None = None
    first: int = 3
    staff_language: str = "en"


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing the checks found, about one variant ("fr sms") or the campaign as a whole."""

    code: str  # stable, for clients: no_phone_number, missing_value, nobody_reached, …
    message: str  # in plain words, for staff
    variant: str | None = None  # "fr sms"; None for the campaign as a whole
    recipients: int | None = None  # how many people it concerns, where it can be counted
    contact_id: int | None = None  # the sample recipient it was found on, if one

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "variant": self.variant,
            "recipients": self.recipients,
            "contact_id": self.contact_id,
        }

    def sentence(self) -> str:
        return f"{self.variant}: {self.message}" if self.variant else self.message


@dataclass(frozen=True, slots=True)
class CheckReport:
    """The checks of what people get, as of ``checked_at``."""

    checked_at: datetime
    recipients: int
    blocking: tuple[Finding, ...] = ()
    warnings: tuple[Finding, ...] = ()
    checked_messages: int = 0  # how many rendered messages the checks read
    # The measures as checked: approval pins exactly these.
    measures: tuple[MeasureContent, ...] = field(default=())

    @property
    def measures_digest(self) -> str:
        """A fingerprint of the measures' texts and eligibility as checked."""
        content = json.dumps([m.as_json() for m in self.measures], sort_keys=True)
        return hashlib.sha256(content.encode()).hexdigest()

    def as_json(self) -> dict[str, Any]:
        return {
            "measures_digest": self.measures_digest,
            "checked_at": self.checked_at.isoformat(),
            "recipients": self.recipients,
            "checked_messages": self.checked_messages,
            "blocking": [f.as_json() for f in self.blocking],
            "warnings": [f.as_json() for f in self.warnings],
        }
