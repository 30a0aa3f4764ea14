"""Small hand-made dispatch problems for rule tests (positions in km from a station)."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from typing import Any

from matcher import DispatchParams, DispatchProblem, Order, ServiceItem
from volunteers import Availability, Location, Organization, StraightLineTravel

MONDAY = date(2026, 7, 6)
ORIGIN = Location(lat=30.0, lon=114.0)
KM_LAT = 111.19508
WALK = StraightLineTravel(speed_kmh=6.0, detour_factor=1.0)  # 10 minutes per km


def at(east_km: float = 0.0, north_km: float = 0.0) -> Location:
    """A location ``east_km``, ``north_km`` from the origin."""
    return Location(
        lat=ORIGIN.lat + north_km / KM_LAT,
        lon=ORIGIN.lon + east_km / (KM_LAT * math.cos(math.radians(ORIGIN.lat))),
    )


def when(day: int, hhmm: str) -> datetime:
    """Day 0 = Monday, at HH:MM."""
    h, m = hhmm.split(":")
    return datetime.combine(MONDAY, datetime.min.time()) + timedelta(
        days=day, hours=int(h), minutes=int(m)
    )


def volunteer(id: str, east: float = 0.0, north: float = 0.0, **kw: Any) -> dict[str, Any]:
    """A volunteer dict registered at station s0."""
    base: dict[str, Any] = {"id": id, "home": at(east, north), "station": "s0", "skills": ("help",)}
    if "spec" in kw:
        kw["availability"] = Availability.from_spec(kw.pop("spec"))
    base.update(kw)
    return base


def order(
    id: str, east: float = 0.0, north: float = 0.0, day: int = 0, start: str = "09:00", **kw: Any
) -> dict[str, Any]:
    """An order of service 'help' (60 minutes, one volunteer by default)."""
    base: dict[str, Any] = {
        "id": id,
        "service": "help",
        "location": at(east, north),
        "start": when(day, start),
    }
    if "latest" in kw:
        base["latest_start"] = when(day, kw.pop("latest"))
    base.update(kw)
    return base


def problem(
    volunteers: list[dict[str, Any]],
    orders: list[dict[str, Any]],
    teams: tuple[dict[str, Any], ...] = (),
    menu: tuple[ServiceItem, ...] | None = None,
    **kw: Any,
) -> DispatchProblem:
    """A dispatch problem over one station, walking at 10 minutes per km."""
    org = Organization.model_validate(
        {
            "stations": [{"id": "s0", "level": "station", "location": ORIGIN}],
            "teams": list(teams),
            "volunteers": volunteers,
        }
    )
    params = kw.pop("params", DispatchParams(time_limit=5.0))
    return DispatchProblem.model_validate(
        {
            "organization": org,
            "menu": menu or (ServiceItem(code="help", skills=("help",), duration_minutes=60),),
            "orders": [Order.model_validate(o) for o in orders],
            "week_start": MONDAY,
            "travel": kw.pop("travel", WALK),
            "params": params,
            **kw,
        }
    )
