"""Tests for ``scheduler.columns``: column generation's bound and fractional roster."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from ortools.sat.python import cp_model

from benchmarks.curtois import to_problem
from scheduler import (
    Contract,
    Request,
    RosterParams,
    RosterPin,
    RosterProblem,
    RosterStatus,
    RosterWeights,
    build_roster,
)
from scheduler import columns as columns_module
from scheduler import solve as solve_module
from scheduler.arrays import SCALE, RosterArrays
from scheduler.check import check
from scheduler.columns import personal_costs, relax
from scheduler.evaluate import penalties
from tests.scheduler.builders import MONDAY, roster, shift, volunteer, without_tree_or_dive
from tests.scheduler.test_properties import brute_force_optimum, problems

DATA = Path(__file__).parent.parent / "data" / "curtois"


def _brute_force(p: RosterProblem) -> float:
    """The optimum over every subset of pairs, judged by the checker alone."""
    best = brute_force_optimum(p)
    assert best is not None
    return best


@settings(max_examples=40, deadline=None)
@given(problems(max_vols=2, max_shifts=3))
def test_bound_never_exceeds_the_brute_force_optimum(p: RosterProblem) -> None:
    """Any tiny problem (requests, preferences, fairness, team rules): bound <= optimum.

    Column generation runs to convergence from no start at all; its master value
    is then no lower than its bound.
    """
    arr = RosterArrays.build(p)
    relaxed = relax(arr, None, until=time.perf_counter() + 30.0, seed=1)
    assert relaxed is not None
    assert relaxed.converged
    assert relaxed.bound is not None
    best = _brute_force(p)
    assert relaxed.bound <= best + 1e-6, (relaxed.bound, best)
    assert relaxed.value >= relaxed.bound - 1e-6
    assert np.all((relaxed.fractional >= 0.0) & (relaxed.fractional <= 1.0))


def _changes_and_head_counts() -> RosterProblem:
    """Head-count minimums and maximums, a pin, a previous roster, requests, runs of two."""
    contract = Contract(id="c", min_consecutive_days=2, max_minutes=600)
    return roster(
        [volunteer("a"), volunteer("b", 0.5), volunteer("c", 1.0)],
        [
            shift("s0", 0, minimum=1),
            shift("s1", 1, target=2, maximum=2),
            shift("s2", 2, target=2, minimum=1),
            shift("s3", 3, target=1, maximum=1),
        ],
        contracts=(contract,),
        default_contract="c",
        pins=(RosterPin(volunteer="c", shift="s3"),),
        previous=(RosterPin(volunteer="a", shift="s0"), RosterPin(volunteer="b", shift="s2")),
        requests=(
            Request(volunteer="b", shift="s1", want="on", weight=3.0),
            Request(volunteer="a", day=MONDAY, want="off", weight=2.0),
        ),
        weights=RosterWeights(travel=0.3, pace=0.0, change=1.5),
    )


def test_bound_with_head_counts_pins_and_changes() -> None:
    """Hard head counts, a pin and a previous roster: the bound is tight and never above.

    Every rule here is linear in one volunteer's schedule or a shift's head
    count, so the master is exact up to its integrality: the converged bound
    lies between the brute-force optimum less the cover penalties' integrality
    gap and the optimum.
    """
    p = _changes_and_head_counts()
    arr = RosterArrays.build(p)
    relaxed = relax(arr, None, until=time.perf_counter() + 30.0, seed=1)
    assert relaxed is not None
    assert relaxed.bound is not None
    assert relaxed.converged
    best = _brute_force(p)
    assert relaxed.bound <= best + 1e-6
    assert relaxed.bound > 0.0  # pins, changes and requests cost something


def test_highs_master_gives_the_same_relaxation(monkeypatch: pytest.MonkeyPatch) -> None:
    """With GLOP failing every solve, the HiGHS master converges to the same value.

    The master LP runs in GLOP (kept between solves) and falls back to HiGHS on
    a failed solve; both must give the LP's value (head counts, pins, changes
    and requests in the model).
    """
    p = _changes_and_head_counts()
    arr = RosterArrays.build(p)
    glop = relax(arr, None, until=time.perf_counter() + 30.0, seed=1)
    monkeypatch.setattr(columns_module._Glop, "solve", lambda self: None)
    highs = relax(arr, None, until=time.perf_counter() + 30.0, seed=1)
    assert glop is not None
    assert highs is not None
    assert glop.converged
    assert highs.converged
    assert glop.value == pytest.approx(highs.value, abs=1e-6)
    assert glop.bound == pytest.approx(highs.bound, abs=1e-6)


def test_personal_costs_price_requests_preferences_and_changes() -> None:
    """On a roster working one shift a day, the costs add up to those terms' penalties."""
    p = _changes_and_head_counts()
    arr = RosterArrays.build(p)
    cost, constant = personal_costs(arr)
    rng = np.random.default_rng(3)
    personal = {"request_on", "request_off", "travel", "pace", "rotation", "change"}
    for _ in range(20):
        chosen = rng.random(arr.num_edges) < 0.5
        terms = penalties(arr, chosen)
        expected = sum(t.coef * value for t, value in terms if t.rule in personal) / SCALE
        assert float(cost[chosen].sum()) + constant == pytest.approx(expected)


def test_curtois_instance1_bound() -> None:
    """Curtois Instance1: converged, the bound lies within 10% under the proven optimum 607.

    (The master's value there is 558: the LP of schedules is not integral.)
    """
    params = RosterParams(
        time_limit=30.0,
        seed=1,
        max_travel_minutes=60.0,
        weights=RosterWeights(travel=0.0, pace=0.0, change=0.0),
    )
    problem = to_problem(DATA / "Instance1.txt", params)
    arr = RosterArrays.build(problem)
    relaxed = relax(arr, None, until=time.perf_counter() + 30.0, seed=1)
    assert relaxed is not None
    assert relaxed.bound is not None
    assert relaxed.converged
    assert 0.9 * 607.0 <= relaxed.bound <= 607.0 + 1e-6
    # The fractional roster fills the cover as the master does.
    assert relaxed.fractional.sum() > 0


def test_guided_search_roster_is_returned(monkeypatch: pytest.MonkeyPatch) -> None:
    """When the main CP-SAT search finds nothing, the guided search's roster is the answer.

    The quick look and the main search find nothing; only the guided search is
    real. The answer passes the checker, beats the constructive start, carries
    the column-generation bound, and is the optimum.
    """
    p = _runs_of_three()
    real = solve_module._solve
    calls: list[int] = []

    def all_but_the_main(model: Any, arr: RosterArrays, seconds: float) -> Any:
        calls.append(1)
        if len(calls) == 2:  # the quick look, the guided search, the main search
            return real(model, arr, seconds)
        return cp_model.CpSolver(), cp_model.UNKNOWN

    guided: list[Any] = []
    real_guided = solve_module._guided

    def recorded(*args: Any) -> Any:
        guided.append(real_guided(*args))
        return guided[-1]

    monkeypatch.setattr(solve_module, "_solve", all_but_the_main)
    monkeypatch.setattr(solve_module, "_guided", recorded)
    # The start as constructed: improved volunteer by volunteer it is already
    # the optimum here, and the guided search would have nothing to beat.
    monkeypatch.setattr(solve_module, "IMPROVE_SHARE", 0.0)
    # Nor is the master searched by branch and price or rounded by diving
    # (here each finds the optimum first).
    without_tree_or_dive(monkeypatch)
    result = build_roster(p)
    assert len(calls) == 3
    assert guided
    assert guided[0] is not None
    report = check(p, result)
    assert report.ok, report.violations
    assert result.bound is not None
    assert result.objective is not None
    assert result.bound <= result.objective + 1e-6
    monkeypatch.undo()
    unmocked = build_roster(p)
    assert unmocked.status == RosterStatus.OPTIMAL
    assert result.objective == unmocked.objective


def test_guided_search_fixes_what_a_cut_dive_settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """A dive cut short hands its last master shares to a guided search before the tree.

    The relaxation is the real one with ``cut`` set (a copy of its shares, so
    that it can be told apart); the first guided search receives that array,
    the one after the tree the converged shares (where the best roster agrees
    with them), and the roster passes the checker.
    """
    p = _runs_of_three()
    cuts: list[Any] = []

    def cut_short(*args: Any, **kwargs: Any) -> Any:
        relaxed = relax(*args, **kwargs)
        assert relaxed is not None
        cuts.append(relaxed.fractional.copy())
        return dataclasses.replace(relaxed, cut=cuts[-1])

    received: list[Any] = []
    real_guided = solve_module._guided

    def recorded(model: Any, x: Any, shares: Any, *rest: Any) -> Any:
        received.append(shares)
        return real_guided(model, x, shares, *rest)

    real = solve_module._solve
    calls: list[int] = []

    def no_quick_answer(model: Any, arr: RosterArrays, seconds: float) -> Any:
        calls.append(1)
        if len(calls) == 1:
            return cp_model.CpSolver(), cp_model.UNKNOWN
        return real(model, arr, seconds)

    monkeypatch.setattr(solve_module, "relax", cut_short)
    monkeypatch.setattr(solve_module, "_guided", recorded)
    monkeypatch.setattr(solve_module, "_solve", no_quick_answer)
    monkeypatch.setattr(solve_module, "IMPROVE_SHARE", 0.0)
    without_tree_or_dive(monkeypatch)
    result = build_roster(p)
    assert cuts
    assert received
    assert received[0] is cuts[0]
    assert len(received) == 2
    assert received[1] is not cuts[0]
    report = check(p, result)
    assert report.ok, report.violations


def test_agreeing_frees_the_pairs_the_best_roster_disagrees_on() -> None:
    """RINS: settled shares the incumbent keeps stay; those it breaks become free (a half)."""
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{i}") for i in range(4)]
    for var, value in zip(x, [1, 1, 0, 0], strict=True):
        model.add(var == value)
    solver = cp_model.CpSolver()
    assert solver.solve(model) == cp_model.OPTIMAL
    shares = np.asarray([1.0, 0.0, 0.0, 0.4])
    agreeing = solve_module._agreeing(shares, solver, x)
    assert agreeing.tolist() == [1.0, 0.5, 0.0, 0.5]


def _runs_of_three() -> RosterProblem:
    """Four volunteers working runs of three days or more, two seats a day over a week."""
    contract = Contract(id="c", min_consecutive_days=3, max_consecutive_days=4, max_minutes=900)
    return roster(
        [volunteer(n, 0.3 * i) for i, n in enumerate("abcd")],
        [shift(f"s{d}", d, target=2) for d in range(7)],
        contracts=(contract,),
        default_contract="c",
        requests=(Request(volunteer="a", day=MONDAY, want="off", weight=5.0),),
    )


def test_fixed_head_counts_give_no_relaxation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every shift needs exactly one volunteer: prices at the slack penalty give no relaxation.

    (A set partitioning master: its LP duals are far from unique. GLOP with its
    presolve returns extreme ones, at the slack penalty, and no relaxation is
    made; without it, the duals it returns here price the optimum 0, and the
    relaxation is valid. With one shift of four held exactly and the others
    free, the relaxation is made.)
    """
    vols = [volunteer("a"), volunteer("b", 0.5)]
    exact = [shift(f"s{d}", d, minimum=1, maximum=1) for d in range(4)]
    p = roster(vols, exact, requests=(Request(volunteer="a", shift="s1", want="off"),))
    arr = RosterArrays.build(p)
    start = np.zeros(arr.num_edges, dtype=bool)
    for d in range(4):
        e = arr.edge_of(d % 2, d)
        assert e is not None
        start[e] = True
    made = relax(arr, start, until=time.perf_counter() + 10.0, seed=1)
    assert made is None or (made.bound is not None and made.bound <= _brute_force(p) + 1e-6)
    monkeypatch.setattr(columns_module, "GLOP_PARAMETERS", "")
    assert relax(arr, start, until=time.perf_counter() + 10.0, seed=1) is None
    monkeypatch.undo()
    free = [exact[0], *(shift(f"s{d}", d) for d in range(1, 4))]
    p = roster(vols, free, requests=(Request(volunteer="a", shift="s1", want="off"),))
    arr = RosterArrays.build(p)
    relaxed = relax(arr, start, until=time.perf_counter() + 10.0, seed=1)
    assert relaxed is not None
    assert relaxed.bound is not None


def test_gives_up_when_rounds_would_not_fit(monkeypatch: pytest.MonkeyPatch) -> None:
    """A first pricing round extrapolated past its share of the time: no relaxation.

    (With thousands of volunteers a round can take longer than the whole phase;
    the time then goes to the main search.) The same problem with the default
    shares is relaxed.
    """
    from scheduler import columns

    p = _runs_of_three()
    arr = RosterArrays.build(p)
    monkeypatch.setattr(columns, "PROBE_VOLUNTEERS", 1)
    monkeypatch.setattr(columns, "MIN_ROUNDS", 10**9)
    assert relax(arr, None, until=time.perf_counter() + 10.0, seed=1) is None
    monkeypatch.undo()
    assert relax(arr, None, until=time.perf_counter() + 10.0, seed=1) is not None


def test_dive_rounds_a_roster_that_keeps_every_volunteer_rule() -> None:
    """Curtois Instance1: the dive fixes one schedule per volunteer, and the roster passes.

    Every rule but head counts is a volunteer's own and the dive keeps them all
    (its schedules come from the walks); the checker then scores it at least at
    the bound, and it is one schedule per volunteer, priced as the checker prices it.
    """
    problem = to_problem(DATA / "Instance1.txt", RosterParams(time_limit=30.0, seed=1))
    arr = RosterArrays.build(problem)
    now = time.perf_counter()
    relaxed = relax(arr, None, until=now + 30.0, seed=1, dive_until=now + 30.0)
    assert relaxed is not None
    assert relaxed.converged
    assert relaxed.bound is not None
    assert relaxed.dived is not None
    report = check(problem, arr.pairs(relaxed.dived))
    assert report.feasible, report.violations
    assert report.objective >= relaxed.bound - 1e-6
    assert relaxed.cut is None  # the dive ended in its time
    # Each volunteer ends fixed to one schedule, the others closed in GLOP.
    assert relaxed.pool is not None
    master = relaxed.pool.master
    assert master.glop is not None
    schedules = master.glop.schedules
    col_vol = np.asarray(master.col_vol)
    for v in relaxed.pool.vols.tolist():
        mine = np.flatnonzero(col_vol == v).tolist()
        assert sum(schedules[k].lb() == 1.0 for k in mine) == 1
        assert sum(schedules[k].ub() == 0.0 for k in mine) == len(mine) - 1
    without = relax(arr, None, until=time.perf_counter() + 30.0, seed=1)
    assert without is not None
    assert without.dived is None


def test_dive_cut_short_leaves_its_last_shares() -> None:
    """Curtois Instance1: a dive with no time fixes every volunteer at once and says so.

    Its last master solution is then the converged one (no volunteer fixed yet):
    the shares it leaves (``cut``) are the fractional roster's, and the roster,
    each volunteer on their heaviest schedule, still passes the checker.
    """
    problem = to_problem(DATA / "Instance1.txt", RosterParams(time_limit=30.0, seed=1))
    arr = RosterArrays.build(problem)
    now = time.perf_counter()
    relaxed = relax(arr, None, until=now + 30.0, seed=1, dive_until=now)
    assert relaxed is not None
    assert relaxed.converged
    assert relaxed.dived is not None
    assert relaxed.cut is not None
    np.testing.assert_allclose(relaxed.cut, relaxed.fractional, atol=1e-9)
    report = check(problem, arr.pairs(relaxed.dived))
    assert report.feasible, report.violations


def test_no_dive_once_the_incumbent_is_proven() -> None:
    """A roster the bound proves optimal needs no rounding: no dive is made.

    The incumbent claimed is the bound itself, rounded up to whole units.
    """
    problem = to_problem(DATA / "Instance1.txt", RosterParams(time_limit=30.0, seed=1))
    arr = RosterArrays.build(problem)
    first = relax(arr, None, until=time.perf_counter() + 30.0, seed=1)
    assert first is not None
    assert first.bound is not None
    claimed = float(np.ceil(first.bound * SCALE - 1e-4)) / SCALE
    now = time.perf_counter()
    relaxed = relax(arr, None, until=now + 30.0, seed=1, incumbent=claimed, dive_until=now + 30.0)
    assert relaxed is not None
    assert relaxed.dived is None
