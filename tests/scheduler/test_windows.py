"""Tests for ``scheduler.windows``: a roster re-solved window by window by CP-SAT."""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scheduler import Contract, RosterProblem, build_roster
from scheduler.arrays import RosterArrays
from scheduler.check import check
from scheduler.clock import Clock, clocked
from scheduler.improve import improve_roster
from scheduler.sequential import sequential_roster
from scheduler.solve import _build_model
from scheduler.windows import _spans_keep, window_search
from tests.scheduler.builders import roster, shift, volunteer

DAYS = 14


def skilled_and_plain() -> RosterProblem:
    """Two weeks; on day 9 a shift only ``a`` may take and one anyone may take.

    ``a`` (skilled) and ``b`` (not) may each work one shift a day.
    """
    return roster(
        [volunteer("a", skills=("help", "aid")), volunteer("b")],
        [
            shift("skilled", 9, "09:00", "12:00", skills=("aid",)),
            shift("plain", 9, "09:00", "12:00"),
            shift("early", 1, "09:00", "12:00"),
        ],
        num_days=DAYS,
    )


def pairs(arr: RosterArrays, *on: tuple[str, str]) -> np.ndarray:
    """The roster with exactly the (volunteer, shift) id pairs ``on``."""
    p = arr.problem
    chosen = np.zeros(arr.num_edges, dtype=bool)
    for v, s in on:
        e = arr.edge_of(p.organization.volunteer_index[v], p.shift_index[s])
        assert e is not None
        chosen[e] = True
    return chosen


def searched(p: RosterProblem, start: np.ndarray, work: float, seed: int = 1) -> np.ndarray:
    """``start`` after ``work`` work seconds of windows (one worker, a counting clock)."""
    arr = RosterArrays.build(p)
    model, x, _, _ = _build_model(arr)
    with clocked(Clock(time_limit=60.0, work_limit=work)) as clock:
        return window_search(model, x, arr, start, until=clock.deadline, seed=seed)


def side_by_side(p: RosterProblem, start: np.ndarray, seconds: float, seed: int) -> np.ndarray:
    """``start`` after ``seconds`` of windows solved two at a time (wall clock)."""
    arr = RosterArrays.build(p)
    model, x, _, _ = _build_model(arr)
    with clocked(Clock(time_limit=seconds)) as clock:
        return window_search(model, x, arr, start, until=clock.deadline, seed=seed, workers=2)


def test_windows_repack_a_day_that_no_volunteer_improves_alone() -> None:
    """``a`` on the plain shift leaves the skilled one empty; only a swap fills both.

    Neither volunteer gains by moving alone (``a`` moving empties the plain shift,
    ``b`` cannot take the skilled one and the plain one is taken), so best responses
    keep the start. A window over day 9 re-packs it: both seats filled.
    """
    p = skilled_and_plain()
    arr = RosterArrays.build(p)
    start = pairs(arr, ("a", "plain"), ("b", "early"))
    assert np.array_equal(improve_roster(arr, start, until=time.perf_counter() + 5.0), start)
    better = searched(p, start, 5.0)
    before, after = check(p, arr.pairs(start)), check(p, arr.pairs(better))
    assert after.feasible, after.violations
    assert after.objective == before.objective - 100.0
    assert set(arr.pairs(better)) == {("a", "skilled"), ("b", "plain"), ("b", "early")}


def test_windows_are_reproducible_on_a_work_budget() -> None:
    """The same seed on a work budget gives the same roster; the start is left unchanged."""
    p = skilled_and_plain()
    arr = RosterArrays.build(p)
    start = pairs(arr, ("a", "plain"))
    kept = start.copy()
    first, second = searched(p, start, 3.0, seed=5), searched(p, start, 3.0, seed=5)
    assert np.array_equal(start, kept)
    assert np.array_equal(first, second)


def test_a_horizon_of_one_window_is_left_alone() -> None:
    """A week is one window: the whole model, which the search does not re-solve."""
    p = roster([volunteer("a")], [shift("s", 2)], num_days=7)
    arr = RosterArrays.build(p)
    start = pairs(arr)
    assert np.array_equal(searched(p, start, 5.0), start)


@st.composite
def fortnights(draw: st.DrawFn, days: int = DAYS, most: int = 12) -> RosterProblem:
    """Random problems of ``days`` days (two weeks) with run, weekend and minute rules."""
    n_v = draw(st.integers(2, 4))
    vols = [volunteer(f"v{i}") for i in range(n_v)]
    shifts = []
    for j in range(draw(st.integers(4, most))):
        day = draw(st.integers(0, days - 1))
        begin = draw(st.sampled_from(["08:00", "14:00"]))
        end = {"08:00": "12:00", "14:00": "18:00"}[begin]
        shifts.append(
            shift(
                f"s{j}",
                day,
                begin,
                end,
                kind=begin[:2],
                target=draw(st.integers(1, 2)),
                under_weight=draw(st.sampled_from([10.0, 100.0])),
                over_weight=draw(st.sampled_from([0.0, 1.0])),
            )
        )
    contract = Contract(
        id="c",
        max_consecutive_days=draw(st.sampled_from([None, 2, 3])),
        min_consecutive_days=draw(st.sampled_from([1, 2])),
        min_consecutive_days_off=draw(st.sampled_from([1, 2])),
        max_weekends=draw(st.sampled_from([None, 1])),
        max_minutes=draw(st.sampled_from([None, 480, 960, 1440])),
        forbidden_successions=(("14", "08"),) if draw(st.booleans()) else (),
    )
    return roster(vols, shifts, num_days=days, contracts=(contract,), default_contract="c")


@settings(max_examples=25, deadline=None)
@given(fortnights(), st.integers(0, 3))
def test_windows_keep_every_rule_and_never_end_worse(p: RosterProblem, seed: int) -> None:
    """On random fortnights the windows' roster passes the checker and costs no more.

    Rules that span the horizon (weekends, total minutes, runs across a window's
    edges) bind through the days outside the window.
    """
    arr = RosterArrays.build(p)
    start = sequential_roster(arr, until=time.perf_counter() + 5.0)
    assume(start is not None)
    assert start is not None
    before = check(p, arr.pairs(start))
    assume(before.feasible)
    after = check(p, arr.pairs(searched(p, start, 2.0, seed)))
    assert after.feasible, after.violations
    assert after.objective <= before.objective + 1e-6


def test_a_large_problem_goes_on_window_by_window(
    monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    """On the path of large problems, the searched roster is re-solved by windows."""
    from scheduler import solve

    monkeypatch.setattr(solve, "COLUMNS_MAX_PAIRS", 0)
    p = skilled_and_plain()
    c = Contract(id="c", min_consecutive_days=2)
    p = p.model_copy(
        update={
            "contracts": (c,),
            "default_contract": "c",
            "params": p.params.model_copy(update={"time_limit": 3.0}),
        }
    )
    with caplog.at_level(logging.DEBUG, logger="scheduler"):
        result = build_roster(p)
    assert any(r.getMessage().startswith("windows:") for r in caplog.records)
    assert "windows" in result.timings
    report = check(p, result)
    assert report.feasible, report.violations
    assert report.objective == pytest.approx(result.objective)


def test_two_windows_may_not_together_break_a_rule_spanning_the_horizon() -> None:
    """``a`` may work one shift in all: each window alone may add one, not both.

    Days 2 and 30 are far enough apart to be solved side by side; the merged roster
    is checked for the rules that span the horizon (here total minutes, then
    weekends worked and a per-type maximum).
    """
    shifts = [shift("early", 2, kind="k"), shift("late", 30, kind="k")]
    for c in (
        Contract(id="c", max_minutes=180),
        Contract(id="c", max_weekends=1),
        Contract(id="c", max_shifts={"k": 1}),
    ):
        days = (5, 33) if c.max_weekends is not None else (2, 30)
        p = roster(
            [volunteer("a")],
            [shift("early", days[0], kind="k"), shift("late", days[1], kind="k")]
            if c.max_weekends is not None
            else shifts,
            num_days=42,
            contracts=(c,),
            default_contract="c",
        )
        arr = RosterArrays.build(p)
        both = np.ones(arr.num_edges, dtype=bool)
        first, second = np.asarray([0]), np.asarray([1])
        assert not _spans_keep(arr, both, first, second)
        assert _spans_keep(arr, pairs(arr, ("a", "early")), first, second)
        assert not check(p, arr.pairs(both)).feasible


@settings(max_examples=20, deadline=None)
@given(fortnights(days=42, most=30), st.integers(0, 3))
def test_windows_side_by_side_keep_every_rule_and_never_end_worse(
    p: RosterProblem, seed: int
) -> None:
    """Six weeks from an empty roster, two windows at a time: the checker passes, no worse.

    Each window may fill its seats up to a volunteer's total minutes, weekends or
    maximums, seeing the other's old (empty) days: the merge must catch what they
    break together.
    """
    arr = RosterArrays.build(p)
    start = np.zeros(arr.num_edges, dtype=bool)
    before = check(p, arr.pairs(start))
    assume(before.feasible)
    after = check(p, arr.pairs(side_by_side(p, start, 1.0, seed)))
    assert after.feasible, after.violations
    assert after.objective <= before.objective + 1e-6
