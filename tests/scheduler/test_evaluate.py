"""Penalties priced without a solver equal the CP-SAT model's; the constructive fallback."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from ortools.sat.python import cp_model

from scheduler import (
    RosterPin,
    RosterProblem,
    RosterResult,
    RosterStatus,
    RosterWeights,
    build_roster,
)
from scheduler import solve as solve_module
from scheduler.arrays import RosterArrays
from scheduler.check import check
from scheduler.construct import greedy_roster
from scheduler.evaluate import objective, penalties
from tests.scheduler.builders import roster, shift, volunteer
from tests.scheduler.test_properties import problems


def _chosen(arr: RosterArrays, result: RosterResult) -> np.ndarray:
    vindex = arr.problem.organization.volunteer_index
    pairs = {(vindex[a.volunteer], arr.problem.shift_index[a.shift]) for a in result.assignments}
    return np.asarray(
        [(int(v), int(s)) in pairs for v, s in zip(arr.edge_vol, arr.edge_shift, strict=True)]
    )


def _named(arr: RosterArrays, chosen: np.ndarray) -> Counter[tuple[object, ...]]:
    p = arr.problem
    vols = p.organization.volunteers
    return Counter(
        (
            t.rule,
            round(t.coef * value / 100, 6),
            vols[t.volunteer].id if t.volunteer is not None else None,
            p.shifts[t.shift].id if t.shift is not None else None,
            t.day,
            t.detail,
        )
        for t, value in penalties(arr, chosen)
    )


def _reported(p: RosterProblem, result: RosterResult) -> Counter[tuple[object, ...]]:
    return Counter(
        (
            x.rule,
            x.amount,
            x.volunteer,
            x.shift,
            None if x.day is None else (x.day - p.start).days,
            x.detail,
        )
        for x in result.penalties
    )


@settings(max_examples=50, deadline=None)
@given(problems())
def test_priced_roster_equals_the_models_terms(p: RosterProblem) -> None:
    """For the solver's roster: the same named penalties and the same objective."""
    result = build_roster(p)
    arr = RosterArrays.build(p)
    chosen = _chosen(arr, result)
    assert _named(arr, chosen) == _reported(p, result)
    assert result.objective is not None
    assert abs(objective(penalties(arr, chosen)) - result.objective) < 1e-6


@settings(max_examples=50, deadline=None)
@given(problems())
def test_priced_construction_equals_the_checker(p: RosterProblem) -> None:
    """For the constructive roster, when it keeps every rule: the checker's objective."""
    arr = RosterArrays.build(p)
    chosen = greedy_roster(arr)
    if not solve_module._keeps_every_rule(arr, chosen):
        return
    report = check(p, arr.pairs(chosen))
    assert report.feasible, report.violations
    assert abs(report.objective - objective(penalties(arr, chosen))) < 1e-6


def _with_previous() -> RosterProblem:
    return roster(
        [volunteer("a"), volunteer("b", 1.0), volunteer("c", 2.0)],
        [shift("s1", 0), shift("s2", 1, target=2), shift("s3", 2)],
        weights=RosterWeights(travel=0.2, change=3.0),
        previous=(RosterPin(volunteer="c", shift="s1"), RosterPin(volunteer="a", shift="s3")),
    )


def test_change_terms_priced() -> None:
    """Re-rostering: kept, dropped and added pairs priced as the model prices them."""
    p = _with_previous()
    result = build_roster(p)
    arr = RosterArrays.build(p)
    assert _named(arr, _chosen(arr, result)) == _reported(p, result)


def test_too_large_to_model_returns_the_construction(monkeypatch: pytest.MonkeyPatch) -> None:
    """No time to build the model: the constructive roster, priced, without a bound, checked."""
    monkeypatch.setattr(solve_module, "BUILD_SECONDS_PER_PAIR", 1e6)
    p = _with_previous()
    result = build_roster(p)
    assert result.status == RosterStatus.FEASIBLE
    assert result.bound is None
    assert "build" not in result.timings
    assert result.assignments
    report = check(p, result)
    assert report.ok, (report.violations, report.objective, result.objective)


def test_no_time_after_building_returns_the_construction(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Built, but no time left to search it: the constructive roster, without a bound, checked."""
    monkeypatch.setattr(solve_module, "AFTER_BUILD", 1e9)

    def no_search(*args: object) -> object:
        raise AssertionError("nothing is searched")

    monkeypatch.setattr(solve_module, "_warm_start", no_search)
    monkeypatch.setattr(solve_module, "_solve", no_search)
    p = _with_previous()
    result = build_roster(p)
    assert result.status == RosterStatus.FEASIBLE
    assert result.bound is None
    assert "build" in result.timings
    assert result.assignments
    report = check(p, result)
    assert report.ok, (report.violations, report.objective, result.objective)


def test_completed_construction_claims_no_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """CP-SAT finds nothing in time: the completed construction is the answer, with no bound.

    (Its fixed model's bound equals its own objective, which proves nothing.
    Column generation and the MIP, which would give a true bound, are switched off.)
    """
    monkeypatch.setattr(solve_module, "COLUMNS_MAX_PAIRS", -1)
    monkeypatch.setattr(solve_module, "_without_minimums", lambda arr: False)

    def nothing(model: object, arr: RosterArrays, seconds: float) -> object:
        return cp_model.CpSolver(), cp_model.UNKNOWN

    monkeypatch.setattr(solve_module, "_solve", nothing)
    p = _with_previous()
    result = build_roster(p)
    assert result.status == RosterStatus.FEASIBLE
    assert result.bound is None
    assert result.assignments
    report = check(p, result)
    assert report.ok, (report.violations, report.objective, result.objective)


def test_objective_is_priced_from_the_roster(monkeypatch: pytest.MonkeyPatch) -> None:
    """Penalty variables left slack by a solve do not reach the reported objective.

    Every CP-SAT search is replaced by one that pushes the penalty variables as
    high as they go (as a solve stopped early may leave them): the objective and
    the named penalties still are the roster's own, which the checker recomputes.
    """

    def slack(model: cp_model.CpModel, arr: RosterArrays, seconds: float) -> object:
        loose = model.clone()
        loose.clear_objective()  # type: ignore[no-untyped-call]
        # The pair variables come first (one per pair); push the others up.
        others = [
            loose.get_int_var_from_proto_index(i)
            for i in range(arr.num_edges, len(loose.proto.variables))
        ]
        loose.maximize(sum(others))
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = 5.0
        return solver, solver.solve(loose)

    monkeypatch.setattr(solve_module, "_solve", slack)
    p = _with_previous()
    result = build_roster(p)
    assert result.objective is not None
    report = check(p, result)
    assert report.ok, (report.violations, report.objective, result.objective)
    assert result.objective == pytest.approx(sum(x.amount for x in result.penalties))
