"""The "Email" section of docs/benchmarks.md, from the runs just measured."""

from __future__ import annotations

from collections.abc import Callable

from bench.dispatch.section import memory_rows, table_row
from bench.email.bounces import BounceRun
from bench.email.drain import Phase
from bench.email.introduction import introduction
from bench.email.runner import Alone, Options, RunResult, SinkRun
from bench.email.sinks import AIOSMTPD
from bench.report import Section, stamp

Results = dict[int, list[RunResult]]  # size -> its runs
Figure = Callable[[RunResult], float | None]
Row = tuple[str, str, Figure, str]  # label, target, figure, format

TITLE = "Email: one worker, SMTP to a local sink"


def _sink(kind: str, figure: Callable[[SinkRun], float | None]) -> Figure:
    def of(r: RunResult) -> float | None:
        run = r.sinks.get(kind)
        return None if run is None or run.skipped else figure(run)

    return of


def _worker(kind: str, figure: Callable[[Phase], float | None]) -> Figure:
    def of(run: SinkRun) -> float | None:
        phase = run.worker
        return None if phase is None or phase.figures is None else figure(phase)

    return _sink(kind, of)


def _alone(kind: str, which: str, figure: Callable[[Alone], float | None]) -> Figure:
    def of(run: SinkRun) -> float | None:
        alone: Alone | None = getattr(run, which)
        return None if alone is None or not alone.seconds else figure(alone)

    return _sink(kind, of)


def _over(kind: str, which: str) -> Figure:
    """The worker's mails per second over a sender alone's, in per cent."""

    def of(run: SinkRun) -> float | None:
        alone: Alone | None = getattr(run, which)
        sent = run.worker.per_second if run.worker else None
        return 100 * sent / alone.per_second if sent and alone and alone.per_second else None

    return _sink(kind, of)


def _figure(name: str) -> Callable[[Phase], float | None]:
    return lambda p: None if p.figures is None else float(getattr(p.figures, name))


def _speed_rows(kind: str, options: Options) -> list[Row]:
    pool, in_flight = options.email.pool_size, options.worker.concurrency
    rows: list[Row] = [
        (f"**{kind}**: mails sent/s, one worker", "≥1,500", _worker(kind, _per_second), ",.0f")
    ]
    if options.with_ceiling:
        rows += [
            (
                f"ceiling: aiosmtplib alone, {pool} connections, the same bytes, mails/s",
                "",
                _alone(kind, "ceiling", lambda a: a.per_second),
                ",.0f",
            ),
            ("worker ÷ that ceiling, %", "≥70", _over(kind, "ceiling"), ".0f"),
        ]
    if options.with_adapter:
        rows += [
            (
                f"the adapter alone (no database), {in_flight} sends at once, mails/s",
                "",
                _alone(kind, "adapter", lambda a: a.per_second),
                ",.0f",
            ),
            ("worker ÷ the adapter alone, %", "", _over(kind, "adapter"), ".0f"),
        ]
    if options.with_ceiling and options.with_adapter:
        rows.append(("adapter alone ÷ the ceiling, %", "", _adapter_share(kind), ".0f"))
    return rows


def _per_second(p: Phase) -> float | None:
    return p.per_second


def _adapter_share(kind: str) -> Figure:
    def of(run: SinkRun) -> float | None:
        if run.adapter is None or run.ceiling is None or not run.ceiling.per_second:
            return None
        return 100 * run.adapter.per_second / run.ceiling.per_second

    return _sink(kind, of)


def _cpu_rows(kind: str, options: Options) -> list[Row]:
    rows: list[Row] = [
        ("worker CPU, share of one core", "", _worker(kind, lambda p: p.watched.cpu_share), ".2f"),
        (
            "the sink's CPU while the worker sent, share of one core",
            "",
            _worker(kind, lambda p: p.sink_cpu_share),
            ".2f",
        ),
        (
            "the worker's PostgreSQL backends' CPU, share of one core",
            "",
            _worker(kind, lambda p: p.watched.db_cpu_share),
            ".2f",
        ),
    ]
    for which, name, wanted in (
        ("ceiling", "aiosmtplib alone", options.with_ceiling),
        ("adapter", "the adapter alone", options.with_adapter),
    ):
        if wanted:
            rows += [
                (f"{name}: its CPU, share of one core", "", _alone(kind, which, _cpu), ".2f"),
                (
                    f"{name}: the sink's CPU, share of one core",
                    "",
                    _alone(kind, which, _sink_cpu),
                    ".2f",
                ),
            ]
    return rows


def _cpu(alone: Alone) -> float:
    return alone.cpu / alone.seconds


def _sink_cpu(alone: Alone) -> float:
    return alone.sink_cpu / alone.seconds


def _memory_rows(kind: str) -> list[Row]:
    return memory_rows(lambda figure: _worker(kind, lambda p: figure(p.watched)))


def _count(figure: Callable[[Phase], int | None]) -> Callable[[Phase], float | None]:
    def of(p: Phase) -> float | None:
        value = figure(p)
        return None if value is None else float(value)

    return of


def _correctness_rows(kind: str) -> list[Row]:
    rows: list[Row] = [
        (
            "mails the sink took",
            "= messages",
            _worker(kind, _count(lambda p: p.count.mails if p.count else None)),
            ",.0f",
        ),
        (
            "mails the sink took − messages recorded `sent`",
            "0",
            _worker(kind, _count(lambda p: p.sink_disagrees)),
            ",.0f",
        ),
    ]
    if kind == AIOSMTPD:  # smtp-sink counts mails, not recipients
        rows.append(
            (
                "recipients who got two mails at the sink",
                "0",
                _worker(kind, _count(lambda p: p.count.twice if p.count else None)),
                ",.0f",
            )
        )
    return rows + [
        (
            "messages with two moves out of `sending` in `delivery_events`",
            "0",
            _worker(kind, _figure("handed_twice")),
            ",.0f",
        ),
        ("messages without `sent_at`", "0", _worker(kind, _figure("without_sent_at")), ",.0f"),
        (
            "worker log: warnings, errors, tracebacks",
            "0",
            _worker(kind, lambda p: float(sum(p.watched.log_lines.values()))),
            ",.0f",
        ),
        (
            "materialising the run (`start_due`), s",
            "",
            _worker(kind, lambda p: p.materialise_seconds),
            ".1f",
        ),
    ]


def _bounce(figure: Callable[[BounceRun], float | None]) -> Figure:
    return lambda r: None if r.bounces is None else figure(r.bounces)


def _bounce_rows(options: Options) -> list[Row]:
    return [
        (
            f"**bounces**: DSNs applied/s, {options.bounce_concurrency} at once",
            "≥2,000",
            _bounce(lambda b: b.per_second),
            ",.0f",
        ),
        ("DSNs applied", "", _bounce(lambda b: float(b.mails)), ",.0f"),
        ("their messages now `failed_permanent`", "= DSNs", _bounce(lambda b: b.failed), ",.0f"),
        ("addresses now suppressed", "= DSNs", _bounce(lambda b: b.suppressed), ",.0f"),
    ]


def _rows(results: list[RunResult], options: Options) -> list[Row]:
    rows: list[Row] = []
    for kind in options.sinks:
        if any(kind in r.sinks and not r.sinks[kind].skipped for r in results):
            rows += [
                *_speed_rows(kind, options),
                *_cpu_rows(kind, options),
                *_memory_rows(kind),
                *_correctness_rows(kind),
            ]
    if options.bounces:
        rows += _bounce_rows(options)
    return rows


def _mail_size(results: list[RunResult]) -> str:
    sizes = sorted({run.mail_bytes for r in results for run in r.sinks.values() if run.mail_bytes})
    return f" The mail the ceiling sends is {sizes[-1]:,} bytes." if sizes else ""


def _table(size: int, results: list[RunResult], options: Options) -> list[str]:
    before = ", ".join(f"{r.load_before:.2f}" for r in results)
    after = ", ".join(f"{r.load_after:.2f}" for r in results)
    return [
        f"**{size:,} recipients**, {len(results)} run(s); 1-minute load average before each "
        f"run: {before}; after: {after}. The worker ran at "
        f"{', '.join(dict.fromkeys(r.revision for r in results))}.{_mail_size(results)}",
        "",
        "| figure | target | median | runs |",
        "|---|---|---|---|",
        *(
            table_row(label, target, results, f, fmt)
            for label, target, f, fmt in _rows(results, options)
        ),
        *_oddities(results),
    ]


def _oddities(results: list[RunResult]) -> list[str]:
    lines: list[str] = []
    for r in results:
        for kind, run in r.sinks.items():
            if run.skipped:
                lines.append(f"- {kind} was not measured: {run.skipped}.")
                continue
            lines += _phase_oddities(kind, run.worker)
            for alone in (run.ceiling, run.adapter):
                if alone is not None and (alone.failed or alone.count.mails != alone.sent):
                    lines.append(
                        f"- {kind}, {alone.mode} alone: sent {alone.sent:,}, failed "
                        f"{alone.failed}, the sink took {alone.count.mails:,}."
                    )
    lines = list(dict.fromkeys(lines))
    return ["", *lines] if lines else []


def _phase_oddities(kind: str, phase: Phase | None) -> list[str]:
    if phase is None:
        return []
    lines = []
    if not phase.watched.finished:
        lines.append(f"- A run to {kind} did not finish: {phase.watched.why}.")
    if phase.count is not None and phase.count.twice:
        lines.append(f"- Sent twice to {kind}: {phase.count.twice_sample}.")
    lines += [f"- Worker log ({kind}): `{text}`" for text in phase.watched.log_samples]
    return lines


def section(results: Results, options: Options) -> Section:
    lines = [stamp(), "", *introduction(options), ""]
    for size, runs in sorted(results.items()):
        lines += [*_table(size, runs, options), ""]
    return Section(TITLE, lines[:-1])
