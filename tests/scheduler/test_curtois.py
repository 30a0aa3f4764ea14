"""Curtois Instance1 (copied into tests/data) reaches its published optimum, 607, proven."""

from __future__ import annotations

from pathlib import Path

from benchmarks.curtois import to_problem
from scheduler import RosterParams, RosterStatus, RosterWeights, build_roster
from scheduler.check import check

DATA = Path(__file__).parent.parent / "data" / "curtois"


def test_instance1_reaches_607() -> None:
    """Translated by the benchmark adapter, solved by the library, checked independently."""
    params = RosterParams(
        time_limit=30.0,
        seed=1,
        workers=1,
        max_travel_minutes=60.0,
        weights=RosterWeights(travel=0.0, pace=0.0, change=0.0),
    )
    problem = to_problem(DATA / "Instance1.txt", params)
    result = build_roster(problem)
    assert result.status == RosterStatus.OPTIMAL
    assert result.objective == 607.0
    report = check(problem, result)
    assert report.ok, report.violations
    assert report.objective == 607.0
