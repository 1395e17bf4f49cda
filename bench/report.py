"""The machine's details and the report file."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

REPORT = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


@dataclass
class Section:
    title: str
    lines: list[str] = field(default_factory=list)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        memory = f"{memory_kb / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        memory = "unknown memory"
    return (
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} cores ({cpu}), {memory}"
    )


def git_revision() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def median_line(label: str, values: list[float], unit: str) -> str:
    runs = ", ".join(f"{v:.1f}" for v in values)
    return f"| {label} | {statistics.median(values):.1f} {unit} | {runs} |"


def publish(measured: Section, *, write: bool) -> None:
    """Rewrite the section in docs/benchmarks.md, or only print it."""
    if write:
        write_report([measured])
    else:
        print("\n".join(measured.lines))


def write_report(sections: list[Section]) -> None:
    """Replace the sections just measured; keep the others as they were."""
    existing = _existing_sections()
    for section in sections:
        existing[section.title] = section.lines
    header = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m bench`); each figure is the median of several runs,",
        "with every run listed. Tests never assert on time: these figures are the record.",
        "",
    ]
    body: list[str] = []
    for title, lines in existing.items():
        body += [f"## {title}", "", *lines, ""]
    REPORT.write_text("\n".join(header + body))
    print("\n".join(body))


def _existing_sections() -> dict[str, list[str]]:
    if not REPORT.exists():
        return {}
    sections: dict[str, list[str]] = {}
    title = None
    for line in REPORT.read_text().splitlines():
        if line.startswith("## "):
            title = line[3:]
            sections[title] = []
        elif title is not None:
            sections[title].append(line)
    return {t: _trim(lines) for t, lines in sections.items()}


def _trim(lines: list[str]) -> list[str]:
    while lines and not lines[0].strip():
        lines = lines[1:]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return lines


def stamp() -> str:
    return f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC at {git_revision()} on {machine()}."
