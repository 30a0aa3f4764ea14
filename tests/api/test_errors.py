"""Bad input, limits and access: 422 with field paths, 413, 503 with Retry-After, 401, 500."""

from __future__ import annotations

import copy
import time
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.examples import openapi_examples
from api.pool import WorkerPool
from tests.api.conftest import make_client
from tests.api.slow import wait_then_echo


def example(name: str) -> Any:
    """A fresh copy of an example request body."""
    return copy.deepcopy(openapi_examples()[name]["value"])


def test_malformed_json(client: TestClient) -> None:
    """Not JSON: 422 naming the position."""
    r = client.post(
        "/v1/dispatch", content=b'{"orders": [', headers={"content-type": "application/json"}
    )
    assert r.status_code == 422
    assert r.json()["detail"][0]["type"] == "json_invalid"


def test_unknown_skill(client: TestClient) -> None:
    """An order requiring an unknown skill: 422 naming the order and the skill."""
    body = example("dispatch")
    body["organization"]["skills"] = [{"code": "elder_care"}, {"code": "cleaning"}]
    body["orders"][0]["skills"] = ["juggling"]
    r = client.post("/v1/dispatch", json=body)
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert all(d["loc"][0] == "body" and "input" not in d for d in detail)
    messages = " ".join(d["msg"] for d in detail)
    assert "o1" in messages
    assert "juggling" in messages


def test_problem_too_large_for_sync(tmp_path: Path) -> None:
    """More orders than the synchronous limit: 413 pointing to jobs; the job endpoint takes it."""
    with make_client(tmp_path, sync_max_orders=1) as c:
        r = c.post("/v1/dispatch", json=example("dispatch"))
        assert r.status_code == 413
        assert "/v1/dispatch/jobs" in r.json()["detail"]
        assert c.post("/v1/dispatch/jobs", json=example("dispatch")).status_code == 202


def test_body_too_large(tmp_path: Path) -> None:
    """A body over the byte limit: 413 before parsing, with or without a declared length."""
    with make_client(tmp_path, max_body_bytes=200) as c:
        r = c.post("/v1/rosters", json=example("roster"))
        assert r.status_code == 413

        def chunks() -> Any:
            yield b'{"a": "' + b"x" * 300
            yield b'"}'

        r = c.post("/v1/rosters", content=chunks(), headers={"content-type": "application/json"})
        assert r.status_code == 413


def test_queue_full(tmp_path: Path) -> None:
    """One worker busy and no queue: 503 with Retry-After; accepted again once it is free."""
    with make_client(tmp_path, queue_size=0, retry_after_seconds=7) as c:
        app: FastAPI = c.app  # type: ignore[assignment]
        pool: WorkerPool = app.state.pool
        assert c.portal is not None
        busy = c.portal.start_task_soon(pool.run, wait_then_echo, "x", 1.5)
        while pool.inflight == 0:
            time.sleep(0.01)
        r = c.post("/v1/rosters", json=example("roster"))
        assert r.status_code == 503
        assert r.headers["retry-after"] == "7"
        assert c.post("/v1/rosters/jobs", json=example("roster")).status_code == 503
        assert busy.result(timeout=30) == "x"
        assert c.post("/v1/rosters", json=example("roster")).status_code == 200


def test_stop_a_queued_job(tmp_path: Path) -> None:
    """DELETE on a job still waiting: cancelled, and the worker never runs it."""
    with make_client(tmp_path, queue_size=1) as c:
        app: FastAPI = c.app  # type: ignore[assignment]
        pool: WorkerPool = app.state.pool
        assert c.portal is not None
        busy = c.portal.start_task_soon(pool.run, wait_then_echo, "x", 1.0)
        while pool.inflight == 0:
            time.sleep(0.01)
        url = c.post("/v1/rosters/jobs", json=example("roster")).headers["location"]
        assert c.delete(url).json()["status"] == "cancelled"
        busy.result(timeout=30)
        while pool.inflight:
            time.sleep(0.05)
        job = c.get(url).json()
        assert job["status"] == "cancelled"
        assert job["result"] is None


def test_api_keys(tmp_path: Path) -> None:
    """With keys configured, /v1 needs one (401 otherwise, even on bad bodies); healthz does not."""
    with make_client(tmp_path, api_keys=("secret",)) as c:
        assert c.get("/v1/team-models").status_code == 401
        assert c.post("/v1/rosters/jobs", content=b"{oops").status_code == 401
        assert c.get("/v1/rosters/jobs").status_code == 401
        assert c.get("/v1/team-models", headers={"X-API-Key": "wrong"}).status_code == 401
        assert c.get("/v1/team-models", headers={"X-API-Key": "secret"}).status_code == 200
        assert c.get("/healthz").status_code == 200


def test_internal_error_has_an_id(tmp_path: Path) -> None:
    """An unexpected exception: 500 with an error id, no traceback in the body."""
    with make_client(tmp_path) as c:
        app: FastAPI = c.app  # type: ignore[assignment]

        @app.get("/boom")
        def boom() -> None:
            raise RuntimeError("secret detail")

        c2 = TestClient(app, raise_server_exceptions=False)
        r = c2.get("/boom")
        assert r.status_code == 500
        assert r.json()["error_id"]
        assert "secret detail" not in r.text
