"""The capacitated assignment problem with explicit candidate edges.

Jobs go to agents along candidate edges; each edge has a cost and a load, each
agent a capacity. A job that *must* be served goes to exactly one agent; a job
that *may* be served goes to at most one, and leaving it out costs its penalty.
With every job a must job and every (job, agent) pair an edge this is the
generalized assignment problem (GAP) of the operations-research literature.

In dispatch terms: jobs are orders, agents are volunteers (or teams), the load
is the minutes an order takes from a volunteer's weekly cap, the capacity is
what is left of that cap.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from pydantic_core import InitErrorDetails

from matcher.result import SolveStatus
from volunteers.errors import problem, raise_problems

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def _ints(values: npt.ArrayLike, name: str, problems: list[InitErrorDetails]) -> IntArray:
    arr = np.asarray(values)
    if arr.ndim != 1:
        problems.append(problem("not_a_vector", f"{name} must be one-dimensional", (name,)))
        return np.zeros(0, dtype=np.int64)
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        if not np.issubdtype(arr.dtype, np.number) or not np.all(np.isfinite(arr)):
            problems.append(problem("not_integer", f"{name} must hold integers", (name,)))
            return np.zeros(len(arr), dtype=np.int64)
        if np.any(arr != np.round(arr)):
            bad = int(np.flatnonzero(arr != np.round(arr))[0])
            problems.append(
                problem(
                    "not_integer",
                    f"{name}[{bad}] = {float(arr[bad])} is not an integer"
                    " (scale costs to integers)",
                    (name, bad),
                    float(arr[bad]),
                )
            )
    return arr.astype(np.int64)


@dataclass(frozen=True, eq=False)
class AssignmentProblem:
    """Jobs, agents and the candidate edges between them.

    Parameters
    ----------
    n_jobs, n_agents
        Jobs are ``0 .. n_jobs - 1``, agents ``0 .. n_agents - 1``.
    edge_job, edge_agent
        One entry per candidate edge: the job and the agent it joins. A pair may
        appear once.
    edge_cost
        Integer cost of giving the job to the agent (may be negative).
    edge_load
        Non-negative integer capacity the job uses at that agent.
    capacity
        Non-negative integer capacity of each agent.
    must
        Per job: it must be served (default: every job). When a must job
        cannot be served the answer is ``infeasible`` with reasons.
    penalty
        Per job: the cost of leaving a *may* job unserved (default 0, so a may
        job is served only when its edge cost is negative); ignored for must
        jobs.

    Objective (minimized): the sum of the costs of the chosen edges plus the
    penalties of the may jobs left unserved.

    Raises
    ------
    pydantic.ValidationError
        Listing every problem at once: lengths that differ, a job or agent out
        of range (naming the edge), a negative load or capacity, a repeated
        (job, agent) pair.
    """

    n_jobs: int
    n_agents: int
    edge_job: IntArray
    edge_agent: IntArray
    edge_cost: IntArray
    edge_load: IntArray
    capacity: IntArray
    must: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=np.bool_))
    penalty: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def __post_init__(self) -> None:
        problems: list[InitErrorDetails] = []
        if self.n_jobs < 0 or self.n_agents < 0:
            problems.append(
                problem("negative_size", "n_jobs and n_agents must be >= 0", ("n_jobs",))
            )
        arrays = {
            name: _ints(getattr(self, name), name, problems)
            for name in ("edge_job", "edge_agent", "edge_cost", "edge_load", "capacity")
        }
        must = np.asarray(self.must, dtype=np.bool_)
        if must.size == 0 and self.n_jobs > 0:
            must = np.ones(self.n_jobs, dtype=np.bool_)
        penalty = _ints(self.penalty, "penalty", problems)
        if penalty.size == 0 and self.n_jobs > 0:
            penalty = np.zeros(self.n_jobs, dtype=np.int64)
        n_edges = len(arrays["edge_job"])
        for name in ("edge_agent", "edge_cost", "edge_load"):
            if len(arrays[name]) != n_edges:
                problems.append(
                    problem(
                        "length_mismatch",
                        f"{name} has {len(arrays[name])} entries, edge_job has {n_edges}",
                        (name,),
                    )
                )
        for name, arr, size in (
            ("capacity", arrays["capacity"], self.n_agents),
            ("must", must, self.n_jobs),
            ("penalty", penalty, self.n_jobs),
        ):
            if len(arr) != size:
                problems.append(
                    problem(
                        "length_mismatch",
                        f"{name} has {len(arr)} entries, expected {size}",
                        (name,),
                    )
                )
        raise_problems("AssignmentProblem", problems)

        job, agent, load = arrays["edge_job"], arrays["edge_agent"], arrays["edge_load"]
        for name, arr, size in (
            ("edge_job", job, self.n_jobs),
            ("edge_agent", agent, self.n_agents),
        ):
            for e in np.flatnonzero((arr < 0) | (arr >= size))[:20].tolist():
                what = name.removeprefix("edge_")
                problems.append(
                    problem(
                        f"unknown_{what}",
                        f"edge {e} names {what} {int(arr[e])}, outside 0..{size - 1}",
                        (name, e),
                        int(arr[e]),
                    )
                )
        for e in np.flatnonzero(load < 0)[:20].tolist():
            problems.append(
                problem(
                    "negative_load",
                    f"edge {e} has negative load {int(load[e])}",
                    ("edge_load", e),
                    int(load[e]),
                )
            )
        cap = arrays["capacity"]
        for a in np.flatnonzero(cap < 0)[:20].tolist():
            problems.append(
                problem(
                    "negative_capacity",
                    f"agent {a} has negative capacity {int(cap[a])}",
                    ("capacity", a),
                    int(cap[a]),
                )
            )
        if not problems and n_edges:
            key = job * max(self.n_agents, 1) + agent
            order = np.argsort(key, kind="stable")
            repeated = order[1:][key[order[1:]] == key[order[:-1]]]
            for e in repeated[:20].tolist():
                problems.append(
                    problem(
                        "duplicate_edge",
                        f"edge {e} repeats job {int(job[e])} -> agent {int(agent[e])}",
                        ("edge_job", e),
                        int(job[e]),
                    )
                )
        raise_problems("AssignmentProblem", problems)
        for name, arr in arrays.items():
            arr.flags.writeable = False
            object.__setattr__(self, name, arr)
        must.flags.writeable = False
        penalty.flags.writeable = False
        object.__setattr__(self, "must", must)
        object.__setattr__(self, "penalty", penalty)

    @property
    def n_edges(self) -> int:
        """Number of candidate edges."""
        return len(self.edge_job)

    @classmethod
    def from_matrices(
        cls,
        cost: npt.ArrayLike,
        load: npt.ArrayLike,
        capacity: npt.ArrayLike,
        *,
        must: npt.ArrayLike | None = None,
        penalty: npt.ArrayLike | None = None,
    ) -> AssignmentProblem:
        """A complete problem from agent x job cost and load matrices (the GAP layout).

        Every (agent, job) pair becomes an edge.
        """
        c = np.asarray(cost)
        r = np.asarray(load)
        if c.ndim != 2 or c.shape != r.shape:
            raise ValueError(f"cost {c.shape} and load {r.shape} must be equal 2-d shapes")
        m, n = c.shape
        agent, job = np.divmod(np.arange(m * n, dtype=np.int64), n)
        return cls(
            n_jobs=n,
            n_agents=m,
            edge_job=job,
            edge_agent=agent,
            edge_cost=c.ravel(),
            edge_load=r.ravel(),
            capacity=np.asarray(capacity),
            must=np.ones(n, dtype=np.bool_) if must is None else np.asarray(must, dtype=np.bool_),
            penalty=np.zeros(n, dtype=np.int64) if penalty is None else np.asarray(penalty),
        )


@dataclass(frozen=True, eq=False)
class AssignmentResult:
    """What :func:`solve_assignment` returns.

    Attributes
    ----------
    agent_of_job
        The agent of each job, ``-1`` when unserved.
    status
        ``optimal`` (objective equals the bound), ``feasible``, ``infeasible``
        (proven: see ``reasons``) or ``time_limit`` (stopped with a must job
        still unserved; the best partial assignment is returned).
    objective
        Sum of chosen edge costs plus penalties of unserved may jobs; ``None``
        when a must job is unserved.
    bound
        Proven lower bound on the objective (``None`` if none was proven).
    seconds
        Wall time.
    iterations
        Large-neighbourhood iterations run.
    reasons
        Why must jobs are unserved (infeasible or time-limited answers).
    """

    agent_of_job: IntArray
    status: SolveStatus
    objective: int | None
    bound: int | None
    seconds: float
    iterations: int = 0
    reasons: tuple[str, ...] = ()

    @property
    def gap(self) -> float | None:
        """Relative gap between objective and bound (``None`` when either is missing)."""
        if self.objective is None or self.bound is None:
            return None
        return (self.objective - self.bound) / max(abs(self.objective), 1)
