"""One folding table for case and accents, applied the same way in Python and in SQL.

SQL uses ``translate(x, FROM, TO)``: built into PostgreSQL, and registered on SQLite
connections with PostgreSQL's meaning (campaign/store/engine.py), so ``=`` and ``~`` give the
same answers on both databases, whatever their collation or locale.
"""

from __future__ import annotations

_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZÀÁÂÄÃÅÇÈÉÊËÌÍÎÏÑÒÓÔÖÕØÙÚÛÜÝŸĞŞİ"
_LOWER = "abcdefghijklmnopqrstuvwxyzàáâäãåçèéêëìíîïñòóôöõøùúûüýÿğşi"
_ACCENTED = "àáâäãåçèéêëìíîïñòóôöõøùúûüýÿğşı"
_PLAIN = "aaaaaaceeeeiiiinoooooouuuuyygsi"

# Case only (for =, IN): upper-case letters to lower-case ones.
CASE_FROM, CASE_TO = _UPPER, _LOWER

_CASE = str.maketrans(CASE_FROM, CASE_TO)
_ACCENTS = str.maketrans(_ACCENTED, _PLAIN)

# Case and accents (for ~): every letter above to its plain lower-case letter.
FOLD_FROM = _UPPER + _ACCENTED
FOLD_TO = "".join(c.translate(_CASE).translate(_ACCENTS) for c in FOLD_FROM)
_FOLD = str.maketrans(FOLD_FROM, FOLD_TO)


def fold_case(text: str) -> str:
    return text.translate(_CASE)


def fold(text: str) -> str:
    """Lower case without accents: ``Liège`` → ``liege``."""
    return text.translate(_FOLD)
