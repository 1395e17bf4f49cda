"""The two local SMTP sinks the bench sends to, each a process of its own, and their counts.

- ``aiosmtpd``: ``python -m bench.email.sink`` (bench/email/sink.py), the server the tests use,
  in Python; it counts mails per recipient, so it sees a mail sent twice.
- ``smtp-sink``: Postfix's C test server (``/usr/sbin/smtp-sink``, Debian's postfix package),
  faster than any Python client; it counts mails (``-c``), not recipients. Run as root it needs
  ``-u`` to drop privileges once it listens.

A sink is started before what sends to it and stopped (SIGTERM) after, whatever happens; its
count is read once it has stopped.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import ROOT, free_port

AIOSMTPD = "aiosmtpd"
SMTP_SINK = "smtp-sink"
KINDS = (AIOSMTPD, SMTP_SINK)
SMTP_SINK_PATH = Path(os.environ.get("BENCH_SMTP_SINK", "/usr/sbin/smtp-sink"))
_MESSAGES = re.compile(rb"mesg=(\d+)")


@dataclass(frozen=True, slots=True)
class SinkCount:
    """What a sink took. ``smtp-sink`` counts mails only: the rest is None there."""

    mails: int
    distinct: int | None = None  # distinct recipients
    twice: int | None = None  # recipients that got more than one mail
    twice_sample: list[str] = field(default_factory=list)
    bytes: int | None = None


@dataclass(slots=True)
class Sink:
    kind: str
    process: subprocess.Popen[bytes]
    port: int
    output: Path  # smtp-sink's counters, or the aiosmtpd sink's stats once stopped
    count: SinkCount | None = None

    def stop(self) -> SinkCount:
        """SIGTERM, then its count (once; a second call returns the first count)."""
        if self.count is None:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
                try:
                    self.process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            self.count = _read_count(self.kind, self.output)
        return self.count


def unavailable(kind: str) -> str | None:
    """Why ``kind`` cannot run on this machine, or None."""
    if kind == SMTP_SINK and not os.access(SMTP_SINK_PATH, os.X_OK):
        return (
            f"{SMTP_SINK_PATH} not found: Postfix's smtp-sink comes with Debian's postfix "
            "package (apt-get install postfix)"
        )
    return None


@asynccontextmanager
async def running_sink(kind: str, folder: Path, name: str) -> AsyncIterator[Sink]:
    """A sink of ``kind`` listening on 127.0.0.1, stopped on the way out."""
    sink = _start_aiosmtpd(folder, name) if kind == AIOSMTPD else _start_smtp_sink(folder, name)
    try:
        await _wait_listening(sink, folder / f"{name}.port")
        yield sink
    finally:
        sink.stop()


def _start_aiosmtpd(folder: Path, name: str) -> Sink:
    port_file, stats = folder / f"{name}.port", folder / f"{name}.json"
    command = [sys.executable, "-m", "bench.email.sink", "--port-file", str(port_file)]
    command += ["--stats", str(stats)]
    with (folder / f"{name}.log").open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    return Sink(AIOSMTPD, process, 0, stats)


def _start_smtp_sink(folder: Path, name: str) -> Sink:
    port = free_port()
    command = [str(SMTP_SINK_PATH), "-c"]
    if os.geteuid() == 0:  # it refuses to run as root without a user to become
        command += ["-u", os.environ.get("BENCH_SMTP_SINK_USER", "nobody")]
    command += [f"127.0.0.1:{port}", "1000"]
    output = folder / f"{name}.log"
    with output.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    return Sink(SMTP_SINK, process, port, output)


async def _wait_listening(sink: Sink, port_file: Path) -> None:
    async with asyncio.timeout(30):
        while True:
            if sink.process.poll() is not None:
                raise RuntimeError(f"the {sink.kind} sink exited with {sink.process.returncode}")
            if sink.kind == AIOSMTPD and not sink.port:
                sink.port = _port_in(port_file)
            if sink.port and await _answers(sink.port):
                return
            await asyncio.sleep(0.05)


def _port_in(port_file: Path) -> int:
    """The port the aiosmtpd sink wrote, or 0 while it has not."""
    return int(port_file.read_text() or 0) if port_file.exists() else 0


async def _answers(port: int) -> bool:
    """Whether something greets on ``port`` (smtp-sink counts this as a session, no mail)."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    try:
        greeting = await asyncio.wait_for(reader.readline(), timeout=5)
        writer.write(b"QUIT\r\n")
        await writer.drain()
        return greeting.startswith(b"220")
    finally:
        writer.close()


def _read_count(kind: str, output: Path) -> SinkCount:
    if kind == SMTP_SINK:
        found = _MESSAGES.findall(output.read_bytes()) if output.exists() else []
        return SinkCount(int(found[-1]) if found else 0)
    if not output.exists():
        return SinkCount(0)
    stats = json.loads(output.read_text())
    return SinkCount(
        int(stats["mails"]),
        int(stats["distinct"]),
        int(stats["twice"]),
        [str(a) for a in stats["twice_sample"]],
        int(stats["bytes"]),
    )
