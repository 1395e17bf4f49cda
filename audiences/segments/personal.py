"""Which conditions of a query read personal data, for roles that may count people but not
read who they are (viewers and approvers: the roles that may not read contacts).

A count answers a yes-or-no question about the people it covers: with ``phone ~ "0470"`` and
its neighbours a count spells a phone number out digit by digit, and two counts that differ
by one person tell that person's attribute. So such roles may only ask how many people a
channel reaches where, in which language, with which consent: the fields below. The
identifiers (``external_id``, ``phone``, ``email``, ``first_name``) and every attribute are
personal data (decision 0033). Any other name is refused too, registered or not, so the
refusal tells nothing of which attributes exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from audiences.segments.compiler import PARTNER
from audiences.segments.syntax import And, Node, Not, Or, Position

# Where and how people are reached: counted by anyone who may read segments.
COUNTABLE_FIELDS = frozenset(
    {
        "language",
        "preferred_channel",
        "time_zone",
        "postcode",
        "municipality",
        "province",
        "region",
        "consent_sms",
        "consent_email",
        "opted_out_sms",
        "opted_out_email",
        PARTNER,
    }
)


@dataclass(frozen=True, slots=True)
class PersonalCondition:
    field: str
    position: Position

    def __str__(self) -> str:
        return f"{self.field} (line {self.position.line}, column {self.position.column})"


def personal_conditions(query: Node) -> list[PersonalCondition]:
    """The conditions of ``query`` on personal fields, in the order they are written."""
    found: list[PersonalCondition] = []
    waiting: list[Node] = [query]
    while waiting:  # a loop, not recursion: a deeply nested query cannot exhaust the stack
        node = waiting.pop()
        if isinstance(node, Not):
            waiting.append(node.operand)
        elif isinstance(node, And | Or):
            waiting.extend(reversed(node.operands))
        elif node.field not in COUNTABLE_FIELDS:
            found.append(PersonalCondition(node.field, node.position))
    return found


def countable_fields_sentence() -> str:
    """The fields a count-only role may filter on, for error messages and docs."""
    return ", ".join(sorted(COUNTABLE_FIELDS))
