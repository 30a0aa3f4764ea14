"""``/v1/dispatch``: dispatch orders to volunteers, re-dispatch, and dispatch jobs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Response, status

from api import worker
from api.deps import PoolDep, SettingsDep
from api.errors import too_large
from api.examples import openapi_examples
from api.routers.jobs import accepted, add_job_routes
from api.schemas import DispatchJob, JobAccepted, RedispatchRequest, RedispatchResponse
from api.settings import Settings
from api.store import JobKind
from matcher import DispatchProblem, DispatchResult

PREFIX = "/v1/dispatch"
router = APIRouter(prefix=PREFIX, tags=["dispatch"])


def _check_size(p: DispatchProblem, settings: Settings, sync: bool) -> None:
    limit = settings.sync_max_orders if sync else settings.max_orders
    hint = "submit it to /v1/dispatch/jobs" if sync else ""
    if len(p.orders) > limit:
        raise too_large("orders", len(p.orders), limit, hint)
    if len(p.organization.volunteers) > settings.max_volunteers:
        raise too_large("volunteers", len(p.organization.volunteers), settings.max_volunteers)


def _json_response(text: str) -> Response:
    return Response(content=text, media_type="application/json")


Problem = Annotated[
    DispatchProblem, Body(openapi_examples={"example": openapi_examples()["dispatch"]})
]


@router.post("", response_model=DispatchResult, summary="Dispatch a small problem now")
async def dispatch_now(problem: Problem, settings: SettingsDep, pool: PoolDep) -> Any:
    """Dispatch orders and wait for the result (time limit capped by the settings).

    Infeasible or partly served is a 200 with reasons per unserved order.
    """
    _check_size(problem, settings, sync=True)
    text = await pool.run(worker.solve_dispatch, problem, settings.sync_time_limit)
    return _json_response(text)


Redispatch = Annotated[
    RedispatchRequest, Body(openapi_examples={"example": openapi_examples()["redispatch"]})
]


@router.post("/redispatch", response_model=RedispatchResponse, summary="Re-dispatch after changes")
async def redispatch_now(request: Redispatch, settings: SettingsDep, pool: PoolDep) -> Any:
    """Update a plan after declines, cancellations, new orders or unavailable volunteers.

    Every other assignment is kept; a declined order is never offered again to
    the volunteer who declined it.
    """
    _check_size(request.problem, settings, sync=True)
    text = await pool.run(worker.solve_redispatch, request, settings.sync_time_limit)
    return _json_response(text)


@router.post(
    "/jobs",
    response_model=JobAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Submit a dispatch job",
)
def submit(problem: Problem, response: Response, settings: SettingsDep, pool: PoolDep) -> Any:
    """Accept a (large) dispatch problem; poll ``GET /v1/dispatch/jobs/{id}``."""
    _check_size(problem, settings, sync=False)
    job_id = pool.submit_job(JobKind.DISPATCH, problem.model_dump_json(), settings.job_time_limit)
    return accepted(response, PREFIX + "/jobs", job_id)


add_job_routes(router, JobKind.DISPATCH, PREFIX, DispatchJob)
