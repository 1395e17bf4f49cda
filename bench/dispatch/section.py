"""The "Dispatch" section of docs/benchmarks.md, from the runs just measured."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from typing import TypeVar

from bench.dispatch.runner import CeilingResult, Options, RunResult
from bench.dispatch.watch import Watched
from bench.report import Section, stamp

Results = dict[tuple[int, float], list[RunResult]]  # (size, campaign rate) -> its runs
Figure = Callable[[RunResult], float | None]
Row = tuple[str, str, Figure, str]  # label, target, figure, format

R = TypeVar("R")

TITLE = "Dispatch: one worker, SMS, sandbox answering after 100 ms"


def table_row(
    label: str, target: str, results: Sequence[R], figure: Callable[[R], float | None], fmt: str
) -> str:
    """``| label | target | median | each run |`` (n/a where no run has the figure)."""
    values = [v for v in (figure(r) for r in results) if v is not None]
    if not values:
        return f"| {label} | {target} | n/a | |"
    runs = ", ".join(format(v, fmt) for v in values)
    return f"| {label} | {target} | {format(statistics.median(values), fmt)} | {runs} |"


def mib(kib: int) -> float:
    return kib / 1024


def memory_rows(
    of: Callable[[Callable[[Watched], float | None]], Callable[[R], float | None]],
) -> list[tuple[str, str, Callable[[R], float | None], str]]:
    """The worker's memory rows, as every process bench reports them; ``of`` turns a figure of
    what was watched into a figure of a run."""

    def rss_at(percent: int) -> Callable[[Watched], float | None]:
        return lambda w: mib(w.rss_at[percent]) if percent in w.rss_at else None

    return [
        ("worker RSS idle before the run, MiB", "", of(lambda w: mib(w.baseline_rss_kib)), ".0f"),
        ("worker RSS when 50% were sent, MiB", "flat", of(rss_at(50)), ".0f"),
        ("worker RSS when 90% were sent, MiB", "flat", of(rss_at(90)), ".0f"),
        ("worker peak RSS (VmHWM), MiB", "≤150", of(lambda w: mib(w.peak_rss_kib)), ".0f"),
    ]


def _watched(figure: Callable[[Watched], float | None]) -> Figure:
    return lambda r: figure(r.watched)


def _worker(name: str) -> Figure:
    """A figure of the worker's run, by name (None when the run was not read)."""
    return lambda r: None if r.worker is None else float(getattr(r.worker, name))


def _ceiling(in_flight: int, figure: Callable[[CeilingResult], float | None]) -> Figure:
    def of(r: RunResult) -> float | None:
        found = [c for c in r.ceilings if c.in_flight == in_flight]
        return figure(found[0]) if found else None

    return of


def _ratio(in_flight: int) -> Figure:
    def of(r: RunResult) -> float | None:
        ceiling = _ceiling(in_flight, lambda c: c.figures.per_second)(r)
        return 100 * r.worker.per_second / ceiling if r.worker and ceiling else None

    return of


def _ceiling_rows(options: Options) -> list[Row]:
    rows: list[Row] = []
    own = options.worker.concurrency
    for probe in options.probes:
        n = probe.in_flight
        same = " (the worker's own)" if n == own else ""
        rows += [
            (f"ceiling messages/s, {n} in flight{same}", "", _ceiling(n, _per_second), ",.0f"),
            ("worker ÷ that ceiling, %", "≥70" if same else "", _ratio(n), ".0f"),
            ("its CPU (bench process), share of one core", "", _ceiling(n, _cpu), ".2f"),
            ("its PostgreSQL backends' CPU, share of one core", "", _ceiling(n, _db), ".2f"),
        ]
    return rows


def _per_second(c: CeilingResult) -> float:
    return c.figures.per_second


def _cpu(c: CeilingResult) -> float | None:
    return c.share(c.cpu_seconds)


def _db(c: CeilingResult) -> float | None:
    return c.share(c.db_cpu_seconds)


def _rows(big: bool, options: Options) -> list[Row]:
    return [
        ("messages/s, one worker", "≥2,000", _worker("per_second"), ",.0f"),
        ("scheduled-to-sent p50, s", "", _worker("latency_p50"), ".1f"),
        ("scheduled-to-sent p99, s", "", _worker("latency_p99"), ".1f"),
        ("first message sent after it was queued, s", "", _worker("latency_first"), ".2f"),
        ("worker CPU, share of one core", "", lambda r: r.watched.cpu_share, ".2f"),
        (
            "its PostgreSQL backends' CPU, share of one core",
            "",
            lambda r: r.watched.db_cpu_share,
            ".2f",
        ),
        *_ceiling_rows(options),
        (
            "materialising the run (`start_due`), s",
            "≤10 for 1,000,000" if big else "",
            lambda r: r.materialise_seconds,
            ".1f",
        ),
        (
            "ceiling: bare INSERT … SELECT of the same rows, s",
            "",
            lambda r: r.ceilings[0].queue_seconds if r.ceilings else None,
            ".1f",
        ),
        *memory_rows(_watched),
        ("receipts written (events into `delivered`)", "= messages", _worker("receipts"), ",.0f"),
        ("receipts lost (messages not `delivered`)", "0", _worker("lost_receipts"), ",.0f"),
        ("messages without `sent_at`", "0", _worker("without_sent_at"), ",.0f"),
        ("messages handed to the provider twice", "0", _worker("handed_twice"), ",.0f"),
        ("messages moved to `sending` more than once", "", _worker("sending_again"), ",.0f"),
        (
            "addresses with two messages or provider ids, shared provider ids",
            "0",
            _worker("address_duplicates"),
            ",.0f",
        ),
        (
            "outbox events not yet processed when the run drained",
            "",
            lambda r: float(r.watched.outbox_waiting),
            ",.0f",
        ),
        (
            "worker log: warnings, errors, tracebacks",
            "0",
            lambda r: float(sum(r.watched.log_lines.values())),
            ",.0f",
        ),
    ]


def _table(size: int, rate: float, results: list[RunResult], options: Options) -> list[str]:
    before = ", ".join(f"{r.load_before:.2f}" for r in results)
    after = ", ".join(f"{r.load_after:.2f}" for r in results)
    speeds = [r.worker.per_second for r in results if r.worker is not None]
    binds = bool(speeds) and statistics.median(speeds) >= 0.95 * rate
    return [
        f"**{size:,} recipients, campaign rate {rate:,.0f}/s**, {len(results)} run(s); "
        f"1-minute load average before each run: {before}; after: {after}. The worker ran "
        f"at {', '.join(dict.fromkeys(r.revision for r in results))}."
        + (" The campaign's rate binds." if binds else ""),
        "",
        "| figure | target | median | runs |",
        "|---|---|---|---|",
        *(
            table_row(label, target, results, figure, fmt)
            for label, target, figure, fmt in _rows(size >= 1_000_000, options)
        ),
        *_oddities(results),
    ]


def _oddities(results: list[RunResult]) -> list[str]:
    lines = []
    for r in results:
        if not r.watched.finished:
            lines.append(f"- A run did not finish: {r.watched.why}.")
        if r.materialised != r.size:
            lines.append(f"- {r.materialised:,} messages materialised for {r.size:,} contacts.")
        lines += [f"- Worker log: `{text}`" for text in r.watched.log_samples]
    return ["", *lines] if lines else []


def section(results: Results, options: Options) -> Section:
    lines = [stamp(), "", *_introduction(options), ""]
    for (size, rate), runs in sorted(results.items()):
        lines += [*_table(size, rate, runs, options), ""]
    return Section(TITLE, lines[:-1])


def _introduction(options: Options) -> list[str]:
    worker = options.worker
    return [
        "One `campaign worker` process (the product's command) on PostgreSQL, its own database "
        "per run, drains one SMS campaign to N contacts with SMS consent (the library's "
        "`new-measure` template with the demo's measure, quiet hours overridden with a reason). "
        "Each size is measured at a campaign rate of 1,000/s (the old API maximum) and at one "
        "so high that no campaign rate binds and the worker's own limit shows; "
        f"`CAMPAIGN_SMS_RATE={worker.sms_rate:,.0f}` (a campaign may not ask for more, and "
        "the shared channel rate does not bind), "
        f"`CAMPAIGN_WORKER_CONCURRENCY={worker.concurrency}`, "
        f"`CAMPAIGN_SANDBOX_LATENCY={worker.latency}` (each send answered after "
        f"{worker.latency * 1000:.0f} ms, its receipt 0.5 s later, written by the worker). The "
        "worker runs before the run is materialised (an empty queue first, as in production); "
        "the scheduler's `start_due` then materialises it in the bench process. Other "
        "engineers' tests share the 2 cores: the load average is given with each size. "
        "`python -m bench.dispatch --help` runs other sizes and rates.",
        "",
        "Definitions: **messages/s** = messages with `sent_at` ÷ (last `sent_at` − first move "
        "to `sending`). **Scheduled-to-sent** = `sent_at` − the message's `created_at`, the "
        "`now` at which `start_due` queued it (its first `next_attempt_at`; the run is due "
        "then), so it includes the materialisation and the worker's idle poll. **Receipts** "
        "are delivery events into `delivered`; one is lost when its message does not end "
        "`delivered`. **Duplicates**: a message with two outcomes out of `sending` (a move "
        "back to `queued` is a give-back before the call, or a retry after a refusal); an "
        "address of the run with two messages or provider ids; a provider id on two "
        "messages. Memory is the worker's `/proc/PID/status` (VmRSS sampled every 0.2 s, "
        "VmHWM at the end). CPU is `/proc/PID/stat` of the worker and of the PostgreSQL "
        "backends serving it, over the time it drained the run.",
        "",
        _ceiling_text(options),
    ]


def _ceiling_text(options: Options) -> str:
    if not options.probes:
        return "No ceiling was measured in these runs (`--no-ceiling`)."
    probe, own = options.probes[0], options.worker.concurrency
    in_flight = " and ".join(str(p.in_flight) for p in options.probes)
    return (
        "Ceilings, in the same run after the worker has stopped: the same contacts queued again "
        "by one bare `INSERT … SELECT` (the ceiling for materialising), then drained by a "
        "minimal pipeline in the bench process (bench/dispatch/ceiling.py): keyset claims of "
        f"{probe.batch} with `SKIP LOCKED` moved to `sending` in one statement, "
        f"`asyncio.sleep({probe.latency})` as the provider with at most {in_flight} sends in "
        "flight while the next batch is claimed, `sent` and the receipts 0.5 s later written "
        "by `UPDATE … FROM unnest` in batches, each move with its delivery event and an outbox "
        "event (the worker no longer writes the outbox event, so this ceiling does a little "
        "more than the worker and is understated by that much). No rendering, no last-moment "
        "check, no rate tokens, "
        "no outbox dispatch: what this database and a provider answering after 100 ms allow "
        "here. No sender exceeds its sends in flight ÷ the round trip, so the worker's "
        f"{own} in flight cap it at {own / probe.latency:,.0f}/s; the ≥70% target is "
        "PERFORMANCE.md's, against a ceiling at the same concurrency."
    )
