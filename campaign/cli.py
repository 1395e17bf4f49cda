"""The ``campaign`` command: the roles, the demo, and the administrative commands.

Errors reach the user as one line: a bad setting names its variable (exit 2); a refused
request says why (exit 1). Where a command creates a secret, the secret is alone on the
last line of its output.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Coroutine
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from campaign.kernel.errors import DomainError
from campaign.kernel.identity import Role
from campaign.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from campaign.services import Services

T = TypeVar("T")


def _fail(message: str, code: int) -> None:
    click.echo(f"campaign: {message}", err=True)
    sys.exit(code)


def _settings(**overrides: Any) -> Settings:
    try:
        return load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except SettingsError as exc:
        _fail(str(exc), 2)
        raise  # unreachable: for the type checker


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    try:
        return asyncio.run(coroutine)
    except SettingsError as exc:
        _fail(str(exc), 2)
    except DomainError as exc:
        _fail(str(exc), 1)
    raise AssertionError("unreachable")


def _logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)


@click.group()
def main() -> None:
    """Plain-language SMS and email campaigns."""


async def _prepare(settings: Settings) -> None:
    """The embedded default keeps its own database current; other shapes migrate explicitly."""
    from campaign.store.migrate import upgrade

    if settings.is_sqlite:
        await upgrade(settings.database_url)


def _role_command(
    name: str, help_text: str, with_address: bool, roles: Callable[..., list[Any]]
) -> None:
    def command(host: str | None = None, port: int | None = None) -> None:
        settings = _settings(host=host, port=port)
        _logging(settings)
        from campaign.bootstrap import build
        from campaign.roles import run_roles

        async def go() -> None:
            await _prepare(settings)
            services = build(settings)
            await run_roles(services, roles(services, settings))

        _run(go())

    command.__doc__ = help_text
    if with_address:
        command = click.option("--port", type=int, help="Port (CAMPAIGN_PORT).")(command)
        command = click.option("--host", help="Address to listen on (CAMPAIGN_HOST).")(command)
    main.command(name)(command)


def _serve_roles(services: Any, settings: Settings) -> list[Any]:
    from campaign import roles

    return [lambda stop: roles.serve(services, stop, settings.host, settings.port)]


def _all_roles(services: Any, settings: Settings) -> list[Any]:
    from campaign import roles

    return [
        lambda stop: roles.serve(services, stop, settings.host, settings.port),
        lambda stop: roles.work(services, stop),
        lambda stop: roles.keep_time(services, stop),
    ]


def _worker_roles(services: Any, settings: Settings) -> list[Any]:
    from campaign import roles

    return [lambda stop: roles.work(services, stop)]


def _scheduler_roles(services: Any, settings: Settings) -> list[Any]:
    from campaign import roles

    return [lambda stop: roles.keep_time(services, stop)]


_role_command("run", "Start every role in one process (the embedded default).", True, _all_roles)
_role_command("serve", "Serve the API, pages and webhooks.", True, _serve_roles)
_role_command("worker", "Send queued messages and handle events.", False, _worker_roles)
_role_command("scheduler", "Keep time: start due campaigns (one leader).", False, _scheduler_roles)


def _with_services(body: Callable[[Any], Awaitable[T]], *, prepare: bool = True) -> T:
    settings = _settings()
    from campaign.bootstrap import build

    async def go() -> T:
        if prepare:
            await _prepare(settings)
        services = build(settings)
        try:
            return await body(services)
        finally:
            await services.close()

    return _run(go())


@main.command()
@click.option("--if-new", is_flag=True, help="Do nothing if the demo was loaded before.")
def demo(if_new: bool) -> None:
    """Load the demo data and create the demo campaign, approved and due now."""
    from campaign.demo.loader import ADMIN, APPROVER, DEMO_PASSWORD, EDITOR, demo_loaded, load_demo

    async def body(services: Any) -> None:
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

    _with_services(body)


@main.group()
def db() -> None:
    """Database administration."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration not yet applied."""
    settings = _settings()
    from campaign.store.migrate import head_revision, upgrade

    _run(upgrade(settings.database_url))
    click.echo(f"database at revision {head_revision()}")


@db.command("rebuild-households")
def db_rebuild_households() -> None:
    """Recompute the addresses shared by several contacts (after loading contacts by hand)."""
    from audiences.contacts.households import rebuild_shared_addresses

    async def body(services: Any) -> int:
        async with services.database.transaction() as session:
            return await rebuild_shared_addresses(session)

    click.echo(f"{_with_services(body)} shared addresses")


@main.group()
def users() -> None:
    """Staff and partner accounts."""


_ROLES = click.Choice([r.value for r in Role])


@users.command("create")
@click.option("--email", required=True)
@click.option("--role", type=_ROLES, required=True)
@click.option("--partner", help="Partner slug (for the partner role).")
def users_create(email: str, role: str, partner: str | None) -> None:
    """Create a user; the password is read from standard input."""
    password = sys.stdin.readline().rstrip("\n")
    if len(password) < 12:
        _fail("the password (from standard input) must be at least 12 characters", 1)
    from campaign.accounts.service import Accounts

    async def body(services: Any) -> int:
        accounts = Accounts(services.database, services.clock)
        return await accounts.create_user(email, Role(role), password, partner_slug=partner)

    user_id = _with_services(body)
    click.echo(f"user {user_id} created: {email} ({role})")


@main.group("api-keys")
def api_keys() -> None:
    """API keys (shown once, stored hashed)."""


@api_keys.command("create")
@click.option("--role", type=_ROLES, required=True)
@click.option("--name", required=True)
@click.option("--user", "user_email", help="The user the key acts for.")
@click.option("--partner", help="Partner slug (for the partner role).")
def api_keys_create(role: str, name: str, user_email: str | None, partner: str | None) -> None:
    """Create an API key; the key itself is printed alone on the last line."""
    from campaign.accounts.service import Accounts

    async def body(services: Any) -> str:
        accounts = Accounts(services.database, services.clock)
        return await accounts.create_api_key(
            role=Role(role), name=name, user_email=user_email, partner_slug=partner
        )

    secret = _with_services(body)
    click.echo(f"API key {name!r} created for role {role}; it is shown only once:")
    click.echo(secret)


@main.group()
def contacts() -> None:
    """Contacts."""


def _parse_map(pairs: tuple[str, ...]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        if not sep or not old.strip() or not new.strip():
            _fail(f"--map expects old=new, got {pair!r}", 2)
        mapping[old.strip()] = new.strip()
    return mapping


async def _acting(services: Any, partner: str | None) -> Any:
    from audiences.contacts.privacy import partner_id_of
    from campaign.kernel.errors import NotFound
    from campaign.kernel.identity import Identity

    if partner is None:
        return Identity(role=Role.ADMIN, label="cli")
    async with services.database.read_session() as session:
        partner_id = await partner_id_of(session, partner)
    if partner_id is None:
        raise NotFound(f"no partner {partner!r}")
    return Identity(role=Role.PARTNER, label=f"cli for {partner}", partner_id=partner_id)


class _Progress:
    """A progress bar over the file's records, on standard error, once their number is known."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._shown = 0

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            self._bar = click.progressbar(length=total, label="importing", file=sys.stderr)
            self._bar.__enter__()
        self._bar.update(done - self._shown)
        self._shown = done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)


def _summary(report: Any) -> list[str]:
    if report.format == "xlsx":
        detected = "XLSX workbook (first sheet)"
    else:
        delimiter = {",": "comma", ";": "semicolon"}.get(report.delimiter, report.delimiter)
        detected = f"CSV, {report.encoding or '?'}, {delimiter or '?'} delimited"
    attributes = ", ".join(f"{n} ({t})" for n, t in report.attributes.items()) or "none"
    new = f"; new fields: {', '.join(report.new_fields)}" if report.new_fields else ""
    return [
        f"detected: {detected}; {report.rows} rows",
        f"attributes: {attributes}{new}",
        f"{'dry run: ' if report.dry_run else ''}{report.created} created, {report.updated} "
        f"updated, {report.unchanged} unchanged, {len(report.ambiguous)} ambiguous, "
        f"{len(report.rejected)} rejected",
    ]


@contacts.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and report; write nothing.")
@click.option("--map", "pairs", multiple=True, metavar="OLD=NEW", help="Rename a file column.")
@click.option("--partner", help="Import as this partner's own contacts (partner slug).")
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the rejected rows (line, column, reason, values) to this CSV file.",
)
def contacts_import(
    file: Path, dry_run: bool, pairs: tuple[str, ...], partner: str | None, rejects: Path | None
) -> None:
    """Import contacts from a CSV or XLSX file (told apart by content, not by name)."""
    mapping = _parse_map(pairs)
    progress = _Progress()

    async def body(services: Any) -> Any:
        identity = await _acting(services, partner)
        with file.open("rb") as stream:
            try:
                return await services.records.import_file(
                    identity, stream, dry_run=dry_run, mapping=mapping, progress=progress
                )
            finally:
                progress.close()

    report = _with_services(body)
    for line in _summary(report):
        click.echo(line)
    for row in report.ambiguous:
        click.echo(f"  line {row.line}, ambiguous: {row.reason}")
    for row in report.rejected:
        click.echo(f"  line {row.line}, {row.column}: {row.reason}")
    if rejects is not None:
        from audiences.importing.spreadsheet import write_rejects

        with file.open("rb") as stream, rejects.open("w", encoding="utf-8", newline="") as out:
            count = write_rejects(out, stream, report, mapping)
        click.echo(f"{count} rejected rows written to {rejects}")


@contacts.command("export")
@click.argument("contact_id", type=int)
def contacts_export(contact_id: int) -> None:
    """Print everything held about a person as JSON (audited)."""
    import json

    async def body(services: Any) -> Any:
        return await services.records.export_contact(await _acting(services, None), contact_id)

    click.echo(json.dumps(_with_services(body), ensure_ascii=False, indent=2))


@contacts.command("export-csv")
@click.argument("out", type=click.File("wb"))
@click.option("--query", default="", help="Only the contacts this segment query matches.")
@click.option("--partner", help="As this partner: only its own contacts (partner slug).")
@click.option(
    "--delimiter", type=click.Choice(["semicolon", "comma"]), default="semicolon", show_default=True
)
def contacts_export_csv(out: Any, query: str, partner: str | None, delimiter: str) -> None:
    """Write contacts as CSV for a spreadsheet to OUT (- for standard output); audited."""
    from audiences.importing.spreadsheet import DELIMITERS, csv_lines

    async def body(services: Any) -> int:
        written = 0
        out.write("\ufeff".encode())  # so Excel reads UTF-8
        async for rows in services.records.contact_table(await _acting(services, partner), query):
            out.write(csv_lines(rows, DELIMITERS[delimiter]))
            written += len(rows)
        return written - 1  # the header

    count = _with_services(body)
    click.echo(f"{count} contacts written", err=True)


@contacts.command("erase")
@click.argument("contact_id", type=int)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def contacts_erase(contact_id: int, yes: bool) -> None:
    """Erase a person's personal data for good (audited); suppressions stay."""
    if not yes:
        click.confirm(f"Erase contact {contact_id} for good? This cannot be undone", abort=True)

    async def body(services: Services) -> bool:
        return await services.records.erase_contact(await _acting(services, None), contact_id)

    erased = _with_services(body)
    click.echo(f"contact {contact_id} {'erased' if erased else 'was erased already'}")


@main.command("check-message")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("--channel", type=click.Choice(["sms", "email"]), required=True)
@click.option("--lang", "language", required=True, help="Language code: nl, fr, de, en, …")
@click.option("--json", "as_json", is_flag=True, help="Print the analysis as JSON.")
def check_message_command(file: Any, channel: str, language: str, as_json: bool) -> None:
    """Check a rendered text (FILE, or - for standard input) for SMS cost and plain language."""
    import json

    from campaign.messages.checks import blocking_messages, check_message
    from campaign.messages.language import SUPPORTED_LANGUAGES

    if language not in SUPPORTED_LANGUAGES:
        _fail(f"--lang: {language!r} is not one of {', '.join(SUPPORTED_LANGUAGES)}", 2)
    result = check_message(channel, language, file.read())
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        _print_check(result)
    sys.exit(1 if blocking_messages(result) else 0)


def _print_check(result: dict[str, Any]) -> None:
    sms, plain = result["sms"], result["plain_language"]
    if sms:
        click.echo(
            f"SMS: {sms['encoding']}, {sms['segments']} segment(s), {sms['characters']} characters"
        )
    click.echo(f"Readability: {plain['score']} ({plain['grade']})")
    for finding in (sms["findings"] if sms else []) + plain["findings"]:
        mark = "must fix" if finding["blocking"] else "consider"
        click.echo(f"  [{mark}] {finding['rule']}: {finding['message']}")


@wraps(main)
def _entry() -> None:  # pragma: no cover - kept for `python -m campaign`
    main()
