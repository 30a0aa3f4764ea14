"""The shared vocabulary of volunteer work.

Volunteers, teams and team models, the station hierarchy, locations and travel
time, availability, and the hour ledger with its yearly quota pace. The
``matcher`` and ``scheduler`` packages build on these models; nothing here
imports them.
"""

from volunteers.availability import (
    SLOT_MINUTES,
    Availability,
    AvailabilityGrid,
    DatedWindow,
    WeeklyWindow,
)
from volunteers.geo import Location, SpatialIndex, coords, haversine_km
from volunteers.hours import (
    ActivityRate,
    HourLedger,
    PointsPolicy,
    QuotaPolicy,
    StarLevels,
)
from volunteers.organization import Organization
from volunteers.skills import DEFAULT_SKILLS, Skill
from volunteers.stations import Level, Station, StationTree
from volunteers.teams import (
    COMMON_LOCAL_CATEGORIES,
    DEFAULT_TEAM_MODELS,
    EIGHT_PLUS_N,
    FIVE_TEAMS,
    Team,
    TeamCategory,
    TeamModel,
)
from volunteers.travel import (
    DEFAULT_MAX_TRAVEL_MINUTES,
    MatrixTravel,
    RoadEdge,
    RoadGraphTravel,
    RoadNode,
    StraightLineTravel,
    TravelModel,
)
from volunteers.volunteer import Volunteer

__all__ = [
    "COMMON_LOCAL_CATEGORIES",
    "DEFAULT_MAX_TRAVEL_MINUTES",
    "DEFAULT_SKILLS",
    "DEFAULT_TEAM_MODELS",
    "EIGHT_PLUS_N",
    "FIVE_TEAMS",
    "SLOT_MINUTES",
    "ActivityRate",
    "Availability",
    "AvailabilityGrid",
    "DatedWindow",
    "HourLedger",
    "Level",
    "Location",
    "MatrixTravel",
    "Organization",
    "PointsPolicy",
    "QuotaPolicy",
    "RoadEdge",
    "RoadGraphTravel",
    "RoadNode",
    "Skill",
    "SpatialIndex",
    "StarLevels",
    "Station",
    "StationTree",
    "StraightLineTravel",
    "Team",
    "TeamCategory",
    "TeamModel",
    "TravelModel",
    "Volunteer",
    "WeeklyWindow",
    "coords",
    "haversine_km",
]
