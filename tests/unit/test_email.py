"""Emails parse back into what a mail client shows: both parts, the language, one-click stop."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

from hypothesis import given
from hypothesis import strategies as st

from campaign.channels.smtp.mail import MailWriter
from campaign.messages.library import VariantSource
from campaign.messages.render import SAMPLE_CONTEXT, Renderer

WRITER = MailWriter("Gemeente Gent <info@gent.example.org>")


def _parsed(writer: MailWriter = WRITER, **overrides: object) -> EmailMessage:
    renderer = Renderer()
    variant = VariantSource(
        "fr", "email", "Aide pour l'énergie", "Bonjour {{ first_name }},\n\nAppelez le 1700."
    )
    rendered = renderer.render(renderer.compile(variant), {**SAMPLE_CONTEXT, "first_name": "Zoë"})
    arguments: dict[str, object] = {
        "to": "zoe@example.org",
        "subject": rendered.subject or "",
        "text": rendered.text,
        "html": rendered.html,
        "language": "fr",
        "headers": {
            "List-Unsubscribe": "<https://example.org/u/t>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        "message_id": "<42.0a0b0c0d.0123456789abcdef@example.org>",
        "date": datetime(2026, 12, 2, 9, 30, tzinfo=UTC),
    } | overrides
    data = writer.write(**arguments)  # type: ignore[arg-type]
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    assert max(len(line) for line in data.split(b"\r\n")) <= 998
    parsed = message_from_bytes(data, policy=default)
    assert isinstance(parsed, EmailMessage)
    assert not parsed.defects
    return parsed


def test_text_and_html_alternatives_with_language_and_one_click_stop() -> None:
    message = _parsed()
    assert message.get_content_type() == "multipart/alternative"
    assert message["Subject"] == "Aide pour l'énergie"
    assert message["Content-Language"] == "fr"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Message-ID"] == "<42.0a0b0c0d.0123456789abcdef@example.org>"
    assert message["Date"].datetime == datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
    assert message["From"] == "Gemeente Gent <info@gent.example.org>"
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and "Bonjour Zoë" in text.get_content()
    assert html is not None and '<html lang="fr" dir="ltr">' in html.get_content()


def test_without_html_it_is_plain_text() -> None:
    message = _parsed(html=None)
    assert message.get_content_type() == "text/plain"
    assert "Bonjour Zoë" in message.get_content()


def test_a_sender_name_beyond_ascii_is_encoded() -> None:
    message = _parsed(MailWriter('"Ville de Liège, CPAS" <cpas@liege.example.org>'))
    assert message["From"].addresses[0].display_name == "Ville de Liège, CPAS"
    assert message["From"].addresses[0].addr_spec == "cpas@liege.example.org"


@given(
    subject=st.text(min_size=1, max_size=300).filter(lambda s: s.strip()),
    text=st.text(max_size=2000),
)
def test_any_subject_and_text_come_back_as_written(subject: str, text: str) -> None:
    """Quoted-printable and RFC 2047 words carry any text, lines of dots and spaces included;
    line breaks in a subject become spaces, never headers of their own."""
    message = _parsed(subject=subject, text=text, html=None)
    body = message.get_content().replace("\r\n", "\n")
    expected = text.replace("\r\n", "\n").replace("\r", "\n")
    assert body == expected or body == expected + "\n"
    assert set(message.keys()) >= {"Subject", "From", "To"}
    assert " ".join(message["Subject"].split()) == " ".join(" ".join(subject.splitlines()).split())
