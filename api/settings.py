"""Service settings (pydantic-settings): environment variables ``VOLUNTEER_API_*``.

Example::

    VOLUNTEER_API_API_KEYS='["k1", "k2"]' VOLUNTEER_API_WORKERS=2 make serve
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Limits, worker pool, job store and access of the HTTP service.

    Parameters
    ----------
    api_keys
        Accepted values of the ``X-API-Key`` header; empty: no key required.
    max_body_bytes
        Largest request body; above it the answer is 413.
    max_orders, max_volunteers, max_shifts
        Largest problem accepted by job endpoints (413 above).
    sync_max_orders, sync_max_shifts
        Largest problem accepted by the synchronous endpoints (413 above:
        submit a job instead).
    sync_time_limit, job_time_limit
        Caps on a problem's ``params.time_limit`` (seconds).
    workers
        Worker processes that run solves.
    queue_size
        Solves that may wait for a worker; beyond, 503 with Retry-After.
    retry_after_seconds
        The Retry-After of a 503.
    data_dir
        Where the job database lives (``jobs.sqlite3``).
    """

    model_config = SettingsConfigDict(env_prefix="VOLUNTEER_API_", frozen=True)

    api_keys: tuple[str, ...] = ()
    max_body_bytes: int = Field(default=50_000_000, ge=1)
    max_orders: int = Field(default=20_000, ge=1)
    max_volunteers: int = Field(default=200_000, ge=1)
    max_shifts: int = Field(default=50_000, ge=1)
    sync_max_orders: int = Field(default=500, ge=1)
    sync_max_shifts: int = Field(default=2_000, ge=1)
    sync_time_limit: float = Field(default=10.0, gt=0.0)
    job_time_limit: float = Field(default=600.0, gt=0.0)
    workers: int = Field(default=2, ge=1)
    queue_size: int = Field(default=16, ge=0)
    retry_after_seconds: int = Field(default=5, ge=1)
    data_dir: Path = Path("data")

    @property
    def database(self) -> Path:
        """The SQLite file of the job store."""
        return self.data_dir / "jobs.sqlite3"
