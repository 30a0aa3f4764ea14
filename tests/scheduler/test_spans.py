"""Tests for ``scheduler.spans``: a volunteer re-walked over a span of weeks, the rest kept."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler import Contract, RosterProblem
from scheduler.arrays import RosterArrays
from scheduler.check import check
from scheduler.day_pricing import DayPricing
from scheduler.spans import span_walk, week_start
from tests.scheduler.builders import roster, volunteer
from tests.scheduler.test_day_pricing import _shift


@st.composite
def spans(draw: st.DrawFn) -> tuple[RosterProblem, int, int, int]:
    """One volunteer over 3-4 weeks with early, late and night shifts, any contract, and a span.

    Returns the problem, the span's first and end day, and a seed for the costs.
    """
    weeks = draw(st.integers(3, 4))
    num_days = 7 * weeks
    shifts = [
        _shift(kind, day)
        for day in range(num_days)
        for kind in sorted(draw(st.sets(st.sampled_from(["E", "L", "N"]), min_size=1)))
    ]
    max_run = draw(st.sampled_from([None, 3, 5]))
    contract = Contract(
        id="c",
        min_rest_minutes=draw(st.sampled_from([0, 600])),
        forbidden_successions=draw(st.sampled_from([(), (("N", "E"),), (("L", "E"),)])),
        max_shifts=draw(st.sampled_from([{}, {"N": 2}, {"E": 3, "L": 6}, {"E": 6, "L": 3}])),
        min_minutes=draw(st.sampled_from([0, 8 * 480, 12 * 480])),
        max_minutes=draw(st.sampled_from([None, 14 * 480])),
        max_consecutive_days=max_run,
        min_consecutive_days=draw(st.integers(1, max_run or 3)),
        min_consecutive_days_off=draw(st.integers(1, 2)),
        max_weekends=draw(st.sampled_from([None, 1, 2])),
    )
    p = roster(
        [volunteer("v")],
        shifts,
        num_days=num_days,
        contracts=(contract,),
        default_contract="c",
    )
    first = draw(st.integers(0, weeks - 1))
    length = draw(st.integers(1, weeks - first))
    return p, 7 * first, 7 * (first + length), draw(st.integers(0, 2**16))


@settings(max_examples=80, deadline=None)
@given(spans())
def test_a_span_keeps_every_rule_and_finds_what_the_schedule_has(
    case: tuple[RosterProblem, int, int, int],
) -> None:
    """A schedule re-walked over a span, the rest kept: the checker finds no broken rule.

    The volunteer's schedule is a walk over the whole horizon at random costs.
    Walked again over the span at other random costs, the schedule with the
    span's days replaced keeps every rule; and since the schedule itself is one
    the span's walk may take, the walk finds one costing no more over the span.
    """
    p, lo, hi, seed = case
    arr = RosterArrays.build(p)
    types = {t: i for i, t in enumerate(arr.types)}
    mine = np.arange(arr.num_edges)
    contract = p.contract("v")
    whole = DayPricing.build(arr, mine, contract, None, np.empty(0, np.int64), types)
    assert whole is not None
    rng = np.random.default_rng(seed)
    found, _, _ = whole.price(rng.normal(0.0, 5.0, len(mine)), prove=False)
    if not found:
        return  # no schedule keeps the rules at all
    own = np.zeros(len(mine), dtype=bool)
    own[found[-1]] = True
    assert check(p, arr.pairs(own)).feasible
    walk = span_walk(arr, 0, mine, own, lo, hi, types)
    assert walk is not None
    cost = rng.normal(0.0, 5.0, len(mine))
    schedules, _, _ = walk.price(cost[walk.edges], prove=False)
    day = arr.edge_day
    inside = (day >= lo) & (day < hi)
    if not schedules:
        assert whole.priced, "the schedule itself keeps the span's rules"
        return
    new = np.zeros(len(mine), dtype=bool)
    new[schedules[-1]] = True
    composed = (own & ~inside) | (new & inside)
    report = check(p, arr.pairs(composed))
    assert report.feasible, report.violations
    if not walk.priced:  # exact: no maximum priced by multipliers
        assert float(cost[new & inside].sum()) <= float(cost[own & inside].sum()) + 1e-9


def test_spans_are_whole_calendar_weeks() -> None:
    """A span starts on a Monday, or on the horizon's first day when that is not one."""
    p = roster([volunteer("v")], [_shift("E", 0)], num_days=14)
    arr = RosterArrays.build(p)
    assert [week_start(arr, d) for d in (0, 6, 7, 13)] == [0, 0, 7, 7]
