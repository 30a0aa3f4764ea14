"""An organization: its stations, team model, skills, teams and volunteers.

:class:`Organization` is the validated whole that both solvers start from.
Besides each item's own fields it checks every cross reference and reports all
problems of one input together in a single ``ValidationError`` whose paths
name the culprit (``volunteers.17.station: volunteer 'v17' is registered at
unknown station 's9'``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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

from volunteers.errors import duplicates, problem, unknown, validate_all
from volunteers.hours import HourLedger, QuotaPolicy
from volunteers.skills import Skill
from volunteers.stations import Station, StationTree
from volunteers.teams import EIGHT_PLUS_N, Team, TeamModel
from volunteers.volunteer import Volunteer


class Organization(BaseModel):
    """A volunteer organization (a county's practice network, a food bank, ...).

    Parameters
    ----------
    name
        Display name.
    team_model
        Catalog of team categories; teams must use its codes.
    skills
        Skill catalog; when given, every skill named must be in it. ``None``
        leaves the vocabulary open.
    quota
        Yearly hour quota policy.
    stations, teams, volunteers
        The members of the organization; ids unique within each list.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = "organization"
    team_model: TeamModel = EIGHT_PLUS_N
    skills: tuple[Skill, ...] | None = None
    quota: QuotaPolicy = Field(default_factory=QuotaPolicy)
    stations: tuple[Station, ...] = ()
    teams: tuple[Team, ...] = ()
    volunteers: tuple[Volunteer, ...] = ()

    @model_validator(mode="wrap")
    @classmethod
    def _check_references(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        if isinstance(data, cls):
            return data  # frozen and validated when it was built: nothing to re-check
        return validate_all(cls.__name__, data, handler, _check_model, _check_raw)

    def replace(self, **changes: Any) -> Organization:
        """A validated copy with some fields replaced (cross references re-checked)."""
        fields = {name: getattr(self, name) for name in type(self).model_fields}
        fields.update(changes)
        return Organization.model_validate(fields)

    @cached_property
    def station_index(self) -> dict[str, int]:
        """Station id -> index."""
        return {s.id: i for i, s in enumerate(self.stations)}

    @cached_property
    def team_index(self) -> dict[str, int]:
        """Team id -> index."""
        return {t.id: i for i, t in enumerate(self.teams)}

    @cached_property
    def volunteer_index(self) -> dict[str, int]:
        """Volunteer id -> index."""
        return {v.id: i for i, v in enumerate(self.volunteers)}

    @cached_property
    def tree(self) -> StationTree:
        """The station hierarchy."""
        return StationTree(self.stations)

    @cached_property
    def team2members(self) -> tuple[tuple[int, ...], ...]:
        """Volunteer indices of each team's members, in volunteer order."""
        members: list[list[int]] = [[] for _ in self.teams]
        index = self.team_index
        for i, v in enumerate(self.volunteers):
            for t in v.teams:
                members[index[t]].append(i)
        return tuple(tuple(m) for m in members)

    def members(self, team_id: str) -> tuple[str, ...]:
        """Volunteer ids of a team's members."""
        return tuple(self.volunteers[i].id for i in self.team2members[self.team_index[team_id]])

    @cached_property
    def volunteer2captained(self) -> dict[str, tuple[str, ...]]:
        """Volunteer id -> ids of the teams they captain (only captains appear)."""
        out: dict[str, list[str]] = {}
        for t in self.teams:
            if t.captain is not None:
                out.setdefault(t.captain, []).append(t.id)
        return {v: tuple(ts) for v, ts in out.items()}

    def captained_teams(self, volunteer_id: str) -> tuple[str, ...]:
        """Ids of the teams a volunteer captains (empty when none)."""
        return self.volunteer2captained.get(volunteer_id, ())

    def ledger(self) -> HourLedger:
        """The hour ledger of all volunteers under this organization's quota policy."""
        return HourLedger.from_volunteers(self.volunteers, self.quota)


def _check_model(org: Organization) -> list[InitErrorDetails]:
    """Cross checks on a validated organization."""
    return _cross_check(
        org.team_model,
        org.skills,
        list(enumerate(org.stations)),
        list(enumerate(org.teams)),
        list(enumerate(org.volunteers)),
        [s.id for s in org.stations],
        [t.id for t in org.teams],
        [v.id for v in org.volunteers],
    )


def _check_raw(data: Mapping[str, Any]) -> list[InitErrorDetails]:
    """Cross checks on raw input some of whose items failed validation."""

    def each(key: str, model: type[BaseModel]) -> tuple[list[tuple[int, Any]], list[object]]:
        raw = data.get(key, ())
        if not isinstance(raw, Sequence) or isinstance(raw, str):
            return [], []
        valid: list[tuple[int, Any]] = []
        ids: list[object] = []
        for i, item in enumerate(raw):
            raw_id = item.get("id") if isinstance(item, Mapping) else getattr(item, "id", None)
            ids.append(raw_id if isinstance(raw_id, str) else None)
            try:
                valid.append((i, model.model_validate(item)))
            except ValidationError:
                continue
        return valid, ids

    stations, station_ids = each("stations", Station)
    teams, team_ids = each("teams", Team)
    volunteers, volunteer_ids = each("volunteers", Volunteer)
    team_model: TeamModel | None
    try:
        team_model = TeamModel.model_validate(data.get("team_model", EIGHT_PLUS_N))
    except ValidationError:
        team_model = None
    skills: tuple[Skill, ...] | None
    try:
        raw_skills = data.get("skills")
        skills = None if raw_skills is None else tuple(Skill.model_validate(s) for s in raw_skills)
    except (ValidationError, TypeError):
        skills = None
    return _cross_check(
        team_model, skills, stations, teams, volunteers, station_ids, team_ids, volunteer_ids
    )


def _cross_check(
    team_model: TeamModel | None,
    skills: Sequence[Skill] | None,
    stations: Sequence[tuple[int, Station]],
    teams: Sequence[tuple[int, Team]],
    volunteers: Sequence[tuple[int, Volunteer]],
    station_ids: Sequence[object],
    team_ids: Sequence[object],
    volunteer_ids: Sequence[object],
) -> list[InitErrorDetails]:
    """Every cross-reference problem; items are ``(position, model)`` pairs."""
    found: list[InitErrorDetails] = []
    found += duplicates(station_ids, "station", "stations")
    found += duplicates(team_ids, "team", "teams")
    found += duplicates(volunteer_ids, "volunteer", "volunteers")
    if skills is not None:
        found += duplicates((s.code for s in skills), "skill", "skills")

    known_stations = {s for s in station_ids if isinstance(s, str)}
    known_teams = {t for t in team_ids if isinstance(t, str)}
    known_volunteers = {v for v in volunteer_ids if isinstance(v, str)}
    rank = {s.id: s.level.rank for _, s in stations}
    level = {s.id: s.level.value for _, s in stations}

    for i, s in stations:
        if s.parent is None:
            continue
        found += unknown(
            s.parent,
            known_stations,
            "unknown_station",
            ("stations", i, "parent"),
            "station {s_id!r} has unknown parent {value!r}",
            s_id=s.id,
        )
        if s.parent in rank and rank[s.parent] >= s.level.rank:  # rank keys are known
            found.append(
                problem(
                    "parent_level",
                    f"station {s.id!r} ({s.level.value}) has parent {s.parent!r} "
                    f"({level[s.parent]}); a parent must be of a higher level",
                    ("stations", i, "parent"),
                    s.parent,
                )
            )

    categories = set(team_model.codes) if team_model is not None else None
    captain_of: dict[str, str] = {}
    for i, t in teams:
        if categories is not None and t.category not in categories:
            assert team_model is not None
            found.append(
                problem(
                    "unknown_team_category",
                    f"team {t.id!r} has category {t.category!r}, which is not in team model "
                    f"{team_model.name!r} (known: {', '.join(team_model.codes)})",
                    ("teams", i, "category"),
                    t.category,
                )
            )
        found += unknown(
            t.station,
            known_stations,
            "unknown_station",
            ("teams", i, "station"),
            "team {t_id!r} belongs to unknown station {value!r}",
            t_id=t.id,
        )
        if t.captain is not None:
            found += unknown(
                t.captain,
                known_volunteers,
                "unknown_volunteer",
                ("teams", i, "captain"),
                "team {t_id!r} has unknown captain {value!r}",
                t_id=t.id,
            )
            if t.captain in known_volunteers:
                # With a duplicated team id, only the first team is checked.
                captain_of.setdefault(t.id, t.captain)

    skill_codes = {s.code for s in skills} if skills is not None else None
    captains_seen: set[str] = set()
    for i, v in volunteers:
        found += unknown(
            v.station,
            known_stations,
            "unknown_station",
            ("volunteers", i, "station"),
            "volunteer {v_id!r} is registered at unknown station {value!r}",
            v_id=v.id,
        )
        for k, team_id in enumerate(v.teams):
            found += unknown(
                team_id,
                known_teams,
                "unknown_team",
                ("volunteers", i, "teams", k),
                "volunteer {v_id!r} belongs to unknown team {value!r}",
                v_id=v.id,
            )
            if team_id in known_teams and captain_of.get(team_id) == v.id:
                captains_seen.add(team_id)
        if skill_codes is not None:
            for k, code in enumerate(v.skills):
                found += unknown(
                    code,
                    skill_codes,
                    "unknown_skill",
                    ("volunteers", i, "skills", k),
                    "volunteer {v_id!r} has unknown skill {value!r}",
                    v_id=v.id,
                )
    checked = {v.id for _, v in volunteers}
    first_team: dict[str, int] = {}
    for i, t in teams:
        first_team.setdefault(t.id, i)
    for i, t in teams:
        if (
            first_team[t.id] == i
            and t.id in captain_of
            and t.id not in captains_seen
            and t.captain in checked
        ):
            found.append(
                problem(
                    "captain_not_member",
                    f"team {t.id!r} captain {t.captain!r} is not a member of the team",
                    ("teams", i, "captain"),
                    t.captain,
                )
            )
    return found
