"""Small hand-made roster problems (one station, positions in km, walking 10 min per km)."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from typing import Any

from scheduler import Contract, Post, RosterParams, RosterProblem, RosterWeights, Shift
from volunteers import Location, Organization, StraightLineTravel

MONDAY = date(2026, 7, 6)
ORIGIN = Location(lat=30.0, lon=114.0)
KM_LAT = 111.19508
WALK = StraightLineTravel(speed_kmh=6.0, detour_factor=1.0)
NO_PREFS = RosterWeights(travel=0.0, pace=0.0, change=0.0)


def at(east_km: float = 0.0) -> Location:
    """A location ``east_km`` east of the origin."""
    return Location(
        lat=ORIGIN.lat,
        lon=ORIGIN.lon + east_km / (KM_LAT * math.cos(math.radians(ORIGIN.lat))),
    )


def when(day: int, hhmm: str) -> datetime:
    """Day 0 = Monday, at HH:MM."""
    h, m = hhmm.split(":")
    return datetime.combine(MONDAY, datetime.min.time()) + timedelta(
        days=day, hours=int(h), minutes=int(m)
    )


def volunteer(id: str, east: float = 0.0, **kw: Any) -> dict[str, Any]:
    """A volunteer dict at station s0 with skill 'help'."""
    base: dict[str, Any] = {"id": id, "home": at(east), "station": "s0", "skills": ("help",)}
    base.update(kw)
    return base


def shift(id: str, day: int = 0, start: str = "09:00", end: str = "12:00", **kw: Any) -> Shift:
    """A shift of post 'desk' (target 1 by default)."""
    fields: dict[str, Any] = {
        "id": id,
        "post": "desk",
        "start": when(day, start),
        "end": when(day, end),
    }
    fields.update(kw)
    return Shift.model_validate(fields)


def roster(
    volunteers: list[dict[str, Any]],
    shifts: list[Shift],
    teams: tuple[dict[str, Any], ...] = (),
    num_days: int = 7,
    weights: RosterWeights = NO_PREFS,
    **kw: Any,
) -> RosterProblem:
    """A roster problem with one post 'desk' at the origin."""
    org = Organization.model_validate(
        {
            "stations": [{"id": "s0", "level": "station", "location": ORIGIN}],
            "teams": list(teams),
            "volunteers": volunteers,
        }
    )
    params = kw.pop("params", RosterParams(time_limit=10.0, weights=weights))
    return RosterProblem.model_validate(
        {
            "organization": org,
            "start": MONDAY,
            "num_days": num_days,
            "posts": kw.pop("posts", (Post(id="desk", location=ORIGIN, skills=("help",)),)),
            "shifts": shifts,
            "travel": WALK,
            "params": params,
            **kw,
        }
    )


def runs_of_two() -> RosterProblem:
    """Three volunteers who must work runs of two days and at least 6 h; a shift a day."""
    contract = Contract(id="c", min_consecutive_days=2, min_minutes=360)
    return roster(
        [volunteer("a"), volunteer("b"), volunteer("c")],
        [shift(f"s{d}", d) for d in range(7)],
        contracts=(contract,),
        default_contract="c",
    )


def without_tree_or_dive(monkeypatch: Any) -> None:
    """Make ``build_roster`` search no branch-and-price tree and dive no roster.

    For tests of the phases before and after them (on small problems, either
    would find the optimum first). ``monkeypatch`` is pytest's fixture.
    """
    from scheduler import columns, solve
    from scheduler.branching import Branched

    given_up = Branched(None, None, False, 1, searched=False)
    monkeypatch.setattr(solve, "branch_and_price", lambda *args, **kw: given_up)
    monkeypatch.setattr(columns, "_dive", lambda *args: None)
