"""Shared request dependencies: the settings, the job store and the worker pool of the app."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader

from api.pool import WorkerPool
from api.settings import Settings
from api.store import JobStore

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)
"""Declares the key in the OpenAPI document; the check itself is middleware (before parsing)."""


def settings(request: Request) -> Settings:
    """The app's settings."""
    value: Settings = request.app.state.settings
    return value


def store(request: Request) -> JobStore:
    """The app's job store."""
    value: JobStore = request.app.state.store
    return value


def pool(request: Request) -> WorkerPool:
    """The app's worker pool."""
    value: WorkerPool = request.app.state.pool
    return value


SettingsDep = Annotated[Settings, Depends(settings)]
StoreDep = Annotated[JobStore, Depends(store)]
PoolDep = Annotated[WorkerPool, Depends(pool)]
