"""A field fixed to the wrong type is converted by an admin, with every stored value, or not at
all. Through the HTTP API on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from audiences.contacts.field_service import FIELD_CONVERTED
from campaign.kernel.identity import Role
from campaign.store.tables import contacts, outbox
from tests.api_client import Api

_CSV = (
    "external_id;phone;language;file_number;member\n"
    "a;0470 11 11 11;nl;0471;ja\n"
    "b;0470 22 22 22;nl;1200;nee\n"
    "c;0470 33 33 33;nl;;ja\n"
)


async def _setup(api: Api, csv: str = _CSV, **types: str) -> None:
    accounts = api.services.accounts
    await accounts.create_user("admin@example.org", Role.ADMIN, "a long password")
    api.keys["admin"] = await accounts.create_api_key(
        role=Role.ADMIN, name="admin", user_email="admin@example.org"
    )
    for name, type_ in types.items():
        status, body, _ = await api.call(
            "POST", "/api/v1/fields", json={"name": name, "type": type_}
        )
        assert status == 201, body
    status, body, _ = await api.call("POST", "/api/v1/contacts/import", data=csv.encode())
    assert status == 200 and not body["rejected"], body


async def _stored(api: Api, name: str) -> dict[str, Any]:
    async with api.services.database.read_session() as session:
        rows = await session.execute(
            select(contacts.c.external_id, contacts.c.attributes).order_by(contacts.c.id)
        )
        return {row.external_id: row.attributes.get(name) for row in rows}


async def _convert(api: Api, name: str, type_: str, key: str = "admin") -> tuple[int, Any]:
    status, body, _ = await api.call(
        "POST", f"/api/v1/fields/{name}/convert", json={"type": type_}, key=key
    )
    return status, body


async def test_a_text_field_whose_values_are_numbers_becomes_a_number_field(api: Api) -> None:
    await _setup(api, file_number="text")
    assert await _stored(api, "file_number") == {"a": "0471", "b": "1200", "c": None}
    status, problem, _ = await api.call(
        "POST", "/api/v1/segments/preview", json={"query": "file_number > 400"}
    )
    assert status == 422, problem

    status, body = await _convert(api, "file_number", "number")
    assert status == 200, body
    assert body["field"]["type"] == "number" and body["previous_type"] == "text"
    assert (body["changed"], body["rewritten"]) == (True, 2)
    assert await _stored(api, "file_number") == {"a": 471, "b": 1200, "c": None}
    status, got, _ = await api.call("GET", "/api/v1/fields/file_number", key="viewer")
    assert got["type"] == "number"
    status, preview, _ = await api.call(
        "POST", "/api/v1/segments/preview", json={"query": "file_number > 1000"}
    )
    assert (status, preview["matched"]) == (200, 1), preview
    # Imports from now on read the column as numbers.
    csv = "external_id;phone;language;file_number\nd;0470 44 44 44;nl;veel\n"
    status, report, _ = await api.call("POST", "/api/v1/contacts/import", data=csv.encode())
    assert report["rejected"][0]["column"] == "file_number", report

    async with api.services.database.read_session() as session:
        events = (
            await session.execute(select(outbox.c.payload).where(outbox.c.topic == FIELD_CONVERTED))
        ).scalars()
        payloads = [{k: e[k] for k in ("actor", "field", "from", "to", "contacts")} for e in events]
    assert payloads == [
        {
            "actor": "admin@example.org",
            "field": "file_number",
            "from": "text",
            "to": "number",
            "contacts": 2,
        }
    ]


async def test_values_that_do_not_convert_are_named_and_nothing_changes(api: Api) -> None:
    csv = "external_id;phone;language;file_number\n" + "".join(
        f"x{i};0470 00 00 {i:02};nl;{value}\n"
        for i, value in enumerate(["12", "onbekend", "14", "n/a", *["?"] * 6])
    )
    await _setup(api, csv, file_number="text")
    before = await _stored(api, "file_number")
    ids = {row: number for number, row in enumerate(before, start=1)}

    status, problem = await _convert(api, "file_number", "number")
    assert status == 409, problem
    detail = problem["detail"]
    assert detail.startswith("8 stored values of 'file_number' do not read as number")
    assert "nothing was changed and it stays text" in detail
    assert f"contact {ids['x1']}: 'onbekend'; contact {ids['x3']}: 'n/a'" in detail
    assert "(and 3 more)" in detail and f"contact {ids['x0']}:" not in detail
    assert await _stored(api, "file_number") == before  # "12" stays text, though it converts
    _, got, _ = await api.call("GET", "/api/v1/fields/file_number", key="viewer")
    assert got["type"] == "text"


async def test_any_value_becomes_text_and_booleans_read_as_yes_or_no(api: Api) -> None:
    await _setup(api)
    assert await _stored(api, "member") == {"a": True, "b": False, "c": True}
    assert await _stored(api, "file_number") == {"a": 471, "b": 1200, "c": None}

    status, body = await _convert(api, "member", "text")
    assert (status, body["rewritten"]) == (200, 3), body
    assert await _stored(api, "member") == {"a": "yes", "b": "no", "c": "yes"}
    status, body = await _convert(api, "member", "boolean")
    assert status == 200 and await _stored(api, "member") == {"a": True, "b": False, "c": True}
    status, body = await _convert(api, "file_number", "text")
    assert status == 200 and await _stored(api, "file_number") == {
        "a": "471",
        "b": "1200",
        "c": None,
    }
    status, problem = await _convert(api, "file_number", "date")
    assert status == 409 and "do not read as date" in problem["detail"], problem


async def test_converting_to_the_type_a_field_has_changes_nothing(api: Api) -> None:
    await _setup(api)
    status, body = await _convert(api, "file_number", "number")
    assert (status, body["changed"], body["rewritten"]) == (200, False, 0), body


async def test_a_saved_segment_that_would_no_longer_run_stops_the_conversion(api: Api) -> None:
    await _setup(api)
    segment = {"name": "Big files", "query": "file_number > 1000"}
    status, saved, _ = await api.call("POST", "/api/v1/segments", json=segment)
    assert status == 201, saved
    status, problem = await _convert(api, "file_number", "text")
    assert status == 409, problem
    assert f"'Big files' ({saved['id']})" in problem["detail"]
    assert "change their queries first" in problem["detail"]
    assert await _stored(api, "file_number") == {"a": 471, "b": 1200, "c": None}


async def test_only_admins_convert_and_only_attributes(api: Api) -> None:
    await _setup(api)
    for key in ("editor", "approver", "viewer", "partner"):
        status, problem = await _convert(api, "file_number", "text", key=key)
        assert status == 403 and "an admin may" in problem["detail"], (key, problem)
    cases = [
        ("language", "number", 409, "built-in"),
        ("nothing", "number", 404, "nothing"),
        ("file_number", "colour", 422, "type"),
    ]
    for name, type_, expected, words in cases:
        status, problem = await _convert(api, name, type_)
        assert status == expected and words in problem["detail"], (name, problem)
    status, problem, _ = await api.call(
        "PATCH", "/api/v1/fields/file_number", json={"labels": {}, "type": "text"}
    )
    assert status == 409 and "/api/v1/fields/file_number/convert" in problem["detail"]
    assert await _stored(api, "file_number") == {"a": 471, "b": 1200, "c": None}
