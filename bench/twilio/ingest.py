"""Callbacks ingested on their own: a burst posted straight to ``campaign serve``.

After the run without callbacks every message of it is ``sent``; ``campaign serve`` is started
on that database and ``burst.py`` (a process of its own) posts ``count`` signed "delivered"
callbacks for them. The bench polls ``provider_callbacks`` every 0.1 s until every kept row is
applied (or a minute passes without progress), then counts: answers by status, rows kept,
rows applied and their outcomes, messages ``delivered``.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from bench.common import free_port, run_helper
from bench.dispatch import scenario
from bench.dispatch.watch import Watched, WorkerSettings, cpu_seconds, memory_kib, read_log
from bench.twilio.processes import serve, twilio_env

_ROWS = "SELECT count(*), count(*) FILTER (WHERE applied_at IS NULL) FROM provider_callbacks"
_OUTCOMES = "SELECT coalesce(outcome, '(not applied)'), count(*) FROM provider_callbacks GROUP BY 1"
_DELIVERED = "SELECT count(*) FROM messages WHERE run_id = $1 AND state = 'delivered'"
_NO_API = "http://127.0.0.1:9"  # serve never calls Twilio, but the settings ask for a base


@dataclass(slots=True)
class BurstRun:
    posted: int = 0
    answers: dict[str, int] = field(default_factory=dict)  # HTTP status (or exception) -> n
    seconds_answered: float = 0.0  # first post to the last answer
    seconds_applied: float | None = None  # first post until every kept row was applied
    rows: int = 0
    unapplied: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    delivered: int = 0  # messages of the run now ``delivered``
    messages: int = 0  # in the run
    generator_cpu: float = 0.0  # seconds, the burst process
    serve_cpu_share: float = 0.0  # over the time until applied
    serve_peak_rss_kib: int = 0
    serve_seen: Watched = field(default_factory=Watched)
    serve_log: Path | None = None

    @property
    def answered_2xx(self) -> int:
        return sum(n for status, n in self.answers.items() if status.startswith("2"))

    @property
    def answered_per_second(self) -> float:
        return self.answered_2xx / self.seconds_answered if self.seconds_answered else 0.0

    @property
    def applied_per_second(self) -> float | None:
        applied = self.rows - self.unapplied
        return applied / self.seconds_applied if self.seconds_applied else None

    @property
    def lost(self) -> int:
        """Callbacks posted that are not kept and applied."""
        return self.posted - (self.rows - self.unapplied)


async def burst(
    stage: scenario.Stage,
    conn: asyncpg.Connection,
    run_id: int,
    settings: WorkerSettings,
    count: int,
    concurrency: int,
    folder: Path,
) -> BurstRun:
    log = folder / "serve-burst.log"
    result = BurstRun(serve_log=log)
    result.messages = int(
        await conn.fetchval("SELECT count(*) FROM messages WHERE run_id = $1", run_id)
    )
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    env = twilio_env(_NO_API, public)
    async with serve(stage.url, scenario.SECRET_KEY, settings, log, port, env) as p:
        cpu_before = cpu_seconds(p.pid)
        arguments = [
            "--serve",
            public,
            "--database",
            scenario.raw_url(stage.url),
            "--run-id",
            str(run_id),
            "--count",
            str(count),
            "--concurrency",
            str(concurrency),
        ]
        out = await run_helper("bench.twilio.burst", arguments, folder / "burst.log")
        result.posted, result.answers = int(out["posted"]), dict(out["answers"])
        result.seconds_answered, result.generator_cpu = float(out["seconds"]), float(out["cpu"])
        await _until_applied(conn, result, float(out["started"]))
        wall = time.time() - float(out["started"])
        result.serve_cpu_share = (cpu_seconds(p.pid) - cpu_before) / wall
        result.serve_peak_rss_kib = memory_kib(p.pid)[1]
    result.outcomes = {str(k): int(v) for k, v in await conn.fetch(_OUTCOMES)}
    result.delivered = int(await conn.fetchval(_DELIVERED, run_id))
    read_log(log, result.serve_seen)
    return result


async def _until_applied(conn: asyncpg.Connection, result: BurstRun, started: float) -> None:
    """Poll until every callback answered 2xx is kept and applied, or a minute of nothing."""
    last, moved = (-1, -1), time.monotonic()
    while True:
        rows, unapplied = (int(v) for v in await conn.fetchrow(_ROWS))
        result.rows, result.unapplied = rows, unapplied
        if unapplied == 0 and rows >= result.answered_2xx:
            result.seconds_applied = time.time() - started
            return
        if (rows, unapplied) != last:
            last, moved = (rows, unapplied), time.monotonic()
        elif time.monotonic() - moved > 60:
            return
        await asyncio.sleep(0.1)
