"""Explanations: cost breakdowns of assignments and reasons for unserved orders.

Every unserved order gets its candidate funnel (how many volunteers have the
skills and team category, of those how many are within reach, free at that
time, under their weekly cap) and readable reasons, down to what the plan did
with the remaining candidates (serving clashing orders, higher-priority ones
first; weekly cap used up by the plan).
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import timedelta
from typing import TYPE_CHECKING

import numpy as np

from matcher.candidates import COST_SCALE, Candidates, DispatchArrays, minutes_used
from matcher.greedy import ConflictIndex, OptionIndex
from matcher.result import (
    AssignedVolunteer,
    Assignment,
    CostBreakdown,
    DispatchResult,
    Funnel,
    ObjectiveBound,
    ObjectiveValue,
    SolveStatus,
    Unserved,
)
from volunteers.geo import IntArray

if TYPE_CHECKING:
    from matcher.solve import Solution


def edge_breakdown(arr: DispatchArrays, cand: Candidates, edge: int) -> CostBreakdown:
    """The cost terms of one candidate edge."""
    w = arr.problem.params.weights
    v = int(cand.edge_vol[edge])
    pace, reliability, rating, balance = (float(x) for x in arr.vol_parts[v])
    return CostBreakdown(
        travel=w.travel * float(cand.edge_travel[edge]),
        pace=pace,
        reliability=reliability,
        rating=rating,
        continuity=0.0 if bool(cand.edge_continuity[edge]) else w.continuity,
        balance=balance,
    )


def assemble(
    arr: DispatchArrays,
    cand: Candidates,
    options: IntArray,
    teams: dict[int, int],
    status: SolveStatus,
    solution: Solution | None,
    timings: dict[str, float],
    started: float,
    infeasible: list[str] | None = None,
) -> DispatchResult:
    """Turn chosen options into a :class:`~matcher.result.DispatchResult`."""
    t0 = time.perf_counter()
    p = arr.problem
    org = p.organization
    origin = p.week_origin
    by_order: dict[int, list[int]] = defaultdict(list)
    for opt in options.tolist():
        by_order[int(cand.edge_order[cand.opt_edge[opt]])].append(opt)
    weight = arr.ord_points
    assignments: list[Assignment] = []
    s1 = s0 = 0
    cost_units = 0
    for o in sorted(by_order):
        opts = by_order[o]
        start = origin + timedelta(minutes=int(cand.opt_start[opts[0]]))
        vols = []
        for opt in sorted(opts, key=lambda x: int(cand.edge_vol[cand.opt_edge[x]])):
            e = int(cand.opt_edge[opt])
            cost_units += int(cand.edge_cost[e])
            vols.append(
                AssignedVolunteer(
                    volunteer=org.volunteers[int(cand.edge_vol[e])].id,
                    travel_minutes=round(float(cand.edge_travel[e]), 3),
                    cost=edge_breakdown(arr, cand, e),
                )
            )
        team = teams.get(o)
        assignments.append(
            Assignment(
                order=arr.orders[o].id,
                start=start,
                end=start + timedelta(minutes=int(arr.ord_duration[o])),
                volunteers=tuple(vols),
                team=org.teams[team].id if team is not None else None,
            )
        )
        if arr.ord_tier[o] == 1:
            s1 += int(weight[o])
        else:
            s0 += int(weight[o])
    unserved = explain_unserved(arr, cand, options, set(by_order))
    objective = ObjectiveValue(served_vulnerable=s1, served_normal=s0, cost=cost_units / COST_SCALE)
    if solution is not None:
        bound = solution.bound
        num_components = solution.num_components
    else:
        bound = ObjectiveBound(served_vulnerable=0, served_normal=0, cost=None)
        num_components = 0
    gap = None
    if bound.cost is not None:
        gap = (
            (objective.cost - bound.cost) / max(objective.cost, 1e-9) if objective.cost > 0 else 0.0
        )
    timings = dict(timings)
    timings["explain"] = time.perf_counter() - t0
    return DispatchResult(
        status=status,
        objective=objective,
        bound=bound,
        gap=gap,
        runtime=time.perf_counter() - started,
        assignments=tuple(assignments),
        unserved=unserved,
        infeasible_reasons=tuple(infeasible or ()),
        num_components=num_components,
        num_edges=cand.num_edges,
        timings={k: round(v, 6) for k, v in timings.items()},
    )


def explain_unserved(
    arr: DispatchArrays, cand: Candidates, options: IntArray, served: set[int]
) -> tuple[Unserved, ...]:
    """Funnel and reasons for every order not served."""
    p = arr.problem
    missing = [o for o in range(arr.num_orders) if o not in served]
    if not missing:
        return ()
    index = OptionIndex(arr, cand)
    conflicts = ConflictIndex.cached(cand)
    chosen = np.zeros(len(cand.opt_edge), dtype=bool)
    chosen[options] = True
    chosen_order = cand.edge_order[cand.opt_edge]
    used = minutes_used(arr, cand, options)
    out: list[Unserved] = []
    circle = p.params.max_travel_minutes
    for o in missing:
        r = arr.orders[o]
        f = [int(x) for x in cand.funnel[o]]
        funnel = Funnel(qualified=f[0], in_reach=f[1], available=f[2], under_cap=f[3])
        k = r.volunteers_needed
        need = " and team category" if arr.ord_needs_team[o] else ""
        reasons: list[str] = []
        if f[0] < k:
            reasons.append(f"{f[0]} volunteer(s) have the required skills{need}; {k} needed")
        elif f[1] < k:
            where = "qualified volunteers" if r.remote else f"within the {circle:g}-minute circle"
            reasons.append(f"only {f[1]} {where}; {k} needed")
        elif f[2] < k:
            reasons.append(
                f"only {f[2]} of the {f[1]} qualified volunteers within reach are free "
                f"at that time; {k} needed"
            )
        elif f[3] < k:
            reasons.append(
                f"only {f[3]} of the {f[2]} free volunteers have weekly hours left; {k} needed"
            )
        else:
            opts = index.of_order(o)
            vols = cand.edge_vol[cand.opt_edge[opts]]
            busy: set[int] = set()
            busy_higher: set[int] = set()
            for opt, v in zip(opts.tolist(), vols.tolist(), strict=True):
                hits = conflicts.of(opt)
                hits = hits[chosen[hits]]
                if len(hits):
                    busy.add(v)
                    if (arr.ord_tier[chosen_order[hits]] > arr.ord_tier[o]).any():
                        busy_higher.add(v)
            capped = {
                v
                for v in vols.tolist()
                if used[v] + arr.ord_duration[o] > arr.vol_cap_left[v] + 1e-9
            } - busy
            left = len(set(vols.tolist()) - busy - capped)
            reasons.append(
                f"{f[3]} volunteers pass every rule, but the plan gives {len(busy)} of them "
                f"clashing orders ({len(busy_higher)} of higher priority) and {len(capped)} "
                f"would pass their weekly cap; {left} remain, {k} needed"
                + (" at one start" if len(arr.ord_starts[o]) > 1 else "")
                + (
                    " from one team" + (" with its captain" if r.needs_captain else "")
                    if r.same_team
                    else ""
                )
            )
        out.append(
            Unserved(
                order=r.id,
                priority=r.priority,
                volunteers_needed=k,
                funnel=funnel,
                reasons=tuple(reasons),
            )
        )
    return tuple(out)
