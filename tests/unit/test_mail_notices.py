"""Reading what comes back to the bounce address: the samples in ``tests/samples/mail``, each
written as the named server writes it, and damaged mail, which must never raise."""

from __future__ import annotations

import logging
import random
from pathlib import Path

import pytest

from campaign.channels.smtp.notices import MAX_BYTES, Notice, NoticeKind, read_notices

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "mail"
VERP = "bounce+m4711-0123456789abcdef@bounces.gent.example.org"
OUR_ID = "<4711.0123456789ab@gent.example.org>"
JAN = "jan.peeters@example.be"
POSTFIX_550 = (
    "550 5.1.1 <jan.peeters@example.be>: Recipient address rejected: User unknown in virtual"
    " mailbox table"
)
EXIM_550 = (
    "host mx.oud.example.net [203.0.113.7]: 550 5.1.1 <jan.peeters@oud.example.net>:"
    " Recipient address rejected: User unknown in local recipient table"
)

HARD, SOFT, DELAYED = NoticeKind.HARD_BOUNCE, NoticeKind.SOFT_BOUNCE, NoticeKind.DELAYED
COMPLAINT, AUTO_REPLY = NoticeKind.COMPLAINT, NoticeKind.AUTO_REPLY
DELIVERED, UNREADABLE = NoticeKind.DELIVERED, NoticeKind.UNREADABLE

# sample: ([(kind, recipient, status) per notice], VERP address found, our Message-ID found)
# Most bounces carry "Auto-Submitted: auto-replied" as well: they still read as bounces.
EXPECTED: dict[str, tuple[list[tuple[NoticeKind, str | None, str | None]], bool, bool]] = {
    "postfix-user-unknown.eml": ([(HARD, JAN, "5.1.1")], True, True),
    # Original-Recipient wins over the alias Final-Recipient; action failed with 4.2.2 is soft.
    "postfix-two-recipients.eml": ([(HARD, JAN, "5.1.1"), (SOFT, JAN, "4.2.2")], True, True),
    "postfix-delayed.eml": ([(DELAYED, JAN, "4.4.1")], True, True),
    "postfix-delivered.eml": ([(DELIVERED, JAN, "2.0.0")], True, True),
    # Status 5.0.0, diagnostic 552 5.2.2: the specific code, and a full mailbox is soft.
    "exim-dsn-mailbox-full.eml": ([(SOFT, JAN, "5.2.2")], True, True),
    "exim-plain-user-unknown.eml": ([(HARD, "jan.peeters@oud.example.net", "5.1.1")], True, True),
    "exim-plain-delayed.eml": ([(DELAYED, JAN, "4.3.0")], True, True),
    "qmail-plain.eml": ([(HARD, "jan.peeters@example.net", "5.1.1")], True, True),
    "plain-mailbox-full-4xx.eml": ([(SOFT, "jan.peeters@example.net", "452")], True, False),
    "microsoft365-recipient-not-found.eml": ([(HARD, JAN, "5.1.10")], True, True),
    "gmail-user-unknown.eml": ([(HARD, JAN, "5.1.1")], True, True),
    "gmail-over-quota-delayed.eml": ([(DELAYED, JAN, "4.2.2")], True, True),
    "gmail-over-quota-failed.eml": ([(SOFT, JAN, "4.2.2")], True, True),
    "sendmail-rewritten-return-path.eml": ([(HARD, JAN, "5.1.1")], False, True),
    "mistyped-status-part.eml": ([(HARD, JAN, "5.1.1")], True, True),
    "dsn-latin1-undecodable.eml": ([(HARD, "jean.dupont@example.fr", "5.1.1")], True, True),
    # JMRP redacts the recipient: no address rather than a made-up one.
    "microsoft-jmrp-complaint.eml": ([(COMPLAINT, None, None)], True, True),
    "yahoo-arf-abuse.eml": ([(COMPLAINT, "jan.peeters@yahoo.example", None)], True, True),
    "out-of-office-nl-subject.eml": ([(AUTO_REPLY, JAN, None)], True, True),
    "out-of-office-fr-auto-submitted.eml": (
        [(AUTO_REPLY, "marie.dubois@example.fr", None)],
        True,
        True,
    ),
    "human-reply.eml": ([(UNREADABLE, None, None)], True, True),
    "garbage.eml": ([(UNREADABLE, None, None)], False, False),
    "empty.eml": ([(UNREADABLE, None, None)], False, False),
}


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def only(data: bytes) -> Notice:
    notices = read_notices(data)
    assert len(notices) == 1, notices
    return notices[0]


def test_every_sample_has_its_expectation() -> None:
    assert sorted(p.name for p in SAMPLES.glob("*.eml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_sample_reads_as_its_server_meant_it(name: str) -> None:
    expected, verp_found, id_found = EXPECTED[name]
    notices = read_notices(sample(name))
    assert [(n.kind, n.recipient, n.status) for n in notices] == expected
    for notice in notices:
        assert (VERP in notice.addresses) is verp_found, notice.addresses
        assert (OUR_ID in notice.message_ids) is id_found, notice.message_ids


def test_a_report_names_our_verp_address_first_and_never_the_reports_own_id() -> None:
    notice = only(sample("microsoft-jmrp-complaint.eml"))
    # The original's Return-Path (Hotmail writes it without brackets), then where it came in.
    assert notice.addresses == (VERP, "jmrp@bounces.gent.example.org")
    assert notice.message_ids == (OUR_ID,)


def test_a_rewritten_return_path_leaves_only_the_message_id_to_go_by() -> None:
    notice = only(sample("sendmail-rewritten-return-path.eml"))
    assert notice.addresses == ("noreply@gent.example.org",)
    assert notice.message_ids == (OUR_ID,)


@pytest.mark.parametrize(
    ("name", "diagnostic"),
    [
        ("postfix-user-unknown.eml", POSTFIX_550),
        (
            "microsoft365-recipient-not-found.eml",
            "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient jan.peeters@example.be not"
            " found by SMTP address lookup",
        ),
        ("postfix-delayed.eml", "connect to mx1.example.be[192.0.2.10]:25: Connection timed out"),
        (
            "plain-mailbox-full-4xx.eml",
            "452 Mailbox full: user jan.peeters is over quota, try again later",
        ),
        ("exim-plain-user-unknown.eml", EXIM_550),
        ("yahoo-arf-abuse.eml", "abuse"),
        ("microsoft-jmrp-complaint.eml", "abuse"),
    ],
)
def test_the_diagnostic_is_the_servers_words_on_one_line(name: str, diagnostic: str) -> None:
    assert only(sample(name)).diagnostic == diagnostic


def test_gmails_continuation_lines_are_collapsed() -> None:
    said = only(sample("gmail-user-unknown.eml")).diagnostic
    assert said is not None
    assert said.startswith(
        "550-5.1.1 The email account that you tried to reach does not exist. Please try"
        " 550-5.1.1 double-checking the recipient's email address"
    )
    assert "\n" not in said and "  " not in said


def test_undecodable_bytes_come_out_as_text_that_can_be_stored() -> None:
    said = only(sample("dsn-latin1-undecodable.eml")).diagnostic
    assert said is not None and "destinataire inconnu (adresse érronée)" in said
    said.encode("utf-8")


def test_a_long_diagnostic_is_cut_at_500_characters() -> None:
    data = sample("postfix-user-unknown.eml").replace(
        b"virtual mailbox table\n\n--", b"virtual mailbox table" + b" blah" * 200 + b"\n\n--"
    )
    said = only(data).diagnostic
    assert said is not None and len(said) == 500


def test_without_status_the_code_in_the_diagnostic_counts() -> None:
    data = sample("postfix-user-unknown.eml").replace(b"Status: 5.1.1\n", b"")
    assert only(data).status == "5.1.1"
    data = data.replace(b"smtp; 550 5.1.1 <jan", b"smtp; 550 <jan")
    assert (only(data).kind, only(data).status) == (HARD, "550")


def test_a_plain_bounce_for_two_addresses_gives_a_notice_for_each() -> None:
    data = (
        sample("exim-plain-user-unknown.eml")
        .replace(
            b"X-Failed-Recipients: jan.peeters@oud.example.net",
            b"X-Failed-Recipients: jan.peeters@oud.example.net,\n an.janssens@example.org",
        )
        .replace(
            b"\n------ This is a copy",
            b"\n  an.janssens@example.org\n    host mx.example.org [192.0.2.40]\n"
            b"    SMTP error from remote mail server after RCPT TO:<an.janssens@example.org>:\n"
            b"    452 4.2.2 Mailbox full\n\n------ This is a copy",
        )
    )
    assert [(n.kind, n.recipient, n.status, n.diagnostic) for n in read_notices(data)] == [
        (HARD, "jan.peeters@oud.example.net", "5.1.1", EXIM_550),
        (SOFT, "an.janssens@example.org", "4.2.2", "452 4.2.2 Mailbox full"),
    ]


def test_a_dsn_whose_status_part_says_nothing_is_read_from_its_prose() -> None:
    notice = only(sample("postfix-user-unknown.eml").replace(b"Action: failed", b"Action: ?"))
    assert (notice.kind, notice.recipient, notice.status) == (HARD, JAN, "5.1.1")


def test_the_report_part_counts_even_after_the_copy_of_our_message() -> None:
    boundary = b"--4XyZ1k2LmNz9sPq.1741079703/mail.gent.example.org"
    preamble, prose, status, headers, end = sample("postfix-user-unknown.eml").split(boundary)
    notice = only(boundary.join([preamble, prose, headers, status, end]))
    # The diagnostic of the delivery-status part, not a line of the prose around it.
    assert (notice.kind, notice.diagnostic, notice.message_ids) == (HARD, POSTFIX_550, (OUR_ID,))


@pytest.mark.parametrize(
    ("feedback_type", "kind"), [("fraud", COMPLAINT), ("not-spam", UNREADABLE)]
)
def test_only_a_report_against_us_is_a_complaint(feedback_type: str, kind: NoticeKind) -> None:
    data = sample("yahoo-arf-abuse.eml").replace(
        b"Feedback-Type: abuse", b"Feedback-Type: " + feedback_type.encode()
    )
    notice = only(data)
    assert (notice.kind, notice.diagnostic) == (kind, feedback_type)


def reply(headers: str) -> bytes:
    return (
        f"From: Jan Peeters <jan.peeters@example.be>\nTo: {VERP}\n{headers}\n"
        f"In-Reply-To: {OUR_ID}\nContent-Type: text/plain\n\nIk ben er niet.\n"
    ).encode()


@pytest.mark.parametrize(
    "headers",
    [
        "Subject: Uw afspraak\nAuto-Submitted: auto-generated",
        "Subject: Uw afspraak\nX-Autoreply: yes",
        "Subject: Uw afspraak\nX-Autorespond: Uw afspraak",
        "Subject: Uw afspraak\nPrecedence: auto_reply",
        "Subject: Out of Office: Uw afspraak",
        "Subject: Automatic reply: Uw afspraak",
        "Subject: Autoreply: Uw afspraak",
        "Subject: Afwezig",
        "Subject: Automatisch antwoord: Uw afspraak",
        "Subject: Absent(e) du bureau",
        "Subject: =?utf-8?q?R=C3=A9ponse_automatique_=3A_Uw_afspraak?=",
        "Subject: Abwesenheitsnotiz: Uw afspraak",
        "Subject: Automatische Antwort: Uw afspraak",
    ],
)
def test_an_auto_reply_is_no_bounce(headers: str) -> None:
    notice = only(reply(headers))
    assert (notice.kind, notice.recipient, notice.message_ids) == (AUTO_REPLY, JAN, (OUR_ID,))


@pytest.mark.parametrize(
    "headers",
    [
        "Subject: Re: Uw afspraak\nX-Auto-Response-Suppress: All",
        "Subject: Re: Uw afspraak\nAuto-Submitted: no",
        "Subject: Re: Out of office tomorrow?",
    ],
)
def test_a_person_writing_back_is_unreadable_with_what_we_found(headers: str) -> None:
    notice = only(reply(headers))
    assert notice == Notice(UNREADABLE, None, None, None, (OUR_ID,), (VERP,))


# Damaged input: whatever comes in, a list of notices comes out, and no exception was needed.


@pytest.fixture
def problems(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """What ``read_notices`` had to catch (in ``.records``): none, for input that the email
    package can take, so that a fault of ours does not hide behind its catch-all."""
    caplog.set_level(logging.WARNING, logger="campaign.channels.smtp.notices")
    return caplog


def assert_well_formed(notices: list[Notice]) -> None:
    assert notices and all(isinstance(n.kind, NoticeKind) for n in notices)
    for notice in notices:
        text = [notice.recipient, notice.status, notice.diagnostic, *notice.message_ids]
        # Raises on a lone surrogate (an undecoded byte): text that could not be stored.
        "".join(t for t in [*text, *notice.addresses] if t).encode("utf-8")
        assert notice.diagnostic is None or len(notice.diagnostic) <= 500


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_sample_cut_anywhere_is_still_read(
    name: str, problems: pytest.LogCaptureFixture
) -> None:
    data = sample(name)
    for cut in sorted({len(data) * i // 20 for i in range(20)}):
        assert_well_formed(read_notices(data[:cut]))
    assert problems.records == []


def test_samples_with_bytes_changed_at_random_are_still_read(
    problems: pytest.LogCaptureFixture,
) -> None:
    chance = random.Random(4711)
    for name in sorted(EXPECTED):
        data = bytearray(sample(name))
        for _ in range(10):
            damaged = bytearray(data)
            for _ in range(1 + len(damaged) // 50):
                if damaged:
                    damaged[chance.randrange(len(damaged))] = chance.randrange(256)
            assert_well_formed(read_notices(bytes(damaged)))
    assert problems.records == []


def test_random_bytes_are_unreadable(problems: pytest.LogCaptureFixture) -> None:
    chance = random.Random(2025)
    for size in (0, 1, 2, 10, 100, 1000, 10_000):
        for _ in range(5):
            notices = read_notices(chance.randbytes(size))
            assert_well_formed(notices)
            assert [n.kind for n in notices] == [UNREADABLE]
    assert problems.records == []


def test_a_huge_bounce_is_read_from_its_first_mebibyte() -> None:
    data = sample("postfix-two-recipients.eml").replace(
        b"--===============4711==--", b"x" * 100 + b"\n" * 30_000 + b"y" * 3 * MAX_BYTES
    )
    notices = read_notices(data)
    assert [(n.kind, n.status) for n in notices] == [(HARD, "5.1.1"), (SOFT, "4.2.2")]
    assert notices[0].message_ids == (OUR_ID,)


def test_what_comes_after_the_first_mebibyte_is_not_read() -> None:
    words = b"\nThis message was created automatically by mail delivery software.\n550 5.1.1 x\n"
    assert only(reply("Subject: Uw afspraak") + words).kind is HARD
    filler = (b"x" * 99 + b"\n") * (MAX_BYTES // 100 + 1)
    assert only(reply("Subject: Uw afspraak") + filler + words).kind is UNREADABLE
    assert_well_formed(read_notices(b"\x00\xff" * MAX_BYTES))


def test_nesting_beyond_the_parsers_reach_is_unreadable_not_an_error(
    problems: pytest.LogCaptureFixture,
) -> None:
    levels = "".join(
        f'Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n' for i in range(3000)
    )
    notice = only(f"From: x@example.be\n{levels}\nhallo\n".encode())
    assert notice == Notice(UNREADABLE, None, None, None, (), ())
    assert len(problems.records) == 1
