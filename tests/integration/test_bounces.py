"""Bounces and complaints closing the loop, on SQLite and PostgreSQL: mail sent through a real
SMTP server comes back as a DSN or a feedback report, by SMTP to the bounce receiver or posted
over HTTP, and fails the message, suppresses the address or opts the person out."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from datetime import timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any

import aiosmtplib
import pytest
from sqlalchemy import select

from campaign import roles
from campaign.kernel.clock import ManualClock
from campaign.store.engine import Database
from campaign.store.tables import contacts, mail_notices, messages, suppressions
from campaign.web.app import create_app
from tests.api_client import ClientFactory
from tests.factories import KEYS, TEST_SECRET, contact
from tests.fakes.smtp import BOUNCE_DOMAIN, MailServer, Received, smtp_email
from tests.integration.test_campaign_flow import Flow, _approved_campaign

BOUNCE_SECRET = "a-bounce-secret-of-some-length"
JAN = "jan.peeters@example.be"
ELS = "els@example.be"


class MailFlow:
    def __init__(self, flow: Flow, relay: MailServer, client: Any, mail_in_port: int) -> None:
        self.flow, self.relay, self.client = flow, relay, client
        self.services = flow.services
        self.mail_in_port = mail_in_port

    async def send_campaign(self) -> int:
        campaign_id = await _approved_campaign(self.flow)
        assert await self.flow.campaigns.start_due() == [campaign_id]
        while await self.flow.worker.run_once():
            pass
        return campaign_id

    def mail_to(self, address: str) -> Received:
        (found,) = [m for m in self.relay.received if address in m.recipients]
        return found

    async def bounce_by_smtp(self, data: bytes, return_path: str) -> None:
        """As a mail server sends a bounce: from the null sender (``MAIL FROM:<>``)."""
        smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=self.mail_in_port, start_tls=False)
        await smtp.connect()
        try:
            await smtp.mail("")
            await smtp.rcpt(return_path)
            await smtp.data(data)
        finally:
            await smtp.quit()

    async def post(self, data: bytes, secret: str = BOUNCE_SECRET, **headers: str) -> Any:
        return await self.client.post(
            "/webhooks/email/bounce",
            data=data,
            headers={"Authorization": f"Bearer {secret}", "Content-Type": "message/rfc822"}
            | headers,
        )

    async def message(self, address: str) -> Any:
        async with self.flow.database.read_session() as session:
            return (
                await session.execute(select(messages).where(messages.c.address == address))
            ).one()

    async def notices(self) -> list[Any]:
        async with self.flow.database.read_session() as session:
            return list(
                (await session.execute(select(mail_notices).order_by(mail_notices.c.id))).all()
            )

    async def suppressed(self, address: str) -> str | None:
        async with self.flow.database.read_session() as session:
            return await session.scalar(
                select(suppressions.c.reason).where(
                    suppressions.c.channel == "email",
                    suppressions.c.address_key == KEYS.key("email", address),
                )
            )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def email_flow(database: Database, clock: ManualClock, relay: MailServer, **settings: Any) -> Flow:
    """The product's services with email through the SMTP adapter to ``relay``, marking mail
    with the same secret and bounce domain the bounce inbox reads them by."""
    return Flow(
        database,
        clock,
        email=smtp_email(relay.port, clock, secret=TEST_SECRET.encode()),
        bounce_domain=BOUNCE_DOMAIN,
        email_from="Gemeente Gent <info@gent.example.org>",
        quiet_hours="off",
        **settings,
    )


@pytest.fixture
async def mail(
    database: Database, clock: ManualClock, aiohttp_client: ClientFactory
) -> AsyncIterator[MailFlow]:
    async with MailServer() as relay:
        flow = email_flow(database, clock, relay, bounce_secret=BOUNCE_SECRET)
        client = await aiohttp_client(create_app(flow.services))
        port = _free_port()
        stop = asyncio.Event()
        receiver = asyncio.create_task(roles.receive_mail(flow.services, stop, "127.0.0.1", port))
        await _listening(port)
        try:
            yield MailFlow(flow, relay, client, port)
        finally:
            stop.set()
            await receiver
            await flow.services.close()


async def _listening(port: int) -> None:
    for _ in range(200):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.01)
            continue
        writer.close()
        return
    raise AssertionError("the bounce receiver never listened")


def dsn(
    sent: Received,
    *,
    status: str = "5.1.1",
    action: str = "failed",
    recipient: str | None = None,
    diagnostic: str = "smtp; 550 5.1.1 <x>: Recipient address rejected: User unknown",
) -> bytes:
    """A delivery status notification as Postfix writes one about ``sent``."""
    original = sent.parsed()
    to = recipient or sent.recipients[0]
    return f"""\
From: MAILER-DAEMON@mx.example.be (Mail Delivery System)
To: {sent.sender}
Subject: Undelivered Mail Returned to Sender
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B1"

--B1
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not be delivered.

--B1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.be

Final-Recipient: rfc822; {to}
Original-Recipient: rfc822;{to}
Action: {action}
Status: {status}
Diagnostic-Code: {diagnostic}

--B1
Content-Type: text/rfc822-headers

Return-Path: <{sent.sender}>
From: {original["From"]}
To: {original["To"]}
Message-ID: {original["Message-ID"]}

--B1--
""".replace("\n", "\r\n").encode()


def arf(sent: Received, *, with_recipient: bool = True) -> bytes:
    """An abuse report (RFC 5965) as a mailbox provider's feedback loop writes one."""
    original = sent.parsed()
    rcpt = f"Original-Rcpt-To: {sent.recipients[0]}\n" if with_recipient else ""
    return f"""\
From: feedback@fbl.example.net
To: {sent.sender}
Subject: FW: Nieuwe hulp
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="F1"

--F1
Content-Type: text/plain

This is an email abuse report for an email message received.

--F1
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: FBL/1.0
Version: 1
{rcpt}
--F1
Content-Type: text/rfc822-headers

Message-ID: {original["Message-ID"]}
Subject: Nieuwe hulp

--F1--
""".replace("\n", "\r\n").encode()


async def _two_people(database: Database, clock: ManualClock) -> None:
    await contact(database, clock, email=JAN, phone=None, preferred_channel="email")
    await contact(database, clock, email=ELS, phone=None, preferred_channel="email")


async def test_a_hard_bounce_by_smtp_fails_the_message_and_suppresses_the_address(
    database: Database, clock: ManualClock, mail: MailFlow
) -> None:
    await _two_people(database, clock)
    campaign_id = await mail.send_campaign()
    sent = mail.mail_to(JAN)
    assert (await mail.message(JAN)).state == "sent"

    await mail.bounce_by_smtp(dsn(sent), sent.sender)

    jan = await mail.message(JAN)
    assert jan.state == "failed_permanent"
    assert jan.error_code == "5.1.1"
    assert "Recipient address rejected" in jan.reason
    assert "5.1.1" in (await mail.suppressed(JAN) or "")
    assert (await mail.message(ELS)).state == "sent"  # the other mail is untouched
    stats = await mail.services.stats.of(campaign_id)
    assert stats["by_status"].get("failed_permanent") == 1
    (notice,) = await mail.notices()
    assert (notice.via, notice.kind, notice.outcome) == ("smtp", "hard bounce", "applied")


async def test_a_duplicate_bounce_changes_nothing(
    database: Database, clock: ManualClock, mail: MailFlow
) -> None:
    await _two_people(database, clock)
    await mail.send_campaign()
    sent = mail.mail_to(JAN)
    await mail.bounce_by_smtp(dsn(sent), sent.sender)
    before = await mail.message(JAN)

    await mail.bounce_by_smtp(dsn(sent), sent.sender)
    await mail.bounce_by_smtp(dsn(sent, status="4.2.2"), sent.sender)  # late, and softer

    after = await mail.message(JAN)
    assert (after.state, after.updated_at, after.reason) == (
        before.state,
        before.updated_at,
        before.reason,
    )
    assert [n.outcome for n in await mail.notices()] == ["applied", "no change", "no change"]


async def test_a_soft_bounce_is_a_temporary_failure_and_suppresses_nothing(
    database: Database, clock: ManualClock, mail: MailFlow
) -> None:
    await _two_people(database, clock)
    await mail.send_campaign()
    sent = mail.mail_to(JAN)

    await mail.bounce_by_smtp(
        dsn(sent, status="4.2.2", diagnostic="smtp; 452 4.2.2 Mailbox full"), sent.sender
    )

    assert (await mail.message(JAN)).state == "failed_temporary"
    assert await mail.suppressed(JAN) is None


async def test_a_rewritten_return_path_matches_by_message_id_and_recipient(
    database: Database, clock: ManualClock, mail: MailFlow
) -> None:
    await _two_people(database, clock)
    await mail.send_campaign()
    jan, els = mail.mail_to(JAN), mail.mail_to(ELS)
    rewritten = f"srs0=abcd=xy=gent.example.org=info@{BOUNCE_DOMAIN}"

    response = await mail.post(
        dsn(jan).replace(jan.sender.encode(), b"info@relay.example"), **{"X-Envelope-To": rewritten}
    )
    # Els's mail, but the bounce is about another mailbox (one she forwards to): not hers.
    other = dsn(els, recipient="els.forward@elders.example").replace(els.sender.encode(), b"x@y")
    await mail.post(other)

    assert response.status == 200
    assert (await response.json())["notices"][0]["outcome"] == "applied"
    assert (await mail.message(JAN)).state == "failed_permanent"
    assert (await mail.message(ELS)).state == "sent"
    assert [n.outcome for n in await mail.notices()] == ["applied", "other recipient"]


async def test_a_complaint_opts_the_person_out_of_email(
    database: Database, clock: ManualClock, mail: MailFlow
) -> None:
    await _two_people(database, clock)
    await mail.send_campaign()
    sent = mail.mail_to(ELS)

    response = await mail.post(arf(sent, with_recipient=False))  # the To was redacted

    assert response.status == 200
    assert (await response.json())["notices"] == [
        {"kind": "complaint", "message_id": (await mail.message(ELS)).id, "outcome": "applied"}
    ]
    async with database.read_session() as session:
        opted_out = await session.scalar(
            select(contacts.c.opted_out_email_at).where(contacts.c.email == ELS)
        )
    assert opted_out is not None
    assert await mail.suppressed(ELS) == "complaint"
    assert (await mail.message(ELS)).state == "sent"  # it arrived: that is not what changed


async def test_an_auto_reply_is_not_a_bounce(
    database: Database, clock: ManualClock, mail: MailFlow
) -> None:
    await _two_people(database, clock)
    await mail.send_campaign()
    sent = mail.mail_to(JAN)
    reply = EmailMessage()
    reply["From"] = JAN
    reply["To"] = sent.sender
    reply["Subject"] = "Automatisch antwoord: Nieuwe hulp"
    reply["Auto-Submitted"] = "auto-replied"
    reply["In-Reply-To"] = sent.parsed()["Message-ID"]
    reply.set_content("Ik ben afwezig tot 4 januari.")

    await mail.bounce_by_smtp(reply.as_bytes(), sent.sender)

    assert (await mail.message(JAN)).state == "sent"
    assert await mail.suppressed(JAN) is None
    assert [(n.kind, n.outcome) for n in await mail.notices()] == [("auto-reply", "not a bounce")]


async def test_a_notice_matching_nothing_is_kept_for_staff(
    database: Database, clock: ManualClock, mail: MailFlow
) -> None:
    await _two_people(database, clock)
    await mail.send_campaign()
    sent = mail.mail_to(JAN)
    local, _, domain = parseaddr(sent.sender)[1].partition("@")
    forged = f"{local[:-4]}beef@{domain}"  # someone else's mark, written by hand
    mail_id = sent.parsed()["Message-ID"]
    forged_id = mail_id.replace(mail_id.split(".")[2][:4], "beef")
    written = dsn(sent).replace(sent.sender.encode(), forged.encode())

    await mail.bounce_by_smtp(written.replace(mail_id.encode(), forged_id.encode()), forged)
    await mail.bounce_by_smtp(b"Subject: hello\r\n\r\nnot a bounce at all\r\n", forged)

    assert (await mail.message(JAN)).state == "sent"
    notices = await mail.notices()
    assert [n.outcome for n in notices] == ["unknown message", "unknown message"]
    assert all(n.raw for n in notices)
    assert await mail.services.bounces.unmatched() == 2


async def test_the_receiver_takes_mail_only_for_the_bounce_domain(mail: MailFlow) -> None:
    with pytest.raises(aiosmtplib.SMTPRecipientRefused):
        await mail.bounce_by_smtp(b"Subject: relay me\r\n\r\nplease\r\n", "someone@example.com")


async def test_the_http_receiver_wants_its_secret(mail: MailFlow) -> None:
    forged = await mail.post(b"Subject: x\r\n\r\ny\r\n", secret="not-the-secret")
    empty = await mail.post(b"")

    assert forged.status == 403
    assert empty.status == 422
    assert await mail.notices() == []


async def test_notices_are_forgotten_after_retention_except_the_unmatched(
    database: Database, clock: ManualClock, mail: MailFlow
) -> None:
    await _two_people(database, clock)
    await mail.send_campaign()
    sent = mail.mail_to(JAN)
    await mail.bounce_by_smtp(dsn(sent), sent.sender)
    await mail.bounce_by_smtp(b"Subject: hello\r\n\r\nnobody's\r\n", f"x@{BOUNCE_DOMAIN}")
    clock.advance(31 * 86400)

    assert await mail.services.bounces.forget_older_than(clock.now() - timedelta(days=30)) == 1

    assert [n.outcome for n in await mail.notices()] == ["unknown message"]


async def test_bounces_arriving_together_are_applied_once(
    database: Database, clock: ManualClock, mail: MailFlow
) -> None:
    await _two_people(database, clock)
    await mail.send_campaign()
    jan, els = mail.mail_to(JAN), mail.mail_to(ELS)
    inbox = mail.services.bounces

    outcomes = await asyncio.gather(
        *(inbox.receive(dsn(m), envelope_to=[m.sender], via="http") for m in (jan, els, jan))
    )

    assert sorted(o.outcome for (o,) in outcomes) == ["applied", "applied", "no change"]
    assert (await mail.message(JAN)).state == (await mail.message(ELS)).state == "failed_permanent"
    assert await mail.suppressed(JAN) and await mail.suppressed(ELS)
