"""Segment previews against hand-computed counts, on SQLite and PostgreSQL.

The crafted set (every contact has consent on both channels unless said otherwise):

| id | lang | phone         | email                    | partner          |
|----|------|---------------|--------------------------|------------------|
| 1  | nl   | P1            | E1                       | owned by ngo     |
| 2  | fr   | none          | E2 (suppressed)          | owned by other   |
| 3  | fr   | P3, no consent, opted out | E3, no consent, opted out | —    |
| 4  | de   | P4 (suppressed) | E4 (suppressed), opted out | —             |
| 5  | en   | P1 (household of 1) | E5                   | linked to ngo    |
| 6  | nl   | P1, no consent | none                    | —                |
| 7  | nl   | P7, opted out | none                     | —                |
| 8  | fr   | P7 (household of 7, who is opted out) | E1 (household of 1) | — |
| 9  | nl   | erased                                                              |
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from audiences.segments.errors import UnknownField
from audiences.segments.preview import mask_phone, preview
from campaign.kernel.channel import Channel
from campaign.kernel.clock import ManualClock
from campaign.store.engine import Database
from tests.factories import contact, contact_partner_link, partner_row, suppression_row

P1, P3, P4, P7 = "+32470000001", "+32470000003", "+32470000004", "+32470000007"
E1, E2, E3, E4, E5 = (f"person{i}@example.org" for i in (1, 2, 3, 4, 5))
ADDRESSES = (P1, P3, P4, P7, E1, E2, E3, E4, E5)


@dataclass
class Crafted:
    database: Database
    ngo: int
    other: int


@pytest.fixture
async def crafted(database: Database, clock: ManualClock) -> Crafted:
    now = clock.now()
    ngo = await partner_row(database, clock, "ngo")
    other = await partner_row(database, clock, "other")
    add = contact
    await add(database, clock, first_name="Anna", phone=P1, email=E1, owner_partner_id=ngo)
    await add(database, clock, language="fr", email=E2, owner_partner_id=other)
    await add(
        database,
        clock,
        language="fr",
        phone=P3,
        email=E3,
        consent_sms=False,
        consent_email=False,
        opted_out_sms_at=now,
        opted_out_email_at=now,
    )
    await add(database, clock, language="de", phone=P4, email=E4, opted_out_email_at=now)
    five = await add(database, clock, language="en", phone=P1, email=E5, municipality="Gent")
    await add(database, clock, phone=P1, consent_sms=False)
    await add(database, clock, phone=P7, opted_out_sms_at=now)
    await add(database, clock, language="fr", phone=P7, email=E1)
    await add(database, clock, phone="+32470000009", erased_at=now)
    await contact_partner_link(database, five, ngo)
    await suppression_row(database, clock, "sms", P4)
    await suppression_row(database, clock, "email", E2)
    await suppression_row(database, clock, "email", E4)
    return Crafted(database, ngo, other)


async def test_every_reason_counted_once_per_channel(crafted: Crafted) -> None:
    result = (await preview(crafted.database, "language IS SET", partner_id=None)).as_json()
    assert result["matched"] == 8
    assert result["reachable"] == {
        "sms": 2,  # 1, and 8 (its household's lowest id, 7, is opted out)
        "email": 2,  # 1 and 5
        "by_language": {"en": 1, "fr": 1, "nl": 1},  # 5 by email, 8 by SMS, 1 by both
    }
    assert result["excluded"] == {
        "sms": {
            "no_address": 1,  # 2
            "no_consent": 2,  # 3 (also opted out: counted once), 6 (in 1's household)
            "opted_out": 1,  # 7
            "suppressed": 1,  # 4
            "duplicate_address": 1,  # 5 shares P1 with 1
        },
        "email": {
            "no_address": 2,  # 6, 7
            "no_consent": 1,  # 3
            "opted_out": 1,  # 4 (also suppressed: counted once)
            "suppressed": 1,  # 2
            "duplicate_address": 1,  # 8 shares E1 with 1
        },
    }
    for channel in Channel:
        excluded = sum(result["excluded"][channel.value].values())
        assert result["reachable"][channel.value] + excluded == result["matched"]


async def test_a_narrower_query_counts_only_its_matches(crafted: Crafted) -> None:
    result = (await preview(crafted.database, 'language = "FR"', partner_id=None)).as_json()
    assert result["matched"] == 3  # 2, 3, 8
    # Alone in the audience, 8 is the lowest reachable id for E1: no longer a duplicate.
    assert (result["reachable"]["sms"], result["reachable"]["email"]) == (1, 1)
    assert result["reachable"]["by_language"] == {"fr": 1}
    assert result["excluded"]["email"]["duplicate_address"] == 0
    assert result["excluded"]["email"]["suppressed"] == 1


async def test_a_partner_previews_only_its_own_contacts(crafted: Crafted) -> None:
    mine = (await preview(crafted.database, "language IS SET", partner_id=crafted.ngo)).as_json()
    assert mine["matched"] == 2  # 1 (owned) and 5 (linked)
    assert mine["reachable"]["sms"] == 1
    assert mine["excluded"]["sms"]["duplicate_address"] == 1
    assert [s["id"] for s in mine["sample"]] == [1, 5]
    theirs = await preview(crafted.database, "language IS SET", partner_id=crafted.other)
    assert theirs.matched == 1
    assert [s.id for s in theirs.sample] == [2]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('partner = "ngo"', 2),  # 1 owned, 5 linked
        ('partner = "NGO"', 2),
        ('partner IN ("ngo", "other")', 3),
        ('partner ~ "oth"', 1),
        ("partner IS SET", 3),
        ("partner IS NOT SET", 5),
        ('partner != "ngo"', 1),  # only 2: no partner at all is not "another partner"
        ('NOT partner = "ngo"', 1),
        ('partner = "nobody"', 0),
    ],
)
async def test_the_partner_field(crafted: Crafted, query: str, expected: int) -> None:
    assert (await preview(crafted.database, query, partner_id=None)).matched == expected


async def test_a_partner_cannot_reach_others_through_the_partner_field(crafted: Crafted) -> None:
    result = await preview(crafted.database, 'partner = "other"', partner_id=crafted.ngo)
    assert result.matched == 0


async def test_the_sample_is_masked(crafted: Crafted) -> None:
    result = await preview(crafted.database, "language IS SET", partner_id=None, sample_size=8)
    assert len(result.sample) == 8
    first = result.as_json()["sample"][0]
    assert first == {
        "id": 1,
        "first_name": "A***",
        "phone": "+32 4** ** ** 01",
        "email": "p***@example.org",
        "language": "nl",
        "municipality": None,
    }
    text = repr(result.as_json()["sample"])
    for address in ADDRESSES:
        assert address not in text
        assert address.split("@")[0] not in text
    assert not re.search(r"\d{4}", text.replace("+32", ""))


async def test_unknown_fields_are_errors(crafted: Crafted) -> None:
    with pytest.raises(UnknownField, match="did you mean 'partner'"):
        await preview(crafted.database, 'partnr = "ngo"', partner_id=None)


def test_phone_masks_keep_only_the_country_and_three_digits() -> None:
    assert mask_phone("+32470123456") == "+32 4** ** ** 56"
    assert mask_phone("+33612345678") == "+33 6** ** ** 78"
