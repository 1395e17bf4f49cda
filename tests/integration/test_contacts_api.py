"""Contacts through the JSON API, on SQLite and PostgreSQL: import, partner isolation, export,
erasure and staff opt-out (and that an opt-out survives re-import and erasure)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from audiences.segments.reachability import reachable
from campaign.bootstrap import build
from campaign.delivery.states import MessageState
from campaign.demo.contacts import COLUMNS, demo_rows
from campaign.kernel.channel import Channel
from campaign.kernel.clock import ManualClock
from campaign.kernel.identity import Role
from campaign.services import Services
from campaign.settings import load_settings
from campaign.store.engine import Database
from campaign.store.tables import contacts, messages, outbox, suppressions
from campaign.web.app import create_app
from tests.factories import TEST_SECRET, all_contacts, csv_text, message_for, person

ClientFactory = Callable[[web.Application], Awaitable[TestClient[web.Request, web.Application]]]


@dataclass
class Api:
    client: TestClient[web.Request, web.Application]
    services: Services
    keys: dict[str, str]

    async def call(
        self, method: str, path: str, key: str = "editor", data: Any = None, json: Any = None
    ) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {self.keys[key]}"}
        response = await self.client.request(method, path, headers=headers, data=data, json=json)
        if response.status == 204:
            return 204, None
        return response.status, await response.json(content_type=None)

    async def import_csv(self, text: str, key: str = "editor", query: str = "") -> dict[str, Any]:
        status, body = await self.call("POST", f"/api/v1/contacts/import{query}", key, text)
        assert status == 200, body
        return dict(body)


@pytest.fixture
async def api(
    database: Database, clock: ManualClock, aiohttp_client: ClientFactory
) -> AsyncIterator[Api]:
    url = database.engine.url.render_as_string(hide_password=False)
    services = build(load_settings(database_url=url, secret_key=TEST_SECRET), clock=clock)
    accounts = services.accounts
    keys: dict[str, str] = {}
    for role in (Role.EDITOR, Role.VIEWER):
        email = f"{role}@example.org"
        await accounts.create_user(email, role, "a long password")
        keys[role.value] = await accounts.create_api_key(role=role, name=role, user_email=email)
    for slug in ("ngo", "other"):
        await accounts.create_partner(slug, slug.upper())
        keys[slug] = await accounts.create_api_key(role=Role.PARTNER, name=slug, partner_slug=slug)
    client = await aiohttp_client(create_app(services, close_services=True))
    yield Api(client, services, keys)


async def _topics(database: Database) -> list[tuple[str, dict[str, Any]]]:
    async with database.read_session() as session:
        rows = await session.execute(select(outbox.c.topic, outbox.c.payload).order_by(outbox.c.id))
        return [(t, dict(p)) for t, p in rows]


async def test_import_reports_broken_rows_with_their_lines_and_columns(api: Api) -> None:
    text = (
        "external_id;GSM;email;language;first_name;consent_sms;age\n"
        "p1;0470 12 34 56;;nl;An;ja;70\n"
        'p2;0470 12 34 57;;nl;"Jan\nPeeters";misschien;71\n'  # two physical lines
        "p3;12;;fr;Luc;oui;40\n"
        "p4;;not-an-email;xx;Els;;\n"
        "p5;+32 470 12 34 58;;de;Jörg;ja;\n"
    )
    body = await api.import_csv(text, query="?map=GSM:phone")
    rejected = [(r["line"], r["column"]) for r in body["rejected"]]
    assert sorted(rejected) == [(3, "consent_sms"), (5, "phone"), (6, "email"), (6, "language")]
    assert (body["created"], body["updated"], body["unchanged"]) == (2, 0, 0)
    assert body["detected"] == {
        "format": "csv",
        "encoding": "utf-8",
        "delimiter": ";",
        "rows": 5,
        "columns": {name: name for name in text.split("\n")[0].split(";")} | {"GSM": "phone"},
        "attributes": {"age": "number"},
        "new_fields": ["age"],
    }
    dry = await api.import_csv(text, query="?map=GSM:phone&dry_run=true")
    assert dry["dry_run"] is True and (dry["created"], dry["unchanged"]) == (0, 2)


async def test_a_partner_imports_and_sees_only_its_own_contacts(api: Api) -> None:
    await api.import_csv(csv_text([person(external_id="a", phone="0470 00 00 01")]))
    await api.import_csv(csv_text([person(external_id="a", phone="0470 00 00 02")]), key="ngo")
    await api.import_csv(csv_text([person(external_id="a", phone="0470 00 00 03")]), key="other")
    authority, ngo, other = await all_contacts(api.services.database)
    assert (authority["owner_partner_id"], ngo["phone"]) == (None, "+32470000002")
    status, body = await api.call("GET", f"/api/v1/contacts/{ngo['id']}/export", "ngo")
    assert status == 200 and body["owner_partner"] == "ngo" and body["partners"] == ["ngo"]
    for contact_id in (authority["id"], other["id"]):
        status, _ = await api.call("GET", f"/api/v1/contacts/{contact_id}/export", "ngo")
        assert status == 404
        status, _ = await api.call("DELETE", f"/api/v1/contacts/{contact_id}", "ngo")
        assert status == 404
    status, _ = await api.call("GET", f"/api/v1/contacts/{ngo['id']}/export", "editor")
    assert status == 200  # staff see every contact
    status, _ = await api.call("GET", f"/api/v1/contacts/{ngo['id']}/export", "viewer")
    assert status == 403


async def test_export_gives_consent_opt_outs_partners_and_messages(
    api: Api, clock: ManualClock
) -> None:
    row = person(external_id="x1", consent_source="OCMW intake", first_name="=HYPERLINK(1)")
    await api.import_csv(csv_text([row]), key="ngo")
    (contact,) = await all_contacts(api.services.database)
    await message_for(
        api.services.database, clock, contact["id"], "+32470123456", MessageState.DELIVERED
    )
    body = {"channel": "email", "reason": "asked by phone"}
    status, _ = await api.call("POST", f"/api/v1/contacts/{contact['id']}/opt-out", json=body)
    assert status == 200
    status, data = await api.call("GET", f"/api/v1/contacts/{contact['id']}/export", "ngo")
    assert status == 200
    assert data["phone"] == "+32470123456" and data["first_name"] == "=HYPERLINK(1)"
    assert data["consent"]["sms"] == {
        "given": True,
        "source": "OCMW intake",
        "at": clock.now().isoformat(),
    }
    assert data["opted_out"] == {"sms": None, "email": clock.now().isoformat()}
    assert data["partners"] == ["ngo"]
    (message,) = data["messages"]
    assert (message["state"], message["address"]) == ("delivered", "+32470123456")
    assert message["sent_at"] == clock.now().isoformat()
    exported = [p for t, p in await _topics(api.services.database) if t == "contact.exported"]
    assert exported == [
        {"contact_id": contact["id"], "actor": "key:ngo", "at": clock.now().isoformat()}
    ]


async def test_erasure_removes_personal_data_and_keeps_message_counts(
    api: Api, clock: ManualClock
) -> None:
    await api.import_csv(csv_text([person(external_id="e1", email="an@example.org")]))
    (contact,) = await all_contacts(api.services.database)
    for state in (MessageState.DELIVERED, MessageState.FAILED_PERMANENT):
        await message_for(api.services.database, clock, contact["id"], "+32470123456", state)
    status, _ = await api.call("DELETE", f"/api/v1/contacts/{contact['id']}")
    assert status == 204
    (erased,) = await all_contacts(api.services.database)
    personal = ("phone", "email", "phone_key", "email_key", "first_name", "consent_sms_source")
    assert all(erased[c] is None for c in personal)
    assert erased["attributes"] == {} and erased["erased_at"] == clock.now()
    async with api.services.database.read_session() as session:
        rows = (await session.execute(select(messages.c.state, messages.c.address))).all()
    assert sorted(rows) == [("delivered", None), ("failed_permanent", None)]
    erasures = [p for t, p in await _topics(api.services.database) if t == "contact.erased"]
    assert erasures == [
        {"contact_id": contact["id"], "actor": "editor@example.org", "at": clock.now().isoformat()}
    ]
    status, _ = await api.call("DELETE", f"/api/v1/contacts/{contact['id']}")
    assert status == 204  # erasing twice changes nothing, records nothing more
    assert len([t for t, _ in await _topics(api.services.database) if t == "contact.erased"]) == 1
    again = await api.import_csv(csv_text([person(external_id="e1")]))
    assert again["created"] == 0 and again["rejected"][0]["column"] == "external_id"


async def _reachable_by_sms(database: Database) -> int:
    async with database.read_session() as session:
        query = select(func.count()).select_from(contacts).where(reachable(Channel.SMS))
        return int((await session.execute(query)).scalar_one())


async def test_an_opt_out_survives_re_import_and_erasure(api: Api) -> None:
    row = person(external_id="o1", consent_sms="ja")
    await api.import_csv(csv_text([row]))
    (contact,) = await all_contacts(api.services.database)
    assert await _reachable_by_sms(api.services.database) == 1
    body = {"channel": "sms", "reason": "asked at the counter"}
    status, answer = await api.call("POST", f"/api/v1/contacts/{contact['id']}/opt-out", json=body)
    assert status == 200 and answer["changed"] is True
    reimport = await api.import_csv(csv_text([row | {"first_name": "Anne"}]))
    assert reimport["updated"] == 1
    (updated,) = await all_contacts(api.services.database)
    assert updated["opted_out_sms_at"] is not None and updated["consent_sms"] is True
    assert await _reachable_by_sms(api.services.database) == 0
    status, _ = await api.call("DELETE", f"/api/v1/contacts/{contact['id']}")
    assert status == 204
    # The same person, imported afresh under a new id, is still suppressed.
    await api.import_csv(csv_text([row | {"external_id": "o2"}]))
    assert await _reachable_by_sms(api.services.database) == 0
    async with api.services.database.read_session() as session:
        kept = (await session.execute(select(func.count()).select_from(suppressions))).scalar()
    assert kept == 1
    topics = [t for t, _ in await _topics(api.services.database)]
    assert topics.count("contact.opted_out") == 1


_BROKEN = {
    100: {"phone": "12", "email": ""},
    1500: {"language": "xx"},
    3000: {"consent_sms": "misschien"},
    4999: {"phone": "", "email": "not an address"},
}


def _realistic_export() -> tuple[list[dict[str, str]], bytes]:
    """5,000 demo rows with four broken ones, as Belgian Excel saves them (BOM, semicolons)."""
    rows = demo_rows(5000)
    for index, values in _BROKEN.items():
        rows[index] |= values
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, delimiter=";", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return rows, out.getvalue().encode("utf-8-sig")


async def test_a_realistic_5000_row_export_rejects_exactly_the_broken_lines(api: Api) -> None:
    _, data = _realistic_export()
    status, body = await api.call("POST", "/api/v1/contacts/import", "editor", data)
    assert status == 200
    assert sorted({r["line"] for r in body["rejected"]}) == [i + 2 for i in sorted(_BROKEN)]
    assert body["created"] == 5000 - len(_BROKEN) and body["ambiguous"] == []
    assert body["detected"]["encoding"] == "utf-8-sig" and body["detected"]["rows"] == 5000
    assert len(await all_contacts(api.services.database)) == 5000 - len(_BROKEN)


_YES = {"ja", "oui", "yes"}


def _sms_by_hand(rows: list[dict[str, str]], wanted: Callable[[dict[str, str]], bool]) -> Any:
    """The preview's SMS figures worked out from the file's rows, in the documented order."""
    matched = [r for i, r in enumerate(rows) if i not in _BROKEN and wanted(r)]
    excluded = {"no_address": 0, "no_consent": 0, "duplicate_address": 0}
    seen: set[str] = set()
    for row in matched:  # in file order, which is id order: the first of a household is reached
        phone = row["phone"].replace(" ", "")
        phone = "+32" + phone[1:] if phone.startswith("0") else phone
        if not phone:
            excluded["no_address"] += 1
        elif row["consent_sms"] not in _YES:
            excluded["no_consent"] += 1
        elif phone in seen:
            excluded["duplicate_address"] += 1
        else:
            seen.add(phone)
    return len(matched), len(seen), excluded


async def test_previews_of_the_realistic_export_match_counts_worked_out_by_hand(api: Api) -> None:
    rows, data = _realistic_export()
    assert (await api.call("POST", "/api/v1/contacts/import", "editor", data))[0] == 200
    queries: list[tuple[str, Callable[[dict[str, str]], bool]]] = [
        ('language = "fr" AND age >= 65', lambda r: r["language"] == "fr" and int(r["age"]) >= 65),
        (
            'temporary_unemployed AND municipality IN ("Gent", "antwerpen")',
            lambda r: (
                r["temporary_unemployed"] == "yes" and r["municipality"] in ("Gent", "Antwerpen")
            ),
        ),
        (
            'region = "brussel" OR lives_alone',
            lambda r: r["region"] == "Brussel" or r["lives_alone"] == "yes",
        ),
        ("email IS NOT SET", lambda r: not r["email"]),
    ]
    for query, wanted in queries:
        status, preview = await api.call(
            "POST", "/api/v1/segments/preview", "editor", json={"query": query}
        )
        assert status == 200, preview
        matched, reachable, excluded = _sms_by_hand(rows, wanted)
        assert matched > 0, query  # a query that matches nobody would prove little
        got = {r: n for r, n in preview["excluded"]["sms"].items() if n}
        assert (preview["matched"], preview["reachable"]["sms"]) == (matched, reachable), query
        assert got == {r: n for r, n in excluded.items() if n}, query


async def test_contacts_are_listed_by_page_and_query_within_what_the_actor_sees(
    api: Api,
) -> None:
    staff = [person(external_id=f"s{i}", phone=f"0470 00 00 1{i}") for i in range(3)]
    staff[1] |= {"language": "fr"}
    await api.import_csv(csv_text(staff))
    await api.import_csv(csv_text([person(external_id="n1", phone="0470 00 00 21")]), key="ngo")
    await api.import_csv(csv_text([person(external_id="o1", phone="0470 00 00 31")]), key="other")
    status, page = await api.call("GET", "/api/v1/contacts?limit=2")
    assert status == 200, page
    assert [c["external_id"] for c in page["items"]] == ["s0", "s1"]
    assert page["next_after"] == page["items"][-1]["id"]
    status, rest = await api.call("GET", f"/api/v1/contacts?limit=2&after={page['next_after']}")
    assert [c["external_id"] for c in rest["items"]] == ["s2", "n1"] and rest["next_after"]
    status, last = await api.call("GET", f"/api/v1/contacts?limit=2&after={rest['next_after']}")
    assert [c["external_id"] for c in last["items"]] == ["o1"] and last["next_after"] is None
    assert last["items"][0]["owner_partner"] == "other"
    assert last["items"][0]["phone"] == "+32470000031"
    status, ngo = await api.call("GET", "/api/v1/contacts", "ngo")
    assert [(c["external_id"], c["partners"]) for c in ngo["items"]] == [("n1", ["ngo"])]
    status, french = await api.call("GET", "/api/v1/contacts?query=language%20%3D%20%22FR%22")
    assert [c["external_id"] for c in french["items"]] == ["s1"]
    (first, *_) = await all_contacts(api.services.database)
    assert (await api.call("DELETE", f"/api/v1/contacts/{first['id']}"))[0] == 204
    status, everyone = await api.call("GET", "/api/v1/contacts")
    assert "s0" not in [c["external_id"] for c in everyone["items"]]  # erased: not listed


async def test_listing_contacts_needs_the_contacts_permission_and_a_query_that_parses(
    api: Api,
) -> None:
    status, problem = await api.call("GET", "/api/v1/contacts", "viewer")
    assert status == 403, problem
    status, problem = await api.call("GET", "/api/v1/contacts?query=agee%20%3E%3D%2065")
    assert status == 422 and problem["where"] == "query", problem
    assert "line 1, column 1" in problem["detail"]
    status, problem = await api.call("GET", "/api/v1/contacts?limit=0")
    assert status == 422 and problem["where"] == "limit", problem


async def _csv_export(
    api: Api, query: str = "", key: str = "editor", delimiter: str = "semicolon"
) -> tuple[int, bytes, Any]:
    headers = {"Authorization": f"Bearer {api.keys[key]}"}
    params = {"query": query, "delimiter": delimiter}
    response = await api.client.get("/api/v1/contacts/export.csv", params=params, headers=headers)
    return response.status, await response.read(), response.headers


async def test_a_csv_export_is_safe_in_a_spreadsheet_and_imports_back_unchanged(
    api: Api,
) -> None:
    rows = [
        person(
            external_id="c1",
            first_name='=HYPERLINK("http://x")',
            email="zoe@example.org",
            consent_email="oui",
        )
        | {"debt": "-120,5", "since": "2021-03-01", "alone": "ja"},
        person(external_id="c2", phone="+32 470 00 00 02", first_name="Zoë")
        | {"debt": "", "since": "", "alone": "nee"},
    ]
    await api.import_csv(csv_text(rows, delimiter=";"))
    status, data, headers = await _csv_export(api)
    assert status == 200 and headers["Content-Type"] == "text/csv; charset=utf-8"
    assert data.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert lines[0][:3] == ["external_id", "phone", "email"]
    assert lines[0][-3:] == ["alone", "debt", "since"]
    first = dict(zip(lines[0], lines[1], strict=True))
    assert first["first_name"] == '\'=HYPERLINK("http://x")' and first["phone"] == "'+32470123456"
    assert (first["debt"], first["since"], first["alone"]) == ("'-120.5", "2021-03-01", "yes")
    assert (first["consent_sms"], first["consent_email"]) == ("yes", "yes")
    assert dict(zip(lines[0], lines[2], strict=True))["first_name"] == "Zoë"
    again = await api.import_csv(data.decode("utf-8-sig"))
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2), again
    assert again["rejected"] == []


async def test_a_csv_export_is_scoped_filtered_audited_and_checked_first(api: Api) -> None:
    await api.import_csv(
        csv_text([person(external_id="s1"), person(external_id="s2", language="fr")])
    )
    await api.import_csv(csv_text([person(external_id="n1", phone="0470 00 00 21")]), key="ngo")
    status, data, _ = await _csv_export(api, key="ngo")
    body = data.decode("utf-8-sig").splitlines()
    assert status == 200 and [line.split(";")[0] for line in body[1:]] == ["n1"]
    status, data, _ = await _csv_export(api, query='language = "fr"')
    assert [line.split(";")[0] for line in data.decode("utf-8-sig").splitlines()[1:]] == ["s2"]
    audited = [p for t, p in await _topics(api.services.database) if t == "contacts.exported"]
    assert [(p["actor"], p["query"], p["partner_id"] is None) for p in audited] == [
        ("key:ngo", "", False),
        ("editor@example.org", 'language = "fr"', True),
    ]
    # The comma export below is audited too; the refused ones are not.
    status, problem, headers = await _csv_export(api, query='languag = "fr"')
    assert status == 422 and headers["Content-Type"].startswith("application/problem+json")
    assert b"did you mean 'language'" in problem
    status, data, _ = await _csv_export(api, query='language = "fr"', delimiter="comma")
    assert data.decode("utf-8-sig").splitlines()[1].startswith("s2,'+32470123456,")
    status, problem, _ = await _csv_export(api, delimiter="tab")
    assert status == 422 and b"delimiter" in problem
    status, _, _ = await _csv_export(api, key="viewer")
    assert status == 403
    topics = [t for t, _ in await _topics(api.services.database)]
    assert topics.count("contacts.exported") == 3  # refused exports are not recorded
