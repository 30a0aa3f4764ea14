"""Every endpoint through TestClient, with the OpenAPI examples as inputs; results checked."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient

from api.examples import dispatch_problem, openapi_examples, roster_problem
from matcher import DispatchResult
from matcher.check import check as check_dispatch
from scheduler import RosterResult
from scheduler.check import check as check_roster


def example(name: str) -> Any:
    """The request body of an OpenAPI example."""
    return openapi_examples()[name]["value"]


def wait(client: TestClient, url: str, seconds: float = 60.0) -> dict[str, Any]:
    """Poll a job until it leaves queued/running/stopping."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        r = client.get(url)
        assert r.status_code == 200
        body: dict[str, Any] = r.json()
        if body["status"] not in ("queued", "running", "stopping"):
            return body
        time.sleep(0.05)
    raise AssertionError(f"{url} did not finish")


def test_healthz(client: TestClient) -> None:
    """Liveness with the pool's load."""
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["capacity"] == 3


def test_team_models(client: TestClient) -> None:
    """Both built-in catalogs are listed with their categories."""
    models = client.get("/v1/team-models").json()["models"]
    assert set(models) == {"8+N", "five-team"}
    assert all(m["categories"] for m in models.values())


def test_dispatch_now(client: TestClient) -> None:
    """The example is dispatched, and the result passes the matcher's checker."""
    r = client.post("/v1/dispatch", json=example("dispatch"))
    assert r.status_code == 200
    result = DispatchResult.model_validate(r.json())
    assert len(result.assignments) == 2
    assert check_dispatch(dispatch_problem(), result).ok


def test_redispatch(client: TestClient) -> None:
    """A decline: the order goes to someone else (or stays unserved), never to the decliner."""
    body = example("redispatch")
    r = client.post("/v1/dispatch/redispatch", json=body)
    assert r.status_code == 200
    out = r.json()
    declined = body["declined"][0]
    for a in out["result"]["assignments"]:
        if a["order"] == declined["order"]:
            assert declined["volunteer"] not in [v["volunteer"] for v in a["volunteers"]]
    assert any(e["volunteer"] == declined["volunteer"] for e in out["problem"]["exclusions"])


def test_roster_now(client: TestClient) -> None:
    """The example roster is built and passes the scheduler's checker."""
    r = client.post("/v1/rosters", json=example("roster"))
    assert r.status_code == 200
    result = RosterResult.model_validate(r.json())
    assert len(result.assignments) == 2
    assert check_roster(roster_problem(), result).ok


def test_roster_job_lifecycle(client: TestClient) -> None:
    """202 with a Location; polled to done with a checked result; listed; 404 when unknown."""
    r = client.post("/v1/rosters/jobs", json=example("roster"))
    assert r.status_code == 202
    url = r.headers["location"]
    job = wait(client, url)
    assert job["status"] == "done"
    assert check_roster(roster_problem(), RosterResult.model_validate(job["result"])).ok
    assert job["id"] in [j["id"] for j in client.get("/v1/rosters/jobs").json()]
    assert client.get("/v1/rosters/jobs/nope").status_code == 404
    assert client.get(f"/v1/dispatch/jobs/{job['id']}").status_code == 404  # another kind


def test_dispatch_job_lifecycle(client: TestClient) -> None:
    """A dispatch job runs to done; DELETE on a finished job changes nothing."""
    r = client.post("/v1/dispatch/jobs", json=example("dispatch"))
    assert r.status_code == 202
    job = wait(client, r.headers["location"])
    assert job["status"] == "done"
    assert check_dispatch(dispatch_problem(), DispatchResult.model_validate(job["result"])).ok
    again = client.delete(r.headers["location"])
    assert again.status_code == 202
    assert again.json()["status"] == "done"
    assert client.delete("/v1/dispatch/jobs/nope").status_code == 404


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_openapi_has_an_example_per_endpoint(client: TestClient) -> None:
    """Every POST documents its body (a schema that resolves) and an example; /docs is served."""
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    posts = 0
    for path, ops in spec["paths"].items():
        if "post" in ops:
            posts += 1
            content = ops["post"]["requestBody"]["content"]["application/json"]
            assert content.get("examples"), path
            name = content["schema"]["$ref"].rsplit("/", 1)[-1]
            assert "properties" in schemas[name], path
    assert posts == 5
    refs = {r.rsplit("/", 1)[-1] for r in _refs(spec)}
    assert refs <= set(schemas)
    assert client.get("/docs").status_code == 200
