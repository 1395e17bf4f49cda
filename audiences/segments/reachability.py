"""Who a channel can reach, and why not: the rule, once, as conditions over ``contacts``.

A channel does not reach a contact for the first of these that applies, in this order
(``BLOCKING_REASONS``): no address, no consent on the channel, opted out on it, the address
suppressed; and nothing reaches an erased contact. ``reachable`` (audiences, runs) is "none
of them"; the preview counts each contact under the first (audiences/segments/preview.py).
Both are built from ``blocking``, so they cannot drift apart.

Suppression has two spellings of one rule (a suppressions row for the channel with the
contact's address key): per contact, a correlated NOT EXISTS (an anti-join that needs no
memory budget, for a run's INSERT … SELECT), or as a set, an uncorrelated IN that both
databases build once per query (for the preview's counts). They agree on every contact: one
without a key is suppressed in neither.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, or_, select

from audiences.contacts.model import ExclusionReason
from campaign.kernel.channel import Channel
from campaign.store.tables import contacts, suppressions

BLOCKING_REASONS: tuple[ExclusionReason, ...] = (
    ExclusionReason.NO_ADDRESS,
    ExclusionReason.NO_CONSENT,
    ExclusionReason.OPTED_OUT,
    ExclusionReason.SUPPRESSED,
)


def blocking(
    channel: Channel, *, as_set: bool = False
) -> dict[ExclusionReason, ColumnElement[bool]]:
    """For each of ``BLOCKING_REASONS``, in that order, the condition that it applies.

    Each is true or false, never NULL, so its negation is exact. The one exception is the set
    spelling of suppression for a contact without a key: NULL where the per-contact spelling
    is false, the same to a CASE or a WHERE but not under NOT, so ``reachable`` negates the
    per-contact one.
    """
    if channel is Channel.SMS:
        address, consent = contacts.c.phone, contacts.c.consent_sms
        opted_out, key = contacts.c.opted_out_sms_at, contacts.c.phone_key
    else:
        address, consent = contacts.c.email, contacts.c.consent_email
        opted_out, key = contacts.c.opted_out_email_at, contacts.c.email_key
    on_channel = suppressions.c.channel == channel.value
    suppressed = (
        key.in_(select(suppressions.c.address_key).where(on_channel))
        if as_set
        else exists(select(suppressions.c.id).where(on_channel, suppressions.c.address_key == key))
    )
    applies = {
        ExclusionReason.NO_ADDRESS: or_(address.is_(None), address == ""),
        ExclusionReason.NO_CONSENT: consent.is_not(True),
        ExclusionReason.OPTED_OUT: opted_out.is_not(None),
        ExclusionReason.SUPPRESSED: suppressed,
    }
    return {reason: applies[reason] for reason in BLOCKING_REASONS}


def reachable(channel: Channel) -> ColumnElement[bool]:
    """Not erased, and none of the blocking reasons applies: an address, consent on the
    channel, no opt-out, not suppressed."""
    return and_(
        contacts.c.erased_at.is_(None), *(~applies for applies in blocking(channel).values())
    )
