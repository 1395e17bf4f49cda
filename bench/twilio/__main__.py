"""``python -m bench.twilio``: the Twilio benchmark at any size.

Examples::

    python -m bench.twilio --sizes 5000                  # a quick try: print the figures
    python -m bench.twilio --sizes 100000x3 --write      # and rewrite the section
    python -m bench.twilio --sizes 20000 --no-callbacks-only --no-burst
"""

from __future__ import annotations

import argparse
import asyncio

from bench.common import add_run_arguments
from bench.report import publish
from bench.twilio import DEFAULT_SIZES, default_options, run_sizes, sizes_of
from bench.twilio.section import section


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.twilio",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add("--sizes", default=DEFAULT_SIZES, help="recipients x runs, comma-separated (%(default)s)")
    add("--latency", type=float, default=0.1, help="the fake's answer to a create, s (%(default)s)")
    add("--concurrency", type=int, help="CAMPAIGN_WORKER_CONCURRENCY (the service's default)")
    add("--stall", type=float, default=120.0, help="give up after this many s without progress")
    add("--no-callbacks-only", action="store_true", help="skip the run with callbacks")
    add("--no-ceiling", action="store_true", help="skip the library alone and the loop by hand")
    add("--sync-count", type=int, default=150, help="messages the loop by hand sends (%(default)s)")
    add("--burst", type=int, default=50_000, help="callbacks in the burst; 0: none (%(default)s)")
    add("--no-burst", dest="burst", action="store_const", const=0, help="no burst")
    add("--burst-concurrency", type=int, default=300, help="its posts in flight (%(default)s)")
    add_run_arguments(parser)
    return parser.parse_args()


def main() -> None:
    args = _arguments()
    options = default_options(
        postgres_url=args.postgres_url,
        latency=args.latency,
        stall_seconds=args.stall,
        concurrency=args.concurrency,
        with_callbacks=not args.no_callbacks_only,
        with_ceiling=not args.no_ceiling,
        sync_count=args.sync_count,
        burst=args.burst,
        burst_concurrency=args.burst_concurrency,
        keep_database=args.keep_database,
        keep_logs=args.keep_logs,
    )
    results = asyncio.run(run_sizes(sizes_of(args.sizes), options))
    publish(section(results, options), write=args.write)


if __name__ == "__main__":
    main()
