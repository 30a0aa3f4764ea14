"""What runs in the worker processes: cap the time limit, solve, serialize.

Synchronous requests hand over the problem the server already validated
(pickled by the pool: measured 7 ms for a 500-volunteer problem, against 17 ms to
dump and re-validate its JSON); jobs are read from the store as JSON and
validated here. Results come back as JSON text, ready to send.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TypeVar

from api.schemas import RedispatchRequest, RedispatchResponse
from api.store import JobKind, JobStore
from matcher import DispatchProblem, DispatchResult, dispatch, redispatch
from scheduler import RosterProblem, RosterResult, build_roster
from volunteers.control import SolveControl, controlled

logger = logging.getLogger(__name__)

PROGRESS_EVERY_SECONDS = 0.5
"""Least time between two progress writes of a job."""


def warm_up() -> bool:
    """Import everything once, so that a worker's first real task is not slower."""
    return True


P = TypeVar("P", DispatchProblem, RosterProblem)


def _capped(problem: P | str, kind: type[P], time_limit: float) -> P:
    """The problem (validated from JSON when given as text) with its time limit capped."""
    if isinstance(problem, str):
        # Interning shares identical availabilities (faster to validate and to grid).
        problem = kind.model_validate_json(problem, context={"intern": {}})
    limit = min(problem.params.time_limit, time_limit)
    params = problem.params.model_copy(update={"time_limit": limit})
    return problem.model_copy(update={"params": params})


def solve_dispatch(problem: DispatchProblem, time_limit: float) -> str:
    """Dispatch a validated problem with its time limit capped; the result as JSON."""
    return dispatch(_capped(problem, DispatchProblem, time_limit)).model_dump_json()


def solve_redispatch(req: RedispatchRequest, time_limit: float) -> str:
    """Re-dispatch a validated request; the response (problem and result) as JSON."""
    updated, result = redispatch(
        _capped(req.problem, DispatchProblem, time_limit),
        req.previous,
        declined=req.declined,
        cancelled=req.cancelled,
        new_orders=req.new_orders,
        unavailable=req.unavailable,
    )
    return RedispatchResponse(problem=updated, result=result).model_dump_json()


def solve_roster(problem: RosterProblem, time_limit: float) -> str:
    """Build a roster for a validated problem with its time limit capped; the result as JSON."""
    return build_roster(_capped(problem, RosterProblem, time_limit)).model_dump_json()


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
                dres: DispatchResult = dispatch(_capped(problem_json, DispatchProblem, time_limit))
                out = dres.model_dump_json()
            else:
                rres: RosterResult = build_roster(_capped(problem_json, RosterProblem, time_limit))
                out = rres.model_dump_json()
    except Exception as exc:  # a job must end with a status, whatever happens
        logger.exception("job %s failed", job_id)
        store.fail(job_id, f"{type(exc).__name__}: {exc}")
        return "failed"
    store.finish(job_id, out)
    return "finished"
