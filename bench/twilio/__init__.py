"""Twilio: one ``campaign worker`` sending an SMS campaign through the ``twilio`` library to a
fake of Twilio's REST API answering after 100 ms, without status callbacks and with them.

Each run, with processes of its own (bench/twilio/runner.py):

1. A database (``bench_twilio_…``) with N contacts and one approved SMS campaign, staged as
   bench/dispatch stages it; the fake (``python -m tests.fakes.twilio --no-callbacks``); the
   worker with ``CAMPAIGN_SMS_PROVIDER=twilio`` and ``TWILIO_API_BASE`` at the fake. The run is
   materialised and drained (``drain.py``): sends per second, memory, the fake's count.
2. The ceiling: the ``twilio`` library alone at the worker's concurrency, creating N messages
   at a fresh fake (``library.py ceiling``); beside it, the loop a user writes by hand over the
   synchronous client (``library.py sync``).
3. The burst: ``campaign serve`` on the first database, and ``--burst`` signed "delivered"
   callbacks posted to it at once for the run's messages (``burst.py``, ``ingest.py``).
4. A second database, ``campaign serve`` as the receiver of the callbacks, the fake posting
   "sent" and "delivered" for every message to it, and the worker draining the campaign until
   every message is ``delivered`` and every callback applied.

``python -m bench twilio`` measures ``BENCH_TWILIO_SIZES`` (default ``100000x3``: recipients ×
runs) and rewrites its section of docs/benchmarks.md; ``python -m bench.twilio --help`` runs
any sizes and options, and writes the section only with ``--write``.
"""

from __future__ import annotations

import asyncio
import os

from bench import common
from bench.common import sizes_of
from bench.dispatch import POSTGRES_URL
from bench.dispatch.watch import WorkerSettings
from bench.report import Section
from bench.twilio.runner import Options, RunResult, measure
from bench.twilio.section import TITLE, Results, section
from campaign.settings import Settings

DEFAULT_SIZES = "100000x3"

__all__ = ["TITLE", "Options", "default_options", "run", "run_sizes", "sizes_of"]


def default_options(
    *,
    postgres_url: str = POSTGRES_URL,
    latency: float = 0.1,
    stall_seconds: float = 120.0,
    concurrency: int | None = None,
    with_callbacks: bool = True,
    with_ceiling: bool = True,
    sync_count: int = 150,
    burst: int = 50_000,
    burst_concurrency: int = 300,
    keep_database: bool = False,
    keep_logs: bool = False,
) -> Options:
    """The bench's settings; ``python -m bench.twilio --help`` describes each. The worker's
    concurrency is the service's default unless given; the ceiling has as many in flight."""
    concurrency = concurrency or int(Settings.model_fields["worker_concurrency"].default)
    return Options(
        postgres_url=postgres_url,
        worker=WorkerSettings(latency, 1_000_000.0, stall_seconds, concurrency),
        with_callbacks=with_callbacks,
        with_ceiling=with_ceiling,
        sync_count=sync_count,
        burst=burst,
        burst_concurrency=burst_concurrency,
        keep_database=keep_database,
        keep_logs=keep_logs,
    )


async def run_sizes(sizes: list[tuple[int, int]], options: Options) -> Results:
    return await common.run_sizes("twilio", sizes, options, measure, _print)


def _print(result: RunResult) -> None:
    for name, phase in (("without callbacks", result.plain), ("with callbacks", result.callbacks)):
        if phase is None or phase.figures is None:
            continue
        w, seen = phase.figures, phase.watched
        print(
            f"  worker {name}: {w.per_second:,.0f} sent/s over {w.seconds:.1f} s ({seen.why}; "
            f"exit {phase.exit_code}); peak RSS {seen.peak_rss_kib / 1024:.0f} MiB, CPU "
            f"{seen.cpu_share:.0%}, fake CPU {phase.fake_cpu_share:.0%}, database CPU "
            f"{seen.db_cpu_share:.0%}; states {w.states}; handed twice {w.handed_twice}; fake "
            f"creates {phase.fake.get('creates')}, sent twice {phase.fake.get('sent_twice_count')}"
            f"; log {phase.log_lines:,} lines, {phase.log_bytes / 2**20:.0f} MiB, {seen.log_lines}"
        )
        if phase.callbacks:
            print(
                f"    callbacks: answered {phase.fake.get('callbacks_answered')} of "
                f"{phase.fake.get('callbacks_posted')} ({_rate(phase.answered_per_second)}/s), "
                f"failures {phase.fake.get('callback_failures')}; kept {phase.callback_rows:,}, "
                f"unapplied {phase.unapplied}, outcomes {phase.outcomes}; settled in "
                f"{phase.settle_seconds:.1f} s; serve CPU {phase.serve_cpu_share:.0%}, RSS "
                f"{phase.serve_peak_rss_kib / 1024:.0f} MiB, log {phase.serve_seen.log_lines}"
            )
    for name, lib in (("library alone", result.ceiling), ("synchronous loop", result.sync)):
        if lib is not None:
            print(
                f"  {name}, {lib.in_flight} in flight: {lib.per_second:,.1f} creates/s "
                f"({lib.created:,} in {lib.seconds:.1f} s, failed {lib.failed}); its CPU "
                f"{lib.cpu / lib.seconds:.0%}, the fake's {lib.fake_cpu / lib.seconds:.0%}"
            )
    if result.library_fake:
        fake = result.library_fake
        print(
            f"  the library's fake: creates {fake['creates']}, "
            f"sent twice {fake['sent_twice_count']}"
        )
    if (b := result.burst) is not None:
        print(
            f"  burst: {b.posted:,} posted, answers {b.answers}, {b.answered_per_second:,.0f}/s "
            f"answered, {_rate(b.applied_per_second)}/s applied; kept {b.rows:,}, unapplied "
            f"{b.unapplied}, outcomes {b.outcomes}, delivered {b.delivered:,}; serve CPU "
            f"{b.serve_cpu_share:.0%}, RSS {b.serve_peak_rss_kib / 1024:.0f} MiB, the burst's "
            f"CPU {b.generator_cpu / max(b.seconds_answered, 1e-9):.0%}, log "
            f"{b.serve_seen.log_lines}"
        )
    print(f"  load average {result.load_before:.2f} -> {result.load_after:.2f}")
    if not result.clean:
        print(f"  logs kept in {result.folder}")


def _rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def run() -> Section:
    """``python -m bench twilio``: the sizes of ``BENCH_TWILIO_SIZES``."""
    sizes = sizes_of(os.environ.get("BENCH_TWILIO_SIZES", DEFAULT_SIZES))
    options = default_options()
    return section(asyncio.run(run_sizes(sizes, options)), options)
