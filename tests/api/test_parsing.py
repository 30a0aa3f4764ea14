"""Bodies validated with a cached organization equal the plain validation, errors included."""

from __future__ import annotations

import json

import pytest
from pydantic import BaseModel, ValidationError

from api.examples import dispatch_problem, openapi_examples, roster_problem
from api.parsing import OrganizationCache, parse
from api.schemas import RedispatchRequest
from matcher import DispatchProblem
from scheduler import RosterProblem


def _errors(
    model: type[BaseModel], body: str, cache: OrganizationCache
) -> list[tuple[tuple[int | str, ...], str]]:
    with pytest.raises(ValidationError) as fast:
        parse(body, model, cache=cache)
    with pytest.raises(ValidationError) as plain:
        model.model_validate_json(body)
    got = [(tuple(e["loc"]), e["type"]) for e in fast.value.errors()]
    assert got == [(tuple(e["loc"]), e["type"]) for e in plain.value.errors()]
    return got


def test_hit_and_miss_give_the_plain_result() -> None:
    """First a miss, then a hit sharing the organization object; both equal plain validation."""
    cache = OrganizationCache()
    body = dispatch_problem().model_dump_json()
    first = parse(body.encode(), DispatchProblem, cache=cache)
    second = parse(body, DispatchProblem, cache=cache)
    assert first == second == DispatchProblem.model_validate_json(body)
    assert second.organization is first.organization
    assert (cache.hits, cache.misses) == (1, 1)


def test_other_orders_same_organization() -> None:
    """Same organization text, other orders and member order: a hit; other spacing: a miss."""
    cache = OrganizationCache()
    data = json.loads(dispatch_problem().model_dump_json())
    parse(json.dumps(data), DispatchProblem, cache=cache)
    data["orders"] = data["orders"][:1]
    reordered = {k: data[k] for k in reversed(list(data))}
    body = json.dumps(reordered)
    got = parse(body, DispatchProblem, cache=cache)
    assert got == DispatchProblem.model_validate_json(body)
    assert len(got.orders) == 1
    assert cache.hits == 1
    spaced = json.dumps(reordered, indent=2)
    assert parse(spaced, DispatchProblem, cache=cache) == got
    assert cache.hits == 1


def test_changed_organization_misses() -> None:
    """One character changed in the organization: validated again, not taken from the cache."""
    cache = OrganizationCache()
    data = json.loads(dispatch_problem().model_dump_json())
    parse(json.dumps(data), DispatchProblem, cache=cache)
    data["organization"]["volunteers"][0]["weekly_hour_cap"] = 3.0
    got = parse(json.dumps(data), DispatchProblem, cache=cache)
    assert got.organization.volunteers[0].weekly_hour_cap == 3.0
    assert cache.hits == 0


def test_cache_is_bounded() -> None:
    """The least recently used organization is dropped beyond the size."""
    cache = OrganizationCache(size=1)
    data = json.loads(dispatch_problem().model_dump_json())
    a = json.dumps(data)
    data["organization"]["volunteers"][0]["weekly_hour_cap"] = 3.0
    b = json.dumps(data)
    parse(a, DispatchProblem, cache=cache)
    parse(b, DispatchProblem, cache=cache)
    parse(a, DispatchProblem, cache=cache)
    assert (cache.hits, cache.misses) == (0, 3)


def test_envelope_and_roster() -> None:
    """A re-dispatch request (organization under ``problem``) and a roster problem."""
    cache = OrganizationCache()
    body = json.dumps(openapi_examples()["redispatch"]["value"])
    for _ in range(2):
        assert parse(body, RedispatchRequest, ("problem", "organization"), cache) == (
            RedispatchRequest.model_validate_json(body)
        )
    roster = roster_problem().model_dump_json()
    for _ in range(2):
        assert parse(roster, RosterProblem, cache=cache) == RosterProblem.model_validate_json(
            roster
        )
    assert cache.hits == 2


def test_errors_keep_their_paths() -> None:
    """Bad organization, bad orders after a hit, malformed JSON, trailing text: same errors."""
    cache = OrganizationCache()
    data = json.loads(dispatch_problem().model_dump_json())
    bad_org = json.loads(json.dumps(data))
    bad_org["organization"]["volunteers"][1]["home"] = {"lat": 300.0, "lon": 0.0}
    got = _errors(DispatchProblem, json.dumps(bad_org), cache)
    assert got[0][0][:3] == ("organization", "volunteers", 1)
    parse(json.dumps(data), DispatchProblem, cache=cache)
    data["orders"][0]["volunteers_needed"] = "many"
    got = _errors(DispatchProblem, json.dumps(data), cache)
    assert got[0][0][:2] == ("orders", 0)
    assert cache.hits == 1
    assert _errors(DispatchProblem, '{"organization": {', cache)[0][1] == "json_invalid"
    assert _errors(DispatchProblem, json.dumps(data) + " x", cache)[0][1] == "json_invalid"
    assert _errors(DispatchProblem, "[]", cache)[0][1] == "model_type"
