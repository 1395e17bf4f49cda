"""An aiosmtpd sink in a process of its own: takes every mail, keeps none, counts them.

Run by the bench (bench/email/sinks.py), never beside the worker in one process, so that the
worker's CPU and its event loop are its own. It listens on 127.0.0.1 (``--port 0``: a free
port, written to ``--port-file`` once it listens), answers 250 to every mail, and on SIGTERM
writes one JSON object to ``--stats``: mails, recipients, distinct recipients, recipients
that got more than one mail (and a few of them), the bytes taken, then exits::

    python -m bench.email.sink --port-file PATH --stats PATH
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import socket
from collections import Counter
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session


class _Counting:
    """aiosmtpd's handler: 250 to every mail, counted by recipient."""

    def __init__(self) -> None:
        self.mails = 0
        self.bytes = 0
        self.recipients: Counter[str] = Counter()

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        self.mails += 1
        self.bytes += len(envelope.original_content or b"")
        self.recipients.update(address.lower() for address in envelope.rcpt_tos)
        return "250 2.0.0 Ok: queued"

    def stats(self) -> dict[str, Any]:
        twice = [address for address, n in self.recipients.items() if n > 1]
        return {
            "mails": self.mails,
            "recipients": sum(self.recipients.values()),
            "distinct": len(self.recipients),
            "twice": len(twice),
            "twice_sample": twice[:5],
            "bytes": self.bytes,
        }


async def serve(port: int, port_file: Path, stats: Path) -> None:
    handler = _Counting()
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="aiosmtpd-sink", enable_SMTPUTF8=True),
        sock=listener,
        backlog=1000,
    )
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    _write(port_file, str(listener.getsockname()[1]))
    await stop.wait()
    _write(stats, json.dumps(handler.stats()))  # before closing: a client may still linger
    server.close()


def _write(path: Path, text: str) -> None:
    path.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.email.sink")
    parser.add_argument("--port", type=int, default=0, help="0: a free one")
    parser.add_argument("--port-file", type=Path, required=True, help="where to write the port")
    parser.add_argument("--stats", type=Path, required=True, help="where to write the counts")
    args = parser.parse_args()
    asyncio.run(serve(args.port, args.port_file, args.stats))


if __name__ == "__main__":
    main()
