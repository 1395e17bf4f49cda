"""Languages: which one a person gets, which way it is written, and how to stop, in it."""

from __future__ import annotations

from collections.abc import Collection, Sequence

SUPPORTED_LANGUAGES: tuple[str, ...] = ("nl", "fr", "de", "en", "ar", "tr", "uk")
RIGHT_TO_LEFT = frozenset({"ar"})

# With a number as sender people can reply; an alphanumeric sender cannot receive replies.
_REPLY_STOP = {
    "nl": "Geen sms meer? Stuur STOP.",
    "fr": "Plus de SMS ? Envoyez STOP.",
    "de": "Keine SMS mehr? Senden Sie STOP.",
    "en": "No more texts? Reply STOP.",
    "ar": "لإيقاف الرسائل أرسل STOP.",
    "tr": "SMS istemiyorsanız STOP yazın.",
    "uk": "Більше не хочете SMS? Надішліть STOP.",
}
_STOP_LINK = {
    "nl": "Stoppen: {url}",
    "fr": "Se désinscrire : {url}",
    "de": "Abmelden: {url}",
    "en": "Stop: {url}",
    "ar": "للإيقاف: {url}",
    "tr": "Durdurmak için: {url}",
    "uk": "Відписатися: {url}",
}
_UNSUBSCRIBE = {
    "nl": "Uitschrijven",
    "fr": "Se désinscrire",
    "de": "Abmelden",
    "en": "Unsubscribe",
    "ar": "إلغاء الاشتراك",
    "tr": "Abonelikten çık",
    "uk": "Відписатися",
}


def choose_language(
    contact_language: str,
    available: Collection[str],
    fallback_chain: Sequence[str],
    default: str = "en",
) -> str | None:
    """The contact's language if the template has it, else the chain's first, else ``default``."""
    for candidate in (contact_language, *fallback_chain, default):
        if candidate and candidate in available:
            return candidate
    return min(available) if available else None


def direction(language: str) -> str:
    return "rtl" if language in RIGHT_TO_LEFT else "ltr"


def stop_sentence(language: str, *, sender_is_alphanumeric: bool, stop_url: str) -> str:
    """How to stop, in the person's language (English for a language we do not have)."""
    if sender_is_alphanumeric:
        return _STOP_LINK.get(language, _STOP_LINK["en"]).format(url=stop_url)
    return _REPLY_STOP.get(language, _REPLY_STOP["en"])


def unsubscribe_label(language: str) -> str:
    return _UNSUBSCRIBE.get(language, _UNSUBSCRIBE["en"])
