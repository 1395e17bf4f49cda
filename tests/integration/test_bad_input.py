"""Bad input of every kind found in issue #15 is a 4xx problem naming where it is wrong, on
SQLite and PostgreSQL alike: bodies in another charset or not UTF-8, JSON nested too deep,
NUL characters, integers beyond 64 bits and Unicode digits as ids, numbers that are not finite,
moments at the edge of the calendar, texts longer than their column, damaged workbooks.

Each test sends what made a 500 before (the issue's adversarial run) and checks the answer a
client can act on: the status, the problem's ``type`` and ``where``.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from campaign.api.problems import PROBLEM_BASE
from campaign.cli import main
from campaign.kernel import limits
from tests.api_client import Api
from tests.factories import xlsx_bytes
from tests.raw_http import raw_exchange

INVALID = PROBLEM_BASE + "invalid-input"
NOT_FOUND = PROBLEM_BASE + "not-found"
SMS = "Hallo {{ first_name }}, er is hulp. Bel 02 555 12 12. Stop: antwoord STOP"


async def _send(
    api: Api, method: str, path: str, body: bytes, content_type: str = "application/json"
) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {api.keys['editor']}", "Content-Type": content_type}
    response = await api.client.request(method, path, data=body, headers=headers)
    return response.status, await response.json(content_type=None)


def _refused(status: int, problem: Any, where: str, kind: str = INVALID, code: int = 422) -> None:
    assert (status, problem["type"], problem.get("where")) == (code, kind, where), problem


async def _template_version(api: Api) -> int:
    version = {"name": "Help", "variants": [{"language": "nl", "channel": "sms", "body": SMS}]}
    status, saved, _ = await api.call("POST", "/api/v1/templates/help/versions", json=version)
    assert status == 201, saved
    return int(saved["id"])


def _campaign(version: int, **raw: str) -> bytes:
    """A campaign body with some members written as raw JSON text (``Infinity``, huge ints)."""
    fields = {
        "name": '"Energy help"',
        "template_version_id": str(version),
        "audience_query": '"language = \\"nl\\""',
        "starts_at": '"2030-03-02T09:00:00+01:00"',
        "channels": '["sms"]',
    } | raw
    return ("{" + ", ".join(f'"{k}": {v}' for k, v in fields.items()) + "}").encode()


async def test_a_json_body_in_another_charset_or_not_utf8_is_refused(api: Api) -> None:
    body = b'{"name": "Gent", "query": "language = \\"nl\\""}'
    status, problem = await _send(
        api, "POST", "/api/v1/segments", body, "application/json; charset=foo"
    )
    _refused(status, problem, "Content-Type", PROBLEM_BASE + "unsupported-media-type", 415)
    latin = '{"name": "Liège", "query": "language = \\"fr\\""}'.encode("latin-1")
    status, problem = await _send(api, "POST", "/api/v1/segments", latin)
    _refused(status, problem, "body")
    assert "0xe8" in problem["detail"]
    status, problem = await _send(
        api, "POST", "/api/v1/segments", body, "application/json; charset=UTF-8"
    )
    assert status == 201, problem


async def test_json_nested_deeper_than_the_limit_is_refused(api: Api) -> None:
    status, problem = await _send(api, "POST", "/api/v1/segments", b"[" * 5000 + b"]" * 5000)
    _refused(status, problem, "body")
    version = await _template_version(api)
    context = '{"a": ' * 40 + "1" + "}" * 40
    status, problem = await _send(
        api,
        "POST",
        f"/api/v1/template-versions/{version}/preview",
        f'{{"context": {context}}}'.encode(),
    )
    assert status == 422 and problem["where"].startswith("context.a.a"), problem


async def test_nul_characters_are_refused_before_the_database(api: Api) -> None:
    nul = '"Gent\\u0000"'
    status, problem = await _send(
        api, "POST", "/api/v1/segments", f'{{"name": {nul}, "query": "region IS SET"}}'.encode()
    )
    _refused(status, problem, "name")
    status, problem = await _send(
        api, "POST", "/api/v1/segments/preview", b'{"query": "first_name = \\"a\\u0000\\""}'
    )
    _refused(status, problem, "query")
    status, problem, _ = await api.call(
        "GET", "/api/v1/contacts?query=first_name%20%3D%20%22%00%22"
    )
    _refused(status, problem, "query")
    version = {"name": "x", "variants": [{"language": "nl", "channel": "sms", "body": SMS}]}
    status, problem, _ = await api.call("POST", "/api/v1/templates/a%00b/versions", json=version)
    _refused(status, problem, "slug")
    status, listed, _ = await api.call("GET", "/api/v1/segments")
    assert listed["items"] == [] and status == 200


async def test_a_segment_query_nested_past_the_parser_is_refused_where_it_is(api: Api) -> None:
    query = "(" * 400 + 'language = "nl"' + ")" * 400
    for path, body in (
        ("/api/v1/segments/preview", {"query": query}),
        ("/api/v1/segments", {"name": "Deep", "query": query}),
    ):
        status, problem, _ = await api.call("POST", path, json=body)
        _refused(status, problem, "query")


async def test_ids_are_ascii_digits_within_63_bits(api: Api) -> None:
    version = await _template_version(api)
    status, created = await _send(api, "POST", "/api/v1/campaigns", _campaign(version))
    assert status == 201 and created["id"] == 1, created
    for path in ("%D9%A1", "%EF%BC%91", "9223372036854775808", "1" + "0" * 40):
        status, problem, _ = await api.call("GET", f"/api/v1/campaigns/{path}")
        assert (status, problem["type"]) == (404, NOT_FOUND), (path, problem)
    for query in ("limit=%D9%A1", "offset=1_0", "limit=%2B5", "offset=" + "9" * 30):
        status, problem, _ = await api.call("GET", f"/api/v1/campaigns?{query}")
        _refused(status, problem, query.split("=")[0])


async def test_integers_beyond_64_bits_in_a_body_are_refused_where_they_are(api: Api) -> None:
    version = await _template_version(api)
    huge = "9223372036854775808"
    cases = [
        (_campaign(version, template_version_id=huge), "template_version_id"),
        (_campaign(version, measure_ids=f"[1, {huge}]"), "measure_ids.1"),
        (_campaign(version, segment_id="1" + "0" * 5000), "segment_id"),
    ]
    for body, where in cases:
        status, problem = await _send(api, "POST", "/api/v1/campaigns", body)
        _refused(status, problem, where)
    status, problem = await _send(
        api,
        "POST",
        f"/api/v1/template-versions/{version}/preview",
        f'{{"measure_id": {huge}}}'.encode(),
    )
    _refused(status, problem, "measure_id")


async def test_a_spend_cap_that_is_not_a_finite_number_is_refused(api: Api) -> None:
    version = await _template_version(api)
    for raw in ("Infinity", "-Infinity", "NaN", "1e400"):
        status, problem = await _send(
            api, "POST", "/api/v1/campaigns", _campaign(version, spend_cap=raw)
        )
        _refused(status, problem, "spend_cap")
    status, created = await _send(
        api, "POST", "/api/v1/campaigns", _campaign(version, spend_cap="1e300")
    )
    assert status == 201, created
    response = await api.client.get(
        "/api/v1/campaigns", headers={"Authorization": f"Bearer {api.keys['editor']}"}
    )
    listed = json.loads(await response.text(), parse_constant=_not_json)  # as strict clients do
    assert [c["spend_cap"] for c in listed["items"]] == [1e300]


def _not_json(constant: str) -> None:
    raise ValueError(f"{constant} is not JSON")


@pytest.mark.parametrize(
    ("member", "moment"),
    [
        ("starts_at", "9999-12-31T23:59:59-05:00"),
        ("starts_at", "0001-01-01T00:00:00+05:00"),
        ("window_ends_at", "9999-12-31T23:59:59+00:00"),
    ],
)
async def test_campaign_moments_at_the_calendar_edge_are_refused(
    api: Api, member: str, moment: str
) -> None:
    version = await _template_version(api)
    status, problem = await _send(
        api, "POST", "/api/v1/campaigns", _campaign(version, **{member: f'"{moment}"'})
    )
    _refused(status, problem, member)


async def test_measure_validity_at_the_calendar_edge_is_refused(api: Api) -> None:
    measure = {
        "slug": "energy",
        "level": "federal",
        "theme": "energy",
        "translations": {"nl": {"title": "Energie"}},
    }
    for member, moment in (
        ("valid_from", "0001-01-01T00:00:00+05:00"),
        ("valid_until", "9999-12-31T23:59:59-05:00"),
    ):
        status, problem, _ = await api.call(
            "POST", "/api/v1/measures", json=measure | {member: moment}
        )
        _refused(status, problem, member)


async def test_a_template_slug_longer_than_its_column_is_refused(api: Api) -> None:
    version = {"name": "x", "variants": [{"language": "nl", "channel": "sms", "body": SMS}]}
    status, problem, _ = await api.call(
        "POST", f"/api/v1/templates/{'a' * 101}/versions", json=version
    )
    _refused(status, problem, "slug")
    status, saved, _ = await api.call(
        "POST", f"/api/v1/templates/{'a' * 100}/versions", json=version
    )
    assert status == 201, saved


async def test_template_blocks_nested_too_deep_are_a_problem_of_the_template(api: Api) -> None:
    body = "{% if true %}" * 400 + "Bel 02 555 12 12" + "{% endif %}" * 400
    version = {"name": "x", "variants": [{"language": "nl", "channel": "sms", "body": body}]}
    status, problem, _ = await api.call("POST", "/api/v1/templates/deep/versions", json=version)
    assert (status, problem["type"]) == (422, INVALID), problem
    assert "nested too deeply" in problem["detail"]


async def test_an_import_with_overlong_cells_rejects_those_rows_and_keeps_the_rest(
    api: Api,
) -> None:
    rows = [
        "external_id,phone,language,first_name,postcode,consent_sms,consent_at",
        f"1,+32470000001,nl,{'A' * 201},1000,yes,2020-01-01",
        f"2,+32470000002,nl,Bo,{'1' * 17},yes,2020-01-01",
        "3,+32470000003,nl,Cas,1000,yes,0001-01-01T00:00:00",
        "4,+32470000004,nl,Dirk,1000,yes,9999-12-31T23:30:00-05:00",
        "5,+32470000005,nl,Ella,1000,yes,2020-01-01",
    ]
    status, report, _ = await api.call(
        "POST", "/api/v1/contacts/import", data="\n".join(rows).encode()
    )
    assert status == 200 and report["created"] == 1, report
    rejected = [(r["line"], r["column"]) for r in report["rejected"]]
    assert rejected == [(2, "first_name"), (3, "postcode"), (4, "consent_at"), (5, "consent_at")]
    assert report["rejected"][0]["reason"] == "201 characters long; at most 200 fit"


def _rebuilt(workbook: bytes, part: str, data: bytes | None) -> bytes:
    """``workbook`` with ``part`` replaced by ``data`` (None: left out)."""
    source = zipfile.ZipFile(io.BytesIO(workbook))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            replaced = data if name == part else source.read(name)
            if replaced is not None:
                target.writestr(name, replaced)
    return out.getvalue()


_SHEET = "xl/worksheets/sheet1.xml"
_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
    + b"".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode() for i in range(8)
    )
    + b']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&i;</t></is></c></row></sheetData>'
    b"</worksheet>"
)


def damaged_workbooks() -> dict[str, bytes]:
    """Workbooks that made the import fail with a 500 (and the CLI with a traceback)."""
    good = xlsx_bytes([["external_id", "phone", "language"], ["1", "+32470000001", "nl"]])
    sheet = zipfile.ZipFile(io.BytesIO(good)).read(_SHEET)
    return {
        "sheet cut short": _rebuilt(good, _SHEET, sheet[: len(sheet) // 2]),
        "no sheet": _rebuilt(good, _SHEET, None),
        "entities without end": _rebuilt(good, _SHEET, _LAUGHS),
        "a cell beyond the last column": _rebuilt(
            good, _SHEET, sheet.replace(b'r="A1"', b'r="ZZZZZZ1"')
        ),
        "content types damaged": _rebuilt(good, "[Content_Types].xml", b"<Types"),
    }


async def test_a_damaged_workbook_is_a_rejected_file_with_its_reason(api: Api) -> None:
    for name, data in damaged_workbooks().items():
        status, report, _ = await api.call("POST", "/api/v1/contacts/import", data=data)
        assert status == 200, (name, report)
        assert [(r["line"], r["column"]) for r in report["rejected"]] == [(1, "")], name
        assert report["created"] == 0, name
        assert "cannot be read" in report["rejected"][0]["reason"] or (
            "no sheet" in report["rejected"][0]["reason"]
        ), (name, report)


async def _chunks(size: int) -> AsyncIterator[bytes]:
    for _ in range(size // 65536 + 1):
        yield b" " * 65536


async def test_bodies_over_their_limit_are_refused_before_they_are_read(api: Api) -> None:
    # Declared too big: answered at once, though the body never comes.
    for path, limit in (
        ("/api/v1/segments", limits.JSON_BODY_MAX_BYTES),
        ("/api/v1/contacts/import", limits.BODY_MAX_BYTES),
    ):
        head = (
            f"POST {path} HTTP/1.1\r\nAuthorization: Bearer {api.keys['editor']}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {limit + 1}\r\n\r\n"
        )
        status, answer = await raw_exchange(api.client, head.encode())
        assert status == 413, answer
        problem = json.loads(answer.split(b"\r\n\r\n", 1)[1])
        assert (problem["type"], problem["where"]) == (PROBLEM_BASE + "too-large", "body")
    # Sent without a length (chunked): refused once the limit is passed.
    response = await api.client.post(
        "/api/v1/segments",
        data=_chunks(limits.JSON_BODY_MAX_BYTES),
        headers={"Authorization": f"Bearer {api.keys['editor']}"},
    )
    assert response.status == 413, await response.text()


async def test_an_api_key_that_is_not_text_is_unauthorised(api: Api) -> None:
    # The second starts as every key does, so it reaches the key's digest.
    for key in (b"\xff\xfe", b"cmp_\xff\xfe"):
        status, answer = await raw_exchange(
            api.client,
            b"GET /api/v1/campaigns HTTP/1.1\r\nAuthorization: Bearer " + key + b"\r\n\r\n",
        )
        assert status == 401, (key, answer)
        assert PROBLEM_BASE.encode() + b"unauthorised" in answer


def test_the_cli_reports_a_damaged_workbook_without_a_traceback(tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"CAMPAIGN_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'campaign.db'}"}
    for name, data in damaged_workbooks().items():
        source = tmp_path / "contacts.xlsx"
        source.write_bytes(data)
        result = runner.invoke(
            main, ["contacts", "import", str(source)], env=env, catch_exceptions=False
        )
        assert result.exit_code == 0, (name, result.output)
        assert "line 1" in result.output and "Traceback" not in result.output, result.output
