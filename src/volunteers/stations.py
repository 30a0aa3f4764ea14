"""Stations and their hierarchy: center > institute > station > point.

The four levels are those of civilization practice networks (实践中心 / 所 /
站 / 点); any organization with nested sites maps onto them (headquarters,
branch, site, outpost). :class:`StationTree` is the index-based view used by
the solvers: parents, descendants, and the station that serves a location.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

import numpy as np
from numpy.typing import ArrayLike
from pydantic import BaseModel, ConfigDict

from volunteers.geo import FloatArray, IntArray, Location, SpatialIndex, as_coords, coords
from volunteers.ids import Id
from volunteers.travel import DEFAULT_MAX_TRAVEL_MINUTES, StraightLineTravel, TravelModel


class Level(StrEnum):
    """Level of a station in the hierarchy, from the top."""

    CENTER = "center"
    INSTITUTE = "institute"
    STATION = "station"
    POINT = "point"

    @property
    def rank(self) -> int:
        """0 for center ... 3 for point."""
        return list(Level).index(self)


class Station(BaseModel):
    """A place volunteers are registered at and serve from.

    Parameters
    ----------
    id
        Identifier.
    name
        Display name.
    level
        Level in the hierarchy.
    location
        Where it is.
    parent
        Id of the parent, of a strictly higher level; ``None`` for a root.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Id
    name: str = ""
    level: Level
    location: Location
    parent: str | None = None


class StationTree:
    """Index-based view of a validated station list.

    Parameters
    ----------
    stations
        Stations with unique ids and known parents (as checked by
        :class:`~volunteers.organization.Organization`).
    """

    def __init__(self, stations: Sequence[Station]) -> None:
        self.stations = tuple(stations)
        self.station_index = {s.id: i for i, s in enumerate(self.stations)}
        self.parent_of: IntArray = np.asarray(
            [self.station_index[s.parent] if s.parent is not None else -1 for s in self.stations],
            dtype=np.int64,
        )
        self.level_rank: IntArray = np.asarray(
            [s.level.rank for s in self.stations], dtype=np.int64
        )
        self.points: FloatArray = coords(s.location for s in self.stations)
        children: list[list[int]] = [[] for _ in self.stations]
        for i, p in enumerate(self.parent_of.tolist()):
            if p >= 0:
                children[p].append(i)
        self._children = children

    def __len__(self) -> int:
        return len(self.stations)

    def children(self, station_id: str) -> tuple[str, ...]:
        """Ids of the direct children."""
        return tuple(self.stations[c].id for c in self._children[self.station_index[station_id]])

    def ancestors(self, station_id: str) -> tuple[str, ...]:
        """Ids from the parent up to the root."""
        out: list[str] = []
        i = int(self.parent_of[self.station_index[station_id]])
        while i >= 0:
            out.append(self.stations[i].id)
            i = int(self.parent_of[i])
        return tuple(out)

    def descendants(self, station_id: str) -> tuple[str, ...]:
        """Ids of every station below, breadth first (excluding itself)."""
        out: list[str] = []
        frontier = list(self._children[self.station_index[station_id]])
        while frontier:
            out.extend(self.stations[i].id for i in frontier)
            frontier = [c for i in frontier for c in self._children[i]]
        return tuple(out)

    def ancestor_at(self, level: Level) -> IntArray:
        """For each station, the index of its ancestor-or-self at ``level`` (-1 if none)."""
        out = np.full(len(self.stations), -1, dtype=np.int64)
        node = np.arange(len(self.stations), dtype=np.int64)
        for _ in range(len(Level)):
            valid = node >= 0
            hit = valid & (out < 0)
            hit[valid] &= self.level_rank[node[valid]] == level.rank
            out[hit] = node[hit]
            node = np.where(valid, self.parent_of[np.maximum(node, 0)], -1)
        return out

    def serving(
        self,
        locations: ArrayLike,
        levels: Sequence[Level] = (Level.STATION, Level.POINT),
        travel: TravelModel | None = None,
        candidates: int = 8,
    ) -> tuple[IntArray, FloatArray]:
        """The station of the given levels that serves each location, and the trip time.

        The serving station is the one with the shortest travel time from the
        location. Candidates are the ``candidates`` nearest in straight line, so
        with a non straight-line ``travel`` model the answer is the best of those.

        Parameters
        ----------
        locations
            ``(n, 2)`` coordinates.
        levels
            Which levels may serve.
        travel
            Travel model; walking straight line by default.
        candidates
            How many straight-line nearest stations to compare by travel time.

        Returns
        -------
        (station_idx, minutes)
            ``-1`` and ``inf`` where no station has one of the levels.
        """
        q = as_coords(locations)
        model = travel if travel is not None else StraightLineTravel()
        ranks = {lv.rank for lv in levels}
        eligible = np.flatnonzero(np.isin(self.level_rank, list(ranks)))
        if len(eligible) == 0 or len(q) == 0:
            return np.full(len(q), -1, dtype=np.int64), np.full(len(q), np.inf)
        index = SpatialIndex(self.points[eligible])
        k = min(candidates, len(eligible))
        _, near = index.nearest(q, k=k)
        minutes = model.pairwise_minutes(
            np.repeat(q, k, axis=0), self.points[eligible][near.ravel()]
        ).reshape(len(q), k)
        best = np.argmin(minutes, axis=1)
        rows = np.arange(len(q))
        return eligible[near[rows, best]], minutes[rows, best]

    def coverage(
        self,
        locations: ArrayLike,
        max_minutes: float = DEFAULT_MAX_TRAVEL_MINUTES,
        levels: Sequence[Level] = (Level.STATION, Level.POINT),
        travel: TravelModel | None = None,
    ) -> float:
        """Share of locations within ``max_minutes`` of a serving station (15-minute circle)."""
        _, minutes = self.serving(locations, levels, travel)
        return float(np.mean(minutes <= max_minutes)) if len(minutes) else 1.0
