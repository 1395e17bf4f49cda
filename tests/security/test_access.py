"""Every route × every identity against the role table of docs/security.md, on SQLite and
PostgreSQL: the status each gets, and that what it sees stays within its scope (another
partner's data, personal data through previews).

The walk goes on past a wrong cell and fails once at the end with every wrong cell, so one run
shows the whole picture.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from campaign.api.openapi import document
from campaign.bootstrap import build
from campaign.campaigns.states import STAFF_ACTIONS
from campaign.kernel.clock import ManualClock
from campaign.settings import load_settings
from campaign.web.app import create_app
from tests.api_client import ClientFactory
from tests.factories import TEST_SECRET
from tests.security.access import Row, role_table
from tests.security.probes import PROBES, Targets
from tests.security.scopes import Seen, out_of_scope
from tests.security.world import Answer, Who, World, build_world, client_sender

_ACTION_ROUTE = "/api/v1/campaigns/{campaign_id}/{action}"


def _documented_operations() -> set[tuple[str, str]]:
    """(method, path) of every operation of the OpenAPI document, staff actions written out."""
    found = set()
    for path, item in document()["paths"].items():
        for method in item:
            if method == "parameters":
                continue
            paths = [path]
            if path == _ACTION_ROUTE:
                paths = [path.replace("{action}", action) for action in STAFF_ACTIONS]
            found |= {(method.upper(), p) for p in paths}
    return found


def test_the_role_table_has_a_row_for_every_documented_operation_and_no_other() -> None:
    in_table = {(row.method, row.path) for row in role_table()}
    documented = _documented_operations()
    assert sorted(documented - in_table) == [], "operations missing from docs/security.md"
    assert sorted(in_table - documented) == [], "rows of docs/security.md for no operation"
    assert sorted(in_table - set(PROBES)) == [], "rows the walk has no request for"
    assert all(set(row.cells) == set(Who) for row in role_table())


def _answer_text(answer: Answer) -> str:
    text = answer.body if isinstance(answer.body, str) else json.dumps(answer.body)
    return text[:300]


@pytest.fixture
async def world(
    migrated_url: str, clock: ManualClock, aiohttp_client: ClientFactory
) -> AsyncIterator[World]:
    settings = load_settings(database_url=migrated_url, secret_key=TEST_SECRET)
    services = build(settings, clock=clock)
    client = await aiohttp_client(create_app(services, close_services=True))
    yield await build_world(services, client_sender(client))


async def _walk_cell(world: World, targets: Targets, row: Row, who: Who) -> str | None:
    cell = row.cells[who]
    probe = PROBES[(row.method, row.path)]
    request = await probe(targets, row.case, cell.status < 300)
    answer = await world.call(
        who, request.method, request.path, json=request.json, data=request.data
    )
    where = f"{row.label} as {who} ({request.method} {request.path})"
    if answer.status != cell.status:
        return f"{where}: expected {cell.status}, got {answer.status}: {_answer_text(answer)}"
    if answer.status >= 300:
        return None
    problems = await out_of_scope(Seen(world, row, who, cell, answer))
    return f"{where}: {'; '.join(problems)}" if problems else None


@pytest.mark.timeout(900)
async def test_every_identity_gets_what_the_role_table_says_on_every_route(world: World) -> None:
    targets = Targets(world)
    wrong = []
    for row in role_table():
        for who in Who:
            found = await _walk_cell(world, targets, row, who)
            if found:
                wrong.append(found)
    assert not wrong, f"{len(wrong)} cells of docs/security.md do not hold:\n" + "\n".join(wrong)
