from __future__ import annotations

from datetime import UTC, datetime, time

from campaign.campaigns.model import QuietHours
from campaign.dispatch.pacing import BURST_SECONDS, Cursor, Paced, plan
from campaign.dispatch.worker import RetryPolicy
from campaign.kernel.clock import ManualClock

NOW = 1_800_000_000.0


def _cursors(**rates: float) -> dict[str, Cursor]:
    return {key: Cursor(rate, 0.0, 0.0) for key, rate in rates.items()}


def _paced(count: int, own: str = "a", shared: str = "sms", first: int = 1) -> list[Paced]:
    return [Paced(i, own, (shared,)) for i in range(first, first + count)]


def test_an_idle_rate_lets_a_tenth_of_a_second_go_at_once_and_spaces_the_rest() -> None:
    cursors = _cursors(a=100, sms=1000)
    result = plan(_paced(30), cursors, NOW, horizon=0.5)
    assert len(result.go_at) == 30 and not result.later
    moments = sorted(result.go_at.values())
    assert moments[0] == NOW - BURST_SECONDS  # the burst credit
    assert sum(1 for at in moments if at <= NOW) == 11  # 0.1 s at 100/s, and one more at now
    gaps = {round(b - a, 6) for a, b in zip(moments, moments[1:], strict=False)}
    assert gaps == {0.01}
    assert cursors["a"].next_at == moments[-1] + 0.01


def test_what_cannot_go_within_the_horizon_waits_with_turns_never_shared() -> None:
    cursors = _cursors(a=1, sms=1000)
    first = plan(_paced(5), cursors, NOW, horizon=0.0)
    assert list(first.go_at) == [1]  # at NOW - 0.1: the channel's burst credit
    assert sorted(first.later.values()) == [NOW + 0.9 + n for n in range(4)]
    again = plan(_paced(3, first=6), cursors, NOW, horizon=0.0)  # another worker's batch
    assert sorted(again.later.values()) == [NOW + 0.9 + n for n in range(4, 7)]


def test_a_slow_campaign_does_not_push_back_a_fast_one_on_the_same_channel() -> None:
    cursors = _cursors(slow=0.1, fast=100, sms=1000)
    batch = _paced(200, own="slow") + _paced(5, own="fast", first=1000)
    result = plan(batch, cursors, NOW, horizon=0.0)
    assert all(i in result.go_at for i in range(1000, 1005))
    assert min(at for i, at in result.later.items() if i < 1000) == NOW - 0.1 + 10


def test_the_shared_rate_binds_every_campaign_on_it() -> None:
    cursors = _cursors(a=1000, b=1000, sms=100)
    batch = _paced(100, own="a") + _paced(100, own="b", first=101)
    result = plan(batch, cursors, NOW, horizon=1.0)
    assert len(result.go_at) == 111  # 1 s at 100/s, plus the 0.1 s burst
    waits = sorted(result.later.values())
    assert waits[0] > NOW + 1.0
    assert len(set(waits)) == len(waits)  # spread in the channel's line, not all at once


def test_a_rate_holds_within_two_percent_over_any_ten_seconds() -> None:
    cursors = _cursors(a=1000, sms=50)
    sent: list[float] = []
    now, next_id = NOW, 1
    while now < NOW + 60:
        result = plan(_paced(500, first=next_id), cursors, now, horizon=0.5)
        sent.extend(result.go_at.values())
        next_id += 500
        now += 0.37  # workers come back at odd moments
    sent.sort()
    for start in sent:
        in_window = sum(1 for at in sent if start <= at < start + 10)
        assert in_window <= 50 * 10 * 1.02


def test_quiet_hours_wrap_midnight() -> None:
    quiet = QuietHours(time(21, 0), time(8, 0))
    assert quiet.contains(time(22, 30))
    assert quiet.contains(time(7, 59))
    assert not quiet.contains(time(8, 0))
    assert not quiet.contains(time(12, 0))


def test_retries_back_off_and_are_bounded() -> None:
    policy = RetryPolicy(max_attempts=5, first_delay=30, max_delay=3600)
    assert [policy.delay(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert policy.delay(20).total_seconds() == 3600


def test_manual_clock_is_aware_utc() -> None:
    assert ManualClock().now().tzinfo is UTC
    assert ManualClock(datetime(2026, 1, 1, tzinfo=UTC)).now().year == 2026
