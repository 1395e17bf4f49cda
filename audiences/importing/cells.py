"""Cells of a file meant for a spreadsheet: never run as a formula, and read back as written.

A cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return) is read by
Excel and LibreOffice as a formula: a contact file is data from outside, so every cell we write
for a spreadsheet is neutralised with a leading ``'`` (OWASP's advice on CSV injection). The
importer takes that mark off again, so a file we exported imports as it was: a phone written
``'+32470123456`` is ``+32470123456``.
"""

from __future__ import annotations

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _runs_as_formula(text: str) -> bool:
    """Whether a spreadsheet would run ``text``, or would once guarding apostrophes are gone."""
    return text.lstrip("'").startswith(_FORMULA_STARTS)


def safe_cell(value: object) -> str:
    """``value`` as text, with a leading ``'`` when a spreadsheet would run it as a formula.

    Text that already starts with ``'`` before a formula gets one more, so that
    :func:`unwrap_cell` gives back exactly what was written.
    """
    text = "" if value is None else str(value)
    return "'" + text if _runs_as_formula(text) else text


def unwrap_cell(text: str) -> str:
    """A cell as it was before :func:`safe_cell`: the one ``'`` it added removed."""
    if text[:1] == "'" and _runs_as_formula(text[1:]):
        return text[1:]
    return text
