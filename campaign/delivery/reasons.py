"""A message's reason, and its kind: the words before the first ``": "``.

Reasons are plain words written where a message moves (``opted out``, ``window closed``), some
followed by the particulars of one message (``hard bounce: 550 5.1.1 <a@b.org> unknown``,
``the message could not be written: 'x' is undefined``). The kind drops the particulars, so
the stats can count messages by why they were not reached without one line per diagnostic,
and each kind they show is a value the list's ``reason`` filter takes (decision 0027). A
reason without ``": "`` is its own kind.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Integer, String, func, literal, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from campaign.delivery.states import MessageState
from campaign.store.tables import messages

KIND_END = ": "

# The states of a message that did not reach its person (or may not have), whose reasons the
# stats count.
NOT_REACHED = (
    MessageState.FAILED_PERMANENT,
    MessageState.FAILED_TEMPORARY,
    MessageState.EXPIRED,
    MessageState.SKIPPED,
    MessageState.UNKNOWN,
)


class _Position(FunctionElement[int]):
    """Where ``needle`` first starts in ``text`` (from 1), or 0: both databases have this,
    under different names."""

    type = Integer()
    inherit_cache = True
    name = "position"


@compiles(_Position)
def _strpos(element: _Position, compiler: SQLCompiler, **kw: Any) -> str:
    return f"strpos({compiler.process(element.clauses, **kw)})"


@compiles(_Position, "sqlite")
def _instr(element: _Position, compiler: SQLCompiler, **kw: Any) -> str:
    return f"instr({compiler.process(element.clauses, **kw)})"


def reason_kind(reason: ColumnElement[Any] = messages.c.reason) -> ColumnElement[str]:
    """``reason`` up to its first ``": "`` (all of it without one); NULL stays NULL."""
    ended = reason + literal(KIND_END, String())
    return func.substr(reason, 1, _Position(ended, literal(KIND_END, String())) - 1)


def reason_is(words: str) -> ColumnElement[bool]:
    """The message's reason is ``words`` or of that kind, ignoring case (ASCII letters on
    SQLite, whose ``lower`` folds only those: reasons are English words)."""
    wanted = words.strip().lower()
    return or_(
        func.lower(messages.c.reason) == wanted,
        func.lower(reason_kind()) == wanted,
    )
