"""A real SMTP server (aiosmtpd) standing in for a relay, with addresses that misbehave.

It runs in a thread of its own (aiosmtpd's ``Controller``), so a test's event loop and the
server never wait on each other. Every accepted mail is kept with its envelope. Reserved
recipient addresses make the relay answer as real ones do:

    refused@relay.test        550 5.1.1 to RCPT (the mailbox does not exist)
    busy@relay.test           451 4.7.1 to RCPT, asking to try again in 30 seconds
    closing@relay.test        421 4.3.2 to RCPT, and the connection is closed
    silent@relay.test         after the mail's bytes, no answer for ``hang_seconds``
    content@relay.test        554 5.7.1 to the end of DATA (the content refused)

``require_auth`` and ``tls_context`` turn on AUTH (over TLS) and STARTTLS or implicit TLS.
``drop_idle_after`` closes a client that was quiet that long, as Postfix does after 300 s.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import socket
import ssl
import threading
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from campaign.channels.smtp.mail import MailWriter
from campaign.channels.smtp.marks import MailMarks
from campaign.channels.smtp.pool import SmtpPool, SmtpRelay
from campaign.channels.smtp.provider import SmtpEmail
from campaign.kernel.clock import Clock
from campaign.kernel.security import Signer

REFUSED = "refused@relay.test"
BUSY = "busy@relay.test"
CLOSING = "closing@relay.test"
SILENT = "silent@relay.test"
CONTENT = "content@relay.test"


@dataclass(frozen=True, slots=True)
class Received:
    """One mail the relay accepted, as it came over the wire (kept before the relay's 250,
    so a client that saw the 250 finds it here)."""

    sender: str  # the envelope sender (MAIL FROM): our return path
    recipients: tuple[str, ...]
    data: bytes

    def parsed(self) -> Message:
        return message_from_bytes(self.data)


@dataclass
class _Handler:
    hang_seconds: float
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    transactions: int = 0

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook names)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        lowered = address.lower()
        if lowered == REFUSED:
            return "550 5.1.1 <refused@relay.test>: Recipient address rejected: User unknown"
        if lowered == BUSY:
            return "451 4.7.1 Greylisted, please try again in 30 seconds"
        if lowered == CLOSING:
            server.transport.close()  # type: ignore[union-attr]
            return "421 4.3.2 Service shutting down, closing transmission channel"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        recipients = tuple(a.lower() for a in envelope.rcpt_tos)
        if SILENT in recipients:
            await asyncio.sleep(self.hang_seconds)
            server.transport.close()  # type: ignore[union-attr]
            return "451 4.3.0 too late"
        if CONTENT in recipients:
            return "554 5.7.1 Message content rejected"
        data = envelope.original_content or b""
        with self.lock:
            self.received.append(Received(str(envelope.mail_from), recipients, data))
            self.transactions += 1
        return "250 2.0.0 Ok: queued"


class MailServer:
    """``async with MailServer() as relay:`` a relay on a free loopback port."""

    def __init__(
        self,
        *,
        hang_seconds: float = 5.0,
        tls_context: ssl.SSLContext | None = None,
        implicit_tls: bool = False,
        require_auth: tuple[str, str] | None = None,
        drop_idle_after: float | None = None,
    ) -> None:
        self._handler = _Handler(hang_seconds)
        self._tls = tls_context
        self._implicit = implicit_tls
        self._auth = require_auth
        self._idle = drop_idle_after
        self._controller: Controller | None = None
        self.connections = 0

    @property
    def received(self) -> list[Received]:
        with self._handler.lock:
            return list(self._handler.received)

    @property
    def port(self) -> int:
        assert self._controller is not None
        return int(self._controller.port)

    def start(self) -> MailServer:
        server_kwargs: dict[str, Any] = {"enable_SMTPUTF8": True}
        if self._tls is not None and not self._implicit:
            server_kwargs |= {"tls_context": self._tls, "require_starttls": True}
        if self._auth is not None:
            server_kwargs |= {
                "auth_required": True,
                "auth_require_tls": self._tls is not None,
                "authenticator": self._authenticate,
            }
        if self._idle is not None:
            server_kwargs["timeout"] = self._idle
        controller = _CountingController(
            self,
            self._handler,
            hostname="127.0.0.1",
            port=_free_port(),
            ssl_context=self._tls if self._implicit else None,
            server_hostname="localhost",
            **server_kwargs,
        )
        controller.start()
        self._controller = controller
        self.connections = 0  # the controller's own probe of its readiness is not a client
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    async def __aenter__(self) -> MailServer:
        return await asyncio.to_thread(self.start)

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.stop)

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert self._auth is not None
        good = (
            isinstance(data, LoginPassword)
            and (
                data.login.decode(),
                data.password.decode(),
            )
            == self._auth
        )
        return AuthResult(success=good, handled=False)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _CountingController(Controller):
    """Counts the connections clients open: a pool must reuse its own."""

    def __init__(self, owner: MailServer, handler: Any, **kwargs: Any) -> None:
        self._owner = owner
        super().__init__(handler, **kwargs)

    def factory(self) -> SMTP:
        self._owner.connections += 1
        server: SMTP = super().factory()  # type: ignore[no-untyped-call]
        return server


SECRET = b"s" * 32
SENDER = "Gemeente Gent <info@gent.example.org>"
BOUNCE_DOMAIN = "bounces.gent.example.org"


def smtp_email(
    port: int,
    clock: Clock,
    *,
    timeout: float = 5.0,
    size: int = 10,
    tls: str = "none",
    tls_context: ssl.SSLContext | None = None,
    login: tuple[str, str] | None = None,
    idle_limit: float = 30.0,
    secret: bytes = SECRET,
) -> SmtpEmail:
    """The SMTP adapter as the composition root builds it, pointed at a ``MailServer``."""
    relay = SmtpRelay(
        "127.0.0.1",
        port,
        tls=tls,
        username=login[0] if login else None,
        password=login[1] if login else None,
        tls_context=tls_context,
    )
    pool = SmtpPool(relay, clock, size=size, timeout=timeout, idle_limit=idle_limit)
    marks = MailMarks(Signer(secret), bounce_domain=BOUNCE_DOMAIN, id_domain="gent.example.org")
    return SmtpEmail(pool, MailWriter(SENDER), marks, clock)


def main() -> None:
    """``python -m tests.fakes.smtp --port-file F --log F``: a relay in a process of its own,
    writing its port to one file and a line per accepted mail (return path, recipient) to
    another, until stopped."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--port-file", type=Path, required=True)
    parser.add_argument("--log", type=Path, required=True)
    arguments = parser.parse_args()
    server = MailServer().start()
    written = 0
    arguments.port_file.write_text(str(server.port))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with arguments.log.open("a", buffering=1) as log:
        while not stop.wait(0.1):
            received = server.received
            for mail in received[written:]:
                log.write(f"{mail.sender} {' '.join(mail.recipients)}\n")
            written = len(received)
    server.stop()


if __name__ == "__main__":
    main()
