"""Re-dispatch after declines, cancellations, new orders or volunteers dropping out.

:func:`redispatch` keeps every assignment that is not affected exactly as it
was, never offers an order again to a volunteer who declined it, and solves
only what changed:

- *affected* orders: an order a volunteer declined, an order whose volunteer
  became unavailable, a new order, and each order left unserved before that a
  *freed* volunteer could serve (skills, team category, within reach, not
  excluded). Freed volunteers are those of cancelled and affected orders. An
  unserved order none of them could serve stays unserved: every one of its
  candidates is exactly as busy as before (this relies on the previous result
  serving all it could given the rest of the plan, which a solve that reached
  its time limit does not guarantee);
- on an affected order that was served, the volunteers who did not decline and
  are still available stay on it, at the same start (pinned);
- every kept assignment of another order becomes a *commitment* of each of its
  volunteers who could serve an affected order (skills, and reach unless the
  order is remote): it blocks their time (with travel) and counts against their
  weekly cap. The other volunteers can never be candidates of the small problem.

Only the changes are validated (new orders, declines, unavailable volunteers,
against the problem: unknown services, ids, duplicates); the rest was validated
with ``problem``, so the updated problem is assembled without re-validating its
thousands of orders.

The small problem of affected orders is solved by :func:`~matcher.solve.dispatch`;
the result is merged with the kept assignments into a result for the updated
problem, which :func:`~matcher.check.check` verifies like any other.

The plan is read from its arrays (:mod:`matcher.plan`), kept on each result, not
walked in Python: at county scale (7,500 kept assignments) a decline is re-dispatched
in 18-33 ms median and 25-48 ms at most over seeds 1-3 (session 11: 49 and 63 ms).
"""

from __future__ import annotations

import bisect
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from matcher.candidates import VolunteerArrays
from matcher.model import NORMAL, Commitment, DispatchProblem, Exclusion, Order, Pin
from matcher.plan import PlanIndex
from matcher.result import (
    Assignment,
    DispatchResult,
    ObjectiveBound,
    ObjectiveValue,
)
from matcher.solve import dispatch
from volunteers.bits import contains
from volunteers.geo import IntArray, coords
from volunteers.travel import REACH_TOLERANCE


def redispatch(
    problem: DispatchProblem,
    previous: DispatchResult,
    declined: Iterable[Exclusion | tuple[str, str, str] | tuple[str, str]] = (),
    cancelled: Iterable[str] = (),
    new_orders: Sequence[Order] = (),
    unavailable: Iterable[str] = (),
) -> tuple[DispatchProblem, DispatchResult]:
    """Update a dispatch with as few changes as possible.

    Parameters
    ----------
    problem
        The problem ``previous`` solved.
    previous
        Its result (the plan as it stands).
    declined
        ``(order, volunteer[, reason])`` offers declined (接单 refused).
    cancelled
        Ids of orders withdrawn.
    new_orders
        Orders added.
    unavailable
        Ids of volunteers no longer available this week.

    Returns
    -------
    (updated_problem, result)
        The updated problem (declines recorded as exclusions, cancelled orders
        removed, new orders added, unavailable volunteers listed) and its result.
        Served and cost bounds in the result hold for the affected orders *given*
        the kept assignments.
    """
    t0 = time.perf_counter()
    declines = [_exclusion(d) for d in declined]
    gone_orders = set(cancelled)
    gone_vols = set(unavailable)
    declined_pairs = {(d.order, d.volunteer) for d in declines}
    _check_changes(problem, declines, new_orders, gone_orders, gone_vols)

    staying = (
        tuple(o for o in problem.orders if o.id not in gone_orders)
        if gone_orders
        else problem.orders
    )
    orders = staying + tuple(new_orders) if new_orders else staying
    pins = tuple(
        p
        for p in problem.pins
        if p.order not in gone_orders
        and p.volunteer not in gone_vols
        and (p.order, p.volunteer) not in declined_pairs
    )
    exclusions = tuple(x for x in problem.exclusions if x.order not in gone_orders)
    # Every part was validated, with `problem` or by `_check_changes`.
    updated = _construct(
        problem,
        orders=orders,
        exclusions=exclusions + tuple(declines),
        unavailable=tuple(dict.fromkeys(problem.unavailable + tuple(sorted(gone_vols)))),
        pins=pins,
    )
    # Position of each order in `orders`; the plan's arrays use positions in
    # `problem.orders` (the same unless orders were cancelled).
    old_index = problem.order_index
    if gone_orders:
        index = {o.id: i for i, o in enumerate(orders)}
        moved = np.full(len(problem.orders), -1, dtype=np.int64)
        moved[[old_index[o.id] for o in staying]] = np.arange(len(staying))
        renumber: IntArray | None = moved
    else:
        index = old_index
        if new_orders:
            index = {**old_index, **{o.id: len(staying) + j for j, o in enumerate(new_orders)}}
        renumber = None
    updated.__dict__["order_index"] = index  # its cached property, known already
    plan = PlanIndex.of(problem, previous)

    # Only the assignments named by a change are looked at.
    vindex = problem.organization.volunteer_index
    named = [old_index[o] for o in gone_orders | {o for o, _ in declined_pairs} if o in old_index]
    if gone_vols:
        rows = np.asarray([vindex[v] for v in gone_vols], dtype=np.int64)
        named += plan.seat_position[np.isin(plan.seat_volunteer, rows)].tolist()
    found = plan.find(np.unique(np.asarray(named, dtype=np.int64)))
    touched = [previous.assignments[i] for i in found[found >= 0].tolist()]
    affected: set[str] = {o.id for o in new_orders}
    freed: set[str] = set()
    for a in touched:
        ids = a.volunteer_ids
        if a.order in gone_orders:
            freed.update(ids)
        elif any((a.order, v) in declined_pairs or v in gone_vols for v in ids):
            affected.add(a.order)
            freed.update(ids)
    freed -= gone_vols
    affected |= _servable_by(updated, plan, freed, renumber)
    sub_orders = tuple(orders[i] for i in sorted(index[o] for o in affected))

    # The kept plan, from the plan's arrays (old positions).
    removed = np.asarray(
        sorted(old_index[o] for o in affected | gone_orders if o in old_index), dtype=np.int64
    )
    weights = {k: round(w * 100) for k, w in updated.params.priority_weights.items()}
    dropped = plan.find(removed)
    dropped = dropped[dropped >= 0]
    counts = plan.served - Counter(
        problem.orders[i].priority for i in plan.position[dropped].tolist()
    )
    kept_served = {True: 0, False: 0}
    for priority, count in counts.items():
        kept_served[priority != NORMAL] += weights[priority] * count
    kept_seat = ~np.isin(plan.seat_position, removed)
    kept_cost = float(plan.seat_cost[kept_seat].sum())
    kept = list(previous.assignments)
    for i in sorted(dropped.tolist(), reverse=True):
        del kept[i]
    in_order = bool(np.all(np.diff(plan.position) > 0))

    # Kept assignments become commitments of their volunteers who could serve an
    # affected order (the others can never be its candidates).
    menu = updated.menu_index
    commitments = list(problem.commitments)
    seat_rows = np.flatnonzero(kept_seat)
    near = seat_rows[_near(updated, sub_orders, plan.seat_volunteer[seat_rows])]
    holders = plan.find(plan.seat_position[near])
    vols = problem.organization.volunteers
    for k, j in zip(near.tolist(), holders.tolist(), strict=True):
        a = previous.assignments[j]
        o = problem.orders[plan.position[j]]
        remote = o.remote if o.remote is not None else menu[o.service].remote
        commitments.append(
            Commitment.model_construct(  # every field comes from validated input
                volunteer=vols[plan.seat_volunteer[k]].id,
                start=a.start,
                end=a.end,
                location=None if remote else o.location,
                label=f"order {a.order}",
            )
        )
    stay: list[Pin] = [p for p in pins if p.order in affected]
    for was in touched:
        if was.order not in affected:
            continue
        for v in was.volunteer_ids:
            if (was.order, v) not in declined_pairs and v not in gone_vols:
                stay.append(Pin(order=was.order, volunteer=v, start=was.start))
    stay = list({(p.order, p.volunteer): p for p in stay}.values())

    sub = _construct(
        updated,
        orders=sub_orders,
        exclusions=tuple(x for x in updated.exclusions if x.order in affected),
        commitments=tuple(commitments),
        pins=tuple(stay),
    )
    solved = dispatch(sub)

    carried = [
        u for u in previous.unserved if u.order not in gone_orders and u.order not in affected
    ]
    if in_order:  # as a result lists them: place the few new assignments
        assignments = kept
        for a in solved.assignments:
            bisect.insort(assignments, a, key=lambda x: index[x.order])
    else:
        assignments = sorted([*kept, *solved.assignments], key=lambda a: index[a.order])
    kept_objective = ObjectiveValue(
        served_vulnerable=kept_served[True],
        served_normal=kept_served[False],
        cost=round(kept_cost, 6),
    )
    new_objective = _objective(weights, orders, index, solved.assignments)
    objective = ObjectiveValue(
        served_vulnerable=kept_objective.served_vulnerable + new_objective.served_vulnerable,
        served_normal=kept_objective.served_normal + new_objective.served_normal,
        cost=round(kept_cost + new_objective.cost, 6),
    )
    b = solved.bound
    bound = ObjectiveBound(
        served_vulnerable=kept_objective.served_vulnerable + b.served_vulnerable,
        served_normal=kept_objective.served_normal + b.served_normal,
        cost=None if b.cost is None else kept_objective.cost + b.cost,
    )
    gap = None
    if bound.cost is not None:
        gap = (objective.cost - bound.cost) / objective.cost if objective.cost > 0 else 0.0
    timings = dict(solved.timings)
    timings["redispatch_total"] = time.perf_counter() - t0
    result = DispatchResult(
        status=solved.status,
        objective=objective,
        bound=bound,
        gap=gap,
        runtime=time.perf_counter() - t0,
        assignments=tuple(assignments) if not solved.infeasible_reasons else (),
        unserved=tuple(sorted([*carried, *solved.unserved], key=lambda u: index[u.order])),
        infeasible_reasons=solved.infeasible_reasons,
        num_components=solved.num_components,
        num_edges=solved.num_edges,
        timings=timings,
    )
    if not solved.infeasible_reasons:
        # The next re-dispatch of this result starts from these arrays.
        plan.after(updated, result, removed, renumber, solved.assignments, solved.unserved)
    return updated, result


def _construct(problem: DispatchProblem, **changes: Any) -> DispatchProblem:
    """``problem`` with ``changes``, built without validation: every part is already valid."""
    fields = {name: getattr(problem, name) for name in type(problem).model_fields}
    fields.update(changes)
    return DispatchProblem.model_construct(**fields)


def _check_changes(
    problem: DispatchProblem,
    declines: Sequence[Exclusion],
    new_orders: Sequence[Order],
    gone_orders: set[str],
    gone_vols: set[str],
) -> None:
    """Validate what a re-dispatch adds to ``problem`` (raises ``ValidationError``).

    A problem made of the new orders, the existing orders that declines or new
    ids name, the declines and the newly unavailable volunteers goes through the
    model's own checks: unknown services, skills, categories, volunteers and
    orders, duplicate ids, and the rest, each error naming its culprit.
    """
    new_ids = {o.id for o in new_orders}
    named = ({d.order for d in declines} | new_ids) - gone_orders
    existing = [o for o in problem.orders if o.id in named and o.id not in gone_orders]
    DispatchProblem.model_validate(
        {
            "organization": problem.organization,
            "menu": problem.menu,
            "orders": (*new_orders, *existing),
            "week_start": problem.week_start,
            "travel": problem.travel,
            "exclusions": tuple(declines),
            "unavailable": tuple(sorted(gone_vols)),
            "params": problem.params,
        }
    )


def _near(problem: DispatchProblem, orders: Sequence[Order], rows: IntArray) -> IntArray:
    """Positions in ``rows`` (volunteer rows) of those who could serve one of ``orders``.

    That is: they have its skills and, unless it is remote, live within reach.
    """
    resolved = [problem.resolved(o) for o in orders]
    if not resolved or not len(rows):
        return np.empty(0, dtype=np.int64)
    va = VolunteerArrays.of(problem)
    skills = va.masks.skills[rows]
    needs = np.concatenate([va.masks.skill_mask(r.skills) for r in resolved])
    near = np.zeros(len(rows), dtype=bool)
    local = np.array([not r.remote for r in resolved])
    for j in np.flatnonzero(~local).tolist():
        near |= contains(skills, needs[j : j + 1])
    if local.any():
        where = coords(r.location for r, ok in zip(resolved, local, strict=True) if ok)
        vi, oi, _ = problem.travel.pairs_within(
            va.vol_xy[rows], where, problem.params.max_travel_minutes
        )
        able = contains(skills[vi], needs[np.flatnonzero(local)[oi]])
        near[vi[able]] = True
    found: IntArray = np.flatnonzero(near)
    return found


def _servable_by(
    problem: DispatchProblem, plan: PlanIndex, freed: set[str], renumber: IntArray | None
) -> set[str]:
    """Orders the plan left unserved that at least one volunteer in ``freed`` could serve.

    "Could" by the static rules only: skills, team category, travel circle,
    exclusions (time and caps are left to the solver). Distances come first, so
    only orders within someone's reach (or remote) are resolved and checked.
    ``problem`` is the updated problem; ``renumber`` maps the plan's positions
    to its orders' (-1: cancelled), or is ``None`` when they are the same.
    """
    if not freed or not len(plan.unserved_position):
        return set()
    org = problem.organization
    vols = [org.volunteers[org.volunteer_index[v]] for v in sorted(freed)]
    positions = plan.unserved_position
    if renumber is not None:
        positions = renumber[positions]
    minutes = problem.travel.matrix_minutes(coords(v.home for v in vols), plan.unserved_xy)
    reach = plan.unserved_remote[None, :] | (
        minutes <= problem.params.max_travel_minutes + REACH_TOLERANCE
    )
    reach &= positions[None, :] >= 0
    category = {t.id: t.category for t in org.teams}
    excluded = {(x.order, x.volunteer) for x in problem.exclusions}
    out: set[str] = set()
    for col in np.flatnonzero(reach.any(axis=0)).tolist():
        r = problem.resolved(problem.orders[positions[col]])
        for row in np.flatnonzero(reach[:, col]).tolist():
            v = vols[row]
            if (
                (r.id, v.id) not in excluded
                and set(r.skills) <= set(v.skills)
                and (not r.categories or any(category[t] in r.categories for t in v.teams))
                and (not r.same_team or v.teams)
            ):
                out.add(r.id)
                break
    return out


def _exclusion(d: Exclusion | tuple[str, str, str] | tuple[str, str]) -> Exclusion:
    if isinstance(d, Exclusion):
        return d
    order, volunteer, *rest = d
    return Exclusion(order=order, volunteer=volunteer, reason=rest[0] if rest else "declined")


def _objective(
    weights: dict[str, int],
    orders: Sequence[Order],
    index: dict[str, int],
    assignments: Sequence[Assignment],
) -> ObjectiveValue:
    """Served points (``weights`` by priority) and cost of ``assignments``."""
    s1 = s0 = 0
    cost = 0.0
    for a in assignments:
        priority = orders[index[a.order]].priority
        if priority == NORMAL:
            s0 += weights[priority]
        else:
            s1 += weights[priority]
        cost += sum(v.cost.total for v in a.volunteers)
    return ObjectiveValue(served_vulnerable=s1, served_normal=s0, cost=round(cost, 6))
