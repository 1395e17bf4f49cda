"""The campaign list: every listed campaign with its own stats, read in the same few statements
whether the page holds one campaign or many (on SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import insert, select

from campaign.campaigns.states import CampaignState
from campaign.kernel.clock import ManualClock
from campaign.store.engine import Database
from campaign.store.tables import campaign_runs, run_exclusions
from tests.api_client import Api
from tests.factories import campaign_row, contact, queued_messages
from tests.statements import statements

CAMPAIGNS = 12


async def _exclude(database: Database, campaign_id: int, contact_ids: list[int]) -> None:
    """Leave these people out of the campaign's run: no consent."""
    if not contact_ids:
        return
    async with database.transaction() as session:
        run = select(campaign_runs.c.id).where(campaign_runs.c.campaign_id == campaign_id)
        run_id = (await session.execute(run)).scalar_one()
        rows = [
            {"run_id": run_id, "campaign_id": campaign_id, "contact_id": c, "reason": "no_consent"}
            for c in contact_ids
        ]
        await session.execute(insert(run_exclusions), rows)


async def _campaigns(api: Api) -> dict[int, tuple[int, int]]:
    """Paused campaigns with 1, 2, 3… queued messages and 0, 1, 2… people left out, by id."""
    database, clock = api.services.database, api.services.clock
    assert isinstance(clock, ManualClock)
    people = [await contact(database, clock, first_name=f"P{i}") for i in range(CAMPAIGNS)]
    made = {}
    for n in range(1, CAMPAIGNS + 1):
        clock.advance(1)  # each campaign's test template gets its own name
        cid = await campaign_row(database, clock, state=CampaignState.PAUSED)
        await queued_messages(database, clock, count=n, campaign_id=cid)
        await _exclude(database, cid, people[: n - 1])
        made[cid] = (n, n - 1)
    return made


async def test_a_page_of_campaigns_reads_their_stats_in_the_same_statements_whatever_its_size(
    api: Api,
) -> None:
    made = await _campaigns(api)
    database = api.services.database
    await api.get_ok("/api/v1/campaigns?limit=1")  # the key is looked up and marked used once
    with statements(database) as one:
        await api.get_ok("/api/v1/campaigns?limit=1")
    with statements(database) as many:
        page = await api.get_ok("/api/v1/campaigns?limit=50")

    assert len(page["items"]) == CAMPAIGNS
    assert len(many) == len(one)
    # The page's stats (messages, runs, exclusions) are one statement.
    assert len([sql for sql in many if "run_exclusions" in sql]) == 1
    found = {
        item["id"]: (item["stats"]["total"], item["stats"]["excluded"]["total"])
        for item in page["items"]
    }
    assert found == made


async def test_each_listed_campaign_has_the_stats_its_own_page_gives(api: Api) -> None:
    made = await _campaigns(api)
    page = await api.get_ok("/api/v1/campaigns?limit=5&offset=3")
    assert len(page["items"]) == 5
    for item in page["items"]:
        alone = await api.get_ok(f"/api/v1/campaigns/{item['id']}")
        assert item == alone
        assert item["stats"] == await api.get_ok(f"/api/v1/campaigns/{item['id']}/stats")
        messages, left_out = made[item["id"]]
        assert item["stats"]["by_status"] == {"queued": messages}
        assert item["stats"]["by_channel"] == {
            "sms": {"total": messages, "by_status": {"queued": messages}}
        }
        excluded = {"no_consent": left_out} if left_out else {}
        assert item["stats"]["excluded"] == {"total": left_out, "by_reason": excluded}
        assert item["stats"]["started_at"] is not None
        assert item["stats"]["completed_at"] is None
