"""The ``campaign`` command: the process roles, the demo, and the administrative commands.

One module per command group; this one only gathers them under ``main``, the entry point.
"""

from __future__ import annotations

import click

from campaign.cli import admin, check, contacts, demo, dispatch, partners, roles


@click.group(
    commands=[
        *roles.COMMANDS,
        demo.demo,
        admin.db,
        admin.users,
        partners.partners,
        admin.api_keys,
        contacts.contacts,
        dispatch.dispatch,
        check.check_message_command,
    ]
)
def main() -> None:
    """Plain-language SMS and email campaigns."""
