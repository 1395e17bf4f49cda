"""Partner organisations: created on purpose, so ``--partner`` with a typo is an error, not a
new partner. The slug is what ``--partner`` and the segment language (``partner = "…"``) use."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from campaign.cli.common import with_services
from campaign.cli.listing import echo_table, moment

if TYPE_CHECKING:
    from campaign.accounts.model import Partner
    from campaign.services import Services


@click.group()
def partners() -> None:
    """Partner organisations."""


@partners.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="The organisation's name, as staff know it.")
def partners_create(slug: str, name: str) -> None:
    """Register a partner under SLUG (lower-case letters, digits and hyphens: ocmw-gent)."""

    async def body(services: Services) -> Partner:
        return await services.accounts.create_partner(slug, name)

    created = with_services(body)
    click.echo(f"partner {created.slug} created: {created.name}")


@partners.command("list")
def partners_list() -> None:
    """Every partner, by slug."""

    async def body(services: Services) -> list[Partner]:
        return await services.accounts.partners()

    found = with_services(body)
    if not found:
        click.echo("no partners yet (create one with: campaign partners create SLUG --name NAME)")
        return
    echo_table(("slug", "name", "created"), [(p.slug, p.name, moment(p.created_at)) for p in found])
