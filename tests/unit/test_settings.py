"""A wrong setting stops the service with one line that names the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from campaign.settings import SettingsError, load_settings


def _campaign(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CAMPAIGN_", "TWILIO_"))}
    clean["CAMPAIGN_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"
    return subprocess.run(
        [sys.executable, "-m", "campaign", "db", "upgrade"],
        env=clean | env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"CAMPAIGN_PORT": "eighty"}, "CAMPAIGN_PORT"),
        ({"CAMPAIGN_SMS_PROVIDER": "carrier-pigeon"}, "CAMPAIGN_SMS_PROVIDER"),
        ({"CAMPAIGN_SECRET_KEY": "short"}, "CAMPAIGN_SECRET_KEY"),
        ({"CAMPAIGN_SMS_PROVIDER": "twilio"}, "TWILIO_ACCOUNT_SID"),
        ({"CAMPAIGN_SEND_TIMEOUT": "90"}, "CAMPAIGN_SEND_TIMEOUT"),  # over half the lease
        (
            {
                "CAMPAIGN_SMS_PROVIDER": "twilio",
                "TWILIO_ACCOUNT_SID": "AC00000000000000000000000000000000",
                "TWILIO_AUTH_TOKEN": "token",
            },
            "TWILIO_FROM",
        ),
        (
            {
                "CAMPAIGN_SMS_PROVIDER": "twilio",
                "TWILIO_ACCOUNT_SID": "AC00000000000000000000000000000000",
                "TWILIO_AUTH_TOKEN": "token",
                "TWILIO_FROM": "Gemeente",
            },
            "CAMPAIGN_PUBLIC_URL",
        ),
    ],
)
def test_a_bad_setting_is_one_line_naming_the_variable(
    tmp_path: Path, env: dict[str, str], variable: str
) -> None:
    result = _campaign(tmp_path, **env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"campaign: {variable}: "), result.stderr
    assert "Traceback" not in result.stderr


def test_outside_the_embedded_default_a_secret_key_is_required() -> None:
    with pytest.raises(SettingsError, match="^CAMPAIGN_SECRET_KEY: required"):
        load_settings(database_url="postgresql+asyncpg://x@127.0.0.1/none")


def test_the_embedded_default_keeps_one_secret_beside_its_database(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'campaign.db'}"
    first, second = load_settings(database_url=url), load_settings(database_url=url)
    assert first.secret() == second.secret()
    assert (tmp_path / "campaign.db.secret").stat().st_mode & 0o077 == 0


KEY = "k" * 32


def test_email_through_smtp_is_accepted_with_its_domain() -> None:
    settings = load_settings(
        email_provider="smtp", secret_key=KEY, email_from='"Stad Gent, OCMW" <info@gent.be>'
    )
    assert settings.email_domain == "gent.be"


@pytest.mark.parametrize(
    ("overrides", "variable"),
    [
        ({"email_from": "Stad Gent, OCMW <info@gent.be>"}, "CAMPAIGN_EMAIL_FROM"),
        ({"email_from": "nobody"}, "CAMPAIGN_EMAIL_FROM"),
        ({"dkim_key_file": "/nonexistent.pem", "dkim_selector": "s"}, "CAMPAIGN_DKIM_KEY_FILE"),
        ({"dkim_key_file": __file__}, "CAMPAIGN_DKIM_SELECTOR"),
        ({"bounce_secret": "short"}, "CAMPAIGN_BOUNCE_SECRET"),
        ({"mail_in_port": "0"}, "CAMPAIGN_MAIL_IN_PORT"),
        ({"smtp_tls": "ssl"}, "SMTP_TLS"),
    ],
)
def test_a_wrong_email_setting_names_its_variable(overrides: dict[str, str], variable: str) -> None:
    with pytest.raises(SettingsError, match=f"^{variable}:"):
        load_settings(email_provider="smtp", secret_key=KEY, **overrides)


def test_an_empty_value_is_not_set() -> None:
    settings = load_settings(secret_key=KEY, smtp_username="", bounce_secret="", bounce_domain="")
    assert (settings.smtp_username, settings.bounce_secret, settings.bounce_domain) == (
        None,
        None,
        None,
    )
