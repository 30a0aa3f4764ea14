"""Tests of ``scheduler.construct``: the greedy roster and its array prefilter."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

from scheduler import RosterProblem
from scheduler.arrays import RosterArrays
from scheduler.construct import _State, greedy_roster
from tests.scheduler.test_properties import problems


@settings(max_examples=80, deadline=None)
@given(problems(max_vols=3, max_shifts=6))
def test_may_fit_never_rules_out_what_fits_accepts(p: RosterProblem) -> None:
    """At every step of the greedy roster, ``may_fit`` keeps each pair ``fits`` accepts."""
    arr = RosterArrays.build(p)
    state = _State(arr, [p.contract(v.id) for v in p.organization.volunteers])
    ev, es = arr.edge_vol, arr.edge_shift
    for step in [-1, *np.flatnonzero(greedy_roster(arr)).tolist()]:
        if step >= 0:
            state.add(int(ev[step]), int(es[step]))
        for e in range(arr.num_edges):
            v, s = int(ev[e]), int(es[e])
            if state.fits(v, s):
                assert state.may_fit(np.asarray([v]), s)[0]


@settings(max_examples=80, deadline=None)
@given(problems(max_vols=3, max_shifts=6))
def test_the_prefilter_leaves_the_greedy_roster_unchanged(p: RosterProblem) -> None:
    """The greedy roster is the same with ``may_fit`` replaced by "anyone may fit"."""
    arr = RosterArrays.build(p)
    filtered = greedy_roster(arr)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_State, "may_fit", lambda self, vs, s: np.ones(len(vs), dtype=bool))
        assert np.array_equal(greedy_roster(arr), filtered)
