"""Solver-independent checker of dispatch results.

Written for clarity, not speed: it reads only the boundary models (the problem
and the result), never the solver's arrays, verifies every hard rule and
recomputes the objective from scratch.

Hard rules checked, per assignment and per volunteer:

1. every order appears once, served or unserved; a served order has exactly
   ``k`` distinct volunteers, a start among its allowed starts and the right end;
2. each volunteer has every required skill, and belongs to a team of an
   allowed category when the order names categories or needs one team;
3. one team: all volunteers are members of the named team, whose category is
   allowed, with its captain when needed;
4. within the travel circle, unless remote;
5. free for the whole service time including travel to it; not unavailable,
   not excluded from the order; clear of commitments (with travel);
6. a volunteer's orders never overlap, counting travel between them;
7. the weekly hour cap holds (committed hours, commitments, new orders);
8. pinned assignments are kept exactly.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import timedelta

import numpy as np
from pydantic import BaseModel, ConfigDict

from matcher.model import NORMAL, DispatchProblem, ResolvedOrder
from matcher.result import DispatchResult, ObjectiveValue, SolveStatus
from volunteers.geo import Location
from volunteers.travel import REACH_TOLERANCE


class CheckReport(BaseModel):
    """What the checker found.

    Attributes
    ----------
    feasible
        No hard rule is broken.
    violations
        One readable line per broken rule.
    objective
        The objective recomputed from scratch.
    objective_matches
        The result's objective equals the recomputed one (cost within rounding).
    """

    model_config = ConfigDict(frozen=True)

    feasible: bool
    violations: tuple[str, ...]
    objective: ObjectiveValue
    objective_matches: bool

    @property
    def ok(self) -> bool:
        """Feasible and the objective matches."""
        return self.feasible and self.objective_matches


def _minutes(a: Location, b: Location, problem: DispatchProblem) -> float:
    return float(
        problem.travel.pairwise_minutes(np.asarray([[a.lat, a.lon]]), np.asarray([[b.lat, b.lon]]))[
            0
        ]
    )


def check(problem: DispatchProblem, result: DispatchResult) -> CheckReport:
    """Verify ``result`` against every hard rule of ``problem`` and recompute its objective."""
    bad: list[str] = []
    org = problem.organization
    vols = {v.id: v for v in org.volunteers}
    teams = {t.id: t for t in org.teams}
    members = {t.id: set(org.members(t.id)) for t in org.teams}
    cats_of = {v.id: {teams[t].category for t in v.teams} for v in org.volunteers}
    orders = {o.id: problem.resolved(o) for o in problem.orders}
    params = problem.params
    w = params.weights

    seen = [a.order for a in result.assignments] + [u.order for u in result.unserved]
    if sorted(seen) != sorted(orders):
        bad.append("served and unserved orders do not list every order exactly once")
    if result.status == SolveStatus.INFEASIBLE and result.assignments:
        bad.append("an infeasible result has assignments")

    ledger = org.ledger()
    gap = ledger.pace_gap(problem.week_start)
    vindex = org.volunteer_index
    excluded = {(x.order, x.volunteer) for x in problem.exclusions}
    unavailable = set(problem.unavailable)
    schedule: dict[str, list[tuple[float, float, ResolvedOrder]]] = defaultdict(list)
    minutes_used: dict[str, float] = defaultdict(float)
    s1 = s0 = 0
    cost = 0.0

    for a in result.assignments:
        r = orders.get(a.order)
        if r is None:
            bad.append(f"assignment names unknown order {a.order!r}")
            continue
        ids = a.volunteer_ids
        if len(ids) != r.volunteers_needed or len(set(ids)) != len(ids):
            distinct = len(set(ids))
            bad.append(
                f"order {r.id!r} has {distinct} distinct volunteers, needs {r.volunteers_needed}"
            )
        offset = (a.start - r.start).total_seconds() / 60
        if not (r.start <= a.start <= r.latest_start) or offset % params.start_step_minutes:
            bad.append(f"order {r.id!r} starts at {a.start.isoformat()}, not an allowed start")
        if a.end - a.start != timedelta(minutes=r.duration_minutes):
            bad.append(f"order {r.id!r} lasts {a.end - a.start}, not {r.duration_minutes} minutes")
        if r.same_team:
            if a.team is None or a.team not in teams:
                bad.append(f"order {r.id!r} needs one team but names none")
            else:
                team = teams[a.team]
                if r.categories and team.category not in r.categories:
                    bad.append(f"order {r.id!r} team {team.id!r} has a category not allowed")
                if not set(ids) <= members[team.id]:
                    bad.append(
                        f"order {r.id!r}: not all volunteers are members of team {team.id!r}"
                    )
                if r.needs_captain and team.captain not in ids:
                    bad.append(f"order {r.id!r}: captain of team {team.id!r} is not among them")
        for vid in ids:
            v = vols.get(vid)
            if v is None:
                bad.append(f"order {r.id!r} names unknown volunteer {vid!r}")
                continue
            missing = set(r.skills) - set(v.skills)
            if missing:
                bad.append(f"volunteer {vid!r} lacks skill(s) {sorted(missing)} for order {r.id!r}")
            if r.categories and not (cats_of[vid] & set(r.categories)):
                bad.append(f"volunteer {vid!r} is in no team of an allowed category for {r.id!r}")
            if r.same_team and not v.teams:
                bad.append(f"volunteer {vid!r} is in no team but order {r.id!r} needs one")
            travel = 0.0 if r.remote else _minutes(v.home, r.location, problem)
            if travel > params.max_travel_minutes + REACH_TOLERANCE:
                bad.append(
                    f"volunteer {vid!r} is {travel:.1f} min from order {r.id!r}, beyond the circle"
                )
            if not v.availability.is_free(a.start - timedelta(minutes=travel), a.end):
                bad.append(f"volunteer {vid!r} is not free for order {r.id!r} (with travel)")
            if vid in unavailable:
                bad.append(f"volunteer {vid!r} is unavailable but serves order {r.id!r}")
            if (r.id, vid) in excluded:
                bad.append(f"volunteer {vid!r} is excluded from order {r.id!r}")
            s = (a.start - problem.week_origin).total_seconds() / 60
            schedule[vid].append((s, s + r.duration_minutes, r))
            minutes_used[vid] += r.duration_minutes
            # Cost, from the formula in ObjectiveWeights.
            target = ledger.target[vindex[vid]]
            behind = min(1.0, max(0.0, gap[vindex[vid]] / target)) if target > 0 else 0.0
            rating = 0.8 if v.rating is None else v.rating / 5.0
            cap = None if v.weekly_hour_cap is None else 60.0 * v.weekly_hour_cap
            declared = 60.0 * problem.committed_hours.get(vid, 0.0)
            balance = min(1.0, max(0.0, declared / cap)) if cap else 0.0
            continuity = r.resident is not None and vid in problem.last_served_by.get(
                r.resident, ()
            )
            cost += (
                w.travel * travel
                + w.pace * (1 - behind)
                + w.reliability * (1 - v.reliability)
                + w.rating * (1 - rating)
                + (0.0 if continuity else w.continuity)
                + w.balance * balance
            )
        weight = round(params.priority_weights[r.priority] * 100)
        if r.priority == NORMAL:
            s0 += weight
        else:
            s1 += weight

    # Commitments, overlaps and caps, per volunteer.
    for c in problem.commitments:
        v = vols[c.volunteer]
        cs = (c.start - problem.week_origin).total_seconds() / 60
        ce = (c.end - problem.week_origin).total_seconds() / 60
        for s, e, r in schedule.get(c.volunteer, []):
            if r.remote:
                leg = 0.0
            elif c.location is not None:
                leg = _minutes(c.location, r.location, problem)
            else:
                leg = _minutes(v.home, r.location, problem)
            if not (e + leg <= cs + 1e-6 or ce + leg <= s + 1e-6):
                bad.append(f"volunteer {c.volunteer!r}: order {r.id!r} clashes with a commitment")
    for vid, items in schedule.items():
        items.sort(key=lambda x: x[0])
        for i in range(len(items)):
            for j in range(i + 1, len(items)):
                _, e_i, r_i = items[i]
                s_j, _, r_j = items[j]
                leg = (
                    0.0
                    if (r_i.remote or r_j.remote)
                    else _minutes(r_i.location, r_j.location, problem)
                )
                if e_i + leg > s_j + 1e-6:
                    bad.append(
                        f"volunteer {vid!r}: orders {r_i.id!r} and {r_j.id!r} overlap (with travel)"
                    )
        v = vols[vid]
        if v.weekly_hour_cap is not None:
            committed = 60.0 * problem.committed_hours.get(vid, 0.0) + sum(
                (c.end - c.start).total_seconds() / 60
                for c in problem.commitments
                if c.volunteer == vid
            )
            if committed + minutes_used[vid] > 60.0 * v.weekly_hour_cap + 1e-6:
                bad.append(
                    f"volunteer {vid!r} would serve {(committed + minutes_used[vid]) / 60:.2f} h "
                    f"this week, over the cap of {v.weekly_hour_cap:g} h"
                )

    by_order = {a.order: a for a in result.assignments}
    for pin in problem.pins:
        pinned = by_order.get(pin.order)
        if pinned is None or pin.volunteer not in pinned.volunteer_ids:
            bad.append(f"pinned volunteer {pin.volunteer!r} is not on order {pin.order!r}")
        elif pin.start is not None and pinned.start != pin.start:
            bad.append(f"order {pin.order!r} does not start at its pinned start")

    objective = ObjectiveValue(served_vulnerable=s1, served_normal=s0, cost=round(cost, 6))
    n_assigned = sum(len(a.volunteers) for a in result.assignments)
    tolerance = 0.5 / 100 * n_assigned + 1e-6  # the solver rounds each edge to 1/100
    matches = (
        result.objective.served_vulnerable == s1
        and result.objective.served_normal == s0
        and math.isclose(result.objective.cost, cost, abs_tol=tolerance)
    )
    return CheckReport(
        feasible=not bad, violations=tuple(bad), objective=objective, objective_matches=matches
    )
