"""Peeling the always-servable orders off (``matcher.peel``)."""

from __future__ import annotations

import numpy as np

from matcher import ServiceItem
from matcher.candidates import DispatchArrays, generate
from matcher.peel import k_cheapest, peel
from tests.matcher.builders import order, problem, volunteer

MENU = tuple(ServiceItem(code=s, skills=(s,), duration_minutes=60) for s in ("x", "y", "z"))


def _chain() -> list[dict[str, object]]:
    """v0 does x and y, v1 y and z, v2 and v3 only z."""
    return [
        volunteer("v0", skills=("x", "y")),
        volunteer("v1", skills=("y", "z")),
        volunteer("v2", skills=("z",)),
        volunteer("v3", skills=("z",)),
    ]


def _layers(vols: list[dict[str, object]], orders: list[dict[str, object]]) -> dict[str, int]:
    p = problem(vols, orders, menu=MENU)
    arr = DispatchArrays.build(p)
    layers = peel(arr, generate(arr))
    return {o.id: int(layers.layer[i]) for i, o in enumerate(p.orders)}


def test_layers_peel_the_orders_with_spare_candidates_first() -> None:
    """o_c has 3 candidates and one rival: layer 1; then o_b is free, and then o_a."""
    vols = _chain()
    orders = [
        order("o_a", service="x"),
        order("o_b", service="y"),
        order("o_c", service="z"),
    ]
    assert _layers(vols, orders) == {"o_a": 3, "o_b": 2, "o_c": 1}


def test_orders_sharing_their_only_volunteer_stay_in_the_core() -> None:
    """Two clashing orders and one volunteer: neither can be promised."""
    vols = [volunteer("v0", skills=("x",))]
    orders = [order("o0", service="x"), order("o1", service="x", start="09:30")]
    assert _layers(vols, orders) == {"o0": 0, "o1": 0}


def test_orders_that_do_not_clash_are_no_rivals() -> None:
    """One volunteer, orders on different days: both always servable."""
    vols = [volunteer("v0", skills=("x",))]
    orders = [order("o0", service="x"), order("o1", service="x", day=2)]
    assert _layers(vols, orders) == {"o0": 1, "o1": 1}


def test_team_orders_pins_and_hopeless_orders_are_not_peeled() -> None:
    """Same-team and pinned orders go to the core; an order short of candidates gets -1."""
    vols = [volunteer(f"v{i}", skills=("x",), teams=("T1",)) for i in range(4)]
    teams = ({"id": "T1", "category": "relief", "station": "s0", "captain": "v0"},)
    orders = [
        order("team", service="x", volunteers_needed=2, same_team=True),
        order("pinned", service="x", day=1),
        order("short", service="x", day=2, volunteers_needed=5),
    ]
    p = problem(
        vols,
        orders,
        teams=teams,
        menu=MENU,
        pins=[{"order": "pinned", "volunteer": "v1"}],
    )
    arr = DispatchArrays.build(p)
    layers = peel(arr, generate(arr))
    assert layers.layer.tolist() == [0, 0, -1]


def test_sequence_puts_deeper_layers_and_scarcer_orders_first() -> None:
    """Add-back order: deeper layers first; within a layer, fewest candidates first."""
    vols = _chain()
    orders = [
        order("o_a", service="x"),
        order("o_b", service="y"),
        order("o_c", service="z"),
        order("o_d", service="x", day=3),
    ]
    p = problem(vols, orders, menu=MENU)
    arr = DispatchArrays.build(p)
    layers = peel(arr, generate(arr))
    # o_a (layer 3), o_b (layer 2), then layer 1: o_d (1 candidate) before o_c (3).
    assert layers.sequence().tolist() == [0, 1, 3, 2]


def test_k_cheapest_sums_the_cheapest_candidates() -> None:
    """Per order, the k cheapest candidate edges."""
    vols = [volunteer("near", 0.1), volunteer("mid", 0.5), volunteer("far", 1.0)]
    p = problem(vols, [order("o0", volunteers_needed=2), order("o1", day=1)])
    arr = DispatchArrays.build(p)
    cand = generate(arr)
    costs = {
        (p.orders[int(o)].id, p.organization.volunteers[int(v)].id): int(c)
        for o, v, c in zip(cand.edge_order, cand.edge_vol, cand.edge_cost, strict=True)
    }
    expected = [costs[("o0", "near")] + costs[("o0", "mid")], costs[("o1", "near")]]
    assert k_cheapest(arr, cand).tolist() == expected
    assert np.all(np.diff([costs[("o1", v)] for v in ("near", "mid", "far")]) > 0)
