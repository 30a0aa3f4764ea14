"""The volunteer: who they are, what they can do, where and when, and their record."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from volunteers.availability import Availability
from volunteers.geo import Location
from volunteers.ids import Id


class Volunteer(BaseModel):
    """A registered volunteer.

    Parameters
    ----------
    id
        Identifier.
    name
        Display name.
    skills
        Skill codes (repeats dropped, order kept).
    home
        Where the volunteer starts from.
    station
        Id of the station the volunteer is registered at.
    teams
        Ids of the teams the volunteer belongs to (may be several).
    availability
        When the volunteer can serve; any time by default.
    weekly_hour_cap
        Most hours per week the volunteer wants to serve; ``None`` for no cap.
    hours_this_year
        Service hours recorded so far in the current quota year.
    yearly_target_hours
        Personal yearly quota; ``None`` uses the organization's
        :class:`~volunteers.hours.QuotaPolicy`.
    rating
        Mean rating from residents on a 0-5 scale; ``None`` when never rated.
    ratings_count
        Number of ratings behind ``rating``.
    offers_accepted, offers_declined
        Accept/decline history of dispatched orders.
    tags
        Free labels (``"retiree"``, ``"party_member"``, ...).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Id
    name: str = ""
    skills: tuple[str, ...] = ()
    home: Location
    station: str
    teams: tuple[str, ...] = ()
    availability: Availability = Field(default_factory=Availability)
    weekly_hour_cap: float | None = Field(default=None, ge=0.0)
    hours_this_year: float = Field(default=0.0, ge=0.0)
    yearly_target_hours: float | None = Field(default=None, ge=0.0)
    rating: float | None = Field(default=None, ge=0.0, le=5.0)
    ratings_count: int = Field(default=0, ge=0)
    offers_accepted: int = Field(default=0, ge=0)
    offers_declined: int = Field(default=0, ge=0)
    tags: tuple[str, ...] = ()

    @field_validator("skills", "tags", "teams")
    @classmethod
    def _unique_in_order(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(value))

    @property
    def reliability(self) -> float:
        """Share of offers accepted, smoothed towards 1/2: ``(a + 1) / (a + d + 2)``."""
        return (self.offers_accepted + 1) / (self.offers_accepted + self.offers_declined + 2)
