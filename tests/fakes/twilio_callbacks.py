"""Status callbacks as Twilio posts them: form-encoded, signed with the auth token, a message's
reports in order, each posted once (Twilio does not repeat a callback that got an answer).

A message's reports are one job. A fixed pool of workers takes jobs from a queue over one
aiohttp session, so at most ``concurrency`` posts are in flight. A report is applied to the
record when its turn comes, posted or not (no StatusCallback, callbacks off), so fetch and
list show what the callbacks say. With a delay, each report waits in a FIFO of due times; in
manual mode jobs wait in ``held`` until ``settle``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from ipaddress import ip_address
from urllib.parse import urlsplit

import aiohttp
from yarl import URL

from tests.fakes.twilio_numbers import MessageStatus, Report
from tests.fakes.twilio_store import API_VERSION, MessageRecord

SIGNATURE_HEADER = "X-Twilio-Signature"
# Twilio gives up on a webhook that has not answered in 15 seconds.
CALLBACK_TIMEOUT = aiohttp.ClientTimeout(total=15)

Job = tuple[MessageRecord, tuple[Report, ...]]


def twilio_signature(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """X-Twilio-Signature: base64 HMAC-SHA1 of the URL followed by each key and value, sorted
    by key. Written here, not taken from the library, so that tests check the library."""
    signed = url + "".join(key + params[key] for key in sorted(params))
    digest = hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def callback_params(record: MessageRecord, report: Report, account_sid: str) -> dict[str, str]:
    """The form Twilio posts to a StatusCallback for one status of one message."""
    params = _form(record.sid, account_sid, record.from_ or "", record.to, report.status)
    if record.messaging_service_sid is not None:
        params["MessagingServiceSid"] = record.messaging_service_sid
    if report.error_code is not None:
        params["ErrorCode"] = str(report.error_code)
    return params


def stranger_params(sid: str, account_sid: str, status: MessageStatus) -> dict[str, str]:
    """A callback's form for a message this account never sent (a sid nobody knows)."""
    return _form(sid, account_sid, "+32460200001", "+32499199999", status)


def _form(sid: str, account_sid: str, sender: str, to: str, status: str) -> dict[str, str]:
    return {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": account_sid,
        "From": sender,
        "To": to,
        "MessageStatus": str(status),
        "SmsStatus": str(status),
        "ApiVersion": API_VERSION,
    }


def is_loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return host is not None and ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class CallbackFailure:
    """A callback that got no 2xx: ``http_status`` when it was answered, ``error`` when not."""

    url: str
    message_sid: str
    status: str
    http_status: int | None
    error: str | None


class CallbackPoster:
    """Applies and posts every message's reports (see the module docstring)."""

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        callback_to: str | None,
        enabled: bool,
        manual: bool,
        delay: float,
        apply: Callable[[MessageRecord, Report], None],
        concurrency: int = 64,
    ) -> None:
        self._account_sid = account_sid
        self._auth_token = auth_token
        self._callback_to = None if callback_to is None else callback_to.rstrip("/")
        self._enabled, self._manual, self._delay = enabled, manual, delay
        self._apply = apply
        self._concurrency = concurrency
        self._queue: asyncio.Queue[Job] = asyncio.Queue()
        self._held: list[Job] = []
        self._delayed: deque[tuple[float, Job]] = deque()
        self._wakeup = asyncio.Event()
        self._settling = 0
        self._tasks: list[asyncio.Task[None]] = []
        self._session: aiohttp.ClientSession | None = None
        self.posted = 0
        self.answered = 0
        self.failures: list[CallbackFailure] = []

    def redirect(self, callback_to: str | None) -> None:
        """Where callbacks go from now on (see ``callback_to``)."""
        self._callback_to = None if callback_to is None else callback_to.rstrip("/")

    async def start(self) -> None:
        connector = aiohttp.TCPConnector(limit=self._concurrency)
        self._session = aiohttp.ClientSession(connector=connector, timeout=CALLBACK_TIMEOUT)
        self._tasks = [asyncio.create_task(self._work()) for _ in range(self._concurrency)]
        self._tasks.append(asyncio.create_task(self._release_due()))

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        if self._session is not None:
            await self._session.close()
            self._session = None

    def schedule(self, record: MessageRecord, reports: tuple[Report, ...]) -> None:
        """Queue a new message's reports: held, delayed or straight to the workers."""
        if not reports:
            return
        if self._manual:
            self._held.append((record, reports))
        elif self._delay > 0:
            self._postpone((record, reports))
        else:
            self._queue.put_nowait((record, reports))

    async def settle(self) -> None:
        """Post everything held or delayed now, and return once every post is answered."""
        if not self._tasks:
            raise RuntimeError("the fake is not started")
        self._settling += 1
        try:
            while True:
                for job in self._held:
                    self._queue.put_nowait(job)
                self._held.clear()
                while self._delayed:
                    self._queue.put_nowait(self._delayed.popleft()[1])
                await self._queue.join()
                if not self._held and not self._delayed:
                    return
        finally:
            self._settling -= 1

    @property
    def pending(self) -> int:
        """Messages whose reports are not all applied yet."""
        return len(self._held) + len(self._delayed) + self._queue.qsize()

    async def post(self, url: str, params: Mapping[str, str], signature: str) -> int:
        """Post one callback signed with ``signature``, routed as the fake's own are; the
        HTTP status of the answer."""
        if self._session is None:
            raise RuntimeError("the fake is not started")
        target = self._target(url)
        if not is_loopback(urlsplit(target).hostname):
            raise ValueError(f"the fake posts only to loopback hosts, not {target}")
        async with self._session.post(
            URL(target, encoded=True), data=dict(params), headers={SIGNATURE_HEADER: signature}
        ) as response:
            await response.read()
            return response.status

    def _target(self, url: str) -> str:
        """Where a callback for ``url`` goes: ``callback_to`` with its path and query, as when
        a proxy that ends TLS sits in front of the service; the URL itself otherwise."""
        if self._callback_to is None:
            return url
        parts = urlsplit(url)
        return self._callback_to + parts.path + (f"?{parts.query}" if parts.query else "")

    def _postpone(self, job: Job) -> None:
        due = asyncio.get_running_loop().time() + self._delay
        self._delayed.append((due, job))
        self._wakeup.set()

    async def _release_due(self) -> None:
        # The delay is one constant, so due times arrive in order and a FIFO is enough.
        loop = asyncio.get_running_loop()
        while True:
            if not self._delayed:
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            wait = self._delayed[0][0] - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            self._queue.put_nowait(self._delayed.popleft()[1])

    async def _work(self) -> None:
        while True:
            job = await self._queue.get()
            try:
                await self._run(job)
            finally:
                self._queue.task_done()

    async def _run(self, job: Job) -> None:
        record, reports = job
        while reports:
            report, reports = reports[0], reports[1:]
            self._apply(record, report)
            if self._enabled and record.status_callback is not None:
                await self._post_report(record, report, record.status_callback)
            rushing = self._manual or self._settling > 0 or self._delay <= 0
            if reports and not rushing:
                self._postpone((record, reports))
                return

    async def _post_report(self, record: MessageRecord, report: Report, url: str) -> None:
        params = callback_params(record, report, self._account_sid)
        signature = twilio_signature(self._auth_token, url, params)
        self.posted += 1
        try:
            status = await self.post(url, params, signature)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            self._fail(record, report, None, f"{type(exc).__name__}: {exc}")
            return
        if 200 <= status < 300:
            self.answered += 1
        else:
            self._fail(record, report, status, None)

    def _fail(
        self, record: MessageRecord, report: Report, status: int | None, error: str | None
    ) -> None:
        url = self._target(record.status_callback or "")
        self.failures.append(CallbackFailure(url, record.sid, report.status, status, error))
