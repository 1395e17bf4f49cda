"""The production shape on PostgreSQL, sending email through a real SMTP server in a process of
its own: `campaign serve`, `campaign scheduler`, `campaign mail-in` and two `campaign worker`
processes, one worker killed with SIGKILL mid-campaign. Every mail arrives once (or, for the
few messages the killed worker had handed over and left `unknown`, at most twice after staff
confirmed the resend),
bounces mailed to the receiver fail their messages and suppress the addresses, and a
complaint posted over HTTP opts the person out."""

from __future__ import annotations

import asyncio
import os
import signal
import urllib.request
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import aiosmtplib
import pytest
from sqlalchemy import func, select

from campaign.bootstrap import build
from campaign.campaigns.model import CampaignDraft
from campaign.campaigns.states import CampaignAction
from campaign.kernel.clock import SystemClock
from campaign.kernel.identity import Identity, Role
from campaign.settings import load_settings
from campaign.store.tables import contacts, mail_notices, messages, suppressions
from tests.e2e.test_twilio_processes import (
    _cli,
    _free_port,
    _processes,
    _states,
    _until,
    _wait_for_file,
    fresh_postgres,  # noqa: F401 (a fixture)
)
from tests.factories import TEST_SECRET, sms_and_email_template, user_row
from tests.integration.test_bounces import BOUNCE_SECRET

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

PEOPLE = 1000
BOUNCE_DOMAIN = "bounces.processes.example"


def _csv(path: Path) -> None:
    lines = ["external_id,email,language,first_name,consent_email,preferred_channel"]
    lines += [f"p{n},p{n}@mail.example,nl,Persoon{n},yes,email" for n in range(1, PEOPLE + 1)]
    path.write_text("\n".join(lines) + "\n")


def _received(log: Path) -> list[tuple[str, str]]:
    if not log.exists():
        return []
    return [tuple(line.split(" ", 1)) for line in log.read_text().splitlines()]  # type: ignore[misc]


async def _never_handed_over(url: str, state: str) -> int:
    services = build(load_settings(database_url=url, secret_key=TEST_SECRET))
    try:
        async with services.database.read_session() as session:
            count = await session.scalar(
                select(func.count()).where(
                    messages.c.state == state, messages.c.handed_over_at.is_(None)
                )
            )
        return int(count or 0)
    finally:
        await services.close()


async def _resend_unknown(url: str, campaign_id: int) -> int:
    services = build(load_settings(database_url=url, secret_key=TEST_SECRET))
    try:
        db, clock = services.database, services.clock
        staff = Identity(Role.ADMIN, "st", user_id=await user_row(db, clock, "st@x.org", "admin"))
        done = await services.campaign_messages.resend_unknown(
            staff, campaign_id, None, confirmed=True
        )
        return int(done.count)
    finally:
        await services.close()


async def _campaign(url: str) -> int:
    """An approved email campaign to everyone, due now, made as staff would (four eyes)."""
    clock = SystemClock()
    services = build(load_settings(database_url=url, secret_key=TEST_SECRET, email_rate=200))
    try:
        db = services.database
        editor = Identity(Role.ADMIN, "ed", user_id=await user_row(db, clock, "ed@x.org", "admin"))
        approver = Identity(
            Role.APPROVER, "ap", user_id=await user_row(db, clock, "ap@x.org", "approver")
        )
        draft = CampaignDraft(
            name="Email processes",
            template_version_id=await sms_and_email_template(db, clock),
            audience_query="language IS SET",
            channels=("email",),
            starts_at=datetime.now(UTC),
            rate_per_second=200,
        )
        campaign = await services.campaigns.create(editor, draft)
        await services.campaigns.act(editor, campaign.id, CampaignAction.SUBMIT)
        await services.campaigns.act(approver, campaign.id, CampaignAction.APPROVE)
        return campaign.id
    finally:
        await services.close()


def _dsn(return_path: str, recipient: str) -> bytes:
    return (
        f"From: MAILER-DAEMON@mx.mail.example\r\nTo: {return_path}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nIt could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 no such user\r\n\r\n--B--\r\n"
    ).encode()


async def _bounce(port: int, sent: list[tuple[str, str]]) -> None:
    smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
    await smtp.connect()
    for return_path, recipient in sent:
        await smtp.mail("")
        await smtp.rcpt(return_path)
        await smtp.data(_dsn(return_path, recipient))
    await smtp.quit()


async def test_email_through_a_relay_with_a_killed_worker_and_bounces_coming_back(
    fresh_postgres: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    serve_port, mail_in_port = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAMPAIGN_", "SMTP_"))}
    env |= {
        "CAMPAIGN_DATABASE_URL": fresh_postgres,
        "CAMPAIGN_SECRET_KEY": TEST_SECRET,
        "CAMPAIGN_PORT": str(serve_port),
        "CAMPAIGN_PUBLIC_URL": f"http://127.0.0.1:{serve_port}",
        "CAMPAIGN_EMAIL_PROVIDER": "smtp",
        "CAMPAIGN_EMAIL_RATE": "200",
        "CAMPAIGN_EMAIL_FROM": "Stad Gent <info@processes.example>",
        "CAMPAIGN_BOUNCE_DOMAIN": BOUNCE_DOMAIN,
        "CAMPAIGN_BOUNCE_SECRET": BOUNCE_SECRET,
        "CAMPAIGN_MAIL_IN_PORT": str(mail_in_port),
        "CAMPAIGN_QUIET_HOURS": "off",
        "CAMPAIGN_SEND_TIMEOUT": "2",
        "CAMPAIGN_LEASE_SECONDS": "8",
        "CAMPAIGN_LOG_LEVEL": "INFO",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_TLS": "none",
        "SMTP_POOL_SIZE": "4",
    }
    port_file, sink_log = tmp_path / "relay.port", tmp_path / "relay.log"
    with _processes(tmp_path, env) as run:
        run.start(
            "relay", "tests.fakes.smtp", "--port-file", str(port_file), "--log", str(sink_log)
        )
        env["SMTP_PORT"] = _wait_for_file(port_file, 30)
        _cli(env, "db", "upgrade")
        _csv(tmp_path / "people.csv")
        _cli(env, "contacts", "import", str(tmp_path / "people.csv"))
        run.start("serve", "campaign", "serve")
        run.start("scheduler", "campaign", "scheduler")
        run.start("mail-in", "campaign", "mail-in")
        victim = run.start("worker-1", "campaign", "worker")
        run.start("worker-2", "campaign", "worker")
        campaign_id = await _campaign(fresh_postgres)

        async def some_sent() -> bool:
            return len(_received(sink_log)) >= PEOPLE // 4

        await _until(some_sent, 60, "a quarter at the relay")
        victim.send_signal(signal.SIGKILL)  # mid-campaign, transactions in flight
        victim.wait()

        async def nothing_open() -> bool:
            counts = await _states(fresh_postgres)
            return counts.get("sent", 0) + counts.get("unknown", 0) == PEOPLE

        await _until(nothing_open, 90, "every message sent or unknown")
        unknown = (await _states(fresh_postgres)).get("unknown", 0)
        # Only what the killed worker had handed over (in flight, or answered and not yet
        # recorded); what it never handed over went back to the queue, for the other worker.
        assert await _never_handed_over(fresh_postgres, "unknown") == 0
        assert await _resend_unknown(fresh_postgres, campaign_id) == unknown

        async def all_sent() -> bool:
            return (await _states(fresh_postgres)) == {"sent": PEOPLE}

        await _until(all_sent, 60, "every message sent")
        received = _received(sink_log)
        bounced = sorted(set(received))[:20]
        await _bounce(mail_in_port, bounced)
        complaint = (
            "From: fbl@isp.example\r\nSubject: abuse\r\nMIME-Version: 1.0\r\n"
            'Content-Type: multipart/report; report-type=feedback-report; boundary="F"\r\n\r\n'
            "--F\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\n"
            f"Original-Rcpt-To: {received[-1][1]}\r\n\r\n--F--\r\n"
        ).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{serve_port}/webhooks/email/bounce",
            data=complaint,
            headers={"Authorization": f"Bearer {BOUNCE_SECRET}", "X-Envelope-To": received[-1][0]},
        )
        answer = await asyncio.to_thread(urllib.request.urlopen, request, timeout=10)
        assert answer.status == 200
        final = await _states(fresh_postgres)
        services = build(load_settings(database_url=fresh_postgres, secret_key=TEST_SECRET))
        async with services.database.read_session() as session:
            notices = Counter(
                (await session.execute(select(mail_notices.c.outcome))).scalars().all()
            )
            suppressed = await session.scalar(select(func.count()).select_from(suppressions))
            opted_out = await session.scalar(
                select(func.count()).where(contacts.c.opted_out_email_at.is_not(None))
            )
        await services.close()
        logs = {n: run.log(n) for n in ("serve", "scheduler", "mail-in", "worker-2")}
        codes = run.stop_all()

    by_message = Counter(return_path.split("-")[0] for return_path, _ in received)
    twice = [m for m, n in by_message.items() if n > 1]
    assert len(by_message) == PEOPLE  # everyone got their mail
    assert len(twice) <= unknown  # only what the killed worker may have handed over
    assert all(n <= 2 for n in by_message.values())
    assert final == {"sent": PEOPLE - 20, "failed_permanent": 20}
    assert notices == {"applied": 21}
    assert suppressed == 21 and opted_out == 1
    for name, text in logs.items():
        assert "Traceback" not in text, f"{name}:\n{text[-4000:]}"
    assert {codes[n] for n in ("serve", "scheduler", "mail-in", "worker-2")} == {0}
