"""The external ids an import has already seen, in memory that grows by 8 bytes per id.

A file must not give the same external_id twice. Remembering every id with its line in a dict
costs about 110 bytes per row (110 MB for a million rows); here only the most recent
``RECENT`` ids keep their line, and older ones are kept as sorted 64-bit hashes (Python's own
string hash: keyed per process, and every look-up happens in this one). A repeat of
a recent id names the earlier line; a repeat of an older one says "an earlier line". Two
different ids share a 64-bit hash with a chance of about one in 10^7 for a million ids, and
then the later row is rejected as a repeat that is not one: nothing is written wrongly.
"""

from __future__ import annotations

import heapq
from array import array
from bisect import bisect_left

RECENT = 100_000


class SeenIds:
    """``earlier(id)`` says whether and where an id was seen; ``add(id, line)`` records it."""

    def __init__(self, recent: int = RECENT) -> None:
        self._limit = recent
        self._recent: dict[str, int] = {}
        self._runs: list[array[int]] = []  # sorted hashes; each run at least twice the next

    def earlier(self, external_id: str) -> int | str | None:
        """The line that gave ``external_id`` before, ``"an earlier line"``, or None."""
        line = self._recent.get(external_id)
        if line is not None:
            return line
        if self._runs:
            wanted = hash(external_id)
            for run in self._runs:
                at = bisect_left(run, wanted)
                if at < len(run) and run[at] == wanted:
                    return "an earlier line"
        return None

    def add(self, external_id: str, line: int) -> None:
        self._recent[external_id] = line
        if len(self._recent) >= self._limit:
            self._runs.append(array("q", sorted(hash(i) for i in self._recent)))
            self._recent = {}
            self._merge_similar_runs()

    def _merge_similar_runs(self) -> None:
        # Merging only runs of similar size keeps each hash merged about log2(n / RECENT) times.
        while len(self._runs) > 1 and len(self._runs[-2]) < 2 * len(self._runs[-1]):
            newer, older = self._runs.pop(), self._runs.pop()
            # Streamed into the array: sorting a list would hold every hash as an int object.
            self._runs.append(array("q", heapq.merge(older, newer)))
