"""Worked examples for the OpenAPI page: tiny problems, valid by construction.

A station with three volunteers; a dispatch week with two orders (one for an
elderly resident living alone); a two-day roster of a duty desk.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import Any

from matcher import DispatchParams, DispatchProblem, Order, ServiceItem, dispatch
from scheduler import Post, RosterParams, RosterProblem, Shift
from volunteers import Location, Organization

MONDAY = date(2026, 11, 23)
STATION = Location(lat=30.0, lon=114.0)


def _organization() -> Organization:
    return Organization.model_validate(
        {
            "stations": [{"id": "s0", "level": "station", "location": STATION}],
            "volunteers": [
                {
                    "id": "wang",
                    "home": {"lat": 30.003, "lon": 114.0},
                    "station": "s0",
                    "skills": ["elder_care"],
                },
                {
                    "id": "li",
                    "home": {"lat": 30.0, "lon": 114.004},
                    "station": "s0",
                    "skills": ["elder_care", "cleaning"],
                },
                {
                    "id": "zhao",
                    "home": {"lat": 29.998, "lon": 114.002},
                    "station": "s0",
                    "skills": ["cleaning"],
                },
            ],
        }
    )


def dispatch_problem() -> DispatchProblem:
    """Two orders of one week: a home visit to an elderly resident, a clean-up."""
    return DispatchProblem(
        organization=_organization(),
        menu=(
            ServiceItem(
                code="visit", name="Home visit", skills=("elder_care",), duration_minutes=60
            ),
            ServiceItem(
                code="cleanup",
                name="Courtyard clean-up",
                skills=("cleaning",),
                duration_minutes=90,
                volunteers_needed=2,
            ),
        ),
        orders=(
            Order(
                id="o1",
                service="visit",
                location=Location(lat=30.002, lon=114.001),
                start=datetime(2026, 11, 24, 9, 0),
                priority="elderly_alone",
            ),
            Order(
                id="o2",
                service="cleanup",
                location=Location(lat=30.001, lon=114.003),
                start=datetime(2026, 11, 25, 14, 0),
            ),
        ),
        week_start=MONDAY,
        params=DispatchParams(time_limit=5.0, seed=1),
    )


def roster_problem() -> RosterProblem:
    """A duty desk staffed by one volunteer each morning of two days."""
    return RosterProblem(
        organization=_organization(),
        start=MONDAY,
        num_days=2,
        posts=(Post(id="desk", name="Station duty desk", location=STATION),),
        shifts=tuple(
            Shift(
                id=f"desk-{d}",
                post="desk",
                start=datetime(2026, 11, 23 + d, 9),
                end=datetime(2026, 11, 23 + d, 12),
            )
            for d in range(2)
        ),
        params=RosterParams(time_limit=5.0, seed=1),
    )


def _json(model: Any) -> Any:
    return model.model_dump(mode="json", exclude_defaults=True)


@cache
def openapi_examples() -> dict[str, dict[str, Any]]:
    """Named request examples, one per endpoint kind."""
    problem = dispatch_problem()
    previous = dispatch(problem)
    declined = [
        {"order": a.order, "volunteer": a.volunteers[0].volunteer, "reason": "ill"}
        for a in previous.assignments[:1]
    ]
    return {
        "dispatch": {"summary": "Two orders, three volunteers", "value": _json(problem)},
        "roster": {"summary": "A duty desk over two mornings", "value": _json(roster_problem())},
        "redispatch": {
            "summary": "A volunteer declines an order",
            "value": {
                "problem": _json(problem),
                "previous": _json(previous),
                "declined": declined,
            },
        },
    }
