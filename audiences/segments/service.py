"""Saved segments and previews, for the API: who may do what, and queries checked on save.

Staff see and manage every segment; a partner only its own. Reading and previewing need any
role; writing needs the ``contacts`` permission (editors, admins, partners). A query is parsed
and compiled against the field registry before it is saved, so a saved segment always runs.
Roles that may not read contacts (viewers, approvers) get counts only from a preview, with no
sample, and may not filter on personal fields (audiences/segments/personal.py).

Errors are campaign.kernel.errors: NotFound, Forbidden, Conflict, InvalidInput (``where="query"``,
the message naming the line and column).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from audiences.contacts.fields import load_registry
from audiences.segments import audience_condition, parse, repository
from audiences.segments.errors import SegmentError
from audiences.segments.personal import countable_fields_sentence, personal_conditions
from audiences.segments.preview import Preview, preview
from audiences.segments.repository import SavedSegment, SegmentInUse
from campaign.kernel import limits
from campaign.kernel.clock import Clock
from campaign.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from campaign.kernel.identity import Identity, Permission
from campaign.store.engine import Database
from campaign.store.tables import campaigns

MAX_SAMPLE = limits.PREVIEW_SAMPLE_MAX


def scope(actor: Identity) -> int | None:
    """The partner whose data the actor is limited to; None for staff."""
    return actor.partner_id if actor.is_partner else None


def _may_write(actor: Identity) -> None:
    if not actor.may(Permission.CONTACTS):
        raise Forbidden(f"a {actor.role} may read and preview segments, not change them")


def _invalid(error: SegmentError) -> InvalidInput:
    return InvalidInput(f"the query cannot be used: {error}", where="query")


# Campaign states (campaign.campaigns.states) in which a campaign was checked or approved on
# its segment's query and has not read it for a run yet: changing the query would change whom
# it writes to behind the approver's back.
_APPROVED_ON_IT = ("awaiting_approval", "scheduled")


async def _not_awaiting_a_start(session: AsyncSession, segment_id: int) -> None:
    rows = await session.execute(
        select(campaigns.c.id, campaigns.c.state).where(
            campaigns.c.segment_id == segment_id, campaigns.c.state.in_(_APPROVED_ON_IT)
        )
    )
    waiting = [f"{row.id} ({row.state})" for row in rows]
    if waiting:
        raise Conflict(
            f"campaign {', '.join(waiting)} was checked on this segment's query and has not "
            "started: withdraw it first, so its new audience is checked and approved again"
        )


async def query_condition(
    session: AsyncSession, query: str, partner_id: int | None = None
) -> ColumnElement[bool]:
    """The condition of ``query`` over the fields ``partner_id`` sees (the shared registry and
    its own; every contact when it is empty); InvalidInput with the line and column when it
    cannot be used."""
    if not query.strip():
        return true()
    try:
        return audience_condition(query, await load_registry(session, partner_id))
    except SegmentError as exc:
        raise _invalid(exc) from exc


class Segments:
    def __init__(self, database: Database, clock: Clock) -> None:
        self._database = database
        self._clock = clock

    async def list(self, actor: Identity, *, limit: int, offset: int) -> list[SavedSegment]:
        async with self._database.read_session() as session:
            return await repository.list_segments(session, scope(actor), limit=limit, offset=offset)

    async def get(self, actor: Identity, segment_id: int) -> SavedSegment:
        async with self._database.read_session() as session:
            found = await repository.get_segment(session, segment_id, scope(actor))
        if found is None:
            raise NotFound(f"no segment {segment_id}")
        return found

    async def create(self, actor: Identity, name: str, query: str) -> SavedSegment:
        _may_write(actor)
        async with self._database.transaction() as session:
            await query_condition(session, query, scope(actor))
            segment_id = await repository.insert_segment(
                session,
                name=name,
                query=query,
                owner_partner_id=scope(actor),
                created_by=actor.user_id,
                now=self._clock.now(),
            )
        return await self.get(actor, segment_id)

    async def update(self, actor: Identity, segment_id: int, name: str, query: str) -> SavedSegment:
        _may_write(actor)
        async with self._database.transaction() as session:
            await query_condition(session, query, scope(actor))
            current = await repository.get_segment(session, segment_id, scope(actor))
            if current is not None and current.query != query:
                await _not_awaiting_a_start(session, segment_id)
            changed = await repository.update_segment(
                session, segment_id, scope(actor), name=name, query=query, now=self._clock.now()
            )
        if not changed:
            raise NotFound(f"no segment {segment_id}")
        return await self.get(actor, segment_id)

    async def delete(self, actor: Identity, segment_id: int) -> None:
        _may_write(actor)
        try:
            async with self._database.transaction() as session:
                deleted = await repository.delete_segment(session, segment_id, scope(actor))
        except SegmentInUse as exc:
            raise Conflict(f"segment {segment_id} is used by a campaign") from exc
        if not deleted:
            raise NotFound(f"no segment {segment_id}")

    async def preview(self, actor: Identity, query: str, sample_size: int = 5) -> Preview:
        """Counts and a masked sample, over the contacts the actor may see; counts only, and
        no condition on personal fields, for a role that may not read contacts."""
        size = max(0, min(sample_size, MAX_SAMPLE))
        if not actor.reads_personal_data:
            _counts_only(actor, query)
            size = 0
        try:
            return await preview(self._database, query, partner_id=scope(actor), sample_size=size)
        except SegmentError as exc:
            raise _invalid(exc) from exc


def _counts_only(actor: Identity, query: str) -> None:
    """Forbidden when ``query`` filters on personal fields, for an actor that may count
    people but not read them; InvalidInput when it is not a query."""
    try:
        personal = personal_conditions(parse(query))
    except SegmentError as exc:
        raise _invalid(exc) from exc
    if personal:
        raise Forbidden(
            f"a {actor.role} may count people but not filter them on personal data: "
            f"{', '.join(str(p) for p in personal)}; a preview for this role may use "
            f"{countable_fields_sentence()}"
        )
