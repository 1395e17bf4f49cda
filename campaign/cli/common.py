"""What every command shares, so that each one fails the same way: on one line.

A bad setting names its variable (exit 2); a refused request says why (exit 1). The services
come from the composition root, imported only when a command runs so that ``--help`` is quick.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from campaign.kernel.errors import DomainError
from campaign.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from campaign.services import Services

T = TypeVar("T")


def fail(message: str, code: int) -> NoReturn:
    """Tell the user what went wrong on one line of standard error, and exit with ``code``."""
    click.echo(f"campaign: {message}", err=True)
    sys.exit(code)


def read_settings(**overrides: str | int | None) -> Settings:
    """The settings, with the command line's options (None where an option was not given)."""
    try:
        return load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except SettingsError as exc:
        fail(str(exc), 2)


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to its end; a bad setting or a refused request ends the command."""
    try:
        return asyncio.run(coroutine)
    except SettingsError as exc:
        fail(str(exc), 2)
    except DomainError as exc:
        fail(str(exc), 1)


def configure_logging(settings: Settings) -> None:
    """Log at the configured level; the scheduler and migrations only when something is wrong."""
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # The twilio library logs every request and its headers at INFO: a line per SMS.
    logging.getLogger("twilio").setLevel(logging.WARNING)
    # aiosmtpd (the bounce receiver) logs every connection and command at INFO.
    logging.getLogger("mail.log").setLevel(logging.WARNING)


async def prepare_database(settings: Settings) -> None:
    """The embedded default keeps its own database current; other shapes migrate explicitly."""
    from campaign.store.migrate import upgrade

    if settings.is_sqlite:
        await upgrade(settings.database_url)


def with_services(body: Callable[[Services], Awaitable[T]]) -> T:
    """Build the services, run ``body`` with them, and close them whatever happens."""
    settings = read_settings()
    from campaign.bootstrap import build

    async def go() -> T:
        await prepare_database(settings)
        services = build(settings)
        try:
            return await body(services)
        finally:
            await services.close()

    return run(go())
