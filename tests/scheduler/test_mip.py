"""The roster model as a MIP: same optimum as CP-SAT, checker-clean rosters, exact bounds."""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from benchmarks.timefold import timefold_params, timefold_score, to_problem
from scheduler import (
    RosterParams,
    RosterProblem,
    RosterStatus,
    build_roster,
)
from scheduler import solve as solve_module
from scheduler.arrays import SCALE, RosterArrays
from scheduler.check import check
from scheduler.evaluate import objective as priced
from scheduler.evaluate import penalties as itemized
from scheduler.mip import UnsupportedError, balanced_loads, linear_form, solve_mip, solve_rens
from scheduler.solve import _build_model, _mip_phase
from scheduler.synth import synthetic_roster
from tests.scheduler.test_properties import brute_force_optimum, problems
from volunteers.synth import generate_county

DATA = Path(__file__).parent.parent / "data" / "timefold"


def _cp_sat_optimum(model: cp_model.CpModel) -> tuple[Any, float | None]:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 20.0
    status = solver.solve(model)
    assert status in (cp_model.OPTIMAL, cp_model.INFEASIBLE)
    return status, solver.objective_value if status == cp_model.OPTIMAL else None


def _assert_checked(
    p: RosterProblem, arr: RosterArrays, x: list[Any], constant: int, values: Any, value: float
) -> None:
    """The roster of the MIP's ``values`` passes the checker, at the MIP's ``value``."""
    chosen = values[[v.index for v in x]] > 0.5
    report = check(p, arr.pairs(chosen))
    assert report.feasible, report.violations
    assert abs(report.objective - (value + constant) / SCALE) < 1e-6


@settings(max_examples=60, deadline=None)
@given(st.one_of(problems(), problems(fixed=True)))
def test_the_mip_has_the_models_optimum(p: RosterProblem) -> None:
    """HiGHS on the translated model: CP-SAT's optimum, and a roster the checker accepts."""
    arr = RosterArrays.build(p)
    model, x, _, constant = _build_model(arr)
    status, optimum = _cp_sat_optimum(model)
    answer = solve_mip(linear_form(model), 20.0)
    if status == cp_model.INFEASIBLE:
        assert answer.infeasible
        return
    assert answer.optimal
    assert answer.values is not None
    assert answer.objective is not None
    assert optimum is not None
    assert abs(answer.objective - optimum) < 1e-6, (answer.objective, optimum)
    _assert_checked(p, arr, x, constant, answer.values, answer.objective)


@settings(max_examples=60, deadline=None)
@given(st.one_of(problems(), problems(fixed=True)))
def test_rens_gives_a_roster_of_the_model_or_nothing(p: RosterProblem) -> None:
    """RENS: a roster the checker accepts, priced as it says and no better than the optimum."""
    arr = RosterArrays.build(p)
    model, x, _, constant = _build_model(arr)
    status, optimum = _cp_sat_optimum(model)
    answer = solve_rens(linear_form(model), 20.0, np.asarray([v.index for v in x], dtype=np.int64))
    assert answer.bound is None  # a restriction's bound bounds nothing
    if answer.values is None:
        return
    assert status == cp_model.OPTIMAL
    assert answer.objective is not None
    assert optimum is not None
    assert answer.objective >= optimum - 1e-6
    _assert_checked(p, arr, x, constant, answer.values, answer.objective)


@settings(max_examples=40, deadline=None)
@given(problems(max_vols=2, max_shifts=3, fixed=True))
def test_fixed_head_counts_match_brute_force(p: RosterProblem) -> None:
    """Every head count fixed: the MIP phase finds the brute-force optimum, bounded below."""
    best = brute_force_optimum(p)
    arr = RosterArrays.build(p)
    model, x, _, constant = _build_model(arr)
    found, bound = _mip_phase(model, x, arr, constant, time.perf_counter() + 20.0)
    if best is None:
        assert found is None
        return
    assert found is not None
    value = priced(itemized(arr, found))
    assert abs(value - best) < 1e-6, (value, best)
    assert bound is not None
    assert bound <= best + 1e-6
    assert check(p, arr.pairs(found)).feasible


def test_the_relaxation_bounds_the_optimum_from_below() -> None:
    """The LP of the translated Timefold SMALL model is at most its MIP optimum."""
    arr = RosterArrays.build(to_problem(DATA / "small.json", timefold_params(10.0)))
    model, *_ = _build_model(arr)
    form = linear_form(model)
    lp = solve_mip(form, 10.0, relax=True)
    exact = solve_mip(form, 10.0)
    assert lp.bound is not None
    assert exact.objective is not None
    assert exact.optimal
    assert lp.bound <= exact.objective + 1e-6
    plain = solve_mip(form.without_fairness(), 10.0)
    assert plain.objective is not None
    assert plain.objective < exact.objective  # the squares cost something


def test_the_timefold_small_mip_phase_proves_the_optimum() -> None:
    """Fixed head counts and fairness in shifts: balanced loads meet the bound (2878.2873)."""
    arr = RosterArrays.build(to_problem(DATA / "small.json", timefold_params(10.0)))
    model, x, _, constant = _build_model(arr)
    found, bound = _mip_phase(model, x, arr, constant, time.perf_counter() + 10.0)
    assert found is not None
    assert bound is not None
    assert priced(itemized(arr, found)) == pytest.approx(bound)
    assignment = {shift: volunteer for volunteer, shift in arr.pairs(found)}
    score = timefold_score(DATA / "small.json", assignment)
    assert score.hard == 0
    assert score.unassigned == 0
    assert score.soft == 2878.2873


@pytest.mark.parametrize(("n", "total"), [(1, 5), (3, 7), (4, 8), (5, 2)])
def test_balanced_loads_give_the_least_sum_of_squares(n: int, total: int) -> None:
    """The least sum of squares over every split of ``total`` into ``n`` loads, by enumeration."""
    low, high, least = balanced_loads(n, total)
    splits = [c for c in itertools.product(range(total + 1), repeat=n) if sum(c) == total]
    assert least == min(sum(k * k for k in c) for c in splits)
    best = [c for c in splits if sum(k * k for k in c) == least]
    assert all(low <= k <= high for c in best for k in c)


def test_an_enforcement_literal_is_not_translated() -> None:
    """A half-reified constraint: :class:`UnsupportedError`, and the caller keeps to CP-SAT."""
    model = cp_model.CpModel()
    a, b = model.new_bool_var("a"), model.new_bool_var("b")
    model.add(a + b <= 1).only_enforce_if(a)
    with pytest.raises(UnsupportedError):
        linear_form(model)


def test_negated_literals_in_the_objective() -> None:
    """``minimize 3 not(a) + 2 a + 2 b`` with ``not(a) or b``: optimum 3, both false."""
    model = cp_model.CpModel()
    a, b = model.new_bool_var("a"), model.new_bool_var("b")
    model.add_bool_or([a.Not(), b])
    model.minimize(3 * a.Not() + 2 * a + 2 * b)
    answer = solve_mip(linear_form(model), 5.0)
    assert answer.objective == pytest.approx(3.0)
    assert answer.values is not None
    assert np.array_equal(answer.values[[a.index, b.index]], [0.0, 0.0])


def test_a_maximum_of_literals_is_bounded_both_ways() -> None:
    """``t = max(a, b)`` rewarded (``5 not(t)``) while ``a`` and ``b`` cost 3 each: 3."""
    model = cp_model.CpModel()
    a, b, t = (model.new_bool_var(n) for n in "abt")
    model.add_max_equality(t, [a, b])
    model.add(a + b <= 1)
    model.minimize(5 * t.Not() + 3 * a + 3 * b)
    answer = solve_mip(linear_form(model), 5.0)
    assert answer.objective == pytest.approx(3.0)
    assert answer.values is not None
    assert answer.values[t.index] == 1.0
    assert answer.values[a.index] + answer.values[b.index] == 1.0


def test_a_large_assignment_like_roster_goes_to_the_mip_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Above the column-generation size, few constraints per pair: the MIP proves the optimum.

    The size limit is lowered so that a small synthetic week takes the large-model
    path; CP-SAT alone finds nothing better and bounds it from below.
    """
    org = generate_county(num_volunteers=800, seed=3)
    problem = synthetic_roster(org, 3, seed=3, params=RosterParams(time_limit=20.0, seed=1))
    monkeypatch.setattr(solve_module, "COLUMNS_MAX_PAIRS", 0)
    result = build_roster(problem)
    assert "mip" in result.timings
    assert "solve" not in result.timings  # proven by the MIP phase, no CP-SAT search
    assert result.status == RosterStatus.OPTIMAL
    assert check(problem, result).ok
    arr = RosterArrays.build(problem)
    model, _, _, constant = _build_model(arr)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 5.0
    assert solver.solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    # CP-SAT alone (it does not prove this one in 20 s): nothing better, a bound below.
    assert result.objective is not None
    assert result.objective <= (solver.objective_value + constant) / SCALE + 1e-6
    assert (solver.best_objective_bound + constant) / SCALE <= result.objective + 1e-6
