"""Request and response envelopes: only where an endpoint takes or returns several models.

Everything inside is the library's own pydantic models (no duplicated schemas).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.store import JobSummary
from matcher import DispatchProblem, DispatchResult, Exclusion, Order
from scheduler import RosterResult
from volunteers.teams import TeamModel


class RedispatchRequest(BaseModel):
    """A plan to update: the problem it solved, its result, and what changed."""

    model_config = ConfigDict(extra="forbid")

    problem: DispatchProblem
    previous: DispatchResult
    declined: tuple[Exclusion, ...] = ()
    cancelled: tuple[str, ...] = ()
    new_orders: tuple[Order, ...] = ()
    unavailable: tuple[str, ...] = ()


class RedispatchResponse(BaseModel):
    """The updated problem (declines recorded as exclusions) and its result."""

    problem: DispatchProblem
    result: DispatchResult


class JobAccepted(BaseModel):
    """A job was accepted: poll ``location``."""

    id: str
    status: str
    location: str


class DispatchJob(JobSummary):
    """A dispatch job, with its result once there is one."""

    result: DispatchResult | None = None


class RosterJob(JobSummary):
    """A roster job, with its result once there is one."""

    result: RosterResult | None = None


class TeamModels(BaseModel):
    """The built-in team-model catalogs, by name."""

    models: dict[str, TeamModel]


class ErrorBody(BaseModel):
    """An error the service returns (besides 422's field list)."""

    detail: str
    error_id: str | None = None
    extra: dict[str, Any] = Field(default_factory=dict)
