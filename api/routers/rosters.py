"""``/v1/rosters``: build duty rosters now or as jobs.

Bodies are read raw and validated in a worker (:mod:`api.worker`); their schemas
and examples are documented with :func:`api.openapi.request_body`.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from api import worker
from api.deps import PoolDep, SettingsDep
from api.examples import openapi_examples
from api.openapi import request_body
from api.routers.jobs import add_job_routes, limits, solve, submit
from api.schemas import JobAccepted, RosterJob
from api.settings import Settings
from api.store import JobKind
from scheduler import RosterProblem, RosterResult

PREFIX = "/v1/rosters"
router = APIRouter(prefix=PREFIX, tags=["rosters"])

_BODY = request_body(RosterProblem, openapi_examples()["roster"])


def _limits(settings: Settings, sync: bool) -> worker.Limits:
    return limits(settings, PREFIX, settings.sync_max_shifts, settings.max_shifts, sync)


@router.post(
    "",
    response_model=RosterResult,
    summary="Build a small roster now",
    openapi_extra=_BODY,
)
async def roster_now(request: Request, settings: SettingsDep, pool: PoolDep) -> Response:
    """Build a roster and wait for it (time limit capped by the settings).

    The body is a ``RosterProblem``. Infeasible is a 200 with reasons; every
    unfilled seat comes with its reasons.
    """
    limits = _limits(settings, sync=True)
    return await solve(request, pool, worker.roster_body, limits, settings.sync_time_limit)


@router.post(
    "/jobs",
    response_model=JobAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Submit a roster job",
    openapi_extra=_BODY,
)
async def submit_job(request: Request, settings: SettingsDep) -> Response:
    """Accept a roster problem (a week or more); poll ``GET /v1/rosters/jobs/{id}``."""
    limits = _limits(settings, sync=False)
    return await submit(request, JobKind.ROSTER, PREFIX, limits, settings)


add_job_routes(router, JobKind.ROSTER, PREFIX, RosterJob)
