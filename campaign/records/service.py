"""A person's records across the service: import, export, erasure and staff opt-out.

Composes ``audiences`` (the contact, its partners, suppression) with the messages the service
sent to the person, in one transaction each, audited through the outbox
(``audiences.contacts.audit``).
A partner acts only on contacts it owns or is linked to; anything else is "not found".
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from datetime import datetime
from typing import IO, Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from audiences.contacts import audit
from audiences.contacts.addresses import AddressKeys
from audiences.contacts.fields import list_fields
from audiences.contacts.households import rebuild_shared_addresses
from audiences.contacts.model import ImportReport
from audiences.contacts.optout import opt_out_contact
from audiences.contacts.privacy import (
    contact_json,
    contact_page,
    contacts_json,
    erase_contact_row,
    owner_slug,
    partner_id_of,
    partner_links,
    visible_contact,
)
from audiences.importing.importer import Progress, import_contacts
from audiences.importing.spreadsheet import contact_cells, contact_header
from audiences.segments.service import query_condition
from campaign.kernel.channel import Channel
from campaign.kernel.clock import Clock
from campaign.kernel.errors import Forbidden, NotFound
from campaign.kernel.identity import Identity, Permission
from campaign.kernel.work import Workshop
from campaign.messages.language import SUPPORTED_LANGUAGES
from campaign.store.engine import Database
from campaign.store.tables import messages


def _may_manage(identity: Identity) -> None:
    if not identity.may(Permission.CONTACTS):
        raise Forbidden(f"the {identity.role} role may not manage contacts")


def _scope(identity: Identity) -> int | None:
    return identity.partner_id if identity.is_partner else None


async def _visible(session: AsyncSession, identity: Identity, contact_id: int) -> dict[str, Any]:
    row = await visible_contact(session, contact_id, _scope(identity))
    if row is None:
        raise NotFound(f"no contact {contact_id}")
    return row


EXPORT_PAGE = 1000


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


async def _messages_of(session: AsyncSession, contact_id: int) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(messages).where(messages.c.contact_id == contact_id).order_by(messages.c.id)
    )
    return [
        {
            "id": m["id"],
            "campaign_id": m["campaign_id"],
            "channel": m["channel"],
            "address": m["address"],
            "language": m["language"],
            "state": m["state"],
            "reason": m["reason"],
            "created_at": _iso(m["created_at"]),
            "sent_at": _iso(m["sent_at"]),
            "final_at": _iso(m["final_at"]),
        }
        for m in rows.mappings()
    ]


class ContactRecords:
    """A person's records, for the API and the CLI; every use is checked against the actor."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        address_keys: AddressKeys,
        *,
        default_region: str,
        default_time_zone: str,
        work: Workshop | None = None,
    ) -> None:
        self.database = database
        self.clock = clock
        self.address_keys = address_keys
        self.default_region = default_region
        self.default_time_zone = default_time_zone
        self.work = work  # where a file is read and checked, off the event loop

    async def import_file(
        self,
        identity: Identity,
        data: bytes | IO[bytes],
        *,
        dry_run: bool = False,
        mapping: Mapping[str, str] | None = None,
        progress: Progress | None = None,
    ) -> ImportReport:
        """Import a contact file: a partner's contacts are its own, staff's the authority's."""
        _may_manage(identity)
        if identity.is_partner and identity.partner_id is None:
            raise Forbidden("this partner key belongs to no partner")
        return await import_contacts(
            self.database,
            data,
            keys=self.address_keys,
            clock=self.clock,
            default_region=self.default_region,
            default_time_zone=self.default_time_zone,
            languages=SUPPORTED_LANGUAGES,
            owner_partner_id=_scope(identity),
            dry_run=dry_run,
            mapping=mapping,
            progress=progress,
            work=self.work,
        )

    async def list_contacts(
        self, identity: Identity, query: str, *, after_id: int, limit: int
    ) -> list[dict[str, Any]]:
        """A page of the contacts the actor may see that match ``query`` (all when it is empty),
        by id after ``after_id``; erased contacts are left out."""
        _may_manage(identity)
        async with self.database.read_session() as session:
            condition = await query_condition(session, query, _scope(identity))
            rows = await contact_page(
                session, condition, _scope(identity), after_id=after_id, limit=limit
            )
            return await contacts_json(session, rows)

    async def contact_table(
        self, identity: Identity, query: str
    ) -> AsyncGenerator[list[list[str]], None]:
        """The contacts a query matches as spreadsheet rows, page by page, the header first.

        The first page is read before anything is yielded, so a query the database refuses fails
        before an answer starts and is not recorded; then the export is audited
        (``contacts.exported``, naming the actor and the query). Each page is read in a short
        session of its own, so a slow reader holds no transaction open; a contact added meanwhile
        with a higher id is in the file.
        """
        _may_manage(identity)
        scope = _scope(identity)
        async with self.database.read_session() as session:
            condition = await query_condition(session, query, scope)
            attributes = [f.name for f in await list_fields(session, scope) if not f.built_in]
            rows = await contact_page(session, condition, scope, after_id=0, limit=EXPORT_PAGE)
        async with self.database.transaction() as session:
            await audit.record_many(
                session,
                audit.LIST_EXPORTED,
                identity.label,
                self.clock.now(),
                query=query,
                partner_id=scope,
            )
        yield [contact_header(attributes)] + [contact_cells(row, attributes) for row in rows]
        while len(rows) == EXPORT_PAGE:
            async with self.database.read_session() as session:
                rows = await contact_page(
                    session, condition, scope, after_id=rows[-1]["id"], limit=EXPORT_PAGE
                )
            yield [contact_cells(row, attributes) for row in rows]

    async def export_contact(self, identity: Identity, contact_id: int) -> dict[str, Any]:
        """Everything held about the person, as JSON; the export itself is audited."""
        _may_manage(identity)
        now = self.clock.now()
        async with self.database.transaction() as session:
            row = await _visible(session, identity, contact_id)
            owner = await owner_slug(session, row["owner_partner_id"])
            data = contact_json(row, owner, await partner_links(session, contact_id))
            data["messages"] = await _messages_of(session, contact_id)
            await audit.record(session, audit.EXPORTED, contact_id, identity.label, now)
        return data

    async def erase_contact(self, identity: Identity, contact_id: int) -> bool:
        """Erase the person's data for good; False when it was erased before (nothing changes)."""
        _may_manage(identity)
        now = self.clock.now()
        async with self.database.transaction() as session:
            row = await _visible(session, identity, contact_id)
            if row["erased_at"] is not None:
                return False
            await erase_contact_row(session, contact_id, now)
            await session.execute(
                update(messages).where(messages.c.contact_id == contact_id).values(address=None)
            )
            await audit.record(session, audit.ERASED, contact_id, identity.label, now)
        return True

    async def opt_out(
        self, identity: Identity, contact_id: int, channel: Channel, reason: str
    ) -> bool:
        """Staff (or a partner, for its contacts) opt a person out of a channel; audited."""
        _may_manage(identity)
        now = self.clock.now()
        source = f"{'partner' if identity.is_partner else 'staff'}: {identity.label}: {reason}"
        async with self.database.transaction() as session:
            await _visible(session, identity, contact_id)
            return await opt_out_contact(
                session, self.address_keys, contact_id, channel, source, now
            )

    async def partner_id(self, slug: str) -> int | None:
        """The id of the partner called ``slug``, if there is one."""
        async with self.database.read_session() as session:
            return await partner_id_of(session, slug)

    async def rebuild_households(self) -> int:
        """Recompute the addresses several contacts share; how many there are now."""
        async with self.database.transaction() as session:
            return await rebuild_shared_addresses(session)
