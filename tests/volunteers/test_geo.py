"""Tests for volunteers.geo: distances and the spatial index."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from volunteers.geo import (
    EARTH_RADIUS_KM,
    Location,
    SpatialIndex,
    as_coords,
    coords,
    haversine_km,
    within_box,
)


def test_one_degree_of_latitude() -> None:
    """One degree along a meridian is pi * R / 180 km."""
    d = haversine_km([0.0, 10.0], [1.0, 10.0])
    assert float(d) == pytest.approx(np.pi * EARTH_RADIUS_KM / 180.0, rel=1e-12)


def test_known_city_distance() -> None:
    """Beijing to Shanghai is about 1,068 km as the crow flies."""
    beijing, shanghai = [39.9042, 116.4074], [31.2304, 121.4737]
    assert float(haversine_km(beijing, shanghai)) == pytest.approx(1068.0, rel=0.005)


def test_antipodes_and_zero() -> None:
    """Antipodal points are half the circumference apart; a point is 0 from itself."""
    assert float(haversine_km([0, 0], [0, 180])) == pytest.approx(np.pi * EARTH_RADIUS_KM)
    assert float(haversine_km([12.3, 45.6], [12.3, 45.6])) == 0.0


def test_broadcast_matrix() -> None:
    """Broadcasting gives the full matrix, equal to element-wise calls."""
    a = np.array([[30.0, 114.0], [30.1, 114.2]])
    b = np.array([[30.0, 114.1], [29.9, 113.9], [31.0, 114.0]])
    m = haversine_km(a[:, None, :], b[None, :, :])
    assert m.shape == (2, 3)
    for i in range(2):
        for j in range(3):
            assert m[i, j] == pytest.approx(float(haversine_km(a[i], b[j])))


def test_coords_and_shape_errors() -> None:
    """Coords stacks locations; as_coords rejects other shapes."""
    arr = coords([Location(lat=1, lon=2), Location(lat=3, lon=4)])
    assert arr.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert coords([]).shape == (0, 2)
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        as_coords(np.zeros((3, 3)))


def test_location_rejects_out_of_range() -> None:
    """Latitude beyond 90 degrees is refused."""
    with pytest.raises(ValueError, match="less than or equal to 90"):
        Location(lat=91, lon=0)


points = arrays(
    np.float64,
    st.tuples(st.integers(1, 40), st.just(2)),
    elements=st.floats(-1.0, 1.0),
)


@given(points, points, st.floats(0.0, 150.0), st.sampled_from([0.0, 179.5, 60.0]))
def test_pairs_within_matches_brute_force(
    a: np.ndarray, b: np.ndarray, radius: float, lon0: float
) -> None:
    """Radius pairs equal the brute-force filter, also across the antimeridian and near poles."""
    shift = np.array([lon0 / 3.0, lon0])
    pa = a + shift
    pb = b + shift
    pa[:, 1] = (pa[:, 1] + 180.0) % 360.0 - 180.0
    pb[:, 1] = (pb[:, 1] + 180.0) % 360.0 - 180.0
    qi, pi = SpatialIndex(pb).pairs_within(pa, radius)
    full = haversine_km(pa[:, None, :], pb[None, :, :]) <= radius
    expected = np.argwhere(full)
    assert np.array_equal(np.column_stack((qi, pi)), expected)


@given(points, points)
def test_nearest_matches_brute_force(a: np.ndarray, b: np.ndarray) -> None:
    """The nearest indexed point has the minimum distance."""
    dist, idx = SpatialIndex(b).nearest(a, k=1)
    full = haversine_km(a[:, None, :], b[None, :, :])
    assert np.allclose(dist[:, 0], full.min(axis=1))
    assert np.allclose(full[np.arange(len(a)), idx[:, 0]], full.min(axis=1))


def test_empty_index() -> None:
    """An empty index has no pairs and refuses nearest queries."""
    index = SpatialIndex(np.empty((0, 2)))
    qi, pi = index.pairs_within([[0.0, 0.0]], 10.0)
    assert len(qi) == len(pi) == 0
    with pytest.raises(ValueError, match="empty"):
        index.nearest([[0.0, 0.0]])


def test_infinite_radius_gives_every_pair() -> None:
    """An infinite radius returns the full product."""
    qi, _ = SpatialIndex([[0, 0], [10, 10], [-5, 3]]).pairs_within([[1, 1], [2, 2]], float("inf"))
    assert len(qi) == 6


@given(
    lat=st.floats(-89.9, 89.9),
    lon=st.floats(-180.0, 180.0),
    radius=st.floats(0.01, 3000.0),
    seed=st.integers(0, 2**16),
)
def test_within_box_keeps_every_point_in_the_circle(
    lat: float, lon: float, radius: float, seed: int
) -> None:
    """The box is a superset of the circle (also across the date line and near the poles)."""
    rng = np.random.default_rng(seed)
    spread = np.degrees(radius / EARTH_RADIUS_KM) * 3 + 0.01
    points = np.column_stack(
        (
            np.clip(lat + rng.uniform(-spread, spread, 2000), -90, 90),
            (lon + rng.uniform(-4 * spread, 4 * spread, 2000) + 180) % 360 - 180,
        )
    )
    inside = haversine_km(points, np.array([lat, lon])) <= radius
    box = within_box(points, (lat, lon), radius)
    assert not (inside & ~box).any()
    degrees = np.degrees(radius / EARTH_RADIUS_KM)
    if abs(lat) + 2 * degrees < 90:  # and it is a filter: a point two radii north is out
        assert not within_box(np.array([[lat + 2 * degrees, lon]]), (lat, lon), radius)[0]
