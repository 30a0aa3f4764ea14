"""Solve control: a stop request reaches the solver; progress reaches the listener."""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks.timefold import timefold_params, to_problem
from scheduler import build_roster
from scheduler.check import check
from volunteers.control import SolveControl, controlled, current

DATA = Path(__file__).parent.parent / "data" / "timefold"


class FakeSolver:
    """Counts stop requests."""

    def __init__(self) -> None:
        self.stops = 0

    def stop_search(self) -> None:
        """Record a stop."""
        self.stops += 1


def test_watching_stops_the_solver_once_asked() -> None:
    """``should_stop`` turning true makes the watcher call ``stop_search`` (once)."""
    asked = [False]
    control = SolveControl(should_stop=lambda: asked[0], poll_seconds=0.01)
    solver = FakeSolver()
    with control.watching(solver):
        time.sleep(0.05)
        assert solver.stops == 0
        asked[0] = True
        end = time.monotonic() + 5
        while solver.stops == 0 and time.monotonic() < end:
            time.sleep(0.01)
    assert solver.stops == 1
    assert control.stop_requested()


def test_no_control_installed_is_a_no_op() -> None:
    """Outside ``controlled`` the current control never stops and has no callback."""
    assert not current().stop_requested()
    assert current().solution_callback() is None


def test_progress_and_stop_through_build_roster() -> None:
    """A roster solve reports its solutions; stopped after its first, it returns that roster."""
    problem = to_problem(DATA / "small.json", timefold_params(30.0))
    seen: list[dict[str, float]] = []
    with controlled(SolveControl(on_progress=seen.append)):
        result = build_roster(problem)
    assert seen
    assert [p["solutions"] for p in seen] == list(range(1, len(seen) + 1))
    assert check(problem, result).ok
    # Stopped as soon as a first roster is known: that roster is the answer.
    first: list[dict[str, float]] = []
    stop = SolveControl(
        should_stop=lambda: bool(first), on_progress=first.append, poll_seconds=0.001
    )
    with controlled(stop) as control:
        stopped = build_roster(problem)
        assert control.stop_requested()
    assert stopped.objective is not None
    assert check(problem, stopped).ok
    assert len(stopped.assignments) == len(problem.shifts)
