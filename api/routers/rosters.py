"""``/v1/rosters``: build duty rosters now or as jobs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Response, status

from api import worker
from api.deps import PoolDep, SettingsDep
from api.errors import too_large
from api.examples import openapi_examples
from api.routers.jobs import accepted, add_job_routes
from api.schemas import JobAccepted, RosterJob
from api.settings import Settings
from api.store import JobKind
from scheduler import RosterProblem, RosterResult

PREFIX = "/v1/rosters"
router = APIRouter(prefix=PREFIX, tags=["rosters"])

Problem = Annotated[RosterProblem, Body(openapi_examples={"example": openapi_examples()["roster"]})]


def _check_size(p: RosterProblem, settings: Settings, sync: bool) -> None:
    limit = settings.sync_max_shifts if sync else settings.max_shifts
    hint = "submit it to /v1/rosters/jobs" if sync else ""
    if len(p.shifts) > limit:
        raise too_large("shifts", len(p.shifts), limit, hint)
    if len(p.organization.volunteers) > settings.max_volunteers:
        raise too_large("volunteers", len(p.organization.volunteers), settings.max_volunteers)


@router.post("", response_model=RosterResult, summary="Build a small roster now")
async def roster_now(problem: Problem, settings: SettingsDep, pool: PoolDep) -> Any:
    """Build a roster and wait for it (time limit capped by the settings).

    Infeasible is a 200 with reasons; every unfilled seat comes with its reasons.
    """
    _check_size(problem, settings, sync=True)
    text = await pool.run(worker.solve_roster, problem, settings.sync_time_limit)
    return Response(content=text, media_type="application/json")


@router.post(
    "/jobs",
    response_model=JobAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Submit a roster job",
)
def submit(problem: Problem, response: Response, settings: SettingsDep, pool: PoolDep) -> Any:
    """Accept a roster problem (a week or more); poll ``GET /v1/rosters/jobs/{id}``."""
    _check_size(problem, settings, sync=False)
    job_id = pool.submit_job(JobKind.ROSTER, problem.model_dump_json(), settings.job_time_limit)
    return accepted(response, PREFIX + "/jobs", job_id)


add_job_routes(router, JobKind.ROSTER, PREFIX, RosterJob)
