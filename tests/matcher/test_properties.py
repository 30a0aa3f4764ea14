"""Hypothesis properties of dispatch: checker-clean results, brute-force optimum when tiny."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher import (
    AssignedVolunteer,
    Assignment,
    CostBreakdown,
    DispatchParams,
    DispatchProblem,
    DispatchResult,
    ServiceItem,
    dispatch,
)
from matcher.check import check
from matcher.result import Funnel, ObjectiveBound, ObjectiveValue, SolveStatus, Unserved
from tests.matcher.builders import order, problem, volunteer

SKILLS = ("a", "b")
SPECS = ("mon-sun 08:00-20:00", "mon-fri 08:00-12:00", "sat-sun 09:00-18:00", "mon,wed 09:00-11:00")
TEAMS = (
    {"id": "T1", "category": "relief", "station": "s0", "captain": "v0"},
    {"id": "T2", "category": "education", "station": "s0", "captain": "v1"},
)


@st.composite
def problems(
    draw: st.DrawFn, max_vols: int = 5, max_orders: int = 5, windows: bool = True
) -> DispatchProblem:
    n_v = draw(st.integers(2, max_vols))
    vols = []
    for i in range(n_v):
        teams = (
            ("T1", "T2") if i < 2 else draw(st.sampled_from([(), ("T1",), ("T2",), ("T1", "T2")]))
        )
        vols.append(
            volunteer(
                f"v{i}",
                draw(st.floats(-1.5, 1.5)),
                draw(st.floats(-1.5, 1.5)),
                skills=tuple(draw(st.sets(st.sampled_from(SKILLS), min_size=1))),
                spec=draw(st.sampled_from(SPECS)),
                teams=teams,
                weekly_hour_cap=draw(st.sampled_from([None, 1.0, 2.0, 4.0])),
                offers_accepted=draw(st.integers(0, 5)),
                rating=draw(st.sampled_from([None, 3.0, 5.0])),
            )
        )
    n_o = draw(st.integers(1, max_orders))
    orders = []
    for i in range(n_o):
        k = draw(st.integers(1, 2))
        same_team = k == 2 and draw(st.booleans())
        kw: dict[str, Any] = {}
        if windows and draw(st.booleans()):
            kw["latest"] = "10:30"
        orders.append(
            order(
                f"o{i}",
                draw(st.floats(-1.0, 1.0)),
                draw(st.floats(-1.0, 1.0)),
                day=draw(st.sampled_from([0, 2, 5])),
                start=draw(st.sampled_from(["09:00", "09:30", "10:00"])),
                duration_minutes=draw(st.sampled_from([30, 60])),
                volunteers_needed=k,
                skills=(draw(st.sampled_from(SKILLS)),),
                same_team=same_team,
                needs_captain=same_team and draw(st.booleans()),
                priority=draw(st.sampled_from(["normal", "normal", "disabled"])),
                remote=draw(st.booleans()) and draw(st.booleans()),
                **kw,
            )
        )
    menu = (ServiceItem(code="help", duration_minutes=60),)
    return problem(
        vols, orders, teams=TEAMS, menu=menu, params=DispatchParams(time_limit=5.0, seed=1)
    )


@settings(max_examples=60)
@given(problems())
def test_results_pass_the_checker(p: DispatchProblem) -> None:
    """Any small problem: the result passes every hard rule and its objective is exact."""
    result = dispatch(p)
    report = check(p, result)
    assert report.feasible, report.violations
    assert report.objective_matches, (report.objective, result.objective)
    assert result.status == SolveStatus.OPTIMAL


@settings(max_examples=40)
@given(problems())
def test_out_of_time_components_keep_a_checked_greedy_plan(p: DispatchProblem) -> None:
    """No time to build any CP-SAT model: every component keeps its greedy plan, still valid."""
    import matcher.solve

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(matcher.solve, "BUILD_SECONDS_PER_OPTION", 1e9)
        result = dispatch(p)
    report = check(p, result)
    assert report.feasible, report.violations
    assert report.objective_matches, (report.objective, result.objective)
    assert result.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)
    assert result.timings["build"] == 0.0  # no CP-SAT model was built


def _brute_force(p: DispatchProblem) -> tuple[int, int, float]:
    """Best (vulnerable, normal, -cost) over every plan, judged by the checker alone."""
    org = p.organization
    ids = [v.id for v in org.volunteers]
    per_order: list[list[tuple[Any, ...] | None]] = []
    for o in p.orders:
        r = p.resolved(o)
        starts = []
        s = r.start
        while s <= r.latest_start:
            starts.append(s)
            s += timedelta(minutes=p.params.start_step_minutes)
        teams: list[str | None] = [t.id for t in org.teams] if r.same_team else [None]
        choices: list[tuple[Any, ...] | None] = [None]
        for s, team, group in itertools.product(
            starts, teams, itertools.combinations(ids, r.volunteers_needed)
        ):
            choices.append((r, s, team, group))
        per_order.append(choices)
    best: tuple[int, int, float] | None = None
    zero = CostBreakdown(travel=0, pace=0, reliability=0, rating=0, continuity=0, balance=0)
    funnel = Funnel(qualified=0, in_reach=0, available=0, under_cap=0)
    for plan in itertools.product(*per_order):
        assignments = []
        unserved = []
        for o, choice in zip(p.orders, plan, strict=True):
            if choice is None:
                unserved.append(
                    Unserved(
                        order=o.id,
                        priority=o.priority,
                        volunteers_needed=1,
                        funnel=funnel,
                        reasons=(),
                    )
                )
                continue
            r, s, team, group = choice
            assignments.append(
                Assignment(
                    order=o.id,
                    start=s,
                    end=s + timedelta(minutes=r.duration_minutes),
                    team=team,
                    volunteers=tuple(
                        AssignedVolunteer(volunteer=v, travel_minutes=0, cost=zero) for v in group
                    ),
                )
            )
        candidate = DispatchResult(
            status=SolveStatus.FEASIBLE,
            objective=ObjectiveValue(served_vulnerable=0, served_normal=0, cost=0),
            bound=ObjectiveBound(served_vulnerable=0, served_normal=0, cost=None),
            gap=None,
            runtime=0,
            assignments=tuple(assignments),
            unserved=tuple(unserved),
        )
        report = check(p, candidate)
        if report.feasible:
            key = (
                report.objective.served_vulnerable,
                report.objective.served_normal,
                -report.objective.cost,
            )
            if best is None or key > best:
                best = key
    assert best is not None
    return best


@settings(max_examples=25)
@given(problems(max_vols=3, max_orders=3, windows=False))
def test_tiny_problems_match_brute_force(p: DispatchProblem) -> None:
    """On tiny problems the solver's lexicographic objective equals the brute-force optimum."""
    result = dispatch(p)
    s1, s0, neg_cost = _brute_force(p)
    assert (result.objective.served_vulnerable, result.objective.served_normal) == (s1, s0)
    n = sum(len(a.volunteers) for a in result.assignments)
    # The solver optimizes costs rounded to 1/100 per assignment: both plans (with n
    # assignments each) may be off by 0.005 each, so ties in rounded cost differ by
    # up to 0.01 per assignment.
    assert abs(check(p, result).objective.cost - (-neg_cost)) <= 0.01 * n + 1e-6


def _peeled(p: DispatchProblem) -> DispatchResult:
    """Dispatch ``p`` through the peeled solve (as if exact models would not fit)."""
    import matcher.solve

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(matcher.solve, "PEEL_SHARE", 0.0)
        return dispatch(p)


@settings(max_examples=40)
@given(problems())
def test_peeled_results_pass_the_checker(p: DispatchProblem) -> None:
    """Solved by peeling first, any small problem still passes every hard rule."""
    result = _peeled(p)
    report = check(p, result)
    assert report.feasible, report.violations
    assert report.objective_matches, (report.objective, result.objective)


@settings(max_examples=40)
@given(problems(max_vols=3, max_orders=3, windows=False))
def test_peeled_bounds_never_cut_off_the_optimum(p: DispatchProblem) -> None:
    """The peeled solve's served and cost bounds hold against the brute-force optimum."""
    result = _peeled(p)
    s1, s0, neg_cost = _brute_force(p)
    served = (result.objective.served_vulnerable, result.objective.served_normal)
    assert served <= (s1, s0)
    assert (result.bound.served_vulnerable, result.bound.served_normal) >= (s1, s0)
    if result.bound.cost is not None:
        assert served == (s1, s0)
        seats = sum(p.resolved(o).volunteers_needed for o in p.orders)
        # Costs are rounded to 1/100 per assignment in the solver (see above).
        assert result.bound.cost <= -neg_cost + 0.01 * seats + 1e-6
