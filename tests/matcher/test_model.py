"""Validation of dispatch problems: one clear error listing every problem."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from matcher import DispatchParams, Order, ServiceItem
from tests.matcher.builders import order, problem, volunteer, when


def _errors(**kw: Any) -> list[dict[str, Any]]:
    vols = kw.pop("vols", [volunteer("v")])
    orders = kw.pop("orders", [order("o1")])
    with pytest.raises(ValidationError) as info:
        problem(vols, orders, **kw)
    return [dict(e) for e in info.value.errors(include_url=False)]


def test_all_problems_listed_together() -> None:
    """Unknown skill, unknown category, bad window, team too small, duplicate id: one error."""
    from datetime import timedelta

    from matcher import DispatchProblem, Order
    from tests.matcher.builders import MONDAY, ORIGIN, at
    from volunteers import Organization

    org = Organization.model_validate(
        {
            "skills": [{"code": "help"}],
            "stations": [{"id": "s0", "level": "station", "location": ORIGIN}],
            "teams": [{"id": "T", "category": "relief", "station": "s0", "captain": "v"}],
            "volunteers": [volunteer("v", teams=("T",))],
        }
    )
    raw = {
        "organization": org,
        "menu": [ServiceItem(code="help", skills=("help",))],
        "week_start": MONDAY,
        "orders": [
            order("o17", skills=("x",)),
            order("o2", categories=("cooking",)),
            {**order("o3"), "latest_start": when(0, "08:00")},
            order("o4", volunteers_needed=3, same_team=True),
            order("o17"),
            {**order("o5"), "service": "massage"},
            {**order("o6"), "start": when(0, "09:00") + timedelta(days=9)},
        ],
    }
    with pytest.raises(ValidationError) as info:
        DispatchProblem.model_validate(raw)
    found = {(e["type"], tuple(e["loc"])) for e in info.value.errors()}
    assert ("unknown_skill", ("orders", 0, "skills", 0)) in found
    assert ("unknown_team_category", ("orders", 1, "categories", 0)) in found
    assert ("value_error", ("orders", 2)) in found
    assert ("team_too_small", ("orders", 3, "volunteers_needed")) in found
    assert ("duplicate_order_id", ("orders", 4, "id")) in found
    assert ("unknown_service", ("orders", 5, "service")) in found
    assert ("outside_week", ("orders", 6, "start")) in found
    messages = " | ".join(e["msg"] for e in info.value.errors())
    assert "order 'o17' requires unknown skill 'x'" in messages
    assert "window ends at" in messages
    assert "largest allowed team has 1 members" in messages
    del Order, at


def test_unknown_priority_and_references() -> None:
    """Priorities, pins, exclusions and commitments must name known things."""
    errs = _errors(
        orders=[order("o1", priority="vip")],
        pins=[{"order": "zz", "volunteer": "v"}],
        exclusions=[{"order": "o1", "volunteer": "ghost"}],
        committed_hours={"nobody": 1.0},
    )
    types = {e["type"] for e in errs}
    assert {"unknown_priority", "unknown_order", "unknown_volunteer"} <= types


def test_too_many_pins() -> None:
    """Pinning more volunteers than an order needs is refused."""
    errs = _errors(
        vols=[volunteer("v"), volunteer("w")],
        pins=[{"order": "o1", "volunteer": "v"}, {"order": "o1", "volunteer": "w"}],
    )
    assert [e["type"] for e in errs] == ["too_many_pins"]


def test_params_validate_themselves() -> None:
    """Bad parameters are refused with a clear message."""
    with pytest.raises(ValidationError, match="priority_weights must include 'normal'"):
        DispatchParams(priority_weights={"disabled": 1.0})
    with pytest.raises(ValidationError, match="greater than 0"):
        DispatchParams(time_limit=0)
    bad = order("o1", needs_captain=True)
    with pytest.raises(ValidationError, match="needs_captain requires same_team"):
        Order.model_validate(bad)


def test_problem_json_round_trip() -> None:
    """A problem round-trips through JSON."""
    from matcher import DispatchProblem

    p = problem([volunteer("v")], [order("o1", latest="10:00")])
    assert DispatchProblem.model_validate_json(p.model_dump_json()) == p
