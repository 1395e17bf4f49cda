"""The production shape on PostgreSQL, sending through Twilio's fake in a process of its own:
`campaign serve` (the status callbacks), `campaign scheduler` and two `campaign worker`
processes, with the fake refusing a share of requests with 429, accepting some and answering
500, holding others past the send time-out, and one worker killed with SIGKILL mid-campaign.
Every person gets the SMS exactly once, and every message ends as the fake reported it."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from campaign.bootstrap import build
from campaign.campaigns.model import CampaignDraft
from campaign.campaigns.states import CampaignAction
from campaign.kernel.clock import SystemClock
from campaign.kernel.identity import Identity, Role
from campaign.settings import load_settings
from campaign.store.tables import messages
from tests.conftest import POSTGRES_URL, _create_test_database, _drop_test_database
from tests.factories import TEST_SECRET, sms_and_email_template, user_row

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

ACCOUNT = "AC" + "e2" * 16
TOKEN = "processes-auth-token"
PEOPLE = 2000
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def fresh_postgres() -> AsyncIterator[str]:
    try:
        name = await _create_test_database()
    except OSError as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL is required under CI=true: {exc}")
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    yield POSTGRES_URL.rsplit("/", 1)[0] + "/" + name
    await _drop_test_database(name)


class Processes:
    """Processes of this test, each logging to a file of its own; all stopped at the end."""

    def __init__(self, tmp: Path, env: dict[str, str]) -> None:
        self.tmp, self.env = tmp, env
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        with (self.tmp / f"{name}.log").open("w") as log:  # the child keeps its own copy
            process = subprocess.Popen(
                [sys.executable, "-m", *args], env=self.env, stdout=log, stderr=log, cwd=ROOT
            )
        self.running[name] = process
        return process

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text()

    def stop_all(self) -> dict[str, int]:
        codes = {}
        for process in self.running.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for name, process in self.running.items():
            try:
                codes[name] = process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()
                codes[name] = process.wait()
        return codes


@contextmanager
def _processes(tmp: Path, env: dict[str, str]) -> Iterator[Processes]:
    processes = Processes(tmp, env)
    try:
        yield processes
    finally:
        processes.stop_all()


def _fake_state(base: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{base}/_fake/state", timeout=5) as answer:
        return dict(json.loads(answer.read()))


def _wait_for_file(path: Path, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return path.read_text().strip()
        time.sleep(0.1)
    raise AssertionError(f"{path} never written")


def _cli(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "campaign", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def _csv(path: Path) -> None:
    lines = ["external_id,phone,language,first_name,consent_sms,time_zone"]
    lines += [f"p{n},+3247{n:07d},nl,Persoon{n},yes,Europe/Brussels" for n in range(1, PEOPLE + 1)]
    path.write_text("\n".join(lines) + "\n")


async def _campaign(url: str, env: dict[str, str]) -> int:
    """An approved SMS campaign to everyone, due now, made as staff would (four eyes)."""
    clock = SystemClock()
    settings = load_settings(
        database_url=url,
        secret_key=TEST_SECRET,
        sms_provider="twilio",
        twilio_account_sid=ACCOUNT,
        twilio_auth_token=TOKEN,
        twilio_from=env["TWILIO_FROM"],
        public_url=env["CAMPAIGN_PUBLIC_URL"],
        sms_rate=float(env["CAMPAIGN_SMS_RATE"]),
    )
    services = build(settings, clock=clock)
    try:
        db = services.database
        editor = Identity(Role.ADMIN, "ed", user_id=await user_row(db, clock, "ed@x.org", "admin"))
        approver = Identity(
            Role.APPROVER, "ap", user_id=await user_row(db, clock, "ap@x.org", "approver")
        )
        draft = CampaignDraft(
            name="Processes",
            template_version_id=await sms_and_email_template(db, clock),
            audience_query="language IS SET",
            starts_at=datetime.now(UTC),
            rate_per_second=400,
        )
        campaign = await services.campaigns.create(editor, draft)
        await services.campaigns.act(editor, campaign.id, CampaignAction.SUBMIT)
        await services.campaigns.act(approver, campaign.id, CampaignAction.APPROVE)
        return campaign.id
    finally:
        await services.close()


async def _states(url: str) -> dict[str, int]:
    services = build(load_settings(database_url=url, secret_key=TEST_SECRET))
    try:
        async with services.database.read_session() as session:
            rows = await session.execute(
                select(messages.c.state, func.count()).group_by(messages.c.state)
            )
            return {state: int(n) for state, n in rows}
    finally:
        await services.close()


async def _until(check: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.5)
    raise AssertionError(f"not within {seconds} s: {what}")


async def test_faults_and_a_killed_worker_never_send_anyone_two_sms(
    fresh_postgres: str, tmp_path: Path
) -> None:
    serve_port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAMPAIGN_", "TWILIO_"))}
    env |= {
        "CAMPAIGN_DATABASE_URL": fresh_postgres,
        "CAMPAIGN_SECRET_KEY": TEST_SECRET,
        "CAMPAIGN_PORT": str(serve_port),
        "CAMPAIGN_PUBLIC_URL": f"http://127.0.0.1:{serve_port}",
        "CAMPAIGN_SMS_PROVIDER": "twilio",
        "CAMPAIGN_SMS_RATE": "400",
        "CAMPAIGN_QUIET_HOURS": "off",
        "CAMPAIGN_SEND_TIMEOUT": "2",
        "CAMPAIGN_LEASE_SECONDS": "8",
        "CAMPAIGN_LOOKUP_AFTER": "3",
        "CAMPAIGN_LOG_LEVEL": "INFO",
        "TWILIO_ACCOUNT_SID": ACCOUNT,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_FROM": "+32460000001",
    }
    port_file = tmp_path / "fake.port"
    with _processes(tmp_path, env) as run:
        run.start(
            "fake",
            "tests.fakes.twilio",
            *("--account-sid", ACCOUNT, "--auth-token", TOKEN, "--port-file", str(port_file)),
            *("--callback-to", env["CAMPAIGN_PUBLIC_URL"], "--latency", "0.05"),
            *("--throttle-share", "0.1", "--accept-then-500-share", "0.02"),
            *("--hang-share", "0.01", "--hang-seconds", "5", "--seed", "12"),
        )
        fake = f"http://127.0.0.1:{_wait_for_file(port_file, 30)}"
        env["TWILIO_API_BASE"] = fake
        _cli(env, "db", "upgrade")
        _csv(tmp_path / "people.csv")
        _cli(env, "contacts", "import", str(tmp_path / "people.csv"))
        run.start("serve", "campaign", "serve")
        run.start("scheduler", "campaign", "scheduler")
        victim = run.start("worker-1", "campaign", "worker")
        run.start("worker-2", "campaign", "worker")
        await _campaign(fresh_postgres, env)

        async def some_sent() -> bool:
            return int(_fake_state(fake)["accepted"]) >= PEOPLE // 4

        await _until(some_sent, 60, "a quarter accepted at the fake")
        victim.send_signal(signal.SIGKILL)  # mid-campaign, calls in flight
        victim.wait()

        async def all_final() -> bool:
            states = await _states(fresh_postgres)
            return states.get("delivered", 0) == PEOPLE

        try:
            await _until(all_final, 150, "every message delivered")
        finally:
            final = await _states(fresh_postgres)
            state = _fake_state(fake)
            logs = {name: run.log(name) for name in ("serve", "scheduler", "worker-2")}
            print("messages:", final, "\nat the fake:", state)  # shown when it fails
        codes = run.stop_all()

    assert state["sent_twice"] == [], state  # nobody got two SMS
    assert state["accepted"] == PEOPLE and final == {"delivered": PEOPLE}
    assert state["callback_failures"] == 0, state
    assert state["creates"] > PEOPLE  # the 429s and 500s were really there
    for name, text in logs.items():
        assert "Traceback" not in text, f"{name}:\n{text[-4000:]}"
    assert {codes[n] for n in ("serve", "scheduler", "worker-2")} == {0}
