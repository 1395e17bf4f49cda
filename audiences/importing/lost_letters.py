"""A ``?`` where a letter was: names that an encoding on the way could not hold.

Excel saves "CSV" in the Windows code page, Windows-1252 in Belgium, which has no ł, ş, ğ, ő, č,
no Cyrillic and no Arabic: each such letter is written as ``?`` (Paweł becomes ``Pawe?``, Ayşe
``Ay?e``), and nothing in the file says so. Such a row is imported as written, with a warning
that names its line and column, so someone can correct the name or save the file as CSV UTF-8.

A ``?`` anywhere in a first name or a municipality is suspect; in an attribute only a ``?``
inside a word (``Fran?ois``), since free text may end a question with one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from audiences.contacts.model import CONTACT_COLUMNS, RowWarning
from audiences.importing.csvfile import WINDOWS_1252

NAME_COLUMNS = frozenset({"first_name", "municipality"})
_LETTER = r"[^\W\d_]"
_INSIDE_A_WORD = re.compile(rf"{_LETTER}\?+{_LETTER}|(?:^|\s)\?+{_LETTER}")


class LostLetters:
    """Finds the suspect ``?`` in the records of one file, column by column."""

    def __init__(self, columns: Sequence[str], encoding: str) -> None:
        self._names = [(i, c) for i, c in enumerate(columns) if c in NAME_COLUMNS]
        self._words = [(i, c) for i, c in enumerate(columns) if c not in CONTACT_COLUMNS]
        if encoding == WINDOWS_1252:
            self._advice = (
                "this file is Windows-1252, which cannot hold letters such as ł, ş, ő or any "
                "Cyrillic or Arabic letter: save it as CSV UTF-8 and import it again, or "
                "correct it"
            )
        else:
            self._advice = "the program that wrote it could not hold that letter: correct it"

    def warnings(self, line: int, values: Sequence[str]) -> Iterator[RowWarning]:
        """The warnings for one record (its values in the order of the columns)."""
        for index, column in self._names:
            if "?" in values[index]:
                yield self._warning(line, column, values[index])
        for index, column in self._words:
            value = values[index]
            if "?" in value and _INSIDE_A_WORD.search(value):
                yield self._warning(line, column, value)

    def _warning(self, line: int, column: str, value: str) -> RowWarning:
        reason = f"{value.strip()!r} has a ? where a letter was probably lost: {self._advice}"
        return RowWarning(line, column, reason)
