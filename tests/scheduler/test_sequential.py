"""Tests for ``scheduler.sequential``: a start that keeps minimum rules, volunteer by volunteer."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest
from ortools.sat.python import cp_model

from scheduler import Contract, RosterPin, RosterStatus, build_roster
from scheduler import solve as solve_module
from scheduler.arrays import RosterArrays
from scheduler.check import check
from scheduler.construct import greedy_roster
from scheduler.day_pricing import DayPricing
from scheduler.sequential import sequential_roster
from tests.scheduler.builders import roster, runs_of_two, shift, volunteer, without_tree_or_dive
from volunteers.control import SolveControl, controlled


def test_keeps_minimum_rules_the_greedy_breaks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The greedy start breaks the minimum runs; this one keeps them and is the answer.

    CP-SAT is made to find nothing and the master is neither searched by branch
    and price nor dived, so the roster
    returned is this construction, completed: it passes the checker, and every
    seat is filled. (Not at the optimum: the first volunteer takes every day, so
    the others, who must work two, go over the target.)
    """
    p = runs_of_two()
    arr = RosterArrays.build(p)
    assert not solve_module._keeps_every_rule(arr, greedy_roster(arr))

    def nothing(model: object, arr: RosterArrays, seconds: float) -> object:
        return cp_model.CpSolver(), cp_model.UNKNOWN

    monkeypatch.setattr(solve_module, "_solve", nothing)
    without_tree_or_dive(monkeypatch)
    result = build_roster(p)
    assert result.status == RosterStatus.FEASIBLE
    report = check(p, result)
    assert report.ok, report.violations
    assert all(c.under == 0 for c in result.coverage)
    assert result.objective == report.objective


def test_pins_and_maximums() -> None:
    """A pin is kept, and a shift at its maximum takes nobody else."""
    p = roster(
        [volunteer("a"), volunteer("b")],
        [shift("s0", 0, target=2, maximum=1), shift("s1", 1)],
        pins=(RosterPin(volunteer="b", shift="s0"),),
    )
    arr = RosterArrays.build(p)
    chosen = sequential_roster(arr, until=time.perf_counter() + 5.0)
    assert chosen is not None
    got = set(arr.pairs(chosen))
    assert ("b", "s0") in got
    assert ("a", "s0") not in got
    assert len({s for _, s in got}) == 2


@pytest.mark.parametrize("workers", [1, 2])
def test_retry_uses_the_callers_workers(monkeypatch: pytest.MonkeyPatch, workers: int) -> None:
    """A volunteer whose one-worker try finds nothing is retried with the caller's workers.

    One-worker solves (and the whole model's) are made to find nothing: with two
    workers the retries succeed and the roster returned is this construction,
    which passes the checker; with one the retries fail too, and there is no
    roster.
    """
    real = cp_model.CpSolver.solve

    def one_worker_finds_nothing(self: cp_model.CpSolver, *args: Any) -> Any:
        if self.parameters.num_workers == 1:
            real(self, cp_model.CpModel())  # a response to count, and nothing found
            return cp_model.UNKNOWN
        return real(self, *args)

    def nothing(model: object, arr: RosterArrays, seconds: float) -> object:
        return cp_model.CpSolver(), cp_model.UNKNOWN

    def no_walk(*args: Any) -> None:
        return None

    monkeypatch.setattr(cp_model.CpSolver, "solve", one_worker_finds_nothing)
    monkeypatch.setattr(solve_module, "_solve", nothing)
    # The CP-SAT path is under test: no volunteer gets a walk over the days.
    monkeypatch.setattr(DayPricing, "build", no_walk)
    p = runs_of_two()
    p = p.model_copy(update={"params": p.params.model_copy(update={"workers": workers})})
    result = build_roster(p)
    if workers == 1:
        assert result.status == RosterStatus.TIME_LIMIT
        assert not result.assignments
    else:
        assert result.status == RosterStatus.FEASIBLE
        report = check(p, result)
        assert report.ok, report.violations
        assert all(c.under == 0 for c in result.coverage)


def test_impossible_contract_gives_none() -> None:
    """A volunteer whose own rules cannot hold (8 h at least, 3 h of shifts): no roster."""
    p = roster(
        [volunteer("a")],
        [shift("s0", 0)],
        contracts=(Contract(id="c", min_minutes=480),),
        default_contract="c",
    )
    arr = RosterArrays.build(p)
    assert sequential_roster(arr, until=time.perf_counter() + 5.0) is None


def test_out_of_time_gives_none() -> None:
    """No time left: no roster (never a partial one)."""
    arr = RosterArrays.build(runs_of_two())
    assert sequential_roster(arr, until=time.perf_counter() - 1.0) is None
    assert np.any(sequential_roster(arr, until=time.perf_counter() + 5.0))


def test_past_its_target_the_construction_goes_on_to_its_stop() -> None:
    """Past ``until`` but before ``stop``: the same roster as with time to spare."""
    arr = RosterArrays.build(runs_of_two())
    now = time.perf_counter()
    late = sequential_roster(arr, until=now - 1.0, stop=now + 5.0)
    early = sequential_roster(arr, until=now + 5.0)
    assert late is not None
    assert early is not None
    assert np.array_equal(late, early)
    assert sequential_roster(arr, until=now - 1.0, stop=now - 0.5) is None


def test_stop_requested_gives_none() -> None:
    """A caller's stop ends the construction at once, without a roster."""
    arr = RosterArrays.build(runs_of_two())
    with controlled(SolveControl(should_stop=lambda: True)):
        assert sequential_roster(arr, until=time.perf_counter() + 5.0) is None


def test_pair_lookup_agrees_with_a_scan() -> None:
    """``RosterArrays.edge_of`` and ``vol_start`` (used for pins) agree with a full scan."""
    arr = RosterArrays.build(runs_of_two())
    for v in range(arr.num_volunteers):
        lo, hi = arr.vol_start()[v : v + 2]
        assert set(range(lo, hi)) == set(np.flatnonzero(arr.edge_vol == v).tolist())
        for s in range(arr.num_shifts):
            hit = np.flatnonzero((arr.edge_vol == v) & (arr.edge_shift == s))
            assert arr.edge_of(v, s) == (int(hit[0]) if len(hit) else None)
    assert arr.edge_of(0, arr.num_shifts) is None
