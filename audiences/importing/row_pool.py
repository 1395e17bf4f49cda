"""Checking batches of records, in order, either here or in worker processes.

Checking a row is pure CPU (phone and email parsing take most of it), so a large file is
checked in a pool of processes while the importer writes the previous batch; a small one is
checked in this process, where starting workers would cost more than it saves. Either way the
results come back batch by batch in file order, each record as a ``ContactRow``, the list of
its problems, or the ``RejectedRow`` it already was. Reading the next batch from the file (and,
here, checking it) is handed to ``offload``: the importer's, off the event loop.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from audiences.contacts.addresses import AddressKeys
from audiences.contacts.model import RejectedRow
from audiences.importing.collector import relax_for_good
from audiences.importing.rows import ContactRow, RowChecker, RowRules, WireRow

Item = tuple[int, tuple[str, ...]] | RejectedRow  # (line, values padded to the header) or why not
Checked = ContactRow | list[RejectedRow] | RejectedRow
_Wired = WireRow | list[RejectedRow] | RejectedRow
WORKERS = max(1, (os.cpu_count() or 2) - 1)  # one core left for matching and writing
AHEAD = 2 * WORKERS  # batches in flight: enough to keep the workers busy, few enough to stay flat

Encoder = Callable[[ContactRow], str]  # a valid row as the COPY line of the contact it creates
Offload = Callable[[Callable[[], Any]], Awaitable[Any]]  # runs a job, off the loop or here
_worker: tuple[RowChecker, tuple[str, ...], Encoder | None] | None = None


def check_batch(
    checker: RowChecker,
    columns: Sequence[str],
    batch: Sequence[Item],
    encode: Encoder | None = None,
) -> list[Checked]:
    """Each record of ``batch`` checked, in order; valid rows encoded too, with ``encode``."""
    checked: list[Checked] = []
    for item in batch:
        if isinstance(item, RejectedRow):
            checked.append(item)
            continue
        line, values = item
        result = checker.check(line, dict(zip(columns, values, strict=True)))
        if encode is not None and isinstance(result, ContactRow):
            result.insert_line = encode(result)
        checked.append(result)
    return checked


def _start_worker(
    rules: RowRules, keys: AddressKeys, columns: tuple[str, ...], encode: Encoder | None
) -> None:
    global _worker
    _worker = (RowChecker(rules, keys), columns, encode)
    relax_for_good()


def _check_in_worker(batch: Sequence[Item]) -> list[_Wired]:
    assert _worker is not None, "the worker was not started"
    checker, columns, encode = _worker
    checked = check_batch(checker, columns, batch, encode)
    return [r.to_wire() if isinstance(r, ContactRow) else r for r in checked]


async def _here(job: Callable[[], Any]) -> Any:
    return job()


def _from_worker(batch: list[_Wired]) -> list[Checked]:
    return [ContactRow.from_wire(r) if isinstance(r, tuple) else r for r in batch]


async def checked_batches(
    rules: RowRules,
    keys: AddressKeys,
    columns: Sequence[str],
    batches: Iterable[Sequence[Item]],
    *,
    parallel: bool,
    encode: Encoder | None = None,
    offload: Offload = _here,
) -> AsyncGenerator[list[Checked], None]:
    """The batches checked, in order; with ``parallel``, in ``WORKERS`` processes."""
    source = iter(batches)
    if not parallel:
        checker = RowChecker(rules, keys)

        def next_checked() -> list[Checked] | None:
            batch = next(source, None)
            return None if batch is None else check_batch(checker, columns, batch, encode)

        while (checked := await offload(next_checked)) is not None:
            yield checked
        return
    # spawn, not fork: this process runs an event loop and driver threads.
    pool = ProcessPoolExecutor(
        WORKERS,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(rules, keys, tuple(columns), encode),
    )
    try:
        pending: deque[Future[list[_Wired]]] = deque()
        while (batch := await offload(lambda: next(source, None))) is not None:
            pending.append(pool.submit(_check_in_worker, batch))
            if len(pending) >= AHEAD:
                yield _from_worker(await asyncio.wrap_future(pending.popleft()))
        while pending:
            yield _from_worker(await asyncio.wrap_future(pending.popleft()))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
