"""Tests for volunteers.stations: levels, the tree, serving stations, coverage."""

from __future__ import annotations

import numpy as np
import pytest

from volunteers import Level, Organization, StraightLineTravel
from volunteers.geo import haversine_km


def test_level_ranks() -> None:
    """Levels rank from the center down."""
    assert [lv.rank for lv in Level] == [0, 1, 2, 3]


def test_tree_navigation(tiny_org: Organization) -> None:
    """Children, ancestors and descendants follow the parents."""
    tree = tiny_org.tree
    assert tree.children("i0") == ("s0", "s1")
    assert tree.ancestors("p0") == ("s0", "i0", "c0")
    assert tree.descendants("c0") == ("i0", "s0", "s1", "p0")
    assert tree.descendants("p0") == ()


def test_ancestor_at_level(tiny_org: Organization) -> None:
    """Each station's institute, itself included when it is one; none above it."""
    tree = tiny_org.tree
    inst = tree.ancestor_at(Level.INSTITUTE)
    ids = [tree.stations[i].id if i >= 0 else None for i in inst]
    assert ids == [None, "i0", "i0", "i0", "i0"]


def test_serving_is_the_nearest(small_county: Organization) -> None:
    """With straight-line travel, the serving station is the nearest eligible one."""
    tree = small_county.tree
    rng = np.random.default_rng(0)
    homes = tree.points[rng.integers(0, len(tree), 50)] + rng.normal(0, 0.01, (50, 2))
    idx, minutes = tree.serving(homes, levels=(Level.STATION,))
    eligible = np.flatnonzero(tree.level_rank == Level.STATION.rank)
    dist = haversine_km(homes[:, None, :], tree.points[eligible][None, :, :])
    assert np.array_equal(idx, eligible[np.argmin(dist, axis=1)])
    walking = StraightLineTravel()
    assert np.allclose(minutes, walking.pairwise_minutes(homes, tree.points[idx]))


def test_coverage_grows_with_the_circle(small_county: Organization) -> None:
    """A wider circle covers at least as many homes; a huge one covers all."""
    homes = np.array([[v.home.lat, v.home.lon] for v in small_county.volunteers])
    tree = small_county.tree
    shares = [tree.coverage(homes, m) for m in (5, 15, 30, 10_000)]
    assert shares == sorted(shares)
    assert shares[-1] == 1.0
    assert 0.0 < shares[1] < 1.0


def test_serving_without_eligible_levels(tiny_org: Organization) -> None:
    """No station of the levels: -1 and inf."""
    idx, minutes = tiny_org.tree.serving([[30, 114]], levels=())
    assert idx.tolist() == [-1]
    assert minutes.tolist() == [pytest.approx(float("inf"))]
