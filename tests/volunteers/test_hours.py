"""Tests for volunteers.hours: quota pace, activity, points and stars."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from pydantic import ValidationError

from volunteers import HourLedger, PointsPolicy, QuotaPolicy, StarLevels


def test_elapsed_fraction() -> None:
    """Calendar year: Jan 1 is 1/365 elapsed, Dec 31 all of it; leap years count 366."""
    policy = QuotaPolicy()
    assert policy.elapsed_fraction(date(2026, 1, 1)) == pytest.approx(1 / 365)
    assert policy.elapsed_fraction(date(2026, 12, 31)) == 1.0
    assert policy.elapsed_fraction(date(2028, 2, 29)) == pytest.approx(60 / 366)


def test_quota_year_starting_in_july() -> None:
    """A July quota year: June 30 closes the previous year."""
    policy = QuotaPolicy(year_start_month=7)
    assert policy.year_bounds(date(2026, 6, 30)) == (date(2025, 7, 1), date(2026, 7, 1))
    assert policy.elapsed_fraction(date(2026, 6, 30)) == 1.0
    assert policy.elapsed_fraction(date(2026, 7, 1)) == pytest.approx(1 / 365)


def test_pace_gap_and_on_track() -> None:
    """Half way through 2026 (July 2 end), a 20 h target expects 10 h."""
    on = date(2026, 7, 2)  # day 183 of 365
    ledger = HourLedger([0.0, 10.0, 12.0, 25.0], [20.0, 20.0, 20.0, 20.0])
    expected = 20 * 183 / 365
    assert np.allclose(ledger.expected(on), expected)
    assert np.allclose(ledger.pace_gap(on), expected - np.array([0, 10, 12, 25]))
    assert ledger.on_track(on).tolist() == [False, False, True, True]
    assert ledger.active().tolist() == [False, False, False, True]
    assert np.allclose(ledger.remaining(), [20, 10, 8, 0])


def test_activity_rate() -> None:
    """Counts of active, on-track and dormant volunteers, and their shares."""
    ledger = HourLedger([0.0, 5.0, 20.0, 30.0], 20.0)
    rate = ledger.activity(date(2026, 3, 1))
    assert (rate.registered, rate.active, rate.dormant) == (4, 2, 1)
    assert rate.on_track == 3  # 59/365 * 20 = 3.2 h expected
    assert rate.active_share == 0.5
    assert rate.on_track_share == 0.75


def test_record_adds_hours_and_keeps_original() -> None:
    """Recording returns a new ledger; repeats add up."""
    ledger = HourLedger([1.0, 2.0], 20.0)
    after = ledger.record([0, 0, 1], [1.5, 2.0, 0.5])
    assert after.served.tolist() == [4.5, 2.5]
    assert ledger.served.tolist() == [1.0, 2.0]


def test_ledger_from_volunteers_uses_policy_default(tiny_org) -> None:  # type: ignore[no-untyped-def]
    """Volunteers without a personal target get the policy's."""
    ledger = tiny_org.ledger()
    assert ledger.target.tolist() == [20.0, 20.0, 20.0]
    assert ledger.served.tolist() == [0.0, 0.0, 12.5]


def test_negative_hours_refused() -> None:
    """Negative hours are an error."""
    with pytest.raises(ValueError, match="non-negative"):
        HourLedger([-1.0], 20.0)


def test_points_with_cap() -> None:
    """10 points an hour; or 1 point an hour capped at 2 hours per activity."""
    assert PointsPolicy().points([1.5, 3.0]).tolist() == [15.0, 30.0]
    capped = PointsPolicy(points_per_hour=1, max_hours_per_activity=2)
    assert capped.points([1.0, 2.0, 5.0]).tolist() == [1.0, 2.0, 2.0]


def test_star_levels() -> None:
    """Stars at 100, 300, 600, 1000 and 1500 cumulative hours."""
    stars = StarLevels().stars([0, 99.9, 100, 450, 1000, 5000])
    assert stars.tolist() == [0, 0, 1, 2, 4, 5]
    with pytest.raises(ValidationError, match="must increase"):
        StarLevels(thresholds=(10, 5))
