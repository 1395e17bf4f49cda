"""Check a message before it goes into a template, without a database or any setting.

The exit status is 1 when a finding would hold approval back, so a script or an editor can
refuse the text on the spot.
"""

from __future__ import annotations

import sys
from typing import IO, Any

import click

from campaign.cli.common import fail


@click.command("check-message")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("--channel", type=click.Choice(["sms", "email"]), required=True)
@click.option("--lang", "language", required=True, help="Language code: nl, fr, de, en, …")
@click.option("--json", "as_json", is_flag=True, help="Print the analysis as JSON.")
def check_message_command(file: IO[str], channel: str, language: str, as_json: bool) -> None:
    """Check a rendered text (FILE, or - for standard input) for SMS cost and plain language."""
    import json

    from campaign.messages.checks import blocking_messages, check_message
    from campaign.messages.language import SUPPORTED_LANGUAGES

    if language not in SUPPORTED_LANGUAGES:
        fail(f"--lang: {language!r} is not one of {', '.join(SUPPORTED_LANGUAGES)}", 2)
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
