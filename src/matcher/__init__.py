"""Dispatch residents' orders to teams and volunteers (点单 -> 派单).

The front door is :func:`dispatch`; :func:`check` verifies any result
independently; :func:`redispatch` handles declines, cancellations and new
orders while keeping the rest of the plan.
"""

from matcher.model import (
    DEFAULT_PRIORITY_WEIGHTS,
    NORMAL,
    Commitment,
    DispatchParams,
    DispatchProblem,
    Exclusion,
    ObjectiveWeights,
    Order,
    Pin,
    ServiceItem,
)
from matcher.redispatch import redispatch
from matcher.result import (
    AssignedVolunteer,
    Assignment,
    CostBreakdown,
    DispatchResult,
    Funnel,
    ObjectiveBound,
    ObjectiveValue,
    SolveStatus,
    Unserved,
)
from matcher.solve import dispatch

__all__ = [
    "DEFAULT_PRIORITY_WEIGHTS",
    "NORMAL",
    "AssignedVolunteer",
    "Assignment",
    "Commitment",
    "CostBreakdown",
    "DispatchParams",
    "DispatchProblem",
    "DispatchResult",
    "Exclusion",
    "Funnel",
    "ObjectiveBound",
    "ObjectiveValue",
    "ObjectiveWeights",
    "Order",
    "Pin",
    "ServiceItem",
    "SolveStatus",
    "Unserved",
    "dispatch",
    "redispatch",
]
