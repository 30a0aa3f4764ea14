"""Error responses: 503 when the queue is full, 500 with an id.

422 and 413 for problems come from the workers that validate them (:mod:`api.worker`).
"""

from __future__ import annotations

import logging
import uuid

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from api.pool import QueueFullError
from api.settings import Settings

logger = logging.getLogger(__name__)


def install(app: FastAPI, settings: Settings) -> None:
    """Register the service's exception handlers."""

    @app.exception_handler(QueueFullError)
    async def queue_full(request: Request, exc: QueueFullError) -> JSONResponse:
        return JSONResponse(
            status_code=503,
            content={"detail": "every worker is busy and the queue is full; retry later"},
            headers={"Retry-After": str(settings.retry_after_seconds)},
        )

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> JSONResponse:
        error_id = uuid.uuid4().hex
        logger.exception("internal error %s on %s %s", error_id, request.method, request.url.path)
        return JSONResponse(
            status_code=500,
            content={"detail": "internal error", "error_id": error_id},
        )
