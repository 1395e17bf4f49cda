"""Who a channel can reach: a condition over ``contacts``, for audiences and previews."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, select, true

from campaign.kernel.channel import Channel
from campaign.store.tables import contacts, suppressions


def reachable(channel: Channel) -> ColumnElement[bool]:
    """An address, consent on the channel, no opt-out, not suppressed, not erased."""
    if channel is Channel.SMS:
        address, consent = contacts.c.phone, contacts.c.consent_sms
        opted_out, key = contacts.c.opted_out_sms_at, contacts.c.phone_key
    else:
        address, consent = contacts.c.email, contacts.c.consent_email
        opted_out, key = contacts.c.opted_out_email_at, contacts.c.email_key
    suppressed = exists(
        select(suppressions.c.id).where(
            suppressions.c.channel == channel.value, suppressions.c.address_key == key
        )
    )
    return and_(
        address.is_not(None),
        address != "",
        consent == true(),
        opted_out.is_(None),
        contacts.c.erased_at.is_(None),
        ~suppressed,
    )
