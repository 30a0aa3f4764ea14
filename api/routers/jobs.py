"""The job endpoints shared by dispatch and rosters: submit, list, get, stop."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Response, status

from api.deps import StoreDep
from api.schemas import JobAccepted
from api.store import JobKind, JobStore, JobSummary


def accepted(response: Response, prefix: str, job_id: str) -> JobAccepted:
    """The 202 body and Location header of a new job."""
    location = f"{prefix}/{job_id}"
    response.headers["Location"] = location
    return JobAccepted(id=job_id, status="queued", location=location)


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
