"""The stage: N contacts with an email address and consent, one approved email campaign.

As bench/dispatch stages its SMS campaign (``scenario``: a database of its own, the contacts
written with ``COPY`` and keyed with the service's own ``AddressKeys``, everything else through
the services), but the contacts have an email address and no phone, and the campaign's one
channel is email. Each contact gets one mail, so the weekly cap (5 by default) never binds; the
quiet hours are overridden with a reason, so the hour of the run does not matter.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial

from bench.dispatch import scenario
from campaign.bootstrap import build
from campaign.services import Services
from campaign.settings import load_settings

EMAIL_FROM = "Gemeente Bench <info@bench.example.org>"
BOUNCE_DOMAIN = "bounces.bench.example.org"
RECIPIENT_DOMAIN = "inbox.example.net"
_COLUMNS = (
    "id",
    "external_id",
    "email",
    "email_key",
    *scenario.PROFILE_COLUMNS,
    "consent_sms",
    "consent_email",
    "consent_email_source",
    "consent_email_at",
    "created_at",
    "updated_at",
)


def address(index: int, prefix: str = "persoon") -> str:
    """The ``index``-th recipient: every one distinct, all of one length."""
    return f"{prefix}{index:07d}@{RECIPIENT_DOMAIN}"


def services_for(url: str, email_rate: float) -> Services:
    """The root the product runs, over the bench's database, with the worker's key and email
    rate (a campaign may not ask for more than its channel's rate) and sender."""
    settings = load_settings(
        database_url=url,
        secret_key=scenario.SECRET_KEY,
        email_rate=email_rate,
        email_from=EMAIL_FROM,
        bounce_domain=BOUNCE_DOMAIN,
    )
    return build(settings)


async def prepare(url: str, contacts: int, email_rate: float) -> scenario.Stage:
    """Contacts, content and one approved email campaign, due now but not yet started."""
    services = services_for(url, email_rate)
    started = time.perf_counter()
    await scenario.copy_contacts(url, contacts, partial(_rows, services), _COLUMNS)
    content = await scenario.content_of(services)
    campaign_id = await scenario.approved_campaign(
        services, content, name="Bench: email", channel="email", rate=email_rate
    )
    return scenario.Stage(url, services, campaign_id, contacts, time.perf_counter() - started)


def _rows(services: Services, first: int, last: int) -> Iterator[tuple[object, ...]]:
    now = datetime.now(UTC)
    key = services.address_keys.key
    for i in range(first, last):
        email = address(i)
        yield (
            i,
            f"e{i}",
            email,
            key("email", email),
            *scenario.profile(i),
            False,
            True,
            "bench",
            now,
            now,
            now,
        )
