"""Tests for volunteers.teams: the shipped team models and local categories."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from volunteers import EIGHT_PLUS_N, FIVE_TEAMS, TeamCategory, TeamModel
from volunteers.skills import DEFAULT_SKILLS
from volunteers.teams import COMMON_LOCAL_CATEGORIES, DEFAULT_TEAM_MODELS


def test_eight_plus_n_has_eight_standing_categories() -> None:
    """The 8 standing categories of the 8+N model, in order."""
    assert EIGHT_PLUS_N.codes == (
        "theory_policy",
        "culture_arts",
        "education",
        "medical_fitness",
        "science",
        "legal",
        "health_environment",
        "relief",
    )
    assert all(c.standing for c in EIGHT_PLUS_N.categories)


def test_five_team_model() -> None:
    """The five-team model has its five categories."""
    assert len(FIVE_TEAMS.categories) == 5
    assert FIVE_TEAMS.category("five_elders").native_name == "五老队伍"
    assert set(DEFAULT_TEAM_MODELS) == {"8+N", "five-team"}


def test_register_local_categories() -> None:
    """Local categories are added as non-standing, the original is unchanged."""
    model = EIGHT_PLUS_N.with_local(TeamCategory(code="food_bank", name="Food bank"))
    assert model.codes[-1] == "food_bank"
    assert not model.category("food_bank").standing
    assert len(EIGHT_PLUS_N.categories) == 8


def test_duplicate_category_code() -> None:
    """A model with a repeated code is refused, naming the code."""
    with pytest.raises(ValidationError, match="duplicate category code 'legal'"):
        EIGHT_PLUS_N.with_local(TeamCategory(code="legal"))


def test_unknown_category_lookup() -> None:
    """Looking up an unknown code names the model."""
    with pytest.raises(KeyError, match="'cooking' is not in team model 'five-team'"):
        FIVE_TEAMS.category("cooking")


def test_category_skills_are_in_the_default_catalog() -> None:
    """Category skill hints use codes of the default skill catalog."""
    codes = {s.code for s in DEFAULT_SKILLS}
    assert len(codes) == len(DEFAULT_SKILLS)
    for model in (EIGHT_PLUS_N.with_local(*COMMON_LOCAL_CATEGORIES), FIVE_TEAMS):
        for c in model.categories:
            assert set(c.skills) <= codes, c.code


def test_custom_team_model_round_trip() -> None:
    """A user-defined model round-trips through JSON."""
    model = TeamModel(
        name="disaster response",
        categories=(
            TeamCategory(code="search"),
            TeamCategory(code="shelter", skills=("first_aid",)),
        ),
    )
    assert TeamModel.model_validate_json(model.model_dump_json()) == model
