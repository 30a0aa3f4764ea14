"""The assignment checker catches every broken rule and recomputes the objective."""

from __future__ import annotations

import numpy as np

from matcher.assignment import AssignmentProblem, check_assignment


def problem() -> AssignmentProblem:
    return AssignmentProblem(
        n_jobs=3,
        n_agents=2,
        edge_job=np.array([0, 1, 1, 2]),
        edge_agent=np.array([0, 0, 1, 1]),
        edge_cost=np.array([3, 4, 5, 6]),
        edge_load=np.array([2, 2, 1, 1]),
        capacity=np.array([3, 5]),
        must=np.array([True, True, False]),
        penalty=np.array([0, 0, 10]),
    )


def test_feasible_assignment_and_its_objective() -> None:
    """Edge costs plus the penalty of the unserved may job."""
    report = check_assignment(problem(), [0, 1, -1])
    assert report.feasible
    assert report.objective == 3 + 5 + 10


def test_each_broken_rule_is_named() -> None:
    """Overloaded agent, missing edge, unserved must job, wrong length."""
    over = check_assignment(problem(), [0, 0, 1])
    assert over.violations == ("agent 0 carries load 4 over its capacity 3",)
    missing = check_assignment(problem(), [1, 1, 1])
    assert missing.violations == ("job 0 goes to agent 1 without a candidate edge",)
    assert missing.objective is None
    unserved = check_assignment(problem(), [-1, 1, 1])
    assert unserved.violations == ("must job 0 is unserved",)
    short = check_assignment(problem(), [0])
    assert not short.feasible
