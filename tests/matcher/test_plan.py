"""Tests for matcher.plan: a plan's arrays, built from a result, carried by re-dispatches."""

from __future__ import annotations

import numpy as np

from matcher import DispatchParams, DispatchProblem, DispatchResult, dispatch
from matcher.check import check
from matcher.plan import PlanIndex
from matcher.redispatch import redispatch
from matcher.synth import synthetic_problem
from volunteers.memo import stored
from volunteers.synth import generate_county


def county() -> tuple[DispatchProblem, DispatchResult]:
    org = generate_county(num_volunteers=400, seed=3)
    params = DispatchParams(time_limit=5, seed=3, workers=1)
    p = synthetic_problem(org, 60, seed=3, params=params)
    return p, dispatch(p)


def rows(plan: PlanIndex) -> tuple[list[tuple[int, int, float]], list[int], list[int]]:
    """The index as sorted lists: seats, assignment positions, unserved positions."""
    seats = sorted(
        zip(
            plan.seat_position.tolist(),
            plan.seat_volunteer.tolist(),
            np.round(plan.seat_cost, 9).tolist(),
            strict=True,
        )
    )
    return seats, sorted(plan.position.tolist()), sorted(plan.unserved_position.tolist())


def test_built_index_matches_the_result() -> None:
    """Each order's assignment is found; seats and unserved orders are the result's."""
    p, r = county()
    plan = PlanIndex.of(p, r)
    assert PlanIndex.of(p, r) is plan  # kept on the result
    found = plan.find(np.arange(len(p.orders)))
    served = {a.order for a in r.assignments}
    for i, o in enumerate(p.orders):
        if o.id in served:
            assert r.assignments[found[i]].order == o.id
        else:
            assert found[i] == -1
    assert len(plan.seat_volunteer) == sum(len(a.volunteers) for a in r.assignments)
    total = sum(av.cost.total for a in r.assignments for av in a.volunteers)
    assert abs(float(plan.seat_cost.sum()) - total) < 1e-9
    assert sorted(plan.unserved_position.tolist()) == sorted(
        p.order_index[u.order] for u in r.unserved
    )
    assert sum(plan.served.values()) == len(r.assignments)


def test_derived_index_equals_a_fresh_one_along_a_chain() -> None:
    """A re-dispatch leaves on its result the index a fresh build gives.

    Along a chain of declines, cancellations, new orders and drop-outs; every
    result passes the checker.
    """
    p, r = county()
    assert r.assignments
    assert r.unserved
    for step in range(8):
        a = r.assignments[(7 * step) % len(r.assignments)]
        kind = step % 4
        if kind == 0:
            p, r = redispatch(p, r, declined=[(a.order, a.volunteer_ids[0], "busy")])
        elif kind == 1:
            p, r = redispatch(p, r, cancelled=[a.order, r.unserved[0].order])
        elif kind == 2:
            copy = p.orders[step].model_copy(update={"id": f"extra{step}"})
            p, r = redispatch(p, r, new_orders=[copy])
        else:
            p, r = redispatch(p, r, unavailable=[a.volunteer_ids[0]])
        report = check(p, r)
        assert report.ok, (step, report.violations)
        carried = stored(r, "plan-index")
        assert carried.orders is p.orders
        fresh = PlanIndex._build(p, r)
        assert rows(carried) == rows(fresh), step
        assert +carried.served == +fresh.served, step
        assert np.array_equal(carried.position, fresh.position)
        order = np.argsort(carried.unserved_position)
        again = np.argsort(fresh.unserved_position)
        assert np.allclose(carried.unserved_xy[order], fresh.unserved_xy[again])
        assert np.array_equal(carried.unserved_remote[order], fresh.unserved_remote[again])
