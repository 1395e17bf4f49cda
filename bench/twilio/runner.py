"""One measured run: the worker without callbacks, the library alone and the loop by hand, the
burst of callbacks, then the worker with callbacks, each part with processes of its own.

Two databases per run (``bench_twilio_…``, dropped after): the first for the run without
callbacks and then the burst (its messages are all ``sent``), the second for the run with them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import asyncpg

from bench.common import free_port, run_helper
from bench.dispatch import scenario
from bench.dispatch.runner import revision
from bench.dispatch.watch import WorkerSettings, cpu_seconds
from bench.twilio.drain import Beside, Phase, drain
from bench.twilio.ingest import BurstRun, burst
from bench.twilio.processes import (
    Fake,
    fake_state,
    fake_twilio,
    sample_create,
    serve,
    twilio_env,
)

DATABASE = "bench_twilio_"  # and a suffix per run and part
RATE = 1_000_000.0  # the campaign's: no campaign rate binds


@dataclass(frozen=True, slots=True)
class Options:
    postgres_url: str
    worker: WorkerSettings
    with_callbacks: bool = True
    with_ceiling: bool = True
    sync_count: int = 150  # messages sent by the loop by hand
    burst: int = 50_000  # callbacks in the burst; 0: none
    burst_concurrency: int = 300
    keep_database: bool = False
    keep_logs: bool = False  # even when the run was clean


@dataclass(frozen=True, slots=True)
class LibraryRun:
    """The library alone (``library.py``): what it created, and the CPU it and the fake took."""

    in_flight: int
    created: int
    failed: dict[str, int]
    seconds: float
    cpu: float  # the library's process, seconds
    fake_cpu: float  # the fake's, seconds

    @property
    def per_second(self) -> float:
        return self.created / self.seconds if self.seconds else 0.0


@dataclass(slots=True)
class RunResult:
    size: int
    load_before: float
    revision: str
    folder: Path
    load_after: float = 0.0
    plain: Phase | None = None  # the worker, without callbacks
    ceiling: LibraryRun | None = None
    sync: LibraryRun | None = None
    library_fake: dict[str, object] = field(default_factory=dict)
    burst: BurstRun | None = None
    callbacks: Phase | None = None  # the worker, with them

    @property
    def clean(self) -> bool:
        """Finished, nothing sent twice, and no warning in any log: the logs can go."""
        phases = [p for p in (self.plain, self.callbacks) if p is not None]
        return all(
            p.watched.finished
            and not p.watched.log_lines
            and not p.serve_seen.log_lines
            and not p.fake.get("sent_twice_count")
            and p.figures is not None
            and not p.figures.duplicates
            and not p.figures.without_sent_at
            for p in phases
        ) and (self.burst is None or (not self.burst.lost and not self.burst.serve_seen.log_lines))


async def measure(size: int, options: Options, label: str) -> RunResult:
    folder = Path(tempfile.mkdtemp(prefix=f"bench-twilio-{label}-"))
    result = RunResult(size, os.getloadavg()[0], revision(), folder)
    await _without_callbacks(result, options)
    if options.with_callbacks:
        await _with_callbacks(result, options)
    result.load_after = os.getloadavg()[0]
    if result.clean and not options.keep_logs:
        shutil.rmtree(folder)
    return result


async def _without_callbacks(result: RunResult, options: Options) -> None:
    """The worker with the fake posting no callbacks, the library beside it, then the burst."""
    name = DATABASE + uuid.uuid4().hex[:8]
    async with scenario.database(options.postgres_url, name, keep=options.keep_database) as url:
        stage = await scenario.prepare(url, result.size, RATE, options.worker.sms_rate)
        conn = await asyncpg.connect(scenario.raw_url(url))
        try:
            async with fake_twilio(result.folder, "fake-plain", options.worker.latency, None) as f:
                env = twilio_env(f.base_url, f"http://127.0.0.1:{free_port()}")
                log = result.folder / "worker-plain.log"
                result.plain, run_id = await drain(stage, conn, options.worker, env, log, Beside(f))
                async with aiohttp.ClientSession() as http:
                    sample = await sample_create(http, f)
            if options.with_ceiling and sample is not None:
                await _library(result, options, str(sample["body"]))
            if options.burst and result.plain.watched.finished:
                print(f"  burst of {options.burst:,} callbacks")
                result.burst = await burst(
                    stage,
                    conn,
                    run_id,
                    options.worker,
                    options.burst,
                    options.burst_concurrency,
                    result.folder,
                )
        finally:
            await conn.close()
            await stage.services.close()


async def _library(result: RunResult, options: Options, body: str) -> None:
    """The library alone at the worker's concurrency, then the synchronous loop, to one fake."""
    async with fake_twilio(result.folder, "fake-library", options.worker.latency, None) as fake:
        concurrency = options.worker.concurrency
        print(f"  the library alone: {result.size:,} creates, {concurrency} in flight")
        result.ceiling = await _library_run(fake, result, "ceiling", result.size, concurrency, body)
        if options.sync_count:
            print(f"  a synchronous loop: {options.sync_count:,} creates")
            result.sync = await _library_run(fake, result, "sync", options.sync_count, 1, body)
        async with aiohttp.ClientSession() as http:
            result.library_fake = await fake_state(http, fake)


async def _library_run(
    fake: Fake, result: RunResult, mode: str, count: int, in_flight: int, body: str
) -> LibraryRun:
    before = cpu_seconds(fake.process.pid)
    arguments = [mode, "--base", fake.base_url, "--count", str(count), "--body", body]
    arguments += ["--concurrency", str(in_flight)]
    out = await run_helper("bench.twilio.library", arguments, result.folder / f"library-{mode}.log")
    return LibraryRun(
        in_flight,
        int(out["created"]),
        dict(out["failed"]),
        float(out["seconds"]),
        float(out["cpu"]),
        cpu_seconds(fake.process.pid) - before,
    )


async def _with_callbacks(result: RunResult, options: Options) -> None:
    """The worker with the fake posting each message's callbacks to ``campaign serve``."""
    name = DATABASE + uuid.uuid4().hex[:8]
    async with scenario.database(options.postgres_url, name, keep=options.keep_database) as url:
        stage = await scenario.prepare(url, result.size, RATE, options.worker.sms_rate)
        conn = await asyncpg.connect(scenario.raw_url(url))
        try:
            port = free_port()
            public = f"http://127.0.0.1:{port}"
            async with fake_twilio(result.folder, "fake-cb", options.worker.latency, public) as f:
                env = twilio_env(f.base_url, public)
                serve_log = result.folder / "serve-callbacks.log"
                async with serve(
                    url, scenario.SECRET_KEY, options.worker, serve_log, port, env
                ) as receiver:
                    beside = Beside(f, receiver, serve_log)
                    log = result.folder / "worker-callbacks.log"
                    result.callbacks, _ = await drain(stage, conn, options.worker, env, log, beside)
        finally:
            await conn.close()
            await stage.services.close()
