"""Dispatch: one ``campaign worker`` process draining an SMS campaign on PostgreSQL (issue 11).

Each run gets a database of its own (``bench_dispatch_…``: created, migrated, dropped), N
contacts with SMS consent, and one SMS campaign (the library's ``new-measure`` template and the
demo's measure) created, submitted and approved through the services, quiet hours overridden
with a reason, at each campaign rate of ``--rates``: 1,000/s (the old API maximum) and
1,000,000/s (no campaign rate binds; ``CAMPAIGN_SMS_RATE`` is as high, since a campaign may not
ask for more than its channel). The worker is started first, as the product's own command
(``campaign worker``) in a process of its own, with the sandbox answering each send after
``CAMPAIGN_SANDBOX_LATENCY`` (0.1 s); then the scheduler's ``start_due`` materialises the run
(timed), and the bench watches from outside until every message is final: the database for
progress, ``/proc`` for the worker's memory and CPU, its log for warnings. The figures are then
read from the database (definitions in ``figures.py``), and the ceilings (``ceiling.py``) drain
more copies of the queue in the same run.

``python -m bench dispatch`` measures ``BENCH_DISPATCH_SIZES`` (default
``100000x3,1000000x1@1000000``: size × runs, the million only where no campaign rate binds) at
each of ``BENCH_DISPATCH_RATES`` (default ``1000,1000000``) and rewrites its
section of docs/benchmarks.md; ``python -m bench.dispatch --help`` runs any sizes and options,
and writes the section only with ``--write``.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from bench.dispatch import ceiling
from bench.dispatch.runner import Options, RunResult, measure
from bench.dispatch.section import TITLE, Results, section
from bench.dispatch.watch import WorkerSettings
from bench.report import Section
from campaign.settings import Settings

POSTGRES_URL = os.environ.get(
    "CAMPAIGN_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
DEFAULT_SIZES = "100000x3,1000000x1@1000000"
DEFAULT_RATES = "1000,1000000"

__all__ = ["TITLE", "Options", "default_options", "parse_rates", "parse_sizes", "run", "run_sizes"]


Size = tuple[int, int, list[float] | None]  # recipients, runs, its own rates (None: all)


def parse_sizes(text: str) -> list[Size]:
    """``100000x3,1000000@1e6`` -> [(100000, 3, None), (1000000, 1, [1e6])]: recipients, runs
    and, after ``@``, rates of its own separated by ``/``; underscores allowed in numbers."""
    sizes: list[Size] = []
    for part in text.split(","):
        spec, _, rates = part.strip().partition("@")
        size, _, runs = spec.partition("x")
        own = parse_rates(rates.replace("/", ",")) if rates else None
        sizes.append((int(size.replace("_", "")), int(runs or "1"), own))
    return sizes


def parse_rates(text: str) -> list[float]:
    return [float(rate.replace("_", "")) for rate in text.split(",")]


def default_options(
    *,
    postgres_url: str = POSTGRES_URL,
    latency: float = 0.1,
    sms_rate: float = 1_000_000.0,
    stall_seconds: float = 120.0,
    profile: Path | None = None,
    with_ceiling: bool = True,
    ceiling_batch: int = 500,
    ceiling_in_flight: tuple[int, ...] = (0, 500),
    concurrency: int | None = None,
    keep_database: bool = False,
) -> Options:
    """The bench's settings; ``python -m bench.dispatch --help`` describes each. The worker's
    concurrency is the service's default unless given; a ceiling with 0 in flight has as many
    as the worker."""
    concurrency = concurrency or int(Settings.model_fields["worker_concurrency"].default)
    in_flight = dict.fromkeys(n or concurrency for n in ceiling_in_flight)  # once each, in order
    probes = tuple(ceiling.ProbeSettings(latency, ceiling_batch, n) for n in in_flight)
    return Options(
        postgres_url=postgres_url,
        worker=WorkerSettings(latency, sms_rate, stall_seconds, concurrency, profile),
        probes=probes if with_ceiling else (),
        keep_database=keep_database,
    )


async def run_sizes(sizes: list[Size], rates: list[float], options: Options) -> Results:
    results: Results = {}
    for size, runs, own_rates in sizes:
        for rate in own_rates or rates:
            for index in range(runs):
                print(f"dispatch: {size:,} recipients at {rate:,.0f}/s, run {index + 1} of {runs}")
                result = await measure(size, rate, options, f"{size}-{rate:.0f}-{index + 1}")
                results.setdefault((size, rate), []).append(result)
                _print(result)
    return results


def _print(result: RunResult) -> None:
    w, seen = result.worker, result.watched
    print(f"  {seen.why}; worker exit {result.exit_code}; log {result.log or 'clean, removed'}")
    if w is not None:
        print(
            f"  worker: {w.per_second:,.0f} msg/s over {w.seconds:.1f} s, p50 {w.latency_p50:.1f}"
            f" s, p99 {w.latency_p99:.1f} s, peak RSS {seen.peak_rss_kib / 1024:.0f} MiB, CPU "
            f"{seen.cpu_share:.0%} of a core; states {w.states}; receipts {w.receipts:,}; "
            f"handed over twice {w.handed_twice}, `sending` again {w.sending_again}, address "
            f"duplicates {w.address_duplicates}; outbox waiting {seen.outbox_waiting:,} of "
            f"{seen.outbox_total:,}; database CPU {seen.db_cpu_share:.0%}; log {seen.log_lines}"
        )
    for statement, samples in seen.busy.most_common(6):
        print(f"  database busy {samples:5d}× {statement}")
    for c in result.ceilings:
        print(
            f"  ceiling, {c.in_flight} in flight: {c.figures.per_second:,.0f} msg/s, queued by "
            f"INSERT … SELECT in {c.queue_seconds:.1f} s; states {c.figures.states}"
        )
    print(f"  load average {result.load_before:.2f} -> {result.load_after:.2f}")


def run() -> Section:
    """``python -m bench dispatch``: the sizes of ``BENCH_DISPATCH_SIZES``."""
    sizes = parse_sizes(os.environ.get("BENCH_DISPATCH_SIZES", DEFAULT_SIZES))
    rates = parse_rates(os.environ.get("BENCH_DISPATCH_RATES", DEFAULT_RATES))
    options = default_options()
    return section(asyncio.run(run_sizes(sizes, rates, options)), options)
