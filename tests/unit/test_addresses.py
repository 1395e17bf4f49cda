"""Phone numbers and email addresses as people write them, and their keyed hashes."""

from __future__ import annotations

import pytest

from audiences.contacts.addresses import AddressError, AddressKeys, normalise_email, normalise_phone


@pytest.mark.parametrize(
    "raw",
    ["0470 12 34 56", "+32 470 12 34 56", "0032470123456", "0470/12.34.56", " +32470123456 "],
)
def test_belgian_mobiles_written_many_ways_become_one_e164_number(raw: str) -> None:
    assert normalise_phone(raw, "BE") == "+32470123456"


def test_a_number_with_its_own_country_prefix_keeps_it() -> None:
    assert normalise_phone("+31 6 12345678", "BE") == "+31612345678"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("hello", "not a phone number"),
        ("0470 12 34", "not a valid number for BE"),
        ("+31 6 1234", "not a valid number for NL"),
    ],
)
def test_a_bad_number_says_why_in_plain_words(raw: str, reason: str) -> None:
    with pytest.raises(AddressError) as caught:
        normalise_phone(raw, "BE")
    assert str(caught.value) == reason
    assert isinstance(caught.value, ValueError)


def test_email_domain_is_lower_cased_and_the_local_part_kept() -> None:
    assert normalise_email(" Marie.Dupont@Example.ORG ") == "Marie.Dupont@example.org"


@pytest.mark.parametrize("raw", ["marie", "marie@", "marie@@example.org", "a b@example.org"])
def test_a_bad_email_address_is_refused(raw: str) -> None:
    with pytest.raises(AddressError, match="not an email address"):
        normalise_email(raw)


def test_email_syntax_only_never_the_network() -> None:
    assert normalise_email("someone@no-such-domain-x7q.be") == "someone@no-such-domain-x7q.be"


def test_address_keys_are_keyed_hashes_per_channel() -> None:
    keys = AddressKeys(b"secret")
    key = keys.key("sms", "+32470123456")
    assert key == keys.key("sms", "+32470123456")
    assert len(key) == 64 and "+32470123456" not in key
    assert key != keys.key("email", "+32470123456")
    assert key != AddressKeys(b"other secret").key("sms", "+32470123456")


def test_an_empty_secret_is_refused() -> None:
    with pytest.raises(ValueError):
        AddressKeys(b"")
