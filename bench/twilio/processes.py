"""The processes a run starts beside the worker: the fake Twilio and ``campaign serve`` (the
callback receiver); the bench's own helpers (``library.py``, ``burst.py``) are run by
bench/common.py's ``run_helper``.

Each is started by the bench, in a process of its own, and stopped by it (SIGTERM, then SIGKILL
a minute later) whatever happens: ``running`` is the context manager every run uses.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from bench.common import ROOT
from bench.dispatch.watch import WorkerSettings, start_worker, stop_worker, worker_command

ACCOUNT_SID = "AC" + "b3" * 16
AUTH_TOKEN = "bench-twilio-token-" + "0" * 13
SENDER = "+32460000001"
_SERVING = "serving on http://"


@dataclass(frozen=True, slots=True)
class Fake:
    process: subprocess.Popen[bytes]
    base_url: str


@contextmanager
def running(process: subprocess.Popen[bytes]) -> Iterator[subprocess.Popen[bytes]]:
    """Stop ``process`` on the way out, as an operator would (``stop_worker``)."""
    try:
        yield process
    finally:
        stop_worker(process)


@asynccontextmanager
async def fake_twilio(
    folder: Path, name: str, latency: float, callback_to: str | None
) -> AsyncIterator[Fake]:
    """``python -m tests.fakes.twilio`` answering after ``latency``; its callbacks posted to
    ``callback_to``, or none at all."""
    port_file = folder / f"{name}.port"
    command = [
        sys.executable,
        "-m",
        "tests.fakes.twilio",
        "--account-sid",
        ACCOUNT_SID,
        "--auth-token",
        AUTH_TOKEN,
        "--port",
        "0",
        "--port-file",
        str(port_file),
        "--latency",
        str(latency),
    ]
    command += ["--callback-to", callback_to] if callback_to else ["--no-callbacks"]
    process = _start(command, folder / f"{name}.log")
    with running(process):
        async with asyncio.timeout(30):
            while not port_file.exists():
                if process.poll() is not None:
                    raise RuntimeError(f"the fake exited with {process.returncode}")
                await asyncio.sleep(0.05)
        yield Fake(process, f"http://127.0.0.1:{int(port_file.read_text())}")


def twilio_env(fake_url: str, public_url: str) -> dict[str, str]:
    """What an operator sets to send through Twilio (here: the fake)."""
    return {
        "CAMPAIGN_SMS_PROVIDER": "twilio",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM": SENDER,
        "TWILIO_API_BASE": fake_url,
        "CAMPAIGN_PUBLIC_URL": public_url,
    }


@asynccontextmanager
async def serve(
    url: str, secret: str, settings: WorkerSettings, log: Path, port: int, env: dict[str, str]
) -> AsyncIterator[subprocess.Popen[bytes]]:
    """``campaign serve`` on 127.0.0.1:``port``, with the worker's settings and ``env``."""
    command = [worker_command()[0], "serve", "--host", "127.0.0.1", "--port", str(port)]
    process = start_worker(url, secret, settings, log, extra_env=env, command=command)
    with running(process):
        async with asyncio.timeout(60):
            while not _said_serving(log):
                if process.poll() is not None:
                    raise RuntimeError(f"campaign serve exited with {process.returncode}; {log}")
                await asyncio.sleep(0.1)
        yield process


def _start(command: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)


def _said_serving(log: Path) -> bool:
    return _SERVING in log.read_text(errors="replace")


async def fake_state(session: aiohttp.ClientSession, fake: Fake) -> dict[str, Any]:
    async with session.get(f"{fake.base_url}/_fake/state") as response:
        response.raise_for_status()
        state: dict[str, Any] = await response.json()
        return state


async def fake_settle(session: aiohttp.ClientSession, fake: Fake) -> dict[str, Any]:
    """The fake's state once every callback it owes has been answered."""
    async with session.post(f"{fake.base_url}/_fake/settle") as response:
        response.raise_for_status()
        state: dict[str, Any] = await response.json()
        return state


async def sample_create(session: aiohttp.ClientSession, fake: Fake) -> dict[str, Any] | None:
    """The last message the worker created at the fake, as Twilio lists it (None if none)."""
    url = f"{fake.base_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    auth = aiohttp.BasicAuth(ACCOUNT_SID, AUTH_TOKEN)
    async with session.get(url, params={"PageSize": "1"}, auth=auth) as response:
        response.raise_for_status()
        page: dict[str, Any] = await response.json()
    return dict(page["messages"][0]) if page["messages"] else None
