"""A seeded synthetic week of orders on top of a synthetic county.

Residents live around stations (more orders where more people live); most
orders have a fixed start in daytime or evening, some a window of starts, some
are remote; about a quarter come from vulnerable residents; a few need a whole
team with its captain (a lecture, a clean-up).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np

from matcher.model import DispatchParams, DispatchProblem, Order, ServiceItem
from volunteers import Level, Location, Organization, StraightLineTravel
from volunteers.geo import EARTH_RADIUS_KM
from volunteers.travel import TravelModel

DEFAULT_MENU: tuple[ServiceItem, ...] = (
    ServiceItem(code="home_visit", name="Home visit", skills=("elder_care",), duration_minutes=60),
    ServiceItem(code="haircut", name="Haircut", skills=("haircut",), duration_minutes=45),
    ServiceItem(
        code="appliance_repair",
        name="Appliance repair",
        skills=("appliance_repair",),
        duration_minutes=60,
    ),
    ServiceItem(
        code="legal_consultation",
        name="Legal consultation",
        skills=("legal_advice",),
        categories=("legal",),
        duration_minutes=45,
    ),
    ServiceItem(code="tutoring", name="Tutoring", skills=("tutoring",), duration_minutes=90),
    ServiceItem(code="health_check", name="Health check", skills=("medical",), duration_minutes=60),
    ServiceItem(
        code="digital_help", name="Smartphone help", skills=("digital_help",), duration_minutes=45
    ),
    ServiceItem(
        code="companionship", name="Child companionship", skills=("childcare",), duration_minutes=90
    ),
    ServiceItem(
        code="cleaning",
        name="Courtyard clean-up",
        skills=("cleaning",),
        duration_minutes=120,
        volunteers_needed=2,
    ),
    ServiceItem(
        code="policy_lecture",
        name="Policy lecture",
        skills=("policy_lecturing",),
        categories=("theory_policy",),
        duration_minutes=90,
        volunteers_needed=2,
    ),
    ServiceItem(
        code="counselling",
        name="Phone counselling",
        skills=("psych_support",),
        duration_minutes=60,
        remote=True,
    ),
)
"""A generic service menu; skills from :data:`volunteers.DEFAULT_SKILLS`, categories of 8+N."""

_MIX = np.asarray([0.22, 0.08, 0.08, 0.04, 0.12, 0.08, 0.12, 0.08, 0.08, 0.04, 0.06])
_VULNERABLE = ("elderly_alone", "left_behind_child", "disabled", "extremely_poor")
_KM_PER_DEG = np.pi * EARTH_RADIUS_KM / 180.0


def generate_orders(
    org: Organization,
    num_orders: int,
    week_start: date = date(2026, 7, 6),
    seed: int = 0,
    menu: tuple[ServiceItem, ...] = DEFAULT_MENU,
    vulnerable_share: float = 0.25,
    window_share: float = 0.1,
    team_share: float = 0.3,
) -> tuple[ServiceItem, ...] | tuple[Order, ...]:
    """A week of orders for ``org``; returns the orders (use with ``menu``).

    Parameters
    ----------
    org
        The organization (its stations place the residents).
    num_orders
        How many orders.
    week_start
        Monday of the week.
    seed
        Random seed: same inputs and seed, same orders.
    menu
        Service items to draw from (categories unknown to ``org`` are dropped).
    vulnerable_share
        Share of orders from vulnerable residents.
    window_share
        Share of orders with a window of starts instead of a fixed start.
    team_share
        Share of multi-volunteer orders that must come from one team with its captain.
    """
    rng = np.random.default_rng(seed)
    stations = [s for s in org.stations if s.level in (Level.STATION, Level.POINT)] or list(
        org.stations
    )
    counts = np.bincount(
        [org.station_index[v.station] for v in org.volunteers], minlength=len(org.stations)
    ).astype(float)
    weights = np.asarray([counts[org.station_index[s.id]] + 1.0 for s in stations])
    at = rng.choice(len(stations), size=num_orders, p=weights / weights.sum())
    base = np.asarray([[stations[i].location.lat, stations[i].location.lon] for i in at]).reshape(
        -1, 2
    )
    d = rng.normal(0.0, 0.4, size=base.shape)
    lat = base[:, 0] + d[:, 0] / _KM_PER_DEG
    lon = base[:, 1] + d[:, 1] / (_KM_PER_DEG * np.cos(np.radians(base[:, 0])))
    mix = _MIX[: len(menu)] if len(menu) <= len(_MIX) else np.ones(len(menu))
    item_idx = rng.choice(len(menu), size=num_orders, p=mix / mix.sum())
    day = rng.integers(0, 7, num_orders)
    hour_slot = rng.choice(
        np.arange(32, 80),
        size=num_orders,  # 08:00 to 19:45 in quarter hours
    )
    vulnerable = rng.random(num_orders) < vulnerable_share
    vclass = rng.choice(len(_VULNERABLE), size=num_orders)
    windowed = rng.random(num_orders) < window_share
    team = rng.random(num_orders) < team_share
    residents = rng.integers(0, max(1, num_orders // 2), num_orders)
    origin = datetime.combine(week_start, datetime.min.time())
    known = set(org.team_model.codes)
    orders = []
    for i in range(num_orders):
        item = menu[int(item_idx[i])]
        start = origin + timedelta(days=int(day[i]), minutes=15 * int(hour_slot[i]))
        latest = start + timedelta(hours=2) if windowed[i] else None
        if latest is not None and latest >= origin + timedelta(days=7):
            latest = None
        cats = tuple(c for c in item.categories if c in known)
        multi = item.volunteers_needed > 1
        orders.append(
            Order(
                id=f"o{i}",
                service=item.code,
                location=Location(lat=float(lat[i]), lon=float(lon[i])),
                start=start,
                latest_start=latest,
                categories=cats if cats != item.categories else None,
                same_team=bool(multi and team[i]),
                needs_captain=bool(multi and team[i]),
                priority=_VULNERABLE[int(vclass[i])] if vulnerable[i] else "normal",
                resident=f"r{residents[i]}",
            )
        )
    return tuple(orders)


def synthetic_problem(
    org: Organization,
    num_orders: int,
    seed: int = 0,
    week_start: date = date(2026, 7, 6),
    travel: TravelModel | None = None,
    params: DispatchParams | None = None,
) -> DispatchProblem:
    """A dispatch problem: ``org``, :data:`DEFAULT_MENU` and a week of synthetic orders."""
    orders = generate_orders(org, num_orders, week_start, seed)
    return DispatchProblem(
        organization=org,
        menu=DEFAULT_MENU,
        orders=orders,  # type: ignore[arg-type]
        week_start=week_start,
        travel=travel if travel is not None else StraightLineTravel.preset("cycling"),
        params=params if params is not None else DispatchParams(seed=seed),
    )
