"""The words staff read about a message's findings, in nl, fr, de or en.

A finding is data: its rule (the stable machine code clients match on) and its details (the
word, the counts). Its sentence is made here, in the staff member's language, which is not
the message's language: a Dutch-speaking editor checking an Arabic SMS reads Dutch findings.
The staff language comes from the request's ``Accept-Language``; anything else is English.
"""

from __future__ import annotations

from collections.abc import Mapping
from string import Template

STAFF_LANGUAGES: tuple[str, ...] = ("nl", "fr", "de", "en")
DEFAULT_STAFF_LANGUAGE = "en"

# What a finding's sentence is made of: plain JSON values.
Details = Mapping[str, str | int | float]

# One sentence per rule and language; ``$name`` is filled from the finding's details.
FINDING_TEXTS: Mapping[str, Mapping[str, str]] = {
    "only_link": {
        "en": "The SMS is little more than a link: say what the help is, who it is for "
        "and a number to call.",
        "nl": "De sms is weinig meer dan een link: zeg wat de hulp is, voor wie ze is "
        "en welk nummer mensen kunnen bellen.",
        "fr": "Le SMS n'est guère plus qu'un lien : dites quelle est l'aide, à qui elle "
        "s'adresse et quel numéro appeler.",
        "de": "Die SMS ist kaum mehr als ein Link: Sagen Sie, was die Hilfe ist, für wen "
        "sie ist und welche Nummer man anrufen kann.",
    },
    "no_phone_number": {
        "en": "Give a phone number to call: not everyone has mobile data.",
        "nl": "Geef een telefoonnummer om te bellen: niet iedereen heeft mobiele data.",
        "fr": "Donnez un numéro de téléphone à appeler : tout le monde n'a pas de données mobiles.",
        "de": "Geben Sie eine Telefonnummer zum Anrufen an: Nicht alle haben mobile Daten.",
    },
    "no_stop": {
        "en": "Tell people how to stop these messages (use {{ stop }}).",
        "nl": "Zeg hoe mensen deze berichten stoppen (gebruik {{ stop }}).",
        "fr": "Dites comment arrêter ces messages (utilisez {{ stop }}).",
        "de": "Sagen Sie, wie man diese Nachrichten abbestellt (mit {{ stop }}).",
    },
    "ucs2": {
        "en": "These characters make the SMS cost $segments segments instead of "
        "$segments_without: $characters",
        "nl": "Door deze tekens kost de sms $segments segmenten in plaats van "
        "$segments_without: $characters",
        "fr": "Ces caractères font coûter au SMS $segments segments au lieu de "
        "$segments_without : $characters",
        "de": "Wegen dieser Zeichen kostet die SMS $segments statt $segments_without "
        "Segmente: $characters",
    },
    "typography": {
        "en": "Plain quotes, dashes and dots would save $segments_saved segment(s) per message.",
        "nl": "Gewone aanhalingstekens, streepjes en puntjes besparen $segments_saved "
        "segment(en) per bericht.",
        "fr": "Des guillemets, tirets et points simples économiseraient $segments_saved "
        "segment(s) par message.",
        "de": "Einfache Anführungszeichen, Striche und Punkte sparen $segments_saved "
        "Segment(e) pro Nachricht.",
    },
    "length": {
        "en": "$segments segments: aim for $limit at most.",
        "nl": "$segments segmenten: mik op hoogstens $limit.",
        "fr": "$segments segments : visez $limit au maximum.",
        "de": "$segments Segmente: Bleiben Sie bei höchstens $limit.",
    },
    "sentence_length": {
        "en": "This sentence has $words words. Aim for at most $limit: split it in two.",
        "nl": "Deze zin telt $words woorden. Mik op hoogstens $limit: maak er twee zinnen van.",
        "fr": "Cette phrase compte $words mots. Visez $limit au maximum : coupez-la en deux.",
        "de": "Dieser Satz hat $words Wörter. Besser sind höchstens $limit: Teilen Sie ihn.",
    },
    "long_word": {
        "en": "'$word' is long ($letters letters): use a shorter word or split it.",
        "nl": "'$word' is lang ($letters letters): gebruik een korter woord of splits het.",
        "fr": "« $word » est long ($letters lettres) : prenez un mot plus court ou coupez-le.",
        "de": "„$word“ ist lang ($letters Buchstaben): Nehmen Sie ein kürzeres Wort oder "
        "teilen Sie es.",
    },
    "rare_word": {
        "en": "'$word' is a rare word: use a common one, or explain it.",
        "nl": "'$word' is een zeldzaam woord: gebruik een gewoon woord of leg het uit.",
        "fr": "« $word » est un mot rare : prenez un mot courant ou expliquez-le.",
        "de": "„$word“ ist ein seltenes Wort: Nehmen Sie ein gängiges Wort oder erklären Sie es.",
    },
    "jargon": {
        "en": "Explain '$term': for example '$suggestion'.",
        "nl": "Leg '$term' uit: bijvoorbeeld '$suggestion'.",
        "fr": "Expliquez « $term » : par exemple « $suggestion ».",
        "de": "Erklären Sie „$term“: zum Beispiel „$suggestion“.",
    },
    "passive_voice": {
        "en": "Passive voice: say who does what ('we pay you' rather than 'you are paid').",
        "nl": "Lijdende vorm: zeg wie wat doet ('wij betalen u' en niet 'u wordt betaald').",
        "fr": "Voix passive : dites qui fait quoi (« nous vous payons » plutôt que "
        "« vous êtes payé »).",
        "de": "Passiv: Sagen Sie, wer was tut („wir zahlen Ihnen“ statt „Ihnen wird gezahlt“).",
    },
    "readability": {
        "en": "Readability $score: $grade.",
        "nl": "Leesbaarheid $score: $grade.",
        "fr": "Lisibilité $score : $grade.",
        "de": "Lesbarkeit $score: $grade.",
    },
}

# The readability grades, keyed by the code a finding's details carry.
GRADE_TEXTS: Mapping[str, Mapping[str, str]] = {
    "very_easy": {
        "en": "very easy: fine for almost everyone",
        "nl": "zeer makkelijk: goed voor bijna iedereen",
        "fr": "très facile : convient à presque tout le monde",
        "de": "sehr leicht: passt für fast alle",
    },
    "easy": {
        "en": "easy: plain language",
        "nl": "makkelijk: heldere taal",
        "fr": "facile : langage clair",
        "de": "leicht: verständliche Sprache",
    },
    "fairly_difficult": {
        "en": "fairly difficult: shorten sentences and words",
        "nl": "vrij moeilijk: maak zinnen en woorden korter",
        "fr": "assez difficile : raccourcissez phrases et mots",
        "de": "ziemlich schwer: Kürzen Sie Sätze und Wörter",
    },
    "difficult": {
        "en": "difficult: many readers will not follow",
        "nl": "moeilijk: veel lezers haken af",
        "fr": "difficile : beaucoup de lecteurs ne suivront pas",
        "de": "schwer: Viele Leser kommen nicht mit",
    },
    "very_difficult": {
        "en": "very difficult: rewrite in shorter sentences with common words",
        "nl": "zeer moeilijk: herschrijf in kortere zinnen met gewone woorden",
        "fr": "très difficile : réécrivez en phrases plus courtes avec des mots courants",
        "de": "sehr schwer: Schreiben Sie kürzere Sätze mit gängigen Wörtern",
    },
    "not_scored": {
        "en": "not scored in this language",
        "nl": "geen score in deze taal",
        "fr": "pas de score dans cette langue",
        "de": "in dieser Sprache nicht bewertet",
    },
}

_DECIMAL_COMMA = frozenset({"nl", "fr", "de"})


def staff_language_or_default(language: str | None) -> str:
    """``language`` if findings can be written in it, else English."""
    return language if language in STAFF_LANGUAGES else DEFAULT_STAFF_LANGUAGE


def grade_words(grade: str, staff_language: str = DEFAULT_STAFF_LANGUAGE) -> str:
    return GRADE_TEXTS[grade][staff_language_or_default(staff_language)]


def finding_message(
    rule: str, details: Details, staff_language: str = DEFAULT_STAFF_LANGUAGE
) -> str:
    """The sentence staff read for a finding of ``rule`` with ``details``."""
    language = staff_language_or_default(staff_language)
    values = {name: _shown(value, language) for name, value in details.items()}
    if rule == "readability":
        values["grade"] = grade_words(str(details["grade"]), language)
    return Template(FINDING_TEXTS[rule][language]).substitute(values)


def _shown(value: object, language: str) -> str:
    if isinstance(value, float) and language in _DECIMAL_COMMA:
        return str(value).replace(".", ",")
    return str(value)


def choose_staff_language(accept_language: str | None) -> str:
    """The staff language an ``Accept-Language`` header prefers most (q-values respected)."""
    best, best_weight = DEFAULT_STAFF_LANGUAGE, 0.0
    for item in (accept_language or "").split(","):
        tag, _, parameters = item.partition(";")
        language = tag.strip().lower().split("-")[0]
        weight = _weight(parameters)
        # Equal weights keep the first named, as the header lists them in order of taste.
        if language in STAFF_LANGUAGES and weight > best_weight:
            best, best_weight = language, weight
    return best


def _weight(parameters: str) -> float:
    """The q-value of one header item: 1 when absent, 0 (not wanted) when malformed."""
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                weight = float(value.strip())
            except ValueError:
                return 0.0
            return weight if 0.0 <= weight <= 1.0 else 0.0
    return 1.0
