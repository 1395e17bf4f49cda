"""Email: one ``campaign worker`` sending an email campaign through the SMTP adapter to a local
sink, beside ``aiosmtplib`` alone sending the same bytes over as many connections (issue #13).

Each run, for each sink (aiosmtpd, and Postfix's faster ``smtp-sink`` where it is installed),
with processes of its own (bench/email/runner.py):

1. A database (``bench_email_…``) with N contacts with an email address and one approved email
   campaign (``stage.py``); the sink (``sinks.py``); the worker with
   ``CAMPAIGN_EMAIL_PROVIDER=smtp`` and ``SMTP_*`` at the sink. The run is materialised and
   drained (``drain.py``): mails per second, memory, CPU, and the sink's count.
2. The ceiling: ``aiosmtplib`` alone over ``SMTP_POOL_SIZE`` connections, sending one mail the
   worker sent, written once by ``MailWriter``, N times to a fresh sink (``ceiling.py
   library``); beside it, the product's SMTP provider alone, with no database (``ceiling.py
   adapter``): where the worker's time goes, between the wire and the database.
3. On the first sink's database: bounces for the mails sent, applied by the bounce service
   (``bounces.py``).

``python -m bench email`` measures ``BENCH_EMAIL_SIZES`` (default ``100000x3``: recipients ×
runs) and rewrites its section of docs/benchmarks.md; ``python -m bench.email --help`` runs any
sizes and options, and writes the section only with ``--write``.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from bench import common
from bench.common import sizes_of
from bench.dispatch import POSTGRES_URL
from bench.dispatch.watch import WorkerSettings
from bench.email.drain import EmailSettings, Phase
from bench.email.runner import Alone, Options, RunResult, measure
from bench.email.section import TITLE, Results, section
from bench.email.sinks import KINDS
from bench.report import Section
from campaign.settings import Settings

DEFAULT_SIZES = "100000x3"
EMAIL_RATE = 100_000.0  # CAMPAIGN_EMAIL_RATE and the campaign's: no rate binds

__all__ = ["TITLE", "Options", "default_options", "run", "run_sizes", "sizes_of"]


def default_options(
    *,
    postgres_url: str = POSTGRES_URL,
    sinks: tuple[str, ...] = KINDS,
    pool_size: int | None = None,
    concurrency: int | None = None,
    email_rate: float = EMAIL_RATE,
    stall_seconds: float = 120.0,
    with_ceiling: bool = True,
    with_adapter: bool = True,
    bounces: int = 20_000,
    bounce_concurrency: int = 100,
    profile: Path | None = None,
    keep_database: bool = False,
    keep_logs: bool = False,
) -> Options:
    """The bench's settings; ``python -m bench.email --help`` describes each. The pool and the
    worker's concurrency are the service's defaults unless given."""
    fields = Settings.model_fields
    concurrency = concurrency or int(fields["worker_concurrency"].default)
    pool_size = pool_size or int(fields["smtp_pool_size"].default)
    return Options(
        postgres_url=postgres_url,
        worker=WorkerSettings(0.0, 1_000_000.0, stall_seconds, concurrency),
        email=EmailSettings(pool_size, email_rate, profile),
        sinks=sinks,
        with_ceiling=with_ceiling,
        with_adapter=with_adapter,
        bounces=bounces,
        bounce_concurrency=bounce_concurrency,
        keep_database=keep_database,
        keep_logs=keep_logs,
    )


async def run_sizes(sizes: list[tuple[int, int]], options: Options) -> Results:
    return await common.run_sizes("email", sizes, options, measure, _print)


def _print(result: RunResult) -> None:
    for kind, run in result.sinks.items():
        if run.skipped:
            print(f"  {kind}: not measured: {run.skipped}")
            continue
        if run.worker is not None:
            _print_worker(kind, run.worker, run.ratio())
        for alone in (run.ceiling, run.adapter):
            if alone is not None:
                _print_alone(kind, alone)
    if (b := result.bounces) is not None:
        print(
            f"  bounces: {b.mails:,} applied in {b.seconds:.1f} s, {b.per_second or 0:,.0f}/s; "
            f"messages failed {b.failed:,}, addresses suppressed {b.suppressed:,}"
        )
    print(f"  load average {result.load_before:.2f} -> {result.load_after:.2f}")
    if not result.clean:
        print(f"  logs kept in {result.folder}")


def _print_worker(kind: str, phase: Phase, ratio: float | None) -> None:
    w, seen, count = phase.figures, phase.watched, phase.count
    if w is None:
        print(f"  {kind} worker: {seen.why}; exit {phase.exit_code}")
        return
    twice = "n/a" if count is None or count.twice is None else f"{count.twice}"
    share = "n/a" if ratio is None else f"{ratio:.0f}% of the ceiling"
    print(
        f"  {kind} worker: {w.per_second:,.0f} mails/s over {w.seconds:.1f} s ({share}; "
        f"{seen.why}; exit {phase.exit_code}); RSS idle {seen.baseline_rss_kib / 1024:.0f}, "
        f"50% {seen.rss_at.get(50, 0) / 1024:.0f}, 90% {seen.rss_at.get(90, 0) / 1024:.0f}, "
        f"peak {seen.peak_rss_kib / 1024:.0f} MiB; CPU {seen.cpu_share:.0%}, sink "
        f"{phase.sink_cpu_share:.0%}, database {seen.db_cpu_share:.0%}; states {w.states}; "
        f"sink took {count.mails if count else 'n/a'} (twice: {twice}); handed twice "
        f"{w.handed_twice}; log {seen.log_lines}"
    )
    for statement, samples in seen.busy.most_common(4):
        print(f"    database busy {samples:5d}× {statement}")
    if phase.profile is not None:
        print(f"    profile: {phase.profile}")


def _print_alone(kind: str, alone: Alone) -> None:
    name = "aiosmtplib alone" if alone.mode == "library" else "the adapter alone"
    print(
        f"  {kind} {name}: {alone.per_second:,.0f} mails/s ({alone.sent:,} in "
        f"{alone.seconds:.1f} s, failed {alone.failed}); its CPU {alone.cpu / alone.seconds:.0%}, "
        f"the sink's {alone.sink_cpu / alone.seconds:.0%}; the sink took {alone.count.mails:,}"
    )


def run() -> Section:
    """``python -m bench email``: the sizes of ``BENCH_EMAIL_SIZES``."""
    sizes = sizes_of(os.environ.get("BENCH_EMAIL_SIZES", DEFAULT_SIZES))
    options = default_options()
    return section(asyncio.run(run_sizes(sizes, options)), options)
