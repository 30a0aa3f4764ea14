"""Travel-time models: straight line, explicit zone matrix, road graph.

All three answer the same three questions, vectorized over coordinate arrays
(``(n, 2)`` ``[lat, lon]`` degrees):

- :meth:`~StraightLineTravel.pairwise_minutes`: minutes from ``origins[i]`` to
  ``destinations[i]``, element-wise;
- :meth:`~StraightLineTravel.matrix_minutes`: the full ``(n, m)`` matrix;
- :meth:`~StraightLineTravel.pairs_within`: every (origin, destination) pair
  reachable within a time budget, *without* building the full matrix. This is
  what candidate generation uses for spatial pruning (the "15-minute circle").

The models are frozen pydantic models with a ``kind`` discriminator, so a
problem that names its travel model round-trips through JSON; see
:data:`TravelModel`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

import networkx as nx
import numpy as np
from numpy.typing import ArrayLike
from pydantic import BaseModel, ConfigDict, Field, model_validator
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from volunteers.geo import (
    FloatArray,
    IntArray,
    Location,
    SpatialIndex,
    as_coords,
    coords,
    within_box,
)
from volunteers.geo import haversine_km as _haversine_km
from volunteers.memo import memo

DEFAULT_MAX_TRAVEL_MINUTES = 15.0

REACH_TOLERANCE = 1e-6
"""Minutes by which a trip may exceed the limit and still count as within reach
(rounding); the solvers and the checkers use the same one, so that a trip of
exactly the limit is judged alike by both."""
"""The "15-minute circle": default maximum one-way travel time, in minutes."""

SPEED_PRESETS: dict[str, tuple[float, float]] = {
    "walking": (4.5, 1.3),
    "cycling": (14.0, 1.3),
    "e_bike": (20.0, 1.35),
    "driving": (30.0, 1.4),
}
"""Mode -> (speed in km/h, detour factor) for :meth:`StraightLineTravel.preset`.

Speeds are door-to-door averages for towns and villages; the detour factor is
the usual road-distance / straight-line ratio. Override them with your own data.
"""

_EMPTY_PAIRS: tuple[IntArray, IntArray, FloatArray] = (
    np.empty(0, dtype=np.int64),
    np.empty(0, dtype=np.int64),
    np.empty(0, dtype=np.float64),
)


FEW_DESTINATIONS = 16
"""Up to this many destinations, :meth:`StraightLineTravel.pairs_within` scans origins per
destination instead of building a spatial index (a re-dispatch has a few orders). Measured
on 30,000 origins: 16 scans 5.7 ms, one index 9.7 ms; on 100,000: 32 ms and 37 ms."""


def _empty_pairs() -> tuple[IntArray, IntArray, FloatArray]:
    return tuple(a.copy() for a in _EMPTY_PAIRS)  # type: ignore[return-value]


class StraightLineTravel(BaseModel):
    """Great-circle distance times a detour factor, at a constant speed.

    ``minutes = overhead + 60 * detour_factor * km / speed_kmh``.

    Parameters
    ----------
    speed_kmh
        Average door-to-door speed.
    detour_factor
        Road distance over straight-line distance (>= 1).
    overhead_minutes
        Fixed time added to every trip with a positive distance (parking,
        stairs, finding the door).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["straight_line"] = "straight_line"
    speed_kmh: float = Field(default=4.5, gt=0.0)
    detour_factor: float = Field(default=1.3, ge=1.0)
    overhead_minutes: float = Field(default=0.0, ge=0.0)

    @classmethod
    def preset(cls, mode: str, **overrides: float) -> StraightLineTravel:
        """Build a model from a named mode of :data:`SPEED_PRESETS`.

        Raises
        ------
        ValueError
            For an unknown mode, naming the known ones.
        """
        if mode not in SPEED_PRESETS:
            known = ", ".join(sorted(SPEED_PRESETS))
            raise ValueError(f"unknown travel mode {mode!r}; known modes: {known}")
        speed, detour = SPEED_PRESETS[mode]
        params: dict[str, float] = {"speed_kmh": speed, "detour_factor": detour, **overrides}
        return cls(**params)  # type: ignore[arg-type]

    def _from_km(self, km: FloatArray) -> FloatArray:
        minutes = 60.0 * self.detour_factor * km / self.speed_kmh
        if self.overhead_minutes:
            minutes = np.where(km > 0, minutes + self.overhead_minutes, minutes)
        return minutes

    def pairwise_minutes(self, origins: ArrayLike, destinations: ArrayLike) -> FloatArray:
        """Minutes from ``origins[i]`` to ``destinations[i]``; shapes ``(k, 2)``."""
        return self._from_km(_haversine_km(as_coords(origins), as_coords(destinations)))

    def matrix_minutes(self, origins: ArrayLike, destinations: ArrayLike) -> FloatArray:
        """Full ``(n, m)`` matrix of minutes."""
        o, d = as_coords(origins), as_coords(destinations)
        return self._from_km(_haversine_km(o[:, None, :], d[None, :, :]))

    def reach_km(self, max_minutes: float) -> float:
        """Largest straight-line distance coverable within ``max_minutes``."""
        budget = max(0.0, max_minutes - self.overhead_minutes)
        return budget * self.speed_kmh / (60.0 * self.detour_factor)

    def pairs_within(
        self, origins: ArrayLike, destinations: ArrayLike, max_minutes: float
    ) -> tuple[IntArray, IntArray, FloatArray]:
        """Every (origin, destination) pair reachable within ``max_minutes``.

        Returns
        -------
        (origin_idx, destination_idx, minutes)
            Parallel arrays, sorted by destination then origin.
        """
        o, d = as_coords(origins), as_coords(destinations)
        if len(o) == 0 or len(d) == 0:
            return _empty_pairs()
        # The radius carries the same tolerance as the minutes filter below.
        radius = self.reach_km(max_minutes + REACH_TOLERANCE)
        if len(d) <= FEW_DESTINATIONS:
            # A box filter per destination beats building a tree over the origins.
            rows = [np.flatnonzero(within_box(o, xy, radius)) for xy in d]
            oi = np.concatenate(rows).astype(np.int64)
            di = np.repeat(np.arange(len(d), dtype=np.int64), [len(r) for r in rows])
            minutes = self.pairwise_minutes(o[oi], d[di])
        else:
            di, oi, km = SpatialIndex(o).pairs_within_km(d, radius)
            minutes = self._from_km(km)
        keep = minutes <= max_minutes + REACH_TOLERANCE
        return oi[keep], di[keep], minutes[keep]


def _zone_join(
    origin_zone: IntArray,
    destination_zone: IntArray,
    zi: IntArray,
    zj: IntArray,
    zone_minutes: FloatArray,
) -> tuple[IntArray, IntArray, FloatArray]:
    """Expand zone pairs ``(zi, zj)`` into all (origin, destination) pairs.

    Origins are grouped by zone and destinations by zone; each zone pair
    contributes the product of its two groups. Fully vectorized.
    """
    if len(origin_zone) == 0 or len(destination_zone) == 0 or len(zi) == 0:
        return _empty_pairs()
    num_zones = int(max(origin_zone.max(), destination_zone.max(), zi.max(), zj.max())) + 1
    o_order = np.argsort(origin_zone, kind="stable")
    d_order = np.argsort(destination_zone, kind="stable")
    o_counts = np.bincount(origin_zone, minlength=num_zones)
    d_counts = np.bincount(destination_zone, minlength=num_zones)
    o_start = np.cumsum(o_counts) - o_counts
    d_start = np.cumsum(d_counts) - d_counts
    na, nb = o_counts[zi], d_counts[zj]
    sizes = na * nb
    keep = sizes > 0
    zi, zj, zone_minutes, nb, sizes = zi[keep], zj[keep], zone_minutes[keep], nb[keep], sizes[keep]
    total = int(sizes.sum())
    if total == 0:
        return _empty_pairs()
    pair_of = np.repeat(np.arange(len(zi)), sizes)
    offset = np.arange(total) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    a_pos = o_start[zi][pair_of] + offset // nb[pair_of]
    b_pos = d_start[zj][pair_of] + offset % nb[pair_of]
    oi = o_order[a_pos].astype(np.int64)
    di = d_order[b_pos].astype(np.int64)
    return oi, di, zone_minutes[pair_of]


def _sort_pairs(
    oi: IntArray, di: IntArray, minutes: FloatArray
) -> tuple[IntArray, IntArray, FloatArray]:
    order = np.lexsort((oi, di))
    return oi[order], di[order], minutes[order]


class MatrixTravel(BaseModel):
    """An explicit zone-to-zone travel-time matrix.

    Each coordinate is assigned to its nearest zone point (great circle), and
    the trip takes ``minutes[zone(origin)][zone(destination)]``. This is the
    usual form of travel times exported from a routing engine or agreed by
    hand between villages. The matrix need not be symmetric.

    Parameters
    ----------
    points
        Zone representative locations (centroids), ``p`` of them.
    minutes
        ``p x p`` non-negative travel times; ``minutes[i][j]`` is zone ``i`` to
        zone ``j``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["matrix"] = "matrix"
    points: tuple[Location, ...] = Field(min_length=1)
    minutes: tuple[tuple[Annotated[float, Field(ge=0.0)], ...], ...]

    @model_validator(mode="after")
    def _check_square(self) -> Self:
        p = len(self.points)
        if len(self.minutes) != p:
            raise ValueError(f"minutes has {len(self.minutes)} rows but there are {p} points")
        for i, row in enumerate(self.minutes):
            if len(row) != p:
                raise ValueError(f"minutes row {i} has {len(row)} entries, expected {p}")
        return self

    @classmethod
    def from_arrays(cls, points: ArrayLike, minutes: ArrayLike) -> MatrixTravel:
        """Build from an ``(p, 2)`` coordinate array and a ``(p, p)`` matrix."""
        pts = as_coords(points)
        mat = np.asarray(minutes, dtype=np.float64)
        return cls(
            points=tuple(Location(lat=float(a), lon=float(b)) for a, b in pts),
            minutes=tuple(tuple(float(x) for x in row) for row in mat),
        )

    @memo
    def _matrix(self) -> FloatArray:
        return np.asarray(self.minutes, dtype=np.float64)

    @memo
    def _index(self) -> SpatialIndex:
        return SpatialIndex(coords(self.points))

    def zone_of(self, points: ArrayLike) -> IntArray:
        """Index of the nearest zone of each coordinate."""
        pts = as_coords(points)
        if len(pts) == 0:
            return np.empty(0, dtype=np.int64)
        return self._index.nearest(pts, k=1)[1][:, 0]

    def pairwise_minutes(self, origins: ArrayLike, destinations: ArrayLike) -> FloatArray:
        """Minutes from ``origins[i]`` to ``destinations[i]``; shapes ``(k, 2)``."""
        return self._matrix[self.zone_of(origins), self.zone_of(destinations)]

    def matrix_minutes(self, origins: ArrayLike, destinations: ArrayLike) -> FloatArray:
        """Full ``(n, m)`` matrix of minutes."""
        return self._matrix[np.ix_(self.zone_of(origins), self.zone_of(destinations))]

    def reach_km(self, max_minutes: float) -> float:
        """No straight-line bound is known for a matrix: ``inf``."""
        return float("inf")

    def pairs_within(
        self, origins: ArrayLike, destinations: ArrayLike, max_minutes: float
    ) -> tuple[IntArray, IntArray, FloatArray]:
        """Every (origin, destination) pair reachable within ``max_minutes``.

        Zone pairs are filtered on the matrix first, then expanded, so the cost
        is proportional to the number of reachable pairs, not ``n * m``.
        """
        o, d = as_coords(origins), as_coords(destinations)
        if len(o) == 0 or len(d) == 0:
            return _empty_pairs()
        zi, zj = np.nonzero(self._matrix <= max_minutes + REACH_TOLERANCE)
        zi, zj = zi.astype(np.int64), zj.astype(np.int64)
        return _sort_pairs(
            *_zone_join(self.zone_of(o), self.zone_of(d), zi, zj, self._matrix[zi, zj])
        )


class RoadNode(BaseModel):
    """A road-graph node: an intersection or a named place."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    lat: float = Field(ge=-90.0, le=90.0)
    lon: float = Field(ge=-180.0, le=180.0)


class RoadEdge(BaseModel):
    """A road segment with its traversal time; two-way unless ``oneway``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str
    target: str
    minutes: float = Field(ge=0.0)
    oneway: bool = False


class RoadGraphTravel(BaseModel):
    """Shortest paths on a road graph, plus walking access to the network.

    A trip from ``a`` to ``b`` snaps each end to its nearest node ``u``, ``v``
    and takes ``access(a, u) + shortest_path(u, v) + access(v, b)``, where the
    access legs are straight line at ``access_speed_kmh`` times
    ``access_detour``.

    Build it from a :class:`networkx.Graph` or :class:`networkx.DiGraph` with
    :meth:`from_networkx`; shortest paths run on a sparse matrix
    (:func:`scipy.sparse.csgraph.dijkstra`), one search per distinct source node.

    Parameters
    ----------
    nodes, edges
        The graph. Edge times are in minutes.
    access_speed_kmh, access_detour
        Speed and detour of the legs between a location and its nearest node.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["road_graph"] = "road_graph"
    nodes: tuple[RoadNode, ...] = Field(min_length=1)
    edges: tuple[RoadEdge, ...] = ()
    access_speed_kmh: float = Field(default=4.5, gt=0.0)
    access_detour: float = Field(default=1.3, ge=1.0)

    @model_validator(mode="after")
    def _check_references(self) -> Self:
        ids = [n.id for n in self.nodes]
        seen: set[str] = set()
        dups = sorted({i for i in ids if i in seen or seen.add(i)})  # type: ignore[func-returns-value]
        problems = [f"duplicate node id {i!r}" for i in dups]
        known = set(ids)
        for k, e in enumerate(self.edges):
            for end in (e.source, e.target):
                if end not in known:
                    problems.append(f"edge {k} references unknown node {end!r}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @classmethod
    def from_networkx(
        cls,
        graph: Any,
        *,
        weight: str = "minutes",
        lat: str = "lat",
        lon: str = "lon",
        access_speed_kmh: float = 4.5,
        access_detour: float = 1.3,
    ) -> RoadGraphTravel:
        """Build from a networkx graph whose nodes carry coordinates.

        Parameters
        ----------
        graph
            ``nx.Graph`` (two-way edges) or ``nx.DiGraph`` (one-way edges).
        weight
            Edge attribute holding the traversal time in minutes.
        lat, lon
            Node attributes holding coordinates in degrees.
        """
        directed = bool(graph.is_directed())
        nodes = tuple(
            RoadNode(id=str(n), lat=float(data[lat]), lon=float(data[lon]))
            for n, data in graph.nodes(data=True)
        )
        edges = tuple(
            RoadEdge(source=str(u), target=str(v), minutes=float(data[weight]), oneway=directed)
            for u, v, data in graph.edges(data=True)
        )
        return cls(
            nodes=nodes,
            edges=edges,
            access_speed_kmh=access_speed_kmh,
            access_detour=access_detour,
        )

    def to_networkx(self) -> Any:
        """The graph as a ``networkx.DiGraph`` with ``minutes`` on edges."""
        g = nx.DiGraph()
        for n in self.nodes:
            g.add_node(n.id, lat=n.lat, lon=n.lon)
        for e in self.edges:
            for u, v in ((e.source, e.target), (e.target, e.source))[: 1 if e.oneway else 2]:
                if not g.has_edge(u, v) or g[u][v]["minutes"] > e.minutes:
                    g.add_edge(u, v, minutes=e.minutes)
        return g

    @memo
    def _node_coords(self) -> FloatArray:
        return np.asarray([(n.lat, n.lon) for n in self.nodes], dtype=np.float64).reshape(-1, 2)

    @memo
    def _index(self) -> SpatialIndex:
        return SpatialIndex(self._node_coords)

    @memo
    def _csgraph(self) -> csr_matrix:
        pos = {n.id: i for i, n in enumerate(self.nodes)}
        n = len(self.nodes)
        src = np.fromiter((pos[e.source] for e in self.edges), dtype=np.int64)
        dst = np.fromiter((pos[e.target] for e in self.edges), dtype=np.int64)
        w = np.fromiter((e.minutes for e in self.edges), dtype=np.float64)
        two_way = ~np.fromiter((e.oneway for e in self.edges), dtype=bool)
        src, dst = np.concatenate((src, dst[two_way])), np.concatenate((dst, src[two_way]))
        w = np.concatenate((w, w[two_way]))
        # csr_matrix sums parallel edges: keep only the fastest of each (u, v).
        order = np.lexsort((w, dst, src))
        src, dst, w = src[order], dst[order], w[order]
        first = np.ones(len(src), dtype=bool)
        first[1:] = (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])
        # Explicit zeros are kept as zero-time edges by scipy.sparse.csgraph.
        return csr_matrix((w[first], (src[first], dst[first])), shape=(n, n))

    def _snap(self, points: FloatArray) -> tuple[IntArray, FloatArray]:
        if len(points) == 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
        km, idx = self._index.nearest(points, k=1)
        access = 60.0 * self.access_detour * km[:, 0] / self.access_speed_kmh
        return idx[:, 0], access

    def _paths(self, sources: IntArray, limit: float = np.inf) -> FloatArray:
        out = dijkstra(self._csgraph, directed=True, indices=sources, limit=limit)
        return np.asarray(out, dtype=np.float64).reshape(len(sources), len(self.nodes))

    def node_minutes(self, source: str, target: str) -> float:
        """Shortest-path minutes between two node ids (``inf`` if unreachable)."""
        pos = {n.id: i for i, n in enumerate(self.nodes)}
        row = self._paths(np.asarray([pos[source]], dtype=np.int64))[0]
        return float(row[pos[target]])

    def _times(self, ou: IntArray, oa: FloatArray, dv: IntArray, da: FloatArray) -> FloatArray:
        uniq, inverse = np.unique(ou, return_inverse=True)
        paths = self._paths(uniq)
        net = paths[inverse.reshape(ou.shape), dv]
        return oa + net + da

    def pairwise_minutes(self, origins: ArrayLike, destinations: ArrayLike) -> FloatArray:
        """Minutes from ``origins[i]`` to ``destinations[i]``; shapes ``(k, 2)``."""
        ou, oa = self._snap(as_coords(origins))
        dv, da = self._snap(as_coords(destinations))
        if len(ou) == 0:
            return np.empty(0, dtype=np.float64)
        return self._times(ou, oa, dv, da)

    def matrix_minutes(self, origins: ArrayLike, destinations: ArrayLike) -> FloatArray:
        """Full ``(n, m)`` matrix of minutes (``inf`` where unreachable)."""
        ou, oa = self._snap(as_coords(origins))
        dv, da = self._snap(as_coords(destinations))
        if len(ou) == 0 or len(dv) == 0:
            return np.zeros((len(ou), len(dv)), dtype=np.float64)
        uniq, inverse = np.unique(ou, return_inverse=True)
        paths = self._paths(uniq)
        return oa[:, None] + paths[inverse][:, dv] + da[None, :]

    def reach_km(self, max_minutes: float) -> float:
        """No straight-line bound is assumed for a road graph: ``inf``."""
        return float("inf")

    def pairs_within(
        self, origins: ArrayLike, destinations: ArrayLike, max_minutes: float
    ) -> tuple[IntArray, IntArray, FloatArray]:
        """Every (origin, destination) pair reachable within ``max_minutes``.

        One bounded Dijkstra per distinct origin node (``limit=max_minutes``),
        then a grouped join: the cost follows the reachable pairs, not ``n * m``.
        """
        o, d = as_coords(origins), as_coords(destinations)
        if len(o) == 0 or len(d) == 0:
            return _empty_pairs()
        ou, oa = self._snap(o)
        dv, da = self._snap(d)
        uniq_o, o_zone = np.unique(ou, return_inverse=True)
        uniq_d, d_zone = np.unique(dv, return_inverse=True)
        paths = self._paths(uniq_o, limit=max_minutes + REACH_TOLERANCE)[:, uniq_d]
        zi, zj = np.nonzero(paths <= max_minutes + REACH_TOLERANCE)
        zi, zj = zi.astype(np.int64), zj.astype(np.int64)
        oi, di, net = _zone_join(
            o_zone.astype(np.int64), d_zone.astype(np.int64), zi, zj, paths[zi, zj]
        )
        minutes = oa[oi] + net + da[di]
        keep = minutes <= max_minutes + REACH_TOLERANCE
        return _sort_pairs(oi[keep], di[keep], minutes[keep])


TravelModel = Annotated[
    StraightLineTravel | MatrixTravel | RoadGraphTravel, Field(discriminator="kind")
]
"""Any travel model; pydantic picks the class from its ``kind`` field."""
