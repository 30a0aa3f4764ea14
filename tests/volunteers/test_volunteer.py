"""Tests for volunteers.volunteer: the Volunteer model."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from volunteers import Availability, Location, Volunteer


def _v(**kw: object) -> Volunteer:
    base: dict[str, object] = {"id": "v1", "home": Location(lat=30, lon=114), "station": "s0"}
    base.update(kw)
    return Volunteer.model_validate(base)


def test_defaults() -> None:
    """Any time, no cap, no target of its own, unrated."""
    v = _v()
    assert v.availability == Availability()
    assert v.weekly_hour_cap is None
    assert v.yearly_target_hours is None
    assert v.rating is None


def test_repeats_dropped_order_kept() -> None:
    """Repeated skills, teams and tags are dropped, keeping first-seen order."""
    v = _v(skills=["b", "a", "b"], teams=["t2", "t1", "t2"], tags=["x", "x"])
    assert v.skills == ("b", "a")
    assert v.teams == ("t2", "t1")
    assert v.tags == ("x",)


def test_reliability_is_smoothed() -> None:
    """(accepted + 1) / (accepted + declined + 2): 1/2 with no history."""
    assert _v().reliability == 0.5
    assert _v(offers_accepted=8, offers_declined=0).reliability == 0.9


@pytest.mark.parametrize(
    ("field", "value", "error_type"),
    [
        ("rating", 5.5, "less_than_equal"),
        ("weekly_hour_cap", -1, "greater_than_equal"),
        ("hours_this_year", -0.5, "greater_than_equal"),
        ("id", "", "string_too_short"),
        ("id", " v1", "string_pattern_mismatch"),
        ("colour", "blue", "extra_forbidden"),
    ],
)
def test_bad_fields(field: str, value: object, error_type: str) -> None:
    """Bad field values are refused with pydantic's error types."""
    with pytest.raises(ValidationError) as info:
        _v(**{field: value})
    assert info.value.errors()[0]["type"] == error_type


def test_frozen_and_round_trip() -> None:
    """Volunteers are immutable and round-trip through JSON."""
    v = _v(skills=["first_aid"], availability=Availability.from_spec("sat 09:00-12:00"))
    with pytest.raises(ValidationError):
        v.name = "x"  # type: ignore[misc]
    assert Volunteer.model_validate_json(v.model_dump_json()) == v
