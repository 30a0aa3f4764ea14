"""Speed of the scheduler: problem arrays and model building apart from search.

Every roster is passed through the independent checker.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from benchmarks.curtois import to_problem
from benchmarks.timefold import timefold_params
from benchmarks.timefold import to_problem as timefold_problem
from scheduler import RosterParams, RosterProblem, RosterStatus, RosterWeights, build_roster
from scheduler.arrays import RosterArrays
from scheduler.check import check
from scheduler.day_pricing import DayPricing
from scheduler.mip import linear_form
from scheduler.solve import _build_model

CURTOIS = Path(__file__).resolve().parents[1] / "tests" / "data" / "curtois"
TIMEFOLD = Path(__file__).resolve().parents[1] / "tests" / "data" / "timefold"


@pytest.fixture(scope="module")
def instance1() -> RosterProblem:
    """Curtois Instance1, translated."""
    params = RosterParams(
        time_limit=30.0,
        seed=1,
        max_travel_minutes=60.0,
        weights=RosterWeights(travel=0.0, pace=0.0, change=0.0),
    )
    return to_problem(CURTOIS / "Instance1.txt", params)


def test_arrays_and_model_instance1(benchmark: BenchmarkFixture, instance1: RosterProblem) -> None:
    """Eligibility arrays and the CP-SAT model, no search."""
    model, x, _, _ = benchmark(lambda: _build_model(RosterArrays.build(instance1)))
    assert len(x) == 104
    assert model.proto.variables


def test_solve_instance1(benchmark: BenchmarkFixture, instance1: RosterProblem) -> None:
    """The whole roster, proven optimal (607), checked."""
    result = benchmark.pedantic(  # type: ignore[no-untyped-call]
        build_roster, args=(instance1,), rounds=3, iterations=1
    )
    assert result.objective == 607.0
    assert check(instance1, result).ok


@pytest.fixture(scope="module")
def timefold_small() -> RosterProblem:
    """Timefold SMALL (every head count fixed), translated."""
    return timefold_problem(TIMEFOLD / "small.json", timefold_params(10.0))


def test_linear_form_timefold_small(
    benchmark: BenchmarkFixture, timefold_small: RosterProblem
) -> None:
    """The CP-SAT model read into a MIP (no solve), apart from building the model."""
    model, x, _, _ = _build_model(RosterArrays.build(timefold_small))
    form = benchmark(linear_form, model)
    assert form.matrix.shape[1] == len(model.proto.variables) > len(x)


def test_solve_timefold_small(benchmark: BenchmarkFixture, timefold_small: RosterProblem) -> None:
    """The whole roster through the MIP phase, proven optimal, checked."""
    result = benchmark.pedantic(  # type: ignore[no-untyped-call]
        build_roster, args=(timefold_small,), rounds=3, iterations=1
    )
    assert result.status == RosterStatus.OPTIMAL
    assert check(timefold_small, result).ok


def test_walks_instance1(benchmark: BenchmarkFixture, instance1: RosterProblem) -> None:
    """Every volunteer's cheapest walk at random pair costs (the compiled pricing).

    Each walk's cost must be its pairs' costs summed; that it is the cheapest is
    checked against brute force and CP-SAT in ``tests/scheduler/test_day_pricing.py``.
    """
    arr = RosterArrays.build(instance1)
    types = {t: i for i, t in enumerate(arr.types)}
    vptr = arr.vol_start()
    walks = [DayPricing.of_volunteer(arr, v, types) for v in range(len(vptr) - 1)]
    costs = np.random.default_rng(1).normal(0.0, 10.0, arr.num_edges)

    def all_walks() -> list[tuple[np.ndarray, float] | None]:
        return [
            None if w is None else w.walk(costs[vptr[v] : vptr[v + 1]]) for v, w in enumerate(walks)
        ]

    found = benchmark(all_walks)
    assert any(f is not None for f in found)
    for f in found:
        if f is not None:
            picked, value = f
            assert abs(float(costs[picked].sum()) - value) < 1e-9
