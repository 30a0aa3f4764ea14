"""Tests for ``scheduler.weekends``: the weekend plan, exact on the weekend days alone."""

from __future__ import annotations

import itertools
import logging
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler import Contract, Request, RosterPin, RosterProblem, build_roster
from scheduler.arrays import RosterArrays
from scheduler.check import check
from scheduler.sequential import SeatPrices
from scheduler.weekends import limits_weekends, weekend_plan
from tests.scheduler.builders import MONDAY, roster, shift, volunteer

SAT, SUN = 5, 6


def two_weekends(max_weekends: int | None = 1, **contract: Any) -> RosterProblem:
    """Two volunteers, two weekends, a shift each Saturday and Sunday needing one."""
    c = Contract(id="c", max_weekends=max_weekends, **contract)
    days = (SAT, SUN, SAT + 7, SUN + 7)
    return roster(
        [volunteer("a"), volunteer("b")],
        [shift(f"w{d}", d) for d in days],
        num_days=14,
        contracts=(c,),
        default_contract="c",
    )


def weekend_cost(arr: RosterArrays, chosen: np.ndarray) -> float | None:
    """The weekend-only objective of ``chosen`` (weekend pairs).

    ``None`` if it breaks a rule the weekend days hold on their own (the brute
    force's own reading of those rules).
    """
    p = arr.problem
    vols = p.organization.volunteers
    prices = SeatPrices.of(arr)
    edges = np.flatnonzero(chosen)
    weekend = (arr.weekday0 + arr.shift_day[arr.edge_shift]) % 7 >= SAT
    if (prices.pinned & weekend & ~chosen).any():
        return None
    for v in range(arr.num_volunteers):
        c = p.contract(vols[v].id)
        mine = edges[arr.edge_vol[edges] == v]
        shifts = arr.edge_shift[mine]
        days = arr.shift_day[shifts]
        if len(days) and np.bincount(days).max() > c.max_shifts_per_day:
            return None
        weekends = {(arr.weekday0 + int(d)) // 7 for d in days}
        if c.max_weekends is not None and len(weekends) > c.max_weekends:
            return None
        if c.max_minutes is not None and int(arr.shift_minutes[shifts].sum()) > c.max_minutes:
            return None
        for key, most in c.max_shifts.items():
            names = [(arr.types[arr.shift_type[s]], p.shifts[s].post) for s in shifts.tolist()]
            hits = sum(1 for both in names if key in both)
            if hits > most:
                return None
        for a, b in itertools.product(shifts.tolist(), repeat=2):
            if arr.shift_day[b] != arr.shift_day[a] + 1:
                continue
            types = (arr.types[arr.shift_type[a]], arr.types[arr.shift_type[b]])
            gap = int(arr.shift_start[b] - arr.shift_end[a])
            if gap < c.min_rest_minutes or types in c.forbidden_successions:
                return None
    have = np.bincount(arr.edge_shift[edges], minlength=arr.num_shifts)
    cost = float(prices.personal[edges].sum())
    for s, sh in enumerate(p.shifts):
        if (arr.weekday0 + int(arr.shift_day[s])) % 7 < SAT:
            continue
        if have[s] < sh.minimum or (sh.maximum is not None and have[s] > sh.maximum):
            return None
        if not (arr.edge_shift == s).any():
            continue  # no pair: its cost is the same for every plan
        cost += sh.under_weight * max(sh.target - have[s], 0)
        cost += sh.over_weight * max(have[s] - sh.target, 0)
    return cost


def test_plan_packs_whole_weekends() -> None:
    """With one weekend each, both volunteers work a whole weekend: every seat is filled.

    Working a Saturday of one weekend and a Sunday of the other would spend both
    allowances on two seats.
    """
    p = two_weekends()
    arr = RosterArrays.build(p)
    plan = weekend_plan(arr, 10.0)
    assert plan is not None
    assert plan.sum() == 4
    for v in range(2):
        days = sorted(arr.shift_day[arr.edge_shift[plan & (arr.edge_vol == v)]].tolist())
        assert days in ([SAT, SUN], [SAT + 7, SUN + 7])


def test_plan_keeps_successions_within_a_weekend() -> None:
    """A late Saturday shift may not be followed by an early Sunday one: the plan splits them."""
    c = Contract(id="c", max_weekends=1, forbidden_successions=(("late", "early"),))
    p = roster(
        [volunteer("a"), volunteer("b")],
        [
            shift("sat", SAT, "18:00", "22:00", kind="late"),
            shift("sun", SUN, "08:00", "12:00", kind="early"),
        ],
        num_days=7,
        contracts=(c,),
        default_contract="c",
    )
    arr = RosterArrays.build(p)
    plan = weekend_plan(arr, 10.0)
    assert plan is not None
    assert plan.sum() == 2
    assert len(set(arr.edge_vol[plan].tolist())) == 2


def test_limits_weekends() -> None:
    """Only a contract allowing fewer weekends than a volunteer's pairs reach limits them."""
    assert limits_weekends(RosterArrays.build(two_weekends(1)))
    assert not limits_weekends(RosterArrays.build(two_weekends(2)))
    assert not limits_weekends(RosterArrays.build(two_weekends(None)))


@st.composite
def weekend_problems(draw: st.DrawFn) -> RosterProblem:
    """Tiny problems over two weekends, every weekend rule drawn."""
    n_v = draw(st.integers(1, 2))
    shifts = []
    for j in range(draw(st.integers(1, 4))):
        day = draw(st.sampled_from([SAT, SUN, SAT + 7, SUN + 7, 2]))
        begin = draw(st.sampled_from(["08:00", "20:00"]))
        end = {"08:00": "12:00", "20:00": "23:30"}[begin]
        target = draw(st.integers(0, 2))
        shifts.append(
            shift(
                f"s{j}",
                day,
                begin,
                end,
                kind="D" if begin == "08:00" else "N",
                target=target,
                minimum=draw(st.integers(0, target)),
                maximum=draw(st.sampled_from([None, target, target + 1])),
                under_weight=draw(st.sampled_from([10.0, 100.0])),
                over_weight=draw(st.sampled_from([0.0, 1.0])),
            )
        )
    contract = Contract(
        id="c",
        max_shifts_per_day=draw(st.integers(1, 2)),
        min_rest_minutes=draw(st.sampled_from([0, 600])),
        forbidden_successions=draw(st.sampled_from([(), (("N", "D"),)])),
        max_shifts=draw(st.sampled_from([{}, {"N": 1}, {"desk": 2}])),
        max_minutes=draw(st.sampled_from([None, 420])),
        max_weekends=draw(st.sampled_from([None, 0, 1])),
    )
    requests = tuple(
        Request(
            volunteer=f"v{draw(st.integers(0, n_v - 1))}",
            shift=f"s{draw(st.integers(0, len(shifts) - 1))}",
            want=draw(st.sampled_from(["on", "off"])),
            weight=draw(st.sampled_from([1.5, 40.0])),
        )
        for _ in range(draw(st.integers(0, 2)))
    )
    pins = (
        (RosterPin(volunteer="v0", shift=f"s{draw(st.integers(0, len(shifts) - 1))}"),)
        if draw(st.booleans())
        else ()
    )
    return roster(
        [volunteer(f"v{i}") for i in range(n_v)],
        shifts,
        num_days=14,
        contracts=(contract,),
        default_contract="c",
        requests=requests,
        pins=pins,
    )


@settings(max_examples=60, deadline=None)
@given(weekend_problems())
def test_plan_is_the_optimum_of_the_weekend_days(p: RosterProblem) -> None:
    """The plan keeps the weekend days' rules and costs what their best subset of pairs costs.

    The best subset is found by trying every one.
    """
    arr = RosterArrays.build(p)
    weekend = np.flatnonzero((arr.weekday0 + arr.shift_day[arr.edge_shift]) % 7 >= SAT)
    best: float | None = None
    for k in range(2 ** len(weekend)):
        chosen = np.zeros(arr.num_edges, dtype=bool)
        chosen[weekend[[bool(k >> i & 1) for i in range(len(weekend))]]] = True
        cost = weekend_cost(arr, chosen)
        if cost is not None and (best is None or cost < best - 1e-9):
            best = cost
    plan = weekend_plan(arr, 10.0)
    if best is None or not len(weekend):
        assert plan is None
        return
    assert plan is not None
    assert not plan[~np.isin(np.arange(arr.num_edges), weekend)].any()
    assert weekend_cost(arr, plan) == pytest.approx(best)


def test_a_large_problem_follows_the_plan(monkeypatch: pytest.MonkeyPatch, caplog: Any) -> None:
    """On the path of large problems, the roster is built along the plan.

    It still keeps every rule; here it fills every weekend seat.
    """
    from scheduler import solve

    monkeypatch.setattr(solve, "COLUMNS_MAX_PAIRS", 0)
    p = two_weekends(min_consecutive_days=2)
    p = p.model_copy(update={"params": p.params.model_copy(update={"time_limit": 5.0})})
    with caplog.at_level(logging.DEBUG, logger="scheduler"):
        result = build_roster(p)
    assert any("weekend plan: 4 pairs" in r.getMessage() for r in caplog.records)
    report = check(p, result)
    assert report.feasible, report.violations
    assert all(c.under == 0 for c in result.coverage)
    assert MONDAY.weekday() == 0
    assert len(result.assignments) == 4


def test_a_plan_far_from_its_bound_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    """A plan HiGHS stopped at, no better than planning nothing, is not followed."""
    from dataclasses import replace

    from scheduler import weekends
    from scheduler.mip import MipAnswer, solve_mip

    def stopped_early(*args: Any, **kw: Any) -> MipAnswer:
        answer = solve_mip(*args, **kw)
        assert answer.values is not None
        nothing = np.zeros_like(answer.values)
        # Planning nothing leaves four seats empty at 100 each.
        return replace(answer, values=nothing, objective=400.0, bound=0.0, optimal=False)

    arr = RosterArrays.build(two_weekends())
    assert weekend_plan(arr, 10.0) is not None
    monkeypatch.setattr(weekends, "solve_mip", stopped_early)
    assert weekend_plan(arr, 10.0) is None
