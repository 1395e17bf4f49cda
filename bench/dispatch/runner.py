"""One measured run: stage, start the worker, materialise, watch, read, then the ceiling."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from bench.dispatch import ceiling, scenario
from bench.dispatch.figures import RunFigures, read_figures
from bench.dispatch.watch import (
    Watched,
    WorkerSettings,
    memory_kib,
    read_log,
    start_profiler,
    start_worker,
    stop_worker,
    wait_ready,
    watch,
)
from bench.report import git_revision

DATABASE = "bench_dispatch_"  # and a suffix per run: runs started by two people never meet


@dataclass(frozen=True, slots=True)
class Options:
    postgres_url: str
    worker: WorkerSettings
    probes: tuple[ceiling.ProbeSettings, ...]  # one ceiling each; none: no ceiling
    keep_database: bool = False


@dataclass(slots=True)
class RunResult:
    size: int
    rate: float  # the campaign's rate_per_second
    load_before: float  # 1-minute load average
    revision: str = ""  # the code the worker ran: commit, and uncommitted product files
    load_after: float = 0.0
    stage_seconds: float = 0.0
    materialised: int = 0
    materialise_seconds: float = 0.0
    worker: RunFigures | None = None
    watched: Watched = field(default_factory=Watched)
    exit_code: int | None = None
    log: Path | None = None
    ceilings: list[CeilingResult] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CeilingResult:
    in_flight: int
    figures: RunFigures
    queue_seconds: float  # the bare INSERT … SELECT that queued its run
    cpu_seconds: float  # the bench process's, while it drained
    db_cpu_seconds: float  # its PostgreSQL backends'

    def share(self, seconds: float) -> float | None:
        wall = self.figures.seconds_to_final
        return seconds / wall if wall else None


def revision() -> str:
    """HEAD, and the product's files that differ from it: what a worker started now runs."""
    try:
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--", "campaign", "audiences", "scheduler"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError):
        changed = []
    names = [line[3:] for line in changed if line.strip()]
    return git_revision() + (f" with uncommitted changes to {', '.join(names)}" if names else "")


async def measure(size: int, rate: float, options: Options, label: str) -> RunResult:
    result = RunResult(size, rate, os.getloadavg()[0])
    name = DATABASE + uuid.uuid4().hex[:8]
    async with scenario.database(options.postgres_url, name, keep=options.keep_database) as url:
        stage = await scenario.prepare(url, size, rate, options.worker.sms_rate)
        result.stage_seconds = stage.load_seconds
        conn = await asyncpg.connect(scenario.raw_url(url))
        try:
            run_id = await _worker_run(stage, conn, options, result, label)
            result.worker = await read_figures(conn, run_id)
            for sequence, probe in enumerate(options.probes, start=2):
                if result.watched.finished:
                    result.ceilings.append(await _ceiling_run(stage, conn, probe, sequence))
        finally:
            await conn.close()
            await stage.services.close()
    result.load_after = os.getloadavg()[0]
    return result


async def _worker_run(
    stage: scenario.Stage,
    conn: asyncpg.Connection,
    options: Options,
    result: RunResult,
    label: str,
) -> int:
    """Start the worker on an empty queue, materialise the run, and watch it drain."""
    folder = Path(tempfile.mkdtemp(prefix=f"bench-dispatch-{label}-"))
    result.log = folder / "worker.log"
    result.revision = revision()
    process = start_worker(stage.url, scenario.SECRET_KEY, options.worker, result.log)
    profiler: subprocess.Popen[bytes] | None = None
    try:
        await wait_ready(process, result.log)
        result.watched.baseline_rss_kib = memory_kib(process.pid)[0]
        if options.worker.profile is not None:
            profiler = start_profiler(process.pid, options.worker.profile / f"{label}.txt")
        run_id, result.materialise_seconds = await scenario.materialise(stage)
        result.materialised = int(
            await conn.fetchval("SELECT message_count FROM campaign_runs WHERE id = $1", run_id)
        )
        print(
            f"  materialised {result.materialised:,} messages in "
            f"{result.materialise_seconds:.1f} s; worker pid {process.pid}"
        )
        await watch(
            conn,
            process,
            stage.campaign_id,
            result.materialised,
            options.worker.stall_seconds,
            result.watched,
        )
    finally:
        result.exit_code = stop_worker(process)
        if profiler is not None:
            profiler.wait(timeout=120)
    read_log(result.log, result.watched)
    if result.watched.finished and not result.watched.log_lines:
        shutil.rmtree(folder)  # nothing to look at; a log with warnings or a stalled run stays
        result.log = None
    return run_id


async def _ceiling_run(
    stage: scenario.Stage,
    conn: asyncpg.Connection,
    probe: ceiling.ProbeSettings,
    sequence: int,
) -> CeilingResult:
    run_id, queued = await ceiling.queue_again(conn, stage.campaign_id, sequence)
    cpu, db_cpu = await ceiling.drain(scenario.raw_url(stage.url), run_id, probe)
    return CeilingResult(probe.in_flight, await read_figures(conn, run_id), queued, cpu, db_cpu)
