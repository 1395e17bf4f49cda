"""One ``campaign worker`` on Twilio (the fake) draining one campaign, watched from outside.

The worker is started on an empty queue, the run materialised by the scheduler's
``start_due``, and the bench watches as bench/dispatch does (``watch``): the database for
progress, ``/proc`` for memory and CPU, the log. Without callbacks nothing ever reports a
message ``delivered``, so that run is drained once nothing is ``queued``, ``sending`` or
``unknown``; with them, once every message is final, every callback answered at the fake and
every kept callback applied. Beside it, the fake's and ``campaign serve``'s CPU, and (with
callbacks) the fake's count of callbacks answered, sampled every 0.5 s.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

from bench.dispatch import scenario
from bench.dispatch.figures import RunFigures, read_figures
from bench.dispatch.watch import (
    Watched,
    WorkerSettings,
    cpu_seconds,
    memory_kib,
    read_log,
    start_worker,
    stop_worker,
    wait_ready,
    watch,
)
from bench.twilio.processes import Fake, fake_settle, fake_state, running

UNSENT = ("queued", "sending", "unknown")  # what a run without callbacks waits for
_CALLBACK_ROWS = (
    "SELECT count(*), count(*) FILTER (WHERE applied_at IS NULL) FROM provider_callbacks"
)
_OUTCOMES = "SELECT coalesce(outcome, '(not applied)'), count(*) FROM provider_callbacks GROUP BY 1"


@dataclass(frozen=True, slots=True)
class Beside:
    """The processes running beside the worker: the fake, and the receiver of its callbacks."""

    fake: Fake
    serve: subprocess.Popen[bytes] | None = None
    serve_log: Path | None = None


@dataclass(slots=True)
class Phase:
    """What one worker's drain left: figures, what was seen, and the fake's own count."""

    callbacks: bool
    materialised: int = 0
    figures: RunFigures | None = None
    watched: Watched = field(default_factory=Watched)
    exit_code: int | None = None
    log: Path | None = None
    log_lines: int = 0  # every line, INFO included
    log_bytes: int = 0
    fake: dict[str, Any] = field(default_factory=dict)  # GET /_fake/state at the end
    fake_cpu_share: float = 0.0
    serve_cpu_share: float = 0.0
    serve_peak_rss_kib: int = 0
    serve_seen: Watched = field(default_factory=Watched)  # its log's warnings and errors
    answered_per_second: float | None = None  # callbacks answered, at the fake
    callback_rows: int = 0
    unapplied: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    settle_seconds: float = 0.0  # from the drain's end until every callback was applied


@dataclass(slots=True)
class _Samples:
    answered: list[tuple[float, int]] = field(default_factory=list)

    def rate(self) -> float | None:
        """Callbacks answered per second between the first sample that saw one and the
        first that saw the last."""
        seen = [(t, n) for t, n in self.answered if n > 0]
        if len(seen) < 2:
            return None
        final = seen[-1][1]
        t_final = next(t for t, n in seen if n == final)
        return (final - seen[0][1]) / (t_final - seen[0][0]) if t_final > seen[0][0] else None


async def drain(
    stage: scenario.Stage,
    conn: asyncpg.Connection,
    settings: WorkerSettings,
    env: dict[str, str],
    log: Path,
    beside: Beside,
) -> tuple[Phase, int]:
    """Start the worker, materialise the run, watch it drain: (what was seen, run id)."""
    phase = Phase(callbacks=beside.serve is not None)
    phase.log = log
    process = start_worker(stage.url, scenario.SECRET_KEY, settings, log, extra_env=env)
    async with aiohttp.ClientSession() as http:
        with running(process):
            await wait_ready(process, log)
            phase.watched.baseline_rss_kib = memory_kib(process.pid)[0]
            run_id, _ = await scenario.materialise(stage)
            phase.materialised = int(
                await conn.fetchval("SELECT message_count FROM campaign_runs WHERE id = $1", run_id)
            )
            print(f"  materialised {phase.materialised:,} messages; worker pid {process.pid}")
            await _watch_beside(conn, process, stage, settings, phase, beside, http)
            if phase.callbacks and phase.watched.finished:
                await _settle(conn, phase, beside, http)
            phase.exit_code = stop_worker(process)
        phase.fake = await fake_state(http, beside.fake)
    phase.figures = await read_figures(conn, run_id)
    await _read_logs(phase, beside)
    return phase, run_id


async def _watch_beside(
    conn: asyncpg.Connection,
    process: subprocess.Popen[bytes],
    stage: scenario.Stage,
    settings: WorkerSettings,
    phase: Phase,
    beside: Beside,
    http: aiohttp.ClientSession,
) -> None:
    fake_pid = beside.fake.process.pid
    serve_pid = beside.serve.pid if beside.serve else None
    fake_cpu = cpu_seconds(fake_pid)
    serve_cpu = cpu_seconds(serve_pid) if serve_pid else 0.0
    samples = _Samples()
    sampler = asyncio.create_task(_sample(http, beside.fake, samples)) if phase.callbacks else None
    try:
        await watch(
            conn,
            process,
            stage.campaign_id,
            phase.materialised,
            settings.stall_seconds,
            phase.watched,
            *(() if phase.callbacks else (UNSENT,)),
        )
    finally:
        if sampler is not None:
            sampler.cancel()
            await asyncio.gather(sampler, return_exceptions=True)
    wall = phase.watched.wall_seconds or 1.0
    phase.fake_cpu_share = (cpu_seconds(fake_pid) - fake_cpu) / wall
    if serve_pid:
        phase.serve_cpu_share = (cpu_seconds(serve_pid) - serve_cpu) / wall
        phase.serve_peak_rss_kib = memory_kib(serve_pid)[1]
    phase.answered_per_second = samples.rate()


async def _sample(http: aiohttp.ClientSession, fake: Fake, samples: _Samples) -> None:
    while True:
        state = await fake_state(http, fake)
        samples.answered.append((time.monotonic(), int(state["callbacks_answered"])))
        await asyncio.sleep(0.5)


async def _settle(
    conn: asyncpg.Connection, phase: Phase, beside: Beside, http: aiohttp.ClientSession
) -> None:
    """Every callback owed answered at the fake, and every kept one applied (or a minute
    without progress)."""
    started = time.monotonic()
    await fake_settle(http, beside.fake)
    last, moved = None, started
    while True:
        rows, unapplied = await conn.fetchrow(_CALLBACK_ROWS)
        if unapplied == 0 or time.monotonic() - moved > 60:
            break
        if (rows, unapplied) != last:
            last, moved = (rows, unapplied), time.monotonic()
        await asyncio.sleep(0.1)
    phase.settle_seconds = time.monotonic() - started
    phase.callback_rows, phase.unapplied = int(rows), int(unapplied)
    phase.outcomes = {str(k): int(v) for k, v in await conn.fetch(_OUTCOMES)}


async def _read_logs(phase: Phase, beside: Beside) -> None:
    if phase.log is not None:
        read_log(phase.log, phase.watched)
        phase.log_lines, phase.log_bytes = await asyncio.to_thread(_size, phase.log)
    if beside.serve_log is not None:
        read_log(beside.serve_log, phase.serve_seen)


def _size(log: Path) -> tuple[int, int]:
    """Lines and bytes of ``log``, read in chunks (an INFO log can be large)."""
    lines = size = 0
    with log.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            lines += chunk.count(b"\n")
            size += len(chunk)
    return lines, size
