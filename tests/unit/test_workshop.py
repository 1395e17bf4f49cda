"""The workshop runs CPU-heavy jobs off the event loop, each with a time limit (decision 0032).

Jobs that must outlast a time limit wait on an event the test sets afterwards, so what is
asserted is an order of events, never how long anything took.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable

import pytest

from campaign.kernel.work import TookTooLong, Workshop
from campaign.messages.library import VariantSource
from campaign.messages.render import SAMPLE_CONTEXT, Renderer, TemplateProblem

_SETTLED = 30.0  # seconds a test waits for a released job, so a bug fails instead of hanging


@pytest.fixture
async def workshop() -> AsyncIterator[Workshop]:
    work = Workshop(threads=1, time_limit=0.05)
    yield work
    work.close()


def _held(release: threading.Event, then: Callable[[], object] = lambda: "done") -> object:
    release.wait(_SETTLED)
    return then()


async def test_a_job_runs_on_a_worker_thread_and_its_answer_comes_back() -> None:
    work = Workshop(threads=2)
    try:
        name = await work.run(lambda: threading.current_thread().name, what="a job")
    finally:
        work.close()
    assert name != threading.current_thread().name and name.startswith("work")
    assert work.started["a job"] == 1


async def test_a_job_errors_reach_the_caller(workshop: Workshop) -> None:
    def broken() -> None:
        raise TemplateProblem("cannot be filled in", 3)

    with pytest.raises(TemplateProblem):
        await workshop.run(broken, what="a job")


async def test_past_its_time_limit_the_caller_is_told_and_the_thread_stays_taken(
    workshop: Workshop,
) -> None:
    release = threading.Event()
    with pytest.raises(TookTooLong) as caught:
        await workshop.run(_held, release, what="filling in the template", where="context")
    assert caught.value.where == "context"
    assert "filling in the template took longer than 0.05 s" in str(caught.value)
    assert workshop.running == 1  # a thread cannot be stopped: it is still at work
    release.set()
    assert await workshop.run(lambda: "next", what="another job") == "next"
    assert workshop.running == 0


async def test_the_time_limit_counts_from_when_a_thread_takes_the_job(
    workshop: Workshop,
) -> None:
    release = threading.Event()
    first = asyncio.create_task(workshop.run(_held, release, what="a slow job"))
    queued = asyncio.create_task(workshop.run(lambda: "answered", what="a quick job"))
    with pytest.raises(TookTooLong):
        await first  # the quick job has now waited longer than the limit for the thread
    release.set()
    assert await queued == "answered"


async def test_a_rendering_past_its_deadline_stops_itself(workshop: Workshop) -> None:
    renderer = Renderer()
    endless = renderer.compile(
        VariantSource("nl", "sms", None, "{% for i in range(15000) %}{% endfor %}")
    )
    release, ended = threading.Event(), threading.Event()
    outcome: list[BaseException] = []

    def render_late() -> None:
        release.wait(_SETTLED)  # its deadline passes meanwhile
        try:
            renderer.render(endless, SAMPLE_CONTEXT)
        except TemplateProblem as problem:
            outcome.append(problem)
        finally:
            ended.set()

    with pytest.raises(TookTooLong):
        await workshop.run(render_late, what="filling in the template")
    release.set()
    assert await asyncio.to_thread(ended.wait, _SETTLED)
    (problem,) = outcome
    assert "took longer than its time limit" in str(problem)
