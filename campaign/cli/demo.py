"""The demo, loaded through the services like any other data, so it shows the real thing."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from campaign.cli.common import with_services

if TYPE_CHECKING:
    from campaign.services import Services


@click.command("demo")
@click.option("--if-new", is_flag=True, help="Do nothing if the demo was loaded before.")
def demo(if_new: bool) -> None:
    """Load the demo data and create the demo campaign, approved and due now."""
    from campaign.demo.loader import ADMIN, APPROVER, DEMO_PASSWORD, EDITOR, demo_loaded, load_demo

    async def body(services: Services) -> None:
        if if_new and await demo_loaded(services):
            click.echo("demo: already loaded, nothing to do")
            return
        result = await load_demo(services)
        if result.contacts is not None:
            r = result.contacts
            click.echo(
                f"contacts: {r.created} created, {r.updated} updated, "
                f"{len(r.rejected)} rejected, {len(r.ambiguous)} ambiguous"
            )
        state = "created, approved and due now" if result.created else "already there"
        click.echo(f"demo campaign {result.campaign_id}: {state}")
        click.echo(f"demo users ({DEMO_PASSWORD}): {EDITOR}, {APPROVER}, {ADMIN}")

    with_services(body)
