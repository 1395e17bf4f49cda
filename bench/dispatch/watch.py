"""One ``campaign worker`` process, watched from outside: its progress in the database, its
memory and CPU in ``/proc``, its log on disk.

The worker is the product's own command with the settings an operator would give it; the
bench never reaches into it. Progress is read with one small query on the open states (the
``(campaign_id, state)`` index), so watching costs the database little.
"""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from campaign.delivery.states import MessageState, open_states
from campaign.kernel.channel import Channel

_OPEN = sorted(state.value for state in open_states(Channel.SMS))
_PROGRESS = (
    "SELECT state, count(*) FROM messages WHERE campaign_id = $1 AND state = ANY($2::text[]) "
    "GROUP BY state"
)
_OUTBOX = "SELECT count(*) FILTER (WHERE processed_at IS NULL), count(*) FROM outbox"
_ACTIVE = (
    "SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 100) FROM pg_stat_activity "
    "WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()"
)
_TICKS = os.sysconf("SC_CLK_TCK")
_STARTED = re.compile(r"worker \S+ started")


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    latency: float  # CAMPAIGN_SANDBOX_LATENCY
    sms_rate: float  # CAMPAIGN_SMS_RATE
    stall_seconds: float  # give up when nothing moves for this long
    concurrency: int  # CAMPAIGN_WORKER_CONCURRENCY: provider calls in flight
    profile: Path | None = None  # py-spy's collapsed stacks, when asked for


@dataclass(slots=True)
class Watched:
    """What was seen from outside while the worker drained the run."""

    finished: bool = False
    why: str = ""
    baseline_rss_kib: int = 0  # idle, before the run was materialised
    peak_rss_kib: int = 0  # VmHWM when the run was drained
    rss_at: dict[int, int] = field(default_factory=dict)  # percent sent -> RSS (KiB)
    cpu_seconds: float = 0.0
    db_cpu_seconds: float = 0.0  # the PostgreSQL backends serving the worker
    outbox_waiting: int = 0  # events not yet processed when the run was drained
    outbox_total: int = 0
    wall_seconds: float = 0.0
    log_lines: dict[str, int] = field(default_factory=dict)  # level -> count
    log_samples: list[str] = field(default_factory=list)
    # What the database was busy with: its active statements, sampled every 0.2 s.
    busy: Counter[str] = field(default_factory=Counter)

    @property
    def cpu_share(self) -> float:
        """The worker's CPU time over the wall time it drained the run: 1.0 is one full core."""
        return self.cpu_seconds / self.wall_seconds if self.wall_seconds else 0.0

    @property
    def db_cpu_share(self) -> float:
        return self.db_cpu_seconds / self.wall_seconds if self.wall_seconds else 0.0


def worker_command() -> list[str]:
    """The installed ``campaign`` entry point of the interpreter running the bench, or the
    command in ``$BENCH_DISPATCH_WORKER`` (to try a variant, or run it under a profiler)."""
    if os.environ.get("BENCH_DISPATCH_WORKER"):
        return shlex.split(os.environ["BENCH_DISPATCH_WORKER"])
    script = Path(sys.executable).with_name("campaign")
    return [str(script), "worker"] if script.exists() else [sys.executable, "-m", "campaign"]


def start_worker(
    url: str,
    secret: str,
    settings: WorkerSettings,
    log: Path,
    *,
    extra_env: Mapping[str, str] | None = None,
    command: Sequence[str] | None = None,
) -> subprocess.Popen[bytes]:
    """The worker (or ``command``: another of the product's roles) with the bench's settings
    and ``extra_env`` (another provider's, say) over them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAMPAIGN_", "TWILIO_"))}
    env |= {
        "CAMPAIGN_DATABASE_URL": url,
        "CAMPAIGN_SECRET_KEY": secret,
        "CAMPAIGN_SANDBOX_LATENCY": str(settings.latency),
        "CAMPAIGN_SMS_RATE": str(settings.sms_rate),
        "CAMPAIGN_WORKER_CONCURRENCY": str(settings.concurrency),
        "CAMPAIGN_LOG_LEVEL": "INFO",
    }
    env |= extra_env or {}
    with log.open("wb") as out:
        # cwd: a folder of its own, so no .env of the checkout reaches the worker's settings
        return subprocess.Popen(
            list(command or worker_command()),
            env=env,
            cwd=log.parent,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def memory_kib(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of ``pid`` in KiB; zeros once it has exited (a zombie has neither)."""
    values = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("VmRSS:", "VmHWM:")):
                values[line[:5]] = int(line.split()[1])
    except OSError:
        pass
    return values.get("VmRSS", 0), values.get("VmHWM", 0)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime


async def backend_cpu(conn: asyncpg.Connection) -> dict[int, float]:
    """CPU seconds so far of every PostgreSQL backend on this database but ``conn``'s own."""
    pids = await conn.fetch(
        "SELECT pid FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    spent = {}
    for (pid,) in pids:
        try:
            spent[int(pid)] = cpu_seconds(int(pid))
        except OSError:  # gone meanwhile, or the server runs elsewhere
            continue
    return spent


def cpu_since(before: dict[int, float], after: dict[int, float]) -> float:
    """What the backends spent between two readings (a backend that left meanwhile is lost)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def _said_started(log: Path) -> bool:
    return _STARTED.search(log.read_text(errors="replace")) is not None


async def wait_ready(process: subprocess.Popen[bytes], log: Path) -> None:
    """Until the worker says it started (its queue still empty: the normal case)."""
    async with asyncio.timeout(60):
        while not _said_started(log):
            if process.poll() is not None:
                raise RuntimeError(f"the worker exited with {process.returncode}; see {log}")
            await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)  # a claim or two on the empty queue, as a real worker has done


async def watch(
    conn: asyncpg.Connection,
    process: subprocess.Popen[bytes],
    campaign_id: int,
    total: int,
    stall_seconds: float,
    watched: Watched,
    waiting_for: Sequence[str] = _OPEN,
) -> None:
    """Poll until no message of the campaign is open (or in one of ``waiting_for``), the
    worker dies, or nothing moves."""
    interval = 1.0 if total <= 200_000 else 2.0
    started = time.monotonic()
    cpu_before, db_before = cpu_seconds(process.pid), await backend_cpu(conn)
    last_open, last_change, next_poll = total + 1, started, started
    while True:
        if process.poll() is not None:
            watched.why = f"the worker exited with {process.returncode}"
            return
        now = time.monotonic()
        rss, peak = memory_kib(process.pid)
        watched.peak_rss_kib = max(watched.peak_rss_kib, peak)
        watched.busy.update(row[0] for row in await conn.fetch(_ACTIVE))
        if now >= next_poll:
            next_poll = now + interval
            counts = dict(await conn.fetch(_PROGRESS, campaign_id, list(waiting_for)))
            still_open = sum(counts.values())
            unsent = counts.get(MessageState.QUEUED, 0) + counts.get(MessageState.SENDING, 0)
            for decile in range(0, _decile(total - unsent, total) + 1, 10):
                watched.rss_at.setdefault(decile, rss)  # deciles passed between polls: now
            if still_open != last_open:
                last_open, last_change = still_open, now
            if still_open == 0:
                watched.finished, watched.why = True, "every message final"
            elif now - last_change > stall_seconds:
                watched.why = f"nothing moved for {stall_seconds:.0f} s: {counts}"
            if still_open == 0 or watched.why:
                watched.wall_seconds = now - started
                watched.cpu_seconds = cpu_seconds(process.pid) - cpu_before
                watched.db_cpu_seconds = cpu_since(db_before, await backend_cpu(conn))
                outbox = await conn.fetchrow(_OUTBOX)
                watched.outbox_waiting, watched.outbox_total = outbox[0], outbox[1]
                watched.peak_rss_kib = max(watched.peak_rss_kib, memory_kib(process.pid)[1])
                return
        await asyncio.sleep(0.2)


def _decile(done: int, total: int) -> int:
    return 10 * (10 * done // max(total, 1))


def stop_worker(process: subprocess.Popen[bytes]) -> int:
    """SIGTERM, as an operator stops it; SIGKILL if it has not stopped a minute later."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


_LEVEL = re.compile(r" (WARNING|ERROR|CRITICAL) ")


def read_log(log: Path, watched: Watched, samples: int = 5) -> None:
    """Count the worker's warnings and errors (and tracebacks); keep the first few distinct."""
    seen: set[str] = set()
    for line in log.read_text(errors="replace").splitlines():
        match = _LEVEL.search(line)
        level = match.group(1) if match else ("Traceback" if line.startswith("Traceback") else "")
        if not level:
            continue
        watched.log_lines[level] = watched.log_lines.get(level, 0) + 1
        text = line.split(" ", 2)[-1][:200]
        if text not in seen and len(watched.log_samples) < samples:
            seen.add(text)
            watched.log_samples.append(text)


def start_profiler(pid: int, out: Path) -> subprocess.Popen[bytes] | None:
    """py-spy sampling the worker until it stops (``$PY_SPY`` or ``py-spy`` on PATH)."""
    py_spy = os.environ.get("PY_SPY", "py-spy")
    try:
        return subprocess.Popen(
            [
                py_spy,
                "record",
                "--pid",
                str(pid),
                "--format",
                "raw",
                "--rate",
                "50",
                "--output",
                str(out),
                "--nonblocking",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    except OSError as exc:
        print(f"  no profile: {py_spy}: {exc}")
        return None
