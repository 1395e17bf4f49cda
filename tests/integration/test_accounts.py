"""Partners are made on purpose, and keys are listed and revoked: the accounts service on
SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from campaign.accounts.service import KEY_REVOKED
from campaign.kernel.clock import ManualClock
from campaign.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from campaign.kernel.identity import Identity, Role
from campaign.services import Services
from campaign.store.tables import api_keys, outbox

ADMIN = Identity(role=Role.ADMIN, label="ann@example.org", user_id=None)


async def test_a_typo_in_a_partner_slug_names_the_partners_there_are(services: Services) -> None:
    accounts = services.accounts
    await accounts.create_partner("ocmw-gent", "OCMW Gent")
    await accounts.create_partner("cpas-liege", "CPAS de Liège")

    with pytest.raises(InvalidInput) as refused:
        await accounts.create_api_key(role=Role.PARTNER, name="gent", partner_slug="ocmw-gnet")
    message = str(refused.value)
    assert "no partner 'ocmw-gnet'" in message and "did you mean 'ocmw-gent'?" in message
    assert "known partners: cpas-liege, ocmw-gent" in message
    assert "campaign partners create" in message and refused.value.where == "partner"
    with pytest.raises(InvalidInput, match="known partners: cpas-liege, ocmw-gent"):
        await accounts.create_user(
            "p@example.org", Role.PARTNER, "a long password", partner_slug="x"
        )
    assert [p.slug for p in await accounts.partners()] == ["cpas-liege", "ocmw-gent"]
    assert await accounts.user_by_email("p@example.org") is None

    secret = await accounts.create_api_key(role=Role.PARTNER, name="gent", partner_slug="ocmw-gent")
    found = await accounts.authenticate(secret)
    assert found is not None and found.partner_id == await accounts.partner_id("ocmw-gent")


async def test_partners_are_created_once_with_a_slug_and_a_name(services: Services) -> None:
    accounts = services.accounts
    with pytest.raises(InvalidInput, match="none yet"):
        await accounts.partner_id("ngo")
    created = await accounts.create_partner("ngo", "  Het   Buurthuis ")
    assert (created.slug, created.name) == ("ngo", "Het Buurthuis")
    with pytest.raises(Conflict, match="exists already"):
        await accounts.create_partner("ngo", "Another")
    for slug in ("OCMW", "ocmw gent", "-x", ""):
        with pytest.raises(InvalidInput, match="lower-case letters") as refused:
            await accounts.create_partner(slug, "Name")
        assert refused.value.where == "slug"
    with pytest.raises(InvalidInput, match="needs a name"):
        await accounts.create_partner("ocmw", "   ")
    assert [(p.slug, p.name) for p in await accounts.partners()] == [("ngo", "Het Buurthuis")]


async def test_admins_list_keys_without_their_secrets(
    services: Services, clock: ManualClock
) -> None:
    accounts = services.accounts
    await accounts.create_partner("ngo", "NGO")
    await accounts.create_user("ed@example.org", Role.EDITOR, "a long password")
    editor_key = await accounts.create_api_key(
        role=Role.EDITOR, name="laptop", user_email="ed@example.org"
    )
    clock.advance(300)
    await accounts.create_api_key(role=Role.PARTNER, name="ngo sync", partner_slug="ngo")
    await accounts.authenticate(editor_key)

    listed = await accounts.api_keys(ADMIN)
    assert [(k.name, k.role, k.user, k.partner) for k in listed] == [
        ("ngo sync", Role.PARTNER, None, "ngo"),
        ("laptop", Role.EDITOR, "ed@example.org", None),
    ]
    laptop = listed[1]
    assert editor_key.startswith(laptop.prefix) and laptop.last_used_at == clock.now()
    assert listed[0].last_used_at is None and all(k.active for k in listed)
    shown = repr([k.as_json() for k in listed])
    assert editor_key not in shown and editor_key[12:20] not in shown
    async with services.database.read_session() as session:
        digests = (await session.execute(select(api_keys.c.key_hash))).scalars().all()
    assert not any(d in shown for d in digests)

    for role in (Role.EDITOR, Role.APPROVER, Role.VIEWER, Role.PARTNER):
        partner = 1 if role is Role.PARTNER else None  # a partner identity carries its partner
        with pytest.raises(Forbidden, match="an admin may"):
            await accounts.api_keys(Identity(role=role, label="x", user_id=1, partner_id=partner))


async def test_a_revoked_key_is_refused_at_once_and_stays_listed(
    services: Services, clock: ManualClock
) -> None:
    accounts = services.accounts
    secret = await accounts.create_api_key(role=Role.VIEWER, name="robot")
    assert await accounts.authenticate(secret) is not None
    key = (await accounts.api_keys(ADMIN))[0]

    clock.advance(1)
    done = await accounts.revoke_api_key(ADMIN, key.prefix)
    assert done.changed and done.key.revoked_at == clock.now()
    assert await accounts.authenticate(secret) is None
    assert await accounts.authenticate(secret, note_use=False) is None

    clock.advance(3600)
    again = await accounts.revoke_api_key(ADMIN, key.id)
    assert not again.changed and again.key.revoked_at == done.key.revoked_at
    listed = await accounts.api_keys(ADMIN)
    assert [(k.id, k.active) for k in listed] == [(key.id, False)]
    async with services.database.read_session() as session:
        events = (
            (await session.execute(select(outbox.c.payload).where(outbox.c.topic == KEY_REVOKED)))
            .scalars()
            .all()
        )
    assert [(e["actor"], e["prefix"], e["name"]) for e in events] == [
        ("ann@example.org", key.prefix, "robot")
    ]

    with pytest.raises(NotFound, match="no API key 'cmp_nothing'"):
        await accounts.revoke_api_key(ADMIN, "cmp_nothing")
    with pytest.raises(NotFound):
        await accounts.revoke_api_key(ADMIN, key.id + 1)
    with pytest.raises(Forbidden):
        await accounts.revoke_api_key(Identity(role=Role.EDITOR, label="e", user_id=1), key.id)


async def test_checking_a_key_without_using_it_leaves_its_last_use(services: Services) -> None:
    accounts = services.accounts
    secret = await accounts.create_api_key(role=Role.VIEWER, name="kept")
    found = await accounts.authenticate(secret, note_use=False)
    assert found is not None and found.label == "key:kept"
    assert (await accounts.api_keys(ADMIN))[0].last_used_at is None


async def test_a_key_that_is_not_ascii_is_no_key(services: Services) -> None:
    # A header's bytes that were not UTF-8 arrive as lone surrogates: no key, not an error.
    for presented in ("cmp_\udcff\udcfe", "cmp_é"):
        assert await services.accounts.authenticate(presented) is None
