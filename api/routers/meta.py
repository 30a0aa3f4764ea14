"""``/v1/team-models``: the built-in team-model catalogs."""

from __future__ import annotations

from fastapi import APIRouter

from api.schemas import TeamModels
from volunteers.teams import DEFAULT_TEAM_MODELS

router = APIRouter(prefix="/v1", tags=["catalogs"])


@router.get("/team-models", response_model=TeamModels, summary="Team-model catalogs")
def team_models() -> TeamModels:
    """The "8+N" and five-team catalogs (categories, skills), usable as ``team_model``."""
    return TeamModels(models=dict(DEFAULT_TEAM_MODELS))
