"""The people of a run's audience who got no message, and why (decision 0027).

They are written when the run is materialised (``campaign.campaigns.runs``), one row per person,
with a short code for the reason, each channel's own reason, and for a household member the
message that went to the address they share. Here: the codes, their words, and the pages.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select

from audiences.contacts.model import ExclusionReason
from campaign.delivery.moves import Db
from campaign.kernel.channel import Channel
from campaign.store.tables import run_exclusions


class ExcludedBecause(StrEnum):
    """Why a person of the audience got no message in a run; the first that applies."""

    ERASED = "erased"
    # The audience selects them, but none of the campaign's measures is for them (eligibility).
    NOT_ELIGIBLE = "not_eligible"
    # No channel of the run reaches them: the reason on the channel they would have had first.
    NO_ADDRESS = ExclusionReason.NO_ADDRESS.value
    NO_CONSENT = ExclusionReason.NO_CONSENT.value
    OPTED_OUT = ExclusionReason.OPTED_OUT.value
    SUPPRESSED = ExclusionReason.SUPPRESSED.value
    # Reached through the one message to an address they share with another person.
    DUPLICATE_ADDRESS = ExclusionReason.DUPLICATE_ADDRESS.value
    # The template has no text for any channel of the campaign.
    NO_CHANNEL = "no_channel"
    # On PostgreSQL, a person who became reachable, or joined the audience, between the
    # statement that queued the messages and the one that wrote these rows.
    CHANGED_MEANWHILE = "changed_meanwhile"


_CHANNEL_NOUN = {Channel.SMS: "phone number", Channel.EMAIL: "email address"}
_CHANNEL_NAME = {Channel.SMS: "SMS", Channel.EMAIL: "email"}


def channel_words(channel: Channel, reason: ExclusionReason) -> str:
    """Why ``channel`` does not reach someone, in words."""
    noun, name = _CHANNEL_NOUN[channel], _CHANNEL_NAME[channel]
    return {
        ExclusionReason.NO_ADDRESS: f"no {noun}",
        ExclusionReason.NO_CONSENT: f"no consent for {name}",
        ExclusionReason.OPTED_OUT: f"opted out of {name}",
        ExclusionReason.SUPPRESSED: f"the {noun} is on the suppression list",
        ExclusionReason.DUPLICATE_ADDRESS: f"shares the {noun} of someone who got the message",
    }[reason]


@dataclass(frozen=True, slots=True)
class Exclusion:
    """One person of a run's audience who got no message."""

    id: int
    run_id: int
    contact_id: int
    reason: ExcludedBecause
    channels: Mapping[Channel, ExclusionReason]  # each channel's own reason, where it has one
    message_id: int | None  # the household's message, for a duplicate address

    @property
    def words(self) -> str:
        """The reason as staff read it: the code's meaning and each channel's particulars."""
        fixed = _FIXED_WORDS.get(self.reason)
        if fixed is not None:
            return fixed
        parts = [channel_words(c, r) for c, r in self._code_first()]
        if self.reason is ExcludedBecause.DUPLICATE_ADDRESS:
            if self.message_id is not None:
                parts[0] += f" (message {self.message_id})"
            return "; ".join(parts)
        return "no channel reaches them: " + "; ".join(parts)

    def _code_first(self) -> list[tuple[Channel, ExclusionReason]]:
        """Each channel's reason, the one the code came from first."""
        return sorted(self.channels.items(), key=lambda item: item[1].value != self.reason.value)


_FIXED_WORDS = {
    ExcludedBecause.ERASED: "erased: the person's data was removed",
    ExcludedBecause.NOT_ELIGIBLE: "none of the campaign's measures is for them (eligibility)",
    ExcludedBecause.NO_CHANNEL: "the template has no text for any of the campaign's channels",
    ExcludedBecause.CHANGED_MEANWHILE: (
        "became reachable or joined the audience while the run was being queued"
    ),
}


_CHANNEL_COLUMNS = {
    Channel.SMS: run_exclusions.c.sms_reason,
    Channel.EMAIL: run_exclusions.c.email_reason,
}


async def exclusion_page(
    db: Db,
    campaign_id: int,
    *,
    reasons: Collection[ExcludedBecause] = (),
    after_id: int = 0,
    limit: int,
) -> list[Exclusion]:
    """Up to ``limit`` of the campaign's exclusions (every run) with an id above
    ``after_id``, for ``reasons`` (any when empty), in id order (contact order within a run)."""
    query = (
        select(run_exclusions)
        .where(run_exclusions.c.campaign_id == campaign_id, run_exclusions.c.id > after_id)
        .order_by(run_exclusions.c.id)
        .limit(limit)
    )
    if reasons:
        query = query.where(run_exclusions.c.reason.in_(sorted(r.value for r in reasons)))
    rows = (await db.execute(query)).mappings()
    return [
        Exclusion(
            id=int(r["id"]),
            run_id=int(r["run_id"]),
            contact_id=int(r["contact_id"]),
            reason=ExcludedBecause(r["reason"]),
            channels={
                channel: ExclusionReason(r[column.name])
                for channel, column in _CHANNEL_COLUMNS.items()
                if r[column.name] is not None
            },
            message_id=r["message_id"],
        )
        for r in rows
    ]
