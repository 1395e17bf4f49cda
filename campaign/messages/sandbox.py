"""Jinja2's sandbox, bounded: filling in a template costs at most a message's worth of work.

The plain sandbox keeps templates away from Python internals, not from the machine's memory and
time: ``{{ 'x' * 100000000 }}``, a filter with a width of a billion, loops in loops, or a text
doubled inside a loop all pass it. This one refuses each before it runs away:

- a product, sum, power or ``%`` format whose result would be bigger than a message
  (``limits.RENDER_OUTPUT_MAX`` characters, numbers of 4,096 bits) is refused before it is
  computed; so are widths and counts given to filters and text methods, and every value a call
  or a ``{{ … }}`` makes is measured;
- every loop turn, call, operation and output piece is a step: a rendering takes at most
  ``limits.RENDER_STEPS_MAX``, and inside a ``Workshop`` job it also stops at its time limit;
- what a rendering writes out stops at ``limits.RENDER_OUTPUT_MAX`` characters;
- lists and mappings cannot be changed in place (the immutable sandbox), so a loop cannot grow
  one unmeasured;
- nothing runs while compiling: filters and the intercepted operators are never folded into
  constants, so a template is only ever run where these checks apply.

Errors: ``TooMuchWork`` (a ``SecurityError``), saying what is too big in plain words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, cast

from jinja2 import StrictUndefined, nodes, pass_context
from jinja2.exceptions import SecurityError
from jinja2.filters import FILTERS
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

from campaign.kernel import limits
from campaign.kernel.work import past_deadline

OUTPUT_MAX = limits.RENDER_OUTPUT_MAX
STEPS_MAX = limits.RENDER_STEPS_MAX
NUMBER_BITS_MAX = limits.RENDER_NUMBER_BITS_MAX
_DEADLINE_EVERY = 64  # steps between looks at the clock
# A filter or method working through a long text does more: it spends a step per this many
# characters it is given and makes, so a rendering's steps stay within a tenth of a second.
CHARACTERS_PER_STEP = 100
# Filters that call back into Python for every item or word they go through cost ten times as
# much per character (measured: sorting a long text, 0.8 µs a character).
_PER_ITEM = frozenset(
    {"sort", "unique", "groupby", "dictsort", "map", "select", "reject", "selectattr"}
    | {"rejectattr", "sum", "min", "max", "batch", "slice", "urlize", "wordcount", "title"}
)


class TooMuchWork(SecurityError):
    """Filling in the template would take more memory or time than a message is worth."""


@dataclass(slots=True)
class _Budget:
    steps: int = 0
    looked: int = 0  # the steps at the last look at the clock

    def spend(self, characters: int = 0) -> None:
        self.steps += 1 + characters // CHARACTERS_PER_STEP
        if self.steps > STEPS_MAX:
            raise TooMuchWork(
                f"the template takes more than {STEPS_MAX:,} steps to fill in (loops in loops?)"
            )
        if self.steps - self.looked >= _DEADLINE_EVERY:
            self.looked = self.steps
            if past_deadline():
                raise TooMuchWork("filling in the template took longer than its time limit")


_BUDGET: ContextVar[_Budget | None] = ContextVar("render_budget", default=None)


def _spend(characters: int = 0) -> None:
    """A step of the rendering under way, and one more per ``CHARACTERS_PER_STEP`` it works
    through."""
    budget = _BUDGET.get()
    if budget is not None:
        budget.spend(characters)


def render_bounded(pieces: Iterable[str]) -> str:
    """Join a template's output (``Template.generate``) with a fresh budget for its steps."""
    budget = _Budget()
    token = _BUDGET.set(budget)
    try:
        out: list[str] = []
        total = 0
        for piece in pieces:
            budget.spend(len(piece))
            total += len(piece)
            if total > OUTPUT_MAX:
                raise TooMuchWork(f"the message would be longer than {OUTPUT_MAX:,} characters")
            out.append(piece)
        return "".join(out)
    finally:
        _BUDGET.reset(token)


def _too_long(length: int, what: str) -> TooMuchWork:
    return TooMuchWork(
        f"{what} of {length:,} characters is more than a message may hold ({OUTPUT_MAX:,})"
    )


def _too_big(what: str) -> TooMuchWork:
    return TooMuchWork(f"{what} is a bigger number than a message needs")


def _measured(value: Any) -> Any:
    """``value``, if it fits in a message."""
    if isinstance(value, str | bytes | list | tuple | dict | set | frozenset):
        if len(value) > OUTPUT_MAX:
            raise _too_long(len(value), "a value")
    elif isinstance(value, int) and value.bit_length() > NUMBER_BITS_MAX:
        raise _too_big("a result")
    return value


def _made(value: Any) -> Any:
    """A value a filter, call or operation made: measured, and its size spent."""
    _measured(value)
    _spend(_length(value))
    return value


def _length(value: Any) -> int:
    """About how many characters ``value`` is as text (containers: their items', one level)."""
    if isinstance(value, str | bytes):
        return len(value)
    if isinstance(value, list | tuple | set | frozenset | dict):
        return sum(len(item) if isinstance(item, str) else 1 for item in value) + len(value)
    return 0


def _numbers(given: Iterable[Any]) -> list[int]:
    return [n for n in given if isinstance(n, int) and not isinstance(n, bool)]


# A field of a % format ("%(name)-999s") or of a {} format ("{0:>999}"), and a {} field with
# another inside it (its width comes from a value: "{:{}}").
_PERCENT_FIELD = re.compile(r"%(?:\([^)]*\))?[^a-zA-Z%(]*[a-zA-Z%]")
_BRACE_FIELD = re.compile(r"\{[^{}]*\}")
_NESTED_FIELD = re.compile(r"\{[^{}]+\{")
_NUMBER = re.compile(r"\d+")


def _check_format(template: str, values: Iterable[Any]) -> None:
    """A ``%`` or ``{}`` format whose widths and values together fit in a message."""
    percent = _PERCENT_FIELD.findall(template)
    if _NESTED_FIELD.search(template) or any("*" in field for field in percent):
        raise TooMuchWork("a format whose width comes from a value is not allowed in a template")
    fields = percent + _BRACE_FIELD.findall(template)
    widths = sum(int(n) for field in fields for n in _NUMBER.findall(field))
    length = len(template) + widths + sum(_length(v) for v in values)
    if length > OUTPUT_MAX:
        raise _too_long(length, "a formatted text")


# Text methods and filters whose result can be longer than what they are given, and the numbers
# (widths, counts) that say how much longer.
_GROWING = {"center", "ljust", "rjust", "zfill", "expandtabs", "indent", "replace", "wordwrap"}
_SIZES = _GROWING | {"batch", "slice", "truncate", "tojson", "urlize", "join", "format"}


def _grows_to(name: str, value: Any, given: list[Any]) -> int:
    """At most how long ``name`` makes ``value``; 0 when it cannot make it longer."""
    size = _length(value)
    widest = max(_numbers(given), default=0)
    texts = sum(len(a) for a in given if isinstance(a, str))
    if name in {"center", "ljust", "rjust", "zfill"}:
        return max(size, widest)
    if name == "expandtabs":
        return size * max(widest, 8)
    if name == "indent":
        lines = value.count("\n") + 1 if isinstance(value, str) else 1
        return size + lines * max(widest, texts)
    if name in {"replace", "wordwrap"}:
        return size + (size + 1) * max(texts, 1)
    return 0


def _check_call(name: str, value: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    """Refuse a text method or filter whose result would not fit, before it runs."""
    given = [*args, *kwargs.values()]
    if name in _SIZES:
        for number in _numbers(given):
            if abs(number) > OUTPUT_MAX:
                raise TooMuchWork(f"{number:,} is more than a message may hold ({OUTPUT_MAX:,})")
    if name in {"format", "format_map"} and isinstance(value, str):
        _check_format(value, given)
    if name == "join":
        _check_join(value, given)
    length = _grows_to(name, value, given)
    if length > OUTPUT_MAX:
        raise _too_long(length, f"{name}'s result")


def _check_join(value: Any, given: list[Any]) -> None:
    """``sep.join(items)`` or ``items|join(sep)``: the items, and the separator between each."""
    if isinstance(value, str):
        separator, items = value, given[0] if given else ()
    else:
        separator, items = next((a for a in given if isinstance(a, str)), ""), value
    if isinstance(items, list | tuple | set | frozenset | dict | str):
        length = _length(items) + len(items) * len(separator)
        if length > OUTPUT_MAX:
            raise _too_long(length, "a joined text")


def _pass_arg(function: Callable[..., Any]) -> str | None:
    marked = getattr(function, "jinja_pass_arg", None)
    return getattr(marked, "name", None)


def _bounded_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` checked before and measured after. It takes the context, so the compiler
    never runs it on constants while compiling a template."""
    wants = _pass_arg(function)

    @pass_context
    def bounded(context: Context, value: Any, *args: Any, **kwargs: Any) -> Any:
        given = _length(value) + sum(_length(a) for a in args)
        _spend(given * 10 if name in _PER_ITEM else given)
        _check_call(name, value, args, kwargs)
        first = {
            "context": context,
            "eval_context": context.eval_ctx,
            "environment": context.environment,
        }
        if wants in first:
            return _made(function(first[wants], value, *args, **kwargs))
        return _made(function(value, *args, **kwargs))

    return bounded


def _bounded_range(*args: int) -> range:
    numbers = range(*args)
    if len(numbers) > STEPS_MAX:
        raise TooMuchWork(f"a range of {len(numbers):,} numbers: at most {STEPS_MAX:,}")
    return numbers


@pass_context
def _finalize(context: Context, value: Any) -> Any:
    """Every ``{{ … }}`` written out: a step, and no bigger than a message."""
    return _made(value)


class _Counted(NodeTransformer):
    """Loop turns spend steps and ``~`` joins are measured: neither passes the sandbox."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)  # in place: loops and joins inside are counted too
        node.iter = _environment_call("counted", [cast(nodes.Expr, node.iter)], node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        parts = nodes.List(node.nodes, lineno=node.lineno)
        return _environment_call("joined", [parts], node.lineno)


def _environment_call(name: str, args: list[nodes.Expr], lineno: int) -> nodes.Call:
    return nodes.Call(nodes.EnvironmentAttribute(name), args, [], None, None, lineno=lineno)


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """The sandbox templates are compiled and filled in with (see the module's docstring)."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self) -> None:
        super().__init__(
            undefined=StrictUndefined,
            autoescape=False,
            keep_trailing_newline=False,
            finalize=_finalize,
        )
        self.filters = {name: _bounded_filter(name, f) for name, f in FILTERS.items()}
        # Not lipsum: it writes text of any length.
        kept = ("dict", "cycler", "joiner", "namespace")
        self.globals = {name: self.globals[name] for name in kept} | {"range": _bounded_range}

    def parse_counted(self, source: str, name: str) -> nodes.Template:
        """The template's tree with its loops and joins counted, for ``compile``."""
        tree = _Counted().visit(self.parse(source, name=name, filename=f"<{name}>"))
        tree.set_environment(self)
        return tree  # type: ignore[no-any-return]

    def counted(self, iterable: Iterable[Any]) -> Iterator[Any]:
        for item in iterable:
            _spend()
            yield item

    def joined(self, parts: list[Any]) -> str:
        texts = [str(part) for part in parts]
        length = sum(len(text) for text in texts)
        if length > OUTPUT_MAX:
            raise _too_long(length, "a joined text")
        _spend(length)
        return "".join(texts)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """``str.format`` as the sandbox wraps it, its widths checked first."""
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        template = value.__self__

        def checked(*args: Any, **kwargs: Any) -> str:
            _check_format(template, [*args, *kwargs.values()])
            return wrapped(*args, **kwargs)

        return checked

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        _spend()
        _check_operands(operator, left, right)
        return _made(super().call_binop(context, operator, left, right))

    # The sandbox's signature, positional-only so a keyword argument never clashes with it.
    def call(self, context: Context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        owner = getattr(obj, "__self__", None)
        _spend(_length(owner) + sum(_length(a) for a in args))
        if isinstance(owner, str | bytes):
            _check_call(getattr(obj, "__name__", ""), owner, args, kwargs)
        return _made(super().call(context, obj, *args, **kwargs))


def _check_operands(operator: str, left: Any, right: Any) -> None:
    """Refuse an operation whose result would not fit, before it is computed."""
    if operator == "*":
        _check_product(left, right)
    elif operator == "**":
        if isinstance(left, int) and isinstance(right, int) and abs(left) > 1:
            if right * left.bit_length() > NUMBER_BITS_MAX:
                raise _too_big(f"{left} ** {right}")
    elif operator == "+" and isinstance(left, str | list | tuple):
        length = _length_of(left) + _length_of(right)
        if length > OUTPUT_MAX:
            raise _too_long(length, "a sum")
    elif operator == "%" and isinstance(left, str):
        _check_format(left, right if isinstance(right, tuple) else [right])


def _check_product(left: Any, right: Any) -> None:
    if isinstance(left, int) and isinstance(right, int):
        if left.bit_length() + right.bit_length() > 2 * NUMBER_BITS_MAX:
            raise _too_big("a product")
        return
    for sized, times in ((left, right), (right, left)):
        if isinstance(times, int) and isinstance(sized, str | bytes | list | tuple):
            length = len(sized) * max(times, 0)
            if length > OUTPUT_MAX:
                raise _too_long(length, "a product")


def _length_of(value: Any) -> int:
    return len(value) if isinstance(value, str | bytes | list | tuple) else 0
