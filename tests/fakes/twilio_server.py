"""``FakeTwilio``: the Messages REST API on 127.0.0.1, its faults, and the control endpoints.
What it answers is described in ``tests.fakes.twilio``."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import sys
from collections import Counter
from types import TracebackType
from urllib.parse import parse_qsl

from aiohttp import web

from campaign.messages.sms import sms_info
from tests.fakes import twilio_numbers as errors
from tests.fakes.twilio_callbacks import (
    CallbackFailure,
    CallbackPoster,
    is_loopback,
    stranger_params,
    twilio_signature,
)
from tests.fakes.twilio_numbers import (
    ACCOUNT_ERRORS,
    FAKE_NUMBERS,
    ORDINARY,
    Answer,
    ApiError,
    Behaviour,
    MessageStatus,
    Report,
)
from tests.fakes.twilio_requests import (
    KNOBS,
    SHARES,
    CreateRequest,
    basic_auth_header,
    credentials_match,
    read_create,
    read_knobs,
    read_list_query,
)
from tests.fakes.twilio_store import (
    API_VERSION,
    Clock,
    MessageRecord,
    MessageStore,
    list_page,
    resource,
)

_ACCOUNT = f"/{API_VERSION}/Accounts/{{account_sid}}"
_JSON = "application/json"
SENT_TWICE_SHOWN = 1000
# What each share in SHARES does to a create it draws.
_FAULTS: tuple[ApiError | Answer, ...] = (
    errors.TOO_MANY_REQUESTS,
    Answer.SERVER_ERROR,
    Answer.HANG,
    Answer.DROP,
)


def _json(payload: object, status: int = 200) -> web.Response:
    return web.Response(body=json.dumps(payload).encode(), status=status, content_type=_JSON)


def _shared(value: str | None) -> str | None:
    # A run's messages mostly share one sender: one string for all keeps 100,000 records small.
    return None if value is None else sys.intern(value)


def _error(error: ApiError) -> web.Response:
    return web.Response(
        body=error.body(), status=error.status, content_type=_JSON, headers=error.headers()
    )


class FakeTwilio:
    """Twilio's Messages API, answered as Twilio answers it, with status callbacks."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        callback_to: str | None = None,
        latency: float = 0.0,
        callbacks: bool = True,
        manual_callbacks: bool = False,
        callback_delay: float = 0.0,
        seed: int = 0,
        hang_seconds: float = 60.0,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.latency = latency
        self.hang_seconds = hang_seconds
        self.base_url: str | None = None
        self.creates = 0
        self.account_error: int | None = None
        self.throttle_share = self.accept_then_500_share = 0.0
        self.hang_share = self.drop_connection_share = 0.0
        self.duplicate_callbacks = self.reverse_callbacks = False
        self._random = random.Random(seed)
        # Not from the seed: a restarted fake or a second one must never repeat a sid.
        self._sids = random.Random()
        self._auth_header = basic_auth_header(account_sid, auth_token)
        self._behaviours = dict(FAKE_NUMBERS)
        self._clock = Clock()
        self._store = MessageStore()
        self._callbacks = CallbackPoster(
            account_sid=account_sid,
            auth_token=auth_token,
            callback_to=callback_to,
            enabled=callbacks,
            manual=manual_callbacks,
            delay=callback_delay,
            apply=self._apply_report,
        )
        self._runner: web.AppRunner | None = None
        self._closing = asyncio.Event()

    # -- life --------------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen on ``host``:``port`` (0: any free port); the base URL to give the client."""
        if not is_loopback(host):
            raise ValueError(f"the fake listens on loopback addresses only, not {host}")
        self._closing.clear()
        await self._callbacks.start()
        self._runner = web.AppRunner(self._app(), access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound = self._runner.addresses[0][1]
        shown = f"[{host}]" if ":" in host else host
        self.base_url = f"http://{shown}:{bound}"
        return self.base_url

    async def close(self) -> None:
        """Stop listening (held creates are let go) and stop posting callbacks."""
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self._callbacks.close()

    def send_callbacks_to(self, base_url: str | None) -> None:
        """Post callbacks to ``base_url`` from now on (a service started after the fake)."""
        self._callbacks.redirect(base_url)

    async def settle(self) -> None:
        """Post every queued or delayed callback now; return when all have been answered."""
        await self._callbacks.settle()

    async def __aenter__(self) -> FakeTwilio:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_post(f"{_ACCOUNT}/Messages.json", self._create)
        app.router.add_get(f"{_ACCOUNT}/Messages.json", self._list)
        app.router.add_get(f"{_ACCOUNT}/Messages/{{sid}}.json", self._fetch)
        app.router.add_get("/_fake/state", self._state_endpoint)
        app.router.add_post("/_fake/config", self._config_endpoint)
        app.router.add_post("/_fake/settle", self._settle_endpoint)
        return app

    # -- what tests look at ------------------------------------------------------------------

    @property
    def messages(self) -> dict[str, MessageRecord]:
        return self._store.messages

    @property
    def accepted_per_to(self) -> Counter[str]:
        """Stored messages per To number: more than one means a recipient got it twice."""
        return self._store.accepted_per_to

    @property
    def callbacks_posted(self) -> int:
        return self._callbacks.posted

    @property
    def callbacks_answered(self) -> int:
        return self._callbacks.answered

    @property
    def callback_failures(self) -> list[CallbackFailure]:
        return self._callbacks.failures

    def behave(self, to: str, behaviour: Behaviour) -> None:
        """Give ``to`` a behaviour of its own, like the reserved numbers'."""
        self._behaviours[to] = behaviour

    def state(self) -> dict[str, object]:
        """The figures ``GET /_fake/state`` answers (``sent_twice`` lists the first
        SENT_TWICE_SHOWN numbers stored more than once, ``sent_twice_count`` counts them)."""
        per_to = self._store.accepted_per_to
        twice = sorted(to for to, count in per_to.items() if count > 1)
        return {
            "creates": self.creates,
            "accepted": len(self._store.messages),
            "accepted_per_to_max": max(per_to.values(), default=0),
            "sent_twice": twice[:SENT_TWICE_SHOWN],
            "sent_twice_count": len(twice),
            "by_status": {str(status): n for status, n in self._store.by_status.items() if n > 0},
            "callbacks_pending": self._callbacks.pending,
            "callbacks_posted": self.callbacks_posted,
            "callbacks_answered": self.callbacks_answered,
            "callback_failures": len(self.callback_failures),
        }

    def configure(self, **knobs: object) -> None:
        """Change fault knobs at run time: ``account_error`` (20003, 21212, 21606 or None),
        the four ``*_share`` values (0..1, together at most 1), ``duplicate_callbacks``,
        ``reverse_callbacks`` and ``latency``. ValueError, and nothing changed, otherwise."""
        shares = {name: getattr(self, name) for name in SHARES}
        for name, value in read_knobs(knobs, shares).items():
            setattr(self, name, value)

    def knobs(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in KNOBS}

    # -- callbacks a test posts itself -------------------------------------------------------

    async def post_callback(
        self,
        url: str,
        params: dict[str, str],
        *,
        token: str | None = None,
        signature: str | None = None,
    ) -> int:
        """Post a callback as the fake would (routed through ``callback_to``), signed over
        ``url`` with ``token`` (default the real one) or carrying ``signature`` as given.
        Not counted in ``callbacks_posted``. The HTTP status of the answer."""
        if signature is None:
            signature = twilio_signature(token or self.auth_token, url, params)
        return await self._callbacks.post(url, params, signature)

    async def post_forged(self, url: str, params: dict[str, str]) -> int:
        """Post a callback signed with a token that is not the account's."""
        return await self.post_callback(url, params, token=f"not-{self.auth_token}")

    async def post_unknown_message(self, url: str, status: str = "delivered") -> int:
        """Post a correctly signed callback for a message sid the fake never gave out."""
        params = stranger_params(self._new_sid(), self.account_sid, MessageStatus(status))
        return await self.post_callback(url, params)

    # -- the Messages API --------------------------------------------------------------------

    def _refusal(self, request: web.Request) -> ApiError | None:
        """401 without the account's credentials, 404 for another account's path."""
        header = request.headers.get("Authorization")
        if header != self._auth_header and not credentials_match(
            header, self.account_sid, self.auth_token
        ):
            return errors.AUTHENTICATE
        if request.match_info["account_sid"] != self.account_sid:
            return errors.not_found(request.path)
        return None

    async def _create(self, request: web.Request) -> web.StreamResponse:
        self.creates += 1
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        refusal = self._refusal(request)
        if refusal is None and self.account_error is not None:
            refusal = ACCOUNT_ERRORS[self.account_error]
        if refusal is not None:
            return _error(refusal)
        fault = self._draw_fault()
        if isinstance(fault, ApiError):
            return _error(fault)
        create = read_create(dict(parse_qsl(await request.text(), keep_blank_values=True)))
        if isinstance(create, ApiError):
            return _error(create)
        behaviour = self._behaviours.get(create.to, ORDINARY)
        if behaviour.refusal is not None:
            return _error(behaviour.refusal)
        record = self._store_message(create, behaviour)
        body = json.dumps(resource(record, self.account_sid)).encode()
        return await self._answer(request, fault or behaviour.answer, body)

    def _draw_fault(self) -> ApiError | Answer | None:
        """One seeded draw decides whether this create meets a fault, and which."""
        shares = (
            self.throttle_share,
            self.accept_then_500_share,
            self.hang_share,
            self.drop_connection_share,
        )
        if not any(shares):
            return None
        draw = self._random.random()
        for share, outcome in zip(shares, _FAULTS, strict=True):
            if draw < share:
                return outcome
            draw -= share
        return None

    def _store_message(self, create: CreateRequest, behaviour: Behaviour) -> MessageRecord:
        now = self._clock.now()
        service = create.messaging_service_sid
        record = MessageRecord(
            sid=self._new_sid(),
            seq=len(self._store.messages),
            to=create.to,
            body=create.body,
            from_=_shared(create.from_),
            messaging_service_sid=_shared(service),
            status_callback=create.status_callback,
            validity_period=create.validity_period,
            # The project's own count, written to count as Twilio does.
            num_segments=sms_info(create.body).segments,
            created_at=now,
            status=MessageStatus.ACCEPTED if service else MessageStatus.QUEUED,
            date_updated=now,
        )
        self._store.add(record)
        reports = behaviour.reports[::-1] if self.reverse_callbacks else behaviour.reports
        if self.duplicate_callbacks:
            reports = tuple(report for report in reports for _ in (1, 2))
        self._callbacks.schedule(record, reports)
        return record

    async def _answer(self, request: web.Request, answer: Answer, body: bytes) -> web.Response:
        if answer is Answer.SERVER_ERROR:
            return _error(errors.INTERNAL_ERROR)
        if answer is Answer.DROP:
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=500)  # never written: the connection is gone
        if answer is Answer.HANG:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), timeout=self.hang_seconds)
        return web.Response(body=body, status=201, content_type=_JSON)

    def _new_sid(self) -> str:
        while True:
            sid = f"SM{self._sids.getrandbits(128):032x}"
            if sid not in self._store.messages:
                return sid

    def _apply_report(self, record: MessageRecord, report: Report) -> None:
        self._store.advance(record, report, self._clock.now())

    async def _fetch(self, request: web.Request) -> web.Response:
        refusal = self._refusal(request)
        if refusal is not None:
            return _error(refusal)
        record = self._store.messages.get(request.match_info["sid"])
        if record is None:
            return _error(errors.not_found(request.path))
        return _json(resource(record, self.account_sid))

    async def _list(self, request: web.Request) -> web.Response:
        refusal = self._refusal(request)
        if refusal is not None:
            return _error(refusal)
        query = read_list_query(request.query)
        if isinstance(query, ApiError):
            return _error(query)
        try:
            return _json(list_page(self._store, query, self.account_sid))
        except KeyError:
            return _error(errors.invalid_parameter("PageToken", query.page_token or ""))

    # -- control endpoints (no auth: they are the test's, not Twilio's) ----------------------

    async def _state_endpoint(self, request: web.Request) -> web.Response:
        return _json(self.state())

    async def _config_endpoint(self, request: web.Request) -> web.Response:
        try:
            knobs = await request.json()
            if not isinstance(knobs, dict):
                raise ValueError("the body must be a JSON object of knobs")
            self.configure(**knobs)
        except ValueError as exc:  # JSONDecodeError is one
            return _json({"error": str(exc)}, status=400)
        return _json(self.knobs())

    async def _settle_endpoint(self, request: web.Request) -> web.Response:
        await self.settle()
        return _json(self.state())
