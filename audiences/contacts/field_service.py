"""The field registry, for the API: any role reads it; staff who manage contacts extend it.

Registering an attribute before its first import fixes its type, so a column of reference
numbers such as ``0471`` stays text instead of being read as a number. The registry is shared by
the authority and every partner, so only staff (editors and admins) register and label fields;
a partner's import still registers the new columns it brings, as any import does.

Errors are campaign.kernel.errors: NotFound, Forbidden, Conflict, InvalidInput (``where`` names the
field of the request).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Mapping

from audiences.contacts import fields as repository
from audiences.contacts.model import (
    ATTRIBUTE_NAME_RULE,
    BUILT_IN_FIELDS,
    CONTACT_COLUMNS,
    FieldInfo,
    FieldType,
    is_attribute_name,
)
from audiences.segments.compiler import PARTNER
from campaign.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from campaign.kernel.identity import Identity, Permission
from campaign.store.engine import Database


def _may_write(actor: Identity) -> None:
    if actor.is_partner or not actor.may(Permission.CONTACTS):
        raise Forbidden(f"a {actor.role} may read the field registry, not change it")


class FieldRegistry:
    def __init__(self, database: Database, languages: Collection[str]) -> None:
        self._database = database
        self._languages = tuple(languages)

    async def list(self) -> list[FieldInfo]:
        async with self._database.read_session() as session:
            return await repository.list_fields(session)

    async def get(self, name: str) -> FieldInfo:
        async with self._database.read_session() as session:
            found = await repository.find_field(session, name)
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
                "a registered field's type cannot change"
            )
        async with self._database.transaction() as session:
            if not await repository.set_labels(session, name, clean):
                raise NotFound(f"no field {name!r}")
        return await self.get(name)

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
