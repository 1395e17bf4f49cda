"""How long `make run` takes from a fresh clone to a healthy service.

Two figures: a cold start (a new clone and a new virtual environment: pip downloads and
installs everything) and a warm start (the same clone again: the environment and the database
exist). The ceiling in the same run is the bare `python -m venv` plus `pip install` of the
dependencies, which `make run` cannot beat on a cold start.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.report import Section, median_line, stamp

ROOT = Path(__file__).resolve().parent.parent
RUNS = 3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def _time_make_run(clone: Path) -> float:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAMPAIGN_")}
    env["CAMPAIGN_PORT"] = str(port)
    env.pop("VIRTUAL_ENV", None)
    started = time.monotonic()
    process = subprocess.Popen(
        ["make", "run"],
        cwd=clone,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while not _healthy(port):
            if process.poll() is not None:
                raise RuntimeError(f"make run exited with {process.returncode}")
            if time.monotonic() - started > 900:
                raise RuntimeError("make run did not become healthy within 15 minutes")
            time.sleep(0.2)
        return time.monotonic() - started
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def _time_bare_install(workdir: Path) -> float:
    started = time.monotonic()
    venv = workdir / "bare-venv"
    subprocess.run(["python3", "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", str(ROOT)],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.monotonic() - started


def run() -> Section:
    cold, warm, ceiling = [], [], []
    for _ in range(RUNS):
        with tempfile.TemporaryDirectory() as tmp:
            clone = Path(tmp) / "clone"
            subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
            cold.append(_time_make_run(clone))
            warm.append(_time_make_run(clone))
            ceiling.append(_time_bare_install(Path(tmp)))
            shutil.rmtree(clone, ignore_errors=True)
    return Section(
        "make run: fresh clone to a healthy service",
        [
            stamp(),
            "",
            "| what | median | runs (s) |",
            "|---|---|---|",
            median_line("cold: new clone, new venv, install, migrate, demo, ready", cold, "s"),
            median_line("warm: same clone again (venv and database exist)", warm, "s"),
            median_line("ceiling: bare `python -m venv` + `pip install .`", ceiling, "s"),
            "",
            f"Cold start is {sum(cold) / sum(ceiling):.2f}× the bare install in the same runs; "
            "pip's downloads dominate it, so it varies with the network to the package index.",
        ],
    )
