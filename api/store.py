"""Jobs persisted in an embedded SQLite database: inputs, status, progress, results.

Worker processes write to it directly (WAL mode), so a result is kept even if the
server stops right after the solve. The server re-queues unfinished jobs on start.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict


class JobKind(StrEnum):
    """What a job solves."""

    DISPATCH = "dispatch"
    ROSTER = "roster"


class JobStatus(StrEnum):
    """Where a job is.

    ``queued``: accepted, waiting for a worker. ``running``: being solved.
    ``stopping``: asked to stop, finishing with its best so far. ``done``:
    finished (the result may still say infeasible or time limit). ``stopped``:
    stopped on request, with the best result found. ``cancelled``: stopped
    before it started. ``failed``: could not be solved (see ``error``).
    """

    QUEUED = "queued"
    RUNNING = "running"
    STOPPING = "stopping"
    DONE = "done"
    STOPPED = "stopped"
    CANCELLED = "cancelled"
    FAILED = "failed"


UNFINISHED = (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.STOPPING)


class JobSummary(BaseModel):
    """A job without its input and result."""

    model_config = ConfigDict(frozen=True)

    id: str
    kind: JobKind
    status: JobStatus
    created: float
    started: float | None = None
    finished: float | None = None
    progress: dict[str, float] | None = None
    error: str | None = None
    attempts: int = 0


SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    created REAL NOT NULL,
    started REAL,
    finished REAL,
    time_limit REAL NOT NULL,
    problem TEXT NOT NULL,
    result TEXT,
    progress TEXT,
    error TEXT,
    stop INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0
)
"""


class JobStore:
    """The job table of one SQLite file (safe to open from several processes)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        try:
            yield db
        finally:
            db.close()

    def create(self, kind: JobKind, problem_json: str, time_limit: float) -> str:
        """Store a new queued job; its id."""
        job_id = uuid.uuid4().hex
        with self._connect() as db:
            db.execute(
                "INSERT INTO jobs (id, kind, status, created, time_limit, problem) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (job_id, kind.value, JobStatus.QUEUED.value, time.time(), time_limit, problem_json),
            )
        return job_id

    def summary(self, job_id: str, kind: JobKind | None = None) -> JobSummary | None:
        """A job's summary, or ``None`` when unknown (or of another kind)."""
        with self._connect() as db:
            row = db.execute(
                "SELECT id, kind, status, created, started, finished, progress, error, attempts "
                "FROM jobs WHERE id = ?",
                (job_id,),
            ).fetchone()
        if row is None or (kind is not None and row[1] != kind.value):
            return None
        return _summary(row)

    def result_json(self, job_id: str) -> str | None:
        """The stored result (JSON text) of a job, if any."""
        with self._connect() as db:
            row = db.execute("SELECT result FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return None if row is None else row[0]

    def recent(self, kind: JobKind, limit: int = 100) -> list[JobSummary]:
        """The most recent jobs of a kind."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT id, kind, status, created, started, finished, progress, error, attempts "
                "FROM jobs WHERE kind = ? ORDER BY created DESC LIMIT ?",
                (kind.value, limit),
            ).fetchall()
        return [_summary(r) for r in rows]

    def unfinished(self) -> list[tuple[str, JobKind]]:
        """Jobs queued or running (left so by a stopped server), oldest first."""
        marks = ",".join("?" for _ in UNFINISHED)
        with self._connect() as db:
            rows = db.execute(
                f"SELECT id, kind FROM jobs WHERE status IN ({marks}) ORDER BY created",
                [s.value for s in UNFINISHED],
            ).fetchall()
        return [(r[0], JobKind(r[1])) for r in rows]

    def load(self, job_id: str) -> tuple[JobKind, str, float, bool]:
        """Kind, problem JSON, time limit, and whether a stop was requested."""
        with self._connect() as db:
            row = db.execute(
                "SELECT kind, problem, time_limit, stop FROM jobs WHERE id = ?", (job_id,)
            ).fetchone()
        return JobKind(row[0]), row[1], float(row[2]), bool(row[3])

    def start(self, job_id: str) -> bool:
        """Mark a queued job running; false when it was cancelled meanwhile."""
        with self._connect() as db:
            cur = db.execute(
                "UPDATE jobs SET status = ?, started = ?, attempts = attempts + 1 "
                "WHERE id = ? AND status IN (?, ?)",
                (
                    JobStatus.RUNNING.value,
                    time.time(),
                    job_id,
                    JobStatus.QUEUED.value,
                    JobStatus.RUNNING.value,
                ),
            )
            if cur.rowcount == 1:
                return True
            row = db.execute("SELECT status FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is not None and row[0] == JobStatus.STOPPING.value:
                db.execute(
                    "UPDATE jobs SET status = ?, started = ?, attempts = attempts + 1 WHERE id = ?",
                    (JobStatus.STOPPING.value, time.time(), job_id),
                )
                return True
            return False

    def stop_requested(self, job_id: str) -> bool:
        """Whether someone asked this job to stop."""
        with self._connect() as db:
            row = db.execute("SELECT stop FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return bool(row and row[0])

    def request_stop(self, job_id: str) -> JobSummary | None:
        """Ask a job to stop: a queued one is cancelled, a running one stops with its best."""
        now = time.time()
        with self._connect() as db:
            db.execute(
                "UPDATE jobs SET stop = 1, status = ?, finished = ? WHERE id = ? AND status = ?",
                (JobStatus.CANCELLED.value, now, job_id, JobStatus.QUEUED.value),
            )
            db.execute(
                "UPDATE jobs SET stop = 1, status = ? WHERE id = ? AND status = ?",
                (JobStatus.STOPPING.value, job_id, JobStatus.RUNNING.value),
            )
        return self.summary(job_id)

    def progress(self, job_id: str, values: dict[str, float]) -> None:
        """Record the latest progress of a running job."""
        with self._connect() as db:
            db.execute("UPDATE jobs SET progress = ? WHERE id = ?", (json.dumps(values), job_id))

    def finish(self, job_id: str, result_json: str) -> None:
        """Store a job's result: ``done``, or ``stopped`` when a stop had been asked."""
        with self._connect() as db:
            db.execute(
                "UPDATE jobs SET result = ?, finished = ?, "
                "status = CASE WHEN stop = 1 THEN ? ELSE ? END WHERE id = ?",
                (
                    result_json,
                    time.time(),
                    JobStatus.STOPPED.value,
                    JobStatus.DONE.value,
                    job_id,
                ),
            )

    def fail(self, job_id: str, error: str) -> None:
        """Mark a job failed, with the reason."""
        with self._connect() as db:
            db.execute(
                "UPDATE jobs SET status = ?, error = ?, finished = ? WHERE id = ?",
                (JobStatus.FAILED.value, error, time.time(), job_id),
            )

    def requeue(self, job_id: str) -> None:
        """Put an unfinished job back in the queue (after a restart)."""
        with self._connect() as db:
            db.execute(
                "UPDATE jobs SET status = CASE WHEN stop = 1 THEN ? ELSE ? END WHERE id = ?",
                (JobStatus.STOPPING.value, JobStatus.QUEUED.value, job_id),
            )


def _summary(row: tuple[Any, ...]) -> JobSummary:
    return JobSummary(
        id=row[0],
        kind=JobKind(row[1]),
        status=JobStatus(row[2]),
        created=row[3],
        started=row[4],
        finished=row[5],
        progress=json.loads(row[6]) if row[6] else None,
        error=row[7],
        attempts=row[8],
    )
