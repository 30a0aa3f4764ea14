"""The bounded pool of worker processes that runs every solve.

The event loop never runs a solver: synchronous endpoints await a worker, jobs
are handed to one and tracked in the :class:`~api.store.JobStore`. At most
``workers + queue_size`` solves are accepted at a time; beyond, :class:`QueueFullError`
(the API answers 503 with Retry-After).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from api import worker
from api.settings import Settings
from api.store import JobKind, JobStore

logger = logging.getLogger(__name__)

T = TypeVar("T")

MAX_ATTEMPTS = 2
"""A job whose worker process dies is retried once, then marked failed."""


class QueueFullError(Exception):
    """Every worker is busy and the queue is full."""


class WorkerPool:
    """Worker processes with a bounded number of solves in flight."""

    def __init__(self, settings: Settings, store: JobStore) -> None:
        self.settings = settings
        self.store = store
        self.capacity = settings.workers + settings.queue_size
        self._lock = threading.Lock()
        self._inflight = 0
        self._executor = self._new_executor()

    def _new_executor(self) -> ProcessPoolExecutor:
        # spawn: a fresh interpreter per worker (no fork of the server's threads).
        ctx = multiprocessing.get_context("spawn")
        return ProcessPoolExecutor(max_workers=self.settings.workers, mp_context=ctx)

    @property
    def inflight(self) -> int:
        """Solves accepted and not finished."""
        return self._inflight

    def _acquire(self, force: bool = False) -> None:
        with self._lock:
            if not force and self._inflight >= self.capacity:
                raise QueueFullError
            self._inflight += 1

    def _release(self, _: object = None) -> None:
        with self._lock:
            self._inflight -= 1

    def warm_up(self) -> None:
        """Start every worker process now rather than on the first request."""
        futures = [self._executor.submit(worker.warm_up) for _ in range(self.settings.workers)]
        for f in futures:
            f.result(timeout=120)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` in a worker and await its answer (raises :class:`QueueFullError`)."""
        self._acquire()
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._executor, fn, *args)
        except BrokenProcessPool:
            self._restart()
            raise
        finally:
            self._release()

    def submit_job(self, kind: JobKind, payload: str, time_limit: float) -> str:
        """Store a job and hand it to a worker; its id (raises :class:`QueueFullError`)."""
        self._acquire()
        try:
            job_id = self.store.create(kind, payload, time_limit)
        except BaseException:
            self._release()
            raise
        self._dispatch_job(job_id)
        return job_id

    def _dispatch_job(self, job_id: str) -> None:
        future = self._executor.submit(worker.run_job, str(self.store.path), job_id)
        future.add_done_callback(lambda f: self._job_done(job_id, f))

    def _job_done(self, job_id: str, future: Future[str]) -> None:
        self._release()
        if future.cancelled():
            return
        exc = future.exception()
        if exc is None:
            return
        logger.error("worker for job %s ended abnormally: %r", job_id, exc)
        summary = self.store.summary(job_id)
        if isinstance(exc, BrokenProcessPool):
            self._restart()
            if summary is not None and summary.attempts < MAX_ATTEMPTS:
                self.store.requeue(job_id)
                self._acquire(force=True)
                self._dispatch_job(job_id)
                return
        self.store.fail(job_id, f"worker process failed: {type(exc).__name__}")

    def _restart(self) -> None:
        with self._lock:
            old, self._executor = self._executor, self._new_executor()
        old.shutdown(wait=False, cancel_futures=True)

    def recover(self) -> int:
        """Re-queue the jobs a previous server left unfinished; how many."""
        jobs = self.store.unfinished()
        for job_id, _ in jobs:
            self.store.requeue(job_id)
            self._acquire(force=True)  # accepted before: not subject to the queue bound
            self._dispatch_job(job_id)
        if jobs:
            logger.info("re-queued %d unfinished jobs", len(jobs))
        return len(jobs)

    def shutdown(self) -> None:
        """Stop accepting work; running jobs stay ``running`` and resume on the next start."""
        self._executor.shutdown(wait=False, cancel_futures=True)
