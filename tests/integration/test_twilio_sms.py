"""SMS through the real twilio library to the protocol-level fake, on SQLite and PostgreSQL:
every message ends in the state the fake reported through signed status callbacks, nothing is
sent twice, and the provider's faults are handled as docs/operations.md says."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from campaign.channels.twilio.sms import TwilioAccount, TwilioSms
from campaign.dispatch.worker import LOOKUP_AFTER
from campaign.kernel.clock import ManualClock
from campaign.kernel.identity import Identity, Role
from campaign.store.engine import Database
from campaign.store.tables import (
    contacts,
    messages,
    provider_callbacks,
    provider_circuits,
    suppressions,
)
from campaign.web.app import create_app
from tests.api_client import ClientFactory
from tests.factories import contact
from tests.fakes.twilio import Behaviour, FakeTwilio, Numbers, twilio_signature
from tests.integration.test_campaign_flow import Flow, _approved_campaign

ACCOUNT = "AC" + "7a" * 16
TOKEN = "integration-auth-token"
PUBLIC = "https://campaign.example.org"
GOOD = ["+32470000001", "+32470000002", "+32470000003"]


class TwilioFlow:
    """The product's services with the Twilio adapter, the fake behind TWILIO_API_BASE, and
    the service's own HTTP app receiving the fake's callbacks as Twilio would post them."""

    def __init__(self, flow: Flow, fake: FakeTwilio, client: Any) -> None:
        self.flow, self.fake, self.client = flow, fake, client
        self.services = flow.services

    async def start_campaign(self) -> int:
        campaign_id = await _approved_campaign(self.flow)
        assert await self.flow.campaigns.start_due() == [campaign_id]
        return campaign_id

    async def send_all(self) -> None:
        while await self.flow.worker.run_once():
            pass

    async def callbacks_in(self) -> None:
        """Every callback owed posted, answered (kept), then applied."""
        await self.fake.settle()
        await self.services.callbacks.drain()

    async def states(self) -> dict[str, str]:
        async with self.flow.database.read_session() as session:
            rows = await session.execute(select(messages.c.address, messages.c.state))
            return {address: state for address, state in rows}

    async def message(self, address: str) -> Any:
        async with self.flow.database.read_session() as session:
            return (
                await session.execute(select(messages).where(messages.c.address == address))
            ).one()


@pytest.fixture
def clock() -> ManualClock:
    """Today, to the second: the fake dates its messages by the real clock, and a look-up
    searches around the hand-over."""
    return ManualClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
async def twilio(
    database: Database, clock: ManualClock, aiohttp_client: ClientFactory
) -> AsyncIterator[TwilioFlow]:
    fake = FakeTwilio(ACCOUNT, TOKEN, manual_callbacks=True, hang_seconds=6.0)
    base = await fake.start()
    account = TwilioAccount(ACCOUNT, TOKEN, sender="+32460000001", api_base=base)
    sms = TwilioSms(account, clock, call_timeout=2.5)  # room for a loaded CI machine
    flow = Flow(
        database,
        clock,
        sms=sms,
        public_url=PUBLIC,
        twilio_auth_token=TOKEN,
        quiet_hours="off",  # the clock is today's: whatever the hour
    )
    client = await aiohttp_client(create_app(flow.services))
    fake.send_callbacks_to(str(client.make_url("")))
    try:
        yield TwilioFlow(flow, fake, client)
    finally:
        await flow.services.close()
        await fake.close()


async def _people(database: Database, clock: ManualClock, *phones: str) -> None:
    for phone in phones:
        await contact(database, clock, phone=phone, email=None)


async def test_every_message_ends_as_the_provider_reported_it(
    database: Database, clock: ManualClock, twilio: TwilioFlow
) -> None:
    failing = [
        Numbers.UNKNOWN_HANDSET,
        Numbers.UNREACHABLE,
        Numbers.FILTERED,
        Numbers.INVALID,
        Numbers.NOT_MOBILE,
        Numbers.SENT_ONLY,
    ]
    await _people(database, clock, *GOOD, *failing)
    await twilio.start_campaign()
    await twilio.send_all()
    await twilio.callbacks_in()

    assert await twilio.states() == {
        **dict.fromkeys(GOOD, "delivered"),
        Numbers.UNKNOWN_HANDSET: "failed_permanent",  # 30005
        Numbers.UNREACHABLE: "failed_temporary",  # 30003
        Numbers.FILTERED: "failed_temporary",  # 30007
        Numbers.INVALID: "failed_permanent",  # 21211 at the API
        Numbers.NOT_MOBILE: "failed_permanent",  # 21614 at the API
        Numbers.SENT_ONLY: "sent",  # no final receipt (yet)
    }
    assert max(twilio.fake.accepted_per_to.values()) == 1
    sids = {m.to: sid for sid, m in twilio.fake.messages.items()}
    for phone in GOOD:
        row = await twilio.message(phone)
        assert row.provider_id == sids[phone]
        assert row.sent_at is not None and row.text_digest
    landline = await twilio.message(Numbers.NOT_MOBILE)
    assert landline.error_code == "21614" and "mobile" in landline.reason


async def test_what_twilio_was_given(
    database: Database, clock: ManualClock, twilio: TwilioFlow
) -> None:
    await _people(database, clock, GOOD[0])
    await twilio.start_campaign()
    await twilio.send_all()

    (given,) = twilio.fake.messages.values()
    row = await twilio.message(GOOD[0])
    assert given.to == GOOD[0] and given.from_ == "+32460000001"
    assert given.status_callback == f"{PUBLIC}/webhooks/twilio/status?message_id={row.id}"
    assert given.body and len(given.body) <= 1600


async def test_a_stop_sent_to_twilio_opts_the_person_out_here(
    database: Database, clock: ManualClock, twilio: TwilioFlow
) -> None:
    await _people(database, clock, Numbers.UNSUBSCRIBED)
    await twilio.start_campaign()
    await twilio.send_all()

    row = await twilio.message(Numbers.UNSUBSCRIBED)
    assert row.state == "failed_permanent" and row.error_code == "21610"
    async with database.read_session() as session:
        opted = (await session.execute(select(contacts.c.opted_out_sms_at))).scalar_one()
        suppressed = (await session.execute(select(suppressions.c.reason))).scalars().all()
    assert opted is not None
    assert suppressed == ["opted out at the provider (21610)"]


async def test_a_busy_twilio_is_tried_again_after_the_wait_it_asked_for(
    database: Database, clock: ManualClock, twilio: TwilioFlow
) -> None:
    await _people(database, clock, Numbers.TOO_MANY_REQUESTS)
    await twilio.start_campaign()
    await twilio.send_all()

    row = await twilio.message(Numbers.TOO_MANY_REQUESTS)
    assert row.state == "queued" and row.error_code == "20429"
    assert row.next_attempt_at >= clock.now() + timedelta(seconds=2)  # Retry-After: 2
    assert twilio.fake.accepted_per_to[Numbers.TOO_MANY_REQUESTS] == 0


@pytest.mark.parametrize("number", [Numbers.ACCEPTED_THEN_500, Numbers.ACCEPTED_THEN_HANG])
async def test_an_accepted_message_whose_answer_was_lost_is_settled_by_the_look_up(
    database: Database, clock: ManualClock, twilio: TwilioFlow, number: str
) -> None:
    await _people(database, clock, number)
    await twilio.start_campaign()
    await twilio.send_all()
    assert (await twilio.message(number)).state == "unknown"
    assert await twilio.services.lookups.run_once() == 0  # not before the provider is done

    clock.advance(LOOKUP_AFTER.total_seconds())
    assert await twilio.services.lookups.run_once() == 1
    await twilio.send_all()

    row = await twilio.message(number)
    (sid,) = twilio.fake.messages
    assert row.state == "sent" and row.provider_id == sid
    assert twilio.fake.accepted_per_to[number] == 1  # never sent again
    await twilio.callbacks_in()
    assert (await twilio.message(number)).state == "delivered"


async def test_a_callback_settles_an_unknown_message_before_any_look_up(
    database: Database, clock: ManualClock, twilio: TwilioFlow
) -> None:
    await _people(database, clock, Numbers.ACCEPTED_THEN_500)
    await twilio.start_campaign()
    await twilio.send_all()
    assert (await twilio.message(Numbers.ACCEPTED_THEN_500)).state == "unknown"

    await twilio.callbacks_in()  # "sent", then "delivered": Twilio had it

    row = await twilio.message(Numbers.ACCEPTED_THEN_500)
    (sid,) = twilio.fake.messages
    assert (row.state, row.provider_id) == ("delivered", sid)
    assert row.sent_at is not None  # so that it would also expire without a final receipt
    clock.advance(LOOKUP_AFTER.total_seconds())
    assert await twilio.services.lookups.run_once() == 0  # nothing left to look up


async def test_a_message_the_look_up_finds_no_trace_of_goes_again_once(
    database: Database, clock: ManualClock, twilio: TwilioFlow
) -> None:
    await _people(database, clock, Numbers.REFUSED_500)  # a 5xx that stored nothing
    await twilio.start_campaign()
    await twilio.send_all()
    assert (await twilio.message(Numbers.REFUSED_500)).state == "unknown"

    twilio.fake.behave(Numbers.REFUSED_500, Behaviour())  # Twilio works again
    clock.advance(LOOKUP_AFTER.total_seconds())
    assert await twilio.services.lookups.run_once() == 1
    assert (await twilio.message(Numbers.REFUSED_500)).state == "queued"
    await twilio.send_all()
    await twilio.callbacks_in()

    assert (await twilio.message(Numbers.REFUSED_500)).state == "delivered"
    assert twilio.fake.accepted_per_to[Numbers.REFUSED_500] == 1


async def test_callbacks_duplicated_and_out_of_order_end_in_the_final_state(
    database: Database, clock: ManualClock, twilio: TwilioFlow
) -> None:
    twilio.fake.configure(duplicate_callbacks=True, reverse_callbacks=True)
    await _people(database, clock, *GOOD, Numbers.UNKNOWN_HANDSET)
    await twilio.start_campaign()
    await twilio.send_all()
    await twilio.callbacks_in()

    assert await twilio.states() == {
        **dict.fromkeys(GOOD, "delivered"),
        Numbers.UNKNOWN_HANDSET: "failed_permanent",
    }
    async with database.read_session() as session:
        outcomes = (await session.execute(select(provider_callbacks.c.outcome))).scalars().all()
    assert len(outcomes) == 4 * 4  # sent and final, each twice, all kept
    assert outcomes.count("applied") == 4  # the final state, once per message


async def test_forged_and_unsigned_callbacks_change_nothing(
    database: Database, clock: ManualClock, twilio: TwilioFlow
) -> None:
    await _people(database, clock, GOOD[0])
    await twilio.start_campaign()
    await twilio.send_all()
    row = await twilio.message(GOOD[0])
    url = f"{PUBLIC}/webhooks/twilio/status?message_id={row.id}"
    form = {"MessageSid": row.provider_id, "MessageStatus": "undelivered", "ErrorCode": "30005"}

    assert await twilio.fake.post_forged(url, form) == 403
    assert await twilio.fake.post_callback(url, form, signature="") == 403
    other = f"{PUBLIC}/webhooks/twilio/status?message_id={row.id + 1}"  # signed for another
    assert (
        await twilio.fake.post_callback(url, form, signature=twilio_signature(TOKEN, other, form))
        == 403
    )

    async with database.read_session() as session:
        kept = (await session.execute(select(provider_callbacks.c.id))).all()
    assert kept == [] and (await twilio.message(GOOD[0])).state == "sent"


async def test_a_callback_for_a_message_we_do_not_know_is_kept_for_reconciliation(
    twilio: TwilioFlow,
) -> None:
    url = f"{PUBLIC}/webhooks/twilio/status?message_id=987654"
    assert await twilio.fake.post_unknown_message(url) == 204
    no_id = f"{PUBLIC}/webhooks/twilio/status"
    assert await twilio.fake.post_unknown_message(no_id) == 204
    await twilio.services.callbacks.drain()

    assert await twilio.services.callbacks.unmatched() == 2


async def _circuit(database: Database) -> Any:
    async with database.read_session() as session:
        return (await session.execute(select(provider_circuits))).one_or_none()


async def test_an_account_twilio_refuses_holds_sending_until_a_probe_succeeds(
    database: Database, clock: ManualClock, twilio: TwilioFlow
) -> None:
    await _people(database, clock, *GOOD)
    campaign_id = await twilio.start_campaign()
    twilio.fake.configure(account_error=20003)
    await twilio.send_all()

    assert set((await twilio.states()).values()) == {"queued"}  # none failed for it
    for phone in GOOD:
        row = await twilio.message(phone)
        assert row.attempts == 0 and row.error_code == "20003"
    circuit = await _circuit(database)
    assert circuit.code == "20003" and circuit.failures == 1
    [shown] = [c.as_json() for c in await twilio.services.switch.refusing_accounts()]
    assert (shown["channel"], shown["code"], shown["refusals"]) == ("sms", "20003", 1)
    assert shown["next_probe_at"] == circuit.retry_at.isoformat()
    campaign = await twilio.flow.campaigns.get(Identity(Role.VIEWER, "v"), campaign_id)
    held = await twilio.services.holds.held(campaign)
    assert held is not None and "credentials" in held.reason and held.until == circuit.retry_at

    clock.advance(30)  # the probe, refused again: closed for twice as long
    await twilio.send_all()
    again = await _circuit(database)
    assert again.failures == 2 and again.retry_at == clock.now() + timedelta(seconds=60)
    assert twilio.fake.accepted_per_to == {}

    twilio.fake.configure(account_error=None)  # the token is fixed
    clock.advance(60)
    await twilio.send_all()  # the probe goes, and is accepted: the circuit closes
    assert await _circuit(database) is None
    clock.advance(2)
    await twilio.send_all()
    await twilio.callbacks_in()
    assert await twilio.states() == dict.fromkeys(GOOD, "delivered")
    assert set(twilio.fake.accepted_per_to.values()) == {1}
    assert await twilio.services.holds.held(campaign) is None


async def test_a_callback_signed_over_the_url_with_its_default_port_is_believed(
    database: Database, clock: ManualClock, twilio: TwilioFlow
) -> None:
    """Twilio signs some URLs with the default port written out: the library's check allows
    both, and so does ours."""
    await _people(database, clock, GOOD[0])
    await twilio.start_campaign()
    await twilio.send_all()
    row = await twilio.message(GOOD[0])
    path = f"/webhooks/twilio/status?message_id={row.id}"
    form = {"MessageSid": row.provider_id, "MessageStatus": "delivered"}
    with_port = PUBLIC.replace(".org", ".org:443") + path

    signature = twilio_signature(TOKEN, with_port, form)
    assert await twilio.fake.post_callback(PUBLIC + path, form, signature=signature) == 204
    await twilio.services.callbacks.drain()
    assert (await twilio.message(GOOD[0])).state == "delivered"
