"""Boundary models of dispatch: the menu, orders, parameters and the problem.

A :class:`DispatchProblem` covers one week (``week_start`` is a Monday at
00:00, local time): the weekly hour cap of each volunteer applies to it. Its
validation checks every cross reference and reports all problems together in
one ``ValidationError`` naming the culprit (``"order 'o17' requires unknown
skill 'x'"``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails

from volunteers import DEFAULT_MAX_TRAVEL_MINUTES, Location, Organization, StraightLineTravel
from volunteers.errors import duplicates, problem, unknown, validate_all
from volunteers.ids import Id
from volunteers.travel import TravelModel

NORMAL = "normal"
"""The priority class of ordinary orders."""

DEFAULT_PRIORITY_WEIGHTS: dict[str, float] = {
    NORMAL: 1.0,
    "elderly_alone": 1.0,
    "left_behind_child": 1.0,
    "disabled": 1.0,
    "extremely_poor": 1.0,
}
"""Weight of each priority class within its tier. Every class but ``normal`` is
vulnerable and served lexicographically first (see :class:`DispatchParams`)."""


class ServiceItem(BaseModel):
    """An item of a station's service menu (菜单).

    Parameters
    ----------
    code
        Identifier used by orders.
    name
        Display name.
    skills
        Skills an order of this item requires by default (all of them).
    categories
        Team categories allowed to serve it by default; empty means any
        volunteer, in a team or not.
    duration_minutes
        Default duration.
    volunteers_needed
        Default number of volunteers.
    remote
        Done by phone or online by default (distance does not apply).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: Id
    name: str = ""
    skills: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    duration_minutes: int = Field(default=60, gt=0, le=24 * 60)
    volunteers_needed: int = Field(default=1, ge=1)
    remote: bool = False


class Order(BaseModel):
    """A resident's order (点单).

    Fields left ``None`` take the menu item's defaults.

    Parameters
    ----------
    id
        Identifier.
    service
        Code of a menu item.
    location
        Where the service takes place.
    start
        Earliest (or only) start.
    latest_start
        Latest start for an order with a window of allowed starts; ``None``
        for a fixed start. Starts are tried every ``DispatchParams.start_step_minutes``.
    duration_minutes, volunteers_needed, skills, categories, remote
        Overrides of the menu item's defaults.
    same_team
        All volunteers must come from one team (of an allowed category).
    needs_captain
        With ``same_team``: that team's captain must be among them.
    priority
        ``"normal"`` or a vulnerable class (a key of the priority weights).
    resident
        Resident id, for continuity of care (结对关爱).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Id
    service: str
    location: Location
    start: datetime
    latest_start: datetime | None = None
    duration_minutes: int | None = Field(default=None, gt=0, le=24 * 60)
    volunteers_needed: int | None = Field(default=None, ge=1)
    skills: tuple[str, ...] | None = None
    categories: tuple[str, ...] | None = None
    remote: bool | None = None
    same_team: bool = False
    needs_captain: bool = False
    priority: str = NORMAL
    resident: str | None = None

    @model_validator(mode="after")
    def _check_window(self) -> Self:
        if self.latest_start is not None and self.latest_start < self.start:
            raise ValueError(
                f"order {self.id!r}: window ends at {self.latest_start.isoformat()}, "
                f"before it starts at {self.start.isoformat()}"
            )
        if self.needs_captain and not self.same_team:
            raise ValueError(f"order {self.id!r}: needs_captain requires same_team")
        return self


class Pin(BaseModel):
    """An assignment kept exactly (already accepted, or fixed by a dispatcher)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    order: str
    volunteer: str
    start: datetime | None = None


class Exclusion(BaseModel):
    """A volunteer who must not be given an order (for example, after declining it)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    order: str
    volunteer: str
    reason: str = ""


class Commitment(BaseModel):
    """Time a volunteer has already committed this week, outside this problem.

    It blocks the volunteer from ``start`` to ``end`` (plus travel to and from
    ``location`` when given) and counts against the weekly hour cap.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    volunteer: str
    start: datetime
    end: datetime
    location: Location | None = None
    label: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end <= self.start:
            raise ValueError(
                f"commitment of {self.volunteer!r} ends at {self.end.isoformat()}, "
                f"not after its start {self.start.isoformat()}"
            )
        return self


class ObjectiveWeights(BaseModel):
    """Weights of the cost of one assignment (volunteer to order).

    The cost of assigning volunteer ``v`` to order ``o`` is, in cost units
    (one unit is one minute of travel at the default weights)::

        travel      * minutes from v's home to o (0 when remote)
      + pace        * (1 - behind_v)            behind_v = clip(pace gap / target, 0, 1)
      + reliability * (1 - reliability_v)       smoothed accept rate
      + rating      * (1 - rating_v / 5)        unrated: 0.8 (a neutral 4 of 5)
      + continuity  * (0 if v last served o's resident else 1)
      + balance     * committed_v / cap_v        committed_hours declared for this week

    The defaults follow the order of the objective: travel comes second after
    the served weights (which are lexicographic, see :class:`DispatchParams`),
    and the four preferences after it break ties: together they weigh less
    than one minute of travel, so a plan with a minute less travel always wins
    and, between plans within a minute of each other, the one giving the work
    to volunteers behind their quota pace, more reliable and better rated,
    who served the resident before and have less booked this week wins. Raise
    ``pace`` (say to 10) to let quota pace outweigh a few minutes of travel.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    travel: float = Field(default=1.0, ge=0.0)
    pace: float = Field(default=0.3, ge=0.0)
    reliability: float = Field(default=0.15, ge=0.0)
    rating: float = Field(default=0.15, ge=0.0)
    continuity: float = Field(default=0.25, ge=0.0)
    balance: float = Field(default=0.1, ge=0.0)


class DispatchParams(BaseModel):
    """Parameters of a dispatch.

    Parameters
    ----------
    max_travel_minutes
        The service circle: no volunteer travels longer (15 by default).
    weights
        Cost weights (:class:`ObjectiveWeights`).
    priority_weights
        Weight of serving an order of each priority class. Classes other than
        ``"normal"`` are vulnerable and come first lexicographically.
    time_limit
        Seconds of search in total.
    seed
        Random seed of the solver.
    workers
        CP-SAT search workers; 1 with a fixed seed is deterministic.
    start_step_minutes
        Step between the allowed starts of an order with a window.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_travel_minutes: float = Field(default=DEFAULT_MAX_TRAVEL_MINUTES, gt=0.0)
    weights: ObjectiveWeights = Field(default_factory=ObjectiveWeights)
    priority_weights: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_PRIORITY_WEIGHTS)
    )
    time_limit: float = Field(default=10.0, gt=0.0)
    seed: int = Field(default=0, ge=0)
    workers: int = Field(default=1, ge=1, le=64)
    start_step_minutes: int = Field(default=15, ge=1, le=24 * 60)

    @model_validator(mode="after")
    def _check_priorities(self) -> Self:
        if NORMAL not in self.priority_weights:
            raise ValueError("priority_weights must include 'normal'")
        bad = [k for k, w in self.priority_weights.items() if w <= 0]
        if bad:
            raise ValueError(f"priority weights must be positive: {', '.join(map(repr, bad))}")
        return self


class DispatchProblem(BaseModel):
    """One week of orders to dispatch over an organization's volunteers.

    Parameters
    ----------
    organization
        Volunteers, teams, team model, skills and stations.
    menu
        Service items the orders refer to.
    orders
        The orders of the week.
    week_start
        Monday of the week; every order starts within it.
    travel
        Travel model (walking straight line by default).
    committed_hours
        Hours each volunteer (by id) already committed this week, outside this problem.
    last_served_by
        Resident id -> ids of volunteers who served them recently (continuity).
    pins
        Assignments to keep exactly.
    exclusions
        (order, volunteer) pairs never to assign, such as declined offers.
    commitments
        Time volunteers already committed this week (blocks them, counts to caps).
    unavailable
        Ids of volunteers not available at all for this problem.
    params
        Dispatch parameters.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    organization: Organization
    menu: tuple[ServiceItem, ...]
    orders: tuple[Order, ...]
    week_start: date
    travel: TravelModel = Field(default_factory=StraightLineTravel)
    committed_hours: dict[str, float] = Field(default_factory=dict)
    last_served_by: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    pins: tuple[Pin, ...] = ()
    exclusions: tuple[Exclusion, ...] = ()
    commitments: tuple[Commitment, ...] = ()
    unavailable: tuple[str, ...] = ()
    params: DispatchParams = Field(default_factory=DispatchParams)

    @model_validator(mode="wrap")
    @classmethod
    def _check_references(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        if isinstance(data, cls):
            return data  # frozen and validated when it was built: nothing to re-check
        return validate_all(
            cls.__name__,
            data,
            handler,
            lambda p: _cross_check(p, list(enumerate(p.orders))),
            _check_raw,
        )

    @cached_property
    def menu_index(self) -> dict[str, ServiceItem]:
        """Menu item by code."""
        return {m.code: m for m in self.menu}

    @cached_property
    def order_index(self) -> dict[str, int]:
        """Order id -> index."""
        return {o.id: i for i, o in enumerate(self.orders)}

    def resolved(self, order: Order) -> ResolvedOrder:
        """The order with the menu item's defaults filled in."""
        return ResolvedOrder.of(order, self.menu_index[order.service])

    @property
    def week_origin(self) -> datetime:
        """Midnight starting the week; minute 0 of the problem."""
        return datetime.combine(self.week_start, datetime.min.time())

    def replace(self, **changes: Any) -> DispatchProblem:
        """A validated copy with some fields replaced."""
        fields = {name: getattr(self, name) for name in type(self).model_fields}
        fields.update(changes)
        return DispatchProblem.model_validate(fields)


class ResolvedOrder(BaseModel):
    """An order with every default resolved from the menu."""

    model_config = ConfigDict(frozen=True)

    id: str
    service: str
    location: Location
    start: datetime
    latest_start: datetime
    duration_minutes: int
    volunteers_needed: int
    skills: tuple[str, ...]
    categories: tuple[str, ...]
    remote: bool
    same_team: bool
    needs_captain: bool
    priority: str
    resident: str | None

    @classmethod
    def of(cls, order: Order, item: ServiceItem) -> ResolvedOrder:
        """Fill ``order``'s missing fields from ``item`` (both validated: nothing to re-check)."""
        return cls.model_construct(
            id=order.id,
            service=order.service,
            location=order.location,
            start=order.start,
            latest_start=order.latest_start or order.start,
            duration_minutes=order.duration_minutes or item.duration_minutes,
            volunteers_needed=order.volunteers_needed or item.volunteers_needed,
            skills=order.skills if order.skills is not None else item.skills,
            categories=order.categories if order.categories is not None else item.categories,
            remote=order.remote if order.remote is not None else item.remote,
            same_team=order.same_team,
            needs_captain=order.needs_captain,
            priority=order.priority,
            resident=order.resident,
        )


def _check_model(p: DispatchProblem) -> list[InitErrorDetails]:
    """Cross checks on a validated dispatch problem."""
    return _cross_check(p, list(enumerate(p.orders)))


def _check_raw(data: Mapping[str, Any]) -> list[InitErrorDetails]:
    """Cross checks when some fields failed: run them on what validated."""
    try:
        org = Organization.model_validate(data.get("organization"))
        menu = tuple(ServiceItem.model_validate(m) for m in data.get("menu", ()))
        week_start = date.fromisoformat(str(data["week_start"])) if "week_start" in data else None
        params = DispatchParams.model_validate(data.get("params", {}))
    except (ValidationError, ValueError, TypeError):
        return []
    if week_start is None:
        return []
    orders: list[tuple[int, Order]] = []
    raw_orders = data.get("orders", ())
    for i, o in enumerate(raw_orders if isinstance(raw_orders, list | tuple) else ()):
        try:
            orders.append((i, Order.model_validate(o)))
        except ValidationError:
            continue
    shell = DispatchProblem.model_construct(
        organization=org,
        menu=menu,
        orders=tuple(o for _, o in orders),
        week_start=week_start,
        committed_hours=dict(data.get("committed_hours", {}) or {}),
        last_served_by={},
        pins=(),
        params=params,
    )
    return _cross_check(shell, orders, check_pins=False)


def _cross_check(
    p: DispatchProblem, orders: list[tuple[int, Order]], check_pins: bool = True
) -> list[InitErrorDetails]:
    """Every cross-reference problem of a dispatch problem."""
    found: list[InitErrorDetails] = []
    org = p.organization
    found += duplicates((m.code for m in p.menu), "menu item", "menu")
    found += duplicates([o.id for _, o in orders], "order", "orders", [i for i, _ in orders])
    skills = {s.code for s in org.skills} if org.skills is not None else None
    categories = set(org.team_model.codes)
    team_sizes: dict[str, int] = {}
    for members, t in zip(org.team2members, org.teams, strict=True):
        team_sizes[t.category] = max(team_sizes.get(t.category, 0), len(members))
    menu = {m.code: m for m in p.menu}
    for k, m in enumerate(p.menu):
        for j, code in enumerate(m.skills):
            if skills is not None and code not in skills:
                found.append(
                    problem(
                        "unknown_skill",
                        f"menu item {m.code!r} requires unknown skill {code!r}",
                        ("menu", k, "skills", j),
                        code,
                    )
                )
        for j, code in enumerate(m.categories):
            found += unknown(
                code,
                categories,
                "unknown_team_category",
                ("menu", k, "categories", j),
                "menu item {m_code!r} allows unknown team category {value!r}",
                m_code=m.code,
            )
    origin = datetime.combine(p.week_start, datetime.min.time())
    week_end = origin + timedelta(days=7)
    for i, o in orders:
        item = menu.get(o.service)
        if item is None:
            found.append(
                problem(
                    "unknown_service",
                    f"order {o.id!r} orders unknown service {o.service!r}",
                    ("orders", i, "service"),
                    o.service,
                )
            )
            continue
        r = ResolvedOrder.of(o, item)
        for j, code in enumerate(o.skills or ()):
            if skills is not None and code not in skills:
                found.append(
                    problem(
                        "unknown_skill",
                        f"order {o.id!r} requires unknown skill {code!r}",
                        ("orders", i, "skills", j),
                        code,
                    )
                )
        for j, code in enumerate(o.categories or ()):
            found += unknown(
                code,
                categories,
                "unknown_team_category",
                ("orders", i, "categories", j),
                "order {o_id!r} allows unknown team category {value!r}",
                o_id=o.id,
            )
        if o.priority not in p.params.priority_weights:
            found.append(
                problem(
                    "unknown_priority",
                    f"order {o.id!r} has priority {o.priority!r}, not among the priority weights "
                    f"({', '.join(p.params.priority_weights)})",
                    ("orders", i, "priority"),
                    o.priority,
                )
            )
        for field, when in (("start", r.start), ("latest_start", r.latest_start)):
            if not origin <= when < week_end:
                found.append(
                    problem(
                        "outside_week",
                        f"order {o.id!r} {field.replace('_', ' ')} {when.isoformat()} is "
                        f"outside the week of {p.week_start.isoformat()}",
                        ("orders", i, field),
                        when.isoformat(),
                    )
                )
        if r.same_team:
            allowed = r.categories or tuple(categories)
            biggest = max((team_sizes.get(c, 0) for c in allowed), default=0)
            if r.volunteers_needed > biggest:
                found.append(
                    problem(
                        "team_too_small",
                        f"order {o.id!r} needs {r.volunteers_needed} volunteers from one team, "
                        f"but the largest allowed team has {biggest} members",
                        ("orders", i, "volunteers_needed"),
                        r.volunteers_needed,
                    )
                )
    vol_ids = org.volunteer_index
    for vid in p.committed_hours:
        found += unknown(
            vid,
            vol_ids,
            "unknown_volunteer",
            ("committed_hours", vid),
            "committed hours given for unknown volunteer {value!r}",
        )
    for res, vids in p.last_served_by.items():
        for j, vid in enumerate(vids):
            found += unknown(
                vid,
                vol_ids,
                "unknown_volunteer",
                ("last_served_by", res, j),
                "resident {res!r} was last served by unknown volunteer {value!r}",
                res=res,
            )
    for k, c in enumerate(p.commitments):
        found += unknown(
            c.volunteer,
            vol_ids,
            "unknown_volunteer",
            ("commitments", k, "volunteer"),
            "commitment {k} names unknown volunteer {value!r}",
            k=k,
        )
    for k, vid in enumerate(p.unavailable):
        found += unknown(
            vid,
            vol_ids,
            "unknown_volunteer",
            ("unavailable", k),
            "unavailable volunteer {value!r} is unknown",
        )
    if check_pins:
        order_ids = {o.id: idx for idx, o in orders}
        for k, ex in enumerate(p.exclusions):
            found += unknown(
                ex.order,
                order_ids,
                "unknown_order",
                ("exclusions", k, "order"),
                "exclusion {k} names unknown order {value!r}",
                k=k,
            )
            found += unknown(
                ex.volunteer,
                vol_ids,
                "unknown_volunteer",
                ("exclusions", k, "volunteer"),
                "exclusion {k} names unknown volunteer {value!r}",
                k=k,
            )
        pins_per_order: dict[str, int] = {}
        for pin in p.pins:
            pins_per_order[pin.order] = pins_per_order.get(pin.order, 0) + 1
        order_by_id = {o.id: o for _, o in orders}
        for oid, count in pins_per_order.items():
            pinned_order = order_by_id.get(oid)
            item = menu.get(pinned_order.service) if pinned_order is not None else None
            if pinned_order is not None and item is not None:
                needed = ResolvedOrder.of(pinned_order, item).volunteers_needed
                if count > needed:
                    found.append(
                        problem(
                            "too_many_pins",
                            f"order {oid!r} has {count} pinned volunteers but needs {needed}",
                            ("pins",),
                            oid,
                        )
                    )
        seen: set[tuple[str, str]] = set()
        for k, pin in enumerate(p.pins):
            found += unknown(
                pin.order,
                order_ids,
                "unknown_order",
                ("pins", k, "order"),
                "pin {k} names unknown order {value!r}",
                k=k,
            )
            found += unknown(
                pin.volunteer,
                vol_ids,
                "unknown_volunteer",
                ("pins", k, "volunteer"),
                "pin {k} names unknown volunteer {value!r}",
                k=k,
            )
            if (pin.order, pin.volunteer) in seen:
                found.append(
                    problem(
                        "duplicate_pin",
                        f"pin {k} repeats {pin.order!r} -> {pin.volunteer!r}",
                        ("pins", k),
                        pin.order,
                    )
                )
            seen.add((pin.order, pin.volunteer))
    return found
