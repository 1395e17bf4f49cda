"""Emails parse back into what a mail client shows: both parts, the language, one-click stop."""

from __future__ import annotations

from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

from campaign.messages.email import build_email
from campaign.messages.library import VariantSource
from campaign.messages.render import SAMPLE_CONTEXT, Renderer


def _parsed(**overrides: object) -> EmailMessage:
    renderer = Renderer()
    variant = VariantSource(
        "fr", "email", "Aide pour l'énergie", "Bonjour {{ first_name }},\n\nAppelez le 1700."
    )
    rendered = renderer.render(renderer.compile(variant), {**SAMPLE_CONTEXT, "first_name": "Zoë"})
    arguments: dict[str, object] = {
        "sender": "Info <info@example.org>",
        "to": "zoe@example.org",
        "subject": rendered.subject or "",
        "text": rendered.text,
        "html": rendered.html,
        "language": "fr",
        "headers": {
            "List-Unsubscribe": "<https://example.org/u/t>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        "message_id_domain": "example.org",
        "return_path": "bounce+42@bounces.example.org",
    } | overrides
    data = build_email(**arguments)  # type: ignore[arg-type]
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    parsed = message_from_bytes(data, policy=default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_text_and_html_alternatives_with_language_and_one_click_stop() -> None:
    message = _parsed()
    assert message.get_content_type() == "multipart/alternative"
    assert message["Subject"] == "Aide pour l'énergie"
    assert message["Content-Language"] == "fr"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Message-ID"].endswith("@example.org>")
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and "Bonjour Zoë" in text.get_content()
    assert html is not None and '<html lang="fr" dir="ltr">' in html.get_content()


def test_without_html_it_is_plain_text() -> None:
    message = _parsed(html=None)
    assert message.get_content_type() == "text/plain"
