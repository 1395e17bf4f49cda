"""The fake Twilio's messages: the records, their JSON resource as Twilio writes it, and the
list endpoint's filters and pages (newest first, ``PageToken`` paging as Twilio does it)."""

from __future__ import annotations

import time
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from functools import lru_cache
from urllib.parse import urlencode

from tests.fakes.twilio_numbers import (
    ERROR_MESSAGES,
    MESSAGING_SERVICE_SENDER,
    RANK,
    MessageStatus,
    Report,
)

API_VERSION = "2010-04-01"


@dataclass(slots=True, eq=False)
class MessageRecord:
    """One stored message, as the fake's Messages resource shows it now."""

    sid: str
    seq: int  # creation order, which the list pages by
    to: str
    body: str
    from_: str | None
    messaging_service_sid: str | None
    status_callback: str | None
    validity_period: int | None
    num_segments: int
    created_at: datetime
    status: MessageStatus
    date_updated: datetime
    date_sent: datetime | None = None
    error_code: int | None = None


class Clock:
    """UTC now to the second, as Twilio's dates have it; one datetime per second is shared by
    every message made in it, which keeps 100,000 records small."""

    def __init__(self) -> None:
        self._second = -1
        self._now = datetime.fromtimestamp(0, UTC)

    def now(self) -> datetime:
        second = int(time.time())
        if second != self._second:
            self._second, self._now = second, datetime.fromtimestamp(second, UTC)
        return self._now


@lru_cache(maxsize=4096)
def rfc2822(moment: datetime) -> str:
    """Twilio's date format: ``Thu, 30 Jul 2015 20:12:31 +0000``."""
    return format_datetime(moment)


def messages_uri(account_sid: str) -> str:
    return f"/{API_VERSION}/Accounts/{account_sid}/Messages.json"


def resource(record: MessageRecord, account_sid: str) -> dict[str, object]:
    """The message resource JSON, with Twilio's field names."""
    uri = f"/{API_VERSION}/Accounts/{account_sid}/Messages/{record.sid}"
    code = record.error_code
    return {
        "account_sid": account_sid,
        "api_version": API_VERSION,
        "body": record.body,
        "date_created": rfc2822(record.created_at),
        "date_sent": None if record.date_sent is None else rfc2822(record.date_sent),
        "date_updated": rfc2822(record.date_updated),
        "direction": "outbound-api",
        "error_code": code,
        "error_message": None if code is None else ERROR_MESSAGES.get(code),
        "from": record.from_,
        "messaging_service_sid": record.messaging_service_sid,
        "num_media": "0",
        "num_segments": str(record.num_segments),
        "price": None,
        "price_unit": "USD",
        "sid": record.sid,
        "status": record.status,
        "subresource_uris": {"media": f"{uri}/Media.json", "feedback": f"{uri}/Feedback.json"},
        "to": record.to,
        "uri": f"{uri}.json",
    }


class MessageStore:
    """Every stored message by sid, in creation order, and by ``To`` for the list filter."""

    def __init__(self) -> None:
        self.messages: dict[str, MessageRecord] = {}
        self.accepted_per_to: Counter[str] = Counter()
        self.by_status: Counter[MessageStatus] = Counter()
        self._in_order: list[MessageRecord] = []
        self._by_to: dict[str, list[MessageRecord]] = {}

    def add(self, record: MessageRecord) -> None:
        self.messages[record.sid] = record
        self._in_order.append(record)
        self._by_to.setdefault(record.to, []).append(record)
        self.accepted_per_to[record.to] += 1
        self.by_status[record.status] += 1

    def advance(self, record: MessageRecord, report: Report, now: datetime) -> None:
        """Apply a report to the record; a message never goes back to an earlier status."""
        if RANK[report.status] <= RANK[record.status]:
            return
        self.by_status[record.status] -= 1
        self.by_status[report.status] += 1
        record.status = report.status
        record.date_updated = now
        if record.date_sent is None:
            record.date_sent = now
        if record.from_ is None and record.messaging_service_sid is not None:
            record.from_ = MESSAGING_SERVICE_SENDER  # the pool's sender, known once sent
        if report.error_code is not None:
            record.error_code = report.error_code

    def oldest_first(self, to: str | None) -> list[MessageRecord]:
        if to is None:
            return self._in_order
        return self._by_to.get(to, [])


@dataclass(frozen=True, slots=True)
class SentWindow:
    """The DateSent filters as one window on date_sent: ``since`` inclusive, ``until`` not."""

    since: datetime | None = None
    until: datetime | None = None

    def holds(self, date_sent: datetime | None) -> bool:
        # A message not sent yet has no date_sent and never matches a DateSent filter.
        if date_sent is None:
            return False
        if self.since is not None and date_sent < self.since:
            return False
        return self.until is None or date_sent < self.until


def sent_window(on: str | None, before: str | None, after: str | None) -> SentWindow:
    """``DateSent`` is a UTC day (a datetime names its day: the library sends a ``date`` as
    midnight); ``DateSent<`` is on or before and ``DateSent>`` on or after, a day or a second.
    ValueError for a value in neither ``YYYY-MM-DD`` nor ``YYYY-MM-DDTHH:MM:SSZ``."""
    since: list[datetime] = []
    until: list[datetime] = []
    if on is not None:
        day = _moment(on)[0].replace(hour=0, minute=0, second=0)
        since.append(day)
        until.append(day + timedelta(days=1))
    if before is not None:
        moment, is_day = _moment(before)
        until.append(moment + (timedelta(days=1) if is_day else timedelta(seconds=1)))
    if after is not None:
        since.append(_moment(after)[0])
    return SentWindow(max(since, default=None), min(until, default=None))


def _moment(value: str) -> tuple[datetime, bool]:
    if len(value) == 10:
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC), True
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC), False


@dataclass(frozen=True, slots=True)
class ListQuery:
    """One page request of the Messages list, its filters kept to write the page URIs."""

    filters: tuple[tuple[str, str], ...]
    to: str | None
    from_: str | None
    window: SentWindow | None
    page_size: int
    page: int
    page_token: str | None

    def matches(self, record: MessageRecord) -> bool:
        if self.from_ is not None and record.from_ != self.from_:
            return False
        return self.window is None or self.window.holds(record.date_sent)

    def uri(self, account_sid: str, page: int, token: str | None = None) -> str:
        query = [*self.filters, ("PageSize", str(self.page_size)), ("Page", str(page))]
        if token is not None:
            query.append(("PageToken", token))
        return f"{messages_uri(account_sid)}?{urlencode(query)}"


def list_page(store: MessageStore, query: ListQuery, account_sid: str) -> dict[str, object]:
    """The page Twilio answers for ``query``, newest first. KeyError for an unknown token."""
    candidates = store.oldest_first(query.to)
    if query.page_token is not None and query.page_token.startswith("PB"):
        records, more = _newer(candidates, query, _position(store, candidates, query))
        has_next, has_previous = True, more
    else:
        records, more = _older(candidates, query, _older_start(store, candidates, query))
        has_next, has_previous = more, query.page > 0
    start = query.page * query.page_size
    return {
        "messages": [resource(record, account_sid) for record in records],
        "first_page_uri": query.uri(account_sid, 0),
        "next_page_uri": query.uri(account_sid, query.page + 1, f"PA{records[-1].sid}")
        if has_next and records
        else None,
        "previous_page_uri": query.uri(account_sid, query.page - 1, f"PB{records[0].sid}")
        if has_previous and records
        else None,
        "page": query.page,
        "page_size": query.page_size,
        "start": start,
        "end": start + max(len(records) - 1, 0),
        "uri": query.uri(account_sid, query.page, query.page_token),
    }


def _position(store: MessageStore, candidates: list[MessageRecord], query: ListQuery) -> int:
    """Where the token's message sits in ``candidates`` (the first one not older)."""
    assert query.page_token is not None
    seq = store.messages[query.page_token[2:]].seq
    return bisect_left(candidates, seq, key=lambda record: record.seq)


def _older_start(store: MessageStore, candidates: list[MessageRecord], query: ListQuery) -> int:
    """The index just past the newest candidate of this page, before any Page skipping."""
    if query.page_token is None:
        return len(candidates)
    return _position(store, candidates, query)


def _older(
    candidates: list[MessageRecord], query: ListQuery, stop: int
) -> tuple[list[MessageRecord], bool]:
    """The next ``page_size`` matches older than index ``stop``, and whether more follow.
    Without a token, ``Page`` skips that many pages of matches first."""
    skip = 0 if query.page_token is not None else query.page * query.page_size
    found: list[MessageRecord] = []
    for index in range(stop - 1, -1, -1):
        record = candidates[index]
        if not query.matches(record):
            continue
        if skip:
            skip -= 1
        elif len(found) == query.page_size:
            return found, True
        else:
            found.append(record)
    return found, False


def _newer(
    candidates: list[MessageRecord], query: ListQuery, position: int
) -> tuple[list[MessageRecord], bool]:
    """The ``page_size`` matches just newer than the token's message (a previous page)."""
    found: list[MessageRecord] = []
    for index in range(position + 1, len(candidates)):
        record = candidates[index]
        if not query.matches(record):
            continue
        if len(found) == query.page_size:
            return found[::-1], True
        found.append(record)
    return found[::-1], False
