"""The role table of docs/security.md, read as the test's expectations.

The table in the document is the one source: tests/security/test_access.py walks every cell
against a real service, so the document cannot promise what the service does not do. A cell is
the status the request answers, then what the answer may show:

- ``own``: only the identity's own partner's data (its campaigns, segments, contacts, fields;
  counts over its own contacts); without it, a list shows the authority's and every partner's.
- ``counts``: a segment preview answers counts and no sample: nobody's personal data.

The "case" column says whose data the request is about: the authority's or partner A's (so
partner B's column is another partner's data), or, for previews, the condition queried.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.security.world import Who

SECURITY_DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"
TABLE_START = "<!-- role table: read by tests/security/access.py -->"
TABLE_END = "<!-- end of the role table -->"
OWN = "own"
COUNTS = "counts"
NOT_APPLICABLE = "—"


@dataclass(frozen=True, slots=True)
class Cell:
    status: int
    shows: frozenset[str]  # OWN, COUNTS


@dataclass(frozen=True, slots=True)
class Row:
    method: str
    path: str  # as in the OpenAPI document, with a staff action written out
    case: str
    cells: dict[Who, Cell]

    @property
    def label(self) -> str:
        case = "" if self.case == NOT_APPLICABLE else f" ({self.case})"
        return f"{self.method} {self.path}{case}"


def _cell(text: str) -> Cell:
    status, *shows = text.split()
    unknown = set(shows) - {OWN, COUNTS}
    assert not unknown, f"docs/security.md role table: unknown word in the cell {text!r}"
    return Cell(int(status), frozenset(shows))


def _cells(line: str) -> list[str]:
    return [part.strip().strip("`") for part in line.strip().strip("|").split("|")]


def parse(table: str) -> list[Row]:
    """The rows of a role table in Markdown: request, case, then one column per identity."""
    header, _rule, *lines = [line for line in table.splitlines() if line.strip()]
    columns = [Who(name) for name in _cells(header)[2:]]
    rows = []
    for line in lines:
        request, case, *texts = _cells(line)
        method, path = request.split(" ", 1)
        assert len(texts) == len(columns), f"role table: {len(texts)} cells in {line!r}"
        cells = {who: _cell(text) for who, text in zip(columns, texts, strict=True)}
        rows.append(Row(method, path, case, cells))
    return rows


def role_table() -> list[Row]:
    """The rows of the table between the markers of docs/security.md."""
    text = SECURITY_DOC.read_text(encoding="utf-8")
    start, end = text.index(TABLE_START), text.index(TABLE_END)
    return parse(text[start + len(TABLE_START) : end])
