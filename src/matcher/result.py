"""What a dispatch returns: assignments, unserved orders with reasons, status, bound."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class SolveStatus(StrEnum):
    """How the search ended.

    ``optimal``: proven optimal. ``feasible``: a solution, optimality not proven
    (the time limit stopped the search). ``infeasible``: no solution exists
    (pinned assignments break a hard rule). ``time_limit``: stopped before any
    solution was found.
    """

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    TIME_LIMIT = "time_limit"


class CostBreakdown(BaseModel):
    """Cost of one volunteer on one order, by term (see ``ObjectiveWeights``)."""

    model_config = ConfigDict(frozen=True)

    travel: float
    pace: float
    reliability: float
    rating: float
    continuity: float
    balance: float

    @property
    def total(self) -> float:
        """Sum of the terms."""
        return (
            self.travel
            + self.pace
            + self.reliability
            + self.rating
            + self.continuity
            + self.balance
        )


class AssignedVolunteer(BaseModel):
    """One volunteer on an order, with travel and cost breakdown."""

    model_config = ConfigDict(frozen=True)

    volunteer: str
    travel_minutes: float
    cost: CostBreakdown


class Assignment(BaseModel):
    """An order served: when, by whom (派单)."""

    model_config = ConfigDict(frozen=True)

    order: str
    start: datetime
    end: datetime
    volunteers: tuple[AssignedVolunteer, ...]
    team: str | None = None

    @property
    def volunteer_ids(self) -> tuple[str, ...]:
        """Ids of the assigned volunteers."""
        return tuple(a.volunteer for a in self.volunteers)


class Funnel(BaseModel):
    """How many volunteers remain after each hard rule, for one order."""

    model_config = ConfigDict(frozen=True)

    qualified: int
    in_reach: int
    available: int
    under_cap: int


class Unserved(BaseModel):
    """An order left unserved, with the candidate funnel and readable reasons."""

    model_config = ConfigDict(frozen=True)

    order: str
    priority: str
    volunteers_needed: int
    funnel: Funnel
    reasons: tuple[str, ...]


class ObjectiveValue(BaseModel):
    """The lexicographic objective: served weights by tier first, then cost.

    Weights are the priority weights times 100, as integers.
    """

    model_config = ConfigDict(frozen=True)

    served_vulnerable: int
    served_normal: int
    cost: float


class ObjectiveBound(BaseModel):
    """Best bounds proven: at most this much served; at least this cost *if* served is optimal.

    ``cost`` is ``None`` unless both served weights are proven optimal.
    """

    model_config = ConfigDict(frozen=True)

    served_vulnerable: int
    served_normal: int
    cost: float | None


class DispatchResult(BaseModel):
    """The outcome of a dispatch.

    Attributes
    ----------
    status
        How the search ended (never blurred: see :class:`SolveStatus`).
    objective, bound
        Objective value and proven bound (served weights by tier, then cost).
    gap
        Relative cost gap to the bound when served weights are proven optimal.
    assignments
        Served orders.
    unserved
        Orders left unserved with their funnel and reasons.
    infeasible_reasons
        Why no solution exists (for ``infeasible``).
    timings
        Seconds spent per phase: ``arrays``, ``candidates``, ``build``, ``solve``, ``explain``.
    """

    model_config = ConfigDict(frozen=True)

    status: SolveStatus
    objective: ObjectiveValue
    bound: ObjectiveBound
    gap: float | None
    runtime: float
    assignments: tuple[Assignment, ...]
    unserved: tuple[Unserved, ...]
    infeasible_reasons: tuple[str, ...] = ()
    num_components: int = 0
    num_edges: int = 0
    timings: dict[str, float] = {}

    def summary(self) -> str:
        """A few readable lines."""
        served = len(self.assignments)
        total = served + len(self.unserved)
        gap = "n/a" if self.gap is None else f"{self.gap:.3%}"
        return (
            f"{self.status.value}: {served}/{total} orders served, cost {self.objective.cost:.1f}, "
            f"gap {gap}, {self.runtime:.2f} s"
        )
