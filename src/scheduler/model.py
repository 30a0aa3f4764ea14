"""Boundary models of rostering: posts, shifts, contracts, requests and the problem.

A :class:`RosterProblem` covers a horizon of whole days from ``start`` (day 0;
a week by default, up to a year). Shifts belong to posts; a volunteer works a
shift at a post within reach, when free, with the skills and team category the
shift asks for, under the rules of their :class:`Contract`. Validation checks
every cross reference and every inconsistent number, and reports all problems
together in one ``ValidationError`` naming the culprit.

Nothing here is specific to one country: a post is any place and duty that
needs people on shifts (a station's duty desk, a food bank's sorting line, a
shelter's night watch).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ModelWrapValidatorHandler, model_validator
from pydantic_core import InitErrorDetails

from volunteers import DEFAULT_MAX_TRAVEL_MINUTES, Location, Organization, StraightLineTravel
from volunteers.errors import duplicates, problem, unknown, validate_all
from volunteers.ids import Id
from volunteers.travel import TravelModel

MAX_HORIZON_DAYS = 366


class Post(BaseModel):
    """A place and duty that needs people on shifts (岗位).

    Parameters
    ----------
    id, name
        Identifier and display name.
    location
        Where the post is; reach and travel are measured to it.
    skills
        Skills every volunteer on its shifts needs by default (all of them).
    categories
        Team categories allowed by default; empty means anyone.
    remote
        Duty by phone or online: distance does not apply.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Id
    name: str = ""
    location: Location
    skills: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    remote: bool = False


class SeatSkill(BaseModel):
    """At least ``count`` of a shift's volunteers must have ``skill`` (e.g. one first-aider)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    skill: str
    count: int = Field(default=1, ge=1)


class Shift(BaseModel):
    """One shift of a post: when, who may work it, and how many people.

    Parameters
    ----------
    id
        Identifier.
    post
        Id of its :class:`Post`.
    kind
        Shift type (``"early"``, ``"night"``, ...), used by forbidden successions,
        per-type maximums and requests; defaults to the post id.
    start, end
        When it starts and ends (``end`` may fall on the next day).
    skills, categories
        Required of every volunteer on it; ``None`` takes the post's.
    seat_skills
        Skills required of some seats only (soft: ``under_weight`` per missing one).
    minimum, target, maximum
        Head count: below ``minimum`` or above ``maximum`` is not allowed (hard);
        each person under or over ``target`` costs ``under_weight`` or
        ``over_weight``. ``maximum`` ``None`` means no hard maximum.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Id
    post: str
    kind: str | None = None
    start: datetime
    end: datetime
    skills: tuple[str, ...] | None = None
    categories: tuple[str, ...] | None = None
    seat_skills: tuple[SeatSkill, ...] = ()
    minimum: int = Field(default=0, ge=0)
    target: int = Field(default=1, ge=0)
    maximum: int | None = Field(default=None, ge=0)
    under_weight: float = Field(default=100.0, ge=0.0)
    over_weight: float = Field(default=1.0, ge=0.0)

    @property
    def type(self) -> str:
        """The shift type: ``kind``, or the post id."""
        return self.kind if self.kind is not None else self.post

    @property
    def minutes(self) -> int:
        """Length in minutes."""
        return int((self.end - self.start).total_seconds() // 60)


class Contract(BaseModel):
    """Per-volunteer rules, shared by every volunteer who has this contract.

    Parameters
    ----------
    id
        Identifier.
    max_shifts_per_day
        Most shifts starting on one day.
    min_rest_minutes
        Least time between the end of one shift and the start of the next.
    forbidden_successions
        ``(type_a, type_b)``: a shift of type ``a`` on one day may not be followed
        by a shift of type ``b`` the next day.
    max_shifts
        Most shifts of a type or at a post (by id) over the horizon; 0 forbids it.
    min_minutes, max_minutes
        Total minutes over the horizon (a quota, a cap).
    min_consecutive_days, max_consecutive_days
        Length of every run of consecutive working days.
    min_consecutive_days_off
        Length of every run of consecutive days off.
    max_weekends
        Weekends (Saturday or Sunday worked) over the horizon.

    Minimum-run rules do not apply to runs touching the first or last day of
    the horizon (what came before and after is unknown). The weekly hour cap of
    each volunteer (``Volunteer.weekly_hour_cap``) applies to every 7-day block
    from the horizon's start, on top of these rules.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Id
    max_shifts_per_day: int = Field(default=1, ge=1)
    min_rest_minutes: int = Field(default=0, ge=0)
    forbidden_successions: tuple[tuple[str, str], ...] = ()
    max_shifts: dict[str, int] = Field(default_factory=dict)
    min_minutes: int = Field(default=0, ge=0)
    max_minutes: int | None = Field(default=None, ge=0)
    min_consecutive_days: int = Field(default=1, ge=1)
    max_consecutive_days: int | None = Field(default=None, ge=1)
    min_consecutive_days_off: int = Field(default=1, ge=1)
    max_weekends: int | None = Field(default=None, ge=0)


class Request(BaseModel):
    """A volunteer's wish to work (``on``) or not (``off``), with its weight.

    It is about a whole ``day``, or one ``shift`` (its day is the shift's start
    date); ``kind`` and ``post`` narrow it to shifts of that type or post. An
    ``on`` request is met when the volunteer works a matching shift that day;
    an ``off`` request is broken by each matching shift they work.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    volunteer: str
    day: date | None = None
    shift: str | None = None
    want: Literal["on", "off"]
    kind: str | None = None
    post: str | None = None
    weight: float = Field(default=1.0, ge=0.0)

    @model_validator(mode="after")
    def _day_or_shift(self) -> Self:
        if self.day is None and self.shift is None:
            raise ValueError(f"request of {self.volunteer!r} names neither a day nor a shift")
        return self


class RosterPin(BaseModel):
    """A volunteer on a shift: kept exactly when pinned, or part of a previous roster."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    volunteer: str
    shift: str


class TeamRule(BaseModel):
    """A team's weekly duty: its members together work at least ``min_hours_per_week``.

    Every shift a member works counts for the team (for each ruled team they
    belong to). A partial week at the end of the horizon needs its share
    (``days / 7``). Members take turns: those who were on duty within
    ``rotation_days`` before the roster starts (``RosterProblem.last_on_duty``)
    are given hours last (``RosterWeights.rotation``).

    Parameters
    ----------
    team
        The team's id.
    min_hours_per_week
        Hours the team's members work together each week.
    weight
        Per missing hour (rounded up), per week.
    rotation_days
        How far back a past duty still counts against a member's turn.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    team: str
    min_hours_per_week: float = Field(gt=0.0)
    weight: float = Field(default=20.0, ge=0.0)
    rotation_days: int = Field(default=28, ge=1)


class RosterWeights(BaseModel):
    """Weights of the soft terms besides coverage and requests (cost per unit).

    Parameters
    ----------
    travel
        Per minute of travel from home to the post, per shift worked.
    pace
        Per hour given to a volunteer already on their yearly quota pace
        (scaled by how far ahead they are): hours go first to those behind.
    change
        Per difference (a shift added or removed) from ``previous``.
    fairness
        Per unit of the sum over volunteers of their squared load: spreading
        the same work more evenly costs less (0 turns it off). With a fixed
        total, this is the spread of loads around their mean.
    fairness_unit
        What a load counts: ``"hour"`` (minutes worked, rounded up to whole
        hours) or ``"shift"`` (shifts worked).
    rotation
        Per hour given to a member of a ruled team (:class:`TeamRule`) who was on
        duty recently, scaled from 1 (the day before the roster starts) down to 0
        (``rotation_days`` before or earlier): members take turns.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    travel: float = Field(default=0.05, ge=0.0)
    pace: float = Field(default=0.5, ge=0.0)
    change: float = Field(default=5.0, ge=0.0)
    fairness: float = Field(default=0.0, ge=0.0)
    fairness_unit: Literal["hour", "shift"] = "hour"
    rotation: float = Field(default=1.0, ge=0.0)


class RosterParams(BaseModel):
    """Solver parameters and weights.

    Attributes
    ----------
    time_limit
        Wall-clock seconds; the best roster found by then is returned.
    work_limit
        When given, the solver's phases stop on counted work rather than on the
        clock (see :mod:`scheduler.clock`): the same seed then gives the same
        roster, run after run (several CP-SAT workers interleave their search
        to keep it so). About one second of a 2-core machine per unit;
        ``time_limit`` still caps the wall time (a run it stops is not
        reproducible).
    seed
        Random seed of every randomized phase.
    workers
        CP-SAT's search workers (on a work budget, models of more than
        :data:`scheduler.solve.INTERLEAVE_MAX_PAIRS` pairs are searched by one).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_travel_minutes: float = Field(default=DEFAULT_MAX_TRAVEL_MINUTES, gt=0.0)
    weights: RosterWeights = Field(default_factory=RosterWeights)
    time_limit: float = Field(default=10.0, gt=0.0)
    work_limit: float | None = Field(default=None, gt=0.0)
    seed: int = 0
    workers: int = Field(default=1, ge=1)


class RosterProblem(BaseModel):
    """Build a roster over ``num_days`` days from ``start``.

    Parameters
    ----------
    organization
        Volunteers (availability, skills, teams, weekly caps, quota).
    start, num_days
        The horizon (day 0 = ``start``).
    posts, shifts
        What must be staffed.
    contracts
        Rule sets; ``contract_of`` maps volunteer ids to one, the others get
        ``default_contract`` (or no rules beyond one shift a day when ``None``).
    requests
        On and off wishes.
    pins
        Assignments kept exactly.
    previous
        A roster to stay close to when re-rostering (``weights.change``).
    team_rules
        Weekly hours each team puts on duty, members taking turns.
    last_on_duty
        History: the last day each volunteer was on duty before ``start``
        (for turn-taking in ruled teams).
    travel
        Travel-time model from homes to posts.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    organization: Organization
    start: date
    num_days: int = Field(default=7, ge=1, le=MAX_HORIZON_DAYS)
    posts: tuple[Post, ...] = ()
    shifts: tuple[Shift, ...] = ()
    contracts: tuple[Contract, ...] = ()
    contract_of: dict[str, str] = Field(default_factory=dict)
    default_contract: str | None = None
    requests: tuple[Request, ...] = ()
    pins: tuple[RosterPin, ...] = ()
    previous: tuple[RosterPin, ...] = ()
    team_rules: tuple[TeamRule, ...] = ()
    last_on_duty: dict[str, date] = Field(default_factory=dict)
    travel: TravelModel = Field(default_factory=StraightLineTravel)
    params: RosterParams = Field(default_factory=RosterParams)

    @model_validator(mode="wrap")
    @classmethod
    def _check_references(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        if isinstance(data, cls):
            return data
        return validate_all(cls.__name__, data, handler, _cross_check, _no_raw_check)

    @cached_property
    def post_index(self) -> dict[str, int]:
        """Post id -> index."""
        return {p.id: i for i, p in enumerate(self.posts)}

    @cached_property
    def shift_index(self) -> dict[str, int]:
        """Shift id -> index."""
        return {s.id: i for i, s in enumerate(self.shifts)}

    @cached_property
    def contract_index(self) -> dict[str, int]:
        """Contract id -> index."""
        return {c.id: i for i, c in enumerate(self.contracts)}

    @property
    def origin(self) -> datetime:
        """Midnight starting day 0."""
        return datetime.combine(self.start, datetime.min.time())

    def day_of(self, when: datetime) -> int:
        """Day index of a moment (may be outside the horizon)."""
        return (when.date() - self.start).days

    def contract(self, volunteer_id: str) -> Contract:
        """The contract of a volunteer (a rule-free one when none applies)."""
        cid = self.contract_of.get(volunteer_id, self.default_contract)
        if cid is None:
            return Contract(id="none")
        return self.contracts[self.contract_index[cid]]

    def shift_skills(self, s: Shift) -> tuple[str, ...]:
        """Skills required of everyone on ``s``."""
        return s.skills if s.skills is not None else self.posts[self.post_index[s.post]].skills

    def shift_categories(self, s: Shift) -> tuple[str, ...]:
        """Team categories allowed on ``s`` (empty: anyone)."""
        if s.categories is not None:
            return s.categories
        return self.posts[self.post_index[s.post]].categories

    def request_day(self, r: Request) -> date:
        """The day a request is about: its ``day``, or its shift's start date."""
        if r.day is not None:
            return r.day
        assert r.shift is not None  # the request's own validator
        return self.shifts[self.shift_index[r.shift]].start.date()

    def request_matches(self, r: Request, s: Shift) -> bool:
        """Whether shift ``s`` is one request ``r`` is about."""
        return (
            s.start.date() == self.request_day(r)
            and (r.shift is None or s.id == r.shift)
            and (r.kind is None or s.type == r.kind)
            and (r.post is None or s.post == r.post)
        )

    def weeks(self) -> list[tuple[int, int]]:
        """The horizon's weeks as ``(first day, days)``: 7-day blocks from ``start``."""
        return [(d, min(7, self.num_days - d)) for d in range(0, self.num_days, 7)]

    def team_rule_minutes(self, rule: TeamRule, days: int) -> int:
        """Minutes a team rule asks of a week of ``days`` days (its share of a partial week)."""
        return round(rule.min_hours_per_week * 60 * days / 7)

    def recency(self) -> dict[str, float]:
        """Per member of a ruled team with a past duty: how recent it is, in (0, 1].

        1 when it was the day before ``start``, falling linearly to 0 at the
        rule's ``rotation_days`` (the largest value over a member's ruled teams).
        """
        org = self.organization
        out: dict[str, float] = {}
        for rule in self.team_rules:
            for vid in org.members(rule.team):
                last = self.last_on_duty.get(vid)
                if last is None:
                    continue
                since = (self.start - last).days
                value = max(0.0, min(1.0, (rule.rotation_days + 1 - since) / rule.rotation_days))
                if value > out.get(vid, 0.0):
                    out[vid] = value
        return out

    def replace(self, **changes: Any) -> RosterProblem:
        """A validated copy with some fields replaced."""
        fields = {name: getattr(self, name) for name in type(self).model_fields}
        fields.update(changes)
        return RosterProblem.model_validate(fields)


def _no_raw_check(data: Mapping[str, Any]) -> list[InitErrorDetails]:
    return []


def _cross_check(p: RosterProblem) -> list[InitErrorDetails]:
    """Every cross-reference and consistency problem of a roster problem."""
    found: list[InitErrorDetails] = []
    org = p.organization
    found += duplicates((x.id for x in p.posts), "post", "posts")
    found += duplicates((x.id for x in p.shifts), "shift", "shifts")
    found += duplicates((x.id for x in p.contracts), "contract", "contracts")
    skills = {s.code for s in org.skills} if org.skills is not None else None
    categories = set(org.team_model.codes)
    vols = org.volunteer_index
    posts = {x.id for x in p.posts}
    contracts = {x.id for x in p.contracts}

    def check_skills(codes: tuple[str, ...], loc: tuple[str | int, ...], who: str) -> None:
        for j, code in enumerate(codes):
            if skills is not None and code not in skills:
                found.append(
                    problem(
                        "unknown_skill", f"{who} requires unknown skill {code!r}", (*loc, j), code
                    )
                )

    def check_categories(codes: tuple[str, ...], loc: tuple[str | int, ...], who: str) -> None:
        for j, code in enumerate(codes):
            found.extend(
                unknown(
                    code,
                    categories,
                    "unknown_team_category",
                    (*loc, j),
                    "{who} allows unknown team category {value!r}",
                    who=who,
                )
            )

    for i, post in enumerate(p.posts):
        check_skills(post.skills, ("posts", i, "skills"), f"post {post.id!r}")
        check_categories(post.categories, ("posts", i, "categories"), f"post {post.id!r}")
    first = p.origin
    last = first + timedelta(days=p.num_days)
    for i, s in enumerate(p.shifts):
        who = f"shift {s.id!r}"
        found += unknown(
            s.post,
            posts,
            "unknown_post",
            ("shifts", i, "post"),
            who + " is at unknown post {value!r}",
        )
        if s.end <= s.start:
            found.append(
                problem(
                    "shift_ends_before_start",
                    f"{who} ends before it starts",
                    ("shifts", i, "end"),
                    str(s.end),
                )
            )
        elif s.end - s.start > timedelta(days=1):
            found.append(
                problem(
                    "shift_too_long",
                    f"{who} lasts more than a day",
                    ("shifts", i, "end"),
                    str(s.end),
                )
            )
        if not first <= s.start < last:
            found.append(
                problem(
                    "shift_outside_horizon",
                    f"{who} starts outside the horizon {p.start} + {p.num_days} days",
                    ("shifts", i, "start"),
                    str(s.start),
                )
            )
        if s.skills is not None:
            check_skills(s.skills, ("shifts", i, "skills"), who)
        if s.categories is not None:
            check_categories(s.categories, ("shifts", i, "categories"), who)
        for j, seat in enumerate(s.seat_skills):
            check_skills((seat.skill,), ("shifts", i, "seat_skills", j, "skill"), who)
        if s.maximum is not None and s.minimum > s.maximum:
            found.append(
                problem(
                    "min_above_max",
                    f"{who} has minimum {s.minimum} above maximum {s.maximum}",
                    ("shifts", i, "minimum"),
                    s.minimum,
                )
            )
    for i, c in enumerate(p.contracts):
        who = f"contract {c.id!r}"
        if c.max_minutes is not None and c.min_minutes > c.max_minutes:
            found.append(
                problem(
                    "min_above_max",
                    f"{who} has min_minutes {c.min_minutes} above max_minutes {c.max_minutes}",
                    ("contracts", i, "min_minutes"),
                    c.min_minutes,
                )
            )
        if c.max_consecutive_days is not None and c.min_consecutive_days > c.max_consecutive_days:
            found.append(
                problem(
                    "min_above_max",
                    f"{who} has min_consecutive_days {c.min_consecutive_days} above "
                    f"max_consecutive_days {c.max_consecutive_days}",
                    ("contracts", i, "min_consecutive_days"),
                    c.min_consecutive_days,
                )
            )
        for key, n in c.max_shifts.items():
            if n < 0:
                found.append(
                    problem(
                        "negative_maximum",
                        f"{who} allows a negative number of shifts of {key!r}",
                        ("contracts", i, "max_shifts", key),
                        n,
                    )
                )
    for vid, cid in p.contract_of.items():
        found += unknown(
            vid,
            vols,
            "unknown_volunteer",
            ("contract_of", vid),
            "contract for unknown volunteer {value!r}",
        )
        found += unknown(
            cid,
            contracts,
            "unknown_contract",
            ("contract_of", vid),
            "volunteer {vid!r} has unknown contract {value!r}",
            vid=vid,
        )
    if p.default_contract is not None:
        found += unknown(
            p.default_contract,
            contracts,
            "unknown_contract",
            ("default_contract",),
            "unknown default contract {value!r}",
        )
    shifts = {s.id for s in p.shifts}
    for i, r in enumerate(p.requests):
        found += unknown(
            r.volunteer,
            vols,
            "unknown_volunteer",
            ("requests", i, "volunteer"),
            "request of unknown volunteer {value!r}",
        )
        if r.post is not None:
            found += unknown(
                r.post,
                posts,
                "unknown_post",
                ("requests", i, "post"),
                "request for unknown post {value!r}",
            )
        if r.shift is not None:
            found += unknown(
                r.shift,
                shifts,
                "unknown_shift",
                ("requests", i, "shift"),
                "request for unknown shift {value!r}",
            )
            if r.shift not in shifts:
                continue
            on = p.shifts[p.shift_index[r.shift]].start.date()
            if r.day is not None and r.day != on:
                found.append(
                    problem(
                        "request_day_mismatch",
                        f"request of {r.volunteer!r} for shift {r.shift!r} names day {r.day}, "
                        f"but the shift starts on {on}",
                        ("requests", i, "day"),
                        str(r.day),
                    )
                )
        day = p.request_day(r)
        if not 0 <= (day - p.start).days < p.num_days:
            found.append(
                problem(
                    "request_outside_horizon",
                    f"request of {r.volunteer!r} on {day} is outside the horizon",
                    ("requests", i, "day"),
                    str(day),
                )
            )
    teams = org.team_index
    found += duplicates((r.team for r in p.team_rules), "team rule", "team_rules")
    for i, rule in enumerate(p.team_rules):
        found += unknown(
            rule.team,
            teams,
            "unknown_team",
            ("team_rules", i, "team"),
            "team rule names unknown team {value!r}",
        )
    for vid, last_duty in p.last_on_duty.items():
        found += unknown(
            vid,
            vols,
            "unknown_volunteer",
            ("last_on_duty", vid),
            "last duty given for unknown volunteer {value!r}",
        )
        if last_duty >= p.start:
            found.append(
                problem(
                    "duty_not_before_start",
                    f"last duty of {vid!r} on {last_duty} is not before the roster starts "
                    f"({p.start})",
                    ("last_on_duty", vid),
                    str(last_duty),
                )
            )
    for field in ("pins", "previous"):
        for i, pin in enumerate(getattr(p, field)):
            found += unknown(
                pin.volunteer,
                vols,
                "unknown_volunteer",
                (field, i, "volunteer"),
                "unknown volunteer {value!r}",
            )
            found += unknown(
                pin.shift, shifts, "unknown_shift", (field, i, "shift"), "unknown shift {value!r}"
            )
    return found
