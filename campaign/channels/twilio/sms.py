"""The Twilio SMS adapter: the official ``twilio`` library's asynchronous client, one per
process, and its answers translated once, here, into the port's errors.

What the library does not do for us, and this adapter does:

- It ignores the timeout it is given, so each call runs under ``asyncio.timeout`` (shorter
  than the worker's lease).
- Its ``max_retries`` would repeat a POST after any 5xx, and Twilio has no idempotency key:
  it stays off. Only what certainly never reached Twilio is called retryable: a 429, and a
  connection that failed before the request was written (known from aiohttp's trace of the
  request's headers going out, kept per call in a context variable). A 5xx, a dropped
  connection or a time-out after that is ``SendOutcomeUnknown``, for the look-up to settle.
- Its session allows 100 connections: ours allows the worker's concurrency.
- Its errors carry no headers: ``Retry-After`` is read from the response by the same trace.

The client is made on first use, inside the running loop (aiohttp sessions belong to one
loop), and closed by ``close``.
"""

from __future__ import annotations

import asyncio
import contextvars
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from campaign.channels.base import (
    Accepted,
    OutboundMessage,
    PermanentSendError,
    ProviderUnavailable,
    RetryableSendError,
    SendError,
    SendOutcomeUnknown,
    Trace,
    text_digest,
)
from campaign.channels.twilio.codes import CodeKind, at_send, code_of
from campaign.kernel.clock import Clock

MAX_VALIDITY = 36_000  # seconds: Twilio keeps a message in its queue at most ten hours
_LOOKUP_LIMIT = 200  # the newest messages to a number a look-up reads
# Between our clock and Twilio's, and between the request and its record there.
_CLOCK_SKEW = timedelta(minutes=1)

# Per call: set afresh at its start, and each call of a worker runs in a task of its own.
_WRITTEN: contextvars.ContextVar[bool] = contextvars.ContextVar("twilio_written", default=False)
_RETRY_AFTER: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "twilio_retry_after", default=None
)


@dataclass(frozen=True, slots=True)
class TwilioAccount:
    """Who sends: the account, and a messaging service or a sender number or name."""

    account_sid: str
    auth_token: str
    messaging_service_sid: str | None = None
    sender: str | None = None  # TWILIO_FROM: a number, or an alphanumeric name
    api_base: str = "https://api.twilio.com"


def _new_call() -> None:
    _WRITTEN.set(False)
    _RETRY_AFTER.set(None)


async def _headers_sent(*_: Any) -> None:
    _WRITTEN.set(True)


async def _response_came(_session: Any, _context: Any, params: Any) -> None:
    _RETRY_AFTER.set(params.response.headers.get("Retry-After"))


def _trace() -> aiohttp.TraceConfig:
    trace = aiohttp.TraceConfig()
    trace.on_request_headers_sent.append(_headers_sent)
    trace.on_request_end.append(_response_came)
    return trace


class TwilioSms:
    """The ``Provider`` for SMS through Twilio's Messages API."""

    name = "sms"

    def __init__(
        self,
        account: TwilioAccount,
        clock: Clock,
        *,
        connections: int = 500,
        call_timeout: float = 15.0,
    ) -> None:
        self._account = account
        self._clock = clock
        self._connections = connections
        self._call_timeout = call_timeout
        self._client: Client | None = None
        self._http: AsyncTwilioHttpClient | None = None
        self._closed = False

    def _messages(self) -> Any:
        if self._closed:  # never sent, so another worker may send it later
            raise RetryableSendError("the Twilio client of this worker is shutting down")
        if self._client is None:
            http = AsyncTwilioHttpClient(pool_connections=False)  # max_retries stays None
            http.session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections),
                trace_configs=[_trace()],
            )
            client = Client(self._account.account_sid, self._account.auth_token, http_client=http)
            client.api.base_url = self._account.api_base.rstrip("/")
            self._http, self._client = http, client
        return self._client.api.v2010.accounts(self._account.account_sid).messages

    async def send(self, message: OutboundMessage) -> Accepted:
        _new_call()
        fields = self._fields(message)
        try:
            async with asyncio.timeout(self._call_timeout):
                created = await self._messages().create_async(**fields)
        except TwilioRestException as exc:
            raise _refused(exc) from None
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise _lost(exc) from None
        return Accepted(provider_id=str(created.sid), provider_status=str(created.status))

    def _fields(self, message: OutboundMessage) -> dict[str, Any]:
        fields: dict[str, Any] = {"to": message.to, "body": message.text}
        if self._account.messaging_service_sid:
            fields["messaging_service_sid"] = self._account.messaging_service_sid
        else:
            fields["from_"] = self._account.sender
        if message.status_callback_url:
            fields["status_callback"] = message.status_callback_url
        validity = self._validity(message.valid_until)
        if validity is not None:
            fields["validity_period"] = validity
        return fields

    def _validity(self, valid_until: datetime | None) -> int | None:
        """Seconds Twilio may keep trying: until the send window closes, at most ten hours."""
        if valid_until is None:
            return None
        left = math.floor((valid_until - self._clock.now()).total_seconds())
        return max(1, min(left, MAX_VALIDITY))

    async def find(self, to: str, digest: str, handed_over: datetime) -> Trace:
        """Twilio's messages to ``to`` (newest first, the last 200): the one with our text,
        created around the hand-over, is ours. Not the ``DateSent`` filter alone: a message
        Twilio still queues has no date sent, and would look absent."""
        _new_call()
        try:
            async with asyncio.timeout(self._call_timeout * 2):
                found = await self._messages().list_async(to=to, page_size=100, limit=_LOOKUP_LIMIT)
        except TwilioRestException as exc:
            raise _refused(exc) from None
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise RetryableSendError(f"the look-up did not finish: {_said(exc)}") from None
        since = handed_over - _CLOCK_SKEW
        until = handed_over + timedelta(seconds=self._call_timeout) + _CLOCK_SKEW
        around = [m for m in found if m.date_created and since <= m.date_created <= until]
        for sent in around:
            if text_digest(str(sent.body or "")) == digest:
                return Trace(Accepted(provider_id=str(sent.sid), provider_status=str(sent.status)))
        # A message then with another text (changed by Twilio's smart encoding?) may be ours:
        # only no message at all proves ours never arrived, and only if the list reached back
        # past the hand-over.
        seen_all = len(found) < _LOOKUP_LIMIT or any(
            m.date_created and m.date_created < since for m in found
        )
        return Trace(absent=seen_all and not around)

    async def close(self) -> None:
        self._closed = True
        if self._http is not None:
            await self._http.close()
            self._http = self._client = None


def _refused(exc: TwilioRestException) -> SendError:
    """An answer with an error: what Twilio's code says about the message."""
    status = int(exc.status)
    code = code_of(exc.code)
    said = at_send(code, status, _message_of(exc))
    code_text = str(code) if code is not None else str(status)
    if status == 429 or said.kind is CodeKind.RETRYABLE and status < 500:
        return RetryableSendError(said.reason, code_text, retry_after=_retry_after())
    if status >= 500:  # it may have taken the message before failing to answer
        return SendOutcomeUnknown(f"Twilio failed to answer ({status}): {said.reason}", code_text)
    if said.kind is CodeKind.ACCOUNT:
        return ProviderUnavailable(said.reason, code_text)
    return PermanentSendError(said.reason, code_text, opted_out=said.kind is CodeKind.OPTED_OUT)


def _lost(exc: BaseException) -> SendError:
    """No answer: retryable only when the request never left."""
    if not _WRITTEN.get():
        return RetryableSendError(f"could not reach Twilio: {_said(exc)}")
    return SendOutcomeUnknown(f"no answer from Twilio in time: {_said(exc)}")


def _retry_after() -> float | None:
    value = _RETRY_AFTER.get()
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:  # an HTTP date: rare from Twilio; our back-off applies
        return None


def _message_of(exc: TwilioRestException) -> str:
    text = str(exc.msg or "")
    return text.split(": ", 1)[-1] if ": " in text else text


def _said(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "it took too long"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return "the connection could not be made"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "the connection was closed without an answer"
    return "the connection failed"
