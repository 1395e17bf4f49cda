"""What an answer may show: only the data within the asker's scope, and for a partner's
campaign only that partner's people, whoever asks.

Each check takes what was seen and returns what is wrong with it, in words (empty: nothing).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from tests.security.access import COUNTS, NOT_APPLICABLE, OWN, Cell, Row
from tests.security.world import PRIVATE_FIELD, Answer, Owner, Who, World

# Whose data each partner-scoped identity may see.
SCOPE: dict[Who, Owner] = {
    Who.PARTNER_A: Owner.PARTNER_A,
    Who.PARTNER_B: Owner.PARTNER_B,
    Who.VIEWER_FOR_A: Owner.PARTNER_A,
}


@dataclass(frozen=True, slots=True)
class Seen:
    world: World
    row: Row
    who: Who
    cell: Cell
    answer: Answer

    @property
    def body(self) -> Any:
        return self.answer.body

    @property
    def asker_scope(self) -> Owner | None:
        """The partner whose data alone the asker may see; None: everyone's."""
        return SCOPE.get(self.who) if OWN in self.cell.shows else None

    @property
    def campaign_scope(self) -> Owner | None:
        """The partner whose people alone a partner's campaign may reach; None: everyone."""
        if self.row.case in (NOT_APPLICABLE, Owner.AUTHORITY):
            return None
        return Owner(self.row.case)


Check = Callable[[Seen], Awaitable[list[str]]]


def _listed(mine: dict[Owner, int], scope: Owner | None, ids: set[int]) -> list[str]:
    expected = {mine[scope]} if scope else set(mine.values())
    problems = [f"does not list {sorted(m)}"] if (m := expected - ids) else []
    hidden = set(mine.values()) - expected
    return problems + ([f"lists another owner's {sorted(s)}"] if (s := hidden & ids) else [])


def _ids(items: list[dict[str, Any]], key: str = "id") -> set[int]:
    return {int(item[key]) for item in items if item.get(key) is not None}


async def _outside(seen: Seen, scope: Owner | None, ids: set[int], what: str) -> list[str]:
    outside = ids - await seen.world.visible_contacts(scope)
    return [f"{what} people outside {scope or 'the service'}: {sorted(outside)}"] if outside else []


async def campaigns(seen: Seen) -> list[str]:
    return _listed(seen.world.campaigns, seen.asker_scope, _ids(seen.body["items"]))


async def segments(seen: Seen) -> list[str]:
    return _listed(seen.world.segments, seen.asker_scope, _ids(seen.body["items"]))


async def contacts(seen: Seen) -> list[str]:
    ids, scope = _ids(seen.body["items"]), seen.asker_scope
    base = seen.world.contacts
    expected = set(base[scope]) if scope else {i for people in base.values() for i in people}
    problems = [f"does not list {sorted(m)}"] if (m := expected - ids) else []
    return problems + await _outside(seen, scope, ids, "lists")


async def contacts_csv(seen: Seen) -> list[str]:
    scope = seen.asker_scope
    problems = []
    for whose, phones in seen.world.phones.items():
        mine = scope is None or whose is scope
        for phone in phones:
            if mine != (phone in seen.body):
                problems.append(f"{'misses' if mine else 'shows'} {whose} {phone}")
    return problems


async def fields(seen: Seen) -> list[str]:
    """The authority's registry for everyone; a partner's own fields for that partner alone."""
    names = {item["name"] for item in seen.body["items"]}
    scope = seen.asker_scope
    mine = {PRIVATE_FIELD[Owner.AUTHORITY]} | ({PRIVATE_FIELD[scope]} if scope else set())
    problems = [f"does not list {sorted(m)}"] if (m := mine - names) else []
    others = set(PRIVATE_FIELD.values()) - mine
    return problems + ([f"lists a partner's {sorted(o)}"] if (o := others & names) else [])


async def segment_preview(seen: Seen) -> list[str]:
    scope, sample = seen.asker_scope, seen.body["sample"]
    problems = await _outside(seen, scope, _ids(sample), "samples")
    if COUNTS in seen.cell.shows and sample:
        problems.append(f"shows personal data: sample {sample}")
    visible = await seen.world.visible_contacts(scope)
    if seen.row.case == "language IS SET" and seen.body["matched"] != len(visible):
        problems.append(f"matched {seen.body['matched']}, not the {len(visible)} in scope")
    return problems


async def campaign_preview(seen: Seen) -> list[str]:
    scope = seen.campaign_scope
    reach = len(await seen.world.visible_contacts(scope))
    if seen.body["recipients"] > reach:
        return [f"counts {seen.body['recipients']} recipients, more than the {reach} in {scope}"]
    return []


async def proofs(seen: Seen) -> list[str]:
    ids = _ids(seen.body["items"], "contact_id")
    return await _outside(seen, seen.campaign_scope, ids, "renders messages for")


async def checks(seen: Seen) -> list[str]:
    findings = seen.body["blocking"] + seen.body["warnings"]
    ids = _ids(findings, "contact_id")
    return await _outside(seen, seen.campaign_scope, ids, "reports findings on")


_CAMPAIGN = "/api/v1/campaigns/{campaign_id}"
CHECKS: dict[tuple[str, str], Check] = {
    ("GET", "/api/v1/campaigns"): campaigns,
    ("GET", "/api/v1/segments"): segments,
    ("GET", "/api/v1/contacts"): contacts,
    ("GET", "/api/v1/contacts/export.csv"): contacts_csv,
    ("GET", "/api/v1/fields"): fields,
    ("POST", "/api/v1/segments/preview"): segment_preview,
    ("GET", _CAMPAIGN + "/preview"): campaign_preview,
    ("GET", _CAMPAIGN + "/preview/messages"): proofs,
    ("GET", _CAMPAIGN + "/checks"): checks,
}


async def out_of_scope(seen: Seen) -> list[str]:
    """What the answer shows that it should not (or misses), for rows whose answer has a scope."""
    check = CHECKS.get((seen.row.method, seen.row.path))
    return await check(seen) if check else []
