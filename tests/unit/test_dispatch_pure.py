from __future__ import annotations

from datetime import UTC, datetime, time

from campaign.campaigns.model import QuietHours
from campaign.dispatch.ratelimit import TokenBucket
from campaign.dispatch.worker import RetryPolicy
from campaign.kernel.clock import ManualClock


def test_the_bucket_allows_a_burst_then_waits_for_the_clock() -> None:
    clock = ManualClock()
    bucket = TokenBucket(clock, rate_per_second=2)
    for _ in range(2):
        assert bucket.wait_time() == 0
        bucket.take_now()
    assert bucket.wait_time() > 0  # the third waits for the clock
    clock.advance(0.5)
    assert bucket.wait_time() == 0


def test_a_token_not_used_goes_back_and_says_when_the_next_comes() -> None:
    clock = ManualClock()
    bucket = TokenBucket(clock, rate_per_second=1)
    assert bucket.wait_time() == 0
    bucket.take_now()
    assert bucket.wait_time() == 1.0  # one a second: the next in a second
    bucket.give_back()  # the message it was for did not go
    assert bucket.wait_time() == 0
    bucket.give_back()
    bucket.take_now()
    assert bucket.wait_time() == 1.0  # never more than the burst


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
