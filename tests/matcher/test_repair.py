"""Serving a left-out order by moving one other order (``matcher.repair``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from matcher import ServiceItem
from matcher.candidates import Candidates, DispatchArrays, generate
from matcher.check import check
from matcher.explain import assemble
from matcher.greedy import ConflictIndex, OptionIndex
from matcher.repair import serve_by_one_move
from matcher.result import SolveStatus
from tests.matcher.builders import order, problem, volunteer

MENU = tuple(ServiceItem(code=s, skills=(s,), duration_minutes=60) for s in ("x", "y"))


def _option(arr: DispatchArrays, cand: Candidates, order_id: str, volunteer_id: str) -> int:
    """The one option of ``order_id`` on ``volunteer_id``."""
    o = arr.problem.order_index[order_id]
    v = arr.problem.organization.volunteer_index[volunteer_id]
    hit = np.flatnonzero(
        (cand.edge_order[cand.opt_edge] == o) & (cand.edge_vol[cand.opt_edge] == v)
    )
    assert len(hit) == 1
    return int(hit[0])


def _repair(
    vols: list[dict[str, Any]], orders: list[dict[str, Any]], plan: list[tuple[str, str]]
) -> dict[str, list[str]]:
    """Apply the repair to ``plan`` for every order it leaves out; the checked result."""
    p = problem(vols, orders, menu=MENU)
    arr = DispatchArrays.build(p)
    cand = generate(arr)
    chosen = np.asarray([_option(arr, cand, o, v) for o, v in plan], dtype=np.int64)
    served = {o for o, _ in plan}
    left_out = np.asarray([i for i, o in enumerate(p.orders) if o.id not in served], dtype=np.int64)
    out = serve_by_one_move(
        arr, cand, chosen, left_out, (OptionIndex(arr, cand), ConflictIndex(cand))
    )
    result = assemble(arr, cand, out, {}, SolveStatus.FEASIBLE, None, {}, 0.0)
    report = check(p, result)
    assert report.feasible, report.violations
    return {a.order: list(a.volunteer_ids) for a in result.assignments}


def test_a_clashing_holder_moves_to_another_volunteer() -> None:
    """o_x can only be served by v0, who serves o_y at the same time; v1 can take o_y."""
    vols = [volunteer("v0", skills=("x", "y")), volunteer("v1", skills=("y",))]
    orders = [order("o_x", service="x"), order("o_y", service="y")]
    plan = _repair(vols, orders, [("o_y", "v0")])
    assert plan == {"o_x": ["v0"], "o_y": ["v1"]}


def test_a_holder_of_weekly_minutes_moves_to_another_volunteer() -> None:
    """v0 has one hour left this week, spent on o_y on Tuesday; o_x on Monday needs it."""
    vols = [volunteer("v0", skills=("x", "y"), weekly_hour_cap=1.0), volunteer("v1", skills=("y",))]
    orders = [order("o_x", service="x"), order("o_y", service="y", day=1)]
    plan = _repair(vols, orders, [("o_y", "v0")])
    assert plan == {"o_x": ["v0"], "o_y": ["v1"]}


def test_nothing_moves_when_no_alternative_is_free() -> None:
    """v1, o_y's only other candidate, is busy with o_z: o_x stays out, the plan stays."""
    vols = [volunteer("v0", skills=("x", "y")), volunteer("v1", skills=("y",))]
    orders = [
        order("o_x", service="x"),
        order("o_y", service="y"),
        order("o_z", service="y", start="09:30"),
    ]
    plan = _repair(vols, orders, [("o_y", "v0"), ("o_z", "v1")])
    assert plan == {"o_y": ["v0"], "o_z": ["v1"]}
