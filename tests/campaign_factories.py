"""Builders for campaign-side test data (templates, campaigns, runs, messages)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert

from campaign.clock import Clock
from campaign.states import CampaignState, MessageState
from campaign.store.engine import Database
from campaign.store.tables import campaign_runs, campaigns, messages, template_versions, templates

SMS_BODY = (
    "Hallo {{ first_name }}. {{ measure.title }}. Bel {{ measure.contact_point }}. {{ stop }}"
)


async def template_version(database: Database, now: datetime, slug: str = "t") -> int:
    async with database.transaction() as session:
        template_id = (
            await session.execute(insert(templates).values(slug=slug, name=slug, created_at=now))
        ).inserted_primary_key[0]
        result = await session.execute(
            insert(template_versions).values(template_id=template_id, version=1, created_at=now)
        )
        return int(result.inserted_primary_key[0])


async def campaign_row(
    database: Database, clock: Clock, *, state: CampaignState = CampaignState.RUNNING, **values: Any
) -> int:
    now = clock.now()
    version_id = await template_version(database, now, slug=f"t{now.timestamp()}-{id(values)}")
    row = {
        "name": "test campaign",
        "state": state.value,
        "template_version_id": version_id,
        "audience_query": "language IS SET",
        "channels": ["sms", "email"],
        "honour_contact_channel": True,
        "language_fallback": ["en"],
        "starts_at": now,
        "rate_per_second": 1000.0,
        "created_at": now,
        "updated_at": now,
    } | values
    async with database.transaction() as session:
        return int((await session.execute(insert(campaigns).values(**row))).inserted_primary_key[0])


async def queued_messages(
    database: Database, clock: Clock, *, count: int, campaign_id: int | None = None
) -> list[int]:
    """``count`` queued SMS for one run of a running campaign; returns their ids."""
    now = clock.now()
    campaign_id = campaign_id or await campaign_row(database, clock)
    async with database.transaction() as session:
        run_id = (
            await session.execute(
                insert(campaign_runs).values(
                    campaign_id=campaign_id,
                    sequence=1,
                    due_at=now,
                    started_at=now,
                    message_count=count,
                )
            )
        ).inserted_primary_key[0]
        rows = [
            {
                "run_id": run_id,
                "campaign_id": campaign_id,
                "channel": "sms",
                "address": f"+3247{i:07d}",
                "language": "nl",
                "state": MessageState.QUEUED.value,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
                "updated_at": now,
            }
            for i in range(count)
        ]
        await session.execute(insert(messages), rows)
        ids = await session.execute(
            messages.select().with_only_columns(messages.c.id).where(messages.c.run_id == run_id)
        )
        return [int(i) for i in ids.scalars()]


async def user_row(database: Database, clock: Clock, email: str, role: str) -> int:
    from campaign.store.tables import users

    async with database.transaction() as session:
        result = await session.execute(
            insert(users).values(email=email, password_hash="x", role=role, created_at=clock.now())
        )
        return int(result.inserted_primary_key[0])


async def contact_row(database: Database, clock: Clock, **values: Any) -> int:
    """A contact with consent on both channels unless ``values`` say otherwise."""
    from campaign.store.tables import contacts

    now = clock.now()
    row = {
        "language": "nl",
        "time_zone": "Europe/Brussels",
        "attributes": {},
        "consent_sms": True,
        "consent_email": True,
        "created_at": now,
        "updated_at": now,
    } | values
    async with database.transaction() as session:
        return int((await session.execute(insert(contacts).values(**row))).inserted_primary_key[0])


async def sms_and_email_template(database: Database, clock: Clock) -> int:
    """A template version with nl and en variants on both channels."""
    from campaign.messages.library import TemplateSource, VariantSource
    from campaign.template_repository import save_version

    variants = (
        VariantSource("nl", "sms", None, "Dag {{ first_name }}. Hulp? Bel 1700. {{ stop }}"),
        VariantSource("en", "sms", None, "Hello {{ first_name }}. Help? Call 1700. {{ stop }}"),
        VariantSource("nl", "email", "Nieuwe hulp", "Dag {{ first_name }},\n\nBel 1700."),
        VariantSource("en", "email", "New help", "Hello {{ first_name }},\n\nCall 1700."),
    )
    source = TemplateSource("flow", "Flow test", "", variants)
    async with database.transaction() as session:
        return await save_version(session, source, clock.now())
