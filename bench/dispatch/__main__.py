"""``python -m bench.dispatch``: the dispatch benchmark at any size, e.g. while tuning the worker.

Examples::

    python -m bench.dispatch --sizes 5000x3,20000          # print the figures
    python -m bench.dispatch --sizes 100000x3 --write      # and rewrite the section
    python -m bench.dispatch --sizes 20000x3,1000000@1e6   # 1,000,000 at one rate only
    python -m bench.dispatch --sizes 20000 --rates 1e6 --no-ceiling --profile /tmp/prof

``--profile`` records the worker with py-spy (``$PY_SPY``, else ``py-spy`` on PATH) as
collapsed stacks, one file per run.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bench.dispatch import (
    DEFAULT_RATES,
    DEFAULT_SIZES,
    POSTGRES_URL,
    default_options,
    parse_rates,
    parse_sizes,
    run_sizes,
)
from bench.dispatch.section import section
from bench.report import publish


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.dispatch",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add(
        "--sizes",
        default=DEFAULT_SIZES,
        help="recipients x runs [@rate/rate], comma-separated (%(default)s)",
    )
    add("--rates", default=DEFAULT_RATES, help="campaign rates per second, each (%(default)s)")
    add("--latency", type=float, default=0.1, help="CAMPAIGN_SANDBOX_LATENCY (%(default)s)")
    add("--sms-rate", type=float, default=1e6, help="CAMPAIGN_SMS_RATE (%(default)s)")
    add("--concurrency", type=int, help="CAMPAIGN_WORKER_CONCURRENCY (the service's default)")
    add("--stall", type=float, default=120.0, help="give up after this many s without progress")
    add("--no-ceiling", action="store_true", help="skip the bare-pipeline ceiling")
    add("--ceiling-batch", type=int, default=500, help="the ceiling's claim size (%(default)s)")
    add(
        "--ceiling-in-flight",
        default="0,500",
        help="one ceiling per number of sends in flight; 0: the worker's own (%(default)s)",
    )
    add("--profile", type=Path, help="folder for py-spy's collapsed stacks of the worker")
    add("--postgres-url", default=POSTGRES_URL, help="an existing database on the server")
    add("--keep-database", action="store_true", help="leave each run's database to look at")
    add("--write", action="store_true", help="rewrite the section of docs/benchmarks.md")
    return parser.parse_args()


def main() -> None:
    args = _arguments()
    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)
    options = default_options(
        postgres_url=args.postgres_url,
        latency=args.latency,
        sms_rate=args.sms_rate,
        stall_seconds=args.stall,
        profile=args.profile,
        with_ceiling=not args.no_ceiling,
        ceiling_batch=args.ceiling_batch,
        ceiling_in_flight=tuple(int(n) for n in args.ceiling_in_flight.split(",")),
        concurrency=args.concurrency,
        keep_database=args.keep_database,
    )
    sizes, rates = parse_sizes(args.sizes), parse_rates(args.rates)
    results = asyncio.run(run_sizes(sizes, rates, options))
    publish(section(results, options), write=args.write)


if __name__ == "__main__":
    main()
