"""A user's password checked through the accounts service, on SQLite and PostgreSQL: a hash an
older version stored with less work is replaced by one at today's work on the first check that
succeeds, and only then."""

from __future__ import annotations

from sqlalchemy import select, update

from campaign.kernel.identity import Role
from campaign.services import Services
from campaign.store.tables import users
from tests.unit.test_password_hashing import _stored_as_before

EMAIL = "editor@example.org"
PASSWORD = "a long password"


async def _stored(services: Services) -> str:
    async with services.database.read_session() as session:
        query = select(users.c.password_hash).where(users.c.email == EMAIL)
        return str((await session.execute(query)).scalar_one())


async def _store(services: Services, password_hash: str) -> None:
    async with services.database.transaction() as session:
        await session.execute(
            update(users).where(users.c.email == EMAIL).values(password_hash=password_hash)
        )


async def test_a_new_user_s_password_is_stored_at_today_s_work(services: Services) -> None:
    user_id = await services.accounts.create_user(EMAIL, Role.EDITOR, PASSWORD)
    assert (await _stored(services)).startswith(f"scrypt${2**17}$8$1$")
    assert await services.accounts.check_password(EMAIL, PASSWORD) == user_id
    assert await services.accounts.check_password(" Editor@Example.org ", PASSWORD) == user_id
    assert await services.accounts.check_password(EMAIL, "a wrong password") is None
    assert await services.accounts.check_password("nobody@example.org", PASSWORD) is None


async def test_a_weaker_stored_hash_is_replaced_when_its_password_is_right(
    services: Services,
) -> None:
    user_id = await services.accounts.create_user(EMAIL, Role.EDITOR, "was another password")
    before = _stored_as_before(PASSWORD)
    await _store(services, before)

    assert await services.accounts.check_password(EMAIL, "a wrong password") is None
    assert await _stored(services) == before  # a wrong guess changes nothing

    assert await services.accounts.check_password(EMAIL, PASSWORD) == user_id
    after = await _stored(services)
    assert after != before and after.startswith(f"scrypt${2**17}$8$1$")
    assert await services.accounts.check_password(EMAIL, PASSWORD) == user_id
    assert await _stored(services) == after  # today's hash stays as it is
