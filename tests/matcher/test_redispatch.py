"""Tests for matcher.redispatch: declines, cancellations, new orders, drop-outs."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from matcher import DispatchProblem, DispatchResult, Order, dispatch
from matcher.check import check
from matcher.redispatch import redispatch
from tests.matcher.builders import order, problem, volunteer


def checked(p: DispatchProblem, r: DispatchResult) -> DispatchResult:
    report = check(p, r)
    assert report.feasible, report.violations
    assert report.objective_matches, (report.objective, r.objective)
    return r


def base() -> tuple[DispatchProblem, DispatchResult]:
    vols = [volunteer("v1", 0.1), volunteer("v2", 0.5), volunteer("v3", 1.0)]
    orders = [order("a", day=0), order("b", day=1), order("c", day=2, volunteers_needed=2)]
    p = problem(vols, orders)
    return p, checked(p, dispatch(p))


def plan(r: DispatchResult) -> dict[str, tuple[str, ...]]:
    return {a.order: a.volunteer_ids for a in r.assignments}


def test_decline_reassigns_only_that_order() -> None:
    """A decline moves that order to someone else and keeps every other assignment."""
    p, r = base()
    before = plan(r)
    who = before["a"][0]
    p2, r2 = redispatch(p, r, declined=[("a", who, "sick")])
    after = checked(p2, r2)
    assert who not in plan(after)["a"]
    assert plan(after)["b"] == before["b"]
    assert plan(after)["c"] == before["c"]


def test_decline_never_reoffered() -> None:
    """After two successive declines of one order, neither decliner gets it back."""
    p, r = base()
    first = plan(r)["a"][0]
    p2, r2 = redispatch(p, r, declined=[("a", first)])
    second = plan(r2)["a"][0]
    p3, r3 = redispatch(p2, r2, declined=[("a", second)])
    checked(p3, r3)
    assert plan(r3).get("a", ("",))[0] not in {first, second}
    assert {(x.order, x.volunteer) for x in p3.exclusions} == {("a", first), ("a", second)}


def test_partial_decline_keeps_the_others() -> None:
    """On a two-volunteer order, the one who did not decline stays at the same start."""
    p, r = base()
    pair = plan(r)["c"]
    p2, r2 = redispatch(p, r, declined=[("c", pair[0])])
    checked(p2, r2)
    assert pair[1] in plan(r2)["c"]
    assert pair[0] not in plan(r2)["c"]


def test_cancel_and_new_order() -> None:
    """A cancelled order disappears; a new one is served without moving the others."""
    p, r = base()
    before = plan(r)
    new = Order.model_validate(order("d", day=3))
    p2, r2 = redispatch(p, r, cancelled=["b"], new_orders=[new])
    checked(p2, r2)
    assert "b" not in plan(r2)
    assert "d" in plan(r2)
    assert plan(r2)["a"] == before["a"]


def test_volunteer_drops_out() -> None:
    """An unavailable volunteer loses every assignment; their orders are re-served."""
    p, r = base()
    who = plan(r)["a"][0]
    p2, r2 = redispatch(p, r, unavailable=[who])
    checked(p2, r2)
    assert all(who not in vs for vs in plan(r2).values())


def test_kept_assignments_block_time_and_caps() -> None:
    """A re-dispatched order cannot reuse a volunteer busy on a kept order at that time."""
    vols = [volunteer("v1", 0.1), volunteer("v2", 0.2), volunteer("v3", 1.4)]
    orders = [order("a", start="09:00"), order("b", start="09:00", east=0.2)]
    p = problem(vols, orders)
    r = checked(p, dispatch(p))
    on_a = plan(r)["a"][0]
    p2, r2 = redispatch(p, r, declined=[("a", on_a)])
    checked(p2, r2)
    assert plan(r2)["b"] == plan(r)["b"]
    assert plan(r2)["a"] == ("v3",)


def test_cancellation_frees_a_volunteer_for_an_unserved_order() -> None:
    """Two orders at once, one volunteer in reach: cancelling the served one serves the other."""
    vols = [volunteer("v1", 0.1)]
    orders = [order("a", start="09:00"), order("b", start="09:00", east=0.2)]
    p = problem(vols, orders)
    r = checked(p, dispatch(p))
    served, waiting = ("a", "b") if "a" in plan(r) else ("b", "a")
    assert [u.order for u in r.unserved] == [waiting]
    p2, r2 = redispatch(p, r, cancelled=[served])
    checked(p2, r2)
    assert plan(r2) == {waiting: ("v1",)}


def test_unserved_order_out_of_every_freed_volunteers_reach_is_not_retried() -> None:
    """A decline far away frees nobody near the unserved order: it is carried over unchanged."""
    vols = [volunteer("v1", 0.1), volunteer("far1", 30.0), volunteer("far2", 30.1)]
    orders = [
        order("a", start="09:00"),
        order("b", start="09:00", east=0.2),
        order("z", start="09:00", east=30.0),
    ]
    p = problem(vols, orders)
    r = checked(p, dispatch(p))
    waiting = next(u for u in r.unserved)
    who = plan(r)["z"][0]
    p2, r2 = redispatch(p, r, declined=[("z", who)])
    checked(p2, r2)
    assert next(u for u in r2.unserved if u.order == waiting.order) == waiting
    assert plan(r2)["z"] != (who,)
    assert r2.num_edges == 1  # only the declined order was re-solved: one candidate left


def test_declines_of_other_orders_in_a_row() -> None:
    """A decline of one order, then of another: both hold, the first decliner stays off."""
    p, r = base()
    first = plan(r)["a"][0]
    p2, r2 = redispatch(p, r, declined=[("a", first)])
    second = plan(r2)["b"][0]
    p3, r3 = redispatch(p2, r2, declined=[("b", second)])
    checked(p3, r3)
    assert first not in plan(r3).get("a", ())
    assert second not in plan(r3).get("b", ())
    assert {(x.order, x.volunteer) for x in p3.exclusions} == {("a", first), ("b", second)}


def test_cancelling_a_declined_order_drops_its_exclusion() -> None:
    """An order declined earlier, then cancelled: gone with its exclusion, the rest kept."""
    p, r = base()
    first = plan(r)["a"][0]
    p2, r2 = redispatch(p, r, declined=[("a", first)])
    p3, r3 = redispatch(p2, r2, cancelled=["a"])
    checked(p3, r3)
    assert "a" not in plan(r3)
    assert p3.exclusions == ()
    assert plan(r3)["b"] == plan(r2)["b"]


def test_bad_changes_are_named() -> None:
    """New orders of an unknown service or a taken id, unknown orders and volunteers: named."""
    p, r = base()
    with pytest.raises(ValidationError, match="unknown service 'juggling'"):
        redispatch(p, r, new_orders=[Order.model_validate(order("d", service="juggling"))])
    with pytest.raises(ValidationError, match="'b'"):
        redispatch(p, r, new_orders=[Order.model_validate(order("b", day=4))])
    with pytest.raises(ValidationError, match="unknown order 'nope'"):
        redispatch(p, r, declined=[("nope", "v1")])
    with pytest.raises(ValidationError, match="unavailable volunteer 'ghost' is unknown"):
        redispatch(p, r, unavailable=["ghost"])
