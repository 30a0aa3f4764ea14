"""Branch and price: the knapsack pricing, the master's bound, and whole trees.

Every assignment the search returns goes through the independent checker.
"""

from __future__ import annotations

import itertools
import math
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.assignment import AssignmentProblem, check_assignment, read_orlib
from matcher.assignment import price as price_module
from matcher.assignment import solve as solve_module
from matcher.assignment.price import BranchAndPrice, knapsack, pricing_cells
from tests.matcher.assignment.test_solve import brute_force, small_problems

DATA = Path(__file__).resolve().parents[2] / "data" / "gap"


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.tuples(st.integers(-5, 20), st.integers(0, 6)), min_size=0, max_size=8),
    st.integers(0, 12),
)
def test_knapsack_matches_enumeration(items: list[tuple[int, int]], capacity: int) -> None:
    """Best profit equals the best subset's; the chosen items fit and earn it."""
    profit = np.array([float(v) for v, _ in items])
    load = np.array([w for _, w in items], dtype=np.int64)
    value, chosen = knapsack(profit, load, capacity)
    best = 0.0
    for size in range(len(items) + 1):
        for subset in itertools.combinations(range(len(items)), size):
            if load[list(subset)].sum() <= capacity:
                best = max(best, float(profit[list(subset)].sum()))
    assert value == pytest.approx(best)
    assert load[chosen].sum() <= capacity
    assert profit[chosen].sum() == pytest.approx(value)


def _pricer(problem: AssignmentProblem) -> tuple[BranchAndPrice, solve_module._Data]:
    d = solve_module._prepare(problem)
    return BranchAndPrice(problem, d.edges, d.job_cost), d


def test_master_bound_lies_between_the_edge_lp_and_the_optimum() -> None:
    """gap1-0: the knapsack bound is at least the edge LP's and at most the optimum 261."""
    problem = read_orlib(DATA / "gap1-0")
    pricer, d = _pricer(problem)
    _, lp_value, _ = solve_module._lp(d, 10.0)
    root = pricer.root(time.perf_counter() + 30.0)
    assert root is not None
    assert lp_value is not None
    assert lp_value - 1e-6 <= root <= 261 + 1e-6


def test_tree_proves_the_optimum_of_a_public_instance() -> None:
    """gap1-0 from no incumbent: the tree ends, its assignment passes the checker at 261."""
    problem = read_orlib(DATA / "gap1-0")
    pricer, _ = _pricer(problem)
    found, cost, done = pricer.search(time.perf_counter() + 60.0, math.inf)
    assert done
    assert found is not None
    agent = np.where(found >= 0, problem.edge_agent[np.maximum(found, 0)], -1)
    report = check_assignment(problem, agent.tolist())
    assert report.feasible, report.violations
    assert report.objective == cost == 261


def test_a_known_incumbent_that_is_optimal_is_proven_and_not_replaced() -> None:
    """Given the optimum as incumbent, the tree finds nothing better and says it is done."""
    problem = read_orlib(DATA / "gap1-0")
    pricer, _ = _pricer(problem)
    found, cost, done = pricer.search(time.perf_counter() + 60.0, 261.0)
    assert (found, cost, done) == (None, 261.0, True)


def test_highs_master_gives_the_same_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """With GLOP failing every solve, the HiGHS master converges to the same bound."""
    problem = read_orlib(DATA / "gap1-0")
    glop = _pricer(problem)[0].root(time.perf_counter() + 30.0)
    monkeypatch.setattr(price_module.BranchAndPrice, "_solve_glop", lambda self: None)
    highs = _pricer(problem)[0].root(time.perf_counter() + 30.0)
    assert glop is not None
    assert highs is not None
    assert glop == pytest.approx(highs, abs=1e-6)


def test_pricing_cells_count_edges_times_capacity() -> None:
    """Two agents of capacities 3 and 0 with two and one edges: 2 * 4 + 1 * 1 cells."""
    problem = AssignmentProblem.from_matrices(
        np.array([[1, 1], [1, 9]]), np.array([[1, 1], [0, 9]]), np.array([3, 0])
    )
    d = solve_module._prepare(problem)
    assert pricing_cells(problem, d.edges) == 2 * 4 + 1 * 1


@settings(max_examples=60, deadline=None)
@given(small_problems())
def test_random_small_trees_match_brute_force(problem: AssignmentProblem) -> None:
    """From no incumbent, the whole tree gives the enumerated optimum (must and may jobs)."""
    pricer, d = _pricer(problem)
    found, cost, done = pricer.search(time.perf_counter() + 60.0, math.inf)
    assert done
    optimum = brute_force(problem)
    assert found is not None  # leaving every job out is always a leaf
    served_must = not (problem.must & (found < 0)).any()
    if optimum is None:
        assert not served_must
        return
    assert served_must
    agent = np.where(found >= 0, problem.edge_agent[np.maximum(found, 0)], -1)
    report = check_assignment(problem, agent.tolist())
    assert report.feasible, report.violations
    assert report.objective == cost == optimum
    assert cost == solve_module._total(d, found)


def test_closing_the_gap_finds_the_optimum_and_proves_it() -> None:
    """gap1-0 after the root: above the optimum the MIP finds 261; at 261 nothing is cheaper."""
    problem = read_orlib(DATA / "gap1-0")
    pricer, _ = _pricer(problem)
    assert pricer.root(time.perf_counter() + 30.0) is not None
    found, done = pricer.close_gap(265.0, time.perf_counter() + 30.0, limit=50_000)
    assert done
    assert found is not None
    agent = np.where(found >= 0, problem.edge_agent[np.maximum(found, 0)], -1)
    report = check_assignment(problem, agent.tolist())
    assert report.feasible, report.violations
    assert report.objective == pricer.cost_of(found) == 261
    assert pricer.close_gap(261.0, time.perf_counter() + 30.0, limit=50_000) == (None, True)


def test_closing_the_gap_gives_up_beyond_its_column_limit() -> None:
    """With room for a single column, the enumeration stops and proves nothing."""
    problem = read_orlib(DATA / "gap1-0")
    pricer, _ = _pricer(problem)
    assert pricer.root(time.perf_counter() + 30.0) is not None
    assert pricer.close_gap(300.0, time.perf_counter() + 30.0, limit=1) == (None, False)


@settings(max_examples=40, deadline=None)
@given(small_problems())
def test_closing_the_gap_on_random_small_problems_matches_brute_force(
    problem: AssignmentProblem,
) -> None:
    """From a loose incumbent, the MIP over enumerated columns reaches the enumerated optimum."""
    pricer, _ = _pricer(problem)
    optimum = brute_force(problem)
    if optimum is None or pricer.root(time.perf_counter() + 30.0) is None:
        return
    found, done = pricer.close_gap(optimum + 5.0, time.perf_counter() + 30.0, limit=100_000)
    assert done
    assert found is not None
    agent = np.where(found >= 0, problem.edge_agent[np.maximum(found, 0)], -1)
    report = check_assignment(problem, agent.tolist())
    assert report.feasible, report.violations
    assert report.objective == pricer.cost_of(found) == optimum
