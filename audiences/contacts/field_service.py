"""The field registry, for the API: any role reads it; staff who manage contacts extend it.

Registering an attribute before its first import fixes its type, so a column of reference
numbers such as ``0471`` stays text instead of being read as a number. The shared registry is
read by the authority and every partner, so only staff (editors and admins) register and label
its fields. A partner's import registers the new columns it brings as the partner's own
fields, which only that partner sees (and at most ``PARTNER_FIELD_CAP`` of them).

A field fixed to the wrong type is converted by an admin, with every stored value, in one
transaction: all values convert and the type changes, or nothing changes and the refusal names
the first values that do not convert (``conversion`` says how a value converts). Saved segments
must still run afterwards (a segment is checked when saved, and promised to run).

Errors are campaign.kernel.errors: NotFound, Forbidden, Conflict, InvalidInput (``where`` names the
field of the request).
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from audiences.contacts import fields as repository
from audiences.contacts.audit import record_many
from audiences.contacts.conversion import (
    SHOWN_FAILURES,
    FieldConversion,
    Unconvertible,
    converted,
    same_stored,
)
from audiences.contacts.model import (
    ATTRIBUTE_NAME_RULE,
    BUILT_IN_FIELDS,
    CONTACT_COLUMNS,
    FieldInfo,
    FieldType,
    is_attribute_name,
)
from audiences.segments import SegmentError, audience_condition
from audiences.segments.compiler import PARTNER
from audiences.segments.repository import list_segments
from campaign.kernel.clock import Clock
from campaign.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from campaign.kernel.identity import Identity, Permission
from campaign.store.engine import Database

log = logging.getLogger(__name__)

FIELD_CONVERTED = "contacts.field_converted"
_BATCH = 1000  # contacts read, converted and written at a time, within the one transaction


def _may_write(actor: Identity) -> None:
    if actor.is_partner or not actor.may(Permission.CONTACTS):
        raise Forbidden(f"a {actor.role} may read the field registry, not change it")


class FieldRegistry:
    def __init__(self, database: Database, languages: Collection[str], clock: Clock) -> None:
        self._database = database
        self._languages = tuple(languages)
        self._clock = clock

    async def list(self, actor: Identity) -> list[FieldInfo]:
        """The fields the actor may name: built-ins, shared ones, and a partner's own."""
        async with self._database.read_session() as session:
            return await repository.list_fields(session, actor.partner_id)

    async def get(self, name: str, actor: Identity | None = None) -> FieldInfo:
        """A field the actor sees (without an actor: a built-in or shared one)."""
        partner_id = None if actor is None else actor.partner_id
        async with self._database.read_session() as session:
            found = await repository.find_field(session, name, partner_id)
        if found is None:
            raise NotFound(f"no field {name!r}")
        return found

    async def define(
        self, actor: Identity, name: str, type_: FieldType, labels: Mapping[str, str]
    ) -> FieldInfo:
        """Register an attribute ahead of an import, with its type and labels."""
        _may_write(actor)
        if name in BUILT_IN_FIELDS or name in CONTACT_COLUMNS or name == PARTNER:
            raise Conflict(f"{name!r} is a built-in field")
        if not is_attribute_name(name):
            raise InvalidInput(f"{name!r}: {ATTRIBUTE_NAME_RULE}", where="name")
        clean = self._labels(labels)
        async with self._database.transaction() as session:
            try:
                await repository.check_new_fields(session, [name], None)
            except repository.FieldsRefused as exc:
                raise Conflict(str(exc)) from exc
            if not await repository.add_field(session, name, type_, clean):
                existing = await repository.find_field(session, name)
                kind = existing.type if existing else "registered"
                raise Conflict(f"the field {name!r} is registered already (as {kind})")
        return await self.get(name)

    async def relabel(
        self, actor: Identity, name: str, labels: Mapping[str, str], type_: FieldType | None
    ) -> FieldInfo:
        """Replace an attribute's labels; its type, if given, must be the one it has."""
        _may_write(actor)
        clean = self._labels(labels)
        current = await self.get(name)
        if current.built_in:
            raise Conflict(f"{name!r} is a built-in field: the service labels it")
        if type_ is not None and type_ is not current.type:
            raise Conflict(
                f"{name!r} is a {current.type} field and its values are stored so: "
                f"a registered field's type changes only by converting its values: "
                f"POST /api/v1/fields/{name}/convert (admins)"
            )
        async with self._database.transaction() as session:
            if not await repository.set_labels(session, name, clean):
                raise NotFound(f"no field {name!r}")
        return await self.get(name)

    async def convert(self, actor: Identity, name: str, type_: FieldType) -> FieldConversion:
        """Change an attribute's type and rewrite every stored value as the new type, or
        change nothing (Conflict) when a value does not convert or a saved segment would no
        longer run."""
        if not actor.may(Permission.FIELD_TYPES):
            raise Forbidden(f"a {actor.role} may not convert a field's type; an admin may")
        current = await self.get(name)
        if current.built_in:
            raise Conflict(f"{name!r} is a built-in field: its type is the service's")
        if type_ is current.type:
            return FieldConversion(current, current.type, 0)
        now = self._clock.now()
        async with self._database.transaction() as session:
            await _check_segments_still_run(session, name, type_)
            # First, so the field's row is held until the values are rewritten.
            if not await repository.set_type(session, name, current.type, type_):
                raise Conflict(f"{name!r} was changed meanwhile; look at it again")
            rewritten = await _rewrite_values(session, name, current.type, type_, now)
            details = {"field": name, "from": current.type.value, "to": type_.value}
            await record_many(
                session, FIELD_CONVERTED, actor.label, now, **details, contacts=rewritten
            )
        log.info("field %s converted from %s to %s by %s", name, current.type, type_, actor.label)
        return FieldConversion(await self.get(name), current.type, rewritten)

    def _labels(self, labels: Mapping[str, str]) -> dict[str, str]:
        clean: dict[str, str] = {}
        for language, label in labels.items():
            where = f"labels.{language}"
            if language not in self._languages:
                known = ", ".join(self._languages)
                raise InvalidInput(f"{where}: not a language of the service ({known})", where)
            if not label.strip():
                raise InvalidInput(f"{where}: a label cannot be empty", where=where)
            if any(unicodedata.category(c) == "Cc" for c in label):
                raise InvalidInput(f"{where}: a label is one line of text", where=where)
            clean[language] = " ".join(label.split())
        return dict(sorted(clean.items()))


async def _check_segments_still_run(session: AsyncSession, name: str, type_: FieldType) -> None:
    """Conflict naming the saved segments that run now but would not with ``name`` as ``type_``."""
    before = await repository.load_registry(session)
    after = {**before, name: type_}
    broken: list[str] = []
    offset = 0
    while found := await list_segments(session, None, limit=500, offset=offset):
        offset += len(found)
        for segment in found:
            if _runs(segment.query, before) and not _runs(segment.query, after):
                broken.append(f"{segment.name!r} ({segment.id})")
    if broken:
        raise Conflict(
            f"saved segments use {name!r} as a {before[name]} field and would no longer run as "
            f"{type_}: {', '.join(broken)}; change their queries first; nothing was changed"
        )


def _runs(query: str, registry: Mapping[str, FieldType]) -> bool:
    try:
        audience_condition(query, registry)
    except SegmentError:
        return False
    return True


async def _rewrite_values(
    session: AsyncSession, name: str, old: FieldType, new: FieldType, now: datetime
) -> int:
    """Rewrite every stored value of ``name`` as ``new``; Conflict naming the first values that
    do not convert (the caller's transaction then changes nothing). How many were rewritten."""
    failures: list[Unconvertible] = []
    failed = rewritten = after = 0
    while batch := await repository.contacts_holding(session, name, after=after, limit=_BATCH):
        after = batch[-1][0]
        changes: list[tuple[int, dict[str, Any]]] = []
        for contact_id, attributes in batch:
            value = attributes[name]
            try:
                new_value = converted(value, new)
            except ValueError:
                failed += 1
                if len(failures) < SHOWN_FAILURES:
                    failures.append(Unconvertible(contact_id, value))
                continue
            if not same_stored(value, new_value):
                changes.append((contact_id, attributes | {name: new_value}))
        if not failed:  # once one fails, nothing will be kept: only count the rest
            await repository.write_attributes(session, changes, now)
            rewritten += len(changes)
    if failed:
        shown = "; ".join(str(f) for f in failures)
        more = f" (and {failed - len(failures)} more)" if failed > len(failures) else ""
        raise Conflict(
            f"{failed} stored values of {name!r} do not read as {new}, so nothing was changed "
            f"and it stays {old}: {shown}{more}. Correct them (by an import or by hand) and "
            "convert again"
        )
    return rewritten
