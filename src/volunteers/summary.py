"""A readable summary of an organization: levels, teams, skills, activity."""

from __future__ import annotations

from datetime import date

import numpy as np
from pydantic import BaseModel, ConfigDict

from volunteers.geo import coords
from volunteers.hours import ActivityRate
from volunteers.organization import Organization
from volunteers.stations import Level
from volunteers.travel import DEFAULT_MAX_TRAVEL_MINUTES, StraightLineTravel, TravelModel


class CategorySummary(BaseModel):
    """Teams and distinct members of one team category."""

    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    standing: bool
    teams: int
    members: int


class SkillCoverage(BaseModel):
    """How many volunteers hold a skill and how many stations have one."""

    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    volunteers: int
    stations_covered: int


class OrganizationSummary(BaseModel):
    """Counts that planners look at first.

    Attributes
    ----------
    stations_by_level
        Number of stations per level.
    categories
        Teams and members per team category.
    skills
        Skill holders, and stations (level ``station``) with at least one
        registered volunteer holding the skill, out of ``num_stations``.
    activity
        Active (at target), on-track and dormant volunteers on ``on``.
    pace_gap_hours
        10th, 50th and 90th percentile of expected minus served hours.
    circle_coverage
        Share of volunteers' homes within ``circle_minutes`` of a station or point.
    """

    model_config = ConfigDict(frozen=True)

    name: str
    team_model: str
    on: date
    stations_by_level: dict[str, int]
    num_stations: int
    num_volunteers: int
    num_teams: int
    categories: tuple[CategorySummary, ...]
    skills: tuple[SkillCoverage, ...]
    activity: ActivityRate
    pace_gap_hours: tuple[float, float, float]
    circle_minutes: float
    circle_coverage: float

    def to_text(self) -> str:
        """Render as a plain-text report."""
        lines = [f"{self.name}  (team model {self.team_model}, as of {self.on.isoformat()})", ""]
        levels = ", ".join(f"{n} {lv}" for lv, n in self.stations_by_level.items())
        lines.append(f"Hierarchy: {levels}")
        lines.append(f"Volunteers: {self.num_volunteers:,}   Teams: {self.num_teams:,}")
        lines.append(
            f"{self.circle_minutes:g}-minute circle: {self.circle_coverage:.1%} of volunteers "
            "live within reach of a station or point"
        )
        lines += ["", f"{'Team category':<40} {'kind':<9} {'teams':>6} {'members':>8}"]
        for c in self.categories:
            kind = "standing" if c.standing else "local"
            lines.append(f"{(c.name or c.code)[:40]:<40} {kind:<9} {c.teams:>6} {c.members:>8}")
        lines += ["", f"{'Skill':<40} {'volunteers':>10} {'stations covered':>18}"]
        for s in self.skills:
            share = s.stations_covered / self.num_stations if self.num_stations else 0.0
            covered = f"{s.stations_covered}/{self.num_stations} ({share:.0%})"
            lines.append(f"{(s.name or s.code)[:40]:<40} {s.volunteers:>10,} {covered:>18}")
        a = self.activity
        p10, p50, p90 = self.pace_gap_hours
        lines += [
            "",
            f"Activity: {a.active:,} of {a.registered:,} at the yearly target "
            f"({a.active_share:.1%}); {a.on_track:,} on pace ({a.on_track_share:.1%}); "
            f"{a.dormant:,} with no hours yet",
            f"Hours behind pace (p10 / median / p90): {p10:+.1f} / {p50:+.1f} / {p90:+.1f}",
        ]
        return "\n".join(lines)


def summarize(
    org: Organization,
    on: date,
    travel: TravelModel | None = None,
    max_minutes: float = DEFAULT_MAX_TRAVEL_MINUTES,
) -> OrganizationSummary:
    """Summarize an organization on a date.

    Parameters
    ----------
    org
        The organization.
    on
        Date for quota pace.
    travel
        Travel model for the circle coverage; walking straight line by default.
    max_minutes
        The circle's radius in minutes.
    """
    by_level = {lv.value: 0 for lv in Level}
    for s in org.stations:
        by_level[s.level.value] += 1

    team_cat = [t.category for t in org.teams]
    categories = []
    for cat in org.team_model.categories:
        idx = [k for k, c in enumerate(team_cat) if c == cat.code]
        members = {m for k in idx for m in org.team2members[k]}
        categories.append(
            CategorySummary(
                code=cat.code,
                name=cat.name,
                standing=cat.standing,
                teams=len(idx),
                members=len(members),
            )
        )

    station_level = {s.id: s.level for s in org.stations}
    holders: dict[str, int] = {}
    covered: dict[str, set[str]] = {}
    for v in org.volunteers:
        at_station = station_level.get(v.station) == Level.STATION
        for code in v.skills:
            holders[code] = holders.get(code, 0) + 1
            if at_station:
                covered.setdefault(code, set()).add(v.station)
    catalog = org.skills if org.skills is not None else ()
    names = {s.code: s.name for s in catalog}
    codes = [s.code for s in catalog] + sorted(set(holders) - set(names))
    skills = tuple(
        SkillCoverage(
            code=c,
            name=names.get(c, c),
            volunteers=holders.get(c, 0),
            stations_covered=len(covered.get(c, ())),
        )
        for c in codes
    )

    ledger = org.ledger()
    gap = ledger.pace_gap(on)
    quantiles = (
        tuple(float(x) for x in np.percentile(gap, [10, 50, 90])) if len(gap) else (0.0, 0.0, 0.0)
    )
    homes = coords(v.home for v in org.volunteers)
    coverage = (
        org.tree.coverage(
            homes, max_minutes, travel=travel if travel is not None else StraightLineTravel()
        )
        if len(homes)
        else 1.0
    )
    return OrganizationSummary(
        name=org.name,
        team_model=org.team_model.name,
        on=on,
        stations_by_level=by_level,
        num_stations=by_level[Level.STATION.value],
        num_volunteers=len(org.volunteers),
        num_teams=len(org.teams),
        categories=tuple(categories),
        skills=skills,
        activity=ledger.activity(on),
        pace_gap_hours=(quantiles[0], quantiles[1], quantiles[2]),
        circle_minutes=max_minutes,
        circle_coverage=coverage,
    )
