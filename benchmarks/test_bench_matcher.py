"""Speed of the matcher: candidate generation, dispatch, re-dispatch, the assignment core.

Every solver result is passed through its independent checker.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from matcher import DispatchParams, DispatchProblem, dispatch, redispatch
from matcher.assignment import check_assignment, read_orlib, solve_assignment
from matcher.candidates import DispatchArrays, generate
from matcher.check import check
from matcher.synth import synthetic_problem
from volunteers.synth import generate_county

GAP_DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "gap"


def county_problem(volunteers: int, orders: int) -> DispatchProblem:
    org = generate_county(num_volunteers=volunteers, seed=1)
    return synthetic_problem(org, orders, seed=1, params=DispatchParams(seed=1, time_limit=30))


@pytest.fixture(scope="module")
def week_5k() -> DispatchProblem:
    """5,000 volunteers, 500 orders."""
    return county_problem(5_000, 500)


@pytest.fixture(scope="module")
def week_20k() -> DispatchProblem:
    """20,000 volunteers, 2,000 orders."""
    return county_problem(20_000, 2_000)


def candidates(problem: DispatchProblem) -> int:
    return generate(DispatchArrays.build(problem)).num_edges


def test_candidates_5k(benchmark: BenchmarkFixture, week_5k: DispatchProblem) -> None:
    """Candidate generation (arrays, skills, reach, time, caps) for 500 orders."""
    edges = benchmark.pedantic(candidates, args=(week_5k,), rounds=3)  # type: ignore[no-untyped-call]
    assert edges > 0


def test_candidates_20k(benchmark: BenchmarkFixture, week_20k: DispatchProblem) -> None:
    """Candidate generation for 2,000 orders over 20,000 volunteers."""
    edges = benchmark.pedantic(candidates, args=(week_20k,), rounds=2)  # type: ignore[no-untyped-call]
    assert edges > 0


def test_dispatch_5k(benchmark: BenchmarkFixture, week_5k: DispatchProblem) -> None:
    """A whole dispatch of 500 orders, checked."""
    result = benchmark.pedantic(dispatch, args=(week_5k,), rounds=1)  # type: ignore[no-untyped-call]
    assert check(week_5k, result).ok


def test_redispatch_one_decline_5k(benchmark: BenchmarkFixture, week_5k: DispatchProblem) -> None:
    """One declined offer re-dispatched against a 500-order plan, checked."""
    before = dispatch(week_5k)
    first = before.assignments[0]
    decline = [(first.order, first.volunteer_ids[0], "busy")]
    updated, after = benchmark.pedantic(  # type: ignore[no-untyped-call]
        redispatch, args=(week_5k, before), kwargs={"declined": decline}, rounds=3
    )
    assert check(updated, after).ok


@pytest.mark.parametrize("name", ["gap1-0", "a05100", "b05100"])
def test_assignment_core(benchmark: BenchmarkFixture, name: str) -> None:
    """Public GAP instances solved to proven optimality by the assignment core."""
    problem = read_orlib(GAP_DATA / name)
    result = benchmark.pedantic(  # type: ignore[no-untyped-call]
        solve_assignment, args=(problem,), kwargs={"time_limit": 30, "seed": 1}, rounds=2
    )
    report = check_assignment(problem, result.agent_of_job.tolist())
    assert report.feasible
    assert report.objective == result.objective == result.bound
