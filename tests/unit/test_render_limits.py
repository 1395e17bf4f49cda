"""The bounded sandbox: a template asking for more than a message's worth of memory or steps is
refused before the work is done, with a reason in plain words (decision 0032)."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from campaign.kernel.limits import RENDER_OUTPUT_MAX, RENDER_STEPS_MAX, TEMPLATE_SOURCE_MAX
from campaign.messages.library import VariantSource
from campaign.messages.render import SAMPLE_CONTEXT, Renderer, TemplateProblem


def _sms(body: str) -> VariantSource:
    return VariantSource("nl", "sms", None, body)


def _problem(body: str) -> str:
    problems = Renderer().problems(_sms(body))
    assert len(problems) == 1, f"{body!r} was filled in"
    return problems[0].reason


@contextmanager
def _peak_memory() -> Iterator[Callable[[], int]]:
    """The most memory allocated inside the block, in bytes."""
    tracemalloc.start()
    try:
        yield lambda: tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


_HUNDRED_MB = 100_000_000


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("{{ 'x' * 100000000 }}", "a product of 100,000,000 characters"),
        ("{{ 'x'|center(100000000) }}", "100,000,000 is more than a message may hold"),
        ("{{ 'x'.ljust(100000000) }}", "100,000,000 is more than a message may hold"),
        ("{{ '%0100000000d' % 1 }}", "a formatted text of"),
        ("{{ '{:>100000000}'.format(1) }}", "a formatted text of"),
        ("{{ '{:{}}'.format(1, 100000000) }}", "width comes from a value"),
        ("{{ ('x' * 50000)|replace('', 'yy') }}", "replace's result of 150,002 characters"),
        ("{{ ('x' * 60000) ~ ('y' * 60000) }}", "a joined text of 120,000 characters"),
        ("{{ [1]|batch(100000000, 'x')|list }}", "100,000,000 is more than"),
        ("{{ 3 ** 100000 }}", "a bigger number than a message needs"),
    ],
)
def test_what_would_be_huge_is_refused_before_it_is_made(body: str, reason: str) -> None:
    with _peak_memory() as peak:
        found = _problem(body)
    assert reason in found
    # Making it would take at least 100 MB (or, for the number, seconds of arithmetic).
    assert peak() < _HUNDRED_MB / 20


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (
            "{% for a in range(1000) %}{% for b in range(1000) %}{% endfor %}{% endfor %}",
            f"more than {RENDER_STEPS_MAX:,} steps",
        ),
        (
            "{% set s = 'x' * 50000 %}{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}",
            f"more than {RENDER_STEPS_MAX:,} steps",
        ),
        (
            "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}"
            "{{ f(40) }}",
            f"more than {RENDER_STEPS_MAX:,} steps",
        ),
        (
            "{% set ns = namespace(s='xx') %}{% for i in range(100) %}"
            "{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
            "a joined text of 131,072 characters",
        ),
        (
            "{% set ns = namespace(n=3) %}{% for i in range(100) %}"
            "{% set ns.n = ns.n * ns.n %}{% endfor %}",
            "a bigger number than a message needs",
        ),
        ("{% for i in range(100000) %}{% endfor %}", "a range of 100,000 numbers"),
        ("{% set l = [1] %}{% for i in range(40) %}{{ l.extend(l) }}{% endfor %}", "unsafe"),
        ("{{ lipsum(100000) }}", "'lipsum' is not a variable"),
    ],
)
def test_loops_recursion_and_doubling_stop_within_the_budget(body: str, reason: str) -> None:
    with _peak_memory() as peak:
        found = _problem(body)
    assert reason in found
    assert peak() < _HUNDRED_MB / 20


def test_steps_are_counted_to_the_limit_and_no_further() -> None:
    ranged = RENDER_STEPS_MAX - 100  # the loop's turns and the few steps around them
    assert not Renderer().problems(_sms(f"{{% for i in range({ranged}) %}}{{% endfor %}}"))
    over = f"{{% for i in range({RENDER_STEPS_MAX}) %}}{{% endfor %}}"
    assert f"more than {RENDER_STEPS_MAX:,} steps" in _problem(over)


def test_the_output_stops_at_the_limit() -> None:
    tenth = RENDER_OUTPUT_MAX // 10
    fits = f"{{% for i in range(10) %}}{{{{ 'x' * {tenth} }}}}{{% endfor %}}"
    renderer = Renderer()
    assert len(renderer.render(renderer.compile(_sms(fits)), SAMPLE_CONTEXT).text) == (
        RENDER_OUTPUT_MAX
    )
    over = fits.replace("range(10)", "range(11)")
    assert f"longer than {RENDER_OUTPUT_MAX:,} characters" in _problem(over)


def test_nothing_runs_while_a_template_is_compiled() -> None:
    """Jinja folds constants while compiling; here nothing is folded, so saving a template
    can only run it where the limits apply."""
    with _peak_memory() as peak:
        Renderer().compile(_sms("{{ 'x' * 100000000 }}{{ 'x'|center(100000000) }}"))
    assert peak() < _HUNDRED_MB / 20


def test_a_source_over_the_limit_is_refused_unread() -> None:
    problem = _problem("x" * (TEMPLATE_SOURCE_MAX + 1))
    assert f"at most {TEMPLATE_SOURCE_MAX:,}" in problem


def test_ordinary_templates_are_filled_in_as_before() -> None:
    body = (
        "{% if first_name %}Dag {{ first_name|title }}. {% endif %}"
        "{% for m in measures[:3] %}{{ m.title|upper }} ({{ m.contact_point }}); {% endfor %}"
        "{{ '%s' % municipality }} {{ 'a,b'.split(',')|join('-') }} {{ stop|truncate(60) }}"
    )
    renderer = Renderer()
    text = renderer.render(renderer.compile(_sms(body)), SAMPLE_CONTEXT).text
    assert text == (
        "Dag Sam. HELP WITH YOUR ENERGY BILL (1700); Gent a-b Reply STOP to stop these messages."
    )


def test_a_problem_still_names_its_line() -> None:
    renderer = Renderer()
    compiled = renderer.compile(_sms("Dag\n{{ 'x' * 100000000 }}"))
    with pytest.raises(TemplateProblem) as caught:
        renderer.render(compiled, SAMPLE_CONTEXT)
    assert caught.value.line == 2
