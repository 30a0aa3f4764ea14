"""Validation of assignment problems: one error listing every problem."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from matcher.assignment import AssignmentProblem


def make(**changes: object) -> AssignmentProblem:
    fields: dict[str, object] = {
        "n_jobs": 2,
        "n_agents": 2,
        "edge_job": np.array([0, 1, 1]),
        "edge_agent": np.array([0, 0, 1]),
        "edge_cost": np.array([3, 4, 5]),
        "edge_load": np.array([1, 1, 2]),
        "capacity": np.array([2, 2]),
    }
    fields.update(changes)
    return AssignmentProblem(**fields)  # type: ignore[arg-type]


def test_defaults_make_every_job_a_must_job() -> None:
    """Without ``must`` and ``penalty`` every job must be served, penalties 0."""
    problem = make()
    assert problem.must.tolist() == [True, True]
    assert problem.penalty.tolist() == [0, 0]
    assert problem.n_edges == 3


def test_every_problem_is_listed_with_its_culprit() -> None:
    """Out-of-range job and agent, negative load and capacity: all in one error."""
    with pytest.raises(ValidationError) as info:
        make(
            edge_job=np.array([0, 5, 1]),
            edge_agent=np.array([0, 0, -1]),
            edge_load=np.array([1, -2, 2]),
            capacity=np.array([2, -1]),
        )
    messages = [e["msg"] for e in info.value.errors()]
    assert "edge 1 names job 5, outside 0..1" in messages
    assert "edge 2 names agent -1, outside 0..1" in messages
    assert "edge 1 has negative load -2" in messages
    assert "agent 1 has negative capacity -1" in messages
    assert len(messages) == 4


def test_repeated_pair_and_lengths_are_reported() -> None:
    """A (job, agent) pair given twice; arrays of different lengths."""
    with pytest.raises(ValidationError, match="edge 2 repeats job 1 -> agent 0"):
        make(edge_agent=np.array([0, 0, 0]))
    with pytest.raises(ValidationError, match="edge_cost has 2 entries, edge_job has 3"):
        make(edge_cost=np.array([1, 2]))
    with pytest.raises(ValidationError, match="capacity has 3 entries, expected 2"):
        make(capacity=np.array([1, 2, 3]))


def test_fractional_costs_are_refused() -> None:
    """Costs must be integers; the message says to scale them."""
    with pytest.raises(ValidationError, match=r"edge_cost\[1\] = 4.5 is not an integer"):
        make(edge_cost=np.array([3.0, 4.5, 5.0]))


def test_from_matrices_makes_one_edge_per_pair() -> None:
    """Agent-major matrices become edges (agent, job) in order."""
    problem = AssignmentProblem.from_matrices(
        np.array([[1, 2, 3], [4, 5, 6]]), np.array([[1, 1, 1], [2, 2, 2]]), np.array([3, 4])
    )
    assert problem.edge_agent.tolist() == [0, 0, 0, 1, 1, 1]
    assert problem.edge_job.tolist() == [0, 1, 2, 0, 1, 2]
    assert problem.edge_cost.tolist() == [1, 2, 3, 4, 5, 6]
    assert problem.edge_load.tolist() == [1, 1, 1, 2, 2, 2]


def test_arrays_are_read_only() -> None:
    """The problem cannot be changed behind the solver's back."""
    problem = make()
    with pytest.raises(ValueError, match="read-only"):
        problem.edge_cost[0] = 9
