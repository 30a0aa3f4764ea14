"""Team categories, team models and teams.

A :class:`TeamModel` is a named catalog of team categories. Two models used by
civilization practice centers ship as defaults: :data:`EIGHT_PLUS_N` (eight
standing categories plus locally registered special ones) and
:data:`FIVE_TEAMS`. Any organization can define its own.

Team membership is recorded on the volunteer (``Volunteer.teams``); the team
records its captain. :class:`~volunteers.organization.Organization` checks that
the captain is a member and derives each team's member list.
"""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from volunteers.ids import Id


class TeamCategory(BaseModel):
    """A category of team within a team model.

    Parameters
    ----------
    code
        Identifier (``"legal"``).
    name
        Human-readable name.
    native_name
        Optional name in the local language.
    standing
        ``True`` for the model's standing categories, ``False`` for locally
        registered special ones (the "N" of "8+N").
    skills
        Skill codes typical of the category (a hint for generators and reports;
        not a rule).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: Id
    name: str = ""
    native_name: str | None = None
    standing: bool = True
    skills: tuple[str, ...] = ()


class TeamModel(BaseModel):
    """A named catalog of team categories.

    Parameters
    ----------
    name
        Name of the model (``"8+N"``).
    categories
        The categories, codes unique.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    categories: tuple[TeamCategory, ...]

    @model_validator(mode="after")
    def _unique_codes(self) -> Self:
        seen: set[str] = set()
        for c in self.categories:
            if c.code in seen:
                raise ValueError(f"team model {self.name!r} has duplicate category code {c.code!r}")
            seen.add(c.code)
        return self

    @property
    def codes(self) -> tuple[str, ...]:
        """Category codes in catalog order."""
        return tuple(c.code for c in self.categories)

    def category(self, code: str) -> TeamCategory:
        """The category with this code.

        Raises
        ------
        KeyError
            Naming the code and the model.
        """
        for c in self.categories:
            if c.code == code:
                return c
        raise KeyError(f"team category {code!r} is not in team model {self.name!r}")

    def with_local(self, *categories: TeamCategory) -> TeamModel:
        """Register local special categories (the "N"), returning a new model.

        The new categories are marked ``standing=False``.
        """
        extra = tuple(c.model_copy(update={"standing": False}) for c in categories)
        return TeamModel(name=self.name, categories=self.categories + extra)


def _c(
    code: str, name: str, native: str, skills: tuple[str, ...], standing: bool = True
) -> TeamCategory:
    return TeamCategory(code=code, name=name, native_name=native, skills=skills, standing=standing)


EIGHT_PLUS_N = TeamModel(
    name="8+N",
    categories=(
        _c(
            "theory_policy",
            "Theory and policy lecturing",
            "理论政策宣讲",
            ("policy_lecturing", "storytelling"),
        ),
        _c(
            "culture_arts",
            "Culture and arts",
            "文化文艺",
            ("performing_arts", "calligraphy_painting"),
        ),
        _c("education", "Education and tutoring", "助学支教", ("tutoring", "childcare")),
        _c(
            "medical_fitness",
            "Medical care and fitness",
            "医疗健身",
            ("medical", "first_aid", "fitness_coaching"),
        ),
        _c(
            "science",
            "Science popularization",
            "科学普及",
            ("science_outreach", "agri_tech", "digital_help"),
        ),
        _c("legal", "Legal services", "法律服务", ("legal_advice", "mediation")),
        _c("health_environment", "Health and environment", "卫生环保", ("cleaning", "publicity")),
        _c(
            "relief",
            "Poverty relief and hardship help",
            "扶贫帮困",
            ("elder_care", "job_coaching", "appliance_repair", "haircut"),
        ),
    ),
)
"""The eight standing categories; add local ones with :meth:`TeamModel.with_local`."""

COMMON_LOCAL_CATEGORIES: tuple[TeamCategory, ...] = (
    _c("youth", "Youth", "青年志愿服务队", ("digital_help", "publicity", "tutoring"), False),
    _c("women", "Women's", "巾帼志愿服务队", ("childcare", "elder_care", "mediation"), False),
    _c(
        "party_members", "Party members", "党员志愿服务队", ("policy_lecturing", "publicity"), False
    ),
    _c(
        "emergency",
        "Emergency rescue",
        "应急救援队",
        ("emergency_rescue", "first_aid", "driving"),
        False,
    ),
    _c("traffic", "Traffic persuasion", "文明交通劝导队", ("traffic_guidance",), False),
    _c(
        "minors_care",
        "Minors care",
        "关爱未成年人",
        ("childcare", "tutoring", "psych_support"),
        False,
    ),
)
"""Special ("N") categories often registered locally under the 8+N model."""

FIVE_TEAMS = TeamModel(
    name="five-team",
    categories=(
        _c("experts", "Expert team", "专家队伍", ("policy_lecturing", "legal_advice", "medical")),
        _c(
            "professionals",
            "Professional team",
            "专业队伍",
            ("performing_arts", "agri_tech", "legal_advice", "medical", "appliance_repair"),
        ),
        _c(
            "village",
            "Village volunteer team",
            "村志愿者队伍",
            ("cleaning", "elder_care", "mediation", "publicity"),
        ),
        _c(
            "five_elders", "Five elders team", "五老队伍", ("childcare", "tutoring", "storytelling")
        ),
        _c(
            "grassroots_lecturers",
            "Grassroots lecturer team",
            "草根宣讲队伍",
            ("storytelling", "policy_lecturing"),
        ),
    ),
)
"""The five-team model used by many stations."""

DEFAULT_TEAM_MODELS: dict[str, TeamModel] = {m.name: m for m in (EIGHT_PLUS_N, FIVE_TEAMS)}
"""The shipped team models by name."""


class Team(BaseModel):
    """A team of volunteers.

    Parameters
    ----------
    id
        Identifier.
    name
        Display name.
    category
        Code of a category of the organization's team model.
    station
        Id of the station (of any level) the team belongs to.
    captain
        Volunteer id of the captain, who must be a member; ``None`` if none.
    min_weekly_duty_hours
        Hours the team must put on duty each week, members taking turns.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Id
    name: str = ""
    category: str
    station: str
    captain: str | None = None
    min_weekly_duty_hours: float = Field(default=0.0, ge=0.0)
