"""What runs in the worker processes: validate, check limits, cap the time limit, solve.

Request bodies reach the workers as the raw bytes the client sent: validating
them here (:func:`api.parsing.parse`, which reuses recently seen organizations)
keeps the event loop free and avoids pickling validated models across processes.
Each entry point answers with an HTTP status and a JSON body ready to send:
200 with the result, 413 when the problem exceeds the limits, 422 with pydantic's
field paths when it does not validate.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import NamedTuple, TypeVar

from pydantic import ValidationError

from api.parsing import parse
from api.schemas import RedispatchRequest, RedispatchResponse
from api.store import JobKind, JobStore
from matcher import DispatchProblem, DispatchResult, dispatch, redispatch
from scheduler import RosterProblem, RosterResult, build_roster
from volunteers.control import SolveControl, controlled

logger = logging.getLogger(__name__)

PROGRESS_EVERY_SECONDS = 0.5
"""Least time between two progress writes of a job."""

Answer = tuple[int, bytes]
"""An HTTP status code and its JSON body."""


class Limits(NamedTuple):
    """Size limits of one endpoint."""

    items: int
    """Most orders (dispatch) or shifts (rosters)."""
    volunteers: int
    """Most volunteers in the organization."""
    hint: str = ""
    """Added to the 413 message (where to send a larger problem)."""


def warm_up() -> bool:
    """Import everything once, so that a worker's first real task is not slower."""
    return True


P = TypeVar("P", DispatchProblem, RosterProblem)


def too_large_message(what: str, count: int, limit: int, hint: str = "") -> str:
    """The 413 message naming what is too large."""
    detail = f"problem has {count} {what}, at most {limit} accepted here"
    return detail + (f"; {hint}" if hint else "")


def _too_large(problem: DispatchProblem | RosterProblem, limits: Limits) -> Answer | None:
    if isinstance(problem, DispatchProblem):
        what, count = "orders", len(problem.orders)
    else:
        what, count = "shifts", len(problem.shifts)
    if count > limits.items:
        message = too_large_message(what, count, limits.items, limits.hint)
    elif len(problem.organization.volunteers) > limits.volunteers:
        n = len(problem.organization.volunteers)
        message = too_large_message("volunteers", n, limits.volunteers)
    else:
        return None
    return 413, json.dumps({"detail": message}).encode()


def _invalid(exc: ValidationError) -> Answer:
    """422 with pydantic's errors under ``body`` (as FastAPI reports them), inputs left out."""
    detail = [
        {**e, "loc": ["body", *e["loc"]]}
        for e in exc.errors(include_url=False, include_input=False)
    ]
    return 422, json.dumps({"detail": detail}, default=str).encode()


def _capped(problem: P, time_limit: float) -> P:
    """The problem with its time limit capped."""
    limit = min(problem.params.time_limit, time_limit)
    params = problem.params.model_copy(update={"time_limit": limit})
    return problem.model_copy(update={"params": params})


M = TypeVar("M", DispatchProblem, RosterProblem, RedispatchRequest)


def _admit(
    body: bytes, model: type[M], limits: Limits, path: tuple[str, ...] = ("organization",)
) -> M | Answer:
    """The validated body, or the answer refusing it (422 invalid, 413 too large)."""
    try:
        value = parse(body, model, path)
    except ValidationError as exc:
        return _invalid(exc)
    problem = value.problem if isinstance(value, RedispatchRequest) else value
    refused = _too_large(problem, limits)
    return value if refused is None else refused


def dispatch_body(body: bytes, limits: Limits, time_limit: float) -> Answer:
    """Validate a dispatch problem, check its size, dispatch it: the result as JSON."""
    problem = _admit(body, DispatchProblem, limits)
    if isinstance(problem, tuple):
        return problem
    return 200, dispatch(_capped(problem, time_limit)).model_dump_json().encode()


def redispatch_body(body: bytes, limits: Limits, time_limit: float) -> Answer:
    """Validate a re-dispatch request and run it: the updated problem and result as JSON."""
    req = _admit(body, RedispatchRequest, limits, ("problem", "organization"))
    if isinstance(req, tuple):
        return req
    updated, result = redispatch(
        _capped(req.problem, time_limit),
        req.previous,
        declined=req.declined,
        cancelled=req.cancelled,
        new_orders=req.new_orders,
        unavailable=req.unavailable,
    )
    return 200, RedispatchResponse(problem=updated, result=result).model_dump_json().encode()


def roster_body(body: bytes, limits: Limits, time_limit: float) -> Answer:
    """Validate a roster problem, check its size, build the roster: the result as JSON."""
    problem = _admit(body, RosterProblem, limits)
    if isinstance(problem, tuple):
        return problem
    return 200, build_roster(_capped(problem, time_limit)).model_dump_json().encode()


def accept_job(body: bytes, kind: JobKind, limits: Limits) -> Answer:
    """Validate a job's problem and check its size (200 with an empty body when it may run).

    Called by the server itself (in a thread), not in a worker.
    """
    if kind == JobKind.DISPATCH:
        admitted: DispatchProblem | RosterProblem | Answer = _admit(body, DispatchProblem, limits)
    else:
        admitted = _admit(body, RosterProblem, limits)
    return admitted if isinstance(admitted, tuple) else (200, b"")


def run_job(database: str, job_id: str) -> str:
    """Run one stored job to its end, writing progress and the result to the store.

    Returns the job's final status. Never raises: a failure is stored as the
    job's error (the traceback goes to the log, not to the client).
    """
    store = JobStore(Path(database))
    if not store.start(job_id):
        return "cancelled"
    kind, problem_json, time_limit, _ = store.load(job_id)
    last = [0.0]

    def on_progress(values: dict[str, float]) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY_SECONDS:
            last[0] = now
            store.progress(job_id, values)

    control = SolveControl(
        should_stop=lambda: store.stop_requested(job_id), on_progress=on_progress
    )
    try:
        with controlled(control):
            if kind == JobKind.DISPATCH:
                dproblem = parse(problem_json, DispatchProblem)
                dres: DispatchResult = dispatch(_capped(dproblem, time_limit))
                out = dres.model_dump_json()
            else:
                rproblem = parse(problem_json, RosterProblem)
                rres: RosterResult = build_roster(_capped(rproblem, time_limit))
                out = rres.model_dump_json()
    except Exception as exc:  # a job must end with a status, whatever happens
        logger.exception("job %s failed", job_id)
        store.fail(job_id, f"{type(exc).__name__}: {exc}")
        return "failed"
    store.finish(job_id, out)
    return "finished"
