"""One ``campaign worker`` sending one email campaign to one sink, watched from outside.

As bench/twilio drains its SMS campaign: the worker (the product's command, with the settings
an operator gives it to send through an SMTP relay) is started on an empty queue, the run is
materialised by the scheduler's ``start_due`` in the bench process, and the bench watches
(bench/dispatch/watch.py: the database for progress, ``/proc`` for memory and CPU, the log)
until no message is ``queued``, ``sending`` or ``unknown`` (an email's ``sent`` is final). Then
the worker is stopped, the figures read from the database and the sink's count from the sink.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

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
    worker_command,
)
from bench.email.sinks import Sink, SinkCount
from bench.email.stage import BOUNCE_DOMAIN, EMAIL_FROM

UNSENT = ("queued", "sending", "unknown")  # what the drain waits for


@dataclass(frozen=True, slots=True)
class EmailSettings:
    """What the worker is given beyond bench/dispatch's ``WorkerSettings``."""

    pool_size: int  # SMTP_POOL_SIZE
    email_rate: float  # CAMPAIGN_EMAIL_RATE, and the campaign's rate
    profile: Path | None = None  # a folder for the worker's cProfile output


@dataclass(slots=True)
class Phase:
    """What one worker's drain to one sink left."""

    sink: str
    materialised: int = 0
    materialise_seconds: float = 0.0
    figures: RunFigures | None = None
    watched: Watched = field(default_factory=Watched)
    exit_code: int | None = None
    log: Path | None = None
    count: SinkCount | None = None  # the sink's own
    sink_cpu_share: float = 0.0
    profile: Path | None = None

    @property
    def per_second(self) -> float | None:
        return self.figures.per_second if self.figures else None

    @property
    def sink_disagrees(self) -> int | None:
        """Mails the sink took minus messages recorded ``sent`` (0: none lost, none twice)."""
        if self.figures is None or self.count is None:
            return None
        return self.count.mails - self.figures.sent


def email_env(port: int, email: EmailSettings) -> dict[str, str]:
    """What an operator sets to send email through a relay without TLS on 127.0.0.1."""
    return {
        "CAMPAIGN_EMAIL_PROVIDER": "smtp",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(port),
        "SMTP_TLS": "none",
        "SMTP_POOL_SIZE": str(email.pool_size),
        "CAMPAIGN_EMAIL_RATE": f"{email.email_rate:g}",
        "CAMPAIGN_EMAIL_FROM": EMAIL_FROM,
        "CAMPAIGN_BOUNCE_DOMAIN": BOUNCE_DOMAIN,
    }


def _command(email: EmailSettings, label: str) -> tuple[list[str] | None, Path | None]:
    """The worker's command: the product's own, or it under cProfile when profiling."""
    if email.profile is None:
        return None, None
    email.profile.mkdir(parents=True, exist_ok=True)
    out = email.profile / f"worker-{label}.prof"
    return [sys.executable, "-m", "cProfile", "-o", str(out), "-m", "campaign", "worker"], out


async def drain(
    stage: scenario.Stage,
    conn: asyncpg.Connection,
    settings: WorkerSettings,
    email: EmailSettings,
    sink: Sink,
    folder: Path,
) -> tuple[Phase, int]:
    """Start the worker, materialise the run, watch it drain: (what was seen, run id)."""
    phase = Phase(sink.kind, log=folder / f"worker-{sink.kind}.log")
    assert phase.log is not None
    command, phase.profile = _command(email, f"{sink.kind}-{folder.name}")
    if command is None:
        command = worker_command()
    env = email_env(sink.port, email)
    process = start_worker(
        stage.url, scenario.SECRET_KEY, settings, phase.log, extra_env=env, command=command
    )
    try:
        await wait_ready(process, phase.log)
        phase.watched.baseline_rss_kib = memory_kib(process.pid)[0]
        run_id, phase.materialise_seconds = await scenario.materialise(stage)
        phase.materialised = int(
            await conn.fetchval("SELECT message_count FROM campaign_runs WHERE id = $1", run_id)
        )
        print(f"  {sink.kind}: materialised {phase.materialised:,} mails; worker pid {process.pid}")
        await _watch(conn, process, stage, settings, phase, sink)
    finally:
        phase.exit_code = await asyncio.to_thread(stop_worker, process)
    phase.count = sink.stop()
    phase.figures = await read_figures(conn, run_id)
    read_log(phase.log, phase.watched)
    return phase, run_id


async def _watch(
    conn: asyncpg.Connection,
    process: subprocess.Popen[bytes],
    stage: scenario.Stage,
    settings: WorkerSettings,
    phase: Phase,
    sink: Sink,
) -> None:
    before = cpu_seconds(sink.process.pid)
    await watch(
        conn,
        process,
        stage.campaign_id,
        phase.materialised,
        settings.stall_seconds,
        phase.watched,
        UNSENT,
    )
    wall = phase.watched.wall_seconds or 1.0
    phase.sink_cpu_share = (cpu_seconds(sink.process.pid) - before) / wall
