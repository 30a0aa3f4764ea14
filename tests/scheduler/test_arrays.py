"""Tests of ``scheduler.arrays`` helpers not covered through the solvers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from hypothesis import given, settings

from benchmarks.curtois import to_problem
from scheduler import RosterParams, RosterProblem
from scheduler.arrays import RosterArrays
from tests.scheduler.test_properties import problems

DATA = Path(__file__).parent.parent / "data" / "curtois"


def _scanned(problem: RosterProblem, arr: RosterArrays) -> list[list[int]]:
    """Per request, the pairs it is about, from a scan of every pair."""
    vindex = problem.organization.volunteer_index
    return [
        [
            e
            for e in range(arr.num_edges)
            if int(arr.edge_vol[e]) == vindex[r.volunteer]
            and problem.request_matches(r, problem.shifts[int(arr.edge_shift[e])])
        ]
        for r in problem.requests
    ]


def test_request_pairs_of_curtois_instance1_agree_with_a_scan() -> None:
    """Curtois Instance1's shift on/off requests: the same pairs as a scan of every pair."""
    problem = to_problem(DATA / "Instance1.txt", RosterParams(time_limit=10.0))
    arr = RosterArrays.build(problem)
    found = arr.request_pairs
    assert len(found) == len(problem.requests) > 0
    assert [f.tolist() for f in found] == _scanned(problem, arr)
    assert sum(len(f) for f in found) > 0


@settings(max_examples=60, deadline=None)
@given(problems())
def test_request_pairs_agree_with_a_scan(problem: RosterProblem) -> None:
    """Random small problems (day, kind and shift requests): the same pairs as a scan."""
    arr = RosterArrays.build(problem)
    found = arr.request_pairs
    assert all(f.dtype == np.int64 for f in found)
    assert [f.tolist() for f in found] == _scanned(problem, arr)
