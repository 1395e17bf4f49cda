"""Rendering, the template library, SMS segments and language choice."""

from __future__ import annotations

import pytest

from campaign.demo.content import MEASURES
from campaign.messages.language import SUPPORTED_LANGUAGES, choose_language, stop_sentence
from campaign.messages.library import VariantSource, load_library
from campaign.messages.render import SAMPLE_CONTEXT, Renderer, TemplateProblem
from campaign.messages.sms import downgrade_typography, non_gsm_characters, sms_info


def _render(body: str, channel: str = "sms", **context: object) -> str:
    renderer = Renderer()
    compiled = renderer.compile(
        VariantSource("en", channel, "S" if channel == "email" else None, body)
    )
    return renderer.render(compiled, {**SAMPLE_CONTEXT, **context}).text


def test_an_undefined_variable_is_named_with_its_line() -> None:
    with pytest.raises(TemplateProblem) as caught:
        _render("Hello\n{{ frist_name }}")
    assert caught.value.line == 2 and "frist_name" in caught.value.reason


def test_python_internals_are_out_of_reach() -> None:
    with pytest.raises(TemplateProblem) as caught:
        _render("{{ ''.__class__.__mro__[1].__subclasses__() }}")
    assert "not allowed" in caught.value.reason


def test_a_syntax_error_names_its_line() -> None:
    with pytest.raises(TemplateProblem) as caught:
        _render("ok\n{% if first_name %}unclosed")
    assert caught.value.line == 2


def test_email_html_is_escaped_and_declares_language_and_direction() -> None:
    renderer = Renderer()
    variant = VariantSource("ar", "email", "مرحبا", "Hello {{ first_name }}\n\n- one\n- two")
    rendered = renderer.render(
        renderer.compile(variant), {**SAMPLE_CONTEXT, "first_name": "<b>Sam</b>"}
    )
    assert rendered.html is not None
    assert '<html lang="ar" dir="rtl">' in rendered.html
    assert "&lt;b&gt;Sam&lt;/b&gt;" in rendered.html and "<b>Sam" not in rendered.html
    assert "<ul><li>one</li><li>two</li></ul>" in rendered.html
    assert rendered.text.startswith("Hello <b>Sam</b>")


def test_every_library_variant_renders_for_every_demo_measure() -> None:
    renderer = Renderer()
    library = {t.slug: t for t in load_library()}
    assert {"new-measure", "vaccination"} <= set(library)
    for template in library.values():
        languages = {(v.language, v.channel) for v in template.variants}
        assert {
            (lang, ch) for lang in ("nl", "fr", "de", "en") for ch in ("sms", "email")
        } <= languages
        for variant in template.variants:
            compiled = renderer.compile(variant)
            for measure in MEASURES:
                texts = measure["translations"][variant.language]
                context = {**SAMPLE_CONTEXT, "measure": SAMPLE_CONTEXT["measure"] | texts}
                text = renderer.render(compiled, context).text
                assert texts["title"] in text or template.slug in ("vaccination", "digest")
                assert "{{" not in text


@pytest.mark.parametrize(
    ("text", "encoding", "segments"),
    [
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("a" * 306, "GSM-7", 2),
        ("a" * 307, "GSM-7", 3),
        ("€" * 80, "GSM-7", 1),
        ("a" * 152 + "€", "GSM-7", 1),  # 154 septets still fit one segment
        ("a" * 152 + "€" + "a" * 152, "GSM-7", 3),  # 306 septets, but the pair is not split
        ("ж" * 70, "UCS-2", 1),
        ("ж" * 71, "UCS-2", 2),
        ("ж" * 134, "UCS-2", 2),
        ("ж" * 135, "UCS-2", 3),
        ("😀" * 35, "UCS-2", 1),
        ("ж" * 66 + "😀" + "ж" * 66, "UCS-2", 3),  # 134 units, but the pair is not split
        ("", "GSM-7", 0),
    ],
)
def test_segments_as_twilio_counts_them(text: str, encoding: str, segments: int) -> None:
    info = sms_info(text)
    assert (info.encoding, info.segments) == (encoding, segments)


def test_one_letter_turns_a_message_into_ucs2() -> None:
    assert sms_info("Dag Zoe").encoding == "GSM-7"
    assert sms_info("Dag Zoë").encoding == "UCS-2"
    assert non_gsm_characters("Dag Zoë, ça va?") == ["ë", "ç"]


def test_typography_downgrade_keeps_letters() -> None:
    assert downgrade_typography("“Zoë” – ok…") == '"Zoë" - ok...'


def test_language_falls_back_along_the_chain() -> None:
    assert choose_language("ar", {"nl", "fr", "en"}, ("fr", "nl")) == "fr"
    assert choose_language("nl", {"nl", "fr"}, ("fr",)) == "nl"
    assert choose_language("uk", {"de"}, ("fr",)) == "de"
    assert choose_language("uk", set(), ("fr",)) is None


def test_every_language_can_stop() -> None:
    for language in SUPPORTED_LANGUAGES:
        assert "STOP" in stop_sentence(language, sender_is_alphanumeric=False, stop_url="u")
        assert stop_sentence(
            language, sender_is_alphanumeric=True, stop_url="https://x/u/t"
        ).endswith("https://x/u/t")
