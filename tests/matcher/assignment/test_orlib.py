"""Reading OR-Library generalized-assignment files."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.assignment import parse_orlib, read_orlib

DATA = Path(__file__).resolve().parents[2] / "data" / "gap"


def test_reads_agents_jobs_costs_loads_and_capacities() -> None:
    """``m n``, costs and loads agent-major, then capacities."""
    problem = parse_orlib("2 3\n1 2 3\n4 5 6\n7 8 9\n1 2 3\n10 20\n")
    assert (problem.n_agents, problem.n_jobs) == (2, 3)
    assert problem.edge_cost.tolist() == [1, 2, 3, 4, 5, 6]
    assert problem.edge_load.tolist() == [7, 8, 9, 1, 2, 3]
    assert problem.capacity.tolist() == [10, 20]


def test_public_file() -> None:
    """A Chu & Beasley instance: 5 agents, 100 jobs, every pair an edge."""
    problem = read_orlib(DATA / "a05100")
    assert (problem.n_agents, problem.n_jobs, problem.n_edges) == (5, 100, 500)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2 3 1 2", "needs 16 integers, found 4"),
        ("2 x", "non-integer"),
        ("7", "must start with 'm n'"),
    ],
)
def test_malformed_files_are_refused_with_the_reason(text: str, message: str) -> None:
    """Counts that do not match ``m x n``, stray tokens, a missing header."""
    with pytest.raises(ValueError, match=message):
        parse_orlib(text)
