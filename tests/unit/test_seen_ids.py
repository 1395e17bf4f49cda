"""Remembering the external ids of an import in little memory, without forgetting any."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from audiences.importing.seen_ids import SeenIds


def test_a_recent_repeat_names_its_line_and_an_older_one_says_earlier() -> None:
    seen = SeenIds(recent=3)
    for line, external_id in enumerate(["a", "b", "c", "d", "e"], start=2):
        assert seen.earlier(external_id) is None
        seen.add(external_id, line)
    assert seen.earlier("a") == "an earlier line"  # moved out of the recent ones
    assert seen.earlier("d") == 5
    assert seen.earlier("z") is None


@given(st.lists(st.text(min_size=1, max_size=4), max_size=300), st.integers(1, 7))
def test_every_id_added_is_found_and_no_other(ids: list[str], recent: int) -> None:
    seen = SeenIds(recent=recent)
    added: set[str] = set()
    for line, external_id in enumerate(ids, start=2):
        assert (seen.earlier(external_id) is not None) == (external_id in added)
        if external_id not in added:
            seen.add(external_id, line)
            added.add(external_id)
