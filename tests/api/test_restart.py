"""A real uvicorn process on 127.0.0.1: a roster job survives a killed and restarted server."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx

from scheduler import RosterParams, RosterResult
from scheduler.check import check
from scheduler.synth import synthetic_roster
from volunteers.synth import generate_county


def free_port() -> int:
    """A TCP port nobody listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_server(port: int, data_dir: Path) -> subprocess.Popen[bytes]:
    """``python -m api`` in its own process group; returns once /healthz answers."""
    env = dict(os.environ, VOLUNTEER_API_DATA_DIR=str(data_dir), VOLUNTEER_API_WORKERS="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "api", "--port", str(port), "--log-level", "warning"],
        env=env,
        start_new_session=True,
    )
    end = time.monotonic() + 60
    while time.monotonic() < end:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1.0).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.1)
    kill(proc)
    raise AssertionError("server did not start")


def kill(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the server and its worker processes (its whole process group)."""
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def status_in_db(data_dir: Path, job_id: str) -> str:
    """The job's status as stored, read while no server runs."""
    with sqlite3.connect(data_dir / "jobs.sqlite3") as db:
        row = db.execute("SELECT status FROM jobs WHERE id = ?", (job_id,)).fetchone()
    return str(row[0])


def test_job_survives_a_killed_server(tmp_path: Path) -> None:
    """Submit, kill -9 mid-solve, restart: the job is re-queued, finishes, passes the checker."""
    org = generate_county(seed=1, num_volunteers=3000)
    problem = synthetic_roster(org, 6, seed=1, params=RosterParams(time_limit=4.0, seed=1))
    port = free_port()
    proc = start_server(port, tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        r = httpx.post(
            f"{base}/v1/rosters/jobs",
            content=problem.model_dump_json(),
            headers={"content-type": "application/json"},
            timeout=60.0,
        )
        assert r.status_code == 202
        url = base + r.headers["location"]
        time.sleep(1.0)
    finally:
        kill(proc)
    job_id = r.json()["id"]
    assert status_in_db(tmp_path, job_id) in ("queued", "running")  # killed before it finished

    proc = start_server(port, tmp_path)
    try:
        end = time.monotonic() + 120
        while time.monotonic() < end:
            job = httpx.get(url, timeout=10.0).json()
            if job["status"] not in ("queued", "running"):
                break
            time.sleep(0.2)
    finally:
        kill(proc)
    assert job["status"] == "done", job.get("error")
    result = RosterResult.model_validate(job["result"])
    assert result.assignments
    assert check(problem, result).ok
