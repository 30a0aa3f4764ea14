"""Tests for ``scheduler.improve``: best responses, wishes kicked in, ruin and recreate."""

from __future__ import annotations

import logging
import time

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scheduler import Contract, Request, RosterProblem
from scheduler.arrays import RosterArrays
from scheduler.check import check
from scheduler.improve import _State, improve_roster
from scheduler.sequential import sequential_roster
from tests.scheduler.builders import roster, runs_of_two, shift, volunteer
from tests.scheduler.test_properties import problems


def test_improvement_gives_each_volunteer_a_best_response() -> None:
    """Re-scheduling volunteer by volunteer lowers the sequential start's objective.

    In the start the first volunteer takes every day, and the others, who must
    work two days in a row, go over the target. After the passes no volunteer's
    walk finds a cheaper schedule at what the others leave, and the roster
    still keeps every rule.
    """
    p = runs_of_two()
    arr = RosterArrays.build(p)
    start = sequential_roster(arr, until=time.perf_counter() + 10.0)
    assert start is not None
    better = improve_roster(arr, start, until=time.perf_counter() + 10.0)
    before, after = check(p, arr.pairs(start)), check(p, arr.pairs(better))
    assert before.feasible
    assert after.feasible, after.violations
    assert after.objective < before.objective
    # A best response everywhere: one more pass changes nothing.
    again = improve_roster(arr, better, until=time.perf_counter() + 10.0)
    assert np.array_equal(again, better)


def test_improvement_leaves_objectives_with_terms_walks_do_not_price() -> None:
    """With fairness on, the walks' prices are not the objective: the roster is kept as it is."""
    p = runs_of_two()
    weights = p.params.weights.model_copy(update={"fairness": 1.0})
    p = p.model_copy(update={"params": p.params.model_copy(update={"weights": weights})})
    arr = RosterArrays.build(p)
    start = sequential_roster(arr, until=time.perf_counter() + 10.0)
    assert start is not None
    assert np.array_equal(improve_roster(arr, start, until=time.perf_counter() + 10.0), start)


def two_shifts(*requests: Request, b_early: bool = True) -> RosterProblem:
    """Volunteers ``a`` and ``b``, 3 to 4 hours each, and shifts ``x`` (3 h) and ``y`` (4 h).

    Each shift needs one volunteer (10 a seat left empty, 1 a volunteer too many).
    Without ``b_early``, ``b``'s contract allows no early shift (``x``).
    """
    one = Contract(id="one", min_minutes=180, max_minutes=240)
    late = Contract(id="late", min_minutes=180, max_minutes=240, max_shifts={"early": 0})
    return roster(
        [volunteer("a"), volunteer("b")],
        [
            shift("x", 0, "09:00", "12:00", kind="early", target=1, under_weight=10.0),
            shift("y", 0, "13:00", "17:00", kind="late", target=1, under_weight=10.0),
        ],
        contracts=(one, late),
        default_contract="one",
        contract_of={} if b_early else {"b": "late"},
        requests=requests,
    )


def test_search_finds_the_swap_best_responses_miss() -> None:
    """Two volunteers, each on the shift the other wants: only a swap helps; the search makes it.

    Each works exactly one of two shifts that both need one. Moving alone
    leaves a shift empty (10) to meet one's request (2): no single volunteer
    does better, so the best responses keep the start. The shifts differ in
    length, so dealing the day again (:mod:`scheduler.redeal`, which keeps
    everyone's minutes) cannot swap them either. Ruin and recreate takes both
    off and puts each on the shift they asked for.
    """
    p = two_shifts(
        Request(volunteer="a", shift="y", want="on", weight=2.0),
        Request(volunteer="b", shift="x", want="on", weight=2.0),
    )
    arr = RosterArrays.build(p)
    start, swapped = roster_of(arr, (0, 0), (1, 1)), roster_of(arr, (0, 1), (1, 0))
    assert np.array_equal(improve_roster(arr, start, until=time.perf_counter() + 5.0), start)
    searched = improve_roster(arr, start, until=time.perf_counter() + 0.2, search=True, seed=1)
    assert np.array_equal(searched, swapped)
    assert check(p, arr.pairs(searched)).objective == check(p, arr.pairs(start)).objective - 4.0


def _priced_by_walks(p: RosterProblem) -> RosterProblem:
    """``p`` without team rules and fairness: an objective the walks price whole."""
    weights = p.params.weights.model_copy(update={"fairness": 0.0})
    params = p.params.model_copy(update={"weights": weights})
    return p.model_copy(update={"team_rules": (), "params": params})


@settings(max_examples=40, deadline=None)
@given(problems(max_vols=3, max_shifts=5), st.sampled_from([0, 1]))
def test_search_keeps_the_rules_and_never_ends_worse(p: RosterProblem, weeks: int) -> None:
    """On random small problems the search's roster passes the checker and costs no more.

    Whole schedules or spans of a week (:mod:`scheduler.spans`), from the best
    responses (``answered``). Its objective (the checker's) is at most that of
    the best responses, itself at most the start's: the walks' prices are the
    objective, so a roster the search keeps as its best is one the checker
    scores no higher.
    """
    p = _priced_by_walks(p)
    arr = RosterArrays.build(p)
    start = sequential_roster(arr, until=time.perf_counter() + 5.0)
    assume(start is not None)
    assert start is not None
    responded = improve_roster(arr, start, until=time.perf_counter() + 5.0)
    searched = improve_roster(
        arr,
        responded,
        until=time.perf_counter() + 0.05,
        search=True,
        seed=3,
        weeks=weeks,
        answered=True,
    )
    reports = [check(p, arr.pairs(c)) for c in (start, responded, searched)]
    assert reports[0].feasible
    for report in reports[1:]:
        assert report.feasible, report.violations
    assert reports[2].objective <= reports[1].objective + 1e-6 <= reports[0].objective + 2e-6


def test_side_by_side_responses_reach_a_best_response_everywhere() -> None:
    """Best responses proposed two at a time end where no volunteer does better alone.

    The roster keeps every rule, costs less than the start, one more pass one
    at a time changes nothing, and a second run gives the same roster (the
    adoption order does not depend on the threads).
    """
    p = runs_of_two()
    arr = RosterArrays.build(p)
    start = sequential_roster(arr, until=time.perf_counter() + 10.0)
    assert start is not None
    better = improve_roster(arr, start, until=time.perf_counter() + 10.0, workers=2)
    before, after = check(p, arr.pairs(start)), check(p, arr.pairs(better))
    assert after.feasible, after.violations
    assert after.objective < before.objective
    again = improve_roster(arr, better, until=time.perf_counter() + 10.0)
    assert np.array_equal(again, better)
    twice = improve_roster(arr, start, until=time.perf_counter() + 10.0, workers=2)
    assert np.array_equal(twice, better)


def test_side_by_side_proposals_are_priced_again_before_they_are_taken() -> None:
    """Two volunteers proposed at once for the one empty seat: only the first takes it.

    Both see the seat empty (worth its under-staffing weight, 10). Once the
    first has it, the second's proposal would put the shift over its target
    (cost 1) for nothing: it is refused, and the seat is filled once.
    """
    free = Contract(id="free", min_minutes=0, max_minutes=180)
    p = roster(
        [volunteer("a"), volunteer("b")],
        [shift("x", 0, target=1, under_weight=10.0, over_weight=1.0)],
        contracts=(free,),
        default_contract="free",
    )
    arr = RosterArrays.build(p)
    empty = np.zeros(arr.num_edges, dtype=bool)
    state = _State(arr, empty, None)
    first, second = state.propose(0), state.propose(1)
    assert first is not None
    assert second is not None
    assert state.adopt(0, first)
    assert not state.adopt(1, second)
    both = improve_roster(arr, empty, until=time.perf_counter() + 5.0, workers=2)
    assert int(both.sum()) == 1
    report = check(p, arr.pairs(both))
    assert report.feasible, report.violations
    assert report.objective == 0.0


def roster_of(arr: RosterArrays, *on: tuple[int, int]) -> np.ndarray:
    """The roster of the given (volunteer, shift) pairs."""
    chosen = np.zeros(arr.num_edges, dtype=bool)
    for v, s in on:
        e = arr.edge_of(v, s)
        assert e is not None
        chosen[e] = True
    return chosen


def random_start(p: RosterProblem) -> tuple[RosterProblem, RosterArrays, np.ndarray]:
    """``p`` priced whole by the walks, its arrays and its sequential roster (assumed found)."""
    p = _priced_by_walks(p)
    arr = RosterArrays.build(p)
    start = sequential_roster(arr, until=time.perf_counter() + 5.0)
    assume(start is not None)
    assert start is not None
    return p, arr, start


def assert_kept_and_no_dearer(
    p: RosterProblem, arr: RosterArrays, start: np.ndarray, after: np.ndarray
) -> None:
    """``after`` keeps every rule (the checker's) and costs no more than ``start``."""
    first, last = check(p, arr.pairs(start)), check(p, arr.pairs(after))
    assert first.feasible
    assert last.feasible, last.violations
    assert last.objective <= first.objective + 1e-6


@settings(max_examples=30, deadline=None)
@given(problems(max_vols=4, max_shifts=5))
def test_side_by_side_responses_keep_the_rules(p: RosterProblem) -> None:
    """On random small problems, responses two at a time pass the checker and cost no more."""
    p, arr, start = random_start(p)
    responded = improve_roster(arr, start, until=time.perf_counter() + 5.0, workers=2)
    assert_kept_and_no_dearer(p, arr, start, responded)


def test_a_kicked_in_wish_is_met_when_the_others_answer() -> None:
    """A wish no volunteer can meet alone is met by a kick and the answer it sets off.

    ``a`` works ``x`` and asks for ``y``, which ``b`` works. Alone, ``a`` moving
    leaves ``x`` empty (10) to meet the request (2), and ``b`` moving leaves
    ``y`` empty: the start is a best response everywhere, and the shifts' lengths
    differ, so no deal swaps them. Kicked onto ``y``, ``a`` leaves ``x`` empty,
    ``b`` answers by taking it, and the roster costs the request's weight less.
    """
    p = two_shifts(Request(volunteer="a", shift="y", want="on", weight=2.0))
    arr = RosterArrays.build(p)
    start, met = roster_of(arr, (0, 0), (1, 1)), roster_of(arr, (0, 1), (1, 0))
    assert np.array_equal(improve_roster(arr, start, until=time.perf_counter() + 5.0), start)
    state = _State(arr, start, None)
    kicked = state.kicks(time.perf_counter() + 5.0, np.random.default_rng(0))
    assert np.array_equal(kicked, met)
    assert check(p, arr.pairs(kicked)).objective == check(p, arr.pairs(start)).objective - 2.0


def test_a_kick_that_does_not_pay_is_undone(caplog: pytest.LogCaptureFixture) -> None:
    """When the answers cannot make up for the kick, the roster stays as it was.

    As above, but ``b`` may not work ``x`` (a maximum of 0 early shifts in its
    contract): meeting ``a``'s wish would leave ``x`` empty for good.
    """
    p = two_shifts(Request(volunteer="a", shift="y", want="on", weight=2.0), b_early=False)
    arr = RosterArrays.build(p)
    start = roster_of(arr, (0, 0), (1, 1))
    state = _State(arr, start, None)
    with caplog.at_level(logging.DEBUG, logger="scheduler.improve"):
        kicked = state.kicks(time.perf_counter() + 5.0, np.random.default_rng(0))
    assert np.array_equal(kicked, start)
    assert "1 moves, 0 taken" in caplog.text  # the kick was made, then undone


@settings(max_examples=30, deadline=None)
@given(problems(max_vols=4, max_shifts=5), st.integers(0, 3))
def test_kicks_keep_the_rules_and_never_end_worse(p: RosterProblem, seed: int) -> None:
    """On random small problems, wishes kicked in from best responses pass the checker.

    And the roster costs no more than the best responses it started from.
    """
    p, arr, start = random_start(p)
    responded = improve_roster(arr, start, until=time.perf_counter() + 5.0)
    state = _State(arr, responded, None)
    kicked = state.kicks(time.perf_counter() + 5.0, np.random.default_rng(seed))
    assert_kept_and_no_dearer(p, arr, responded, kicked)
