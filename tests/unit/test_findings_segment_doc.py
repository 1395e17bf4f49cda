"""docs/messages.md states the segment rule the code applies: every example row is recounted,
and its table of findings names exactly the rules the checks have words for."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from campaign.messages.sms import sms_info
from campaign.messages.wording import FINDING_TEXTS

DOC = Path(__file__).resolve().parents[2] / "docs" / "messages.md"
_PIECE = re.compile(r"`([^`]+)`(?:×(\d+))?")


def _table_after(marker: str) -> list[list[str]]:
    text = DOC.read_text(encoding="utf-8")
    lines = text[text.index(marker) :].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    rows = []
    for line in lines[start + 2 :]:  # past the header and its rule
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def _text(notation: str) -> str:
    """``a``×152 + ``€`` written out: each piece in backticks, repeated when ×N follows."""
    pieces = [_PIECE.fullmatch(piece.strip()) for piece in notation.split(" + ")]
    assert all(pieces), notation
    return "".join(p.group(1) * int(p.group(2) or 1) for p in pieces if p)


EXAMPLES = _table_after("<!-- segment examples")


def test_the_doc_has_an_example_for_each_rule() -> None:
    rules = {why.split(":")[0] for *_, why in EXAMPLES}
    assert rules == {f"rule {number}" for number in range(1, 6)}
    assert {encoding for _, encoding, *_ in EXAMPLES} == {"GSM-7", "UCS-2"}


@pytest.mark.parametrize(("notation", "encoding", "units", "segments", "why"), EXAMPLES)
def test_every_example_counts_as_the_doc_says(
    notation: str, encoding: str, units: str, segments: str, why: str
) -> None:
    info = sms_info(_text(notation))
    assert (info.encoding, info.units, info.segments) == (encoding, int(units), int(segments))


def test_the_table_of_findings_names_every_rule_and_no_other() -> None:
    rows = _table_after("| rule | what it looks for |")
    documented = {code for row in rows for code in re.findall(r"`(\w+)`", row[0])}
    assert documented == set(FINDING_TEXTS)
