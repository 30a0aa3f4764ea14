"""Latency of a 50-order dispatch through the HTTP API vs the direct library call.

Usage::

    python -m benchmarks.api --volunteers 500 --orders 50 --requests 40 --clients 20 --seed 1

Starts the real service (``python -m api``) on 127.0.0.1 with its own data
directory, and in the same run: times ``matcher.dispatch`` called directly on
``--requests`` problems (one synthetic county, the orders of a different seed
each time, as a dispatch service sends them), the same problems through
``POST /v1/dispatch`` one request at a time, then ``--clients`` concurrent
clients sending them again (loopback only, bounded count and 120 s at most).
The Python caller keeps one organization object across calls; the service keeps
recently seen organizations per worker (:mod:`api.parsing`), warmed by a few
requests before timing. Every API result passes the matcher's checker. Prints
one JSON line: medians and p99 in ms, ``overhead_median_ms`` (API median minus
library median), errors.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import numpy as np

from matcher import DispatchParams, DispatchProblem, DispatchResult, dispatch
from matcher.check import check
from matcher.synth import synthetic_problem
from volunteers.synth import generate_county


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _stats(ms: list[float]) -> dict[str, float]:
    a = np.asarray(ms)
    return {
        "median_ms": round(float(np.median(a)), 2),
        "p99_ms": round(float(np.percentile(a, 99)), 2),
    }


def _start(port: int, data_dir: str, workers: int, queue: int) -> subprocess.Popen[bytes]:
    env = dict(
        os.environ,
        VOLUNTEER_API_DATA_DIR=data_dir,
        VOLUNTEER_API_WORKERS=str(workers),
        VOLUNTEER_API_QUEUE_SIZE=str(queue),
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "api", "--port", str(port), "--log-level", "warning"],
        env=env,
        start_new_session=True,
    )
    end = time.monotonic() + 60
    while time.monotonic() < end:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1.0).raise_for_status()
            return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    raise RuntimeError("the service did not start")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volunteers", type=int, default=500)
    parser.add_argument("--orders", type=int, default=50)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    org = generate_county(seed=args.seed, num_volunteers=args.volunteers)
    params = DispatchParams(time_limit=5.0, seed=args.seed)
    problems = [
        synthetic_problem(org, args.orders, seed=args.seed + i, params=params)
        for i in range(args.requests)
    ]
    bodies = [p.model_dump_json() for p in problems]
    # The library baseline gets a validated problem, as a Python caller has one.
    direct = []
    for body in bodies:
        t = time.perf_counter()
        dispatch(DispatchProblem.model_validate_json(body))
        direct.append((time.perf_counter() - t) * 1000)
    direct_solve = []
    for problem in problems:
        t = time.perf_counter()
        dispatch(problem)
        direct_solve.append((time.perf_counter() - t) * 1000)

    port = _port()
    with tempfile.TemporaryDirectory() as data_dir:
        proc = _start(port, data_dir, args.workers, queue=args.clients + 8)
        url = f"http://127.0.0.1:{port}/v1/dispatch"
        headers = {"content-type": "application/json"}
        errors = 0
        bad = 0
        try:

            def one(i: int) -> tuple[float, int]:
                with httpx.Client(timeout=60.0) as c:
                    t = time.perf_counter()
                    r = c.post(url, content=bodies[i], headers=headers)
                    return (time.perf_counter() - t) * 1000, r.status_code

            # Warm every worker (its first request validates the organization).
            with ThreadPoolExecutor(max_workers=args.workers) as ex:
                list(ex.map(one, [0] * (2 * args.workers)))
            with httpx.Client(timeout=60.0) as client:
                seq = []
                for problem, body in zip(problems, bodies, strict=True):
                    t = time.perf_counter()
                    r = client.post(url, content=body, headers=headers)
                    seq.append((time.perf_counter() - t) * 1000)
                    if r.status_code != 200:
                        errors += 1
                    elif not check(problem, DispatchResult.model_validate_json(r.content)).ok:
                        bad += 1

            deadline = time.monotonic() + 120
            conc: list[float] = []
            codes: dict[str, int] = {}
            with ThreadPoolExecutor(max_workers=args.clients) as ex:
                for ms, code in ex.map(one, range(args.requests)):
                    conc.append(ms)
                    codes[str(code)] = codes.get(str(code), 0) + 1
                    if time.monotonic() > deadline:
                        break
        finally:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
    line: dict[str, Any] = {
        "orders": args.orders,
        "volunteers": args.volunteers,
        "body_bytes": len(bodies[0]),
        "library": _stats(direct_solve),
        "library_with_json_validation": _stats(direct),
        "api_sequential": _stats(seq),
        "overhead_median_ms": round(float(np.median(seq) - np.median(direct_solve)), 2),
        "api_concurrent": {**_stats(conc), "clients": args.clients, "status_codes": codes},
        "errors": errors + sum(v for k, v in codes.items() if k != "200"),
        "checker_failures": bad,
    }
    print(json.dumps(line))


if __name__ == "__main__":
    main()
