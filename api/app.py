"""The application factory: :func:`create_app`.

The service adds no logic of its own: it validates with the library's models and
runs the library's front doors in worker processes, stores jobs, and maps errors.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI

from api import errors, openapi
from api.deps import api_key_header
from api.middleware import GuardMiddleware
from api.pool import WorkerPool
from api.routers import dispatch, meta, rosters
from api.settings import Settings
from api.store import JobStore

logger = logging.getLogger(__name__)

VERSION = "1.0.0"


def create_app(settings: Settings | None = None) -> FastAPI:
    """A configured FastAPI app (settings from the environment when not given)."""
    settings = settings if settings is not None else Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = JobStore(settings.database)
        pool = WorkerPool(settings, store)
        app.state.store = store
        app.state.pool = pool
        pool.warm_up()
        pool.recover()
        try:
            yield
        finally:
            pool.shutdown()

    app = FastAPI(
        title="Volunteer planner",
        version=VERSION,
        summary="Dispatch residents' orders to volunteers and build duty rosters.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    errors.install(app, settings)
    openapi.install(app)
    guarded = [Depends(api_key_header)]
    for router in (dispatch.router, rosters.router, meta.router):
        app.include_router(router, dependencies=guarded)

    @app.get("/healthz", tags=["health"], summary="Liveness")
    def healthz() -> dict[str, Any]:
        """Whether the service is up, with the pool's load."""
        pool: WorkerPool = app.state.pool
        return {
            "status": "ok",
            "version": VERSION,
            "workers": settings.workers,
            "inflight": pool.inflight,
            "capacity": pool.capacity,
        }

    app.add_middleware(
        GuardMiddleware, api_keys=settings.api_keys, max_body_bytes=settings.max_body_bytes
    )
    return app
