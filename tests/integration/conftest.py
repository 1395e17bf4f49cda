"""Shared by the HTTP tests: a real aiohttp server over the services, and keys for each role."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from campaign.bootstrap import build
from campaign.kernel.clock import ManualClock
from campaign.kernel.identity import Role
from campaign.settings import load_settings
from campaign.store.engine import Database
from campaign.web.app import create_app
from tests.api_client import Api, ClientFactory
from tests.factories import TEST_SECRET, user_row


def _url(database: Database) -> str:
    return database.engine.url.render_as_string(hide_password=False)


@pytest.fixture
async def api(
    database: Database, clock: ManualClock, aiohttp_client: ClientFactory
) -> AsyncIterator[Api]:
    settings = load_settings(database_url=_url(database), secret_key=TEST_SECRET)
    services = build(settings, clock=clock)
    accounts = services.accounts
    keys: dict[str, str] = {}
    for role in (Role.EDITOR, Role.APPROVER, Role.VIEWER):
        email = f"{role}@example.org"
        # Straight into the table: hashing a password (scrypt, 2^17) costs ~0.4 s, and no
        # HTTP test signs in with one (tests/integration/test_passwords.py covers hashing).
        await user_row(database, clock, email, role.value)
        keys[role.value] = await accounts.create_api_key(role=role, name=role, user_email=email)
    keys["userless"] = await accounts.create_api_key(role=Role.APPROVER, name="robot")
    await accounts.create_partner("ngo", "NGO")
    keys["partner"] = await accounts.create_api_key(
        role=Role.PARTNER, name="ngo", partner_slug="ngo"
    )
    client = await aiohttp_client(create_app(services, close_services=True))
    yield Api(client, services, keys)
