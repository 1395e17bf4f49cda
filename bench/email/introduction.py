"""What the Email section says before its tables: how each figure was measured."""

from __future__ import annotations

from bench.email.runner import Options


def introduction(options: Options) -> list[str]:
    """The paragraphs before the tables: what runs, the ceilings, the bounces, definitions."""
    n, pool = options.worker.concurrency, options.email.pool_size
    return [
        "One `campaign worker` process (the product's command) on PostgreSQL sends one email "
        "campaign to N contacts with an email address and consent through the SMTP adapter "
        "(`CAMPAIGN_EMAIL_PROVIDER=smtp`, `SMTP_TLS=none`, `SMTP_POOL_SIZE="
        f"{pool}`, `CAMPAIGN_WORKER_CONCURRENCY={n}`, `CAMPAIGN_EMAIL_RATE="
        f"{options.email.email_rate:,.0f}` and the campaign's rate as high, so no rate binds; "
        "a `CAMPAIGN_BOUNCE_DOMAIN`, so every mail has its signed VERP return path; no DKIM) "
        "to a local SMTP sink in a process of its own: **aiosmtpd** (bench/email/sink.py, the "
        "server the tests use, counting mails per recipient) and **smtp-sink**, Postfix's C "
        "test server (Debian's postfix package, `smtp-sink -c`), which counts mails only. "
        "The campaign is the library's `new-measure` template (text and HTML parts) with the "
        "demo's measure, staged as in the Dispatch section but on email (bench/email/stage.py: "
        "a database of its own per sink, quiet hours overridden with a reason; each contact "
        "gets one mail, so the weekly cap does not bind). The worker is started on an empty "
        "queue, the run materialised by the scheduler's `start_due`, and the run is drained "
        "when no message is `queued`, `sending` or `unknown` (an email's `sent` is final). "
        "The worker, the sink, PostgreSQL and the bench share the 2 cores: each one's CPU is "
        "given, and the load average with each size. `python -m bench.email --help` runs other "
        "sizes, and `--profile DIR` runs the worker under cProfile.",
        "",
        _ceiling_text(options),
        "",
        _bounce_text(options),
        "",
        "Definitions: **mails sent/s** = messages with `sent_at` ÷ (last `sent_at` − first move "
        "to `sending`), as in Dispatch. **The sink took** is the sink's own count of mails; "
        "minus the messages recorded `sent` it is 0 when no mail was lost or sent twice "
        "(aiosmtpd also counts recipients who got two mails). Memory is the worker's "
        "`/proc/PID/status` (VmRSS sampled every 0.2 s, VmHWM at the end).",
    ]


def _ceiling_text(options: Options) -> str:
    n, pool = options.worker.concurrency, options.email.pool_size
    if not options.with_ceiling and not options.with_adapter:
        return "No ceiling was measured in these runs (`--no-ceiling --no-adapter`)."
    parts = [
        "In the same run, after the worker has stopped, each to a fresh sink of the same kind "
        "(bench/email/ceiling.py, a process of its own):"
    ]
    if options.with_ceiling:
        parts.append(
            f"**the ceiling**, `aiosmtplib` alone: {pool} connections opened and greeted "
            "before the clock starts, each sending MAIL, RCPT, DATA for one recipient after "
            "another until as many mails as the campaign's are sent, every one the same bytes: "
            "the last message of the run written once by `MailWriter` as the worker wrote it "
            "(its signed return path, Message-ID and List-Unsubscribe headers). No database, no "
            "rendering, no mail written per recipient."
        )
    if options.with_adapter:
        parts.append(
            "**The adapter alone**: the product's SMTP provider as `campaign.bootstrap.build` "
            f"makes it (`SmtpEmail` over `SmtpPool` of {pool}), {n} coroutines calling `send` "
            "with that message for one recipient after another: what the adapter costs (a mail "
            "written, a return path and a Message-ID signed, the pool) without the database."
        )
    return " ".join(parts)


def _bounce_text(options: Options) -> str:
    if not options.bounces:
        return "No bounces were applied in these runs (`--bounces 0`)."
    return (
        f"**Bounces**: on the first sink's database once its run is drained (every message "
        f"`sent`), {options.bounces:,} "
        "delivery status notifications, as a receiving Postfix writes them for an unknown "
        "mailbox (RFC 3464, `Status: 5.1.1`, our mail's headers attached), each to its "
        "message's signed VERP return path, written beforehand (bench/email/bounces.py), then "
        f"handed to the bounce service {options.bounce_concurrency} at a time; **applied/s** = "
        "DSNs ÷ (first hand-over to the last one committed), and the database is asked how "
        "many of those messages are `failed_permanent` and how many addresses suppressed."
    )
