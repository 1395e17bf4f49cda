"""Every library template, filled in with every demo measure in every language it has, passes
the checks that hold approval, with a number as sender and with a name as sender."""

from __future__ import annotations

import pytest

from campaign.demo.content import MEASURES
from campaign.messages.checks import blocking_messages, check_message
from campaign.messages.language import stop_sentence
from campaign.messages.library import load_library
from campaign.messages.render import SAMPLE_CONTEXT, Renderer

STOP_URL = "https://campaign.example.org/s/" + "t" * 25  # as long as a real short link


def _cases() -> list[tuple[str, str, str, str]]:
    cases = []
    for template in load_library():
        for variant in template.variants:
            for measure in MEASURES:
                if (template.slug == "vaccination") == (measure["slug"] == "vaccination"):
                    cases.append(
                        (template.slug, variant.language, variant.channel, measure["slug"])
                    )
    return cases


def test_the_library_covers_seven_languages() -> None:
    languages = {language for _, language, _, _ in _cases()}
    assert languages == {"nl", "fr", "de", "en", "ar", "tr", "uk"}


@pytest.mark.parametrize("alphanumeric", [False, True])
def test_no_demo_message_fails_a_blocking_check(alphanumeric: bool) -> None:
    renderer = Renderer()
    library = {t.slug: t for t in load_library()}
    measures = {m["slug"]: m for m in MEASURES}
    failures = []
    for slug, language, channel, measure_slug in _cases():
        variant = next(
            v for v in library[slug].variants if (v.language, v.channel) == (language, channel)
        )
        measure = measures[measure_slug]
        texts = measure["translations"][language] | {"contact_point": measure["contact_point"]}
        stop = stop_sentence(language, sender_is_alphanumeric=alphanumeric, stop_url=STOP_URL)
        context = dict(SAMPLE_CONTEXT) | {"first_name": "Mohammed", "stop": stop, "measure": texts}
        text = renderer.render(renderer.compile(variant), context).text
        blocking = blocking_messages(check_message(channel, language, text))
        if blocking:
            failures.append((slug, language, channel, measure_slug, blocking))
    assert failures == []
