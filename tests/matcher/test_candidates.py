"""Problem arrays: the volunteer side is built once per organization and week."""

from __future__ import annotations

from datetime import timedelta

from matcher import dispatch
from matcher.candidates import DispatchArrays, VolunteerArrays, generate
from matcher.check import check
from tests.matcher.builders import order, problem, volunteer


def test_volunteer_arrays_are_kept_per_week() -> None:
    """Same organization and week: the same arrays; another week: new ones."""
    p = problem([volunteer("v0"), volunteer("v1", 0.5)], [order("a")])
    again = p.replace(orders=p.orders[:0])
    assert VolunteerArrays.of(p) is VolunteerArrays.of(again)
    later = p.replace(week_start=p.week_start + timedelta(days=7), orders=())
    assert VolunteerArrays.of(later) is not VolunteerArrays.of(p)
    assert VolunteerArrays.of(later).grid.start == p.week_start + timedelta(days=6)


def test_order_skill_no_volunteer_has() -> None:
    """A skill of the catalog that no volunteer has leaves the order without candidates."""
    vols = [volunteer("v0", skills=("help",))]
    p = problem(vols, [order("a", skills=("help", "rare")), order("b")])
    cand = generate(DispatchArrays.build(p))
    assert sorted(cand.edge_order.tolist()) == [1]
    result = dispatch(p)
    assert [a.order for a in result.assignments] == ["b"]
    assert check(p, result).ok
