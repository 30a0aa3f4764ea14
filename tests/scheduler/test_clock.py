"""The solve's clock: wall time by default, counted work when asked; reproducible rosters."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from ortools.sat.python import cp_model

from benchmarks.curtois import to_problem
from scheduler import RosterParams, RosterWeights, build_roster
from scheduler import solve as solve_module
from scheduler.arrays import RosterArrays
from scheduler.check import check
from scheduler.clock import CPSAT_SECONDS_PER_DETERMINISTIC, Clock, clocked, current_clock

DATA = Path(__file__).parent.parent / "data" / "curtois"


def test_a_counting_clock_moves_with_work_only() -> None:
    """Its reading is the work charged; the wall clock's moves with time."""
    clock = Clock(time_limit=60.0, work_limit=5.0)
    assert clock.counting
    assert clock.limit == 5.0
    assert clock.now() == clock.began
    time.sleep(0.01)
    assert clock.now() == clock.began
    clock.charge(2.0)
    assert clock.now() == clock.began + 2.0
    assert not clock.past(clock.deadline)
    assert clock.left(clock.deadline) == 3.0
    clock.charge(3.0)
    assert clock.past(clock.deadline)
    wall = Clock(time_limit=5.0)
    assert not wall.counting
    assert wall.limit == 5.0
    before = wall.now()
    time.sleep(0.01)
    assert wall.now() > before


def test_a_counting_clock_still_stops_at_its_wall_cap() -> None:
    """Work left does not outlive the time limit."""
    clock = Clock(time_limit=0.01, work_limit=100.0)
    time.sleep(0.02)
    assert clock.past(clock.deadline)
    assert clock.wall_left() < 0


def test_cpsat_is_limited_and_counted_by_deterministic_time() -> None:
    """A counting clock gives CP-SAT a deterministic limit and charges what it spent."""
    model = cp_model.CpModel()
    xs = [model.new_int_var(0, 60, f"x{i}") for i in range(30)]
    model.add(sum(xs) == 900)
    model.add_all_different(xs)
    model.maximize(sum((i % 7) * x for i, x in enumerate(xs)))
    clock = Clock(time_limit=30.0, work_limit=1.0)
    solver = cp_model.CpSolver()
    clock.limit_cpsat(solver.parameters, 0.05)
    assert solver.parameters.max_deterministic_time > 0
    assert solver.parameters.max_time_in_seconds <= 30.0
    solver.solve(model)
    clock.charge_cpsat(solver, model)
    units = solver.response_proto.deterministic_time
    assert units > 0
    assert clock.work > CPSAT_SECONDS_PER_DETERMINISTIC * units  # and the loading
    solver = cp_model.CpSolver()
    clock.limit_cpsat(solver.parameters, 0.05, workers=2)
    assert solver.parameters.num_workers == 2
    assert solver.parameters.interleave_search
    wall = Clock(time_limit=30.0)
    solver = cp_model.CpSolver()
    wall.limit_cpsat(solver.parameters, 0.05, workers=2)
    assert solver.parameters.max_time_in_seconds == 0.05
    assert solver.parameters.num_workers == 2
    assert not solver.parameters.interleave_search


def test_clocked_installs_a_clock_for_the_block_only() -> None:
    """Outside any block, phases read an unlimited wall clock."""
    outside = current_clock()
    assert not outside.counting
    clock = Clock(time_limit=1.0, work_limit=1.0)
    with clocked(clock):
        assert current_clock() is clock
    assert current_clock() is outside


@pytest.mark.parametrize(("most", "searching"), [(1_000_000, 2), (0, 1)])
def test_large_models_are_searched_by_one_worker_on_a_work_budget(
    monkeypatch: pytest.MonkeyPatch, most: int, searching: int
) -> None:
    """Interleaved workers pay on small models only: larger ones get one worker."""
    monkeypatch.setattr(solve_module, "INTERLEAVE_MAX_PAIRS", most)
    arr = RosterArrays.build(to_problem(DATA / "Instance5.txt", curtois5(1.0, workers=2)))
    model, *_ = solve_module._build_model(arr)
    with clocked(Clock(time_limit=30.0, work_limit=1.0)):
        solver, _ = solve_module._solve(model, arr, 0.05)
    assert solver.parameters.num_workers == searching
    assert solver.parameters.interleave_search == (searching > 1)
    with clocked(Clock(time_limit=0.05)):  # on the wall clock, the workers asked for
        solver, _ = solve_module._solve(model, arr, 0.05)
    assert solver.parameters.num_workers == 2


def curtois5(work_limit: float | None, workers: int = 1) -> RosterParams:
    return RosterParams(
        time_limit=120.0,
        work_limit=work_limit,
        seed=3,
        workers=workers,
        max_travel_minutes=60.0,
        weights=RosterWeights(travel=0.0, pace=0.0, change=0.0),
    )


@pytest.mark.parametrize("workers", [1, 2])
def test_same_seed_same_work_limit_same_roster(workers: int) -> None:
    """Curtois Instance5 on a budget that cuts its phases short, twice: the same roster.

    Two work seconds leave column generation to converge but cut the tree short
    (its proof takes several), so the search phases stop on their budgets. Two
    CP-SAT workers interleave their search, which keeps it deterministic.
    """
    problem = to_problem(DATA / "Instance5.txt", curtois5(2.0, workers))
    runs = [build_roster(problem) for _ in range(2)]
    for result in runs:
        report = check(problem, result)
        assert report.ok, report.violations
        assert report.objective == result.objective
        assert sum(result.timings.values()) <= 1.2 * 2.0  # work seconds, counted
    first, second = ({(a.volunteer, a.shift) for a in r.assignments} for r in runs)
    assert first == second
    assert runs[0].objective == runs[1].objective
    assert runs[0].timings == runs[1].timings
    assert "columns" in runs[0].timings
    assert "branch" in runs[0].timings
    assert np.isclose(sum(runs[0].timings.values()), sum(runs[1].timings.values()))


def test_the_time_limit_caps_a_large_work_limit() -> None:
    """A work budget far beyond the time limit still returns a checked roster near the limit."""
    params = curtois5(1_000.0).model_copy(update={"time_limit": 2.0})
    problem = to_problem(DATA / "Instance5.txt", params)
    result = build_roster(problem)
    report = check(problem, result)
    assert report.ok, report.violations
    assert result.objective is not None
    assert result.runtime < 10.0  # 2 s, with room for a loaded machine
