"""One measured run: for each sink, the worker, then the ceiling and the adapter alone.

Each sink gets a database of its own (``bench_email_…``, dropped after), staged the same way,
and processes of its own: a sink for the worker, a fresh one for the ceiling (aiosmtplib alone)
and another for the adapter alone, so each count is one sender's. The bounces are measured on
the first sink's database, once its messages are all ``sent``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from bench.common import run_helper
from bench.dispatch import scenario
from bench.dispatch.runner import revision
from bench.dispatch.watch import WorkerSettings, cpu_seconds
from bench.email.bounces import BounceRun, measure_bounces
from bench.email.drain import EmailSettings, Phase, drain
from bench.email.sinks import KINDS, SinkCount, running_sink, unavailable
from bench.email.stage import BOUNCE_DOMAIN, EMAIL_FROM, prepare
from campaign.channels.smtp.mail import MailWriter
from campaign.channels.smtp.marks import MailMarks

DATABASE = "bench_email_"  # and a suffix per run and sink


@dataclass(frozen=True, slots=True)
class Options:
    postgres_url: str
    worker: WorkerSettings
    email: EmailSettings
    sinks: tuple[str, ...] = KINDS
    with_ceiling: bool = True
    with_adapter: bool = True
    bounces: int = 20_000  # DSNs applied after the first sink's run; 0: none
    bounce_concurrency: int = 100
    keep_database: bool = False
    keep_logs: bool = False  # even when the run was clean


@dataclass(frozen=True, slots=True)
class Alone:
    """A sender in a process of its own (bench/email/ceiling.py), and the sink's side."""

    mode: str  # library | adapter
    sent: int
    failed: dict[str, int]
    seconds: float
    cpu: float  # the sender's process, seconds
    sink_cpu: float  # the sink's, seconds
    count: SinkCount

    @property
    def per_second(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0


@dataclass(slots=True)
class SinkRun:
    kind: str
    skipped: str | None = None  # why this sink was not measured
    worker: Phase | None = None
    ceiling: Alone | None = None  # aiosmtplib alone
    adapter: Alone | None = None  # the product's SMTP provider alone
    mail_bytes: int = 0  # the mail the ceiling sends

    def ratio(self) -> float | None:
        """The worker's mails per second over the ceiling's, in per cent."""
        sent = self.worker.per_second if self.worker else None
        ceiling = self.ceiling.per_second if self.ceiling else None
        return 100 * sent / ceiling if sent is not None and ceiling else None


@dataclass(slots=True)
class RunResult:
    size: int
    load_before: float
    revision: str
    folder: Path
    load_after: float = 0.0
    sinks: dict[str, SinkRun] = field(default_factory=dict)
    bounces: BounceRun | None = None

    @property
    def clean(self) -> bool:
        """Finished, nothing lost or sent twice, no warning in a log: the logs can go."""
        for run in self.sinks.values():
            phase = run.worker
            if phase is None:
                continue
            figures = phase.figures
            if not phase.watched.finished or phase.watched.log_lines or phase.sink_disagrees:
                return False
            if figures is None or figures.duplicates or figures.without_sent_at:
                return False
            if phase.count is not None and phase.count.twice:
                return False
        return True


async def measure(size: int, options: Options, label: str) -> RunResult:
    folder = Path(tempfile.mkdtemp(prefix=f"bench-email-{label}-"))
    result = RunResult(size, os.getloadavg()[0], revision(), folder)
    for kind in options.sinks:
        why = unavailable(kind)
        if why is not None:
            print(f"  {kind}: skipped: {why}")
            result.sinks[kind] = SinkRun(kind, skipped=why)
            continue
        first = not any(r.worker for r in result.sinks.values())
        result.sinks[kind] = await _sink_run(result, options, kind, bounces=first)
    result.load_after = os.getloadavg()[0]
    if result.clean and not options.keep_logs and not options.email.profile:
        shutil.rmtree(folder)
    return result


async def _sink_run(result: RunResult, options: Options, kind: str, *, bounces: bool) -> SinkRun:
    run = SinkRun(kind)
    name = DATABASE + uuid.uuid4().hex[:8]
    async with scenario.database(options.postgres_url, name, keep=options.keep_database) as url:
        stage = await prepare(url, result.size, options.email.email_rate)
        conn = await asyncpg.connect(scenario.raw_url(url))
        try:
            async with running_sink(kind, result.folder, f"sink-{kind}") as sink:
                run.worker, run_id = await drain(
                    stage, conn, options.worker, options.email, sink, result.folder
                )
            if run.worker.figures and run.worker.figures.sent:
                await _alone(run, result, options, conn, stage, run_id)
            if bounces and options.bounces and run.worker.watched.finished:
                print(f"  bounces: {options.bounces:,} DSNs")
                result.bounces = await measure_bounces(
                    conn, stage.services, run_id, options.bounces, options.bounce_concurrency
                )
        finally:
            await conn.close()
            await stage.services.close()
    return run


async def _alone(
    run: SinkRun,
    result: RunResult,
    options: Options,
    conn: asyncpg.Connection,
    stage: scenario.Stage,
    run_id: int,
) -> None:
    """aiosmtplib alone, then the adapter alone, each to a fresh sink of the same kind."""
    data, sender, message = await _sample(conn, stage, run_id)
    run.mail_bytes = len(data)
    mail, message_file = result.folder / "mail.eml", result.folder / "message.json"
    mail.write_bytes(data)
    message_file.write_text(json.dumps(message))
    pool = str(options.email.pool_size)
    if options.with_ceiling:
        print(f"  {run.kind}: aiosmtplib alone, {result.size:,} mails over {pool} connections")
        arguments = ["--mail", str(mail), "--sender", sender, "--connections", pool]
        run.ceiling = await _alone_run(result, run.kind, "library", arguments)
    if options.with_adapter:
        in_flight = str(options.worker.concurrency)
        print(f"  {run.kind}: the adapter alone, {in_flight} sends at once")
        arguments = ["--message", str(message_file), "--connections", pool]
        arguments += ["--in-flight", in_flight]
        run.adapter = await _alone_run(result, run.kind, "adapter", arguments)


async def _sample(
    conn: asyncpg.Connection, stage: scenario.Stage, run_id: int
) -> tuple[bytes, str, dict[str, Any]]:
    """The last message of the run as the worker wrote it: its bytes (by ``MailWriter``,
    once), its envelope sender, and the message as the provider is handed it."""
    services = stage.services
    last = await conn.fetchval("SELECT max(id) FROM messages WHERE run_id = $1", run_id)
    now = services.clock.now()
    outbound = await services.composer.web_copy(int(last), now)
    if outbound is None:
        raise RuntimeError(f"message {last} cannot be written again")
    domain = services.settings.email_domain
    marks = MailMarks(services.signer, bounce_domain=BOUNCE_DOMAIN, id_domain=domain)
    writer = MailWriter(EMAIL_FROM)
    data = writer.write(
        to=outbound.to,
        subject=outbound.subject or "",
        text=outbound.text,
        html=outbound.html,
        language=outbound.language,
        message_id=marks.message_id(outbound.message_id),
        date=now,
        headers=outbound.headers,
    )
    sender = marks.return_path(outbound.message_id, writer.sender_address)
    message = {
        "language": outbound.language,
        "text": outbound.text,
        "subject": outbound.subject,
        "html": outbound.html,
        "headers": dict(outbound.headers),
    }
    return data, sender, message


async def _alone_run(result: RunResult, kind: str, mode: str, arguments: list[str]) -> Alone:
    async with running_sink(kind, result.folder, f"sink-{kind}-{mode}") as sink:
        before = cpu_seconds(sink.process.pid)
        command = ["--port", str(sink.port), "--count", str(result.size), *arguments]
        out = await run_helper(
            "bench.email.ceiling", [mode, *command], result.folder / f"{mode}-{kind}.log"
        )
        sink_cpu = cpu_seconds(sink.process.pid) - before
        count = sink.stop()
    return Alone(
        mode,
        int(out["sent"]),
        dict(out["failed"]),
        float(out["seconds"]),
        float(out["cpu"]),
        sink_cpu,
        count,
    )
