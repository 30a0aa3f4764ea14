"""Tests of ``scheduler.construct``: the greedy roster, its array prefilter and team needs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

from scheduler import RosterPin, RosterProblem, RosterWeights, TeamRule
from scheduler.arrays import SCALE, RosterArrays
from scheduler.construct import _State, greedy_roster
from scheduler.evaluate import penalties
from tests.scheduler.builders import roster, shift, volunteer
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


TEAM = ({"id": "T", "category": "relief", "station": "s0"},)


def _team_hours(p: RosterProblem, chosen: np.ndarray) -> float:
    """The team-hours penalty of a roster, as the evaluator prices it."""
    arr = RosterArrays.build(p)
    return sum(t.coef * n for t, n in penalties(arr, chosen) if t.rule == "team_hours") / SCALE


def test_a_team_short_of_hours_gets_the_seat() -> None:
    """A seat goes to a member of a team still short of its weekly hours.

    The outsider comes first in every other order (listed first, equal load), so
    without the team's need the member would be left out and the team 3 h short.
    """
    p = roster(
        [volunteer("out"), volunteer("in", teams=("T",))],
        [shift("s", 0, "09:00", "12:00")],
        teams=TEAM,
        team_rules=(TeamRule(team="T", min_hours_per_week=3.0, weight=10.0),),
    )
    arr = RosterArrays.build(p)
    chosen = greedy_roster(arr)
    vols = p.organization.volunteers
    assert [vols[int(v)].id for v in arr.edge_vol[chosen]] == ["in"]
    assert _team_hours(p, chosen) == 0.0


def _two_days(team_weight: float, pins: tuple[RosterPin, ...] = ()) -> RosterProblem:
    """Two one-seat shifts; two outsiders at the post and a team member 5 minutes away."""
    return roster(
        [volunteer("o1"), volunteer("o2"), volunteer("in", 0.5, teams=("T",))],
        [shift("s1", 0, "09:00", "12:00"), shift("s2", 1, "09:00", "12:00")],
        teams=TEAM,
        team_rules=(TeamRule(team="T", min_hours_per_week=3.0, weight=team_weight),),
        weights=RosterWeights(travel=1.0, pace=0.0, change=0.0),
        pins=pins,
    )


def _taken(p: RosterProblem, chosen: np.ndarray) -> set[tuple[str, str]]:
    """The roster's (volunteer, shift) ids."""
    arr = RosterArrays.build(p)
    vols, shifts = p.organization.volunteers, p.shifts
    pairs = zip(arr.edge_vol[chosen].tolist(), arr.edge_shift[chosen].tolist(), strict=True)
    return {(vols[v].id, shifts[s].id) for v, s in pairs}


def test_a_member_swaps_in_until_the_week_is_met() -> None:
    """The outsiders, closer, take both seats first; the member then swaps into one.

    Three hours at 10 a missing hour outweigh 5 minutes of travel at 1 a minute.
    One seat meets the week, so the other stays with its outsider, and both stay
    filled.
    """
    p = _two_days(10.0)
    chosen = greedy_roster(RosterArrays.build(p))
    assert _taken(p, chosen) == {("in", "s1"), ("o2", "s2")}
    assert _team_hours(p, chosen) == 0.0


def test_no_swap_costs_more_than_the_hours_it_saves() -> None:
    """At 1 a missing hour, 3 hours do not pay for 5 minutes of travel: no swap."""
    p = _two_days(1.0)
    chosen = greedy_roster(RosterArrays.build(p))
    assert _taken(p, chosen) == {("o1", "s1"), ("o2", "s2")}
    assert _team_hours(p, chosen) == 3.0


def test_a_pinned_seat_is_not_swapped() -> None:
    """With the outsider pinned on the first shift, the member swaps into the second."""
    p = _two_days(10.0, (RosterPin(volunteer="o1", shift="s1"),))
    chosen = greedy_roster(RosterArrays.build(p))
    assert _taken(p, chosen) == {("o1", "s1"), ("in", "s2")}
    assert _team_hours(p, chosen) == 0.0
