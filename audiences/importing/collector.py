"""Python's cycle collector, held back while an import allocates millions of small objects.

Every checked row makes a handful of dicts, tuples and sets that reference counting frees on
its own (rows hold no cycles). With the default thresholds the collector ran every 700
allocations and walked the process's long-lived objects (modules, SQLAlchemy's metadata) each
time an older generation came due: unpickling the rows from the worker processes took 14 µs a
row, 3.8 µs without it. While an import runs, the objects that existed before it are frozen
(never walked again) and the youngest generation is collected every 10,000 allocations.

The older generations keep their default pace. Collecting them rarely (every 20 and 100
younger collections) let the cyclic garbage each chunk's transaction leaves pile up: 394 MiB
at a million rows instead of 147, for no gain in speed (docs/decisions/0011).
"""

from __future__ import annotations

import gc
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

RELAXED = (10_000, 10, 10)
_holders = 0  # imports running in this process (they share one event loop thread)
_saved: tuple[int, int, int] = gc.get_threshold()


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Walk only the import's own objects, and less often, until the block ends."""
    global _holders, _saved
    if _holders == 0:
        _saved = gc.get_threshold()
        gc.freeze()
        gc.set_threshold(*RELAXED)
    _holders += 1
    try:
        yield
    finally:
        _holders -= 1
        if _holders == 0:
            gc.set_threshold(*_saved)
            gc.unfreeze()


def collecting_rarely(function: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """Run the coroutine function inside :func:`fewer_collections`."""

    @wraps(function)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        with fewer_collections():
            return await function(*args, **kwargs)

    return wrapper


def relax_for_good() -> None:
    """For a process that only checks rows (an import's worker): collect rarely from now on."""
    gc.freeze()
    gc.set_threshold(*RELAXED)
