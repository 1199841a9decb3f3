"""The performance suite's judging fixtures (docs/architecture.md#layers): the shared load
run (``fixtures/performance.py``, which only gathers) once its judge has found the planned
load applied, the generator unsaturated, or the run conclusive; else the check fails naming
why (an error of its setup, missing evidence: never a pass or a performance finding)."""

from __future__ import annotations

from typing import Any

import pytest

from golive.judge import performance as judge
from pytest_golive.fixtures.performance import LoadResult, attach_run


def inconclusive(run: LoadResult) -> list[str]:
    """Why the measurements do not describe the system (empty: they do). A rate short of
    the plan because the server held it back is not one: its latencies are the system's
    and are judged (the applied-load check fails on the rate all the same)."""
    facts, generator = run.facts, run.spec.generator
    found = judge.run_findings(facts, run.profile, generator)
    if judge.server_limited(facts, generator):
        rate = judge.rate_findings(facts, run.profile, generator)
        found = [f for f in found if f not in rate]
    return found + judge.saturation_findings(facts, generator)


@pytest.fixture
def applied_load(load_run: LoadResult, evidence: Any) -> LoadResult:
    """The run, once its planned load is known to have been applied (Locust's reports,
    stats and plot attached); else an error naming why (missing evidence, not a finding)."""
    attach_run(load_run, evidence)
    found = judge.run_findings(load_run.facts, load_run.profile, load_run.spec.generator)
    if found:
        pytest.fail("\n".join(found), pytrace=False)
    return load_run


@pytest.fixture
def unsaturated_load(load_run: LoadResult, evidence: Any) -> LoadResult:
    """The run, once its generator is known not to have been saturated; else an error."""
    evidence.json(
        "generator cpu",
        {
            "percent": load_run.facts.cpu_percent,
            "detail": load_run.facts.cpu_detail,
            "throttled_percent": load_run.facts.throttled_percent,
            "cpu_wait_percent": load_run.facts.cpu_wait_percent,
            "cpu_warnings": list(load_run.facts.cpu_warnings),
        },
    )
    found = judge.saturation_findings(load_run.facts, load_run.spec.generator)
    if found:
        pytest.fail("\n".join(found), pytrace=False)
    return load_run


@pytest.fixture
def conclusive_run(load_run: LoadResult) -> LoadResult:
    """The load run, for checks that judge its measurements: an inconclusive run is an error
    of the check's setup (missing evidence), never a pass or a performance finding."""
    found = inconclusive(load_run)
    if found:
        pytest.fail(f"not judged: {found[0]}", pytrace=False)
    load_run.conclusive = True
    return load_run
