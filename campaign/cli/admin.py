"""Administration, for what has no page: the schema, the first accounts and API keys.

Where a command creates a secret, the secret is alone on the last line of its output, so a
script can take it with ``tail -n 1``.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from campaign.cli.common import fail, read_settings, run, with_services
from campaign.kernel.identity import Role

if TYPE_CHECKING:
    from campaign.services import Services

_ROLES = click.Choice([r.value for r in Role])


@click.group()
def db() -> None:
    """Database administration."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration not yet applied."""
    settings = read_settings()
    from campaign.store.migrate import head_revision, upgrade

    run(upgrade(settings.database_url))
    click.echo(f"database at revision {head_revision()}")


@db.command("rebuild-households")
def db_rebuild_households() -> None:
    """Recompute the addresses shared by several contacts (after loading contacts by hand)."""

    async def body(services: Services) -> int:
        return await services.records.rebuild_households()

    click.echo(f"{with_services(body)} shared addresses")


@click.group()
def users() -> None:
    """Staff and partner accounts."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--role", type=_ROLES, required=True)
@click.option("--partner", help="Partner slug (for the partner role).")
def users_create(email: str, role: str, partner: str | None) -> None:
    """Create a user; the password is read from standard input."""
    password = sys.stdin.readline().rstrip("\n")
    if len(password) < 12:
        fail("the password (from standard input) must be at least 12 characters", 1)

    async def body(services: Services) -> int:
        return await services.accounts.create_user(
            email, Role(role), password, partner_slug=partner
        )

    user_id = with_services(body)
    click.echo(f"user {user_id} created: {email} ({role})")


@click.group("api-keys")
def api_keys() -> None:
    """API keys (shown once, stored hashed)."""


@api_keys.command("create")
@click.option("--role", type=_ROLES, required=True)
@click.option("--name", required=True)
@click.option("--user", "user_email", help="The user the key acts for.")
@click.option("--partner", help="Partner slug (for the partner role).")
def api_keys_create(role: str, name: str, user_email: str | None, partner: str | None) -> None:
    """Create an API key; the key itself is printed alone on the last line."""

    async def body(services: Services) -> str:
        return await services.accounts.create_api_key(
            role=Role(role), name=name, user_email=user_email, partner_slug=partner
        )

    secret = with_services(body)
    click.echo(f"API key {name!r} created for role {role}; it is shown only once:")
    click.echo(secret)
