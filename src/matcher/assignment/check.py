"""Solver-independent checker of assignments.

Reads only the problem's edge lists and the assignment, verifies every hard
rule and recomputes the objective with plain Python:

1. each job goes to at most one agent, along a candidate edge;
2. every must job is served;
3. each agent's total load stays within its capacity.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from matcher.assignment.model import AssignmentProblem


class AssignmentCheck(BaseModel):
    """What the checker found.

    Attributes
    ----------
    feasible
        No hard rule is broken.
    violations
        One readable line per broken rule.
    objective
        Edge costs plus penalties of unserved may jobs, recomputed (``None`` when
        the assignment uses an edge that does not exist).
    """

    model_config = ConfigDict(frozen=True)

    feasible: bool
    violations: tuple[str, ...]
    objective: int | None


def check_assignment(problem: AssignmentProblem, agent_of_job: Sequence[int]) -> AssignmentCheck:
    """Verify ``agent_of_job`` (``-1`` = unserved) against ``problem``."""
    p = problem
    agents = [int(a) for a in agent_of_job]
    violations: list[str] = []
    if len(agents) != p.n_jobs:
        violations.append(f"{len(agents)} jobs in the assignment, the problem has {p.n_jobs}")
        return AssignmentCheck(feasible=False, violations=tuple(violations), objective=None)
    edge: dict[tuple[int, int], tuple[int, int]] = {}
    for j, a, c, w in zip(
        p.edge_job.tolist(),
        p.edge_agent.tolist(),
        p.edge_cost.tolist(),
        p.edge_load.tolist(),
        strict=True,
    ):
        edge[(j, a)] = (c, w)
    load: defaultdict[int, int] = defaultdict(int)
    objective: int | None = 0
    for j, a in enumerate(agents):
        if a < 0:
            if p.must[j]:
                violations.append(f"must job {j} is unserved")
            elif objective is not None:
                objective += int(p.penalty[j])
            continue
        if (j, a) not in edge:
            violations.append(f"job {j} goes to agent {a} without a candidate edge")
            objective = None
            continue
        cost, weight = edge[(j, a)]
        load[a] += weight
        if objective is not None:
            objective += cost
    for a, used in sorted(load.items()):
        if used > int(p.capacity[a]):
            violations.append(f"agent {a} carries load {used} over its capacity {p.capacity[a]}")
    return AssignmentCheck(
        feasible=not violations, violations=tuple(violations), objective=objective
    )
