"""Email through an SMTP relay: one transaction per message over a pooled connection.

What the relay answers becomes the port's errors, once, here:

- 250 after the mail: accepted (``sent``, final for email unless a bounce comes back);
- 4xx to the recipient or the mail: ``RetryableSendError``, with the wait the server names
  when it names one ("try again in 60 seconds");
- 5xx to the recipient or the mail: ``PermanentSendError`` with the enhanced status code;
- the connection lost, or no answer, after the mail's bytes went out (``DATA``):
  ``SendOutcomeUnknown``: the relay may have queued it, so it is not sent again blindly;
- the connection lost before that: tried once more on a fresh connection (servers drop idle
  clients), then ``RetryableSendError``;
- the relay cannot be reached, refuses our login or our sender, or will not do TLS:
  ``ProviderUnavailable``: no single message is at fault, and dispatch waits for the relay.
"""

from __future__ import annotations

import logging
import re
import ssl
from datetime import timedelta

import aiosmtplib
from aiosmtplib import (
    SMTPAuthenticationError,
    SMTPResponseException,
    SMTPServerDisconnected,
    SMTPTimeoutError,
)

from campaign.channels.base import (
    Accepted,
    OutboundMessage,
    PermanentSendError,
    ProviderUnavailable,
    RetryableSendError,
    SendError,
    SendOutcomeUnknown,
)
from campaign.channels.smtp.mail import MailWriter
from campaign.channels.smtp.marks import MailMarks
from campaign.channels.smtp.pool import Connection, SmtpPool
from campaign.kernel.clock import Clock

log = logging.getLogger(__name__)

_ENHANCED = re.compile(r"^\s*([245]\.\d{1,3}\.\d{1,3})\b")
_WAIT = re.compile(
    r"(?:try|retry)[^0-9]{0,30}?(\d{1,5})\s*(s|sec|secs|seconds?|m|mins?|minutes?)\b",
    re.IGNORECASE,
)


class _Stale(Exception):
    """The connection was gone before the first command of the transaction was answered."""


class SmtpEmail:
    """The ``Provider`` for email over SMTP."""

    name = "email"

    def __init__(self, pool: SmtpPool, writer: MailWriter, marks: MailMarks, clock: Clock) -> None:
        self._pool = pool
        self._writer = writer
        self._marks = marks
        self._clock = clock
        self._closed = False

    @property
    def pool(self) -> SmtpPool:
        return self._pool

    async def send(self, message: OutboundMessage) -> Accepted:
        if self._closed:  # never handed over, so another worker may send it later
            raise RetryableSendError("the email provider is shutting down")
        mail_id = self._marks.message_id(message.message_id)
        data = self._writer.write(
            to=message.to,
            subject=message.subject or "",
            text=message.text,
            html=message.html,
            language=message.language,
            message_id=mail_id,
            date=self._clock.now(),
            headers=message.headers,
        )
        sender = self._marks.return_path(message.message_id, self._writer.sender_address)
        for last_try in (False, True):
            connection = await self._take()
            try:
                reply = await _transaction(connection, sender, message.to, data)
            except _Stale:
                await self._pool.discard(connection)
                if last_try:
                    raise RetryableSendError("the mail server closed the connection") from None
                continue
            except _Refused as refused:
                await self._after_refusal(connection, refused)
                raise refused.error from None
            except SendError:
                await self._pool.discard(connection)
                raise
            self._pool.give(connection)
            # The Message-ID's left part: unique per hand-over, and short enough to keep.
            return Accepted(provider_id=mail_id[1:].partition("@")[0], provider_status=str(reply))
        raise AssertionError("unreachable")  # pragma: no cover

    async def _take(self) -> Connection:
        try:
            return await self._pool.take()
        except SMTPAuthenticationError as exc:
            raise ProviderUnavailable(
                f"the mail server refused our login: {_words(exc)}", str(exc.code)
            ) from None
        except SMTPResponseException as exc:  # a greeting or EHLO refused
            raise ProviderUnavailable(
                f"the mail server refused the connection: {_words(exc)}", str(exc.code)
            ) from None
        except (aiosmtplib.SMTPException, OSError, ssl.SSLError, TimeoutError) as exc:
            raise ProviderUnavailable(
                f"the mail server cannot be reached: {_unreachable(exc)}"[:300]
            ) from None

    async def _after_refusal(self, connection: Connection, refused: _Refused) -> None:
        """A refused transaction leaves the session open: reset it for the next mail, unless
        the server said it is closing (421) or the reset fails."""
        if refused.closing:
            await self._pool.discard(connection)
            return
        try:
            await connection.smtp.rset()
        except Exception:
            await self._pool.discard(connection)
        else:
            self._pool.give(connection)

    async def close(self) -> None:
        self._closed = True
        await self._pool.close()


class _Refused(Exception):
    def __init__(self, error: SendError, *, closing: bool) -> None:
        super().__init__(error.reason)
        self.error = error
        self.closing = closing


async def _transaction(connection: Connection, sender: str, to: str, data: bytes) -> int:
    """MAIL, RCPT, DATA for one recipient; the final reply's code."""
    smtp = connection.smtp
    options: list[str] = []
    encoding = "ascii"
    if not to.isascii():
        if not connection.supports_utf8:
            raise _Refused(
                PermanentSendError(
                    "the mail server cannot take an address with letters beyond ASCII"
                ),
                closing=False,
            )
        options, encoding = ["SMTPUTF8"], "utf-8"
    try:
        await smtp.mail(sender, options=options, encoding=encoding)
    except (SMTPServerDisconnected, SMTPTimeoutError):
        raise _Stale from None
    except SMTPResponseException as exc:
        raise _refusal(exc, sender_refused=True) from None
    try:
        await smtp.rcpt(to, encoding=encoding)
    except (SMTPServerDisconnected, SMTPTimeoutError) as exc:
        raise RetryableSendError(f"the mail server went away: {_lost(exc)}") from None
    except SMTPResponseException as exc:
        raise _refusal(exc) from None
    try:
        reply = await smtp.data(data)
    except (SMTPServerDisconnected, SMTPTimeoutError) as exc:
        raise SendOutcomeUnknown(
            f"no answer from the mail server after the mail was sent: {_lost(exc)}"
        ) from None
    except SMTPResponseException as exc:
        raise _refusal(exc) from None
    return int(reply.code)


def _refusal(exc: SMTPResponseException, *, sender_refused: bool = False) -> _Refused:
    code = int(exc.code)
    words = _words(exc)
    status = _status(exc)
    closing = code == 421
    if 400 <= code < 500:
        return _Refused(
            RetryableSendError(
                f"the mail server asks to try later: {words}", status, retry_after=_wait(words)
            ),
            closing=closing,
        )
    if sender_refused:  # every mail would be refused the same way: the account's fault
        return _Refused(
            ProviderUnavailable(f"the mail server refuses our sender: {words}", status),
            closing=closing,
        )
    return _Refused(
        PermanentSendError(f"the mail server refused the mail: {words}", status), closing=closing
    )


def _status(exc: SMTPResponseException) -> str:
    """The enhanced status code (5.1.1) when the server gives one, else the reply code."""
    found = _ENHANCED.match(exc.message or "")
    return found.group(1) if found else str(exc.code)


def _words(exc: SMTPResponseException) -> str:
    return f"{exc.code} {' '.join((exc.message or '').split())}"[:300]


def _wait(words: str) -> timedelta | None:
    found = _WAIT.search(words)
    if found is None:
        return None
    amount = int(found.group(1))
    return (
        timedelta(minutes=amount)
        if found.group(2).lower().startswith("m")
        else timedelta(seconds=amount)
    )


def _lost(exc: Exception) -> str:
    if isinstance(exc, TimeoutError):
        return "it took too long"
    return "the connection was closed"


def _unreachable(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return f"the TLS handshake failed ({exc})"
    if isinstance(exc, TimeoutError):
        return "it took too long to answer"
    if isinstance(exc, aiosmtplib.SMTPNotSupported):
        return f"it does not offer what SMTP_TLS asks for ({exc})"
    return str(exc) or "the connection failed"
