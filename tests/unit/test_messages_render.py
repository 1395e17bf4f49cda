"""Rendering in the sandbox, the HTML made from the text, and the template library on disk."""

from __future__ import annotations

from pathlib import Path

import pytest

from campaign.messages.library import LibraryError, VariantSource, load_library
from campaign.messages.render import SAMPLE_CONTEXT, Rendered, Renderer, TemplateProblem

LANGUAGES = ("nl", "fr", "de", "en")


def _render(
    body: str,
    channel: str = "sms",
    subject: str | None = None,
    language: str = "en",
    **values: object,
) -> Rendered:
    renderer = Renderer()
    if channel == "email" and subject is None:
        subject = "News"
    compiled = renderer.compile(VariantSource(language, channel, subject, body))
    return renderer.render(compiled, {**SAMPLE_CONTEXT, **values})


def test_values_are_filled_in_and_an_empty_first_name_is_left_out() -> None:
    body = "{% if first_name %}Hello {{ first_name }}. {% endif %}"
    body += "Call {{ measure.contact_point }}."
    assert _render(body, first_name="Zoë").text == "Hello Zoë. Call 1700."
    assert _render(body, first_name="").text == "Call 1700."


def test_trailing_spaces_and_extra_blank_lines_are_tidied() -> None:
    rendered = _render("Hello   \n\n\n\nCall 1700.  \n\n", channel="email")
    assert rendered.text == "Hello\n\nCall 1700."


def test_an_undefined_variable_is_named() -> None:
    with pytest.raises(TemplateProblem) as caught:
        _render("Hello {{ frist_name }}")
    assert "frist_name" in caught.value.reason
    assert "frist_name" in str(caught.value)


def test_an_undefined_field_of_the_measure_is_named() -> None:
    with pytest.raises(TemplateProblem) as caught:
        _render("Line one\nCall {{ measure.phone }}")
    assert "phone" in caught.value.reason
    assert caught.value.line == 2


@pytest.mark.parametrize(
    "attempt",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ first_name.__class__.__init__.__globals__ }}",
        "{{ measure.items.__self__.__class__ }}",
    ],
)
def test_python_internals_are_not_allowed(attempt: str) -> None:
    with pytest.raises(TemplateProblem) as caught:
        _render(attempt)
    assert "not allowed in a template" in caught.value.reason


def test_a_syntax_error_gives_its_line() -> None:
    with pytest.raises(TemplateProblem) as caught:
        Renderer().compile(VariantSource("en", "sms", None, "Hello\n\n{% if first_name %}open"))
    assert caught.value.line == 3
    assert caught.value.reason


def test_the_subject_is_a_template_too() -> None:
    rendered = _render("Body", channel="email", subject="New: {{ measure.title }}")
    assert rendered.subject == "New: Help with your energy bill"
    with pytest.raises(TemplateProblem) as caught:
        _render("Body", channel="email", subject="New: {{ title }}")
    assert caught.value.part == "subject" and "title" in caught.value.reason


def test_sms_has_no_subject_and_no_html() -> None:
    rendered = _render("Call 1700. {{ stop }}")
    assert rendered.subject is None and rendered.html is None


def test_a_compiled_variant_is_kept_per_key() -> None:
    renderer = Renderer()
    first = renderer.compile(VariantSource("nl", "sms", None, "Dag"), key=(1, "nl", "sms"))
    again = renderer.compile(VariantSource("nl", "sms", None, "Other"), key=(1, "nl", "sms"))
    other = renderer.compile(VariantSource("nl", "sms", None, "Other"), key=(2, "nl", "sms"))
    assert again is first
    assert renderer.render(other, SAMPLE_CONTEXT).text == "Other"


def test_html_declares_language_and_direction() -> None:
    arabic = _render("مرحبا", channel="email", language="ar").html
    dutch = _render("Dag", channel="email", language="nl").html
    assert arabic is not None and dutch is not None
    assert '<html lang="ar" dir="rtl">' in arabic
    assert '<html lang="nl" dir="ltr">' in dutch


def test_html_escapes_what_contacts_and_authors_put_in() -> None:
    html = _render(
        "Hello {{ first_name }} & co", channel="email", first_name='<script>alert("x")</script>'
    ).html
    assert html is not None
    assert "<script>" not in html
    assert "&lt;script&gt;" in html and "&amp; co" in html


def test_html_paragraphs_lists_and_links_come_from_the_text() -> None:
    body = "First paragraph.\n\n- one\n- two\n\nRead more: https://example.org/help."
    html = _render(body, channel="email").html
    assert html is not None
    assert "<p>First paragraph.</p>" in html
    assert "<ul><li>one</li><li>two</li></ul>" in html
    assert '<a href="https://example.org/help">https://example.org/help</a>.' in html


def test_html_is_readable_and_links_to_the_web_copy_and_unsubscribe() -> None:
    html = _render("Hello", channel="email").html
    assert html is not None
    assert "max-width" in html and "font:18px" in html
    assert f'href="{SAMPLE_CONTEXT["web_url"]}"' in html
    assert f'href="{SAMPLE_CONTEXT["unsubscribe_url"]}"' in html
    assert 'name="viewport"' in html


def test_the_library_has_both_messages_in_four_languages_on_both_channels() -> None:
    library = {template.slug: template for template in load_library()}
    for slug in ("new-measure", "vaccination"):
        template = library[slug]
        assert template.name and template.description
        pairs = {(v.language, v.channel) for v in template.variants}
        assert {(lang, ch) for lang in LANGUAGES for ch in ("sms", "email")} <= pairs
        for variant in template.variants:
            assert (variant.subject is not None) == (variant.channel == "email")


def test_every_library_variant_renders_with_the_sample_context() -> None:
    renderer = Renderer()
    for template in load_library():
        for variant in template.variants:
            rendered = renderer.render(renderer.compile(variant), SAMPLE_CONTEXT)
            assert rendered.text, (template.slug, variant.language, variant.channel)
            assert "{{" not in rendered.text and "{%" not in rendered.text
            if variant.channel == "sms":
                assert rendered.text.endswith(str(SAMPLE_CONTEXT["stop"]))
            else:
                assert rendered.subject and rendered.html
                assert str(SAMPLE_CONTEXT["web_url"]) in rendered.text


def _write_message(root: Path, files: dict[str, str]) -> None:
    folder = root / "example"
    folder.mkdir()
    (folder / "message.json").write_text('{"name": "Example", "description": "Test"}')
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")


def test_an_email_file_is_split_into_subject_and_body(tmp_path: Path) -> None:
    files = {"en.email.j2": "Subject: Hi {{ first_name }}\n\nBody\n", "en.sms.j2": "SMS\n"}
    _write_message(tmp_path, files)
    (template,) = load_library(tmp_path)
    email, sms = template.variants
    assert (email.channel, email.subject, email.body) == ("email", "Hi {{ first_name }}", "Body")
    assert (sms.channel, sms.subject, sms.body) == ("sms", None, "SMS")


@pytest.mark.parametrize(
    ("name", "text"),
    [("en.email.j2", "No subject line\n\nBody"), ("en.letter.j2", "Body")],
)
def test_a_malformed_file_is_named(tmp_path: Path, name: str, text: str) -> None:
    _write_message(tmp_path, {name: text})
    with pytest.raises(LibraryError, match=f"example/{name}"):
        load_library(tmp_path)


def test_a_file_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    _write_message(tmp_path, {})
    (tmp_path / "example" / "en.sms.j2").write_bytes(b"Dag Zo\xeb")  # Windows-1252
    with pytest.raises(LibraryError, match="example/en.sms.j2"):
        load_library(tmp_path)


def test_a_broken_message_json_is_named(tmp_path: Path) -> None:
    _write_message(tmp_path, {"en.sms.j2": "Hi"})
    (tmp_path / "example" / "message.json").write_text("{not json")
    with pytest.raises(LibraryError, match="example/message.json"):
        load_library(tmp_path)
