"""Hypothesis properties of rostering: checker-clean rosters, brute-force optimum when tiny."""

from __future__ import annotations

import itertools
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler import (
    Contract,
    Request,
    RosterProblem,
    RosterStatus,
    RosterWeights,
    TeamRule,
    build_roster,
)
from scheduler.arrays import RosterArrays
from scheduler.check import check
from scheduler.construct import greedy_roster
from tests.scheduler.builders import MONDAY, roster, shift, volunteer
from volunteers import Availability


@st.composite
def problems(
    draw: st.DrawFn, max_vols: int = 3, max_shifts: int = 4, fixed: bool = False
) -> RosterProblem:
    """Small random problems; with ``fixed``, every head count is fixed (minimum = maximum)."""
    n_v = draw(st.integers(1, max_vols))
    vols = []
    for i in range(n_v):
        off = draw(st.sets(st.integers(0, 4), max_size=2))
        vols.append(
            volunteer(
                f"v{i}",
                draw(st.floats(0.0, 1.8)),
                skills=tuple(draw(st.sets(st.sampled_from(["help", "aid"]), min_size=1))),
                availability=Availability(
                    unavailable_dates=tuple(MONDAY + timedelta(days=d) for d in off)
                ),
                weekly_hour_cap=draw(st.sampled_from([None, 3.0, 6.0])),
                hours_this_year=draw(st.sampled_from([0.0, 10.0, 30.0])),
                teams=("T",) if draw(st.booleans()) else (),
            )
        )
    shifts = []
    for j in range(draw(st.integers(1, max_shifts))):
        day = draw(st.integers(0, 4))
        begin = draw(st.sampled_from(["08:00", "11:00", "20:00"]))
        end = {"08:00": "12:00", "11:00": "14:00", "20:00": "23:30"}[begin]
        shifts.append(
            shift(
                f"s{j}",
                day,
                begin,
                end,
                kind=draw(st.sampled_from(["D", "N"])),
                target=(target := draw(st.integers(0, 2))),
                minimum=target if fixed else 0,
                maximum=target if fixed else None,
                under_weight=draw(st.sampled_from([10.0, 100.0])),
                over_weight=draw(st.sampled_from([0.0, 1.0])),
            )
        )
    contract = Contract(
        id="c",
        max_shifts_per_day=draw(st.integers(1, 2)),
        min_rest_minutes=draw(st.sampled_from([0, 600])),
        forbidden_successions=draw(st.sampled_from([(), (("N", "D"),)])),
        max_shifts=draw(st.sampled_from([{}, {"N": 1}, {"D": 0}])),
        max_minutes=draw(st.sampled_from([None, 420])),
        max_consecutive_days=draw(st.sampled_from([None, 2])),
        min_consecutive_days=draw(st.integers(1, 2)),
        min_consecutive_days_off=draw(st.integers(1, 2)),
        max_weekends=draw(st.sampled_from([None, 0])),
    )
    requests = tuple(
        Request(
            volunteer=f"v{draw(st.integers(0, n_v - 1))}",
            day=MONDAY + timedelta(days=draw(st.integers(0, 4))),
            want=draw(st.sampled_from(["on", "off"])),
            kind=draw(st.sampled_from([None, "D"])),
            weight=draw(st.sampled_from([1.0, 2.5])),
        )
        for _ in range(draw(st.integers(0, 2)))
    ) + tuple(
        Request(
            volunteer=f"v{draw(st.integers(0, n_v - 1))}",
            shift=f"s{draw(st.integers(0, len(shifts) - 1))}",
            want=draw(st.sampled_from(["on", "off"])),
            weight=draw(st.sampled_from([1.5, 4.0])),
        )
        for _ in range(draw(st.integers(0, 1)))
    )
    weights = RosterWeights(
        travel=draw(st.sampled_from([0.0, 0.3])),
        pace=draw(st.sampled_from([0.0, 0.5])),
        change=0.0,
        fairness=draw(st.sampled_from([0.0, 0.7])),
        fairness_unit=draw(st.sampled_from(["hour", "shift"])),
        rotation=draw(st.sampled_from([0.0, 0.8])),
    )
    rules = draw(
        st.sampled_from(
            [
                (),
                (TeamRule(team="T", min_hours_per_week=2.0, weight=3.0, rotation_days=7),),
                (TeamRule(team="T", min_hours_per_week=9.0, weight=1.0, rotation_days=3),),
            ]
        )
    )
    last_on_duty = {
        v["id"]: MONDAY - timedelta(days=draw(st.integers(1, 9)))
        for v in vols
        if draw(st.booleans())
    }
    return roster(
        vols,
        shifts,
        teams=({"id": "T", "category": "relief", "station": "s0"},),
        team_rules=rules,
        last_on_duty=last_on_duty,
        num_days=draw(st.sampled_from([5, 7])),
        weights=weights,
        contracts=(contract,),
        default_contract="c",
        requests=requests,
    )


@settings(max_examples=60, deadline=None)
@given(problems())
def test_rosters_pass_the_checker(p: RosterProblem) -> None:
    """Any small problem: the roster breaks no hard rule and its objective is exact."""
    result = build_roster(p)
    assert result.status == RosterStatus.OPTIMAL
    report = check(p, result)
    assert report.feasible, report.violations
    assert report.objective_matches, (report.objective, result.objective)


def brute_force_optimum(p: RosterProblem) -> float | None:
    """The least objective over every subset of pairs the checker finds feasible."""
    pairs = [(v.id, s.id) for v in p.organization.volunteers for s in p.shifts]
    best: float | None = None
    for k in range(len(pairs) + 1):
        for subset in itertools.combinations(pairs, k):
            report = check(p, list(subset))
            if report.feasible and (best is None or report.objective < best):
                best = report.objective
    return best


@settings(max_examples=40, deadline=None)
@given(problems(max_vols=2, max_shifts=3))
def test_tiny_rosters_match_brute_force(p: RosterProblem) -> None:
    """Every subset of (volunteer, shift) pairs, judged by the checker alone: same optimum."""
    best = brute_force_optimum(p)
    result = build_roster(p)
    assert best is not None  # the empty roster is always feasible here (no minimums)
    assert result.objective is not None
    assert abs(result.objective - best) < 1e-6, (result.objective, best)


TRACKED_BY_CONSTRUCTION = (
    "works only",  # minimum runs of working days
    "days off in a row",  # minimum runs of days off
    "at least",  # minimum minutes and head counts
)


@settings(max_examples=60, deadline=None)
@given(problems())
def test_construction_keeps_the_rules_it_tracks(p: RosterProblem) -> None:
    """The constructive warm start breaks only minimum rules, which it leaves to the solver."""
    arr = RosterArrays.build(p)
    chosen = greedy_roster(arr)
    report = check(p, arr.pairs(chosen))
    broken = [v for v in report.violations if not any(k in v for k in TRACKED_BY_CONSTRUCTION)]
    assert not broken, broken
