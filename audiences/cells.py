"""Cells of a file meant for a spreadsheet: never run as a formula, and read back as written.

A cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return) is read by
Excel and LibreOffice as a formula: a contact file is data from outside, so every cell we write
for a spreadsheet is neutralised with a leading ``'`` (OWASP's advice on CSV injection). The
importer takes that mark off again, so a file we exported imports as it was: a phone written
``'+32470123456`` is ``+32470123456``.
"""

from __future__ import annotations

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """``value`` as text, with a leading ``'`` when a spreadsheet would run it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def unwrap_cell(text: str) -> str:
    """A cell as it was before :func:`safe_cell`: one ``'`` before a formula start removed."""
    if text[:1] == "'" and text[1:].startswith(_FORMULA_STARTS):
        return text[1:]
    return text
