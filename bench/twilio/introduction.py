"""What the Twilio section says before its tables: how each figure was measured."""

from __future__ import annotations

from bench.twilio.runner import Options


def introduction(options: Options) -> list[str]:
    worker = options.worker
    n, latency = worker.concurrency, worker.latency
    """The paragraphs before the tables: what runs, the ceiling, the burst, definitions."""
    return [
        "One `campaign worker` process (the product's command) on PostgreSQL sends one SMS "
        "campaign to N contacts through the Twilio adapter (`CAMPAIGN_SMS_PROVIDER=twilio`: "
        "the `twilio` library's `AsyncTwilioHttpClient`) to the fake of Twilio's REST API "
        "(`python -m tests.fakes.twilio`, a process of its own, `TWILIO_API_BASE` at it) "
        f"answering each create after {latency * 1000:.0f} ms; campaign staged as in the "
        "Dispatch section (same template, contacts and services, a database of its own per "
        "part), no campaign rate binding, `CAMPAIGN_SMS_RATE=1,000,000`, "
        f"`CAMPAIGN_WORKER_CONCURRENCY={n}`, `CAMPAIGN_LOG_LEVEL=INFO` (the default). "
        "**Without callbacks** the fake posts none and the run is drained when no message is "
        "`queued`, `sending` or `unknown`. **With callbacks** the fake posts each message's "
        '"sent" and "delivered", signed, to `campaign serve` (another process: '
        "`CAMPAIGN_PUBLIC_URL` and `--callback-to` at it), which keeps each in "
        "`provider_callbacks` before its 204 and applies them in batches; that run is drained "
        "when every message is `delivered` and every kept callback applied. The fake, the "
        "worker, `campaign serve`, PostgreSQL and the bench share the 2 cores: each one's CPU "
        "is given, and the load average with each size. `python -m bench.twilio --help` runs "
        "other sizes."
        + (
            "" if options.with_callbacks else " No run with callbacks here (`--no-callbacks-only`)."
        ),
        "",
        _ceiling_text(options),
        "",
        _burst_text(options),
        "",
        "Definitions: **messages sent/s** = messages with `sent_at` ÷ (last `sent_at` − first "
        "move to `sending`), as in Dispatch (a message without `sent_at` is not counted). "
        "**Sent twice** is the fake's own count of To numbers it stored more than once: what "
        "a recipient would see; the database's view is the count of messages with two moves "
        "out of `sending` in `delivery_events`. **Callbacks answered per second at the fake** is "
        "its count of 2xx answers, sampled every 0.5 s, between the first sample that saw one "
        "and the first that saw the last. **Answered per second** in the burst = 2xx answers "
        "÷ (first post to last answer); **applied per second** = rows applied ÷ (first post "
        "to every row applied, polled every 0.1 s). Memory is the worker's "
        "`/proc/PID/status` (VmRSS sampled every 0.2 s, VmHWM at the end).",
    ]


def _ceiling_text(options: Options) -> str:
    if not options.with_ceiling:
        return "No ceiling was measured in these runs (`--no-ceiling`)."
    n, latency = options.worker.concurrency, options.worker.latency
    return (
        "In the same run, after the worker has stopped, at a fresh fake: **the ceiling**, the "
        f"`twilio` library alone (bench/twilio/library.py) in a process of its own, `Client` "
        f"over `AsyncTwilioHttpClient` with its session replaced by one allowing {n} "
        f"connections (as the adapter does), {n} coroutines calling `create_async` until as "
        "many messages as the campaign's are created, with the worker's fields (To, From, "
        "the body of a message the worker sent, StatusCallback, ValidityPeriod): no database, "
        "no rendering. The library's own cost per request is the limit there, not the "
        f"{n / latency:,.0f}/s that {n} in flight allow at {latency * 1000:.0f} ms, so its "
        "absolute figure is given beside the ratio. **By hand**: the synchronous `Client` "
        f"(its default `requests` client) calling `client.messages.create` in a plain loop, "
        f"{options.sync_count} messages."
    )


def _burst_text(options: Options) -> str:
    if not options.burst:
        return "No burst of callbacks was posted in these runs (`--burst 0`)."
    return (
        "**The burst**: `campaign serve` on the database of the run without callbacks (every "
        f'message `sent`), and {options.burst:,} signed "delivered" callbacks for those '
        "messages posted to it straight away by another process (bench/twilio/burst.py: "
        f"aiohttp, {options.burst_concurrency} in flight, each signed beforehand and given "
        "15 s as Twilio gives a webhook, never repeated); the bench polls `provider_callbacks` "
        "until every row is applied (a burst larger than the run gives some messages a "
        'second callback, applied as "no change").'
    )
