"""Message checks through the API and the CLI, and approval waiting on them."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

from sqlalchemy import select

from campaign.store.tables import campaign_audit, campaigns
from tests.api_client import Api
from tests.factories import contact


async def test_check_answers_in_the_contract_shape(api: Api) -> None:
    text = "Dag Zoë. Extra geld voor energie. Bel gratis 1700. Geen sms meer? Stuur STOP."
    status, body, _ = await api.call(
        "POST", "/api/v1/messages/check", json={"channel": "sms", "language": "nl", "text": text}
    )
    assert status == 200
    assert set(body) == {"sms", "plain_language"}
    assert {"encoding", "segments", "characters", "findings"} <= set(body["sms"])
    assert (body["sms"]["encoding"], body["sms"]["segments"]) == ("UCS-2", 2)
    assert {"score", "grade", "findings"} <= set(body["plain_language"])
    status, problem, _ = await api.call(
        "POST", "/api/v1/messages/check", json={"channel": "fax", "language": "nl", "text": "x"}
    )
    assert (status, problem["where"]) == (422, "channel")


async def _campaign_with_a_link_only_sms(api: Api) -> int:
    version = {
        "name": "Link only",
        "variants": [{"language": "nl", "channel": "sms", "body": "Nieuw: {{ web_url }}"}],
    }
    _, saved, _ = await api.call("POST", "/api/v1/templates/link-only/versions", json=version)
    await contact(api.services.database, api.services.clock, phone="+32470000001")
    starts = (api.services.clock.now() + timedelta(hours=1)).isoformat()
    body = {
        "name": "Link only",
        "template_version_id": saved["id"],
        "audience_query": "phone IS SET",
        "starts_at": starts,
        "channels": ["sms"],
    }
    _, created, _ = await api.call("POST", "/api/v1/campaigns", json=body)
    status, submitted, _ = await api.call("POST", f"/api/v1/campaigns/{created['id']}/submit")
    assert status == 200, submitted
    return int(created["id"])


async def test_failing_checks_hold_approval_until_a_written_override(api: Api) -> None:
    cid = await _campaign_with_a_link_only_sms(api)
    status, problem, _ = await api.call("POST", f"/api/v1/campaigns/{cid}/approve", key="approver")
    assert status == 409
    assert "nl sms" in problem["detail"] and "number to call" in problem["detail"]

    reason = "Sent to staff phones only, as a link test"
    status, body, _ = await api.call(
        "POST", f"/api/v1/campaigns/{cid}/approve", key="approver", json={"reason": reason}
    )
    assert (status, body["state"]) == (200, "scheduled")
    async with api.services.database.read_session() as session:
        kept = (
            await session.execute(
                select(campaigns.c.approval_override).where(campaigns.c.id == cid)
            )
        ).scalar_one()
        audit = (
            await session.execute(
                select(campaign_audit.c.reason).where(
                    campaign_audit.c.campaign_id == cid, campaign_audit.c.action == "approve"
                )
            )
        ).scalar_one()
    assert kept == audit == reason


def test_check_message_cli_exits_non_zero_on_blocking_findings() -> None:
    def run(text: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "campaign",
                "check-message",
                "-",
                "--channel",
                "sms",
                "--lang",
                "en",
                "--json",
            ],
            input=text,
            capture_output=True,
            text=True,
            timeout=60,
        )

    good = run("Extra money for your energy bill. Call 1700 for free. No more texts? Reply STOP.")
    assert good.returncode == 0, good.stdout + good.stderr
    assert '"encoding": "GSM-7"' in good.stdout
    bad = run("See https://example.org/help")
    assert bad.returncode == 1 and "only_link" in bad.stdout
