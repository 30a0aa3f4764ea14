"""Solving the capacitated assignment problem: bounds, CP-SAT, branch and price, neighbourhoods.

The method, in order:

1. **Screening.** Edges whose load exceeds their agent's capacity are dropped;
   a must job left without edges makes the problem infeasible (with reasons).
2. **LP relaxation** (HiGHS through scipy): its value, rounded up, is the
   bound reported; infeasibility of the LP proves infeasibility. For
   generalized-assignment instances the LP is very tight and its vertex
   solution leaves at most one fractional job per agent.
3. **Rounding.** Jobs the LP assigns integrally keep their agent (their loads
   fit, being part of the LP loads); the others go, cheapest first, to an
   agent with room, or stay unserved.
4. **Exact search** when the problem is small (at most ``EXACT_EDGES`` usable
   edges): the whole model in CP-SAT, warm-started from the rounding, for
   half of the time. A proof of optimality ends the search. When branch and
   price may follow, the run stops after a fifth of the time if it is then
   further than ``PRICE_MIN_GAP`` from its bound.
5. **Branch and price** (:mod:`matcher.assignment.price`) after such a stop,
   for small problems whose knapsacks are small too (at most ``PRICE_CELLS``
   cells per pricing round) with at most ``PRICE_JOBS_PER_AGENT`` jobs per
   agent and ``PRICE_PAIRS`` agent x job pairs. Column generation over whole
   agent loads gives the knapsack bound (reported when stronger than the
   LP's); when it does not converge within a fifth of the time left, the
   exact search gets half of the time left instead. Else a depth-first tree
   on edges looks for better assignments for half of the time left (a tree
   explored to the end proves the incumbent optimal), and a second exact
   run, warm-started from the best assignment, has the rest. Before and
   after the tree, when few columns could still beat the incumbent, a
   set-partitioning MIP over them settles it. On tightly packed instances
   (chu1997 d, 20 agents) the tree is what finds the good assignments.
6. **Large-neighbourhood search** for the rest of the time (when there was
   no tree): free every job of a few agents (chosen at random, or related to
   one agent by who else could serve its jobs cheaply) plus unserved jobs,
   re-solve that sub-problem exactly with CP-SAT (short deterministic budget,
   warm-started with the current assignment), keep the result when it is not
   worse. The neighbourhood grows after sub-problems solved to optimality and
   shrinks after ones that ran out of budget. Small problems end with a
   second exact run, warm-started from and cut off by the best assignment.

Unserved must jobs are priced inside the search at more than every edge cost
together, so any assignment serving more of them is better; the answer is
``time_limit`` with reasons if one is still unserved at the end.

Each sub-problem runs on a deterministic budget: with ``workers=1`` the
sequence of iterations is reproducible for a seed, so a run stopped by
``max_iterations`` (rather than by the wall-clock ``time_limit``) gives the
same result every time; ``max_iterations`` also caps the nodes of the
branch-and-price tree. The checkpoint of step 4 is on the wall clock, so where
it decides (small, tightly packed problems) two runs may take different paths.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model
from scipy import sparse
from scipy.optimize import linprog

from matcher.assignment.model import AssignmentProblem, AssignmentResult, BoolArray, IntArray
from matcher.assignment.price import BranchAndPrice, pricing_cells
from matcher.result import SolveStatus

logger = logging.getLogger(__name__)

EXACT_EDGES = 12_000
"""Problems with at most this many usable edges are first given to CP-SAT whole."""

TARGET_SUB_JOBS = 100
"""Initial neighbourhood size, in jobs."""

SUB_DETERMINISTIC_TIME = 0.1
"""CP-SAT deterministic-time budget of one neighbourhood."""

PRICE_CELLS = 2_000_000
"""Small problems whose pricing round has at most this many knapsack cells
(:func:`~matcher.assignment.price.pricing_cells`) may get branch and price."""

PRICE_PAIRS = 1_000_000
"""... and at most this many (job, agent) pairs: branch and price keeps dense
agents x jobs arrays (a sparse problem with many agents would not fit)."""

PRICE_JOBS_PER_AGENT = 10
"""... when they have at most this many jobs per agent: with more, column
generation converges slowly (chu1997 b10200 and c10200, 20 jobs per agent: not
in 12 s) and the exact search is the better use of the time."""

PRICE_MIN_GAP = 0.003
"""Branch and price only when the exact run is still further than this from its
bound (relative) after a fifth of the time; closer, CP-SAT usually proves the
optimum if left running (chu1997 c20200: 0.13% after 12 s, proven in 12-18 s
when left alone, not by the tree)."""

GAP_COLUMNS = 50_000
"""After branch and price's root and tree: when at most this many columns could
still beat the incumbent, a set-partitioning MIP over them settles it."""

RELATED = 3
"""Cheapest agents per job remembered for related neighbourhoods."""


@dataclass(frozen=True)
class _Data:
    """The usable edges, grouped by job (cheapest first) and by agent."""

    p: AssignmentProblem
    edges: IntArray  # usable edge ids, sorted by (job, cost)
    job_start: IntArray  # edges[job_start[j]:job_start[j+1]] are job j's
    job_cost: IntArray  # cost of leaving each job unserved (huge for must jobs)
    near: IntArray  # (n_jobs, RELATED) cheapest agents per job, -1 padded


def _prepare(p: AssignmentProblem) -> _Data:
    usable = np.flatnonzero(p.edge_load <= p.capacity[p.edge_agent])
    usable = usable[np.lexsort((p.edge_cost[usable], p.edge_job[usable]))]
    counts = np.bincount(p.edge_job[usable], minlength=p.n_jobs)
    job_start = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    big = int(np.abs(p.edge_cost[usable]).sum() + np.abs(p.penalty).sum() + 1)
    job_cost = np.where(p.must, big, p.penalty).astype(np.int64)
    near = np.full((p.n_jobs, RELATED), -1, dtype=np.int64)
    rank = np.arange(len(usable)) - np.repeat(job_start[:-1], counts)
    keep = rank < RELATED
    near[p.edge_job[usable[keep]], rank[keep]] = p.edge_agent[usable[keep]]
    return _Data(p=p, edges=usable, job_start=job_start, job_cost=job_cost, near=near)


def _total(d: _Data, chosen: IntArray) -> int:
    """Internal objective: edge costs plus unserved costs (``chosen`` = edge per job, -1)."""
    served = chosen >= 0
    return int(d.p.edge_cost[chosen[served]].sum() + d.job_cost[~served].sum())


def _lp(d: _Data, time_limit: float) -> tuple[str, float | None, np.ndarray | None]:
    """LP relaxation over the usable edges: ("ok", value, x) or ("infeasible" | "failed", ...)."""
    p = d.p
    edges = d.edges
    n_e = len(edges)
    may = np.flatnonzero(~p.must)
    n_var = n_e + len(may)
    rows_eq = np.concatenate((p.edge_job[edges], may))
    cols = np.arange(n_var)
    a_eq = sparse.csr_array((np.ones(n_var), (rows_eq, cols)), shape=(p.n_jobs, n_var))
    a_ub = sparse.csr_array(
        (p.edge_load[edges].astype(np.float64), (p.edge_agent[edges], np.arange(n_e))),
        shape=(p.n_agents, n_var),
    )
    c = np.concatenate((p.edge_cost[edges], p.penalty[may])).astype(np.float64)
    if n_var == 0:
        return "ok", 0.0, np.zeros(0)
    res = linprog(  # type: ignore[call-overload]  # the stubs do not list sparse arrays
        c,
        A_ub=a_ub,
        b_ub=p.capacity.astype(np.float64),
        A_eq=a_eq,
        b_eq=np.ones(p.n_jobs),
        bounds=(0, 1),
        method="highs",
        options={"time_limit": max(time_limit, 0.1)},
    )
    if res.status == 2:
        return "infeasible", None, None
    if res.status != 0:
        logger.info("LP relaxation stopped: %s", res.message)
        return "failed", None, None
    return "ok", float(res.fun), np.asarray(res.x[:n_e])


def _round(d: _Data, x: np.ndarray | None) -> IntArray:
    """An assignment from the LP solution: integral jobs kept, the rest fitted cheapest first."""
    p = d.p
    chosen = np.full(p.n_jobs, -1, dtype=np.int64)
    used = np.zeros(p.n_agents, dtype=np.int64)
    if x is not None:
        whole = d.edges[x > 1 - 1e-6]
        chosen[p.edge_job[whole]] = whole
        np.add.at(used, p.edge_agent[whole], p.edge_load[whole])
        # The rest by how much of them the LP served, must jobs first.
        served = np.zeros(p.n_jobs)
        np.add.at(served, p.edge_job[d.edges], x)
        rest = np.flatnonzero(chosen < 0)
        rest = rest[np.lexsort((-served[rest], ~p.must[rest]))]
    else:
        rest = np.lexsort((np.arange(p.n_jobs), ~p.must))
    for j in rest.tolist():
        for e in d.edges[d.job_start[j] : d.job_start[j + 1]].tolist():
            a = int(p.edge_agent[e])
            if p.edge_cost[e] >= d.job_cost[j]:
                break  # serving costs more than leaving it (may jobs)
            if used[a] + p.edge_load[e] <= p.capacity[a]:
                chosen[j] = e
                used[a] += p.edge_load[e]
                break
    return chosen


@dataclass
class _Sub:
    status: cp_model.CpSolverStatus
    chosen: IntArray | None  # new edge per job of the sub-problem (-1 unserved)
    bound: float
    stopped: bool = False  # by the checkpoint


class _Progress(cp_model.CpSolverSolutionCallback):
    """The last solution's objective and bound."""

    def __init__(self) -> None:
        super().__init__()
        self.objective = math.inf
        self.bound = -math.inf

    def on_solution_callback(self) -> None:
        self.objective = self.objective_value
        self.bound = self.best_objective_bound


def _solve_with_checkpoint(
    solver: cp_model.CpSolver, model: cp_model.CpModel, seconds: float, bound: float, gap: float
) -> tuple[cp_model.CpSolverStatus, bool]:
    """Solve, stopping after ``seconds`` if the gap is then above ``gap``."""
    progress = _Progress()
    stopped = threading.Event()

    def check() -> None:
        best = max(progress.bound, bound)
        if progress.objective - best > gap * max(1.0, abs(progress.objective)):
            stopped.set()
            solver.stop_search()

    timer = threading.Timer(seconds, check)
    timer.start()
    try:
        status = solver.solve(model, progress)
    finally:
        timer.cancel()
    return status, stopped.is_set()


def _solve_sub(
    d: _Data,
    agents: BoolArray,
    jobs: IntArray,
    chosen: IntArray,
    *,
    seed: int,
    workers: int,
    deterministic_time: float,
    wall_time: float,
    checkpoint: tuple[float, float, float] | None = None,
) -> _Sub:
    """Re-solve ``jobs`` over the agents in ``agents`` exactly, other jobs fixed.

    ``checkpoint`` = (seconds, bound, gap): stop the run after ``seconds`` when
    its best solution is then further than ``gap`` (relative) from its bound
    or ``bound``, whichever is higher.
    """
    p = d.p
    in_jobs = np.zeros(p.n_jobs, dtype=np.bool_)
    in_jobs[jobs] = True
    sel = d.edges[agents[p.edge_agent[d.edges]] & in_jobs[p.edge_job[d.edges]]]
    model = cp_model.CpModel()
    x = [model.new_bool_var("") for _ in range(len(sel))]
    # An "unserved" literal only where leaving the job out is an option worth
    # modelling: may jobs, and must jobs not served yet (a must job served now
    # stays servable, the current assignment proves it; huge unserved costs in
    # the objective would only weaken CP-SAT's relaxation).
    open_jobs = np.flatnonzero(~p.must[jobs] | (chosen[jobs] < 0))
    u = [model.new_bool_var("") for _ in range(len(open_jobs))]
    sel_job = p.edge_job[sel]
    pos = np.searchsorted(jobs, sel_job)  # jobs is sorted
    by_job: list[list[cp_model.IntVar]] = [[] for _ in range(len(jobs))]
    for i, var in zip(open_jobs.tolist(), u, strict=True):
        by_job[i].append(var)
    for i, var in zip(pos.tolist(), x, strict=True):
        by_job[i].append(var)
    for group in by_job:
        model.add_exactly_one(group)
    sel_agent = p.edge_agent[sel]
    order = np.argsort(sel_agent, kind="stable")
    bounds = np.flatnonzero(np.diff(sel_agent[order])) + 1
    for part in np.split(order, bounds) if len(order) else []:
        a = int(sel_agent[part[0]])
        model.add(
            cp_model.LinearExpr.weighted_sum(
                [x[i] for i in part.tolist()], p.edge_load[sel[part]].tolist()
            )
            <= int(p.capacity[a])
        )
    model.minimize(
        cp_model.LinearExpr.weighted_sum(
            x + u, p.edge_cost[sel].tolist() + d.job_cost[jobs[open_jobs]].tolist()
        )
    )
    current = chosen[sel_job] == sel
    for var, on in zip(x, current.tolist(), strict=True):
        model.add_hint(var, on)
    for var, j in zip(u, jobs[open_jobs].tolist(), strict=True):
        model.add_hint(var, bool(chosen[j] < 0))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    solver.parameters.max_deterministic_time = deterministic_time
    solver.parameters.max_time_in_seconds = max(wall_time, 0.01)
    if checkpoint is None:
        status = solver.solve(model)
        stopped = False
    else:
        status, stopped = _solve_with_checkpoint(solver, model, *checkpoint)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _Sub(status=status, chosen=None, bound=-math.inf, stopped=stopped)
    new = np.full(len(jobs), -1, dtype=np.int64)
    on = np.fromiter((solver.boolean_value(v) for v in x), dtype=np.bool_, count=len(x))
    new[pos[on]] = sel[on]
    return _Sub(status=status, chosen=new, bound=solver.best_objective_bound, stopped=stopped)


def _close_gap(search: _Search, pricer: BranchAndPrice, deadline: float) -> None:
    """Look for a better assignment among enumerated columns when there are few of them."""
    if search.proven or search.infeasible:
        return
    until = time.perf_counter() + 0.25 * (deadline - time.perf_counter())
    found, done = pricer.close_gap(float(search.best), until, limit=GAP_COLUMNS)
    if found is not None:
        search.offer_all(found)
    if done:
        search.settled()


def _infeasible(p: AssignmentProblem, t0: float, reasons: list[str]) -> AssignmentResult:
    return AssignmentResult(
        agent_of_job=np.full(p.n_jobs, -1, dtype=np.int64),
        status=SolveStatus.INFEASIBLE,
        objective=None,
        bound=None,
        seconds=time.perf_counter() - t0,
        reasons=tuple(reasons),
    )


def solve_assignment(
    problem: AssignmentProblem,
    *,
    time_limit: float = 10.0,
    seed: int = 0,
    workers: int = 1,
    max_iterations: int | None = None,
) -> AssignmentResult:
    """Serve every must job and the worthwhile may jobs at least total cost.

    Parameters
    ----------
    problem
        Jobs, agents, candidate edges (see :class:`AssignmentProblem`).
    time_limit
        Wall-clock seconds; the best assignment found so far is returned.
    seed
        Seeds the neighbourhood choice and CP-SAT.
    workers
        CP-SAT workers per sub-problem; 1 makes each iteration deterministic.
    max_iterations
        Stop after this many neighbourhoods (reproducible runs; see the module
        docstring).

    Returns
    -------
    AssignmentResult
        The assignment, status, objective, the proven bound and reasons.
    """
    t0 = time.perf_counter()
    deadline = t0 + time_limit
    p = problem
    d = _prepare(p)

    counts = np.diff(d.job_start)
    stuck = np.flatnonzero(p.must & (counts == 0))
    if len(stuck):
        return _infeasible(
            p,
            t0,
            [
                f"job {j} has no agent with a candidate edge and enough capacity"
                for j in stuck.tolist()
            ],
        )

    lp_status, lp_value, x = _lp(d, 0.3 * time_limit)
    if lp_status == "infeasible":
        return _infeasible(
            p,
            t0,
            [
                "the must jobs do not fit in the agents' capacities, "
                "even split fractionally (LP relaxation infeasible)"
            ],
        )
    bound = None if lp_value is None else math.ceil(lp_value - 1e-6 * max(1.0, abs(lp_value)))
    chosen = _round(d, x)
    best = _total(d, chosen)
    logger.debug("LP bound %s, rounding %d, %.2f s", bound, best, time.perf_counter() - t0)

    small = len(d.edges) <= EXACT_EDGES
    search = _Search(d, chosen, bound, seed=seed, workers=workers)
    pricer = None
    if (
        small
        and 0 < p.n_jobs <= PRICE_JOBS_PER_AGENT * p.n_agents
        and p.n_jobs * p.n_agents <= PRICE_PAIRS
        and pricing_cells(p, d.edges) <= PRICE_CELLS
    ):
        pricer = BranchAndPrice(p, d.edges, d.job_cost)
    if small:
        # With branch and price to follow, the exact run stops after a fifth
        # of the time if it is still far from its bound.
        checkpoint = None if pricer is None else (0.2, PRICE_MIN_GAP)
        if not search.exact(deadline, share=0.5, checkpoint=checkpoint):
            pricer = None  # CP-SAT ran its course: no tree
    if pricer is not None and not search.proven and not search.infeasible:
        pricer.add_assignment(search.chosen)
        root = pricer.root(time.perf_counter() + 0.2 * (deadline - time.perf_counter()))
        logger.debug("master bound %s, %.2f s", root, time.perf_counter() - t0)
        if root is None:  # column generation is slow here: exact search instead
            pricer = None
            search.exact(deadline, share=0.5)
        else:  # the master is a relaxation, whatever its slack prices
            search.raise_bound(math.ceil(root - 1e-6 * max(1.0, abs(root))))
            _close_gap(search, pricer, deadline)
    if pricer is not None and not search.proven and not search.infeasible:
        found, _, done = pricer.search(
            deadline - 0.5 * (deadline - time.perf_counter()),
            float(search.best),
            max_nodes=max_iterations,
        )
        if found is not None:
            search.offer_all(found)
        if done:
            search.settled()
        _close_gap(search, pricer, deadline)
    if search.infeasible:
        return _infeasible(
            p,
            t0,
            [
                f"the must jobs cannot all be served: the best assignment leaves job {j} unserved"
                for j in np.flatnonzero(p.must & (search.chosen < 0)).tolist()
            ],
        )
    # Small problems keep a last share of the time for a second exact run,
    # warm-started from (and cut off by) the best so far; after branch and
    # price, that run has the rest of the time.
    if pricer is None:
        search.lns(
            deadline - 0.3 * (deadline - time.perf_counter()) if small else deadline,
            max_iterations,
        )
    if small:
        search.exact(deadline, share=1.0)
    chosen, best, bound, proven = search.chosen, search.best, search.bound, search.proven
    iterations = search.iterations

    agent_of_job = np.where(chosen >= 0, p.edge_agent[np.maximum(chosen, 0)], -1)
    unserved_must = np.flatnonzero(p.must & (chosen < 0))
    seconds = time.perf_counter() - t0
    if len(unserved_must):
        return AssignmentResult(
            agent_of_job=agent_of_job,
            status=SolveStatus.TIME_LIMIT,
            objective=None,
            bound=bound,
            seconds=seconds,
            iterations=iterations,
            reasons=tuple(
                f"job {j}: no assignment serving it was found in time"
                for j in unserved_must.tolist()
            ),
        )
    status = SolveStatus.OPTIMAL if proven else SolveStatus.FEASIBLE
    return AssignmentResult(
        agent_of_job=agent_of_job,
        status=status,
        objective=best,
        bound=best if proven else bound,
        seconds=seconds,
        iterations=iterations,
    )


class _Search:
    """The incumbent and the bound, improved by exact runs and neighbourhoods."""

    def __init__(
        self, d: _Data, chosen: IntArray, bound: int | None, *, seed: int, workers: int
    ) -> None:
        self.d = d
        self.chosen = chosen
        self.best = _total(d, chosen)
        self.bound = bound
        self.proven = bound is not None and self.best <= bound
        self.infeasible = False
        self.seed = seed
        self.workers = workers
        self.rng = np.random.default_rng(seed)
        p = d.p
        # A neighbourhood is at most half of the agents: the whole problem is
        # the exact phase's job, not a neighbourhood's.
        self.max_size = max(2, (p.n_agents + 1) // 2)
        self.size = int(
            np.clip(round(TARGET_SUB_JOBS * p.n_agents / max(p.n_jobs, 1)), 2, self.max_size)
        )
        self.iterations = 0

    def _offer(self, jobs: IntArray, new: IntArray) -> None:
        trial = self.chosen.copy()
        trial[jobs] = new
        cost = _total(self.d, trial)
        if cost <= self.best:
            if cost < self.best:
                logger.debug("iteration %d: %d -> %d", self.iterations, self.best, cost)
            self.chosen, self.best = trial, cost
        self.proven = self.proven or (self.bound is not None and self.best <= self.bound)

    def settled(self) -> None:
        """Nothing beats the incumbent: optimal, or infeasible if it leaves a must job out."""
        self.proven = True
        self.infeasible = bool((self.d.p.must & (self.chosen < 0)).any())

    def raise_bound(self, bound: int) -> None:
        """Take a proven lower bound."""
        self.bound = bound if self.bound is None else max(self.bound, bound)
        self.proven = self.proven or self.best <= self.bound

    def offer_all(self, chosen: IntArray) -> None:
        """Offer a whole assignment."""
        self._offer(np.arange(self.d.p.n_jobs, dtype=np.int64), chosen)

    def exact(
        self, deadline: float, share: float, checkpoint: tuple[float, float] | None = None
    ) -> bool:
        """The whole model in CP-SAT for ``share`` of the time left.

        ``checkpoint`` = (share, gap): stop once ``share`` of the time left has
        passed if the gap to the bound is then above ``gap``. Returns whether
        it stopped there.
        """
        if self.proven:
            return False
        p = self.d.p
        left = deadline - time.perf_counter()
        limit = share * left
        if limit <= 0.05:
            return False
        jobs = np.arange(p.n_jobs, dtype=np.int64)
        sub = _solve_sub(
            self.d,
            np.ones(p.n_agents, dtype=np.bool_),
            jobs,
            self.chosen,
            seed=self.seed,
            workers=self.workers,
            deterministic_time=limit,
            wall_time=limit,
            checkpoint=None
            if checkpoint is None
            else (
                checkpoint[0] * left,
                -math.inf if self.bound is None else self.bound,
                checkpoint[1],
            ),
        )
        if sub.chosen is not None:
            self.raise_bound(math.ceil(sub.bound - 1e-6))
            self._offer(jobs, sub.chosen)
        if sub.status == cp_model.OPTIMAL:
            self.settled()
        logger.debug("exact run: %d (bound %s)", self.best, self.bound)
        return sub.stopped

    def lns(self, until: float, max_iterations: int | None) -> None:
        """Re-solve neighbourhoods until ``until`` (or ``max_iterations`` in all)."""
        d, p, rng = self.d, self.d.p, self.rng
        while (
            not self.proven
            and p.n_agents > 0
            and time.perf_counter() < until
            and (max_iterations is None or self.iterations < max_iterations)
        ):
            self.iterations += 1
            chosen = self.chosen
            agents = _neighbourhood(d, chosen, min(self.size, p.n_agents), rng)
            served_agent = np.where(chosen >= 0, p.edge_agent[np.maximum(chosen, 0)], -1)
            mine = (served_agent >= 0) & agents[np.maximum(served_agent, 0)]
            idle = np.flatnonzero(chosen < 0)
            if len(idle):
                reach = np.zeros(p.n_jobs, dtype=np.bool_)
                reach[p.edge_job[d.edges[agents[p.edge_agent[d.edges]]]]] = True
                idle = idle[reach[idle]]
                if len(idle) > TARGET_SUB_JOBS:
                    idle = rng.choice(idle, TARGET_SUB_JOBS, replace=False)
            jobs = np.union1d(np.flatnonzero(mine), idle).astype(np.int64)
            if len(jobs) == 0:
                continue
            sub = _solve_sub(
                d,
                agents,
                jobs,
                chosen,
                seed=int(rng.integers(2**31 - 1)),
                workers=self.workers,
                deterministic_time=SUB_DETERMINISTIC_TIME,
                wall_time=until - time.perf_counter(),
            )
            if sub.chosen is not None:
                self._offer(jobs, sub.chosen)
            if sub.status == cp_model.OPTIMAL and agents.all() and len(jobs) == p.n_jobs:
                self.settled()  # the neighbourhood was the whole problem
            elif sub.status == cp_model.OPTIMAL:
                self.size = min(self.size + 1, self.max_size)
            else:
                self.size = max(self.size - 1, 2)


def _neighbourhood(d: _Data, chosen: IntArray, size: int, rng: np.random.Generator) -> BoolArray:
    """``size`` agents: at random, or one agent and those that could serve its jobs cheaply."""
    p = d.p
    agents = np.zeros(p.n_agents, dtype=np.bool_)
    if size >= p.n_agents:
        agents[:] = True
        return agents
    if rng.random() < 0.5:
        agents[rng.choice(p.n_agents, size, replace=False)] = True
        return agents
    first = int(rng.integers(p.n_agents))
    agents[first] = True
    served = chosen >= 0
    own = np.flatnonzero(served)[p.edge_agent[chosen[served]] == first]
    near = d.near[own].ravel()
    near = near[(near >= 0) & (near != first)]
    counts = np.bincount(near, minlength=p.n_agents).astype(np.float64)
    others = np.flatnonzero(counts > 0)
    take = min(size - 1, len(others))
    if take:
        pick = rng.choice(others, take, replace=False, p=counts[others] / counts[others].sum())
        agents[pick] = True
    missing = size - int(agents.sum())
    if missing > 0:
        rest = np.flatnonzero(~agents)
        agents[rng.choice(rest, missing, replace=False)] = True
    return agents
