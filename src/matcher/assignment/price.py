"""Branch and price for capacitated assignment problems whose knapsacks are small.

The set-partitioning master
---------------------------
A *column* is one agent's whole load: a set of jobs whose loads fit the
agent's capacity, at the sum of their edge costs. The master LP chooses columns::

    minimize    sum_k cost_k l_k  +  sum_j slack_j s_j
    subject to  sum_{k covers j} l_k + s_j  = 1      for every job j
                sum_{k of agent a} l_k     <= 1      for every agent a
                l, s >= 0

``slack_j`` is a may job's penalty, or more than every edge together for a
must job. The master's value is the Lagrangian (knapsack) bound, much stronger
than the edge LP on tightly packed instances: on chu1997 d20100 it is
6,176.1 where the edge LP gives 6,142.5 (the optimum is 6,185).

Pricing is one 0-1 knapsack per agent over the jobs' reduced profits (the
job's dual minus the edge cost), by dynamic programming over the capacity, one
numpy pass per job with a positive profit. Its cost is the number of cells,
jobs times capacity, which :func:`pricing_cells` gives; the solver only uses
branch and price when a pricing round is cheap.

The tree branches on edges, depth first: at each node the fractional edge with
the largest value is forced (the job goes to that agent) and, when that
subtree is done, banned. A node is pruned when its bound, rounded up, reaches
the incumbent: the master's value once column generation converges, or before
that the Lagrangian bound of the current duals. A node whose edges are all
integral is an assignment. Every column ever priced stays in one pool kept in
GLOP; a node switches off (upper bound 0) the columns its decisions exclude,
so each LP starts from the last basis. A tree explored to the end proves that
nothing beats the incumbent.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from ortools.linear_solver import pywraplp
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from matcher.assignment.model import AssignmentProblem, BoolArray, IntArray

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]

EPS = 1e-6
"""Tolerance on LP values, duals and edge values."""

SMOOTHING = 0.7
"""Weight of the best Lagrangian prices in the duals priced (Wentges smoothing)."""

MUST_SLACK = 10.0
"""A must job's slack in the master LP costs this many times the largest edge cost."""


def pricing_cells(p: AssignmentProblem, edges: IntArray) -> int:
    """Dynamic-programming cells of one pricing round: per agent, its edges times capacity + 1."""
    per_agent = np.bincount(p.edge_agent[edges], minlength=p.n_agents)
    return int((per_agent * (p.capacity + 1)).sum())


def knapsack(profit: FloatArray, load: IntArray, capacity: int) -> tuple[float, IntArray]:
    """The 0-1 knapsack: most profit within ``capacity``; items with no profit are left out.

    Parameters
    ----------
    profit, load
        Per item.
    capacity
        Non-negative.

    Returns
    -------
    tuple
        The best profit and the chosen items' indices (ascending).
    """
    items = np.flatnonzero((profit > EPS) & (load <= capacity))
    best = np.zeros(capacity + 1)
    keep = np.zeros((len(items), capacity + 1), dtype=np.bool_)
    for t, (w, v) in enumerate(zip(load[items].tolist(), profit[items].tolist(), strict=True)):
        # In place, into the views (half the time of slicing and np.where).
        take = best[: capacity + 1 - w] + v
        better = keep[t, w:]
        np.greater(take, best[w:] + 1e-12, out=better)
        np.copyto(best[w:], take, where=better)
    chosen: list[int] = []
    c = capacity
    for t in range(len(items) - 1, -1, -1):
        if keep[t, c]:
            chosen.append(int(items[t]))
            c -= int(load[items[t]])
    return float(best[capacity]), np.array(sorted(chosen), dtype=np.int64)


@dataclass
class _Node:
    """The master's solution at one node of the tree."""

    value: float  # LP value, or the Lagrangian bound when pruned early
    x: FloatArray | None  # (agents, jobs) edge values; None when pruned early


class BranchAndPrice:
    """The column pool, the master LP in GLOP and the branching decisions.

    Parameters
    ----------
    p
        The problem.
    edges
        Its usable edges (load within the agent's capacity).
    slack_cost
        Per job, the cost of leaving it unserved (huge for must jobs). The
        master prices a must job's slack lower, at ``MUST_SLACK`` times the
        largest edge cost: the LP stays a relaxation (a lower bound) whatever
        that price, and GLOP fails on huge ones; assignments found are costed
        with ``slack_cost``.
    """

    def __init__(self, p: AssignmentProblem, edges: IntArray, slack_cost: IntArray) -> None:
        self.p = p
        n_a, n_j = p.n_agents, p.n_jobs
        self.edge_id = np.full((n_a, n_j), -1, dtype=np.int64)
        self.edge_id[p.edge_agent[edges], p.edge_job[edges]] = edges
        self.usable = self.edge_id >= 0
        ids = self.edge_id[self.usable]
        self.cost = np.zeros((n_a, n_j))
        self.cost[self.usable] = p.edge_cost[ids]
        self.load = np.zeros((n_a, n_j), dtype=np.int64)
        self.load[self.usable] = p.edge_load[ids]
        self.slack_cost = slack_cost.astype(np.float64)
        top = float(np.abs(p.edge_cost[edges]).max(initial=0.0))
        self.lp_slack = np.where(
            p.must, np.minimum(self.slack_cost, MUST_SLACK * top + 1.0), self.slack_cost
        )
        self.owner = np.full(n_j, -1, dtype=np.int64)  # forced agent per job
        self.banned = np.zeros((n_a, n_j), dtype=np.bool_)
        self.n_cols = 0  # the pool: the first n_cols rows of these arrays
        self._agent = np.zeros(64, dtype=np.int64)
        self._jobs = np.zeros((64, n_j), dtype=np.bool_)
        self._cost = np.zeros(64)
        self.active = np.zeros(0, dtype=np.bool_)
        self._seen: set[tuple[int, bytes]] = set()
        self.lp_solves = 0
        self.prices: FloatArray | None = None  # job prices of the node's best Lagrangian bound
        self.root_prices: FloatArray | None = None
        lp = pywraplp.Solver.CreateSolver("GLOP")
        if lp is None:  # pragma: no cover - GLOP ships with OR-Tools
            raise RuntimeError("GLOP is not available")
        self.lp = lp
        self.objective = lp.Objective()
        self.objective.SetMinimization()
        self.job_rows = [lp.Constraint(1.0, 1.0) for _ in range(n_j)]
        self.agent_rows = [lp.Constraint(-lp.infinity(), 1.0) for _ in range(n_a)]
        for j, row in enumerate(self.job_rows):  # each job's slack column
            var = lp.NumVar(0.0, lp.infinity(), "")
            self.objective.SetCoefficient(var, float(self.lp_slack[j]))
            row.SetCoefficient(var, 1.0)
        self.vars: list[pywraplp.Variable] = []

    # -- the column pool -------------------------------------------------
    def add_column(self, agent: int, jobs: IntArray) -> bool:
        """Add agent ``agent`` serving ``jobs`` to the pool (``False`` if known already)."""
        row = np.zeros(self.p.n_jobs, dtype=np.bool_)
        row[jobs] = True
        key = (agent, np.packbits(row).tobytes())
        if key in self._seen:
            return False
        self._seen.add(key)
        cost = float(self.cost[agent, jobs].sum())
        k = self.n_cols
        if k == len(self._agent):
            self._agent = np.concatenate((self._agent, np.zeros_like(self._agent)))
            self._jobs = np.concatenate((self._jobs, np.zeros_like(self._jobs)))
            self._cost = np.concatenate((self._cost, np.zeros_like(self._cost)))
        self._agent[k], self._jobs[k], self._cost[k] = agent, row, cost
        self.n_cols = k + 1
        valid = bool(self._valid(self._agent[k : k + 1], self._jobs[k : k + 1])[0])
        self.active = np.append(self.active, valid)
        var = self.lp.NumVar(0.0, self.lp.infinity() if valid else 0.0, "")
        self.objective.SetCoefficient(var, cost)
        self.agent_rows[agent].SetCoefficient(var, 1.0)
        for j in jobs.tolist():
            self.job_rows[j].SetCoefficient(var, 1.0)
        self.vars.append(var)
        return True

    def add_assignment(self, chosen: IntArray) -> None:
        """Add the columns of an assignment (``chosen``: edge per job, -1 unserved)."""
        served = np.flatnonzero(chosen >= 0)
        agent = self.p.edge_agent[chosen[served]]
        for a in np.unique(agent).tolist():
            self.add_column(a, served[agent == a])

    @property
    def col_agent(self) -> IntArray:
        """Agent of each column of the pool."""
        return self._agent[: self.n_cols]

    @property
    def col_jobs(self) -> BoolArray:
        """Jobs of each column of the pool, one Boolean row per column."""
        return self._jobs[: self.n_cols]

    @property
    def col_cost(self) -> FloatArray:
        """Cost of each column of the pool."""
        return self._cost[: self.n_cols]

    def _valid(self, agent: IntArray, jobs: BoolArray) -> BoolArray:
        """Which columns agree with the branching decisions."""
        owner = self.owner[None, :]
        mine = owner == agent[:, None]
        clash = jobs & (owner >= 0) & ~mine
        banned = jobs & self.banned[agent]
        forced = np.bincount(self.owner[self.owner >= 0], minlength=self.p.n_agents)
        have = (jobs & mine).sum(axis=1)
        ok: BoolArray = ~clash.any(axis=1) & ~banned.any(axis=1) & (have == forced[agent])
        return ok

    def _refresh(self) -> None:
        """Switch columns on or off after the decisions changed."""
        valid = self._valid(self.col_agent, self.col_jobs)
        for k in np.flatnonzero(valid != self.active).tolist():
            self.vars[k].SetUb(self.lp.infinity() if valid[k] else 0.0)
        self.active = valid

    # -- the master LP ---------------------------------------------------
    def _solve_lp(self) -> tuple[float, FloatArray, FloatArray, FloatArray] | None:
        """Value, column values, job duals and agent duals of the master."""
        self.lp_solves += 1
        return self._solve_glop() or self._solve_highs()

    def _solve_glop(self) -> tuple[float, FloatArray, FloatArray, FloatArray] | None:
        """The master in GLOP, from the last basis (``None`` when GLOP fails)."""
        status = self.lp.Solve()
        if status != pywraplp.Solver.OPTIMAL:
            logger.debug("GLOP status %s: the master goes to HiGHS", status)
            return None
        act = np.flatnonzero(self.active)
        lam = np.zeros(len(self.vars))
        lam[act] = [self.vars[k].solution_value() for k in act.tolist()]
        u = np.array([row.dual_value() for row in self.job_rows])
        w = np.array([row.dual_value() for row in self.agent_rows])
        return float(self.objective.Value()), lam, u, w

    def _solve_highs(self) -> tuple[float, FloatArray, FloatArray, FloatArray] | None:
        """The same LP built afresh for HiGHS, when GLOP fails."""
        p = self.p
        act = np.flatnonzero(self.active)
        n_j, n_a = p.n_jobs, p.n_agents
        cols = self.col_jobs[act]
        k_idx, j_idx = np.nonzero(cols)
        n_k = len(act)
        a_eq = sparse.csr_array(
            (
                np.ones(len(k_idx) + n_j),
                (
                    np.concatenate((j_idx, np.arange(n_j))),
                    np.concatenate((k_idx, n_k + np.arange(n_j))),
                ),
            ),
            shape=(n_j, n_k + n_j),
        )
        a_ub = sparse.csr_array(
            (np.ones(n_k), (self.col_agent[act], np.arange(n_k))), shape=(n_a, n_k + n_j)
        )
        res = linprog(  # type: ignore[call-overload]  # the stubs do not list sparse arrays
            np.concatenate((self.col_cost[act], self.lp_slack)),
            A_ub=a_ub,
            b_ub=np.ones(n_a),
            A_eq=a_eq,
            b_eq=np.ones(n_j),
            bounds=(0, None),
            method="highs",
        )
        if res.status != 0:
            return None
        lam = np.zeros(len(self.vars))
        lam[act] = res.x[: len(act)]
        return (
            float(res.fun),
            lam,
            np.asarray(res.eqlin.marginals),
            np.asarray(res.ineqlin.marginals),
        )

    def _price(self, u: FloatArray) -> tuple[FloatArray, list[IntArray | None]]:
        """Per agent, the most profitable column under duals ``u`` (``None`` if none fits)."""
        p = self.p
        best = np.zeros(p.n_agents)
        cols: list[IntArray | None] = []
        open_job = self.owner < 0
        for a in range(p.n_agents):
            forced = np.flatnonzero(self.owner == a)
            room = int(p.capacity[a] - self.load[a, forced].sum())
            if room < 0:
                best[a] = -math.inf
                cols.append(None)
                continue
            allowed = self.usable[a] & ~self.banned[a] & open_job
            profit = np.where(allowed, u - self.cost[a], 0.0)
            value, extra = knapsack(profit, self.load[a], room)
            best[a] = value + float((u[forced] - self.cost[a, forced]).sum())
            cols.append(np.union1d(forced, extra))
        return best, cols

    def _lagrangian(self, u: FloatArray, best: FloatArray, slack: FloatArray) -> float:
        """The Lagrangian bound of job prices ``u``.

        ``best`` is each agent's best column profit under them (``-inf`` when
        none fits), ``slack`` the price of leaving each job unserved.
        """
        reach = np.where(np.isfinite(best), np.maximum(best, 0.0), 0.0)
        return float(u.sum() + np.minimum(slack - u, 0.0).sum() - reach.sum())

    def _node(self, deadline: float, incumbent: float) -> _Node | None:
        """Column generation at the current node (``None`` when out of time).

        Pricing uses smoothed duals (Wentges): a mix of the LP's duals and the
        best Lagrangian prices so far, which damps the duals' oscillation.
        When the mix finds no column the LP's own duals are priced; the node
        is done when they find none either or the Lagrangian bound meets the
        LP value.
        """
        lagrangian = -math.inf
        center: FloatArray | None = None
        smooth = True
        while True:
            if time.perf_counter() > deadline:
                return None
            sol = self._solve_lp()
            if sol is None:  # pragma: no cover - HiGHS failing too
                return None
            value, lam, u, w = sol
            mixed = smooth and center is not None
            prices = SMOOTHING * center + (1 - SMOOTHING) * u if mixed else u  # type: ignore[operator]
            best, cols = self._price(prices)
            bound = self._lagrangian(prices, best, self.lp_slack)
            if bound > lagrangian:
                lagrangian, center = bound, prices
                self.prices = prices
            if lagrangian > incumbent - 1 + EPS:
                return _Node(value=lagrangian, x=None)
            added = 0
            if value - lagrangian > EPS * max(1.0, abs(value)):
                for a, col in enumerate(cols):
                    if col is None:
                        continue
                    reduced = float((self.cost[a, col] - u[col]).sum()) - w[a]
                    if reduced < -EPS and self.add_column(a, col):
                        added += 1
                if added == 0 and mixed:
                    smooth = False  # a mispricing: try the LP's own duals
                    continue
            if added == 0:
                x = np.zeros((self.p.n_agents, self.p.n_jobs))
                on = np.flatnonzero(lam > EPS)
                np.add.at(x, self.col_agent[on], lam[on, None] * self.col_jobs[on])
                return _Node(value=max(value, lagrangian), x=x)
            smooth = True

    # -- the search ------------------------------------------------------
    def root(self, deadline: float) -> float | None:
        """Column generation at the root; its bound (``None`` when out of time)."""
        node = self._node(deadline, math.inf)
        logger.debug("root master %s, %d columns", node and node.value, len(self.vars))
        if node is None:
            return None
        self.root_prices = self.prices
        return node.value

    def _gap_columns(
        self, u: FloatArray, slack: float, limit: int, deadline: float
    ) -> list[tuple[int, list[int]]] | None:
        """Every column whose profit under ``u`` is within ``slack`` of its agent's best.

        Depth first over each agent's jobs, most profitable first, pruned by
        a knapsack bound on what the remaining jobs can add. ``None`` when
        there are more than ``limit`` or time runs out.
        """
        p = self.p
        out: list[tuple[int, list[int]]] = []
        for a in range(p.n_agents):
            items = np.flatnonzero(self.usable[a])
            profit = u[items] - self.cost[a, items]
            items = items[np.argsort(-profit, kind="stable")]
            profit = u[items] - self.cost[a, items]
            load = self.load[a, items]
            cap = int(p.capacity[a])
            n = len(items)
            # reach[t, c]: most profit jobs t.. can add within capacity c.
            reach = np.zeros((n + 1, cap + 1))
            for t in range(n - 1, -1, -1):
                w = int(load[t])
                reach[t] = reach[t + 1]
                if w <= cap:
                    reach[t, w:] = np.maximum(
                        reach[t + 1, w:], reach[t + 1, : cap + 1 - w] + max(profit[t], 0.0)
                    )
            need = reach[0, cap] - slack - EPS
            table = reach.tolist()
            gains = profit.tolist()
            weights = load.tolist()
            stack: list[tuple[int, int, float, tuple[int, ...]]] = [(0, cap, 0.0, ())]
            while stack:
                t, c, gain, chosen = stack.pop()
                if gain + table[t][c] < need:
                    continue
                if t == n:
                    out.append((a, [int(items[i]) for i in chosen]))
                    if len(out) > limit or time.perf_counter() > deadline:
                        return None
                    continue
                stack.append((t + 1, c, gain, chosen))
                if weights[t] <= c:
                    stack.append((t + 1, c - weights[t], gain + gains[t], (*chosen, t)))
        return out

    def close_gap(
        self, incumbent: float, deadline: float, limit: int
    ) -> tuple[IntArray | None, bool]:
        """Every assignment cheaper than ``incumbent``, from enumerated columns, by a MIP.

        With the root's job prices ``u``, any assignment costs at least the
        Lagrangian bound ``L(u)`` plus, per agent used, how far its column's
        profit falls short of the agent's best. So an assignment cheaper than
        ``incumbent`` uses only columns that fall short by at most
        ``incumbent - 1 - L(u)``: when there are at most ``limit`` of those,
        the set-partitioning MIP over them (HiGHS) finds the best such
        assignment or proves there is none.

        Returns
        -------
        tuple
            A better assignment (edge per job, -1 unserved) or ``None``, and
            whether the MIP was solved to the end (then nothing else is better).
        """
        p = self.p
        u = self.root_prices
        if u is None or not math.isfinite(incumbent):
            return None, False
        self._reset()  # the columns of the whole problem
        best, _ = self._price(u)
        # At the true slack costs (a must job cannot be left out).
        slack = incumbent - 1 - self._lagrangian(u, best, self.slack_cost)
        if slack < 0:
            return None, True
        cols = self._gap_columns(u, slack, limit, deadline)
        logger.debug(
            "gap %.2f above the Lagrangian bound: %s columns",
            slack,
            "too many" if cols is None else len(cols),
        )
        if cols is None:
            return None, False
        may = np.flatnonzero(~p.must)
        n_k, n_j, n_a = len(cols), p.n_jobs, p.n_agents
        col_rows = [j for _, jobs in cols for j in jobs]
        col_of = [k for k, (_, jobs) in enumerate(cols) for _ in jobs]
        matrix = sparse.csr_array(
            (
                np.ones(len(col_rows) + n_k + len(may)),
                (
                    np.concatenate((col_rows, n_j + np.array([a for a, _ in cols]), may)),
                    np.concatenate((col_of, np.arange(n_k), n_k + np.arange(len(may)))),
                ),
            ),
            shape=(n_j + n_a, n_k + len(may)),
        )
        costs = np.concatenate(
            ([float(self.cost[a, jobs].sum()) for a, jobs in cols], self.slack_cost[may])
        )
        left = deadline - time.perf_counter()
        if left <= 0:
            return None, False
        res = milp(
            costs,
            constraints=LinearConstraint(
                matrix, np.concatenate((np.ones(n_j), np.zeros(n_a))), np.ones(n_j + n_a)
            ),
            integrality=np.ones(len(costs), dtype=np.int64),
            bounds=Bounds(0, 1),
            options={"time_limit": left},
        )
        if res.status == 2:  # infeasible: nothing is cheaper than the incumbent
            return None, True
        if res.x is None:
            return None, False
        chosen = np.full(n_j, -1, dtype=np.int64)
        for k in np.flatnonzero(res.x[:n_k] > 0.5).tolist():
            a, jobs = cols[k]
            chosen[jobs] = self.edge_id[a, jobs]
        better = chosen if self.cost_of(chosen) < incumbent else None
        return better, res.status == 0

    def _reset(self) -> None:
        """Undo every branching decision."""
        self.owner[:] = -1
        self.banned[:] = False
        self._refresh()

    def cost_of(self, chosen: IntArray) -> float:
        """Cost of an assignment (edge per job, -1 unserved), unserved jobs at their slack cost."""
        served = chosen >= 0
        return float(self.p.edge_cost[chosen[served]].sum() + self.slack_cost[~served].sum())

    def search(
        self,
        deadline: float,
        incumbent: float,
        max_nodes: int | None = None,
    ) -> tuple[IntArray | None, float, bool]:
        """Depth-first branch and price until ``deadline``.

        Parameters
        ----------
        deadline
            A ``time.perf_counter()`` value.
        incumbent
            Cost of the best known assignment (``math.inf`` for none): only
            better ones are looked for.
        max_nodes
            Stop after this many nodes (a reproducible limit, unlike ``deadline``).

        Returns
        -------
        tuple
            The best assignment found (edge per job, -1 unserved; ``None`` if
            none beat ``incumbent``), its cost, and whether the tree was
            explored to the end (then nothing is better than the returned cost).
        """
        p = self.p
        found: IntArray | None = None
        stack: list[tuple[int, int, bool]] = []  # (agent, job, forced?)
        nodes = 0
        while True:
            node = None if nodes == max_nodes else self._node(deadline, incumbent)
            if node is None:
                logger.debug("branch and price: stopped after %d nodes", nodes)
                self._reset()
                return found, incumbent, False
            nodes += 1
            prune = node.x is None or node.value > incumbent - 1 + EPS
            if not prune and node.x is not None:
                x = node.x
                frac = (x > EPS) & (x < 1 - EPS)
                if not frac.any():
                    agent = np.where(x.max(axis=0) > 0.5, x.argmax(axis=0), -1)
                    chosen = np.where(
                        agent >= 0, self.edge_id[np.maximum(agent, 0), np.arange(p.n_jobs)], -1
                    )
                    cost = self.cost_of(chosen)
                    if cost < incumbent:
                        found, incumbent = chosen, cost
                        logger.debug("branch and price: %s at node %d", cost, nodes)
                    prune = True
                else:
                    a, j = divmod(int(np.argmax(np.where(frac, x, -1.0))), p.n_jobs)
                    stack.append((a, j, True))
                    self.owner[j] = a
            if prune:
                while stack and not stack[-1][2]:
                    a, j, _ = stack.pop()
                    self.banned[a, j] = False
                if not stack:
                    logger.debug("branch and price: tree done in %d nodes", nodes)
                    self._reset()
                    return found, incumbent, True
                a, j, _ = stack.pop()
                self.owner[j] = -1
                self.banned[a, j] = True
                stack.append((a, j, False))
            self._refresh()
