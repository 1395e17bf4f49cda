"""The fast paths for plainly written addresses agree with phonenumbers and email-validator.

Wherever a fast path gives an answer, the library must give the same one; where the fast path
is unsure it answers None and the library decides. The generated inputs are built around real
numbering plans and around the corners of email syntax, so both answers are exercised.
"""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audiences.contacts.addresses import (
    AddressError,
    email_by_library,
    normalise_email,
    normalise_phone,
    phone_by_library,
    plain_email,
    plain_phone,
)

REGIONS = ("BE", "NL", "FR", "DE", "LU", "GB", "IT", "US")
_TYPES = (
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.TOLL_FREE,
)


def _library_phone(text: str, region: str) -> str | None:
    try:
        return phone_by_library(text, region)
    except AddressError:
        return None


def _library_email(text: str) -> str | None:
    try:
        return email_by_library(text)
    except AddressError:
        return None


@st.composite
def written_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """A region and a number as a person might type it: real plans, some digits changed."""
    region = draw(st.sampled_from(REGIONS))
    example = phonenumbers.example_number_for_type(region, draw(st.sampled_from(_TYPES)))
    national = str(example.national_number) if example else "471234567"
    digits = list(national)
    for _ in range(draw(st.integers(0, 3))):
        digits[draw(st.integers(0, len(digits) - 1))] = draw(st.sampled_from("0123456789"))
    digits += draw(st.lists(st.sampled_from("0123456789"), max_size=2))
    if draw(st.booleans()):
        digits = digits[: draw(st.integers(1, len(digits)))]
    code = str(phonenumbers.country_code_for_region(region))
    other = draw(st.sampled_from(("32", "31", "33", "49", "1", "44", "352")))
    prefix = draw(st.sampled_from(("0", "", f"+{code}", f"00{code}", f"+{code}0", f"+{other}")))
    separators = st.sampled_from(("", " ", ".", "-", "/", "(", ")", "  "))
    text = prefix + "".join(d + draw(separators) for d in digits)
    return region, text


@settings(max_examples=3000, deadline=None)
@given(written_numbers())
def test_the_phone_fast_path_answers_as_phonenumbers_does(case: tuple[str, str]) -> None:
    region, text = case
    fast = plain_phone(text, region)
    if fast is not None:
        assert fast == _library_phone(text, region)


@pytest.mark.parametrize(
    ("text", "region", "e164"),
    [
        ("0471 23 45 67", "BE", "+32471234567"),
        ("+32 471 23 45 67", "BE", "+32471234567"),
        ("0032/471.23.45.67", "BE", "+32471234567"),
        ("02 550 11 11", "BE", "+3225501111"),
        ("06 12345678", "NL", "+31612345678"),
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("0151 23456789", "DE", "+4915123456789"),
    ],
)
def test_plainly_written_numbers_take_the_fast_path(text: str, region: str, e164: str) -> None:
    assert plain_phone(text, region) == e164 == _library_phone(text, region)


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("+32 (0)471 23 45 67", "BE"),  # the library strips the bracketed 0
        ("0471 23 45 67 ext. 12", "BE"),
        ("+31 6 12345678", "BE"),  # another country than the default
        ("020 7946 0958", "GB"),  # GB's national prefix rules are not plain
        ("0471", "BE"),
    ],
)
def test_anything_else_goes_to_the_library(text: str, region: str) -> None:
    assert plain_phone(text, region) is None
    assert normalise_phone_or_none(text, region) == _library_phone(text, region)


def normalise_phone_or_none(text: str, region: str) -> str | None:
    try:
        return normalise_phone(text, region)
    except AddressError:
        return None


_ATOM = st.text("aZ09_+-.", min_size=0, max_size=8)
_LABEL = st.one_of(
    st.text("aZ09-", min_size=0, max_size=8),
    st.sampled_from(("xn--bcher-kva", "a" * 64, "example", "EXAMPLE", "-x", "x-")),
)
_TLD = st.sampled_from(
    (
        "org",
        "ORG",
        "be",
        "o",
        "123",
        "test",
        "local",
        "localhost",
        "invalid",
        "arpa",
        "onion",
        "example",
        "xn--p1ai",
        "a1",
        "",
    )
)


@st.composite
def written_emails(draw: st.DrawFn) -> str:
    local = draw(st.one_of(_ATOM, st.sampled_from(("a" * 65, "é", "a b", '"a"', "a..b", ".a"))))
    labels = draw(st.lists(_LABEL, max_size=3))
    text = f"{local}@{'.'.join([*labels, draw(_TLD)])}"
    if draw(st.integers(0, 9)) == 0:
        text = text.replace("@", draw(st.sampled_from(("", "@@", "@ "))))
    if draw(st.integers(0, 9)) == 0:
        text = f"{'x' * 200}{text}"
    return text


@settings(max_examples=3000, deadline=None)
@given(written_emails())
def test_the_email_fast_path_answers_as_email_validator_does(text: str) -> None:
    fast = plain_email(text)
    if fast is not None:
        assert fast == _library_email(text)


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("anna.peeters@example.org", "anna.peeters@example.org"),
        ("Anna+news@Example.BE", "Anna+news@example.be"),
        ("a_b-c@sub.domain.example", "a_b-c@sub.domain.example"),
    ],
)
def test_plain_addresses_take_the_fast_path(text: str, normalised: str) -> None:
    assert plain_email(text) == normalised == _library_email(text)


@pytest.mark.parametrize(
    "text",
    ["anna@bücher.example", "anna@xn--bcher-kva.example", "anna@x.test", "a..b@x.org", "a@x"],
)
def test_unusual_addresses_go_to_the_library(text: str) -> None:
    assert plain_email(text) is None
    try:
        answer: str | None = normalise_email(text)
    except AddressError:
        answer = None
    assert answer == _library_email(text)
