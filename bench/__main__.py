"""Run every benchmark and rewrite docs/benchmarks.md: ``python -m bench [NAME ...]``."""

from __future__ import annotations

import sys

from bench import dispatch, email, import_contacts, make_run, preview, responsiveness, twilio
from bench.report import write_report

BENCHMARKS = {
    "make_run": make_run.run,
    "preview": preview.run,
    "import_contacts": import_contacts.run,
    "dispatch": dispatch.run,
    "twilio": twilio.run,
    "email": email.run,
    "responsiveness": responsiveness.run,
}


def main(names: list[str]) -> None:
    chosen = names or list(BENCHMARKS)
    sections = [BENCHMARKS[name]() for name in chosen]
    write_report(sections)


if __name__ == "__main__":
    main(sys.argv[1:])
