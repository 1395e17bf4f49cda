"""Bounces applied per second: delivery status notifications for mails the worker sent.

After the worker's run to the aiosmtpd sink (every message ``sent``), the bench reads the
first ``--bounces`` sent messages (id, address, provider id) and writes, for each, the DSN a
receiving Postfix sends back for an unknown mailbox (RFC 3464: ``multipart/report`` with the
prose, ``message/delivery-status`` with ``Action: failed`` and ``Status: 5.1.1``, and our
mail's headers as ``text/rfc822-headers``, its ``Message-ID`` among them), addressed to the
message's signed VERP return path. All of them are written before the clock starts; then they
are handed to the bounce service (``apply_bounces``), at most ``--bounce-concurrency`` at a
time as a receiver's SMTP sessions would, and the clock stops when every one is committed.
The database is then asked how many of those messages are ``failed_permanent`` and how many
addresses are on the email suppression list.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

import asyncpg

from bench.email.stage import BOUNCE_DOMAIN, EMAIL_FROM
from campaign.channels.smtp.marks import MailMarks
from campaign.services import Services

_SENT = (
    "SELECT id, address, provider_id FROM messages "
    "WHERE run_id = $1 AND state = 'sent' ORDER BY id LIMIT $2"
)
_FAILED = "SELECT count(*) FROM messages WHERE id = ANY($1::bigint[]) AND state = $2"
_SUPPRESSED = "SELECT count(*) FROM suppressions WHERE channel = 'email'"
_MTA = "mx.inbox.example.net"


@dataclass(frozen=True, slots=True)
class ReturnedMail:
    """One bounce as it reaches our receiver: its envelope recipient and its bytes."""

    message_id: int
    envelope_to: str  # the message's VERP return path
    data: bytes


@dataclass(frozen=True, slots=True)
class BounceRun:
    mails: int
    seconds: float
    failed: int = 0  # those messages ``failed_permanent`` afterwards
    suppressed: int = 0  # addresses on the email suppression list afterwards

    @property
    def per_second(self) -> float | None:
        return self.mails / self.seconds if self.seconds else None


async def apply_bounces(services: Services, mails: Sequence[ReturnedMail], in_flight: int) -> None:
    """Hand every returned mail to the bounce service as the mail-in receiver does, at most
    ``in_flight`` at a time, and return once every one is committed."""
    # TODO(bounces): the bounce service's one entry point as it stands (``receive``: one mail,
    # returning once committed; calls arriving together share a transaction). If it grows a
    # batch entry point for relays that post many notices at once, measure that beside this.
    slots = asyncio.Semaphore(in_flight)

    async def one(mail: ReturnedMail) -> None:
        async with slots:
            await services.bounces.receive(mail.data, envelope_to=(mail.envelope_to,), via="smtp")

    await asyncio.gather(*(one(mail) for mail in mails))


async def returned_mails(
    conn: asyncpg.Connection, services: Services, run_id: int, count: int
) -> list[ReturnedMail]:
    """A hard bounce for each of the first ``count`` messages of the run that were sent."""
    settings = services.settings
    marks = MailMarks(services.signer, bounce_domain=BOUNCE_DOMAIN, id_domain=settings.email_domain)
    date = format_datetime(datetime.now(UTC))
    mails = []
    for row in await conn.fetch(_SENT, run_id, count):
        number, recipient = int(row["id"]), str(row["address"])
        verp = marks.return_path(number, EMAIL_FROM)
        message_id = f"<{row['provider_id']}@{settings.email_domain}>"
        mails.append(ReturnedMail(number, verp, _dsn(verp, recipient, message_id, date, number)))
    return mails


async def measure_bounces(
    conn: asyncpg.Connection, services: Services, run_id: int, count: int, in_flight: int
) -> BounceRun:
    mails = await returned_mails(conn, services, run_id, count)
    before = int(await conn.fetchval(_SUPPRESSED))
    started = time.perf_counter()
    await apply_bounces(services, mails, in_flight)
    seconds = time.perf_counter() - started
    ids = [mail.message_id for mail in mails]
    failed = int(await conn.fetchval(_FAILED, ids, "failed_permanent"))
    suppressed = int(await conn.fetchval(_SUPPRESSED)) - before
    return BounceRun(len(mails), seconds, failed, suppressed)


def _dsn(verp: str, recipient: str, message_id: str, date: str, number: int) -> bytes:
    """What Postfix returns for an unknown mailbox, with our mail's headers."""
    boundary = f"B{number:08d}.bench/{_MTA}"
    said = f"550 5.1.1 <{recipient}>: Recipient address rejected: User unknown"
    return "\r\n".join(
        [
            "Return-Path: <>",
            f"From: MAILER-DAEMON@{_MTA} (Mail Delivery System)",
            f"To: {verp}",
            "Subject: Undelivered Mail Returned to Sender",
            f"Date: {date}",
            f"Message-ID: <{number}.bounce@{_MTA}>",
            "Auto-Submitted: auto-replied",
            "MIME-Version: 1.0",
            "Content-Type: multipart/report; report-type=delivery-status;",
            f'\tboundary="{boundary}"',
            "",
            "This is a MIME-encapsulated message.",
            "",
            f"--{boundary}",
            "Content-Description: Notification",
            "Content-Type: text/plain; charset=us-ascii",
            "",
            f"This is the mail system at host {_MTA}.",
            "",
            "I'm sorry to have to inform you that your message could not",
            "be delivered to one or more recipients. It's attached below.",
            "",
            f"<{recipient}>: host {_MTA}[192.0.2.25] said: {said} (in reply to RCPT TO command)",
            "",
            f"--{boundary}",
            "Content-Description: Delivery report",
            "Content-Type: message/delivery-status",
            "",
            f"Reporting-MTA: dns; {_MTA}",
            f"Arrival-Date: {date}",
            "",
            f"Final-Recipient: rfc822; {recipient}",
            f"Original-Recipient: rfc822;{recipient}",
            "Action: failed",
            "Status: 5.1.1",
            f"Remote-MTA: dns; {_MTA}",
            f"Diagnostic-Code: smtp; {said}",
            "",
            f"--{boundary}",
            "Content-Description: Undelivered Message Headers",
            "Content-Type: text/rfc822-headers",
            "",
            f"Return-Path: <{verp}>",
            f"From: {EMAIL_FROM}",
            f"To: {recipient}",
            "Subject: New help",
            f"Message-ID: {message_id}",
            "Auto-Submitted: auto-generated",
            "",
            f"--{boundary}--",
            "",
        ]
    ).encode()
