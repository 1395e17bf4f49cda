"""``python -m bench.email``: the email benchmark at any size.

Examples::

    python -m bench.email --sizes 5000                   # a quick try: print the figures
    python -m bench.email --sizes 100000x3 --write       # and rewrite the section
    python -m bench.email --sizes 20000 --sink aiosmtpd --no-adapter --profile /tmp/prof
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bench.common import add_run_arguments
from bench.email import DEFAULT_SIZES, EMAIL_RATE, default_options, run_sizes, sizes_of
from bench.email.section import section
from bench.email.sinks import KINDS
from bench.report import publish


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.email",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add("--sizes", default=DEFAULT_SIZES, help="recipients x runs, comma-separated (%(default)s)")
    add("--sink", choices=KINDS, action="append", help="only this sink (repeatable; default both)")
    add("--pool-size", type=int, help="SMTP_POOL_SIZE, and the ceiling's connections (default 10)")
    add("--concurrency", type=int, help="CAMPAIGN_WORKER_CONCURRENCY (the service's default)")
    add("--email-rate", type=float, default=EMAIL_RATE, help="CAMPAIGN_EMAIL_RATE (%(default)g)")
    add("--stall", type=float, default=120.0, help="give up after this many s without progress")
    add("--no-ceiling", action="store_true", help="skip aiosmtplib alone")
    add("--no-adapter", action="store_true", help="skip the adapter alone")
    add("--bounces", type=int, default=20_000, help="DSNs to apply; 0: none (%(default)s)")
    add("--bounce-concurrency", type=int, default=100, help="DSNs at once (%(default)s)")
    add("--profile", type=Path, help="run the worker under cProfile, its output in this folder")
    add_run_arguments(parser)
    return parser.parse_args()


def main() -> None:
    args = _arguments()
    options = default_options(
        postgres_url=args.postgres_url,
        sinks=tuple(dict.fromkeys(args.sink or KINDS)),
        pool_size=args.pool_size,
        concurrency=args.concurrency,
        email_rate=args.email_rate,
        stall_seconds=args.stall,
        with_ceiling=not args.no_ceiling,
        with_adapter=not args.no_adapter,
        bounces=args.bounces,
        bounce_concurrency=args.bounce_concurrency,
        profile=args.profile,
        keep_database=args.keep_database,
        keep_logs=args.keep_logs,
    )
    results = asyncio.run(run_sizes(sizes_of(args.sizes), options))
    publish(section(results, options), write=args.write)


if __name__ == "__main__":
    main()
