"""What :func:`scheduler.build_roster` returns: the roster and everything about it."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class RosterStatus(StrEnum):
    """How the solve ended.

    ``optimal``: proven best. ``feasible``: a roster, not proven best.
    ``infeasible``: the hard rules cannot all hold (see ``infeasible_reasons``).
    ``time_limit``: stopped before any roster was found.
    """

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    TIME_LIMIT = "time_limit"


class RosterAssignment(BaseModel):
    """One volunteer on one shift."""

    model_config = ConfigDict(frozen=True)

    volunteer: str
    shift: str
    post: str
    start: datetime
    end: datetime
    travel_minutes: float


class Coverage(BaseModel):
    """Head count of a shift against its minimum, target and maximum."""

    model_config = ConfigDict(frozen=True)

    shift: str
    assigned: int
    minimum: int
    target: int
    maximum: int | None
    under: int
    over: int


class Penalty(BaseModel):
    """One named soft-rule cost: which rule, whom, when, and how much (weighted)."""

    model_config = ConfigDict(frozen=True)

    rule: str
    amount: float
    volunteer: str | None = None
    shift: str | None = None
    day: date | None = None
    detail: str = ""


class UnfilledSeat(BaseModel):
    """Seats of a shift left under its target, with the candidate funnel and reasons."""

    model_config = ConfigDict(frozen=True)

    shift: str
    seats: int
    qualified: int
    in_reach: int
    available: int
    allowed: int
    reasons: tuple[str, ...]


class VolunteerLoad(BaseModel):
    """Minutes and shifts given to a volunteer, and their quota pace after the roster."""

    model_config = ConfigDict(frozen=True)

    volunteer: str
    shifts: int
    minutes: int
    hours_before: float
    hours_after: float
    pace_target_hours: float


class RosterResult(BaseModel):
    """A roster and how good it is.

    ``objective`` and ``bound`` are in weight units (the sum of ``penalties``);
    lower is better. ``runtime`` is wall-clock seconds; ``timings`` are seconds per
    phase on the solve's clock: work seconds under ``params.work_limit`` (see
    :mod:`scheduler.clock`), wall-clock seconds otherwise.
    """

    model_config = ConfigDict(frozen=True)

    status: RosterStatus
    objective: float | None
    bound: float | None
    runtime: float
    assignments: tuple[RosterAssignment, ...]
    coverage: tuple[Coverage, ...]
    loads: tuple[VolunteerLoad, ...]
    penalties: tuple[Penalty, ...]
    unfilled: tuple[UnfilledSeat, ...]
    infeasible_reasons: tuple[str, ...] = ()
    num_edges: int = 0
    timings: dict[str, float] = {}

    @property
    def gap(self) -> float | None:
        """Relative gap between objective and bound (0 when proven)."""
        if self.objective is None or self.bound is None:
            return None
        if self.objective <= 0:
            return 0.0
        return max(0.0, (self.objective - self.bound) / self.objective)
