"""Builders for test data, in one place: contacts, fields, CSV files, imports, templates,
campaigns, runs and messages."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from audiences.contacts.addresses import AddressKeys
from audiences.contacts.fields import register_fields
from audiences.contacts.households import record_shared_addresses
from audiences.contacts.model import FieldType, ImportReport
from audiences.importing.importer import import_contacts
from campaign.campaigns.states import CampaignState
from campaign.delivery.states import MessageState
from campaign.kernel.clock import Clock
from campaign.message_templates.repository import save_version
from campaign.messages.library import TemplateSource, VariantSource
from campaign.store.engine import Database
from campaign.store.results import inserted_id
from campaign.store.tables import (
    campaign_runs,
    campaigns,
    contact_partners,
    contacts,
    messages,
    partners,
    suppressions,
    template_versions,
    templates,
    users,
)

# The secret every test builds its services with, so address keys agree everywhere.
TEST_SECRET = "k" * 32
KEYS = AddressKeys(TEST_SECRET.encode())
LANGUAGES = ("nl", "fr", "de", "en")


async def contact(database: Database, clock: Clock, **values: Any) -> int:
    """A contact (Dutch, consent on both channels) with ``values`` on top; returns its id."""
    now = clock.now()
    row: dict[str, Any] = {
        "language": "nl",
        "time_zone": "Europe/Brussels",
        "attributes": {},
        "consent_sms": True,
        "consent_email": True,
        "created_at": now,
        "updated_at": now,
    } | values
    if row.get("phone") and "phone_key" not in values:
        row["phone_key"] = KEYS.key("sms", row["phone"])
    if row.get("email") and "email_key" not in values:
        row["email_key"] = KEYS.key("email", row["email"])
    async with database.transaction() as session:
        result = await session.execute(insert(contacts).values(**row).returning(contacts.c.id))
        # As an import does: a second holder of an address marks it as a household's.
        await record_shared_addresses(session, [row])
        return int(result.scalar_one())


async def register(database: Database, **types: FieldType) -> None:
    async with database.transaction() as session:
        await register_fields(session, types)


def csv_text(rows: Sequence[Mapping[str, str]], delimiter: str = ",") -> str:
    """A CSV file's text with a header from the first row's keys."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=delimiter, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def person(**values: str) -> dict[str, str]:
    """One CSV row of a contact who can be reached by SMS, with ``values`` on top."""
    return {
        "external_id": "",
        "phone": "0470 12 34 56",
        "email": "",
        "language": "nl",
        "first_name": "An",
        "consent_sms": "ja",
        "consent_email": "",
    } | values


async def run_import(
    database: Database,
    clock: Clock,
    data: bytes | str,
    languages: Sequence[str] = LANGUAGES,
    **options: Any,
) -> ImportReport:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return await import_contacts(
        database,
        raw,
        keys=KEYS,
        clock=clock,
        default_region="BE",
        default_time_zone="Europe/Brussels",
        languages=languages,
        **options,
    )


async def all_contacts(database: Database) -> list[dict[str, Any]]:
    async with database.read_session() as session:
        result = await session.execute(select(contacts).order_by(contacts.c.id))
        return [dict(row) for row in result.mappings()]


SMS_BODY = (
    "Hallo {{ first_name }}. {{ measure.title }}. Bel {{ measure.contact_point }}. {{ stop }}"
)


async def template_version(database: Database, now: datetime, slug: str = "t") -> int:
    async with database.transaction() as session:
        template_id = inserted_id(
            await session.execute(insert(templates).values(slug=slug, name=slug, created_at=now))
        )
        result = await session.execute(
            insert(template_versions).values(template_id=template_id, version=1, created_at=now)
        )
        return inserted_id(result)


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
        return inserted_id(await session.execute(insert(campaigns).values(**row)))


async def queued_messages(
    database: Database, clock: Clock, *, count: int, campaign_id: int | None = None
) -> list[int]:
    """``count`` queued SMS for one run of a running campaign; returns their ids."""
    now = clock.now()
    campaign_id = campaign_id or await campaign_row(database, clock)
    async with database.transaction() as session:
        run_id = inserted_id(
            await session.execute(
                insert(campaign_runs).values(
                    campaign_id=campaign_id,
                    sequence=1,
                    due_at=now,
                    started_at=now,
                    message_count=count,
                )
            )
        )
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
    async with database.transaction() as session:
        result = await session.execute(
            insert(users).values(email=email, password_hash="x", role=role, created_at=clock.now())
        )
        return inserted_id(result)


async def sms_and_email_template(database: Database, clock: Clock) -> int:
    """A template version with nl and en variants on both channels."""
    variants = (
        VariantSource("nl", "sms", None, "Dag {{ first_name }}. Hulp? Bel 1700. {{ stop }}"),
        VariantSource("en", "sms", None, "Hello {{ first_name }}. Help? Call 1700. {{ stop }}"),
        VariantSource("nl", "email", "Nieuwe hulp", "Dag {{ first_name }},\n\nBel 1700."),
        VariantSource("en", "email", "New help", "Hello {{ first_name }},\n\nCall 1700."),
    )
    source = TemplateSource("flow", "Flow test", "", variants)
    async with database.transaction() as session:
        return await save_version(session, source, clock.now())


def xlsx_bytes(rows: Sequence[Sequence[object]]) -> bytes:
    """An XLSX workbook whose first sheet holds ``rows`` (None leaves a cell empty)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def message_for(
    database: Database, clock: Clock, contact_id: int, address: str, state: MessageState
) -> int:
    """One message of a new run of a new campaign, sent to ``contact_id`` at ``address``."""
    now = clock.now()
    campaign_id = await campaign_row(database, clock)
    async with database.transaction() as session:
        run_id = inserted_id(
            await session.execute(
                insert(campaign_runs).values(
                    campaign_id=campaign_id, sequence=1, due_at=now, message_count=1
                )
            )
        )
        result = await session.execute(
            insert(messages).values(
                run_id=run_id,
                campaign_id=campaign_id,
                contact_id=contact_id,
                channel="sms",
                address=address,
                language="nl",
                state=state.value,
                attempts=1,
                next_attempt_at=now,
                created_at=now,
                updated_at=now,
                sent_at=now,
            )
        )
        return inserted_id(result)


async def partner_row(database: Database, clock: Clock, slug: str) -> int:
    """A partner organisation; returns its id."""
    async with database.transaction() as session:
        result = await session.execute(
            insert(partners).values(slug=slug, name=slug.title(), created_at=clock.now())
        )
        return inserted_id(result)


async def contact_partner_link(database: Database, contact_id: int, partner_id: int) -> None:
    """Record that a partner contributed a contact (without owning it)."""
    async with database.transaction() as session:
        await session.execute(
            insert(contact_partners).values(contact_id=contact_id, partner_id=partner_id)
        )


async def suppression_row(database: Database, clock: Clock, channel: str, address: str) -> None:
    """Put an address on the suppression list (as its keyed hash)."""
    async with database.transaction() as session:
        await session.execute(
            insert(suppressions).values(
                channel=channel,
                address_key=KEYS.key(channel, address),
                reason="test",
                created_at=clock.now(),
            )
        )


async def sent_message(
    database: Database,
    clock: Clock,
    channel: str,
    address: str,
    language: str = "nl",
    version: int | None = None,
) -> tuple[int, int]:
    """A delivered message of a completed campaign to Ann (``language``): (message, contact).

    The campaign uses template ``version``, by default one with nl and en variants."""
    version = version or await sms_and_email_template(database, clock)
    contact_id = await contact(
        database,
        clock,
        phone="+32470000001",
        email="ann@example.org",
        first_name="Ann",
        language=language,
    )
    campaign = await campaign_row(
        database, clock, state=CampaignState.COMPLETED, template_version_id=version
    )
    now = clock.now()
    async with database.transaction() as session:
        run = await session.execute(
            insert(campaign_runs).values(campaign_id=campaign, sequence=1, due_at=now)
        )
        message = await session.execute(
            insert(messages).values(
                run_id=inserted_id(run),
                campaign_id=campaign,
                contact_id=contact_id,
                channel=channel,
                address=address,
                language=language,
                state=MessageState.DELIVERED.value,
                attempts=1,
                next_attempt_at=now,
                created_at=now,
                updated_at=now,
            )
        )
    return inserted_id(message), contact_id
