"""``/v1/dispatch``: dispatch orders to volunteers, re-dispatch, and dispatch jobs.

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
from api.schemas import DispatchJob, JobAccepted, RedispatchRequest, RedispatchResponse
from api.settings import Settings
from api.store import JobKind
from matcher import DispatchProblem, DispatchResult

PREFIX = "/v1/dispatch"
router = APIRouter(prefix=PREFIX, tags=["dispatch"])

_EXAMPLES = openapi_examples()


def _limits(settings: Settings, sync: bool) -> worker.Limits:
    return limits(settings, PREFIX, settings.sync_max_orders, settings.max_orders, sync)


@router.post(
    "",
    response_model=DispatchResult,
    summary="Dispatch a small problem now",
    openapi_extra=request_body(DispatchProblem, _EXAMPLES["dispatch"]),
)
async def dispatch_now(request: Request, settings: SettingsDep, pool: PoolDep) -> Response:
    """Dispatch orders and wait for the result (time limit capped by the settings).

    The body is a ``DispatchProblem``. Infeasible or partly served is a 200 with
    reasons per unserved order.
    """
    limits = _limits(settings, sync=True)
    return await solve(request, pool, worker.dispatch_body, limits, settings.sync_time_limit)


@router.post(
    "/redispatch",
    response_model=RedispatchResponse,
    summary="Re-dispatch after changes",
    openapi_extra=request_body(RedispatchRequest, _EXAMPLES["redispatch"]),
)
async def redispatch_now(request: Request, settings: SettingsDep, pool: PoolDep) -> Response:
    """Update a plan after declines, cancellations, new orders or unavailable volunteers.

    The body is a ``RedispatchRequest``. Every other assignment is kept; a
    declined order is never offered again to the volunteer who declined it.
    """
    limits = _limits(settings, sync=True)
    return await solve(request, pool, worker.redispatch_body, limits, settings.sync_time_limit)


@router.post(
    "/jobs",
    response_model=JobAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Submit a dispatch job",
    openapi_extra=request_body(DispatchProblem, _EXAMPLES["dispatch"]),
)
async def submit_job(request: Request, settings: SettingsDep) -> Response:
    """Accept a (large) dispatch problem; poll ``GET /v1/dispatch/jobs/{id}``."""
    limits = _limits(settings, sync=False)
    return await submit(request, JobKind.DISPATCH, PREFIX, limits, settings)


add_job_routes(router, JobKind.DISPATCH, PREFIX, DispatchJob)
