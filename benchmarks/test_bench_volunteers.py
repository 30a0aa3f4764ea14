"""Speed of the shared vocabulary: generation, availability queries, reach pruning."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from volunteers import AvailabilityGrid, Organization, StraightLineTravel, coords
from volunteers.synth import generate_county


@pytest.mark.parametrize("size", [10_000, 100_000])
def test_generate_county(benchmark: BenchmarkFixture, size: int) -> None:
    """Generate (and validate) a county."""
    org = benchmark.pedantic(  # type: ignore[no-untyped-call]
        generate_county, kwargs={"num_volunteers": size, "seed": 1}, rounds=2
    )
    assert len(org.volunteers) == size


def test_grid_queries(benchmark: BenchmarkFixture, county_20k: Organization) -> None:
    """100,000 is-free queries on a week grid of 20,000 volunteers."""
    grid = AvailabilityGrid([v.availability for v in county_20k.volunteers], date(2026, 7, 6), 7)
    rng = np.random.default_rng(0)
    who = rng.integers(0, 20_000, 100_000)
    start = rng.integers(0, 7 * 96, 100_000) * 15
    free = benchmark(grid.is_free, who, start, start + 90)
    assert 0 < free.sum() < len(free)


def test_reach_pairs(benchmark: BenchmarkFixture, county_20k: Organization) -> None:
    """Every home to every station and point within 15 walking minutes."""
    homes = coords(v.home for v in county_20k.volunteers)
    sites = coords(s.location for s in county_20k.stations)
    oi, _, _ = benchmark(StraightLineTravel().pairs_within, homes, sites, 15.0)
    assert len(oi) > 0
