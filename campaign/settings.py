"""Settings from the environment (and an optional ``.env``), validated once at start-up.

A wrong value raises ``SettingsError`` whose message names the variable, so the CLI can
print one clear line instead of a traceback. Secrets are ``SecretStr`` and never logged.
"""

from __future__ import annotations

import re
import secrets
from datetime import time
from email.utils import getaddresses, parseaddr
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from campaign.kernel.files import keep_private, publish_private


class SettingsError(Exception):
    """A setting is missing or invalid; the message names the environment variable."""


class SmsProvider(StrEnum):
    SANDBOX = "sandbox"
    TWILIO = "twilio"


class EmailProvider(StrEnum):
    SANDBOX = "sandbox"
    SMTP = "smtp"


class SmtpTls(StrEnum):
    STARTTLS = "starttls"
    TLS = "tls"
    NONE = "none"


def _env(name: str) -> Any:
    return Field(validation_alias=AliasChoices(name))


DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///campaign.db"


class Settings(BaseSettings):
    """Every setting of the service; field aliases are the environment variable names."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=False
    )

    database_url: Annotated[str, _env("CAMPAIGN_DATABASE_URL")] = DEFAULT_DATABASE_URL
    host: Annotated[str, _env("CAMPAIGN_HOST")] = "127.0.0.1"
    port: Annotated[int, _env("CAMPAIGN_PORT"), Field(ge=1, le=65535)] = 8080
    public_url: Annotated[str | None, _env("CAMPAIGN_PUBLIC_URL")] = None
    secret_key: Annotated[SecretStr | None, _env("CAMPAIGN_SECRET_KEY")] = None
    default_region: Annotated[str, _env("CAMPAIGN_DEFAULT_REGION")] = "BE"
    default_time_zone: Annotated[str, _env("CAMPAIGN_DEFAULT_TIME_ZONE")] = "Europe/Brussels"
    retention_days: Annotated[int, _env("CAMPAIGN_RETENTION_DAYS"), Field(ge=1)] = 30
    log_level: Annotated[str, _env("CAMPAIGN_LOG_LEVEL")] = "INFO"

    sms_provider: Annotated[SmsProvider, _env("CAMPAIGN_SMS_PROVIDER")] = SmsProvider.SANDBOX
    twilio_account_sid: Annotated[str | None, _env("TWILIO_ACCOUNT_SID")] = None
    twilio_auth_token: Annotated[SecretStr | None, _env("TWILIO_AUTH_TOKEN")] = None
    twilio_messaging_service_sid: Annotated[str | None, _env("TWILIO_MESSAGING_SERVICE_SID")] = None
    twilio_from: Annotated[str | None, _env("TWILIO_FROM")] = None
    twilio_api_base: Annotated[str, _env("TWILIO_API_BASE")] = "https://api.twilio.com"
    sms_rate: Annotated[float, _env("CAMPAIGN_SMS_RATE"), Field(gt=0)] = 50.0
    sms_price: Annotated[float, _env("CAMPAIGN_SMS_PRICE"), Field(ge=0)] = 0.08

    email_provider: Annotated[EmailProvider, _env("CAMPAIGN_EMAIL_PROVIDER")] = (
        EmailProvider.SANDBOX
    )
    email_from: Annotated[str, _env("CAMPAIGN_EMAIL_FROM")] = "Info <info@campaign.localhost>"
    bounce_domain: Annotated[str | None, _env("CAMPAIGN_BOUNCE_DOMAIN")] = None
    smtp_host: Annotated[str, _env("SMTP_HOST")] = "127.0.0.1"
    smtp_port: Annotated[int, _env("SMTP_PORT"), Field(ge=1, le=65535)] = 25
    smtp_username: Annotated[str | None, _env("SMTP_USERNAME")] = None
    smtp_password: Annotated[SecretStr | None, _env("SMTP_PASSWORD")] = None
    smtp_tls: Annotated[SmtpTls, _env("SMTP_TLS")] = SmtpTls.STARTTLS
    email_rate: Annotated[float, _env("CAMPAIGN_EMAIL_RATE"), Field(gt=0)] = 50.0
    # Connections each worker keeps open to the relay; DKIM when the relay does not sign.
    smtp_pool_size: Annotated[int, _env("SMTP_POOL_SIZE"), Field(ge=1, le=200)] = 10
    dkim_key_file: Annotated[Path | None, _env("CAMPAIGN_DKIM_KEY_FILE")] = None
    dkim_selector: Annotated[str | None, _env("CAMPAIGN_DKIM_SELECTOR")] = None
    # The bounce receiver (SMTP, off when no port is set) and the secret relays that post
    # bounces over HTTP present.
    mail_in_host: Annotated[str | None, _env("CAMPAIGN_MAIL_IN_HOST")] = None
    mail_in_port: Annotated[int | None, _env("CAMPAIGN_MAIL_IN_PORT"), Field(ge=1, le=65535)] = None
    bounce_secret: Annotated[SecretStr | None, _env("CAMPAIGN_BOUNCE_SECRET")] = None

    # Dispatch (docs/operations.md): when nobody is disturbed, how often one person may be
    # reached, how long an `unknown` message keeps its campaign running, the sandbox's latency.
    quiet_hours: Annotated[str, _env("CAMPAIGN_QUIET_HOURS")] = "21:00-08:00"
    weekly_cap: Annotated[int, _env("CAMPAIGN_WEEKLY_CAP"), Field(ge=1)] = 5
    unknown_settle_hours: Annotated[float, _env("CAMPAIGN_UNKNOWN_SETTLE_HOURS"), Field(gt=0)] = (
        72.0
    )
    worker_concurrency: Annotated[
        int, _env("CAMPAIGN_WORKER_CONCURRENCY"), Field(ge=1, le=5000)
    ] = 500
    sandbox_latency: Annotated[float, _env("CAMPAIGN_SANDBOX_LATENCY"), Field(ge=0, le=30)] = 0.0
    # A provider call's limit, a worker's lease on what it claimed (a killed worker's messages
    # wait this long), and when an `unknown` message is first looked up at its provider.
    send_timeout: Annotated[float, _env("CAMPAIGN_SEND_TIMEOUT"), Field(gt=0, le=300)] = 15.0
    lease_seconds: Annotated[float, _env("CAMPAIGN_LEASE_SECONDS"), Field(ge=5, le=3600)] = 120.0
    lookup_after: Annotated[float, _env("CAMPAIGN_LOOKUP_AFTER"), Field(ge=0, le=86400)] = 120.0

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "must start with sqlite+aiosqlite:// or postgresql+asyncpg:// "
                f"(got {value.split('://', 1)[0]}://...)"
            )
        return value

    @field_validator(
        "smtp_username",
        "smtp_password",
        "bounce_secret",
        "bounce_domain",
        "dkim_selector",
        "dkim_key_file",
        "mail_in_host",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        # docker compose writes `${X:-}` as an empty value: that means "not set".
        return None if value == "" else value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_hours_shape(cls, value: str) -> str:
        _quiet_hours(value)
        return value.strip().lower()

    @field_validator("default_time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("default_region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        if value.upper() not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"unknown phone region {value!r} (use a code such as BE)")
        return value.upper()

    @property
    def default_quiet_hours(self) -> tuple[time, time] | None:
        """The service's quiet hours (start, end) in each person's time zone; None when off."""
        return _quiet_hours(self.quiet_hours)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def is_embedded(self) -> bool:
        """SQLite with sandbox channels: the one shape allowed to make its own secret key."""
        return (
            self.is_sqlite
            and self.sms_provider is SmsProvider.SANDBOX
            and self.email_provider is EmailProvider.SANDBOX
        )

    @property
    def sqlite_path(self) -> Path | None:
        if not self.is_sqlite:
            return None
        path = self.database_url.split(":///", 1)[1] if ":///" in self.database_url else ""
        return None if path in ("", ":memory:") else Path(path)

    @property
    def email_domain(self) -> str:
        """The domain of ``CAMPAIGN_EMAIL_FROM``: our Message-IDs and DKIM signatures name it."""
        return parseaddr(self.email_from)[1].rpartition("@")[2].lower()

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    def secret(self) -> bytes:
        """The secret key's bytes; ``resolve_secret`` must have run."""
        if self.secret_key is None:
            raise SettingsError("CAMPAIGN_SECRET_KEY: not set")
        return self.secret_key.get_secret_value().encode()


_ALIASES = {
    name: str(field.validation_alias.choices[0])  # type: ignore[union-attr]
    for name, field in Settings.model_fields.items()
}


def load_settings(**overrides: Any) -> Settings:
    """Read and validate settings; raise ``SettingsError`` naming the first bad variable."""
    try:
        settings = Settings(**{_ALIASES[k]: v for k, v in overrides.items()})
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "?"
        variable = _ALIASES.get(field, field)
        raise SettingsError(f"{variable}: {first['msg']}") from None
    _check_dispatch(settings)
    _check_providers(settings)
    _check_email(settings)
    return resolve_secret(settings)


def _check_dispatch(settings: Settings) -> None:
    if settings.send_timeout * 2 > settings.lease_seconds:
        raise SettingsError(
            "CAMPAIGN_SEND_TIMEOUT: at most half of CAMPAIGN_LEASE_SECONDS "
            f"({settings.lease_seconds:g}), so a call is over before its lease runs out"
        )


def _check_providers(settings: Settings) -> None:
    if settings.sms_provider is SmsProvider.TWILIO:
        for name in ("twilio_account_sid", "twilio_auth_token"):
            if getattr(settings, name) is None:
                raise SettingsError(f"{_ALIASES[name]}: required when CAMPAIGN_SMS_PROVIDER=twilio")
        if not (settings.twilio_messaging_service_sid or settings.twilio_from):
            raise SettingsError(
                "TWILIO_FROM: set it or TWILIO_MESSAGING_SERVICE_SID "
                "when CAMPAIGN_SMS_PROVIDER=twilio"
            )
        if settings.public_url is None:
            raise SettingsError(
                "CAMPAIGN_PUBLIC_URL: required when CAMPAIGN_SMS_PROVIDER=twilio: Twilio posts "
                "status callbacks to it, and signs them with it"
            )


def _check_email(settings: Settings) -> None:
    found = getaddresses([settings.email_from])
    if len(found) != 1 or "@" not in found[0][1]:
        raise SettingsError(
            f"CAMPAIGN_EMAIL_FROM: not one address (got {settings.email_from!r}); write it as "
            "Name <address@domain>, with the name in double quotes if it holds a comma"
        )
    if settings.dkim_key_file is not None:
        if not settings.dkim_selector:
            raise SettingsError("CAMPAIGN_DKIM_SELECTOR: required with CAMPAIGN_DKIM_KEY_FILE")
        if not settings.dkim_key_file.is_file():
            raise SettingsError(f"CAMPAIGN_DKIM_KEY_FILE: no such file: {settings.dkim_key_file}")
    secret = settings.bounce_secret
    if secret is not None and len(secret.get_secret_value()) < 16:
        raise SettingsError("CAMPAIGN_BOUNCE_SECRET: must be at least 16 characters long")


def resolve_secret(settings: Settings) -> Settings:
    """Keep the given secret; the embedded shape makes one once and keeps it by the database."""
    if settings.secret_key is not None:
        if len(settings.secret_key.get_secret_value()) < 32:
            raise SettingsError("CAMPAIGN_SECRET_KEY: must be at least 32 characters long")
        return settings
    if not settings.is_embedded:
        raise SettingsError(
            "CAMPAIGN_SECRET_KEY: required outside the embedded default "
            "(SQLite with sandbox channels)"
        )
    db_path = settings.sqlite_path
    if db_path is None:  # an in-memory database lives as long as the process: so does its key
        return settings.model_copy(update={"secret_key": SecretStr(secrets.token_urlsafe(32))})
    return settings.model_copy(update={"secret_key": SecretStr(_kept_secret(db_path))})


def _kept_secret(db_path: Path) -> str:
    """The key kept in ``<database>.secret`` (0600), made there first if there is none; two
    processes starting at once publish one key between them and both read it."""
    key_file = db_path.with_name(db_path.name + ".secret")
    key_file.parent.mkdir(parents=True, exist_ok=True)
    if not key_file.exists():
        publish_private(key_file, secrets.token_urlsafe(32))  # False: another was first
    keep_private(key_file)  # as an older version may have left it
    secret = key_file.read_text().strip()
    if len(secret) < 32:
        raise SettingsError(
            f"CAMPAIGN_SECRET_KEY: not set, and the key kept in {key_file} is shorter than 32 "
            "characters (damaged?): restore it from a backup, or set the variable"
        )
    return secret


_QUIET = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def _quiet_hours(value: str) -> tuple[time, time] | None:
    """``HH:MM-HH:MM`` (the end may be the next morning), or ``off``."""
    if value.strip().lower() == "off":
        return None
    match = _QUIET.match(value)
    if match is None:
        raise ValueError(f"expected HH:MM-HH:MM or off (got {value!r})")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    try:
        start, end = time(h1, m1), time(h2, m2)
    except ValueError as exc:
        raise ValueError(f"not a time of day in {value!r}: {exc}") from exc
    if start == end:
        raise ValueError(f"start and end are the same in {value!r}: use off to have none")
    return start, end
