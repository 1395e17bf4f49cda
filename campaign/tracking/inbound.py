"""Texts people send back: a STOP opts the number out; anything else is counted, not kept.

A STOP speaks for the phone it came from, so the number goes on the SMS suppression list (a
keyed hash) and every contact holding it is marked opted out, in one transaction; a second
STOP changes nothing. Other replies are logged without their text: reading and answering them
is a conversation the service does not hold (docs/decisions/0017).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from audiences.contacts.addresses import AddressError, AddressKeys, normalise_phone
from audiences.contacts.optout import opt_out_address
from campaign.channels import InboundSms
from campaign.kernel.channel import Channel
from campaign.kernel.clock import Clock
from campaign.store.engine import Database
from campaign.tracking.keywords import is_stop_request

log = logging.getLogger(__name__)
STOP_SOURCE = "STOP reply"


@dataclass(frozen=True, slots=True)
class ReplyOutcome:
    stop: bool  # the reply asked to stop
    opted_out: tuple[int, ...]  # the contacts it opted out now (empty when they were already)


class InboundReplies:
    def __init__(self, database: Database, clock: Clock, keys: AddressKeys, region: str) -> None:
        self._database = database
        self._clock = clock
        self._keys = keys
        self._region = region

    async def record(self, sms: InboundSms) -> ReplyOutcome:
        """Act on one inbound text; safe to call twice for the same one."""
        if not is_stop_request(sms.body):
            log.info("reply received (%d characters), not a stop request", len(sms.body))
            return ReplyOutcome(stop=False, opted_out=())
        try:
            phone = normalise_phone(sms.sender, self._region)
        except AddressError:
            log.warning("a STOP came from a number that is not a mobile number; ignored")
            return ReplyOutcome(stop=True, opted_out=())
        async with self._database.transaction() as session:
            changed = await opt_out_address(
                session, self._keys, Channel.SMS, phone, STOP_SOURCE, self._clock.now()
            )
        log.info("STOP received: %d contact(s) opted out of SMS", len(changed))
        return ReplyOutcome(stop=True, opted_out=tuple(changed))
