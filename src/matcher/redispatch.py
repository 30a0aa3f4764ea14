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
- every kept assignment of another order becomes a *commitment*: it blocks the
  volunteer's time (with travel) and counts against their weekly cap.

The small problem of affected orders is solved by :func:`~matcher.solve.dispatch`;
the result is merged with the kept assignments into a result for the updated
problem, which :func:`~matcher.check.check` verifies like any other.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

import numpy as np

from matcher.model import NORMAL, Commitment, DispatchProblem, Exclusion, Order, Pin
from matcher.result import (
    Assignment,
    DispatchResult,
    ObjectiveBound,
    ObjectiveValue,
)
from matcher.solve import dispatch


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

    orders = tuple(o for o in problem.orders if o.id not in gone_orders) + tuple(new_orders)
    pins = tuple(
        p
        for p in problem.pins
        if p.order not in gone_orders
        and p.volunteer not in gone_vols
        and (p.order, p.volunteer) not in declined_pairs
    )
    updated = problem.replace(
        orders=orders,
        exclusions=problem.exclusions + tuple(declines),
        unavailable=tuple(dict.fromkeys(problem.unavailable + tuple(gone_vols))),
        pins=pins,
    )

    before = {a.order: a for a in previous.assignments}
    affected: set[str] = {o.id for o in new_orders}
    freed: set[str] = set()
    for a in previous.assignments:
        if a.order in gone_orders:
            freed.update(a.volunteer_ids)
        elif any((a.order, v) in declined_pairs or v in gone_vols for v in a.volunteer_ids):
            affected.add(a.order)
            freed.update(a.volunteer_ids)
    freed -= gone_vols
    retry = _servable_by(
        updated, [u.order for u in previous.unserved if u.order not in gone_orders], freed
    )
    affected |= retry

    kept = [a for oid, a in before.items() if oid not in affected and oid not in gone_orders]
    location = {o.id: o for o in orders}
    commitments = list(problem.commitments)
    for a in kept:
        r = updated.resolved(location[a.order])
        for v in a.volunteer_ids:
            commitments.append(
                Commitment(
                    volunteer=v,
                    start=a.start,
                    end=a.end,
                    location=None if r.remote else r.location,
                    label=f"order {a.order}",
                )
            )
    stay: list[Pin] = [p for p in pins if p.order in affected]
    for oid in affected:
        was = before.get(oid)
        if was is None:
            continue
        for v in was.volunteer_ids:
            if (oid, v) not in declined_pairs and v not in gone_vols:
                stay.append(Pin(order=oid, volunteer=v, start=was.start))
    stay = list({(p.order, p.volunteer): p for p in stay}.values())

    sub = updated.replace(
        orders=tuple(o for o in orders if o.id in affected),
        commitments=tuple(commitments),
        pins=tuple(stay),
    )
    solved = dispatch(sub)

    index = {o.id: i for i, o in enumerate(orders)}
    carried = [
        u for u in previous.unserved if u.order not in gone_orders and u.order not in affected
    ]
    assignments = sorted([*kept, *solved.assignments], key=lambda a: index[a.order])
    objective = _objective(updated, assignments)
    kept_objective = _objective(updated, kept)
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
    return updated, result


def _servable_by(problem: DispatchProblem, order_ids: Sequence[str], freed: set[str]) -> set[str]:
    """Orders among ``order_ids`` that at least one volunteer in ``freed`` could serve.

    "Could" by the static rules only: skills, team category, travel circle,
    exclusions (time and caps are left to the solver).
    """
    if not freed or not order_ids:
        return set()
    org = problem.organization
    vols = [org.volunteers[org.volunteer_index[v]] for v in sorted(freed)]
    category = {t.id: t.category for t in org.teams}
    excluded = {(x.order, x.volunteer) for x in problem.exclusions}
    limit = problem.params.max_travel_minutes + 1e-6
    wanted = set(order_ids)
    resolved = [problem.resolved(o) for o in problem.orders if o.id in wanted]
    if not resolved:
        return set()
    minutes = problem.travel.matrix_minutes(
        np.array([[v.home.lat, v.home.lon] for v in vols]),
        np.array([[r.location.lat, r.location.lon] for r in resolved]),
    )
    out: set[str] = set()
    for col, r in enumerate(resolved):
        for row, v in enumerate(vols):
            if (
                (r.remote or float(minutes[row, col]) <= limit)
                and (r.id, v.id) not in excluded
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


def _objective(problem: DispatchProblem, assignments: Sequence[Assignment]) -> ObjectiveValue:
    weights = problem.params.priority_weights
    priority = {o.id: o.priority for o in problem.orders}
    s1 = s0 = 0
    cost = 0.0
    for a in assignments:
        w = round(weights[priority[a.order]] * 100)
        if priority[a.order] == NORMAL:
            s0 += w
        else:
            s1 += w
        cost += sum(v.cost.total for v in a.volunteers)
    return ObjectiveValue(served_vulnerable=s1, served_normal=s0, cost=round(cost, 6))
