"""Hour ledger, yearly quota pace, activity rate, points and star levels.

A volunteer's *expected* hours on a date are their yearly target times the
share of the quota year elapsed; the *pace gap* is expected minus served
(positive: behind pace). A volunteer is *active* once served hours reach the
target, and *on track* when not behind pace. Everything is vectorized over
volunteers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Self

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pydantic import BaseModel, ConfigDict, Field, model_validator

if TYPE_CHECKING:
    from volunteers.volunteer import Volunteer

FloatArray = NDArray[np.float64]

DEFAULT_STAR_THRESHOLDS: tuple[float, ...] = (100.0, 300.0, 600.0, 1000.0, 1500.0)
"""Cumulative hours for one to five stars (a common national scheme)."""


class QuotaPolicy(BaseModel):
    """The yearly hour quota and when the quota year starts.

    Parameters
    ----------
    yearly_target_hours
        Default yearly target, for volunteers without their own.
    year_start_month, year_start_day
        First day of the quota year (January 1 by default).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    yearly_target_hours: float = Field(default=20.0, ge=0.0)
    year_start_month: int = Field(default=1, ge=1, le=12)
    year_start_day: int = Field(default=1, ge=1, le=28)

    def year_bounds(self, on: date) -> tuple[date, date]:
        """First day of the quota year containing ``on`` and first day of the next."""
        start = date(on.year, self.year_start_month, self.year_start_day)
        if start > on:
            start = start.replace(year=on.year - 1)
        return start, start.replace(year=start.year + 1)

    def elapsed_fraction(self, on: date) -> float:
        """Share of the quota year elapsed at the end of ``on`` (in ``(0, 1]``)."""
        start, end = self.year_bounds(on)
        return ((on - start).days + 1) / (end - start).days


class ActivityRate(BaseModel):
    """Activity of a population of volunteers on a date."""

    model_config = ConfigDict(frozen=True)

    on: date
    registered: int
    active: int
    on_track: int
    dormant: int

    @property
    def active_share(self) -> float:
        """Share of registered volunteers at or above their yearly target."""
        return self.active / self.registered if self.registered else 0.0

    @property
    def on_track_share(self) -> float:
        """Share of registered volunteers not behind their pace."""
        return self.on_track / self.registered if self.registered else 0.0


class HourLedger:
    """Hours served and yearly targets of many volunteers, as arrays.

    Parameters
    ----------
    served
        Hours served this quota year, one per volunteer.
    target
        Yearly target hours, one per volunteer.
    policy
        The quota policy (year start).
    """

    def __init__(
        self, served: ArrayLike, target: ArrayLike, policy: QuotaPolicy | None = None
    ) -> None:
        self.served: FloatArray = np.asarray(served, dtype=np.float64).copy()
        self.target: FloatArray = np.broadcast_to(
            np.asarray(target, dtype=np.float64), self.served.shape
        ).copy()
        self.policy = policy if policy is not None else QuotaPolicy()
        if np.any(self.served < 0) or np.any(self.target < 0):
            raise ValueError("hours served and targets must be non-negative")

    @classmethod
    def from_volunteers(
        cls, volunteers: Sequence[Volunteer], policy: QuotaPolicy | None = None
    ) -> HourLedger:
        """Read hours and targets off volunteers (``None`` targets use the policy)."""
        pol = policy if policy is not None else QuotaPolicy()
        served = np.fromiter(
            (v.hours_this_year for v in volunteers), dtype=np.float64, count=len(volunteers)
        )
        target = np.fromiter(
            (
                pol.yearly_target_hours if v.yearly_target_hours is None else v.yearly_target_hours
                for v in volunteers
            ),
            dtype=np.float64,
            count=len(volunteers),
        )
        return cls(served, target, pol)

    def __len__(self) -> int:
        return len(self.served)

    def expected(self, on: date) -> FloatArray:
        """Hours each volunteer should have served by the end of ``on``."""
        return self.target * self.policy.elapsed_fraction(on)

    def pace_gap(self, on: date) -> FloatArray:
        """Expected minus served hours: positive when behind pace."""
        return self.expected(on) - self.served

    def remaining(self) -> FloatArray:
        """Hours still needed to reach the yearly target (0 once reached)."""
        return np.maximum(self.target - self.served, 0.0)

    def on_track(self, on: date) -> NDArray[np.bool_]:
        """Whether each volunteer is not behind pace on ``on``."""
        return self.pace_gap(on) <= 1e-9

    def active(self) -> NDArray[np.bool_]:
        """Whether each volunteer reached the yearly target."""
        return self.served >= self.target - 1e-9

    def record(self, volunteer: ArrayLike, hours: ArrayLike) -> HourLedger:
        """A new ledger with ``hours`` added to each listed volunteer (repeats add up)."""
        served = self.served.copy()
        np.add.at(
            served, np.asarray(volunteer, dtype=np.int64), np.asarray(hours, dtype=np.float64)
        )
        return HourLedger(served, self.target, self.policy)

    def activity(self, on: date) -> ActivityRate:
        """Counts of active, on-track and dormant (zero hours) volunteers."""
        return ActivityRate(
            on=on,
            registered=len(self),
            active=int(self.active().sum()),
            on_track=int(self.on_track(on).sum()),
            dormant=int((self.served <= 0).sum()),
        )


class PointsPolicy(BaseModel):
    """Conversion of service hours into points (积分), e.g. for a "love supermarket".

    Parameters
    ----------
    points_per_hour
        Points per hour of service.
    max_hours_per_activity
        Hours of one activity that count at most; ``None`` for no cap.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    points_per_hour: float = Field(default=10.0, ge=0.0)
    max_hours_per_activity: float | None = Field(default=None, gt=0.0)

    def points(self, hours: ArrayLike) -> FloatArray:
        """Points earned by activities of the given durations, element-wise."""
        h = np.asarray(hours, dtype=np.float64)
        if self.max_hours_per_activity is not None:
            h = np.minimum(h, self.max_hours_per_activity)
        return np.asarray(h * self.points_per_hour, dtype=np.float64)


class StarLevels(BaseModel):
    """Star levels granted at cumulative hours.

    Parameters
    ----------
    thresholds
        Increasing cumulative hours for 1, 2, ... stars.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    thresholds: tuple[float, ...] = DEFAULT_STAR_THRESHOLDS

    @model_validator(mode="after")
    def _increasing(self) -> Self:
        if any(b <= a for a, b in zip(self.thresholds, self.thresholds[1:], strict=False)):
            raise ValueError(f"star thresholds must increase, got {self.thresholds}")
        return self

    def stars(self, cumulative_hours: ArrayLike) -> NDArray[np.int64]:
        """Number of stars for each cumulative hour count."""
        h = np.asarray(cumulative_hours, dtype=np.float64)
        return np.searchsorted(np.asarray(self.thresholds), h, side="right").astype(np.int64)
