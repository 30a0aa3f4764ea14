"""A seeded synthetic county: a realistic population for tests, demos and benchmarks.

:func:`generate_county` places a center, its institutes (towns), their
stations (villages, communities) and points geographically; clusters
volunteers around their stations; gives them skill mixes, team memberships,
availability and hours that follow four profiles seen in the field:

========== ===== ===================================== ===========================
profile    share  availability                          typical skills
========== ===== ===================================== ===========================
retiree     34%  weekday daytime                        elder care, arts, mediation
worker      34%  evenings and weekends                  driving, repairs, publicity
student     18%  weekends, some evenings                tutoring, digital help
specialist  14%  a few evenings or weekend mornings     medical, legal, science
========== ===== ===================================== ===========================

Shares are county-wide means: urban communities have more students and
specialists, villages more retirees, so rare skills do not reach every station.

Same spec and seed, same county. Everything is generated as arrays; a county
of 100,000 volunteers takes a few seconds, most of it pydantic validation.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field

from volunteers.availability import Availability
from volunteers.geo import EARTH_RADIUS_KM, FloatArray, IntArray, Location
from volunteers.hours import QuotaPolicy
from volunteers.io import gc_paused
from volunteers.organization import Organization
from volunteers.skills import DEFAULT_SKILLS, Skill
from volunteers.stations import Level
from volunteers.teams import COMMON_LOCAL_CATEGORIES, EIGHT_PLUS_N, TeamModel

logger = logging.getLogger(__name__)

_KM_PER_DEG = math.pi * EARTH_RADIUS_KM / 180.0


@dataclass(frozen=True)
class _Profile:
    name: str
    share: float
    skills: dict[str, float]
    availability: tuple[str, ...]
    weekly_cap: float
    pace: float


_PROFILES: tuple[_Profile, ...] = (
    _Profile(
        "retiree",
        0.34,
        {
            "elder_care": 0.35,
            "cleaning": 0.3,
            "publicity": 0.25,
            "mediation": 0.2,
            "childcare": 0.2,
            "storytelling": 0.15,
            "performing_arts": 0.15,
            "policy_lecturing": 0.12,
            "calligraphy_painting": 0.12,
            "tutoring": 0.1,
            "agri_tech": 0.1,
            "fitness_coaching": 0.08,
            "haircut": 0.05,
            "medical": 0.02,
        },
        (
            "mon-fri 08:00-11:30 14:30-17:30",
            "mon-fri 08:00-11:30",
            "mon-sun 08:30-11:00 15:00-17:00",
            "tue-thu 08:00-17:00",
            "mon-sat 07:30-10:30",
            "mon,wed,fri 09:00-16:00",
        ),
        8.0,
        1.4,
    ),
    _Profile(
        "worker",
        0.34,
        {
            "driving": 0.3,
            "cleaning": 0.2,
            "publicity": 0.2,
            "traffic_guidance": 0.2,
            "digital_help": 0.15,
            "appliance_repair": 0.12,
            "first_aid": 0.1,
            "agri_tech": 0.1,
            "emergency_rescue": 0.06,
            "job_coaching": 0.05,
            "haircut": 0.04,
        },
        (
            "mon-fri 18:30-21:00; sat-sun 09:00-17:00",
            "sat-sun 08:00-18:00",
            "mon-fri 19:00-21:00; sat 09:00-12:00",
            "sat 08:30-17:30",
            "sun 08:00-12:00 14:00-18:00",
        ),
        4.0,
        0.8,
    ),
    _Profile(
        "student",
        0.18,
        {
            "digital_help": 0.4,
            "tutoring": 0.35,
            "publicity": 0.3,
            "cleaning": 0.2,
            "performing_arts": 0.15,
            "science_outreach": 0.15,
            "childcare": 0.15,
            "traffic_guidance": 0.15,
        },
        (
            "sat-sun 08:30-17:30",
            "fri 18:00-21:00; sat-sun 09:00-12:00 14:00-17:00",
            "sat 09:00-17:00; sun 14:00-18:00",
        ),
        6.0,
        1.0,
    ),
    _Profile(
        "specialist",
        0.14,
        {
            "medical": 0.12,
            "first_aid": 0.2,
            "legal_advice": 0.06,
            "tutoring": 0.15,
            "science_outreach": 0.15,
            "policy_lecturing": 0.15,
            "agri_tech": 0.1,
            "performing_arts": 0.1,
            "psych_support": 0.04,
            "appliance_repair": 0.08,
            "fitness_coaching": 0.08,
            "job_coaching": 0.08,
        },
        (
            "mon-fri 19:00-21:00",
            "sat 09:00-12:00 14:00-17:00",
            "sun 08:00-12:00",
            "wed 14:00-17:00; sat 09:00-12:00",
        ),
        3.0,
        0.7,
    ),
)


class CountySpec(BaseModel):
    """Size and shape of a synthetic county.

    Parameters
    ----------
    num_volunteers
        Registered volunteers.
    num_institutes
        Institutes (towns); by default about one per 20 stations.
    stations_per_institute
        Stations per institute; by default about one station per 300 volunteers.
    points_per_station
        Service points (grid cells, squares, parks) around each station.
    center
        Location of the county center.
    radius_km
        Radius of the county.
    team_model
        Team model; with :data:`~volunteers.teams.EIGHT_PLUS_N` and
        ``local_categories`` the common local special categories are registered.
    local_categories
        Whether to register and use local special ("N") team categories.
    as_of
        The date the county is observed on; hours served so far follow the
        share of the quota year elapsed.
    yearly_target_hours
        The county's yearly hour quota.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    num_volunteers: int = Field(default=5000, ge=1)
    num_institutes: int | None = Field(default=None, ge=1)
    stations_per_institute: int | None = Field(default=None, ge=1)
    points_per_station: int = Field(default=2, ge=0)
    center: Location = Location(lat=30.0, lon=114.0)
    radius_km: float = Field(default=25.0, gt=0.0)
    team_model: TeamModel = EIGHT_PLUS_N
    local_categories: bool = True
    as_of: date = date(2026, 6, 30)
    yearly_target_hours: float = Field(default=20.0, ge=0.0)

    def layout(self) -> tuple[int, int]:
        """``(num_institutes, stations_per_institute)`` after defaults."""
        stations = max(1, round(self.num_volunteers / 300))
        institutes = self.num_institutes or max(1, round(stations / 20))
        per = self.stations_per_institute or max(1, math.ceil(stations / institutes))
        return institutes, per


def _offset(rng: np.random.Generator, origin: FloatArray, sd_km: float) -> FloatArray:
    """Points scattered around ``origin`` rows (normal, ``sd_km`` per axis)."""
    d = rng.normal(0.0, sd_km, size=origin.shape)
    lat = origin[:, 0] + d[:, 0] / _KM_PER_DEG
    lon = origin[:, 1] + d[:, 1] / (_KM_PER_DEG * np.cos(np.radians(origin[:, 0])))
    return np.column_stack((np.clip(lat, -89.9, 89.9), (lon + 180.0) % 360.0 - 180.0))


def _disk(rng: np.random.Generator, center: Location, radius_km: float, n: int) -> FloatArray:
    r = radius_km * np.sqrt(rng.random(n))
    theta = rng.uniform(0.0, 2.0 * np.pi, n)
    lat = center.lat + r * np.sin(theta) / _KM_PER_DEG
    lon = center.lon + r * np.cos(theta) / (_KM_PER_DEG * math.cos(math.radians(center.lat)))
    return np.column_stack((lat, lon))


def _group(owner: IntArray, labels: NDArray[Any], n: int) -> list[tuple[Any, ...]]:
    """Tuple of ``labels`` of each owner ``0..n-1`` (order of appearance kept)."""
    order = np.argsort(owner, kind="stable")
    counts = np.bincount(owner, minlength=n)
    parts = np.split(labels[order], np.cumsum(counts)[:-1])
    return [tuple(p.tolist()) for p in parts]


def _loc(p: NDArray[np.float64]) -> dict[str, float]:
    return {"lat": round(float(p[0]), 6), "lon": round(float(p[1]), 6)}


def generate_county(
    spec: CountySpec | None = None, seed: int = 0, **overrides: Any
) -> Organization:
    """Generate a synthetic county.

    Parameters
    ----------
    spec
        Size and shape; defaults to :class:`CountySpec` ``()``.
    seed
        Random seed: the same spec and seed give the same county.
    **overrides
        Fields of :class:`CountySpec` to override (``num_volunteers=100_000``).

    Returns
    -------
    Organization
        A validated organization with the spec's team model (plus local
        categories), :data:`~volunteers.skills.DEFAULT_SKILLS` and a quota policy.
    """
    spec = (
        (spec or CountySpec()).model_copy(update=overrides) if overrides else (spec or CountySpec())
    )
    spec = CountySpec.model_validate(spec.model_dump())
    rng = np.random.default_rng(seed)
    skills: tuple[Skill, ...] = DEFAULT_SKILLS
    skill_codes = np.asarray([s.code for s in skills], dtype=object)
    skill_pos = {s.code: k for k, s in enumerate(skills)}
    model = spec.team_model
    if spec.local_categories and model.name == EIGHT_PLUS_N.name:
        model = model.with_local(*COMMON_LOCAL_CATEGORIES)

    # --- stations --------------------------------------------------------
    num_inst, per_inst = spec.layout()
    center_xy = np.asarray([[spec.center.lat, spec.center.lon]])
    inst_xy = _disk(rng, spec.center, 0.85 * spec.radius_km, num_inst)
    num_st = num_inst * per_inst
    st_parent = np.repeat(np.arange(num_inst), per_inst)
    st_xy = _offset(rng, inst_xy[st_parent], 0.12 * spec.radius_km)
    num_pt = num_st * spec.points_per_station
    pt_parent = np.repeat(np.arange(num_st), spec.points_per_station)
    pt_xy = _offset(rng, st_xy[pt_parent], 0.4)
    stations: list[dict[str, Any]] = [
        {"id": "c0", "name": "County center", "level": Level.CENTER, "location": _loc(center_xy[0])}
    ]
    stations += [
        {
            "id": f"i{k}",
            "name": f"Institute {k}",
            "level": Level.INSTITUTE,
            "location": _loc(inst_xy[k]),
            "parent": "c0",
        }
        for k in range(num_inst)
    ]
    stations += [
        {
            "id": f"s{k}",
            "name": f"Station {k}",
            "level": Level.STATION,
            "location": _loc(st_xy[k]),
            "parent": f"i{st_parent[k]}",
        }
        for k in range(num_st)
    ]
    stations += [
        {
            "id": f"p{k}",
            "name": f"Point {k}",
            "level": Level.POINT,
            "location": _loc(pt_xy[k]),
            "parent": f"s{pt_parent[k]}",
        }
        for k in range(num_pt)
    ]

    # --- volunteers: station, home, profile, skills -------------------------
    n = spec.num_volunteers
    weights = rng.lognormal(0.0, 0.8, num_st)
    vol_station = np.sort(rng.choice(num_st, size=n, p=weights / weights.sum()))
    home = _offset(rng, st_xy[vol_station], 0.6)
    # Urban communities have more students and specialists than villages.
    urban = rng.beta(2.0, 3.0, num_st)
    shares = np.asarray([p.share for p in _PROFILES])[None, :] * np.column_stack(
        (1.2 - 0.4 * urban, np.ones(num_st), 0.5 + urban, 0.2 + 2.0 * urban**2)
    )
    cum = np.cumsum(shares / shares.sum(axis=1, keepdims=True), axis=1)
    profile = (rng.random(n)[:, None] > cum[vol_station]).sum(axis=1)
    profile = np.minimum(profile, len(_PROFILES) - 1)
    prob = np.full((len(_PROFILES), len(skills)), 0.01)
    for k, p in enumerate(_PROFILES):
        for code, pr in p.skills.items():
            prob[k, skill_pos[code]] = pr
    has_skill = rng.random((n, len(skills))) < prob[profile]
    none = ~has_skill.any(axis=1)
    favourite = np.argmax(prob, axis=1)
    has_skill[np.flatnonzero(none), favourite[profile[none]]] = True
    vi, si = np.nonzero(has_skill)
    vol_skills = _group(vi, skill_codes[si], n)

    # --- availability: a shared pattern per profile, a few with dated exceptions
    patterns = [[Availability.from_spec(s) for s in p.availability] for p in _PROFILES]
    pattern_pick = rng.integers(0, 1 << 30, n)
    availability = [
        patterns[p][pattern_pick[i] % len(patterns[p])] for i, p in enumerate(profile.tolist())
    ]
    away = np.flatnonzero(rng.random(n) < 0.04)
    for i in away.tolist():
        first = spec.as_of + timedelta(days=int(rng.integers(1, 60)))
        days = tuple(first + timedelta(days=d) for d in range(int(rng.integers(1, 8))))
        availability[i] = availability[i].model_copy(update={"unavailable_dates": days})

    # --- teams -----------------------------------------------------------
    cat_skill = np.zeros((len(model.categories), len(skills)), dtype=bool)
    for c, cat in enumerate(model.categories):
        for code in cat.skills:
            if code in skill_pos:
                cat_skill[c, skill_pos[code]] = True
    standing = [c for c, cat in enumerate(model.categories) if cat.standing]
    local = [c for c, cat in enumerate(model.categories) if not cat.standing]
    team_rows: list[tuple[str, int, str]] = []  # (station id, category, team id)
    member_vol: list[IntArray] = []
    member_team: list[IntArray] = []
    captains: list[int] = []
    quality = rng.random(n)

    def add_team(station_id: str, c: int, pool: IntArray, size: int) -> None:
        if len(pool) == 0 or size <= 0:
            return
        fit = np.where((has_skill[pool] & cat_skill[c]).any(axis=1), 1.0, 0.08)
        size = min(size, int(np.count_nonzero(fit)))
        chosen = rng.choice(pool, size=size, replace=False, p=fit / fit.sum())
        t = len(team_rows)
        team_rows.append((station_id, c, f"t{t}"))
        member_vol.append(np.sort(chosen))
        member_team.append(np.full(size, t, dtype=np.int64))
        captains.append(int(chosen[np.argmax(quality[chosen])]))

    everyone = np.arange(n)
    specialists = np.flatnonzero(profile == 3)
    for c in standing:
        add_team("c0", c, specialists if len(specialists) else everyone, int(rng.integers(15, 60)))
    st_start = np.searchsorted(vol_station, np.arange(num_st + 1))
    inst_of_vol = st_parent[vol_station]
    inst_start = np.searchsorted(inst_of_vol, np.arange(num_inst + 1))
    for k in range(num_inst):
        pool = everyone[inst_start[k] : inst_start[k + 1]]
        for c in rng.choice(standing, size=min(3, len(standing)), replace=False).tolist():
            add_team(f"i{k}", c, pool, int(rng.integers(8, 30)))
    for k in range(num_st):
        pool = everyone[st_start[k] : st_start[k + 1]]
        if len(pool) == 0:
            continue
        num_cats = min(len(standing), max(2, len(pool) // 45))
        for c in rng.choice(standing, size=num_cats, replace=False).tolist():
            add_team(f"s{k}", c, pool, max(3, int(len(pool) * rng.uniform(0.06, 0.18))))
        if local and rng.random() < 0.35:
            add_team(f"s{k}", int(rng.choice(local)), pool, max(3, int(len(pool) * 0.08)))
    if member_vol:
        mv, mt = np.concatenate(member_vol), np.concatenate(member_team)
    else:
        mv, mt = np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    team_ids = np.asarray([r[2] for r in team_rows], dtype=object)
    vol_teams = _group(mv, team_ids[mt], n) if len(team_rows) else [() for _ in range(n)]
    teams = [
        {
            "id": tid,
            "name": f"{model.categories[c].name} team {tid}",
            "category": model.categories[c].code,
            "station": sid,
            "captain": f"v{captains[t]}",
            "min_weekly_duty_hours": 1.0 if sid.startswith("s") else 0.0,
        }
        for t, (sid, c, tid) in enumerate(team_rows)
    ]

    # --- hours and record ------------------------------------------------
    policy = QuotaPolicy(yearly_target_hours=spec.yearly_target_hours)
    elapsed = policy.elapsed_fraction(spec.as_of)
    pace = np.asarray([p.pace for p in _PROFILES])[profile] * rng.lognormal(-0.2, 0.7, n)
    dormant = rng.random(n) < 0.15
    hours = np.where(dormant, 0.0, np.round(2 * spec.yearly_target_hours * elapsed * pace) / 2)
    cap = np.asarray([p.weekly_cap for p in _PROFILES])[profile] + rng.integers(-1, 3, n)
    rated = rng.random(n) < 0.75
    rating = np.round(np.clip(rng.normal(4.5, 0.35, n), 1.0, 5.0), 1)
    ratings_count = np.where(rated, rng.poisson(6, n) + 1, 0)
    accepted = rng.poisson(np.maximum(hours, 0.0) / 2.0)
    declined = rng.poisson(0.1 + 0.15 * accepted)
    profile_tag = np.asarray([p.name for p in _PROFILES], dtype=object)[profile]

    volunteers = [
        {
            "id": f"v{i}",
            "name": f"Volunteer {i}",
            "skills": vol_skills[i],
            "home": {"lat": float(home[i, 0]), "lon": float(home[i, 1])},
            "station": f"s{vol_station[i]}",
            "teams": vol_teams[i],
            "availability": availability[i],
            "weekly_hour_cap": float(cap[i]),
            "hours_this_year": float(hours[i]),
            "rating": float(rating[i]) if rated[i] else None,
            "ratings_count": int(ratings_count[i]),
            "offers_accepted": int(accepted[i]),
            "offers_declined": int(declined[i]),
            "tags": (profile_tag[i],),
        }
        for i in range(n)
    ]
    with gc_paused():
        org = Organization.model_validate(
            {
                "name": f"Synthetic county (seed {seed})",
                "team_model": model,
                "skills": skills,
                "quota": policy,
                "stations": stations,
                "teams": teams,
                "volunteers": volunteers,
            }
        )
    logger.info(
        "generated county: %d stations, %d teams, %d volunteers",
        len(org.stations),
        len(org.teams),
        len(org.volunteers),
    )
    return org
