"""The SMTP adapter against a real SMTP server: TLS, login, the pool, the wire format, DKIM.

The contract suite (tests/contract) covers what every provider promises; these cases are the
relay's own: how a connection is opened and kept, and what the mail looks like on arrival.
"""

from __future__ import annotations

import asyncio
import base64
import ssl
import subprocess
from collections.abc import Iterator
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import dkim
import pytest

from campaign.channels import (
    OutboundMessage,
    PermanentSendError,
    ProviderUnavailable,
    RetryableSendError,
)
from campaign.channels.smtp.dkim import DkimKeyError, dkim_signature
from campaign.channels.smtp.mail import MailWriter
from campaign.channels.smtp.marks import MailMarks
from campaign.channels.smtp.pool import SmtpPool, SmtpRelay
from campaign.channels.smtp.provider import SmtpEmail
from campaign.kernel.channel import Channel
from campaign.kernel.clock import ManualClock
from campaign.kernel.security import Signer
from tests.fakes import smtp as relay_fake
from tests.fakes.smtp import MailServer, smtp_email


def _message(message_id: int, to: str = "els@example.org", **extra: object) -> OutboundMessage:
    fields: dict[str, object] = {
        "message_id": message_id,
        "channel": Channel.EMAIL,
        "to": to,
        "language": "fr",
        "text": "Bonjour Zoë,\n\nAppelez le 1700.\n.\nUne ligne avec un point seul.",
        "subject": "Aide pour l'énergie",
        "html": '<html lang="fr"><p>Bonjour Zoë</p></html>',
        "headers": {
            "List-Unsubscribe": "<https://campaign.test/u/abc>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    } | extra
    return OutboundMessage(**fields)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for localhost, made by openssl for this run."""
    folder = tmp_path_factory.mktemp("tls")
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"]
        + ["-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return key, cert


@pytest.fixture
def server_tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certfile=certificate[1], keyfile=certificate[0])
    return context


@pytest.fixture
def client_tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certificate[1]))


async def test_the_mail_arrives_as_a_mail_client_reads_it(clock: ManualClock) -> None:
    async with MailServer() as relay:
        provider = smtp_email(relay.port, clock)
        accepted = await provider.send(_message(4711))
        await provider.close()
        (mail,) = relay.received

    marks = MailMarks(
        Signer(relay_fake.SECRET), bounce_domain=relay_fake.BOUNCE_DOMAIN, id_domain="x"
    )
    assert marks.read_return_path(mail.sender) == 4711  # the return path names the message
    assert mail.recipients == ("els@example.org",)
    parsed = _parsed(mail.data)
    assert marks.read_message_id(parsed["Message-ID"]) == 4711
    assert accepted.provider_id == parsed["Message-ID"][1:].partition("@")[0]
    assert parsed["Subject"] == "Aide pour l'énergie"
    assert parsed["From"] == relay_fake.SENDER
    assert parsed["Content-Language"] == "fr"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert parsed["Date"]
    text, html = parsed.get_body(("plain",)), parsed.get_body(("html",))
    assert text is not None and html is not None
    assert text.get_content().replace("\r\n", "\n") == _message(1).text  # a lone dot survives
    assert "Bonjour Zoë" in html.get_content()


async def test_a_subject_or_header_cannot_add_headers_of_its_own(clock: ManualClock) -> None:
    async with MailServer() as relay:
        provider = smtp_email(relay.port, clock)
        await provider.send(_message(1, subject="Hulp\r\nBcc: everyone@example.org"))
        await provider.close()
        (mail,) = relay.received

    parsed = _parsed(mail.data)
    assert parsed["Bcc"] is None
    assert "Bcc: everyone@example.org" in parsed["Subject"]


async def test_the_pool_reuses_its_connections(clock: ManualClock) -> None:
    async with MailServer() as relay:
        provider = smtp_email(relay.port, clock, size=4)
        await asyncio.gather(*(provider.send(_message(n)) for n in range(200)))
        await provider.close()
        received = relay.received

    assert len(received) == 200
    assert relay.connections <= 4


async def test_a_connection_idle_too_long_is_opened_again(clock: ManualClock) -> None:
    async with MailServer(drop_idle_after=0.3) as relay:
        provider = smtp_email(relay.port, clock, size=1, idle_limit=60)
        await provider.send(_message(1))
        await asyncio.sleep(0.8)  # the server hangs up on the idle connection meanwhile
        await provider.send(_message(2))  # noticed at MAIL FROM, tried again on a new one
        clock.advance(61)  # past the pool's own idle limit: reopened before use
        await provider.send(_message(3))
        await provider.close()
        received = relay.received

    assert len(received) == 3
    assert relay.connections == 3


async def test_refused_content_is_permanent_and_the_connection_stays_usable(
    clock: ManualClock,
) -> None:
    async with MailServer() as relay:
        provider = smtp_email(relay.port, clock, size=1)
        with pytest.raises(PermanentSendError) as refused:
            await provider.send(_message(1, to=relay_fake.CONTENT))
        await provider.send(_message(2))  # after RSET, on the same connection
        await provider.close()
        received = relay.received

    assert refused.value.code == "5.7.1"
    assert len(received) == 1 and relay.connections == 1


async def test_a_server_closing_the_connection_defers_the_message(clock: ManualClock) -> None:
    async with MailServer() as relay:
        provider = smtp_email(relay.port, clock, size=1)
        with pytest.raises(RetryableSendError):
            await provider.send(_message(1, to=relay_fake.CLOSING))
        await provider.send(_message(2))  # on a new connection
        await provider.close()

    assert relay.connections == 2


async def test_greylisting_asks_for_the_servers_wait(clock: ManualClock) -> None:
    async with MailServer() as relay:
        provider = smtp_email(relay.port, clock)
        with pytest.raises(RetryableSendError) as deferred:
            await provider.send(_message(1, to=relay_fake.BUSY))
        await provider.close()

    assert deferred.value.code == "4.7.1"
    assert deferred.value.retry_after is not None
    assert deferred.value.retry_after.total_seconds() == 30


async def test_a_relay_nobody_answers_at_is_unavailable_not_a_failed_message(
    clock: ManualClock,
) -> None:
    async with MailServer() as relay:
        port = relay.port
    provider = smtp_email(port, clock, timeout=1.0)  # the server has gone

    with pytest.raises(ProviderUnavailable) as caught:
        await provider.send(_message(1))
    await provider.close()

    assert "cannot be reached" in caught.value.reason


async def test_starttls_and_login(
    clock: ManualClock, server_tls: ssl.SSLContext, client_tls: ssl.SSLContext
) -> None:
    async with MailServer(tls_context=server_tls, require_auth=("gent", "s3cret")) as relay:
        provider = smtp_email(
            relay.port, clock, tls="starttls", tls_context=client_tls, login=("gent", "s3cret")
        )
        await provider.send(_message(1))
        await provider.close()
        received = relay.received

    assert len(received) == 1


async def test_a_wrong_password_is_unavailable(
    clock: ManualClock, server_tls: ssl.SSLContext, client_tls: ssl.SSLContext
) -> None:
    async with MailServer(tls_context=server_tls, require_auth=("gent", "s3cret")) as relay:
        provider = smtp_email(
            relay.port, clock, tls="starttls", tls_context=client_tls, login=("gent", "wrong")
        )
        with pytest.raises(ProviderUnavailable) as caught:
            await provider.send(_message(1))
        await provider.close()

    assert "login" in caught.value.reason
    assert "wrong" not in caught.value.reason


async def test_starttls_is_insisted_on(clock: ManualClock) -> None:
    """A relay that does not offer STARTTLS never gets the mail in the clear."""
    async with MailServer() as relay:  # no TLS at all
        provider = smtp_email(relay.port, clock, tls="starttls")
        with pytest.raises(ProviderUnavailable):
            await provider.send(_message(1))
        await provider.close()

    assert relay.received == []


async def test_implicit_tls(
    clock: ManualClock, server_tls: ssl.SSLContext, client_tls: ssl.SSLContext
) -> None:
    async with MailServer(tls_context=server_tls, implicit_tls=True) as relay:
        provider = smtp_email(relay.port, clock, tls="tls", tls_context=client_tls)
        await provider.send(_message(1))
        await provider.close()
        received = relay.received

    assert len(received) == 1


async def test_an_untrusted_certificate_is_unavailable(
    clock: ManualClock, server_tls: ssl.SSLContext
) -> None:
    async with MailServer(tls_context=server_tls) as relay:
        provider = smtp_email(relay.port, clock, tls="starttls")  # the system's authorities
        with pytest.raises(ProviderUnavailable) as caught:
            await provider.send(_message(1))
        await provider.close()

    assert "TLS" in caught.value.reason


async def test_an_address_beyond_ascii_goes_with_smtputf8(clock: ManualClock) -> None:
    async with MailServer() as relay:
        provider = smtp_email(relay.port, clock)
        await provider.send(_message(1, to="zoë@example.org"))
        await provider.close()
        received = relay.received

    assert received[0].recipients == ("zoë@example.org",)


@pytest.fixture(scope="module")
def dkim_key(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, bytes]:
    folder = tmp_path_factory.mktemp("dkim")
    private = folder / "dkim.pem"
    subprocess.run(
        ["openssl", "genrsa", "-out", str(private), "2048"], check=True, capture_output=True
    )
    public = subprocess.run(
        ["openssl", "rsa", "-in", str(private), "-pubout", "-outform", "DER"],
        check=True,
        capture_output=True,
    ).stdout
    return private.read_bytes(), public


async def test_dkim_signature_verifies_against_the_published_key(
    clock: ManualClock, dkim_key: tuple[bytes, bytes]
) -> None:
    private, public = dkim_key
    sign = dkim_signature(private, selector="campaign", domain="gent.example.org")
    async with MailServer() as relay:
        relay_at = SmtpRelay("127.0.0.1", relay.port, tls="none")
        pool = SmtpPool(relay_at, clock, size=2, timeout=5, idle_limit=30)
        marks = MailMarks(Signer(relay_fake.SECRET), bounce_domain=None, id_domain="x.test")
        provider = SmtpEmail(pool, MailWriter(relay_fake.SENDER, sign=sign), marks, clock)
        await provider.send(_message(1))
        await provider.close()
        (mail,) = relay.received

    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)

    def dns(name: bytes, timeout: int = 5) -> bytes:
        assert name == b"campaign._domainkey.gent.example.org."
        return record

    assert mail.data.startswith(b"DKIM-Signature:")
    assert dkim.verify(mail.data, dnsfunc=dns)
    assert not dkim.verify(mail.data.replace(b"1700", b"1800"), dnsfunc=dns)
    assert mail.sender == "info@gent.example.org"  # no bounce domain: the sender's own address


def test_a_key_that_cannot_sign_is_refused_at_start() -> None:
    with pytest.raises(DkimKeyError):
        dkim_signature(b"not a key", selector="campaign", domain="gent.example.org")


def _parsed(data: bytes) -> EmailMessage:
    parsed = message_from_bytes(data, policy=default)
    assert isinstance(parsed, EmailMessage)
    return parsed


@pytest.fixture
def clock() -> Iterator[ManualClock]:
    yield ManualClock()
