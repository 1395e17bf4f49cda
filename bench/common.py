"""What the process benches (bench/email, bench/twilio) share: sizes, the loop over them, their
helper processes and their command lines."""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from bench.dispatch import POSTGRES_URL, parse_sizes

ROOT = Path(__file__).resolve().parents[1]  # the checkout: ``tests`` and ``bench`` import

Opts = TypeVar("Opts")
R = TypeVar("R")


def free_port() -> int:
    """A port nobody listens on now (the process given it binds it a moment later)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def sizes_of(text: str) -> list[tuple[int, int]]:
    """``100000x3,5000`` -> [(100000, 3), (5000, 1)] (bench/dispatch's syntax, without rates)."""
    return [(size, runs) for size, runs, _ in parse_sizes(text)]


async def run_sizes(
    name: str,
    sizes: list[tuple[int, int]],
    options: Opts,
    measure: Callable[[int, Opts, str], Awaitable[R]],
    show: Callable[[R], None],
) -> dict[int, list[R]]:
    """Each size its number of runs, one after the other, each shown as soon as it is measured."""
    results: dict[int, list[R]] = {}
    for size, runs in sizes:
        for index in range(runs):
            print(f"{name}: {size:,} recipients, run {index + 1} of {runs}")
            result = await measure(size, options, f"{size}-{index + 1}")
            results.setdefault(size, []).append(result)
            show(result)
    return results


async def run_helper(module: str, arguments: list[str], log: Path) -> dict[str, Any]:
    """``python -m MODULE ARGUMENTS`` from the checkout: its last line of output, as JSON."""
    with log.open("wb") as err:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            module,
            *arguments,
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=err,
        )
        try:
            out, _ = await process.communicate()
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    if process.returncode != 0:
        raise RuntimeError(f"{module} exited with {process.returncode}; see {log}")
    result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return result


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every process bench takes: where to run, what to keep, whether to write."""
    add = parser.add_argument
    add("--postgres-url", default=POSTGRES_URL, help="an existing database on the server")
    add("--keep-database", action="store_true", help="leave each run's databases to look at")
    add("--keep-logs", action="store_true", help="keep every run's logs, even when clean")
    add("--write", action="store_true", help="rewrite the section of docs/benchmarks.md")
