"""A token bucket on the injected clock: sends at a steady rate with a burst of one second.

Nobody waits on it: the worker asks how long until the next token and queues the message
for then (``DispatchWorker._pace``)."""

from __future__ import annotations

from campaign.kernel.clock import Clock


class TokenBucket:
    def __init__(self, clock: Clock, rate_per_second: float, burst: float | None = None) -> None:
        self._clock = clock
        self.rate = rate_per_second
        self._capacity = burst if burst is not None else max(1.0, rate_per_second)
        self._tokens = self._capacity
        self._updated = clock.now()

    def _refill(self) -> None:
        now = self._clock.now()
        elapsed = (now - self._updated).total_seconds()
        if elapsed > 0:
            self._tokens = min(self._capacity, self._tokens + elapsed * self.rate)
            self._updated = now

    def wait_time(self) -> float:
        """Seconds until a token is available (0 when one is there now); takes nothing."""
        self._refill()
        return 0.0 if self._tokens >= 1 else (1 - self._tokens) / self.rate

    def take_now(self) -> None:
        """Take the token ``wait_time`` just said is there."""
        self._refill()
        self._tokens -= 1

    def give_back(self) -> None:
        """Return a token taken for a message that did not go after all."""
        self._tokens = min(self._capacity, self._tokens + 1)
