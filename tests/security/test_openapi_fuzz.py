"""Schemathesis over the whole OpenAPI document, on SQLite and PostgreSQL, with an admin key and
with a viewer key: no server errors, and every answer as documented (status code, content type,
body schema, headers); bodies outside the documented schema are refused; routes that need a key
refuse to work without one.

The service is served on a loopback port from a thread of its own (aiohttp is neither ASGI nor
WSGI, and Schemathesis calls it over HTTP) over a migrated database holding the world of
``tests/security/world.py``, so small generated ids meet real campaigns, contacts and segments.
Generation is deterministic and bounded per operation, so the run is the same every time and
takes minutes, not hours; a failure names the operation and a ``curl`` line that reproduces it.
"""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
import schemathesis
from schemathesis import Case, CheckFunction
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from campaign.api.openapi import document
from campaign.kernel.identity import Role
from tests.security.served import ServedApp
from tests.security.world import Who, World, build_world, client_sender

# Examples per operation and generation phase: enough to reach every documented status of
# every operation, few enough that the four runs (two databases, two keys) take minutes. A
# deeper hunt sets CAMPAIGN_FUZZ_EXAMPLES (and another CAMPAIGN_FUZZ_SEED) for one run.
MAX_EXAMPLES = int(os.environ.get("CAMPAIGN_FUZZ_EXAMPLES", "20"))
SEED = int(os.environ.get("CAMPAIGN_FUZZ_SEED", "15"))
CONFIG: dict[str, Any] = {
    "seed": SEED,
    "generation": {
        "mode": "all",  # valid and invalid requests
        "max-examples": MAX_EXAMPLES,
        "deterministic": True,
        "database": "none",
        # The key goes in the Authorization header of every request (not generated, not
        # mutated), and unknown query parameters are ignored, as HTTP APIs do.
        "with-security-parameters": False,
        "allow-extra-parameters": False,
    },
    "phases": {"stateful": {"enabled": False}},
    "warnings": False,
}
CHECKS: list[CheckFunction] = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
    ignored_auth,
]
_REVOKE = "/api/v1/api-keys/{key_id}/revoke"
_IMPORT = "POST /api/v1/contacts/import"


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@schemathesis.serializer(XLSX)
def _spreadsheet(context: schemathesis.SerializationContext, value: Any) -> bytes:
    """A generated spreadsheet body as bytes (Schemathesis knows no XLSX): damaged files."""
    if isinstance(value, bytes):
        return value
    return (value if isinstance(value, str) else json.dumps(value)).encode("utf-8")


@dataclass
class Fuzzed:
    """The served service, its world, and the key the requests are sent with."""

    app: ServedApp
    world: World
    who: Who
    key: str

    def still_valid(self) -> None:
        """Make a new key for the same user when the fuzzed admin revoked its own."""
        accounts = self.world.services.accounts
        if self.app.call(lambda: accounts.authenticate(self.key, note_use=False)) is not None:
            return
        role = Role(self.who.value)
        email = f"{role.value}@example.org"
        self.key = self.app.call(
            lambda: accounts.create_api_key(role=role, name="fuzz again", user_email=email)
        )


@pytest.fixture(scope="module")
def served_world(module_migrated_url: str) -> Iterator[tuple[ServedApp, World]]:
    app = ServedApp(module_migrated_url)
    app.start()
    session: list[aiohttp.ClientSession] = []

    async def prepare() -> World:
        session.append(aiohttp.ClientSession(base_url=app.base_url))
        assert app.services is not None
        return await build_world(app.services, client_sender(session[0]))

    try:
        world = app.call(prepare)
        yield app, world
    finally:
        for opened in session:
            app.call(opened.close)
        app.stop()


@pytest.fixture(scope="module", params=[Who.ADMIN, Who.VIEWER])
def fuzzed(request: pytest.FixtureRequest, served_world: tuple[ServedApp, World]) -> Fuzzed:
    app, world = served_world
    key = world.keys[request.param]
    assert key is not None
    return Fuzzed(app, world, request.param, key)


# The document the service serves at GET /api/v1/openapi.json (the handler answers exactly
# this), read when the tests are collected, so each operation is a test of its own.
schema = schemathesis.openapi.from_dict(document(), config=schemathesis.Config.from_dict(CONFIG))


@pytest.mark.timeout(600)
@schema.parametrize()
def test_every_operation_answers_as_documented(case: Case[Any], fuzzed: Fuzzed) -> None:
    headers = {"Authorization": f"Bearer {fuzzed.key}"}
    # A contact file is any bytes: a body "of the wrong type" is still a file on the wire.
    excluded: list[CheckFunction] = (
        [negative_data_rejection] if case.operation.label == _IMPORT else []
    )
    try:
        case.call_and_validate(
            base_url=fuzzed.app.base_url, headers=headers, checks=CHECKS, excluded_checks=excluded
        )
    finally:
        if case.operation.path == _REVOKE:
            fuzzed.still_valid()


def test_the_fuzzed_document_is_the_one_served(fuzzed: Fuzzed) -> None:
    url = f"{fuzzed.app.base_url}/api/v1/openapi.json"
    with urllib.request.urlopen(url, timeout=30) as response:
        assert json.loads(response.read()) == document()
