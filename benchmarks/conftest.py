"""Fixtures for the pytest-benchmark suites (run with ``make bench``)."""

from __future__ import annotations

import pytest

from volunteers import Organization
from volunteers.synth import generate_county


@pytest.fixture(scope="session")
def county_20k() -> Organization:
    """A synthetic county of 20,000 volunteers, seed 1."""
    return generate_county(num_volunteers=20_000, seed=1)
