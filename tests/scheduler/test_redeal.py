"""Tests for ``scheduler.redeal``: one day's shifts dealt again among who works it."""

from __future__ import annotations

import time

import numpy as np
from hypothesis import given, settings

from scheduler import Contract, Request, RosterProblem, Shift
from scheduler.arrays import RosterArrays
from scheduler.check import check
from scheduler.improve import improve_roster
from scheduler.redeal import Redealer, redeal
from tests.scheduler.builders import roster, shift, volunteer
from tests.scheduler.test_improve import assert_kept_and_no_dearer, random_start, roster_of
from tests.scheduler.test_properties import problems


def _swap_problem(contract: Contract, *extra: Shift, late: str = "13:00") -> RosterProblem:
    """Volunteers a and b on day 0's shifts x (kind E) and y (kind L), each asking for the other's.

    Both shifts need one volunteer (10 a seat left empty); each request weighs 2.
    ``late`` is when y starts (it lasts 3 hours); ``extra`` adds shifts.
    """
    end = f"{int(late[:2]) + 3:02d}{late[2:]}"
    shifts = [
        shift("x", 0, "09:00", "12:00", kind="E", target=1, under_weight=10.0, over_weight=1.0),
        shift("y", 0, late, end, kind="L", target=1, under_weight=10.0, over_weight=1.0),
        *extra,
    ]
    return roster(
        [volunteer("a"), volunteer("b")],
        shifts,
        num_days=2,
        contracts=(contract,),
        default_contract="c",
        requests=(
            Request(volunteer="a", shift="y", want="on", weight=2.0),
            Request(volunteer="b", shift="x", want="on", weight=2.0),
        ),
    )


def test_a_deal_swaps_two_volunteers_onto_the_shifts_they_asked_for() -> None:
    """The swap no single volunteer can make alone: both requests met, 4 less, every rule kept."""
    p = _swap_problem(Contract(id="c", min_minutes=180, max_minutes=180))
    arr = RosterArrays.build(p)
    start = roster_of(arr, (0, 0), (1, 1))
    dealt = start.copy()
    assert Redealer(arr).deal(dealt, 0)
    assert np.array_equal(dealt, roster_of(arr, (0, 1), (1, 0)))
    before, after = check(p, arr.pairs(start)), check(p, arr.pairs(dealt))
    assert after.feasible
    assert after.objective == before.objective - 4.0
    # The improvement deals the days once its best responses are done.
    improved = improve_roster(arr, start, until=time.perf_counter() + 5.0, deal=True)
    assert np.array_equal(improved, dealt)


def test_a_deal_keeps_forbidden_successions() -> None:
    """Late then early is forbidden: a, early on day 1, keeps day 0's early shift."""
    contract = Contract(id="c", forbidden_successions=(("L", "E"),))
    p = _swap_problem(contract, shift("z", 1, "09:00", "12:00", kind="E", target=0))
    arr = RosterArrays.build(p)
    start = roster_of(arr, (0, 0), (1, 1), (0, 2))
    dealt = start.copy()
    assert not Redealer(arr).deal(dealt, 0)
    assert np.array_equal(dealt, start)
    assert check(p, arr.pairs(redeal(arr, start, until=time.perf_counter() + 5.0))).feasible


def test_a_deal_keeps_per_type_maximums() -> None:
    """At most one late shift: a, late on day 1, may not take y (late) on day 0."""
    contract = Contract(id="c", max_shifts={"L": 1})
    p = _swap_problem(contract, shift("z", 1, "13:00", "16:00", kind="L", target=0))
    arr = RosterArrays.build(p)
    start = roster_of(arr, (0, 0), (1, 1), (0, 2))
    dealt = start.copy()
    assert not Redealer(arr).deal(dealt, 0)
    assert check(p, arr.pairs(start)).feasible


@settings(max_examples=40, deadline=None)
@given(problems(max_vols=4, max_shifts=6))
def test_deals_keep_the_rules_and_never_cost_more(p: RosterProblem) -> None:
    """On random small problems, every day dealt: no rule broken (the checker's), no higher cost."""
    p, arr, start = random_start(p)
    dealt = redeal(arr, start, until=time.perf_counter() + 5.0)
    assert_kept_and_no_dearer(p, arr, start, dealt)


def test_a_deal_keeps_everyone_s_minutes() -> None:
    """Shift x lasts 3 hours and y 4, and each volunteer works exactly 6 over two days: no swap."""
    p = roster(
        [volunteer("a"), volunteer("b")],
        [
            shift("x", 0, "09:00", "12:00", target=1, under_weight=10.0),
            shift("y", 0, "13:00", "17:00", target=1, under_weight=10.0),
            shift("w", 0, "18:00", "21:00", target=1, under_weight=10.0),
            shift("u", 1, "09:00", "12:00", target=2, under_weight=10.0),
        ],
        num_days=2,
        contracts=(Contract(id="c", min_minutes=360, max_minutes=360),),
        default_contract="c",
        requests=(Request(volunteer="a", shift="y", want="on", weight=5.0),),
    )
    arr = RosterArrays.build(p)
    start = roster_of(arr, (0, 0), (1, 2), (0, 3), (1, 3))
    assert arr.edge_of(0, 1) is not None  # a may work y, but not instead of x
    assert check(p, arr.pairs(start)).feasible
    dealt = start.copy()
    assert not Redealer(arr).deal(dealt, 0)


def test_a_deal_keeps_the_rest_between_shifts() -> None:
    """Ten hours' rest: a, early on day 1, may not take day 0's late shift, which b then keeps."""
    contract = Contract(id="c", min_rest_minutes=600)
    p = _swap_problem(contract, shift("z", 1, "07:00", "10:00", target=0), late="20:00")
    arr = RosterArrays.build(p)
    start = roster_of(arr, (0, 0), (1, 1), (0, 2))
    assert check(p, arr.pairs(start)).feasible
    dealt = start.copy()
    assert not Redealer(arr).deal(dealt, 0)
