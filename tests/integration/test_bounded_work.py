"""No single request freezes the service (decision 0032): oversized inputs are refused before the
work they would cost, and CPU-heavy work waits in the workshop while ``/healthz`` answers.

What is asserted is an order of events (a heavy request still open when /healthz answers) and
counters (no rendering started), never how long anything took.
"""

from __future__ import annotations

import asyncio
import io
import json
import threading
from collections.abc import Callable
from functools import cache
from typing import Any

from campaign.kernel.limits import (
    PREVIEW_CONTEXT_TEXT_MAX,
    SEGMENT_QUERY_MAX,
    WORK_THREADS,
    XLSX_SHARED_STRINGS_MAX,
)
from tests.api_client import Api
from tests.workbooks import contact_sheet

_SETTLED = 30.0  # seconds before a test gives up waiting, so a bug fails instead of hanging
_MEGABYTE = 1024 * 1024
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _version() -> dict[str, Any]:
    return {
        "name": "Energy help",
        "variants": [
            {
                "language": "nl",
                "channel": "sms",
                "body": "Dag {{ first_name }}. Bel 1700. {{ stop }}",
            }
        ],
    }


async def _saved_version(api: Api) -> int:
    status, saved, _ = await api.call("POST", "/api/v1/templates/energy/versions", json=_version())
    assert status == 201, saved
    return int(saved["id"])


async def _send(
    api: Api, path: str, body: bytes, key: str, content_type: str = "application/json"
) -> tuple[int, Any]:
    """A big body, streamed (the client warns that bytes this size would hold its loop)."""
    headers = {"Authorization": f"Bearer {api.keys[key]}", "Content-Type": content_type}
    response = await api.client.post(path, data=io.BytesIO(body), headers=headers)
    return response.status, await response.json(content_type=None)


async def _until(condition: Callable[[], bool]) -> None:
    for _ in range(int(_SETTLED / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never came true")


def _spin(started: threading.Semaphore, release: threading.Event) -> None:
    """CPU work in Python, holding the interpreter lock but at its switch interval."""
    started.release()
    turns = 0
    while not release.is_set():
        turns += 1


async def test_healthz_answers_while_heavy_requests_wait_for_the_busy_workshop(
    api: Api,
) -> None:
    version = await _saved_version(api)
    work = api.services.work
    started, release = threading.Semaphore(0), threading.Event()
    spinning = [
        asyncio.create_task(work.run(_spin, started, release, what="spinning"))
        for _ in range(WORK_THREADS)
    ]
    try:
        for _ in spinning:  # every worker thread is busy now
            assert await asyncio.to_thread(started.acquire, True, _SETTLED)
        preview = asyncio.create_task(
            api.call("POST", f"/api/v1/template-versions/{version}/preview", json={})
        )
        check = asyncio.create_task(
            api.call(
                "POST",
                "/api/v1/messages/check",
                json={"channel": "sms", "language": "nl", "text": "Bel 1700. " * 2000},
            )
        )
        await _until(lambda: work.started["the preview"] + work.started["checking the text"] == 2)
        health = await api.client.get("/healthz")
        assert health.status == 200
        assert not preview.done() and not check.done()  # still waiting for a thread
    finally:
        release.set()
        await asyncio.gather(*spinning)
    (status, answer, _), (checked, _, _) = await asyncio.gather(preview, check)
    assert (status, checked) == (200, 200), answer
    assert answer["items"][0]["rendered"]["text"].startswith("Dag Sanne.")


async def test_a_preview_value_over_its_limit_is_refused_before_anything_is_rendered(
    api: Api,
) -> None:
    version = await _saved_version(api)
    path = f"/api/v1/template-versions/{version}/preview"
    huge = {"context": {"first_name": "x" * (5 * _MEGABYTE)}}
    status, problem = await _send(api, path, json.dumps(huge).encode(), "viewer")
    assert status in (413, 422), problem
    long = {"context": {"measure": {"title": "x" * (PREVIEW_CONTEXT_TEXT_MAX + 1)}}}
    status, problem, _ = await api.call("POST", path, json=long, key="viewer")
    assert (status, problem["where"]) == (422, "context.measure.title"), problem
    assert api.services.work.started["the preview"] == 0
    status, _, _ = await api.call("POST", path, json={"context": {"first_name": "Zoë"}})
    assert (status, api.services.work.started["the preview"]) == (200, 1)


async def test_a_megabyte_query_is_refused_before_it_is_read(api: Api) -> None:
    version = await _saved_version(api)
    query = "age > 1 OR " * (_MEGABYTE // 11) + "age > 1"
    body = {
        "name": "Everyone",
        "template_version_id": version,
        "audience_query": query,
        "starts_at": (api.services.clock.now()).isoformat(),
        "channels": ["sms"],
    }
    status, problem = await _send(api, "/api/v1/campaigns", json.dumps(body).encode(), "editor")
    assert (status, problem["where"]) == (422, "audience_query"), problem
    assert f"at most {SEGMENT_QUERY_MAX}" in problem["detail"]
    status, listed, _ = await api.call("GET", "/api/v1/campaigns")
    assert listed["items"] == []
    preview = json.dumps({"query": query}).encode()
    status, problem = await _send(api, "/api/v1/segments/preview", preview, "viewer")
    assert (status, problem["where"]) == (422, "query"), problem


async def test_a_template_multiplying_text_beyond_a_message_is_not_saved(api: Api) -> None:
    bomb = _version()
    bomb["variants"][0]["body"] = "{{ 'x' * 100000000 }}"
    status, problem, _ = await api.call("POST", "/api/v1/templates/energy/versions", json=bomb)
    assert (status, problem["where"]) == (422, "variants[0].body"), problem
    assert "a product of 100,000,000 characters" in problem["detail"]
    assert api.services.work.started["checking the template"] == 1  # filled in off the loop
    status, listed, _ = await api.call("GET", "/api/v1/templates")
    assert listed["items"] == []


@cache
def _shared_strings_bomb() -> bytes:
    return contact_sheet(shared_strings=5_000_000)


@cache
def _whitespace_bomb() -> bytes:
    return contact_sheet(padding=1 << 30)


async def test_workbooks_huge_inside_are_refused_with_413(api: Api) -> None:
    for data, says in (
        (_shared_strings_bomb(), f"more than {XLSX_SHARED_STRINGS_MAX:,} shared strings"),
        (_whitespace_bomb(), "unzips to 1,024 MiB"),
    ):
        status, problem = await _send(api, "/api/v1/contacts/import", data, "partner", _XLSX)
        assert (status, problem["where"]) == (413, "body"), problem
        assert says in problem["detail"]
    status, page, _ = await api.call("GET", "/api/v1/contacts")
    assert page["items"] == []
    status, report, _ = await api.call(
        "POST", "/api/v1/contacts/import", data=contact_sheet(), key="partner"
    )
    assert (status, report["created"]) == (200, 1), report
    assert api.services.work.started["reading the contact file"] >= 2  # opened, then typed
