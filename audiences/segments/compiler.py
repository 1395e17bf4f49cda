"""Compiling a segment syntax tree to a SQLAlchemy condition over ``contacts``.

Never string-built SQL: values are bound parameters. The semantics are the same on SQLite and
PostgreSQL (docs/decisions/0010-segment-semantics.md):

- a comparison with an unset value is false, also under NOT: ``NOT x = "a"`` is compiled as
  ``x is set AND NOT x = "a"``, so it leaves out contacts without ``x`` as ``x != "a"`` does;
- ``=`` and ``IN`` on text ignore case, ``~`` ignores case and accents (one folding table);
- ``=`` and ``IN`` on a municipality, province or region match every name of the place, in any
  language (``municipality = "Gand"`` is ``municipality IN ("Gent", "Gand", "Ghent", …)``;
  audiences/contacts/places.py), so contacts stored before names were normalised match too;
- dates are ISO ``YYYY-MM-DD`` text on both sides, so they compare as dates;
- ``<``, ``>`` and friends are for numbers and dates only;
- ``partner`` is the slug of a partner that owns or contributed the contact (a contact may have
  several): ``partner = "x"`` is an EXISTS over the partners, ``IS SET`` means "has a partner".
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, not_, or_, select, true

from audiences.contacts.model import BUILT_IN_FIELDS, FieldType
from audiences.contacts.places import PLACE_FIELDS, place_names
from audiences.contacts.values import parse_boolean, parse_date, parse_number
from audiences.segments.errors import TypeMismatch, UnknownField
from audiences.segments.folding import CASE_FROM, CASE_TO, FOLD_FROM, FOLD_TO, fold, fold_case
from audiences.segments.syntax import (
    And,
    BareField,
    Comparison,
    InList,
    IsSet,
    Node,
    Not,
    Operator,
    Or,
    Position,
    Value,
)
from campaign.store.tables import contact_partners, contacts, partners

_ORDERING: dict[Operator, Callable[[Any, Any], ColumnElement[bool]]] = {
    Operator.EQ: lambda a, b: a == b,
    Operator.NE: lambda a, b: a != b,
    Operator.LT: lambda a, b: a < b,
    Operator.LE: lambda a, b: a <= b,
    Operator.GT: lambda a, b: a > b,
    Operator.GE: lambda a, b: a >= b,
}


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    type: FieldType
    value: ColumnElement[Any]
    is_set: ColumnElement[bool]
    position: Position

    def mismatch(self, what: str) -> TypeMismatch:
        return TypeMismatch(
            f"{self.name} is a {self.type} field: {what}", self.position.line, self.position.column
        )


def _builtin(name: str, position: Position) -> _Field:
    type_ = BUILT_IN_FIELDS[name]
    if name.startswith("opted_out_"):
        opted_out = contacts.c[f"{name}_at"].is_not(None)
        return _Field(name, type_, opted_out, true(), position)
    column = contacts.c[name]
    if type_ is FieldType.BOOLEAN:
        return _Field(name, type_, column == true(), true(), position)
    return _Field(name, type_, column, and_(column.is_not(None), column != ""), position)


PARTNER = "partner"


def _partner_field(position: Position) -> _Field:
    has_partner = or_(
        contacts.c.owner_partner_id.is_not(None),
        exists(select(contact_partners.c.partner_id).where(_linked())),
    )
    return _Field(PARTNER, FieldType.TEXT, partners.c.slug, has_partner, position)


def _linked() -> ColumnElement[bool]:
    return contact_partners.c.contact_id == contacts.c.id


def _partner_condition(slug: ColumnElement[bool]) -> ColumnElement[bool]:
    """The contact is owned by, or linked to, a partner whose slug satisfies ``slug``."""
    owner = select(partners.c.id).where(partners.c.id == contacts.c.owner_partner_id, slug)
    linked = (
        select(contact_partners.c.partner_id)
        .join(partners, partners.c.id == contact_partners.c.partner_id)
        .where(_linked(), slug)
    )
    return or_(exists(owner), exists(linked))


def _attribute(name: str, type_: FieldType, position: Position) -> _Field:
    element = contacts.c.attributes[name]
    if type_ is FieldType.NUMBER:
        value: ColumnElement[Any] = element.as_float()
    elif type_ is FieldType.BOOLEAN:
        value = element.as_boolean()
    else:
        value = element.as_string()
    truth = value == true() if type_ is FieldType.BOOLEAN else value
    return _Field(name, type_, truth, value.is_not(None), position)


class _Compiler:
    def __init__(self, registry: Mapping[str, object]) -> None:
        self._types = {name: FieldType(str(type_)) for name, type_ in registry.items()}

    def field(self, name: str, position: Position) -> _Field:
        if name == PARTNER:
            return _partner_field(position)
        if name in BUILT_IN_FIELDS:
            return _builtin(name, position)
        if name in self._types:
            return _attribute(name, self._types[name], position)
        known = [*BUILT_IN_FIELDS, PARTNER, *self._types]
        close = difflib.get_close_matches(name, known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise UnknownField(name, position.line, position.column, hint)

    def node(self, node: Node, negate: bool = False) -> ColumnElement[bool]:
        if isinstance(node, Not):
            return self.node(node.operand, not negate)
        if isinstance(node, And | Or):
            parts = [self.node(operand, negate) for operand in node.operands]
            # De Morgan: NOT (a AND b) is (NOT a) OR (NOT b), each keeping its own guard.
            combine = and_ if isinstance(node, And) != negate else or_
            return combine(*parts)
        if isinstance(node, IsSet):
            is_set = self.field(node.field, node.position).is_set
            return not_(is_set) if node.negated != negate else is_set
        return self._condition(node, negate)

    def _condition(
        self, node: Comparison | InList | BareField, negate: bool
    ) -> ColumnElement[bool]:
        field = self.field(node.field, node.position)
        if field.name == PARTNER and isinstance(node, Comparison) and node.operator is Operator.NE:
            # A contact may have several partners: != means "not linked to", like NOT … = ….
            node, negate = dataclasses.replace(node, operator=Operator.EQ), not negate
        if isinstance(node, BareField):
            if field.type is not FieldType.BOOLEAN:
                raise field.mismatch(f"on its own it needs a boolean; try {field.name} IS SET")
            condition = field.value
        elif isinstance(node, InList):
            condition = _in_list(field, node.values)
        else:
            condition = _comparison(field, node.operator, node.value)
        if field.name == PARTNER:
            # The comparison was built on partners.slug: ask whether any partner satisfies it.
            condition = _partner_condition(condition)
        # The guard stays outside the negation: an unset value never matches either way.
        return and_(field.is_set, not_(condition) if negate else condition)


def _operand(field: _Field, value: Value) -> Any:
    """The value as the field's type, for SQL: folded text, a number, an ISO date, a boolean."""
    try:
        if field.type is FieldType.NUMBER:
            return float(value) if isinstance(value, float) else float(parse_number(value))
        if field.type is FieldType.DATE:
            return parse_date(_text(field, value)).isoformat()
        if field.type is FieldType.BOOLEAN:
            return parse_boolean(value if isinstance(value, str) else f"{value:g}")
    except ValueError as exc:
        raise field.mismatch(str(exc)) from exc
    return fold_case(_text(field, value))


def _text(field: _Field, value: Value) -> str:
    if not isinstance(value, str):
        raise field.mismatch(f'expected a "quoted" value, got {value:g}')
    return value


def _folded_case(value: ColumnElement[Any]) -> ColumnElement[str]:
    return func.translate(value, CASE_FROM, CASE_TO)


def _comparison(field: _Field, operator: Operator, value: Value) -> ColumnElement[bool]:
    if operator is Operator.CONTAINS:
        if field.type is not FieldType.TEXT:
            raise field.mismatch("~ (contains) is for text")
        needle = fold(_text(field, value))
        return func.translate(field.value, FOLD_FROM, FOLD_TO).contains(needle, autoescape=True)
    operand = _operand(field, value)
    if field.type is FieldType.BOOLEAN:
        if operator not in (Operator.EQ, Operator.NE):
            raise field.mismatch(f"{operator} needs a number or a date")
        wanted = operand if operator is Operator.EQ else not operand
        return field.value if wanted else not_(field.value)
    if field.type is FieldType.TEXT:
        if operator not in (Operator.EQ, Operator.NE):
            raise field.mismatch(f"{operator} needs a number or a date; use = != IN or ~")
        if field.name in PLACE_FIELDS:
            same = _folded_case(field.value).in_(_place_operands(field, value))
            return same if operator is Operator.EQ else not_(same)
        return _ORDERING[operator](_folded_case(field.value), operand)
    return _ORDERING[operator](field.value, operand)


def _in_list(field: _Field, values: tuple[Value, ...]) -> ColumnElement[bool]:
    if field.type is FieldType.BOOLEAN:
        raise field.mismatch("IN is for text, numbers and dates; use the field on its own")
    operands = [_operand(field, value) for value in values]
    if field.name in PLACE_FIELDS:
        operands = [name for value in values for name in _place_operands(field, value)]
    left = _folded_case(field.value) if field.type is FieldType.TEXT else field.value
    return left.in_(operands)


def _place_operands(field: _Field, value: Value) -> list[str]:
    """Every name of the place ``value`` names, case-folded as ``=`` compares them."""
    return [fold_case(name) for name in place_names(field.name, _text(field, value))]


def compile_query(node: Node, registry: Mapping[str, object]) -> ColumnElement[bool]:
    """The condition over ``contacts`` for a parsed query; registry maps field names to types."""
    return _Compiler(registry).node(node)
