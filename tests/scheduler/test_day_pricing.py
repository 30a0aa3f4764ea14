"""Tests for ``scheduler.day_pricing``: a walk over the days prices one volunteer exactly."""

from __future__ import annotations

import itertools
from datetime import timedelta
from pathlib import Path
from unittest.mock import patch

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.curtois import to_problem
from scheduler import Contract, RosterParams, RosterPin, RosterProblem, Shift
from scheduler.arrays import RosterArrays
from scheduler.check import check
from scheduler.columns import _Pricing
from scheduler.day_pricing import DayPricing
from tests.scheduler.builders import MONDAY, roster, shift, volunteer, when

DATA = Path(__file__).parent.parent / "data" / "curtois"

TIMES = {"E": ("06:00", 8), "F": ("06:00", 8), "L": ("14:00", 8), "N": ("22:00", 10)}
"""Shift types by start and hours: ``E`` and ``F`` alike but for their type (twins)."""


def _shift(kind: str, day: int) -> Shift:
    """A shift of type ``kind`` on ``day`` (a night shift ends the next morning)."""
    begin, hours = TIMES[kind]
    start = when(day, begin)
    return Shift(
        id=f"{kind}{day}",
        post="desk",
        kind=kind,
        start=start,
        end=start + timedelta(hours=hours),
        minimum=0,
    )


@st.composite
def one_volunteer(draw: st.DrawFn) -> tuple[RosterProblem, np.ndarray]:
    """One volunteer, up to 9 shifts over 5-8 days (a weekend or two), any contract."""
    num_days = draw(st.integers(5, 8))
    shifts: list[Shift] = []
    for day in range(num_days):
        for kind in sorted(draw(st.sets(st.sampled_from(sorted(TIMES)), max_size=2))):
            if len(shifts) < 9:
                shifts.append(_shift(kind, day))
    if not shifts:
        shifts.append(_shift("E", 0))
    max_run = draw(st.sampled_from([None, 2, 3]))
    contract = Contract(
        id="c",
        min_rest_minutes=draw(st.sampled_from([0, 600])),
        forbidden_successions=draw(st.sampled_from([(), (("N", "E"),), (("L", "E"),)])),
        max_shifts=draw(st.sampled_from([{}, {"N": 1}, {"E": 2}, {"E": 1, "L": 1}])),
        min_minutes=draw(st.sampled_from([0, 480, 1080])),
        max_minutes=draw(st.sampled_from([None, 1080, 1800])),
        max_consecutive_days=max_run,
        min_consecutive_days=draw(st.integers(1, max_run or 3)),
        min_consecutive_days_off=draw(st.integers(1, 2)),
        max_weekends=draw(st.sampled_from([None, 0, 1])),
    )
    cap = draw(st.sampled_from([None, 16.0]))
    pins: tuple[RosterPin, ...] = ()
    if draw(st.booleans()):
        pins = (RosterPin(volunteer="v", shift=shifts[draw(st.integers(0, len(shifts) - 1))].id),)
    p = roster(
        [volunteer("v", weekly_hour_cap=cap)],
        shifts,
        num_days=num_days,
        contracts=(contract,),
        default_contract="c",
        pins=pins,
    )
    # Start on another weekday now and then, to move the weekend.
    shift_by = draw(st.integers(0, 6))
    if shift_by:
        p = p.model_copy(
            update={
                "start": MONDAY + timedelta(days=shift_by),
                "shifts": tuple(
                    s.model_copy(
                        update={
                            "start": s.start + timedelta(days=shift_by),
                            "end": s.end + timedelta(days=shift_by),
                        }
                    )
                    for s in p.shifts
                ),
            }
        )
    cost = np.asarray(draw(st.lists(st.integers(-6, 3), min_size=9, max_size=9)), dtype=float)
    return p, cost


def _walk(p: RosterProblem) -> tuple[RosterArrays, DayPricing | None, np.ndarray]:
    arr = RosterArrays.build(p)
    edges = np.arange(arr.num_edges)
    vol = p.organization.volunteers[0]
    cap = None if vol.weekly_hour_cap is None else 60.0 * vol.weekly_hour_cap
    pinned = [arr.edge_of(0, p.shift_index[q.shift]) for q in p.pins]
    types = {t: i for i, t in enumerate(arr.types)}
    pins = np.asarray([e for e in pinned if e is not None], dtype=np.int64)
    return arr, DayPricing.build(arr, edges, p.contract(vol.id), cap, pins, types), edges


def _against_brute_force(p: RosterProblem, costs: np.ndarray, *, prove: bool) -> None:
    """The walk's pricing against every subset of the pairs, judged by the checker alone."""
    arr, walk, edges = _walk(p)
    assert walk is not None  # one shift a day, nothing reaching two days on
    cost = costs[: len(edges)]
    shift_ids = [p.shifts[int(s)].id for s in arr.edge_shift]
    best: float | None = None
    for k in range(len(edges) + 1):
        for subset in itertools.combinations(range(len(edges)), k):
            if check(p, [("v", shift_ids[e]) for e in subset]).feasible:
                value = float(cost[list(subset)].sum())
                best = value if best is None else min(best, value)
    schedules, lower, exact = walk.price(cost, prove=prove)
    for picked in schedules:
        assert check(p, [("v", shift_ids[int(e)]) for e in picked]).feasible
    if best is None:
        assert schedules == []
        return
    assert lower is not None
    assert lower <= best + 1e-9, (lower, best)
    if exact:
        assert float(cost[schedules[-1]].sum()) == best


@settings(max_examples=60, deadline=None)
@given(one_volunteer())
def test_walk_prices_exactly_as_brute_force(case: tuple[RosterProblem, np.ndarray]) -> None:
    """Against every subset of the pairs, judged by the checker alone.

    The walk's bound never exceeds the cheapest feasible subset, its schedules
    are feasible, and an answer it calls exact is that cheapest subset.
    """
    _against_brute_force(*case, prove=True)


@settings(max_examples=60, deadline=None)
@given(one_volunteer(), st.booleans())
def test_maximums_priced_or_mended_keep_every_rule(
    case: tuple[RosterProblem, np.ndarray], prove: bool
) -> None:
    """Per-type maximums all left out of the walk's state: priced by multipliers, mended by swaps.

    Its schedules still keep every rule, and its bound is still valid.
    """
    with patch("scheduler.day_pricing.COUNT_STATES", 1):
        _against_brute_force(*case, prove=prove)


def test_repair_swaps_within_days_to_keep_a_maximum() -> None:
    """Five days to work, early shifts cheapest but at most two: three become late ones."""
    shifts = [_shift(kind, day) for day in range(5) for kind in ("E", "L")]
    contract = Contract(id="c", min_minutes=5 * 480, max_shifts={"E": 2})
    p = roster([volunteer("v")], shifts, num_days=5, contracts=(contract,), default_contract="c")
    with patch("scheduler.day_pricing.COUNT_STATES", 1):
        arr, walk, _ = _walk(p)
    assert walk is not None
    assert len(walk.priced) == 1  # the maximum on early shifts is left out of the walk
    cost = np.asarray([-3.0 if p.shifts[int(s)].kind == "E" else -1.0 for s in arr.edge_shift])
    found = walk.walk(cost)
    assert found is not None
    assert found[1] == -15.0  # five early shifts: the maximum broken
    mended = walk.repair(found[0], cost)
    assert mended is not None
    kinds = [str(p.shifts[int(arr.edge_shift[e])].kind) for e in mended]
    assert sorted(kinds) == ["E", "E", "L", "L", "L"]
    assert check(p, [("v", p.shifts[int(arr.edge_shift[e])].id) for e in mended]).feasible
    schedules, lower, exact = walk.price(cost, prove=False)
    assert float(cost[schedules[-1]].sum()) == -9.0  # the optimum: two early, three late
    assert lower == -15.0
    assert not exact


def test_twins_are_walked_once_at_the_same_least_cost() -> None:
    """Two alike shift types a day: the walk keeps the cheaper of each pair, and costs the same.

    Fourteen days of early shifts of types ``E`` and ``F`` (twins unless one is
    pinned) and late ones, with runs, days off, minutes and weekends: at random
    costs, the walk with twins priced out and the walk over every option find
    the same least cost, and the schedule found keeps every rule.
    """
    shifts = [_shift(kind, day) for day in range(14) for kind in ("E", "F", "L")]
    contract = Contract(
        id="c",
        forbidden_successions=(("L", "E"), ("L", "F")),
        min_minutes=7 * 480,
        max_consecutive_days=4,
        min_consecutive_days=2,
        min_consecutive_days_off=2,
        max_weekends=1,
    )
    p = roster(
        [volunteer("v")],
        shifts,
        num_days=14,
        contracts=(contract,),
        default_contract="c",
        pins=(RosterPin(volunteer="v", shift="F3"),),
    )
    arr, walk, _ = _walk(p)
    assert walk is not None
    flat = walk._kernel()
    twins = flat.twins
    assert twins is not None
    assert len(twins.starts) == 13 * 2 + 3  # E and F one set a day, but on day 3 (pinned)
    rng = np.random.default_rng(5)
    ids = [p.shifts[int(s)].id for s in arr.edge_shift]
    for _ in range(30):
        cost = rng.integers(-20, 5, arr.num_edges).astype(float)
        found = walk.walk(cost)
        flat.twins = None
        every = walk.walk(cost)
        flat.twins = twins
        assert found is not None
        assert every is not None
        assert found[1] == every[1]
        assert float(cost[found[0]].sum()) == found[1]
        assert check(p, [("v", ids[int(e)]) for e in found[0]]).feasible


def test_walk_matches_the_cp_sat_pricing_on_curtois_instance1() -> None:
    """At random prices, every volunteer of Instance1: the CP-SAT pricing model's optimum.

    Its contracts have runs, days off, weekends, minutes and per-type maximums.
    """
    p = to_problem(DATA / "Instance1.txt", RosterParams(time_limit=10.0, seed=1))
    arr = RosterArrays.build(p)
    types = {t: i for i, t in enumerate(arr.types)}
    vptr = arr.vol_start()
    rng = np.random.default_rng(3)
    for v in range(arr.num_volunteers):
        edges = np.arange(vptr[v], vptr[v + 1])
        contract = p.contract(p.organization.volunteers[v].id)
        walk = DayPricing.build(arr, edges, contract, None, np.empty(0, np.int64), types)
        assert walk is not None
        cost = rng.integers(-30, 10, len(edges)).astype(float)
        schedules, lower, exact = walk.price(cost)
        reference, _ = _Pricing(arr, v, types).solve(cost, None, 10.0, 1)
        optimum = float(cost[np.searchsorted(edges, reference[-1])].sum())
        assert exact
        assert lower == optimum
        assert float(cost[np.searchsorted(edges, schedules[-1])].sum()) == optimum


def test_rules_that_do_not_fit_a_walk_are_left_to_cp_sat() -> None:
    """Two shifts a day allowed, a shift reaching two days on, or minute totals too fine."""
    two_a_day = roster(
        [volunteer("v")],
        [shift("a", 0, "08:00", "10:00"), shift("b", 0, "12:00", "14:00")],
        contracts=(Contract(id="c", max_shifts_per_day=2),),
        default_contract="c",
    )
    long_rest = roster(
        [volunteer("v")],
        [shift("a", 0, "20:00", "23:00"), shift("b", 2, "06:00", "09:00")],
        contracts=(Contract(id="c", min_rest_minutes=48 * 60),),
        default_contract="c",
    )
    odd_minutes = roster(
        [volunteer("v")],
        [shift(f"s{d}", d, "08:00", "15:59" if d % 2 else "16:00") for d in range(7)],
        contracts=(Contract(id="c"),),
        default_contract="c",
    )
    for p in (two_a_day, long_rest, odd_minutes):
        assert _walk(p)[1] is None
