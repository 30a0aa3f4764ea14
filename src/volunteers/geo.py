"""Locations, great-circle distances and a spatial index for radius queries.

Coordinates travel through the library as ``(n, 2)`` float arrays of
``[latitude, longitude]`` in degrees; :class:`Location` is the boundary form.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pydantic import BaseModel, ConfigDict, Field
from scipy.spatial import cKDTree

EARTH_RADIUS_KM = 6371.0088
"""Mean Earth radius (IUGG), in kilometres."""

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


class Location(BaseModel):
    """A point on Earth.

    Parameters
    ----------
    lat
        Latitude in degrees, in ``[-90, 90]``.
    lon
        Longitude in degrees, in ``[-180, 180]``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    lat: float = Field(ge=-90.0, le=90.0)
    lon: float = Field(ge=-180.0, le=180.0)


def coords(locations: Iterable[Location]) -> FloatArray:
    """Stack locations into an ``(n, 2)`` array of ``[lat, lon]`` degrees.

    Parameters
    ----------
    locations
        Any iterable of :class:`Location`.

    Returns
    -------
    numpy.ndarray
        Float array of shape ``(n, 2)``; ``(0, 2)`` when empty.
    """
    flat = [v for loc in locations for v in (loc.lat, loc.lon)]
    return np.asarray(flat, dtype=np.float64).reshape(-1, 2)


def as_coords(points: ArrayLike) -> FloatArray:
    """Return ``points`` as a float ``(n, 2)`` array, checking its shape.

    Raises
    ------
    ValueError
        When the array is not of shape ``(n, 2)``.
    """
    arr = np.asarray(points, dtype=np.float64)
    if arr.ndim == 1 and arr.shape == (2,):
        arr = arr.reshape(1, 2)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"expected coordinates of shape (n, 2), got {arr.shape}")
    return arr


def haversine_km(a: ArrayLike, b: ArrayLike) -> FloatArray:
    """Great-circle distance in kilometres, element-wise with broadcasting.

    Parameters
    ----------
    a, b
        Coordinate arrays whose last axis is ``[lat, lon]`` in degrees. They
        broadcast against each other, so ``haversine_km(x[:, None], y[None])``
        gives the full ``(n, m)`` matrix.

    Returns
    -------
    numpy.ndarray
        Distances in kilometres, of the broadcast shape without the last axis.
    """
    pa = np.radians(np.asarray(a, dtype=np.float64))
    pb = np.radians(np.asarray(b, dtype=np.float64))
    dlat = pb[..., 0] - pa[..., 0]
    dlon = pb[..., 1] - pa[..., 1]
    h = np.sin(dlat / 2.0) ** 2 + np.cos(pa[..., 0]) * np.cos(pb[..., 0]) * np.sin(dlon / 2.0) ** 2
    dist: FloatArray = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return dist


def within_box(points: ArrayLike, center: ArrayLike, radius_km: float) -> NDArray[np.bool_]:
    """Points in the latitude-longitude box around ``center`` that holds its ``radius_km`` circle.

    A cheap superset of the points within ``radius_km`` (great circle): filter
    with it, then compute exact distances on what is left.
    """
    p = as_coords(points)
    c = np.asarray(center, dtype=np.float64)
    angle = radius_km / EARTH_RADIUS_KM
    slack = 1e-9
    ok: NDArray[np.bool_] = np.abs(p[:, 0] - c[0]) <= np.degrees(angle) * (1 + slack) + slack
    # The cap's widest longitude span, unless it holds a pole.
    ratio = np.sin(min(angle, np.pi / 2)) / np.cos(np.radians(float(c[0])))
    if angle < np.pi / 2 and ratio < 1.0:
        dlon = np.degrees(np.arcsin(ratio)) * (1 + slack) + slack
        ok &= np.abs((p[:, 1] - c[1] + 180.0) % 360.0 - 180.0) <= dlon
    return ok


def _unit_vectors(points: FloatArray) -> FloatArray:
    lat = np.radians(points[:, 0])
    lon = np.radians(points[:, 1])
    cos_lat = np.cos(lat)
    return np.column_stack((cos_lat * np.cos(lon), cos_lat * np.sin(lon), np.sin(lat)))


def _chord(km: float) -> float:
    """Chord length on the unit sphere for a great-circle distance in km."""
    angle = min(km / EARTH_RADIUS_KM, np.pi)
    return float(2.0 * np.sin(angle / 2.0))


class SpatialIndex:
    """A k-d tree over points on the sphere for nearest and radius queries.

    Points are embedded as 3-D unit vectors, so chord distance orders exactly
    like great-circle distance everywhere (poles and the antimeridian included).

    Parameters
    ----------
    points
        ``(n, 2)`` array of ``[lat, lon]`` degrees.
    """

    def __init__(self, points: ArrayLike) -> None:
        self.points = as_coords(points)
        self._tree = cKDTree(_unit_vectors(self.points)) if len(self.points) else None

    def __len__(self) -> int:
        return len(self.points)

    def nearest(self, queries: ArrayLike, k: int = 1) -> tuple[FloatArray, IntArray]:
        """Return the ``k`` nearest indexed points of each query point.

        Parameters
        ----------
        queries
            ``(m, 2)`` coordinates.
        k
            How many neighbours; capped at the number of indexed points.

        Returns
        -------
        (distances_km, indices)
            Both of shape ``(m, k)``, sorted by distance.
        """
        q = as_coords(queries)
        if self._tree is None:
            raise ValueError("the spatial index is empty")
        k = max(1, min(k, len(self.points)))
        _, idx = self._tree.query(_unit_vectors(q), k=k)
        idx = np.asarray(idx, dtype=np.int64).reshape(len(q), k)
        dist = haversine_km(q[:, None, :], self.points[idx])
        return dist, idx

    def pairs_within(self, queries: ArrayLike, radius_km: float) -> tuple[IntArray, IntArray]:
        """All (query, point) pairs at most ``radius_km`` apart (great circle).

        Parameters
        ----------
        queries
            ``(m, 2)`` coordinates.
        radius_km
            Radius in kilometres; ``inf`` gives every pair.

        Returns
        -------
        (query_idx, point_idx)
            Parallel ``int64`` arrays, sorted by query then point index.
        """
        query_idx, point_idx, _ = self.pairs_within_km(queries, radius_km)
        return query_idx, point_idx

    def pairs_within_km(
        self, queries: ArrayLike, radius_km: float
    ) -> tuple[IntArray, IntArray, FloatArray]:
        """:meth:`pairs_within` with the great-circle distance of each pair in km.

        The distances come from the tree's chord lengths (exact on the sphere,
        no second pass over the coordinates); pairs within a hair of the
        radius are decided by :func:`haversine_km`, so the pairs kept are
        exactly those a haversine filter keeps.
        """
        q = as_coords(queries)
        if self._tree is None or len(q) == 0:
            empty = np.empty(0, dtype=np.int64)
            return empty, empty.copy(), np.empty(0)
        n_p = len(self.points)
        if not np.isfinite(radius_km):
            qi, pi = np.meshgrid(
                np.arange(len(q), dtype=np.int64),
                np.arange(n_p, dtype=np.int64),
                indexing="ij",
            )
            query_idx, point_idx = qi.ravel(), pi.ravel()
            return query_idx, point_idx, haversine_km(q[query_idx], self.points[point_idx])
        # All pairs within the chord (a hair of slack), computed in C.
        queries_tree = cKDTree(_unit_vectors(q))
        found = queries_tree.sparse_distance_matrix(
            self._tree, _chord(radius_km) * (1 + 1e-9) + 1e-12, output_type="ndarray"
        )
        query_idx = np.asarray(found["i"], dtype=np.int64)
        point_idx = np.asarray(found["j"], dtype=np.int64)
        order = np.argsort(query_idx * n_p + point_idx)
        query_idx, point_idx = query_idx[order], point_idx[order]
        half = np.minimum(np.asarray(found["v"], dtype=np.float64)[order] / 2.0, 1.0)
        km = 2.0 * EARTH_RADIUS_KM * np.arcsin(half)
        near = np.flatnonzero(np.abs(km - radius_km) <= BOUNDARY_KM + 1e-9 * radius_km)
        if len(near):
            km[near] = haversine_km(q[query_idx[near]], self.points[point_idx[near]])
        keep = km <= radius_km
        return query_idx[keep], point_idx[keep], km[keep]


BOUNDARY_KM = 1e-9
"""Pairs whose chord distance is this close to the radius are measured again by
haversine (the chord's rounding error is about 1e-12 km)."""
