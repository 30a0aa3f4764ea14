"""Validation of roster problems: every problem reported at once, each naming its culprit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from scheduler import Contract, Request, TeamRule
from tests.scheduler.builders import MONDAY, roster, shift, volunteer


def test_every_problem_in_one_error() -> None:
    """Shift ending before it starts, unknown post, min > max, duplicate ids: all listed."""
    shifts = [
        shift("s", 0, "12:00", "09:00"),
        shift("s", 1),
        shift("t", 2, post="nowhere"),
        shift("u", 3, minimum=3, maximum=1),
    ]
    contracts = (Contract(id="c", min_minutes=600, max_minutes=60),)
    with pytest.raises(ValidationError) as info:
        roster([volunteer("v")], shifts, contracts=contracts)
    text = str(info.value)
    assert "shift 's' ends before it starts" in text
    assert "duplicate shift id 's'" in text
    assert "shift 't' is at unknown post 'nowhere'" in text
    assert "shift 'u' has minimum 3 above maximum 1" in text
    assert "contract 'c' has min_minutes 600 above max_minutes 60" in text
    assert info.value.error_count() == 5


def test_unknown_references() -> None:
    """Unknown volunteer, contract and request post are named."""
    with pytest.raises(ValidationError) as info:
        roster(
            [volunteer("v")],
            [shift("s", skills=("juggling",))],
            contract_of={"ghost": "c"},
            requests=(Request(volunteer="v", day=MONDAY, want="on", post="nowhere"),),
        )
    text = str(info.value)
    assert "contract for unknown volunteer 'ghost'" in text
    assert "volunteer 'ghost' has unknown contract 'c'" in text
    assert "request for unknown post 'nowhere'" in text


def test_shift_outside_horizon() -> None:
    """A shift after the horizon is rejected."""
    with pytest.raises(ValidationError, match="outside the horizon"):
        roster([volunteer("v")], [shift("s", 9)])


def test_requests_about_a_shift() -> None:
    """A request names a day or a shift; an unknown shift or a day it does not start on is named."""
    with pytest.raises(ValidationError, match="names neither a day nor a shift"):
        Request(volunteer="v", want="on")
    with pytest.raises(ValidationError) as info:
        roster(
            [volunteer("v")],
            [shift("s", 0)],
            requests=(
                Request(volunteer="v", shift="ghost", want="on"),
                Request(
                    volunteer="v", shift="s", day=MONDAY.replace(day=MONDAY.day + 1), want="on"
                ),
            ),
        )
    text = str(info.value)
    assert "request for unknown shift 'ghost'" in text
    assert "names day" in text
    assert "but the shift starts on" in text
    assert info.value.error_count() == 2


def test_team_rules_and_history_are_checked() -> None:
    """Unknown or repeated ruled team, history of an unknown volunteer or not before the start."""
    rule = TeamRule(team="T", min_hours_per_week=2.0)
    with pytest.raises(ValidationError) as info:
        roster(
            [volunteer("v")],
            [shift("s", 0)],
            teams=({"id": "T", "category": "relief", "station": "s0"},),
            team_rules=(rule, rule, TeamRule(team="nobody", min_hours_per_week=1.0)),
            last_on_duty={"ghost": MONDAY - timedelta(days=2), "v": MONDAY},
        )
    text = str(info.value)
    assert "duplicate team rule id 'T'" in text
    assert "team rule names unknown team 'nobody'" in text
    assert "last duty given for unknown volunteer 'ghost'" in text
    assert "last duty of 'v' on 2026" in text
    assert "is not before the roster starts" in text
    assert info.value.error_count() == 4
    with pytest.raises(ValidationError, match="greater than 0"):
        TeamRule(team="T", min_hours_per_week=0.0)
