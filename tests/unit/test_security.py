from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from campaign.kernel.security import (
    API_KEY_PREFIX,
    InvalidToken,
    Signer,
    api_key_digest,
    hash_password,
    new_api_key,
    verify_password,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_a_token_round_trips_until_it_expires() -> None:
    signer = Signer(b"k" * 32)
    token = signer.sign("unsub", 42, NOW + timedelta(days=1))
    assert signer.verify(token, "unsub", NOW) == 42
    with pytest.raises(InvalidToken, match="expired"):
        signer.verify(token, "unsub", NOW + timedelta(days=2))


def test_a_forged_or_misused_token_is_refused() -> None:
    signer = Signer(b"k" * 32)
    token = signer.sign("unsub", 42, NOW + timedelta(days=1))
    body, mac = token.split(".")
    with pytest.raises(InvalidToken):
        signer.verify(f"{body}.{mac[:-2]}xx", "unsub", NOW)
    with pytest.raises(InvalidToken, match="not valid here"):
        signer.verify(token, "web", NOW)
    with pytest.raises(InvalidToken):
        Signer(b"other" * 8).verify(token, "unsub", NOW)


def test_api_keys_are_recognisable_and_stored_only_as_digests() -> None:
    key = new_api_key()
    assert key.secret.startswith(API_KEY_PREFIX)
    assert key.secret.startswith(key.prefix)
    assert key.digest == api_key_digest(key.secret)
    assert key.secret not in key.digest


def test_passwords_verify_only_with_the_right_password() -> None:
    stored = hash_password("correct horse battery")
    assert verify_password("correct horse battery", stored)
    assert not verify_password("wrong horse battery", stored)
    assert not verify_password("x", "garbage")


@pytest.mark.parametrize(
    "token",
    ["é.é", "ééé", "abc.défg", "\udcff.\udcfe", "１.２"],  # as a link or a header may carry them
)
def test_a_token_with_characters_no_token_has_is_invalid_not_an_error(token: str) -> None:
    signer = Signer(b"k" * 32)
    with pytest.raises(InvalidToken):
        signer.verify(token, "unsub", NOW)
    with pytest.raises(InvalidToken):
        signer.verify_short(f"{token}.x", "stop", NOW)
    with pytest.raises(InvalidToken):
        signer.verify_id(f"1-{token}", "bounce")
