"""Serve a left-out order by moving one other order to another volunteer.

After the peeled orders are added back (:func:`matcher.solve.solve_peeled`), an
order can find every candidate busy or out of weekly minutes: peeling ignores
weekly caps. Often one move fixes it. A candidate ``v`` of the order is held by
one assignment ``y`` (it clashes, or it spends the minutes the order needs).
When ``y``'s order can take another free volunteer at the same start, ``y``
moves there and ``v`` serves the order. This is an ejection chain of length
one, for orders needing one volunteer, without a team rule or a pin.
"""

from __future__ import annotations

import numpy as np

from matcher.candidates import Candidates, DispatchArrays
from matcher.greedy import ConflictIndex, OptionIndex
from volunteers.geo import IntArray


def serve_by_one_move(
    arr: DispatchArrays,
    cand: Candidates,
    plan: IntArray,
    orders: IntArray,
    indexes: tuple[OptionIndex, ConflictIndex],
) -> IntArray:
    """``plan`` (option indices) with as many of ``orders`` served as one move each allows.

    Every move keeps the plan within the hard rules: the moved order keeps its
    start and gets a free volunteer under their weekly cap; the served order
    takes a candidate freed by the move. Orders served and the served weight
    only grow; the cost may rise.
    """
    index, conflicts = indexes
    in_plan = np.zeros(len(cand.opt_edge), dtype=bool)
    in_plan[plan] = True
    opt_vol = cand.edge_vol[cand.opt_edge]
    opt_order = cand.edge_order[cand.opt_edge]
    dur = arr.ord_duration
    left = arr.vol_cap_left.astype(np.float64).copy()
    np.subtract.at(left, opt_vol[plan], dur[opt_order[plan]])
    by_vol: dict[int, set[int]] = {}
    for y in plan.tolist():
        by_vol.setdefault(int(opt_vol[y]), set()).add(y)
    cost = cand.option_cost
    movable = np.ones(arr.num_orders, dtype=bool)
    movable[[o for o, r in enumerate(arr.orders) if r.same_team]] = False
    movable[cand.edge_order[cand.pinned_edges]] = False
    movable[list(cand.pinned_starts)] = False

    def clashes(x: int) -> IntArray:
        """Options of the plan that clash with ``x``."""
        mine = conflicts.of(x)
        hit: IntArray = mine[in_plan[mine]]
        return hit

    def alternative(y: int) -> int | None:
        """A free option of ``y``'s order at ``y``'s start, on another volunteer."""
        o2 = int(opt_order[y])
        seats = {int(opt_vol[z]) for z in plan_of(o2)}
        mine = index.of_order(o2)
        same = mine[cand.opt_start[mine] == cand.opt_start[y]]
        for z in same[np.argsort(cost[same], kind="stable")].tolist():
            v2 = int(opt_vol[z])
            if v2 in seats or left[v2] < dur[o2] - 1e-9 or len(clashes(z)):
                continue
            return int(z)
        return None

    def plan_of(o: int) -> list[int]:
        mine = index.of_order(o)
        found: list[int] = mine[in_plan[mine]].tolist()
        return found

    for o in orders.tolist():
        if arr.ord_k[o] != 1 or not movable[o] or plan_of(o):
            continue
        mine = index.of_order(o)
        for x in mine[np.argsort(cost[mine], kind="stable")].tolist():
            v = int(opt_vol[x])
            held = clashes(x)
            if len(held) > 1:
                continue
            if len(held) == 0 and left[v] >= dur[o] - 1e-9:
                move: tuple[int, int] | None = None
            else:
                ys = held.tolist() if len(held) else sorted(by_vol.get(v, ()))
                move = None
                for y in ys:
                    o2 = int(opt_order[y])
                    if not movable[o2] or left[v] + dur[o2] < dur[o] - 1e-9:
                        continue
                    z = alternative(y)
                    if z is not None:
                        move = (y, z)
                        break
                if move is None:
                    continue
            if move is not None:
                y, z = move
                in_plan[y], in_plan[z] = False, True
                by_vol[v].discard(y)
                by_vol.setdefault(int(opt_vol[z]), set()).add(z)
                left[v] += dur[opt_order[y]]
                left[opt_vol[z]] -= dur[opt_order[z]]
            in_plan[x] = True
            by_vol.setdefault(v, set()).add(x)
            left[v] -= dur[o]
            break
    out: IntArray = np.flatnonzero(in_plan).astype(np.int64)
    return out
