"""Property: a preview's counts are the documented rule, worked out in Python, on SQLite and
PostgreSQL, whatever the households and however many stale marks ``shared_addresses`` holds.

Hypothesis draws small sets of contacts over a few phones and emails (so households are
common), each with or without consent, opted out, erased; some addresses suppressed; and marks
on top of the true households (addresses once shared, as after an erasure). The reference is
the preview module's docstring: the first reason that applies, else a duplicate unless this is
the lowest id among the matching contacts the channel would reach at that address.

The same draws, with partners owning and linked to contacts, also check that the preview and
``reachable`` (the condition runs queue messages by) tell the same story: per channel, the
contacts ``reachable`` selects in a partner's view of the audience are the ones the preview
counts as reachable or as a household's duplicate.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import and_, delete, func, insert, select

from audiences.contacts.fields import load_registry
from audiences.contacts.households import rebuild_shared_addresses
from audiences.contacts.model import ExclusionReason
from audiences.contacts.privacy import visible_to
from audiences.segments import audience_condition
from audiences.segments.preview import REASON_ORDER, Preview, preview
from audiences.segments.reachability import reachable
from campaign.kernel.channel import Channel
from campaign.store.engine import Database
from campaign.store.tables import (
    contact_partners,
    contacts,
    partners,
    shared_addresses,
    suppressions,
)
from tests.factories import KEYS

NOW = datetime(2021, 3, 1, 9, 0, tzinfo=UTC)
PHONES = ("+32470000001", "+32470000002", "+32470000003")
EMAILS = ("a@example.org", "b@example.org")
ADDRESSES = {Channel.SMS: PHONES, Channel.EMAIL: EMAILS}
QUERIES = {"language IS SET": ("nl", "fr"), 'language = "fr"': ("fr",)}
COLUMNS = {Channel.SMS: "phone", Channel.EMAIL: "email"}
PARTNERS = (1, 2)

people = st.lists(
    st.fixed_dictionaries(
        {
            "language": st.sampled_from(("nl", "fr")),
            "phone": st.sampled_from((None, "", *PHONES)),
            "email": st.sampled_from((None, *EMAILS)),
            "consent_sms": st.booleans(),
            "consent_email": st.booleans(),
            "opted_out_sms": st.booleans(),
            "opted_out_email": st.booleans(),
            "erased": st.booleans(),
            "owner": st.sampled_from((None, *PARTNERS)),
            "linked": st.sets(st.sampled_from(PARTNERS)),
        }
    ),
    max_size=12,
)
marks = st.sets(st.sampled_from([(c, a) for c, pool in ADDRESSES.items() for a in pool]))


def _row(contact_id: int, person: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": contact_id,
        "language": person["language"],
        "time_zone": "Europe/Brussels",
        "attributes": {},
        "owner_partner_id": person["owner"],
        "created_at": NOW,
        "updated_at": NOW,
    }
    if person["erased"]:  # what erasure leaves: no address, no key, no consent
        return row | {"consent_sms": False, "consent_email": False, "erased_at": NOW}
    for channel, column in COLUMNS.items():
        address = person[column]
        row[column] = address
        row[f"{column}_key"] = KEYS.key(channel, address) if address else None
        row[f"consent_{channel}"] = person[f"consent_{channel}"]
        row[f"opted_out_{channel}_at"] = NOW if person[f"opted_out_{channel}"] else None
    return row


async def _store(
    database: Database,
    drawn: list[dict[str, Any]],
    suppressed: set[tuple[Channel, str]],
    stale: set[tuple[Channel, str]],
) -> None:
    """Replace every partner, contact, suppression and mark with the drawn ones."""
    async with database.transaction() as session:
        for table in (contact_partners, contacts, suppressions, shared_addresses, partners):
            await session.execute(delete(table))
        for partner_id in PARTNERS:
            await session.execute(
                insert(partners).values(
                    id=partner_id, slug=f"p{partner_id}", name=f"P{partner_id}", created_at=NOW
                )
            )
        for contact_id, person in enumerate(drawn, start=1):
            await session.execute(insert(contacts).values(_row(contact_id, person)))
            for partner_id in sorted(person["linked"]):
                await session.execute(
                    insert(contact_partners).values(contact_id=contact_id, partner_id=partner_id)
                )
        for channel, address in suppressed:
            key = KEYS.key(channel, address)
            await session.execute(
                insert(suppressions).values(
                    channel=channel, address_key=key, reason="test", created_at=NOW
                )
            )
        await rebuild_shared_addresses(session)
        marked = {tuple(row) for row in await session.execute(select(shared_addresses))}
        for channel, address in stale:
            if (channel.value, KEYS.key(channel, address)) not in marked:
                await session.execute(
                    insert(shared_addresses).values(
                        channel=channel, address_key=KEYS.key(channel, address)
                    )
                )


def _blocked(person: dict[str, Any], channel: Channel, suppressed: set[Any]) -> str | None:
    address = person[COLUMNS[channel]]
    if not address:
        return ExclusionReason.NO_ADDRESS.value
    if not person[f"consent_{channel}"]:
        return ExclusionReason.NO_CONSENT.value
    if person[f"opted_out_{channel}"]:
        return ExclusionReason.OPTED_OUT.value
    if (channel, address) in suppressed:
        return ExclusionReason.SUPPRESSED.value
    return None


def _expected(
    drawn: list[dict[str, Any]], languages: tuple[str, ...], suppressed: set[Any]
) -> dict[str, Any]:
    matched = [
        (i, p)
        for i, p in enumerate(drawn, start=1)
        if not p["erased"] and p["language"] in languages
    ]
    outcomes: dict[Channel, dict[int, str | None]] = {}
    for channel in Channel:
        blocked = {i: _blocked(p, channel, suppressed) for i, p in matched}
        first: dict[str, int] = {}
        for i, p in matched:
            if blocked[i] is None:
                first.setdefault(p[COLUMNS[channel]], i)
        outcomes[channel] = {
            i: blocked[i]
            or (
                ExclusionReason.DUPLICATE_ADDRESS.value if first[p[COLUMNS[channel]]] != i else None
            )
            for i, p in matched
        }
    by_language = Counter(
        p["language"]
        for i, p in matched
        if outcomes[Channel.SMS][i] is None or outcomes[Channel.EMAIL][i] is None
    )
    return {
        "matched": len(matched),
        "reachable": {c.value: sum(o is None for o in outcomes[c].values()) for c in Channel}
        | {"by_language": dict(sorted(by_language.items()))},
        "excluded": {
            c.value: {r.value: list(outcomes[c].values()).count(r.value) for r in REASON_ORDER}
            for c in Channel
        },
    }


# Each example writes contacts into a real database: few, slow examples on a shared fixture.
PROPERTY_SETTINGS = settings(
    max_examples=60,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
suppressed_addresses = st.sets(
    st.sampled_from([(c, a) for c, pool in ADDRESSES.items() for a in pool])
)


def _counts(result: Preview) -> dict[str, Any]:
    return {k: v for k, v in result.as_json().items() if k != "sample"}


@PROPERTY_SETTINGS
@given(
    drawn=people,
    suppressed=suppressed_addresses,
    stale=marks,
    query=st.sampled_from(sorted(QUERIES)),
)
async def test_preview_counts_follow_the_documented_rule(
    database: Database,
    drawn: list[dict[str, Any]],
    suppressed: set[tuple[Channel, str]],
    stale: set[tuple[Channel, str]],
    query: str,
) -> None:
    await _store(database, drawn, suppressed, stale)
    result = await preview(database, query, partner_id=None, sample_size=0)
    assert _counts(result) == _expected(drawn, QUERIES[query], suppressed)


async def _selected_by_reachable(
    database: Database, query: str, partner_id: int | None
) -> dict[Channel, int]:
    """How many contacts of the partner's view of the audience ``reachable`` selects."""
    async with database.read_session() as session:
        audience = and_(
            audience_condition(query, dict(await load_registry(session))), visible_to(partner_id)
        )
        counts: dict[Channel, int] = {}
        for channel in Channel:
            selected = (
                select(func.count()).select_from(contacts).where(audience, reachable(channel))
            )
            counts[channel] = (await session.execute(selected)).scalar_one()
        return counts


@PROPERTY_SETTINGS
@given(
    drawn=people,
    suppressed=suppressed_addresses,
    stale=marks,
    query=st.sampled_from(sorted(QUERIES)),
    partner_id=st.sampled_from((None, *PARTNERS)),
)
async def test_reachable_selects_whom_the_preview_counts_as_reached_or_duplicate(
    database: Database,
    drawn: list[dict[str, Any]],
    suppressed: set[tuple[Channel, str]],
    stale: set[tuple[Channel, str]],
    query: str,
    partner_id: int | None,
) -> None:
    await _store(database, drawn, suppressed, stale)
    result = await preview(database, query, partner_id=partner_id, sample_size=0)
    duplicates = {c: result.excluded[c][ExclusionReason.DUPLICATE_ADDRESS] for c in Channel}
    assert await _selected_by_reachable(database, query, partner_id) == {
        c: result.reachable[c] + duplicates[c] for c in Channel
    }
