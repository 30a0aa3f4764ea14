"""One test per hard rule of dispatch, on the smallest instance where it binds.

Every result goes through the independent checker.
"""

from __future__ import annotations

import pytest

from matcher import (
    DispatchParams,
    DispatchProblem,
    DispatchResult,
    ServiceItem,
    SolveStatus,
    dispatch,
)
from matcher.check import check
from tests.matcher.builders import at, order, problem, volunteer, when
from volunteers import Location


def solve(p: DispatchProblem) -> DispatchResult:
    result = dispatch(p)
    report = check(p, result)
    assert report.feasible, report.violations
    assert report.objective_matches, (report.objective, result.objective)
    return result


def served_by(result: DispatchResult) -> dict[str, tuple[str, ...]]:
    return {a.order: a.volunteer_ids for a in result.assignments}


def test_skills() -> None:
    """The nearer volunteer lacks the skill; the farther one serves."""
    menu = (ServiceItem(code="help", skills=("first_aid",)),)
    p = problem(
        [volunteer("near", 0.1, skills=("cooking",)), volunteer("far", 0.8, skills=("first_aid",))],
        [order("o1")],
        menu=menu,
    )
    assert served_by(solve(p)) == {"o1": ("far",)}


def test_team_category() -> None:
    """Only members of a team of an allowed category may serve."""
    teams = (
        {"id": "med", "category": "medical_fitness", "station": "s0"},
        {"id": "edu", "category": "education", "station": "s0"},
    )
    p = problem(
        [volunteer("near", 0.1, teams=("edu",)), volunteer("far", 0.8, teams=("med",))],
        [order("o1", categories=("medical_fitness",))],
        teams=teams,
    )
    assert served_by(solve(p)) == {"o1": ("far",)}


def test_reach() -> None:
    """2 km at 10 min/km is beyond the 15-minute circle: unserved, and the funnel says so."""
    p = problem([volunteer("v", 2.0)], [order("o1")])
    result = solve(p)
    assert result.assignments == ()
    (u,) = result.unserved
    assert (u.funnel.qualified, u.funnel.in_reach) == (1, 0)
    assert "15-minute circle" in u.reasons[0]


def test_remote_ignores_distance() -> None:
    """A remote order is served from anywhere."""
    p = problem([volunteer("v", 30.0)], [order("o1", remote=True)])
    assert served_by(solve(p)) == {"o1": ("v",)}


def test_free_including_travel() -> None:
    """Free from 09:00 is not enough for a 09:00 order 10 minutes away; free from 08:45 is."""
    p = problem(
        [
            volunteer("late", 1.0, spec="mon 09:00-12:00"),
            volunteer("early", 1.2, spec="mon 08:45-12:00"),
        ],
        [order("o1")],
    )
    assert served_by(solve(p)) == {"o1": ("early",)}


def test_no_overlap_counting_travel() -> None:
    """09:00-10:00 then 10:05 one km away (10 min): one volunteer cannot do both."""
    p = problem(
        [volunteer("v", 0.0)],
        [order("a", 0.0, start="09:00"), order("b", 1.0, start="10:05")],
    )
    result = solve(p)
    assert len(result.assignments) == 1
    p2 = problem(
        [volunteer("v", 0.0)], [order("a", 0.0, start="09:00"), order("b", 1.0, start="10:15")]
    )
    assert len(solve(p2).assignments) == 2


def test_weekly_cap() -> None:
    """A one-hour cap allows one one-hour order in the week."""
    p = problem(
        [volunteer("v", weekly_hour_cap=1.0)],
        [order("a", day=0), order("b", day=2)],
    )
    result = solve(p)
    assert len(result.assignments) == 1
    (u,) = result.unserved
    assert "weekly cap" in u.reasons[0]


def test_committed_hours_count_against_cap() -> None:
    """Hours already committed this week use up the cap."""
    p = problem([volunteer("v", weekly_hour_cap=2.0)], [order("a")], committed_hours={"v": 1.5})
    result = solve(p)
    assert result.assignments == ()
    assert result.unserved[0].funnel.under_cap == 0


def test_all_or_none() -> None:
    """An order needing two with one qualified volunteer is not half served."""
    p = problem([volunteer("v")], [order("o1", volunteers_needed=2)])
    result = solve(p)
    assert result.assignments == ()
    assert "1 needed" not in result.unserved[0].reasons[0]
    assert "2 needed" in result.unserved[0].reasons[0]


def test_same_team_with_captain() -> None:
    """Two from one team with its captain; the other team's captain is busy."""
    teams = (
        {"id": "A", "category": "relief", "station": "s0", "captain": "a1"},
        {"id": "B", "category": "relief", "station": "s0", "captain": "b1"},
    )
    vols = [
        volunteer("a1", 0.9, teams=("A",)),
        volunteer("a2", 0.9, teams=("A",)),
        volunteer("b1", 0.1, teams=("B",), spec="tue 09:00-12:00"),
        volunteer("b2", 0.1, teams=("B",)),
    ]
    p = problem(
        vols, [order("o1", volunteers_needed=2, same_team=True, needs_captain=True)], teams=teams
    )
    result = solve(p)
    (a,) = result.assignments
    assert a.team == "A"
    assert set(a.volunteer_ids) == {"a1", "a2"}


def test_pins_kept() -> None:
    """A pinned, farther volunteer is kept exactly."""
    p = problem(
        [volunteer("near", 0.1), volunteer("far", 1.0)],
        [order("o1")],
        pins=[{"order": "o1", "volunteer": "far"}],
    )
    assert served_by(solve(p)) == {"o1": ("far",)}


def test_contradicting_pins_are_infeasible() -> None:
    """Two clashing orders pinned to one volunteer: infeasible, with a reason."""
    p = problem(
        [volunteer("v"), volunteer("w")],
        [order("a", start="09:00"), order("b", start="09:30")],
        pins=[{"order": "a", "volunteer": "v"}, {"order": "b", "volunteer": "v"}],
    )
    result = dispatch(p)
    assert result.status == SolveStatus.INFEASIBLE
    assert result.infeasible_reasons
    assert check(p, result).feasible is False or result.assignments == ()


def test_pin_breaking_a_rule_is_infeasible() -> None:
    """A pin to a volunteer without the skill is an infeasible answer naming why."""
    menu = (ServiceItem(code="help", skills=("first_aid",)),)
    p = problem(
        [volunteer("v", skills=("cooking",))],
        [order("o1")],
        menu=menu,
        pins=[{"order": "o1", "volunteer": "v"}],
    )
    result = dispatch(p)
    assert result.status == SolveStatus.INFEASIBLE
    assert "missing a required skill" in result.infeasible_reasons[0]


def test_vulnerable_first_lexicographically() -> None:
    """One volunteer, two clashing orders: the vulnerable one wins, even against a heavier one."""
    params = DispatchParams(priority_weights={"normal": 5.0, "elderly_alone": 1.0})
    p = problem(
        [volunteer("v")],
        [order("n", start="09:00"), order("e", start="09:30", priority="elderly_alone", east=1.0)],
        params=params,
    )
    result = solve(p)
    assert served_by(result) == {"e": ("v",)}
    (u,) = result.unserved
    assert "1 of higher priority" in u.reasons[0]


def test_exclusion_respected() -> None:
    """An excluded volunteer is never given the order."""
    p = problem(
        [volunteer("near", 0.1), volunteer("far", 1.0)],
        [order("o1")],
        exclusions=[{"order": "o1", "volunteer": "near", "reason": "declined"}],
    )
    assert served_by(solve(p)) == {"o1": ("far",)}


def test_commitment_blocks_with_travel() -> None:
    """A commitment ending 08:55 one km away leaves no time to reach a 09:00 order."""
    commitment = {
        "volunteer": "near",
        "start": when(0, "08:00"),
        "end": when(0, "08:55"),
        "location": at(1.0),
    }
    p = problem(
        [volunteer("near", 0.1), volunteer("far", 1.0)], [order("o1")], commitments=[commitment]
    )
    assert served_by(solve(p)) == {"o1": ("far",)}


def test_window_picks_a_feasible_start() -> None:
    """A 09:00-11:00 window is served at 10:00 when the only volunteer is free from 09:45."""
    p = problem([volunteer("v", 0.5, spec="mon 09:45-12:00")], [order("o1", latest="11:00")])
    (a,) = solve(p).assignments
    assert a.start == when(0, "10:00")


def test_continuity_prefers_last_server() -> None:
    """The volunteer who last served the resident wins over one a few seconds nearer."""
    p = problem(
        [volunteer("near", 0.1), volunteer("usual", 0.105)],
        [order("o1", resident="r1")],
        last_served_by={"r1": ("usual",)},
    )
    assert served_by(solve(p)) == {"o1": ("usual",)}


def test_travel_comes_before_the_preferences() -> None:
    """With default weights a volunteer minutes nearer wins over continuity."""
    p = problem(
        [volunteer("near", 0.1), volunteer("usual", 0.6)],
        [order("o1", resident="r1")],
        last_served_by={"r1": ("usual",)},
    )
    assert served_by(solve(p)) == {"o1": ("near",)}


def test_unavailable_volunteer() -> None:
    """An unavailable volunteer serves nothing."""
    p = problem([volunteer("v")], [order("o1")], unavailable=["v"])
    assert solve(p).assignments == ()


def test_travel_model_location_type() -> None:
    """Locations are the volunteers package's."""
    assert isinstance(at(1.0), Location)


def test_caps_across_components_by_budgets(monkeypatch: pytest.MonkeyPatch) -> None:
    """With merging disabled, binding caps are enforced by per-component budgets."""
    import matcher.solve

    monkeypatch.setattr(matcher.solve, "MERGE_LIMIT", 1)
    vols = [volunteer("cheap", 0.0, weekly_hour_cap=1.0), volunteer("other", 1.0)]
    orders = [order("a", day=0), order("b", day=1), order("c", day=2)]
    result = solve(problem(vols, orders))
    assert len(result.assignments) == 3
    cheap = [a for a in result.assignments if "cheap" in a.volunteer_ids]
    assert len(cheap) == 1
    assert result.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)


def test_caps_stay_enforced_after_repeated_merges() -> None:
    """A chain of cap-bound volunteers across days merges twice; both caps still hold.

    Regression: merging a merged component again used to drop the caps of the
    first merge, so rounds could cycle.
    """
    vols = [
        volunteer("a", 0.0, weekly_hour_cap=1.0),
        volunteer("b", 0.2, weekly_hour_cap=1.0),
        volunteer("c", 1.2),
    ]
    orders = [order(f"o{d}", 0.1, day=d) for d in range(4)]
    result = solve(problem(vols, orders))
    per_volunteer: dict[str, int] = {}
    for a in result.assignments:
        for v in a.volunteer_ids:
            per_volunteer[v] = per_volunteer.get(v, 0) + 1
    assert per_volunteer.get("a", 0) <= 1
    assert per_volunteer.get("b", 0) <= 1
    assert len(result.assignments) == 4
