"""Sample values in each language, for previews of a template without real recipients.

Filling a French variant with English sample texts makes the French checks flag English words
and shows the author something nobody will get, so every supported language has its own
person, place and measure. A real measure given to a preview replaces the sample measure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from campaign.messages.language import SUPPORTED_LANGUAGES, stop_sentence
from campaign.messages.render import SAMPLE_CONTEXT

# The fields of a measure a template reads as ``measure.…`` (the render context's contract).
MEASURE_FIELDS = ("title", "summary", "how_to", "amount", "contact_point", "link")

_PEOPLE: Mapping[str, tuple[str, str]] = {
    "nl": ("Sanne", "Gent"),
    "fr": ("Camille", "Liège"),
    "de": ("Lena", "Eupen"),
    "en": ("Sam", "Brussels"),
    "ar": ("سارة", "أنتويرب"),
    "tr": ("Elif", "Genk"),
    "uk": ("Олена", "Брюссель"),
}

_MEASURES: Mapping[str, Mapping[str, str]] = {
    "nl": {
        "title": "Hulp bij uw energiefactuur",
        "summary": "U krijgt extra geld voor gas en elektriciteit.",
        "how_to": "Bel ons. Wij vullen het formulier samen met u in.",
    },
    "fr": {
        "title": "Aide pour votre facture d'énergie",
        "summary": "Vous recevez de l'argent en plus pour le gaz et l'électricité.",
        "how_to": "Appelez-nous. Nous remplissons le formulaire avec vous.",
    },
    "de": {
        "title": "Hilfe bei Ihrer Energierechnung",
        "summary": "Sie bekommen mehr Geld für Gas und Strom.",
        "how_to": "Rufen Sie uns an. Wir füllen das Formular mit Ihnen aus.",
    },
    "en": {
        "title": "Help with your energy bill",
        "summary": "You get extra money for gas and electricity.",
        "how_to": "Call us. We fill in the form with you.",
    },
    "ar": {
        "title": "مساعدة في فاتورة الطاقة",
        "summary": "تحصل على مال إضافي للغاز والكهرباء.",
        "how_to": "اتصل بنا. نملأ الاستمارة معك.",
    },
    "tr": {
        "title": "Enerji faturanız için yardım",
        "summary": "Gaz ve elektrik için ek para alırsınız.",
        "how_to": "Bizi arayın. Formu sizinle birlikte doldururuz.",
    },
    "uk": {
        "title": "Допомога з рахунком за енергію",
        "summary": "Ви отримуєте додаткові гроші на газ і електрику.",
        "how_to": "Зателефонуйте нам. Ми заповнимо форму разом з вами.",
    },
}

_SHARED = {"amount": "€ 100", "contact_point": "1700", "link": "https://example.org/help"}


def sample_measure(language: str) -> dict[str, str]:
    """A made-up measure's fields in ``language`` (English for a language we do not have)."""
    return dict(_MEASURES.get(language, _MEASURES["en"])) | _SHARED


def sample_context(
    language: str, measure: Mapping[str, str] | None = None, *, alphanumeric: bool = False
) -> dict[str, Any]:
    """The preview context in ``language``: its sample person and place, its stop sentence,
    and ``measure`` (a real measure's fields in that language) or the sample measure."""
    first_name, municipality = _PEOPLE.get(language, _PEOPLE["en"])
    fields = dict(measure) if measure is not None else sample_measure(language)
    stop = stop_sentence(
        language, sender_is_alphanumeric=alphanumeric, stop_url="https://example.org/s/sample"
    )
    return dict(SAMPLE_CONTEXT) | {
        "first_name": first_name,
        "municipality": municipality,
        "measure": fields,
        "measures": [fields],
        "stop": stop,
    }


def sample_languages() -> tuple[str, ...]:
    """The languages with their own sample values (every supported one)."""
    return tuple(language for language in SUPPORTED_LANGUAGES if language in _PEOPLE)
