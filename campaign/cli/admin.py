"""Administration, for what has no page: the schema, the first accounts and API keys.

Where a command creates a secret, the secret is alone on the last line of its output, so a
script can take it with ``tail -n 1``. ``api-keys create --keep-in FILE`` keeps its key in a
file only its owner reads and hands the same key out again while it works (``make run``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from campaign.cli.common import fail, read_settings, run, with_services
from campaign.cli.listing import echo_table, moment, operator
from campaign.kernel.identity import Role

if TYPE_CHECKING:
    from campaign.accounts.model import ApiKeyInfo, Revocation
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
@click.option("--partner", help="Partner slug (for the partner role); the partner must exist.")
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


@users.command("set-role")
@click.option("--email", required=True)
@click.option("--role", type=_ROLES, required=True)
@click.option("--partner", help="Partner slug (for the partner role); the partner must exist.")
def users_set_role(email: str, role: str, partner: str | None) -> None:
    """Give a user another role; the user's API keys act with it from their next request."""

    async def body(services: Services) -> None:
        await services.accounts.set_role(operator(), email, Role(role), partner_slug=partner)

    with_services(body)
    click.echo(f"user {email} is now {role}")


@click.group("api-keys")
def api_keys() -> None:
    """API keys (shown once, stored hashed)."""


@api_keys.command("create")
@click.option("--role", type=_ROLES, required=True)
@click.option("--name", required=True)
@click.option("--user", "user_email", help="The user the key acts for.")
@click.option("--partner", help="Partner slug (for the partner role); the partner must exist.")
@click.option(
    "--expires-in",
    "expires_in",
    type=int,
    metavar="DAYS",
    help="Refuse the key after this many days (1 to 3650); without it, until revoked.",
)
@click.option(
    "--keep-in",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Keep the key in this file (readable by you only) and reuse it while it still works.",
)
def api_keys_create(
    role: str,
    name: str,
    user_email: str | None,
    partner: str | None,
    expires_in: int | None,
    keep_in: Path | None,
) -> None:
    """Create an API key; the key itself is printed alone on the last line."""
    wanted = Role(role)

    async def body(services: Services) -> tuple[str, bool]:
        accounts = services.accounts
        kept = read_kept_key(keep_in) if keep_in is not None else None
        if kept is not None and await _still_acts(services, kept, wanted, user_email, partner):
            return kept, True
        secret = await accounts.create_api_key(
            role=wanted,
            name=name,
            user_email=user_email,
            partner_slug=partner,
            expires_in_days=expires_in,
        )
        return secret, False

    secret, reused = with_services(body)
    if reused:
        click.echo(f"API key kept in {keep_in} still works as {role}; reusing it:")
    elif keep_in is not None:
        keep_key(keep_in, secret)
        click.echo(f"API key {name!r} created for role {role} and kept in {keep_in}:")
    else:
        click.echo(f"API key {name!r} created for role {role}; it is shown only once:")
    click.echo(secret)


async def _still_acts(
    services: Services, secret: str, role: Role, user_email: str | None, partner: str | None
) -> bool:
    """Whether a kept key still authenticates, as the role, user and partner asked for now."""
    found = await services.accounts.authenticate(secret, note_use=False)
    if found is None or found.role is not role:
        return False
    if user_email is not None and found.label != user_email.strip().lower():
        return False
    if user_email is None and found.user_id is not None:
        return False
    if partner is not None:
        return found.partner_id == await services.accounts.partner_id(partner)
    return user_email is not None or found.partner_id is None  # a user's key has its partner


def read_kept_key(path: Path) -> str | None:
    """The key kept in ``path``, or None when there is no such file or it is empty."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return text or None


def keep_key(path: Path, secret: str) -> None:
    """Write ``secret`` to ``path`` so only its owner may read it (0600, in a 0700 folder)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(secret + "\n")
    os.chmod(path, 0o600)  # the mode above applies only when the file is new


@api_keys.command("list")
def api_keys_list() -> None:
    """Every key, newest first: prefix, name, role, user, partner, created, last used, revoked,
    expires."""

    async def body(services: Services) -> list[ApiKeyInfo]:
        return await services.accounts.api_keys(operator())

    found = with_services(body)
    if not found:
        click.echo("no API keys yet")
        return
    header = (
        "id",
        "prefix",
        "name",
        "role",
        "user",
        "partner",
        "created",
        "last used",
        "revoked",
        "expires",
    )
    echo_table(header, [_key_row(k) for k in found])


def _key_row(key: ApiKeyInfo) -> tuple[str, ...]:
    return (
        str(key.id),
        key.prefix,
        key.name,
        key.role.value,
        key.user or "-",
        key.partner or "-",
        moment(key.created_at),
        moment(key.last_used_at),
        moment(key.revoked_at),
        moment(key.expires_at),
    )


@api_keys.command("revoke")
@click.argument("key")
def api_keys_revoke(key: str) -> None:
    """Revoke KEY, given by its id or its prefix (as listed); refused from the next request on."""
    reference: int | str = int(key) if key.isdigit() else key

    async def body(services: Services) -> Revocation:
        return await services.accounts.revoke_api_key(operator(), reference)

    done = with_services(body)
    revoked = done.key
    if done.changed:
        click.echo(f"API key {revoked.prefix} ({revoked.name!r}) revoked")
    else:
        click.echo(f"API key {revoked.prefix} was revoked already, {moment(revoked.revoked_at)}")
