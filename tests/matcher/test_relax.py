"""The cost relaxation of serving a set of orders (``matcher.relax``)."""

from __future__ import annotations

import time

import numpy as np

from matcher.candidates import DispatchArrays, generate
from matcher.peel import k_cheapest
from matcher.relax import relax_cost
from tests.matcher.builders import order, problem, volunteer


def test_the_bound_sees_two_orders_wanting_one_volunteer() -> None:
    """Both orders' cheapest volunteer is the same one: the bound pays the far one once."""
    p = problem([volunteer("near", 0.1), volunteer("far", 1.0)], [order("o0"), order("o1", 0.05)])
    arr = DispatchArrays.build(p)
    cand = generate(arr)
    cost = {
        (int(o), int(v)): int(c)
        for o, v, c in zip(cand.edge_order, cand.edge_vol, cand.edge_cost, strict=True)
    }
    optimum = min(cost[(0, 0)] + cost[(1, 1)], cost[(0, 1)] + cost[(1, 0)])
    plain = int(k_cheapest(arr, cand).sum())
    assert plain < optimum  # each order alone takes "near"
    relaxation = relax_cost(arr, cand, np.ones(2, dtype=bool))
    assert abs(relaxation.bound - optimum) < 1e-6
    assert relaxation.x.sum() == 2.0


def test_the_bound_never_exceeds_a_plan() -> None:
    """Three volunteers, four orders at overlapping times: the bound is below every plan."""
    vols = [volunteer(f"v{i}", 0.3 * i) for i in range(3)]
    orders = [order(f"o{i}", 0.2 * i, start=s) for i, s in enumerate(("09:00", "09:30", "10:00"))]
    orders.append(order("o3", 0.5, day=1))
    p = problem(vols, orders)
    arr = DispatchArrays.build(p)
    cand = generate(arr)
    relaxation = relax_cost(arr, cand, np.ones(4, dtype=bool))
    # Every plan serving all four: o0 and o1 clash, o1 and o2 clash (60-minute orders).
    cost = {
        (int(o), int(v)): int(c)
        for o, v, c in zip(cand.edge_order, cand.edge_vol, cand.edge_cost, strict=True)
    }
    best = min(
        cost[(0, a)] + cost[(1, b)] + cost[(2, c)] + cost[(3, d)]
        for a in range(3)
        for b in range(3)
        for c in range(3)
        for d in range(3)
        if a != b and b != c
    )
    assert relaxation.bound <= best + 1e-6
    assert relaxation.bound >= int(k_cheapest(arr, cand).sum()) - 1e-6


def test_no_time_left_gives_the_plain_bound() -> None:
    """An LP that cannot run contributes no prices: the bound is the k-cheapest sum."""
    p = problem([volunteer("near", 0.1), volunteer("far", 1.0)], [order("o0"), order("o1", 0.05)])
    arr = DispatchArrays.build(p)
    cand = generate(arr)
    relaxation = relax_cost(arr, cand, np.ones(2, dtype=bool), deadline=time.perf_counter() - 1)
    assert relaxation.bound == int(k_cheapest(arr, cand).sum())
    assert not relaxation.x.any()
