"""The stop switch from the command line: stop all sending, resume it, or say whether it is
stopped. The command acts as an administrator named after the operating-system user, so the
trail says who ran it (``cli (alice)``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from campaign.cli.common import with_services
from campaign.cli.listing import operator

if TYPE_CHECKING:
    from campaign.dispatch.circuits import Circuit
    from campaign.dispatch.switch import SwitchChange, SwitchState
    from campaign.services import Services


def _describe(state: SwitchState) -> str:
    if state.since is None:
        return "sending is on (it was never stopped)"
    when = f"{state.since:%Y-%m-%d %H:%M:%S} UTC by {state.by}"
    if state.stopped:
        return f"sending is STOPPED since {when}: {state.reason}"
    return f"sending is on (resumed {when})"


@click.group()
def dispatch() -> None:
    """The stop switch for all sending (admins)."""


@dispatch.command("stop")
@click.option("--reason", required=True, help="Why all sending stops (kept, with who and when).")
def dispatch_stop(reason: str) -> None:
    """Stop all sending, for every campaign, within a second. Messages wait in the queue."""

    async def body(services: Services) -> SwitchChange:
        return await services.switch.stop(operator(), reason)

    change = with_services(body)
    if not change.changed:
        click.echo("sending was already stopped; nothing changed")
    click.echo(_describe(change.state))


@dispatch.command("resume")
def dispatch_resume() -> None:
    """Let sending go on: waiting messages go at their campaigns' rates."""

    async def body(services: Services) -> SwitchChange:
        return await services.switch.resume(operator())

    change = with_services(body)
    if not change.changed:
        click.echo("sending was not stopped; nothing changed")
    click.echo(_describe(change.state))


@dispatch.command("status")
def dispatch_status() -> None:
    """Say whether all sending is stopped (since when, by whom, why), which provider accounts
    refuse to send, and how many status callbacks named no message we know."""

    async def body(services: Services) -> tuple[SwitchState, list[Circuit], int]:
        switch = services.switch
        circuits = await switch.refusing_accounts()
        return await switch.status(), circuits, await services.callbacks.unmatched()

    state, circuits, unmatched = with_services(body)
    click.echo(_describe(state))
    for circuit in circuits:
        click.echo(
            f"{circuit.key.removeprefix('channel:')} refuses to send ({circuit.code}: "
            f"{circuit.reason}); next try {circuit.retry_at:%Y-%m-%d %H:%M:%S} UTC"
        )
    if unmatched:
        click.echo(f"{unmatched} status callbacks named no message we know (kept)")
