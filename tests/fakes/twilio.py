"""A protocol-level fake of Twilio's Messages REST API, for tests and benchmarks.

A real aiohttp server on 127.0.0.1 that the real ``twilio`` library talks to once
``client.api.base_url`` is the fake's base URL. Creates, fetches and lists answer with Twilio's
paths, JSON and error codes, behind HTTP Basic auth (the account sid and auth token); status
callbacks are posted, signed, to each message's ``StatusCallback``::

    async with FakeTwilio("AC…", "token") as fake:  # or await fake.start(), fake.close()
        client = Client("AC…", "token", http_client=AsyncTwilioHttpClient())
        client.api.base_url = fake.base_url
        ...
        await fake.settle()  # every callback owed is posted and answered

Creates, in the order the fake checks them (the first that applies answers; none is stored):

===========================  ====  ===========  =============================================
Request                      HTTP  Code         Note
===========================  ====  ===========  =============================================
wrong or no Basic auth       401   20003
another account's path       404   20404
``account_error`` set        400   21212/21606  20003 answers 401
``throttle_share`` draw      429   20429        ``Retry-After: 1``
no ``To``                    400   21604
neither From nor service     400   21603
both From and service        400   21606        Twilio may take both; the fake has no pool
no ``Body`` / over 1600      400   21602/21617
``To`` not ``+`` 8-15 digit  400   21211
bad ``StatusCallback``       400   21609        must be an absolute http(s) URL
bad ``ValidityPeriod``       400   21624        an integer 1..36000 (Twilio's "Invalid
                                                validity period value")
===========================  ====  ===========  =============================================

Then the ``To`` number decides (``Numbers``, ``FAKE_NUMBERS``; ``fake.behave(to, Behaviour(…))``
gives any number a behaviour of its own). Every other valid number is stored ("queued" with
From, "accepted" with a messaging service), answered 201, reported "sent" then "delivered":

============  ==================================================  =========================
To            The create                                          Callbacks
============  ==================================================  =========================
+32499100001  400 21211 not a valid phone number, not stored      none
+32499100002  400 21610 unsubscribed recipient, not stored        none
+32499100003  400 21614 not a valid mobile number, not stored     none
+32499100004  400 21408 region not enabled, not stored            none
+32499100005  429 20429 with ``Retry-After: 2``, not stored       none
+32499100006  stored, but answered 500 20500                      sent, delivered
+32499100007  stored, answered 201 only after ``hang_seconds``    sent, delivered
+32499100008  201                                                 sent, undelivered 30003
+32499100009  201                                                 sent, undelivered 30005
+32499100010  201                                                 sent, failed 30007
+32499100011  201                                                 sent (never a final one)
+32499100012  500 20500, not stored                               none
+32499100013  201                                                 sent, undelivered 30008
============  ==================================================  =========================

Faults: of the creates that get this far, ``accept_then_500_share`` are stored and answered
500, ``hang_share`` stored and held ``hang_seconds``, ``drop_connection_share`` stored and the
connection closed unanswered (one draw per create from ``random.Random(seed)``; sids are
random, so a restarted fake never repeats one). ``duplicate_callbacks`` posts every callback
twice and ``reverse_callbacks`` the final status before "sent", for messages created while set.

Fetch (``GET …/Messages/{Sid}.json``) and list (``GET …/Messages.json`` with ``To``, ``From``,
``DateSent``, ``DateSent<`` on or before, ``DateSent>`` on or after, ``PageSize`` up to 1000,
``Page``, ``PageToken``; newest first) show each message as its callbacks say: a report is
applied when it is due, posted or not. A day (``YYYY-MM-DD``) filters whole UTC days; a
second (``YYYY-MM-DDTHH:MM:SSZ``, what the library sends for a date or datetime) filters to
the second for ``<`` and ``>``, and names its UTC day for ``DateSent``. An unsent message
never matches a DateSent filter.

Callbacks are form-encoded, signed (``X-Twilio-Signature``) over the StatusCallback URL as
given, and posted there or, with ``callback_to``, to that base with the URL's path and query
(a proxy ending TLS in front of the service). Loopback hosts only. No retries: a non-2xx
answer or a failed post is kept in ``callback_failures``.

API: ``FakeTwilio(account_sid, auth_token, *, callback_to, latency, callbacks,
manual_callbacks, callback_delay, seed, hang_seconds)``; ``start(host, port) -> base_url``,
``close()``, ``settle()``, ``async with``; ``behave(to, behaviour)``, ``configure(**knobs)``;
``post_callback(url, params, *, token, signature)``, ``post_forged(url, params)``,
``post_unknown_message(url, status)``; ``messages``, ``accepted_per_to``, ``creates``,
``callbacks_posted``, ``callbacks_answered``, ``callback_failures``, ``state()``.

A process of its own (runs until SIGTERM or SIGINT; the port written atomically)::

    python -m tests.fakes.twilio --account-sid AC… --auth-token … [--port 0] [--port-file PATH]
        [--callback-to URL] [--latency S] [--no-callbacks] [--manual-callbacks]
        [--callback-delay S] [--hang-seconds S] [--throttle-share X]
        [--accept-then-500-share X] [--hang-share X] [--drop-connection-share X] [--seed N]

Control endpoints, without auth: ``GET /_fake/state`` (``state()``: creates, accepted,
accepted_per_to_max, sent_twice and sent_twice_count, by_status, callbacks_pending,
callbacks_posted, callbacks_answered, callback_failures), ``POST /_fake/config`` (a JSON
object of knobs for ``configure``; answers them all, or 400), ``POST /_fake/settle``
(answers the state once every callback owed is answered).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
from collections.abc import Sequence
from pathlib import Path

from tests.fakes.twilio_callbacks import CallbackFailure, twilio_signature
from tests.fakes.twilio_numbers import (
    FAKE_NUMBERS,
    MESSAGING_SERVICE_SENDER,
    Answer,
    ApiError,
    Behaviour,
    MessageStatus,
    Numbers,
    Report,
    failed,
    undelivered,
)
from tests.fakes.twilio_server import FakeTwilio
from tests.fakes.twilio_store import MessageRecord

__all__ = [
    "FAKE_NUMBERS",
    "MESSAGING_SERVICE_SENDER",
    "Answer",
    "ApiError",
    "Behaviour",
    "CallbackFailure",
    "FakeTwilio",
    "MessageRecord",
    "MessageStatus",
    "Numbers",
    "Report",
    "failed",
    "twilio_signature",
    "undelivered",
]


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.fakes.twilio", description="A fake of Twilio's Messages API."
    )
    parser.add_argument("--account-sid", required=True)
    parser.add_argument("--auth-token", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", type=Path)
    parser.add_argument("--callback-to")
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--no-callbacks", action="store_true")
    parser.add_argument("--manual-callbacks", action="store_true")
    parser.add_argument("--callback-delay", type=float, default=0.0)
    parser.add_argument("--hang-seconds", type=float, default=60.0)
    parser.add_argument("--throttle-share", type=float, default=0.0)
    parser.add_argument("--accept-then-500-share", type=float, default=0.0)
    parser.add_argument("--hang-share", type=float, default=0.0)
    parser.add_argument("--drop-connection-share", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def _write_atomically(path: Path, text: str) -> None:
    # A reader polling for the file never sees it half written.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text)
    temporary.replace(path)


async def _serve(args: argparse.Namespace) -> None:
    fake = FakeTwilio(
        args.account_sid,
        args.auth_token,
        callback_to=args.callback_to,
        latency=args.latency,
        callbacks=not args.no_callbacks,
        manual_callbacks=args.manual_callbacks,
        callback_delay=args.callback_delay,
        seed=args.seed,
        hang_seconds=args.hang_seconds,
    )
    fake.configure(
        throttle_share=args.throttle_share,
        accept_then_500_share=args.accept_then_500_share,
        hang_share=args.hang_share,
        drop_connection_share=args.drop_connection_share,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop.set)
    base_url = await fake.start(port=args.port)
    try:
        if args.port_file is not None:
            _write_atomically(args.port_file, f"{base_url.rsplit(':', 1)[1]}\n")
        print(base_url, flush=True)
        await stop.wait()
    finally:
        await fake.close()


def main(argv: Sequence[str] | None = None) -> None:
    asyncio.run(_serve(_arguments(argv)))


if __name__ == "__main__":
    main()
