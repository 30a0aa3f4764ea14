"""The job endpoints shared by dispatch and rosters: submit, list, get, stop."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.concurrency import run_in_threadpool

from api import worker
from api.deps import StoreDep
from api.pool import WorkerPool
from api.schemas import JobAccepted
from api.settings import Settings
from api.store import JobKind, JobStore, JobSummary


def limits(
    settings: Settings, prefix: str, sync_items: int, job_items: int, sync: bool
) -> worker.Limits:
    """An endpoint's size limits: ``sync_items`` answered now, ``job_items`` as a job.

    Beyond the synchronous limit, the 413 points to the job endpoint.
    """
    if sync:
        return worker.Limits(sync_items, settings.max_volunteers, f"submit it to {prefix}/jobs")
    return worker.Limits(job_items, settings.max_volunteers)


def json_response(answer: worker.Answer) -> Response:
    """A worker's (status, JSON body) answer as a response."""
    status_code, content = answer
    return Response(content=content, status_code=status_code, media_type="application/json")


async def solve(
    request: Request, pool: WorkerPool, fn: Any, limits: worker.Limits, time_limit: float
) -> Response:
    """Hand the raw body to ``fn`` in a worker (it validates, checks limits and solves)."""
    body = await request.body()
    return json_response(await pool.run(fn, body, limits, time_limit))


async def submit(
    request: Request, kind: JobKind, prefix: str, limits: worker.Limits, settings: Settings
) -> Response:
    """Validate a job's body, store it, queue it: 202 with its location.

    Validation runs in a thread of the server, not in a worker: a job is accepted
    (or refused with 422 or 413) at once even while every worker is busy.

    ``prefix`` is the router's (``/v1/dispatch``); the job is at ``{prefix}/jobs/{id}``.
    """
    pool: WorkerPool = request.app.state.pool
    body = await request.body()
    answer = await run_in_threadpool(worker.accept_job, body, kind, limits)
    if answer[0] != 200:
        return json_response(answer)
    job_id = await run_in_threadpool(pool.submit_job, kind, body.decode(), settings.job_time_limit)
    location = f"{prefix}/jobs/{job_id}"
    accepted = JobAccepted(id=job_id, status="queued", location=location)
    return Response(
        content=accepted.model_dump_json(),
        status_code=status.HTTP_202_ACCEPTED,
        headers={"Location": location},
        media_type="application/json",
    )


def job_body(store: JobStore, kind: JobKind, job_id: str, status_code: int = 200) -> Response:
    """A job's summary and stored result as a JSON response (404 when unknown).

    The result is stored as the JSON the worker wrote; it is spliced in as is,
    not parsed and validated again (that costs as much as the solve for a big
    roster).
    """
    summary = store.summary(job_id, kind)
    if summary is None:
        raise HTTPException(status_code=404, detail=f"no {kind.value} job {job_id!r}")
    raw = store.result_json(job_id)
    head = summary.model_dump_json()
    body = f'{head[:-1]},"result":{raw if raw is not None else "null"}}}'
    return Response(content=body, media_type="application/json", status_code=status_code)


def add_job_routes(router: APIRouter, kind: JobKind, prefix: str, job_model: type[Any]) -> None:
    """GET list, GET one and DELETE routes for the jobs of ``kind``."""

    @router.get("/jobs", response_model=list[JobSummary], summary=f"List {kind.value} jobs")
    def list_jobs(store: StoreDep, limit: int = 100) -> list[JobSummary]:
        """The most recent jobs, newest first (without inputs or results)."""
        return store.recent(kind, max(1, min(limit, 1000)))

    @router.get("/jobs/{job_id}", response_model=job_model, summary=f"Get a {kind.value} job")
    def get_job(job_id: str, store: StoreDep) -> Any:
        """Status, progress (best objective and bound so far) and the result once there is one."""
        return job_body(store, kind, job_id)

    @router.delete(
        "/jobs/{job_id}",
        response_model=job_model,
        status_code=status.HTTP_202_ACCEPTED,
        summary=f"Stop a {kind.value} job",
    )
    def stop_job(job_id: str, store: StoreDep) -> Any:
        """Stop a job: a queued one is cancelled; a running one stops and keeps its best result."""
        if store.request_stop(job_id) is None:
            raise HTTPException(status_code=404, detail=f"no {kind.value} job {job_id!r}")
        return job_body(store, kind, job_id, status.HTTP_202_ACCEPTED)
