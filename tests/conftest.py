"""Shared fixtures: tiny named instances in tests/data and small synthetic counties."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from volunteers import Organization
from volunteers.io import load_organization
from volunteers.synth import generate_county

DATA = Path(__file__).parent / "data"

settings.register_profile(
    "default", deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("default")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The folder of test instances."""
    return DATA


@pytest.fixture(scope="session")
def tiny_org() -> Organization:
    """Three volunteers, two teams, five stations (tests/data/organization/valid.json)."""
    return load_organization(DATA / "organization" / "valid.json")


@pytest.fixture(scope="session")
def small_county() -> Organization:
    """A synthetic county of 2,000 volunteers, seed 3."""
    return generate_county(num_volunteers=2000, seed=3)
