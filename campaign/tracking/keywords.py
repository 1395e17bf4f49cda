"""Which replies mean "stop": the opt-out keywords of SMS, as carriers and Twilio read them.

A reply is a stop request when, trimmed, without accents, capitals or a final full stop, it is
one of the keywords: Twilio's standard ones (STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT,
OPTOUT, REVOKE), and the word our SMS tell people to send, which is STOP in every language we
write in. People also answer in their own words: ARRÊT or ARRÊTE (fr), STOPP (de), DURDUR
(tr), СТОП (uk), إيقاف (ar). A sentence that merely contains "stop" ("stop sending me the
wrong date") is not one: staff read such replies.
"""

from __future__ import annotations

import unicodedata

STOP_WORDS = frozenset(
    {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "optout", "revoke"}
    | {"arret", "arrete", "stopp", "durdur", "стоп", "ايقاف"}
)


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return letters.rstrip(".!").strip()


def is_stop_request(body: str) -> bool:
    """Whether a reply asks to stop messages to this number."""
    return _plain(body) in STOP_WORDS
