"""The segment language evaluated in Python on one contact: the reference the SQL must match.

An independent statement of the semantics, written as three-valued logic: a comparison with an
unset value is *unknown* (None); NOT unknown is unknown; AND and OR follow Kleene's tables; a
contact matches only when the whole query is *true*. The compiler reaches the same answers by
guarding every comparison (compiler.py); property tests hold the two together.

A contact is a mapping with the built-in fields as keys (``opted_out_sms`` and
``opted_out_email`` as booleans), ``attributes`` for the registered ones, and ``partners``: the
slugs of the partners that own or contributed it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from audiences.contacts.model import BUILT_IN_FIELDS, FieldType
from audiences.contacts.places import PLACE_FIELDS, place_names
from audiences.contacts.values import parse_boolean, parse_date, parse_number
from audiences.segments.folding import fold, fold_case
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
    Value,
)

Truth = bool | None
_COMPARE: dict[Operator, Callable[[Any, Any], bool]] = {
    Operator.EQ: lambda a, b: bool(a == b),
    Operator.NE: lambda a, b: bool(a != b),
    Operator.LT: lambda a, b: bool(a < b),
    Operator.LE: lambda a, b: bool(a <= b),
    Operator.GT: lambda a, b: bool(a > b),
    Operator.GE: lambda a, b: bool(a >= b),
}


def matches(node: Node, contact: Mapping[str, Any], registry: Mapping[str, object]) -> bool:
    """Whether the contact is in the segment (the query is true, not false or unknown)."""
    types = {name: FieldType(str(t)) for name, t in registry.items()} | dict(BUILT_IN_FIELDS)
    return _truth(node, contact, types) is True


def _truth(node: Node, contact: Mapping[str, Any], types: Mapping[str, FieldType]) -> Truth:
    if isinstance(node, Not):
        inner = _truth(node.operand, contact, types)
        return None if inner is None else not inner
    if isinstance(node, And):
        values = [_truth(n, contact, types) for n in node.operands]
        return False if False in values else (None if None in values else True)
    if isinstance(node, Or):
        values = [_truth(n, contact, types) for n in node.operands]
        return True if True in values else (None if None in values else False)
    return _leaf(node, contact, types)


def _leaf(
    node: Comparison | InList | IsSet | BareField,
    contact: Mapping[str, Any],
    types: Mapping[str, FieldType],
) -> Truth:
    if node.field == "partner":
        return _partner(node, contact.get("partners", ()))
    type_ = types[node.field]
    value = _value(node.field, type_, contact)
    if isinstance(node, IsSet):
        return (value is None) == node.negated
    if value is None:
        return None
    if isinstance(node, BareField):
        return bool(value)
    if node.field in PLACE_FIELDS and _is_equality(node):
        # A place is the same place under each of its names (Gent, Gand, Ghent).
        wanted = node.values if isinstance(node, InList) else (node.value,)
        names = {fold_case(n) for v in wanted for n in place_names(node.field, _as_text(v))}
        same = fold_case(value) in names
        return same if isinstance(node, InList) or node.operator is Operator.EQ else not same
    if isinstance(node, InList):
        return any(_equal(type_, value, v) for v in node.values)
    if node.operator is Operator.CONTAINS:
        return fold(_as_text(node.value)) in fold(value)
    if type_ is FieldType.TEXT:
        return _COMPARE[node.operator](fold_case(value), fold_case(_as_text(node.value)))
    return _COMPARE[node.operator](value, _operand(type_, node.value))


def _is_equality(node: Comparison | InList) -> bool:
    return isinstance(node, InList) or node.operator in (Operator.EQ, Operator.NE)


def _value(name: str, type_: FieldType, contact: Mapping[str, Any]) -> Any:
    """The contact's value, or None when it is unset."""
    if name in BUILT_IN_FIELDS:
        value = contact.get(name)
        if type_ is FieldType.BOOLEAN:
            return bool(value)  # built-in booleans are always set
        return value or None  # an empty text is unset
    return contact.get("attributes", {}).get(name)


def _operand(type_: FieldType, value: Value) -> Any:
    if type_ is FieldType.NUMBER:
        return value if isinstance(value, float) else float(parse_number(value))
    if type_ is FieldType.DATE:
        return parse_date(_as_text(value)).isoformat()
    if type_ is FieldType.BOOLEAN:
        return parse_boolean(value if isinstance(value, str) else f"{value:g}")
    return fold_case(_as_text(value))


def _equal(type_: FieldType, value: Any, wanted: Value) -> bool:
    if type_ is FieldType.TEXT:
        return bool(fold_case(value) == _operand(type_, wanted))
    return bool(value == _operand(type_, wanted))


def _as_text(value: Value) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a quoted value, got {value:g}")
    return value


def _partner(node: Node, slugs: Any) -> Truth:
    if isinstance(node, IsSet):
        return (not slugs) == node.negated
    if not slugs:
        return None
    if isinstance(node, InList):
        return any(fold_case(s) == fold_case(_as_text(v)) for s in slugs for v in node.values)
    if isinstance(node, Comparison):
        wanted = _as_text(node.value)
        if node.operator is Operator.CONTAINS:
            return any(fold(wanted) in fold(s) for s in slugs)
        linked = any(fold_case(s) == fold_case(wanted) for s in slugs)
        return linked if node.operator is Operator.EQ else not linked
    raise TypeError(f"partner does not take {node!r}")
