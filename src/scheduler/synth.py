"""A seeded synthetic week of duty shifts for some stations of a synthetic county.

Each chosen station gets a duty desk (every day, morning and afternoon, two people),
a sanitation round (Tuesday, Thursday and Saturday mornings, two people who can
clean), and a weekend activity run by a culture team (Saturday and Sunday, three
people). Volunteers get one shared contract (one shift a day, 12 hours a week at
most, one weekend), and about one in ten asks for a day off. The teams of the
chosen stations get weekly duty rules (their members take turns), and about
half of their members a last day on duty in the four weeks before the start.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np

from scheduler.model import (
    Contract,
    Post,
    Request,
    RosterParams,
    RosterProblem,
    Shift,
    TeamRule,
)
from volunteers import Level, Organization, StraightLineTravel

STANDARD = Contract(
    id="standard", max_shifts_per_day=1, max_minutes=720, max_weekends=1, min_rest_minutes=0
)


def synthetic_roster(
    org: Organization,
    num_stations: int,
    seed: int = 0,
    start: date = date(2026, 7, 6),
    params: RosterParams | None = None,
    team_hours: float | None = None,
) -> RosterProblem:
    """A week of shifts at the ``num_stations`` stations with the most volunteers.

    Parameters
    ----------
    org
        The county (e.g. :func:`volunteers.synth.generate_county`).
    num_stations
        How many stations get posts.
    seed
        Seed of the day-off requests.
    start
        The Monday the week starts.
    params
        Solver parameters (defaults otherwise).
    team_hours
        Weekly hours asked of each team of a chosen station; ``None``: each
        team's own ``min_weekly_duty_hours`` (teams without one get no rule).
    """
    rng = np.random.default_rng(seed)
    counts: dict[str, int] = {}
    for v in org.volunteers:
        counts[v.station] = counts.get(v.station, 0) + 1
    stations = [s for s in org.stations if s.level == Level.STATION and s.id in counts]
    stations.sort(key=lambda s: (-counts[s.id], s.id))
    chosen = stations[:num_stations]
    origin = datetime.combine(start, datetime.min.time())

    def at(day: int, hh: int, mm: int = 0) -> datetime:
        return origin + timedelta(days=day, hours=hh, minutes=mm)

    posts: list[Post] = []
    shifts: list[Shift] = []
    cats = set(org.team_model.codes)
    for s in chosen:
        desk = Post(id=f"{s.id}/desk", name=f"{s.name} duty desk", location=s.location)
        clean = Post(
            id=f"{s.id}/sanitation",
            name=f"{s.name} sanitation",
            location=s.location,
            skills=("cleaning",),
        )
        activity = Post(
            id=f"{s.id}/activity",
            name=f"{s.name} weekend activity",
            location=s.location,
            categories=("culture_arts",) if "culture_arts" in cats else (),
        )
        posts += [desk, clean, activity]
        for d in range(7):
            for half, (h0, h1) in (("am", (9, 12)), ("pm", (14, 17))):
                shifts.append(
                    Shift(
                        id=f"{desk.id}/{d}{half}",
                        post=desk.id,
                        kind=f"desk-{half}",
                        start=at(d, h0),
                        end=at(d, h1),
                        target=2,
                    )
                )
        for d in (1, 3, 5):
            shifts.append(
                Shift(
                    id=f"{clean.id}/{d}",
                    post=clean.id,
                    start=at(d, 8),
                    end=at(d, 10),
                    target=2,
                    under_weight=50.0,
                )
            )
        for d in (5, 6):
            shifts.append(
                Shift(
                    id=f"{activity.id}/{d}",
                    post=activity.id,
                    start=at(d, 9),
                    end=at(d, 11, 30),
                    target=3,
                    under_weight=30.0,
                )
            )
    near = {s.id for s in chosen}
    local = [v for v in org.volunteers if v.station in near]
    asks = rng.random(len(local)) < 0.1
    days = rng.integers(0, 7, size=len(local))
    requests = tuple(
        Request(volunteer=v.id, day=start + timedelta(days=int(d)), want="off", weight=2.0)
        for v, a, d in zip(local, asks, days, strict=True)
        if a
    )
    team_rules = tuple(
        TeamRule(team=t.id, min_hours_per_week=hours)
        for t in org.teams
        if t.station in near
        and (hours := t.min_weekly_duty_hours if team_hours is None else team_hours) > 0
    )
    members = sorted(
        {m for rule in team_rules for m in org.team2members[org.team_index[rule.team]]}
    )
    served = rng.random(len(members)) < 0.5
    ago = rng.integers(1, 29, size=len(members))
    last_on_duty = {
        org.volunteers[m].id: start - timedelta(days=int(a))
        for m, s, a in zip(members, served, ago, strict=True)
        if s
    }
    return RosterProblem(
        organization=org,
        start=start,
        num_days=7,
        posts=tuple(posts),
        shifts=tuple(shifts),
        contracts=(STANDARD,),
        default_contract="standard",
        requests=requests,
        team_rules=team_rules,
        last_on_duty=last_on_duty,
        travel=StraightLineTravel.preset("cycling"),
        params=params or RosterParams(),
    )
