"""Contacts from the command line, through the same records service as the API.

So the same rules apply and the same audit trail is written; without ``--partner`` a command
acts as an administrator.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click

from campaign.cli.common import with_services
from campaign.cli.importing import Progress, parse_map, summary
from campaign.kernel.identity import Identity, Role

if TYPE_CHECKING:
    from audiences.contacts.model import ImportReport
    from campaign.services import Services


@click.group()
def contacts() -> None:
    """Contacts."""


async def _acting(services: Services, partner: str | None) -> Identity:
    if partner is None:
        return Identity(role=Role.ADMIN, label="cli")
    partner_id = await services.accounts.partner_id(partner)  # an unknown slug lists the known
    return Identity(role=Role.PARTNER, label=f"cli for {partner}", partner_id=partner_id)


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
    mapping = parse_map(pairs)
    progress = Progress()

    async def body(services: Services) -> ImportReport:
        identity = await _acting(services, partner)
        with file.open("rb") as stream:
            try:
                return await services.records.import_file(
                    identity, stream, dry_run=dry_run, mapping=mapping, progress=progress
                )
            finally:
                progress.close()

    report = with_services(body)
    for line in summary(report):
        click.echo(line)
    if rejects is not None:
        from audiences.importing.spreadsheet import write_rejects

        with file.open("rb") as stream, rejects.open("wb") as out:
            count = write_rejects(out, stream, report)  # in the file's encoding and delimiter
        click.echo(f"{count} rejected rows written to {rejects}")


@contacts.command("export")
@click.argument("contact_id", type=int)
def contacts_export(contact_id: int) -> None:
    """Print everything held about a person as JSON (audited)."""
    import json

    async def body(services: Services) -> dict[str, Any]:
        return await services.records.export_contact(await _acting(services, None), contact_id)

    click.echo(json.dumps(with_services(body), ensure_ascii=False, indent=2))


@contacts.command("export-csv")
@click.argument("out", type=click.File("wb"))
@click.option("--query", default="", help="Only the contacts this segment query matches.")
@click.option("--partner", help="As this partner: only its own contacts (partner slug).")
@click.option(
    "--delimiter", type=click.Choice(["semicolon", "comma"]), default="semicolon", show_default=True
)
def contacts_export_csv(out: IO[bytes], query: str, partner: str | None, delimiter: str) -> None:
    """Write contacts as CSV for a spreadsheet to OUT (- for standard output); audited."""
    from audiences.importing.spreadsheet import DELIMITERS, csv_lines

    async def body(services: Services) -> int:
        written = 0
        out.write("\ufeff".encode())  # so Excel reads UTF-8
        async for rows in services.records.contact_table(await _acting(services, partner), query):
            out.write(csv_lines(rows, DELIMITERS[delimiter]))
            written += len(rows)
        return written - 1  # the header

    count = with_services(body)
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

    erased = with_services(body)
    click.echo(f"contact {contact_id} {'erased' if erased else 'was erased already'}")
