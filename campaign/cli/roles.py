"""The process roles as commands, so that one image runs any of them: the role is the command.

``run`` starts them all in one process (the embedded default); ``serve``, ``worker`` and
``scheduler`` one each, for the multi-machine shape. Each runs until SIGINT or SIGTERM.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from campaign.cli.common import configure_logging, prepare_database, read_settings, run

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Callable, Coroutine
    from typing import Any

    from campaign.services import Services
    from campaign.settings import Settings

    RoleTask = Callable[[asyncio.Event], Coroutine[Any, Any, None]]
    RolesOf = Callable[[Services, Settings], list[RoleTask]]


def _serve(services: Services, settings: Settings) -> list[RoleTask]:
    from campaign import roles

    return [lambda stop: roles.serve(services, stop, settings.host, settings.port)]


def _work(services: Services, settings: Settings) -> list[RoleTask]:
    from campaign import roles

    return [lambda stop: roles.work(services, stop)]


def _keep_time(services: Services, settings: Settings) -> list[RoleTask]:
    from campaign import roles

    return [lambda stop: roles.keep_time(services, stop)]


def _receive_mail(services: Services, settings: Settings) -> list[RoleTask]:
    from campaign import roles
    from campaign.settings import SettingsError

    if settings.mail_in_port is None:
        raise SettingsError("CAMPAIGN_MAIL_IN_PORT: required for mail-in (the port to listen on)")
    host, port = settings.mail_in_host or settings.host, settings.mail_in_port
    return [lambda stop: roles.receive_mail(services, stop, host, port)]


def _all(services: Services, settings: Settings) -> list[RoleTask]:
    roles = _serve(services, settings) + _work(services, settings) + _keep_time(services, settings)
    if settings.mail_in_port is not None:  # the bounce receiver, when it is configured
        roles += _receive_mail(services, settings)
    return roles


def _role_command(
    name: str, help_text: str, roles_of: RolesOf, *, with_address: bool
) -> click.Command:
    def command(host: str | None = None, port: int | None = None) -> None:
        settings = read_settings(host=host, port=port)
        configure_logging(settings)
        from campaign.bootstrap import build
        from campaign.roles import run_roles

        async def go() -> None:
            await prepare_database(settings)
            services = build(settings)
            await run_roles(services, roles_of(services, settings))

        run(go())

    command.__doc__ = help_text
    if with_address:
        command = click.option("--port", type=int, help="Port (CAMPAIGN_PORT).")(command)
        command = click.option("--host", help="Address to listen on (CAMPAIGN_HOST).")(command)
    return click.command(name)(command)


COMMANDS = [
    _role_command(
        "run", "Start every role in one process (the embedded default).", _all, with_address=True
    ),
    _role_command("serve", "Serve the API, pages and webhooks.", _serve, with_address=True),
    _role_command("worker", "Send queued messages and handle events.", _work, with_address=False),
    _role_command(
        "mail-in",
        "Receive bounces and complaints by SMTP (CAMPAIGN_MAIL_IN_PORT).",
        _receive_mail,
        with_address=False,
    ),
    _role_command(
        "scheduler", "Keep time: start due campaigns (one leader).", _keep_time, with_address=False
    ),
]
