"""The naive all-pairs CP-SAT dispatch model: the baseline ``matcher.dispatch`` is measured against.

What a first implementation looks like, straight from the rules: one Boolean per
volunteer x order pair, built in a Python loop over all pairs; every pair that
breaks a per-pair rule fixed to 0 by a constraint (the per-pair verdict comes from
``matcher.candidates``, so both models solve the same problem); one clause per
clashing pair of options; a weekly-minutes constraint for every volunteer; the whole
problem in one model, solved with CP-SAT's defaults (presolve on) in the same two
lexicographic stages as ``matcher.dispatch`` (served weights, then cost).

No pruning, no decomposition, no cliques: that is the point of the baseline.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from matcher.candidates import Candidates, DispatchArrays
from volunteers.geo import IntArray


@dataclass
class NaiveResult:
    """Chosen options, teams, and how the naive solve went."""

    options: IntArray
    teams: dict[int, int]
    optimal: bool
    build_seconds: float
    search_seconds: float
    num_variables: int


def solve_naive(
    arr: DispatchArrays, cand: Candidates, time_limit: float, seed: int, workers: int
) -> NaiveResult:
    """Build and solve the all-pairs model; half the time limit per stage."""
    t0 = time.perf_counter()
    model = cp_model.CpModel()
    edge_of = {
        (int(v), int(o)): e
        for e, (v, o) in enumerate(
            zip(cand.edge_vol.tolist(), cand.edge_order.tolist(), strict=True)
        )
    }
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    for v in range(arr.num_volunteers):
        for o in range(arr.num_orders):
            var = model.new_bool_var(f"x_{v}_{o}")
            x[(v, o)] = var
            if (v, o) not in edge_of:
                model.add(var == 0)
    served = [model.new_bool_var(f"served_{o}") for o in range(arr.num_orders)]
    for o in range(arr.num_orders):
        model.add(
            sum(x[(v, o)] for v in range(arr.num_volunteers)) == int(arr.ord_k[o]) * served[o]
        )
    # A start per served order; an option is "pair chosen and start chosen".
    starts = {
        (o, int(s)): model.new_bool_var(f"start_{o}_{s}")
        for o in range(arr.num_orders)
        for s in arr.ord_starts[o].tolist()
    }
    for o in range(arr.num_orders):
        model.add(sum(starts[(o, int(s))] for s in arr.ord_starts[o].tolist()) == served[o])
        if o in cand.pinned_starts:
            model.add(starts[(o, cand.pinned_starts[o])] == 1)
    lit: list[cp_model.IntVar] = []
    for e, s in zip(cand.opt_edge.tolist(), cand.opt_start.tolist(), strict=True):
        v, o = int(cand.edge_vol[e]), int(cand.edge_order[e])
        u = model.new_bool_var("")
        model.add_multiplication_equality(u, [x[(v, o)], starts[(o, s)]])
        lit.append(u)
    opts_of_edge: dict[int, list[int]] = {}
    for i, e in enumerate(cand.opt_edge.tolist()):
        opts_of_edge.setdefault(e, []).append(i)
    for (v, o), var in x.items():
        e = edge_of.get((v, o))
        if e is not None:
            model.add(sum(lit[i] for i in opts_of_edge[e]) == var)
    for a, b in zip(cand.conflict_a.tolist(), cand.conflict_b.tolist(), strict=True):
        model.add_bool_or([lit[a].Not(), lit[b].Not()])
    for v in range(arr.num_volunteers):
        cap = float(arr.vol_cap_left[v])
        if np.isfinite(cap):
            model.add(
                sum(int(arr.ord_duration[o]) * x[(v, o)] for o in range(arr.num_orders))
                <= int(np.floor(cap + 1e-9))
            )
    y: dict[tuple[int, int], cp_model.IntVar] = {}
    for o, r in enumerate(arr.orders):
        if not r.same_team:
            continue
        ok_teams = []
        for t in range(len(arr.team_cat)):
            cat = int(arr.team_cat[t])
            if (int(arr.ord_cat[o, cat // 64]) >> (cat % 64)) & 1:
                y[(o, t)] = model.new_bool_var("")
                ok_teams.append(t)
                if r.needs_captain:
                    model.add_implication(y[(o, t)], x[(int(arr.team_captain[t]), o)])
        model.add(sum(y[(o, t)] for t in ok_teams) == served[o])
        for v in range(arr.num_volunteers):
            mine = [y[(o, t)] for t in arr.vol_teams[v] if (o, t) in y]
            model.add(x[(v, o)] <= sum(mine))
    for e in cand.pinned_edges.tolist():
        model.add(x[(int(cand.edge_vol[e]), int(cand.edge_order[e]))] == 1)

    weight = arr.ord_points
    w0 = int(weight[arr.ord_tier == 0].sum())
    s1 = sum(int(weight[o]) * served[o] for o in range(arr.num_orders) if arr.ord_tier[o] == 1)
    s0 = sum(int(weight[o]) * served[o] for o in range(arr.num_orders) if arr.ord_tier[o] == 0)
    cost = sum(int(cand.edge_cost[e]) * x[(v, o)] for (v, o), e in edge_of.items())
    build = time.perf_counter() - t0

    def run(limit: float) -> tuple[Any, cp_model.CpSolver]:
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(limit, 0.01)
        solver.parameters.num_workers = workers
        solver.parameters.random_seed = seed
        return solver.solve(model), solver

    t1 = time.perf_counter()
    model.maximize((w0 + 1) * s1 + s0)
    status_a, solver = run(time_limit / 2)
    if status_a not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        empty = np.empty(0, dtype=np.int64)
        return NaiveResult(empty, {}, False, build, time.perf_counter() - t1, len(x))
    model.add(s1 >= int(solver.value(s1)))
    model.add(s0 >= int(solver.value(s0)))
    model.minimize(cost)
    status_b, solver_b = run(time_limit - (time.perf_counter() - t1))
    if status_b in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        solver = solver_b
    chosen = np.asarray([i for i, u in enumerate(lit) if solver.boolean_value(u)], dtype=np.int64)
    teams = {o: t for (o, t), var in y.items() if solver.boolean_value(var)}
    optimal = status_a == cp_model.OPTIMAL and status_b == cp_model.OPTIMAL
    return NaiveResult(chosen, teams, optimal, build, time.perf_counter() - t1, len(x))
