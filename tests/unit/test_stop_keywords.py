"""Which replies are a request to stop: the keyword alone, in any case, with or without
accents; never a sentence that only mentions it."""

from __future__ import annotations

import pytest

from campaign.tracking.keywords import is_stop_request


@pytest.mark.parametrize(
    "reply",
    [
        "STOP",
        "stop",
        " Stop. ",
        "STOP!",
        "Stopall",
        "unsubscribe",
        "Arrêt",
        "ARRET",
        "Stopp",
        "Durdur",
        "СТОП",
        "إيقاف",
        "quit\n",
        "OPTOUT",
        "Arrête",
    ],
)
def test_a_stop_keyword_is_a_stop_request(reply: str) -> None:
    assert is_stop_request(reply)


@pytest.mark.parametrize(
    "reply",
    ["", "Stop sending me the wrong date", "stopped", "Thanks", "START", "STOP STOP", "nonstop"],
)
def test_anything_else_is_not(reply: str) -> None:
    assert not is_stop_request(reply)
