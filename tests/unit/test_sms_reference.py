"""Our segment counts against Twilio's own calculator (npm ``sms-segments-calculator``).

The corpus: every demo SMS in every language, texts in other scripts, and synthetic texts at
each segment boundary with an escape character or a surrogate pair placed across it.
``make test`` installs the calculator (tests/reference); without it this test fails, it
never skips.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from campaign.demo.content import MEASURES
from campaign.messages.language import SUPPORTED_LANGUAGES, stop_sentence
from campaign.messages.library import load_library
from campaign.messages.render import SAMPLE_CONTEXT, Renderer
from campaign.messages.sms import sms_info

REFERENCE = Path(__file__).resolve().parent.parent / "reference"

REAL_TEXTS = [
    "Dag Zoë. Nieuw: hulp bij uw energiefactuur. Bel gratis 1700. Geen sms meer? Stuur STOP.",
    "مرحبا. هناك مساعدة جديدة لفواتير الماء والطاقة. اتصل بالرقم 1700 مجانا.",
    "Вітаємо, Олено! Нова допомога: гроші на воду та енергію. Телефонуйте 1700 безкоштовно.",
    "Merhaba Çağla. Yeni yardım: su ve enerji faturanız için ek para. Ücretsiz 1700'ü arayın.",
    "Hallo Jürgen. Neu: Hilfe bei Ihrer Energierechnung – rufen Sie 1700 an… „Danke“",
    "Bonjour Anaïs. Vous êtes en chômage temporaire ? Appelez le 1700 (gratuit) 😀",
    "Prices: 5 € [daily] {extra} ^ ~ | \\ and more",
]


def _boundaries() -> list[str]:
    texts = []
    for total in (69, 70, 71, 133, 134, 135, 200, 201, 202):
        for position in (0, 66, 67, 68, total - 1):
            body = ["ж"] * total
            if position < total:
                body[position] = "😀"
            texts.append("".join(body))
    for total in (159, 160, 161, 305, 306, 307, 459, 460):
        for position in (0, 151, 152, 153, 305, total - 1):
            body = ["a"] * total
            if position < total:
                body[position] = "€"
            texts.append("".join(body))
    return texts


def _demo_sms() -> list[str]:
    renderer, texts = Renderer(), []
    for template in load_library():
        for variant in (v for v in template.variants if v.channel == "sms"):
            compiled = renderer.compile(variant)
            for measure in MEASURES:
                for name in ("Sam", "Zoë", "Олена"):
                    stop = stop_sentence(
                        variant.language, sender_is_alphanumeric=False, stop_url=""
                    )
                    filled = SAMPLE_CONTEXT["measure"] | measure["translations"][variant.language]
                    context = dict(SAMPLE_CONTEXT) | {
                        "first_name": name,
                        "stop": stop,
                        "measure": filled,
                    }
                    texts.append(renderer.render(compiled, context).text)
    for language in SUPPORTED_LANGUAGES:
        texts.append(
            stop_sentence(language, sender_is_alphanumeric=True, stop_url="https://x.be/u/abc")
        )
    return texts


def _twilio(texts: list[str]) -> list[list[object]]:
    node = shutil.which("node")
    assert node, "node is needed for the reference calculator (make test installs it)"
    assert (REFERENCE / "node_modules" / "sms-segments-calculator").is_dir(), (
        "run `npm ci --prefix tests/reference` (make test does)"
    )
    result = subprocess.run(
        [node, str(REFERENCE / "segments.js")],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return list(json.loads(result.stdout))


def test_segments_match_twilios_calculator() -> None:
    corpus = REAL_TEXTS + _boundaries() + _demo_sms()
    ours = [[info.encoding, info.segments] for info in map(sms_info, corpus)]
    theirs = _twilio(corpus)
    mismatches = [(t, o, r) for t, o, r in zip(corpus, ours, theirs, strict=True) if o != r]
    assert len(corpus) > 250
    assert mismatches == []
