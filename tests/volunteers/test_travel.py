"""Tests for volunteers.travel: straight line, matrix and road-graph models."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from pydantic import TypeAdapter, ValidationError

from volunteers.geo import haversine_km
from volunteers.travel import (
    DEFAULT_MAX_TRAVEL_MINUTES,
    MatrixTravel,
    RoadGraphTravel,
    StraightLineTravel,
    TravelModel,
)

small_points = arrays(
    np.float64, st.tuples(st.integers(1, 25), st.just(2)), elements=st.floats(0.0, 0.05)
)


def test_default_circle_is_fifteen_minutes() -> None:
    """The 15-minute circle is the default."""
    assert DEFAULT_MAX_TRAVEL_MINUTES == 15.0


def test_walking_known_time() -> None:
    """1 km at 4.5 km/h with detour 1.3 takes 60 * 1.3 / 4.5 minutes."""
    model = StraightLineTravel.preset("walking")
    one_km_north = [[30.0, 114.0]], [[30.0 + 1.0 / 111.19508, 114.0]]
    minutes = model.pairwise_minutes(*one_km_north)
    assert float(minutes[0]) == pytest.approx(60 * 1.3 / 4.5, rel=1e-4)


def test_overhead_only_for_real_trips() -> None:
    """The fixed overhead applies to positive distances only."""
    model = StraightLineTravel(speed_kmh=30, detour_factor=1.0, overhead_minutes=5)
    m = model.pairwise_minutes(np.zeros((2, 2)), np.array([[0.0, 0.0], [0.0, 0.1]]))
    assert m[0] == 0.0
    assert m[1] == pytest.approx(5 + 60 * float(haversine_km([0, 0], [0, 0.1])) / 30)


def test_unknown_preset_names_known_modes() -> None:
    """An unknown mode names the known ones."""
    with pytest.raises(ValueError, match=r"unknown travel mode .jetpack.*walking"):
        StraightLineTravel.preset("jetpack")


@given(small_points, small_points, st.floats(0.0, 40.0))
def test_straight_pairs_within_matches_matrix(a: np.ndarray, b: np.ndarray, limit: float) -> None:
    """pairs_within equals filtering the full matrix, with the same minutes."""
    model = StraightLineTravel.preset("cycling", overhead_minutes=1.0)
    oi, di, minutes = model.pairs_within(a, b, limit)
    full = model.matrix_minutes(a, b)
    expected = np.argwhere(limit + 1e-9 >= full.T)
    assert np.array_equal(np.column_stack((di, oi)), expected)
    assert np.allclose(minutes, full[oi, di])


def test_matrix_model_snaps_to_zones() -> None:
    """Locations take the time of their nearest zones."""
    model = MatrixTravel.from_arrays([[0, 0], [0, 1]], [[0, 7], [9, 0]])
    m = model.matrix_minutes([[0.01, 0.0], [0.0, 0.9]], [[0.0, 0.95]])
    assert m.tolist() == [[7.0], [0.0]]
    assert model.pairwise_minutes([[0.0, 0.99]], [[0.0, 0.02]]).tolist() == [9.0]


@given(small_points, small_points, st.floats(0.0, 30.0), st.integers(0, 2**31))
def test_matrix_pairs_within_matches_matrix(
    a: np.ndarray, b: np.ndarray, limit: float, seed: int
) -> None:
    """Zone join equals the brute-force filter of the full matrix."""
    rng = np.random.default_rng(seed)
    zones = rng.uniform(0.0, 0.05, (5, 2))
    model = MatrixTravel.from_arrays(zones, rng.uniform(0, 30, (5, 5)).round(1))
    oi, di, minutes = model.pairs_within(a, b, limit)
    full = model.matrix_minutes(a, b)
    assert np.array_equal(np.column_stack((di, oi)), np.argwhere(limit + 1e-9 >= full.T))
    assert np.allclose(minutes, full[oi, di])


def test_matrix_must_be_square() -> None:
    """A matrix that does not match the points is refused."""
    with pytest.raises(ValidationError, match="minutes row 1 has 1 entries, expected 2"):
        MatrixTravel.model_validate(
            {"points": [{"lat": 0, "lon": 0}, {"lat": 0, "lon": 1}], "minutes": [[0, 1], [1]]}
        )


def _random_road_graph(seed: int, n: int = 12) -> nx.Graph:
    rng = np.random.default_rng(seed)
    g = nx.connected_watts_strogatz_graph(n, 4, 0.3, seed=seed)
    for v in g.nodes:
        g.nodes[v]["lat"] = 30 + rng.uniform(0, 0.05)
        g.nodes[v]["lon"] = 114 + rng.uniform(0, 0.05)
    for u, v in g.edges:
        g[u][v]["minutes"] = float(rng.integers(0, 10))
    return g


@given(st.integers(0, 10_000))
def test_road_graph_matches_networkx(seed: int) -> None:
    """Node-to-node times equal networkx's Dijkstra, zero-time edges included."""
    g = _random_road_graph(seed)
    model = RoadGraphTravel.from_networkx(g)
    lengths = dict(nx.all_pairs_dijkstra_path_length(g, weight="minutes"))
    for u in list(g.nodes)[:4]:
        for v in g.nodes:
            assert model.node_minutes(str(u), str(v)) == pytest.approx(lengths[u][v])


@given(st.integers(0, 10_000), small_points, st.floats(0.0, 25.0))
def test_road_graph_pairs_within_and_access(seed: int, pts: np.ndarray, limit: float) -> None:
    """Trips add walking access legs; pairs_within equals the matrix filter."""
    g = _random_road_graph(seed)
    model = RoadGraphTravel.from_networkx(g)
    a = pts + np.array([30.0, 114.0])
    b = a[::-1].copy()
    full = model.matrix_minutes(a, b)
    assert np.allclose(np.diag(full[:, ::-1]), model.pairwise_minutes(a, a))
    oi, di, minutes = model.pairs_within(a, b, limit)
    assert np.array_equal(np.column_stack((di, oi)), np.argwhere(limit + 1e-9 >= full.T))
    assert np.allclose(minutes, full[oi, di])


def test_road_graph_oneway_and_unreachable() -> None:
    """A one-way edge is not travelled backwards; unreachable is inf."""
    g = nx.DiGraph()
    g.add_node("a", lat=0.0, lon=0.0)
    g.add_node("b", lat=0.0, lon=1.0)
    g.add_edge("a", "b", minutes=5.0)
    model = RoadGraphTravel.from_networkx(g)
    assert model.node_minutes("a", "b") == 5.0
    assert model.node_minutes("b", "a") == float("inf")
    assert set(model.to_networkx().edges) == {("a", "b")}


def test_road_graph_parallel_edges_keep_fastest() -> None:
    """Of two edges between the same nodes, the faster one counts."""
    model = RoadGraphTravel.model_validate(
        {
            "nodes": [{"id": "a", "lat": 0, "lon": 0}, {"id": "b", "lat": 0, "lon": 0.01}],
            "edges": [
                {"source": "a", "target": "b", "minutes": 9},
                {"source": "b", "target": "a", "minutes": 4},
            ],
        }
    )
    assert model.node_minutes("a", "b") == 4.0


def test_road_graph_unknown_node() -> None:
    """An edge to an unknown node is refused, naming it."""
    with pytest.raises(ValidationError, match="edge 0 references unknown node 'z'"):
        RoadGraphTravel.model_validate(
            {
                "nodes": [{"id": "a", "lat": 0, "lon": 0}],
                "edges": [{"source": "a", "target": "z", "minutes": 1}],
            }
        )


def test_travel_model_json_round_trip() -> None:
    """Each model round-trips through JSON as the TravelModel union."""
    adapter: TypeAdapter[TravelModel] = TypeAdapter(TravelModel)
    models: list[TravelModel] = [
        StraightLineTravel.preset("e_bike"),
        MatrixTravel.from_arrays([[0, 0], [0, 1]], [[0, 3], [4, 0]]),
        RoadGraphTravel.from_networkx(_random_road_graph(1, 6)),
    ]
    for m in models:
        again = adapter.validate_json(adapter.dump_json(m))
        assert again == m
        assert type(again) is type(m)


def test_pairs_within_tolerance_with_overhead() -> None:
    """A trip of overhead plus a hair is within a limit equal to the overhead.

    Regression (found by Hypothesis): the km radius lacked the minutes tolerance.
    """
    model = StraightLineTravel.preset("cycling", overhead_minutes=1.0)
    a, b = np.array([[0.0, 0.0]]), np.array([[1e-12, 0.0]])
    oi, di, _ = model.pairs_within(a, b, 1.0)
    assert (oi.tolist(), di.tolist()) == ([0], [0])
