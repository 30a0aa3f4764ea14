"""Solving capacitated assignment problems: optima, must and may jobs, infeasibility.

Every result goes through the independent checker.
"""

from __future__ import annotations

import csv
import itertools
import logging
import math
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.assignment import (
    AssignmentProblem,
    AssignmentResult,
    check_assignment,
    read_orlib,
    solve_assignment,
)
from matcher.assignment import solve as solve_module
from matcher.result import SolveStatus

DATA = Path(__file__).resolve().parents[2] / "data" / "gap"


def checked(problem: AssignmentProblem, result: AssignmentResult) -> AssignmentResult:
    """The result, after the checker confirmed it (when it claims a solution)."""
    if result.objective is not None:
        report = check_assignment(problem, result.agent_of_job.tolist())
        assert report.feasible, report.violations
        assert report.objective == result.objective
        if result.bound is not None:
            assert result.bound <= result.objective
    return result


def optima() -> list[tuple[str, int]]:
    with (DATA / "optima.csv").open() as fh:
        return [(row["instance"], int(row["optimum"])) for row in csv.DictReader(fh)]


@pytest.mark.parametrize(("name", "optimum"), optima())
def test_public_instances_reach_their_proven_optimum(name: str, optimum: int) -> None:
    """Small OR-Library instances: the proven optimum, and the proof."""
    problem = read_orlib(DATA / name)
    result = checked(problem, solve_assignment(problem, time_limit=20, seed=1))
    assert result.status is SolveStatus.OPTIMAL
    assert result.objective == optimum
    assert result.bound == optimum


def test_neighbourhood_search_alone_is_reproducible_and_near_optimal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without the exact phase, the neighbourhoods alone get within 1% and repeat exactly."""
    monkeypatch.setattr(solve_module, "EXACT_EDGES", 0)
    problem = read_orlib(DATA / "b05100")
    runs = [
        checked(problem, solve_assignment(problem, time_limit=60, seed=7, max_iterations=40))
        for _ in range(2)
    ]
    assert runs[0].iterations == 40
    assert np.array_equal(runs[0].agent_of_job, runs[1].agent_of_job)
    assert runs[0].objective is not None
    assert runs[0].objective <= 1.01 * dict(optima())["b05100"]


def tiny(
    cost: list[list[int]],
    load: list[list[int]],
    capacity: list[int],
    must: list[bool] | None = None,
    penalty: list[int] | None = None,
) -> AssignmentProblem:
    return AssignmentProblem.from_matrices(
        np.array(cost), np.array(load), np.array(capacity), must=must, penalty=penalty
    )


def test_capacity_moves_a_job_off_its_cheapest_agent() -> None:
    """Both jobs prefer agent 0, which holds only one of them."""
    problem = tiny(cost=[[1, 1], [5, 9]], load=[[2, 2], [2, 2]], capacity=[3, 3])
    result = checked(problem, solve_assignment(problem, time_limit=5))
    assert result.status is SolveStatus.OPTIMAL
    assert result.agent_of_job.tolist() == [1, 0]
    assert result.objective == 6


def test_may_job_left_out_when_its_penalty_is_cheaper() -> None:
    """A may job is served only when serving costs less than its penalty."""
    cheap = tiny(cost=[[10]], load=[[1]], capacity=[1], must=[False], penalty=[4])
    result = checked(cheap, solve_assignment(cheap, time_limit=5))
    assert result.agent_of_job.tolist() == [-1]
    assert result.objective == 4
    dear = tiny(cost=[[10]], load=[[1]], capacity=[1], must=[False], penalty=[40])
    result = checked(dear, solve_assignment(dear, time_limit=5))
    assert result.agent_of_job.tolist() == [0]
    assert result.objective == 10


def test_must_job_without_an_agent_is_infeasible_with_its_name() -> None:
    """A must job whose only edge overloads its agent: infeasible, job named."""
    problem = tiny(cost=[[1, 1]], load=[[1, 5]], capacity=[3])
    result = solve_assignment(problem, time_limit=5)
    assert result.status is SolveStatus.INFEASIBLE
    assert result.objective is None
    assert result.reasons == ("job 1 has no agent with a candidate edge and enough capacity",)


def test_capacities_too_small_even_fractionally_is_infeasible() -> None:
    """Total load beyond total capacity: the LP relaxation proves it."""
    problem = tiny(cost=[[1, 1], [1, 1]], load=[[2, 2], [2, 2]], capacity=[3, 0])
    result = solve_assignment(problem, time_limit=5)
    assert result.status is SolveStatus.INFEASIBLE
    assert "LP relaxation infeasible" in result.reasons[0]


def test_integer_infeasibility_is_proven_by_the_exact_search() -> None:
    """Loads 2, 2, 2 into capacities 3, 3: fits fractionally, not whole."""
    problem = tiny(cost=[[1, 1, 1], [1, 1, 1]], load=[[2, 2, 2], [2, 2, 2]], capacity=[3, 3])
    result = solve_assignment(problem, time_limit=5)
    assert result.status is SolveStatus.INFEASIBLE
    assert result.reasons


def brute_force(problem: AssignmentProblem) -> int | None:
    """Optimum by enumerating every assignment (``None`` when none is feasible)."""
    options: list[list[int]] = []
    for j in range(problem.n_jobs):
        agents = problem.edge_agent[problem.edge_job == j].tolist()
        options.append(agents + ([] if problem.must[j] else [-1]))
    best: int | None = None
    for combo in itertools.product(*options):
        report = check_assignment(problem, list(combo))
        if report.feasible and report.objective is not None:
            best = report.objective if best is None else min(best, report.objective)
    return best


@st.composite
def small_problems(draw: st.DrawFn) -> AssignmentProblem:
    m = draw(st.integers(1, 3))
    n = draw(st.integers(1, 5))
    pairs = draw(
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, m - 1)),
            min_size=1,
            max_size=m * n,
            unique=True,
        )
    )
    k = len(pairs)
    return AssignmentProblem(
        n_jobs=n,
        n_agents=m,
        edge_job=np.array([j for j, _ in pairs]),
        edge_agent=np.array([a for _, a in pairs]),
        edge_cost=np.array(draw(st.lists(st.integers(-5, 20), min_size=k, max_size=k))),
        edge_load=np.array(draw(st.lists(st.integers(0, 6), min_size=k, max_size=k))),
        capacity=np.array(draw(st.lists(st.integers(0, 10), min_size=m, max_size=m))),
        must=np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n))),
        penalty=np.array(draw(st.lists(st.integers(0, 25), min_size=n, max_size=n))),
    )


@settings(max_examples=60, deadline=None)
@given(small_problems())
def test_random_small_problems_match_brute_force(problem: AssignmentProblem) -> None:
    """Optimal and equal to enumeration when feasible; infeasible exactly when it is."""
    result = checked(problem, solve_assignment(problem, time_limit=10, seed=3))
    optimum = brute_force(problem)
    if optimum is None:
        assert result.status is SolveStatus.INFEASIBLE
    else:
        assert result.status is SolveStatus.OPTIMAL
        assert result.objective == optimum


def _tight(seed: int, agents: int = 10, jobs: int = 80) -> AssignmentProblem:
    """A tightly packed random instance (chu1997 type d): costs fall as loads rise."""
    rng = np.random.default_rng(seed)
    load = rng.integers(1, 101, size=(agents, jobs))
    cost = 111 - load + rng.integers(-10, 11, size=(agents, jobs))
    capacity = (0.8 * load.sum(axis=1) / agents).astype(np.int64)
    return AssignmentProblem.from_matrices(cost, load, capacity)


def test_exact_run_stops_at_its_checkpoint_only_when_far_from_its_bound() -> None:
    """A checkpoint with a negative gap stops the run there; an infinite one never does."""
    problem = _tight(1)
    d = solve_module._prepare(problem)
    start = solve_module._round(d, solve_module._lp(d, 10.0)[2])
    far = solve_module._Search(d, start, None, seed=1, workers=1)
    t0 = time.perf_counter()
    assert far.exact(t0 + 20.0, share=1.0, checkpoint=(0.01, -1.0))
    assert time.perf_counter() - t0 < 5.0
    near = solve_module._Search(d, start, None, seed=1, workers=1)
    assert not near.exact(time.perf_counter() + 1.0, share=1.0, checkpoint=(0.01, math.inf))


def test_tightly_packed_problem_goes_through_branch_and_price(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """20 agents x 100 jobs, type d: the master's bound is computed, and reported when higher."""
    problem = _tight(2, agents=20, jobs=100)
    with caplog.at_level(logging.DEBUG, logger="matcher.assignment.solve"):
        # The root gets a fifth of what the exact run leaves: 1.6 s at a 10 s
        # limit, and it takes about 1.9 s here (OR-Tools 9.15, numpy 2.4).
        result = checked(problem, solve_assignment(problem, time_limit=20, seed=1, workers=2))
    lines = [r.getMessage() for r in caplog.records]
    roots = [line for line in lines if line.startswith("master bound")]
    assert len(roots) == 1
    root = float(roots[0].split()[2].rstrip(","))  # "master bound 6177.1, 1.20 s"
    assert result.bound is not None
    assert result.bound >= math.ceil(root - 1e-6)
