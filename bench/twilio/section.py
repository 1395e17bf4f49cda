"""The "Twilio" section of docs/benchmarks.md, from the runs just measured."""

from __future__ import annotations

from collections.abc import Callable

from bench.dispatch.section import memory_rows, mib, table_row
from bench.report import Section, stamp
from bench.twilio.drain import Phase
from bench.twilio.ingest import BurstRun
from bench.twilio.introduction import introduction
from bench.twilio.runner import LibraryRun, Options, RunResult

Results = dict[int, list[RunResult]]  # size -> its runs
Figure = Callable[[RunResult], float | None]
Row = tuple[str, str, Figure, str]  # label, target, figure, format

TITLE = "Twilio: one worker, SMS through the twilio library, fake answering after 100 ms"


def _phase(which: str, figure: Callable[[Phase], float | None]) -> Figure:
    """A figure of the run without callbacks (``plain``) or with them (``callbacks``)."""

    def of(r: RunResult) -> float | None:
        phase: Phase | None = getattr(r, which)
        return None if phase is None or phase.figures is None else figure(phase)

    return of


def _sent_per_second(p: Phase) -> float | None:
    return p.figures.per_second if p.figures else None


def _library(which: str, figure: Callable[[LibraryRun], float]) -> Figure:
    def of(r: RunResult) -> float | None:
        run: LibraryRun | None = getattr(r, which)
        return None if run is None else figure(run)

    return of


def _ratio(which: str) -> Figure:
    def of(r: RunResult) -> float | None:
        sent = _phase(which, _sent_per_second)(r)
        ceiling = r.ceiling.per_second if r.ceiling else None
        return 100 * sent / ceiling if sent is not None and ceiling else None

    return of


def _times_by_hand(r: RunResult) -> float | None:
    sent = _phase("plain", _sent_per_second)(r)
    return sent / r.sync.per_second if sent is not None and r.sync and r.sync.per_second else None


def _burst(figure: Callable[[BurstRun], float | None]) -> Figure:
    return lambda r: None if r.burst is None else figure(r.burst)


def _figure(name: str) -> Callable[[Phase], float | None]:
    return lambda p: None if p.figures is None else float(getattr(p.figures, name))


def _fake(key: str) -> Callable[[Phase], float | None]:
    return lambda p: float(p.fake[key]) if key in p.fake else None


def _memory_rows(which: str) -> list[Row]:
    return memory_rows(lambda figure: _phase(which, lambda p: figure(p.watched)))


def _correctness_rows(which: str) -> list[Row]:
    return [
        (
            "numbers sent twice at the fake (`sent_twice`)",
            "0",
            _phase(which, _fake("sent_twice_count")),
            ",.0f",
        ),
        ("creates at the fake", "= messages", _phase(which, _fake("creates")), ",.0f"),
        (
            "messages with two moves out of `sending` in `delivery_events`",
            "0",
            _phase(which, _figure("handed_twice")),
            ",.0f",
        ),
        ("messages without `sent_at`", "0", _phase(which, _figure("without_sent_at")), ",.0f"),
        (
            "worker log: warnings, errors, tracebacks",
            "0",
            _phase(which, lambda p: float(sum(p.watched.log_lines.values()))),
            ",.0f",
        ),
        ("worker log, lines per message (INFO included)", "", _phase(which, _log_lines), ".1f"),
    ]


def _log_lines(p: Phase) -> float | None:
    return p.log_lines / p.materialised if p.materialised else None


def _cpu_rows(which: str) -> list[Row]:
    return [
        ("worker CPU, share of one core", "", _phase(which, lambda p: p.watched.cpu_share), ".2f"),
        ("the fake's CPU, share of one core", "", _phase(which, lambda p: p.fake_cpu_share), ".2f"),
        (
            "the worker's PostgreSQL backends' CPU, share of one core",
            "",
            _phase(which, lambda p: p.watched.db_cpu_share),
            ".2f",
        ),
    ]


def _plain_rows(options: Options) -> list[Row]:
    n = options.worker.concurrency
    return [
        (
            "**without callbacks**: messages sent/s, one worker",
            "≥2,000",
            _phase("plain", _sent_per_second),
            ",.0f",
        ),
        (
            f"ceiling: the library alone, {n} in flight, creates/s",
            "",
            _library("ceiling", lambda c: c.per_second),
            ",.0f",
        ),
        ("worker ÷ that ceiling, %", "≥70", _ratio("plain"), ".0f"),
        (
            "the library alone: its CPU, share of one core",
            "",
            _library("ceiling", lambda c: c.cpu / c.seconds),
            ".2f",
        ),
        (
            "the library alone: the fake's CPU, share of one core",
            "",
            _library("ceiling", lambda c: c.fake_cpu / c.seconds),
            ".2f",
        ),
        (
            "by hand: synchronous `client.messages.create` loop, messages/s",
            "",
            _library("sync", lambda c: c.per_second),
            ",.1f",
        ),
        ("worker ÷ that loop, ×", "", _times_by_hand, ",.0f"),
        *_cpu_rows("plain"),
        *_memory_rows("plain"),
        *_correctness_rows("plain"),
    ]


def _callback_rows() -> list[Row]:
    cb = "callbacks"
    return [
        (
            "**with callbacks**: messages sent/s, one worker",
            "",
            _phase(cb, _sent_per_second),
            ",.0f",
        ),
        ("worker ÷ the ceiling above, %", "", _ratio(cb), ".0f"),
        (
            "callbacks answered per second at the fake, while sending",
            "",
            _phase(cb, lambda p: p.answered_per_second),
            ",.0f",
        ),
        (
            "callbacks posted by the fake",
            "2 × messages",
            _phase(cb, _fake("callbacks_posted")),
            ",.0f",
        ),
        ("callbacks not answered 2xx", "0", _phase(cb, _fake("callback_failures")), ",.0f"),
        (
            "callbacks kept (`provider_callbacks` rows)",
            "= posted",
            _phase(cb, lambda p: float(p.callback_rows)),
            ",.0f",
        ),
        (
            "callbacks not applied after settling",
            "0",
            _phase(cb, lambda p: float(p.unapplied)),
            ",.0f",
        ),
        (
            "messages not `delivered` (receipts lost)",
            "0",
            _phase(cb, _figure("lost_receipts")),
            ",.0f",
        ),
        ("last `sent_at` to the last message `delivered`, s", "", _phase(cb, _settle_lag), ".1f"),
        *_cpu_rows(cb),
        (
            "`campaign serve` CPU, share of one core",
            "",
            _phase(cb, lambda p: p.serve_cpu_share),
            ".2f",
        ),
        (
            "`campaign serve` peak RSS, MiB",
            "",
            _phase(cb, lambda p: mib(p.serve_peak_rss_kib)),
            ".0f",
        ),
        (
            "`campaign serve` log: warnings, errors, tracebacks",
            "0",
            _phase(cb, lambda p: float(sum(p.serve_seen.log_lines.values()))),
            ",.0f",
        ),
        *_memory_rows(cb),
        *_correctness_rows(cb),
    ]


def _generator_share(b: BurstRun) -> float | None:
    return b.generator_cpu / b.seconds_answered if b.seconds_answered else None


def _settle_lag(p: Phase) -> float | None:
    return None if p.figures is None else p.figures.seconds_to_final - p.figures.seconds


def _burst_rows(options: Options) -> list[Row]:
    return [
        (
            f"**burst**: callbacks posted at once, {options.burst_concurrency} in flight",
            "50,000",
            _burst(lambda b: float(b.posted)),
            ",.0f",
        ),
        ("answered 2xx", "= posted", _burst(lambda b: float(b.answered_2xx)), ",.0f"),
        (
            "answered per second (commit included)",
            "≥5,000",
            _burst(lambda b: b.answered_per_second),
            ",.0f",
        ),
        (
            "applied per second (first post to the last applied)",
            "",
            _burst(lambda b: b.applied_per_second),
            ",.0f",
        ),
        ("kept (`provider_callbacks` rows)", "= posted", _burst(lambda b: float(b.rows)), ",.0f"),
        ("lost: posted, not kept and applied", "0", _burst(lambda b: float(b.lost)), ",.0f"),
        ("messages now `delivered`", "", _burst(lambda b: float(b.delivered)), ",.0f"),
        ("`campaign serve` CPU, share of one core", "", _burst(lambda b: b.serve_cpu_share), ".2f"),
        ("the burst's own process CPU, share of one core", "", _burst(_generator_share), ".2f"),
        ("`campaign serve` peak RSS, MiB", "", _burst(lambda b: mib(b.serve_peak_rss_kib)), ".0f"),
        (
            "`campaign serve` log: warnings, errors, tracebacks",
            "0",
            _burst(lambda b: float(sum(b.serve_seen.log_lines.values()))),
            ",.0f",
        ),
    ]


def _rows(options: Options) -> list[Row]:
    rows = _plain_rows(options)
    if options.burst:
        rows += _burst_rows(options)
    if options.with_callbacks:
        rows += _callback_rows()
    return rows


def _table(size: int, results: list[RunResult], options: Options) -> list[str]:
    before = ", ".join(f"{r.load_before:.2f}" for r in results)
    after = ", ".join(f"{r.load_after:.2f}" for r in results)
    return [
        f"**{size:,} recipients**, {len(results)} run(s); 1-minute load average before each "
        f"run: {before}; after: {after}. The worker ran at "
        f"{', '.join(dict.fromkeys(r.revision for r in results))}.",
        "",
        "| figure | target | median | runs |",
        "|---|---|---|---|",
        *(table_row(label, target, results, f, fmt) for label, target, f, fmt in _rows(options)),
        *_oddities(results),
    ]


def _oddities(results: list[RunResult]) -> list[str]:
    lines: list[str] = []
    for r in results:
        for name, phase in (("without callbacks", r.plain), ("with callbacks", r.callbacks)):
            if phase is None:
                continue
            if not phase.watched.finished:
                lines.append(f"- A run {name} did not finish: {phase.watched.why}.")
            if phase.fake.get("sent_twice_count"):
                lines.append(f"- Sent twice {name}: {phase.fake.get('sent_twice')}.")
            lines += [f"- Worker log ({name}): `{text}`" for text in phase.watched.log_samples]
            lines += [f"- `campaign serve` log: `{t}`" for t in phase.serve_seen.log_samples]
        lines += _disagreements(r)
        for lib in (r.ceiling, r.sync):
            if lib is not None and lib.failed:
                lines.append(
                    f"- The library alone ({lib.in_flight} in flight) failed: {lib.failed}"
                )
        if r.burst is not None:
            lines += [
                f"- `campaign serve` log (burst): `{t}`" for t in r.burst.serve_seen.log_samples
            ]
    lines = list(dict.fromkeys(lines))
    return ["", *lines] if lines else []


def _disagreements(r: RunResult) -> list[str]:
    """Where the database and the fake tell different stories of the same messages."""
    lines = []
    for name, phase in (("without callbacks", r.plain), ("with callbacks", r.callbacks)):
        w = phase.figures if phase is not None else None
        if phase is None or w is None or not (w.handed_twice or w.without_sent_at):
            continue
        lines.append(
            f"- A run {name}: {w.handed_twice:,} messages with two moves out of `sending` in "
            f"`delivery_events` and {w.without_sent_at:,} without `sent_at` (states "
            f"{w.states}), while the fake created {phase.fake.get('creates', 0):,} messages "
            f"and stored {phase.fake.get('sent_twice_count', 0):,} numbers twice."
        )
    return lines


def section(results: Results, options: Options) -> Section:
    lines = [stamp(), "", *introduction(options), ""]
    for size, runs in sorted(results.items()):
        lines += [*_table(size, runs, options), ""]
    return Section(TITLE, lines[:-1])
