"""The dispatch front door: :func:`dispatch`.

Objective (minimized, lexicographic)::

    1. maximize  S1 = sum of w(o) over served vulnerable orders
    2. maximize  S0 = sum of w(o) over served normal orders
    3. minimize  C  = sum over assignments (v, o) of cost(v, o)

``w(o)`` is the order's priority weight x 100 (integers) and ``cost(v, o)`` is
written out in :class:`~matcher.model.ObjectiveWeights`. Each served order gets
exactly its ``k`` volunteers (all or none).

Method
------
1. Candidates (:mod:`matcher.candidates`) apply every per-pair rule.
2. Orders are split into the connected components of the *clash graph* (two
   orders are linked when one volunteer could serve both but not both at
   once). Components do not interact except through weekly hour caps.
3. A component of one order is solved exactly by enumeration of its starts
   (and teams); larger ones by CP-SAT, warm-started from a greedy solution,
   with the lexicographic objective folded into one integer objective with
   component-local multipliers.
4. Weekly caps are added lazily: components are solved without the caps that
   do not bind; a volunteer whose cap a solution exceeds gets the constraint,
   the components sharing that volunteer are merged and solved again, until no
   cap is exceeded. Solutions of relaxations give valid bounds.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from matcher.candidates import COST_SCALE, Candidates, DispatchArrays, generate
from matcher.explain import assemble
from matcher.greedy import OptionIndex, greedy, pick
from matcher.model import DispatchProblem
from matcher.result import DispatchResult, ObjectiveBound, SolveStatus
from volunteers.geo import FloatArray, IntArray

logger = logging.getLogger(__name__)

MAX_CAP_ROUNDS = 20


@dataclass
class ComponentResult:
    """Solution of one component with its lexicographic bounds."""

    orders: IntArray
    options: IntArray
    teams: dict[int, int]
    s1: int
    s0: int
    cost: int
    s1_ub: int
    s0_ub: int
    cost_lb: int | None
    optimal: bool
    found: bool = True
    infeasible: bool = False


@dataclass
class Solution:
    """Chosen options of the whole problem and how they were proven."""

    options: IntArray
    teams: dict[int, int]
    status: SolveStatus
    bound: ObjectiveBound
    num_components: int
    build_seconds: float = 0.0
    search_seconds: float = 0.0
    components: list[ComponentResult] = field(default_factory=list)


def dispatch(problem: DispatchProblem) -> DispatchResult:
    """Dispatch a week of orders to volunteers.

    Parameters
    ----------
    problem
        A validated :class:`~matcher.model.DispatchProblem`; its ``params``
        give the time limit, seed, workers and weights.

    Returns
    -------
    DispatchResult
        Status, objective and bound, assignments with cost breakdowns,
        unserved orders with their candidate funnel and reasons, timings.
    """
    t0 = time.perf_counter()
    arr = DispatchArrays.build(problem)
    t1 = time.perf_counter()
    cand = generate(arr)
    t2 = time.perf_counter()
    if cand.pin_errors:
        return assemble(
            arr,
            cand,
            np.empty(0, dtype=np.int64),
            {},
            SolveStatus.INFEASIBLE,
            None,
            {"arrays": t1 - t0, "candidates": t2 - t1},
            t0,
            infeasible=cand.pin_errors,
        )
    deadline = t0 + problem.params.time_limit
    sol = solve_candidates(arr, cand, deadline)
    t3 = time.perf_counter()
    infeasible = (
        ["pinned assignments contradict each other (they clash or exceed a weekly cap)"]
        if sol.status == SolveStatus.INFEASIBLE
        else None
    )
    timings = {
        "arrays": t1 - t0,
        "candidates": t2 - t1,
        "build": sol.build_seconds,
        "solve": sol.search_seconds,
        "total_solve": t3 - t2,
    }
    return assemble(
        arr, cand, sol.options, sol.teams, sol.status, sol, timings, t0, infeasible=infeasible
    )


def _weights(arr: DispatchArrays) -> IntArray:
    w: IntArray = np.rint(arr.ord_weight * 100).astype(np.int64)
    return w


def _components(arr: DispatchArrays, cand: Candidates, active: np.ndarray) -> tuple[int, IntArray]:
    """Connected components of orders: clashes plus volunteers with an active cap."""
    opt_order = cand.edge_order[cand.opt_edge]
    rows = [opt_order[cand.conflict_a]]
    cols = [opt_order[cand.conflict_b]]
    if active.any():
        mask = active[cand.edge_vol]
        ev, eo = cand.edge_vol[mask], cand.edge_order[mask]
        order = np.lexsort((eo, ev))
        ev, eo = ev[order], eo[order]
        same = ev[1:] == ev[:-1]
        rows.append(eo[:-1][same])
        cols.append(eo[1:][same])
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    n = arr.num_orders
    graph = coo_matrix((np.ones(len(r), dtype=np.int8), (r, c)), shape=(n, n))
    count, labels = connected_components(graph, directed=False)
    return int(count), labels.astype(np.int64)


def solve_candidates(arr: DispatchArrays, cand: Candidates, deadline: float) -> Solution:
    """Solve the dispatch on its candidate graph (steps 2-4 of the module doc)."""
    params = arr.problem.params
    weight = _weights(arr)
    index = OptionIndex(arr, cand)
    has_edge = np.bincount(cand.edge_order, minlength=arr.num_orders) > 0
    active = np.zeros(arr.num_volunteers, dtype=bool)
    results: dict[int, ComponentResult] = {}
    comp_of_order = np.full(arr.num_orders, -1, dtype=np.int64)
    build_s = search_s = 0.0
    todo = np.flatnonzero(has_edge)
    num_components = 0
    for _round in range(MAX_CAP_ROUNDS):
        _, labels = _components(arr, cand, active)
        # Only components touching orders still to solve.
        todo_labels = np.unique(labels[todo])
        groups = _group_orders(labels, todo_labels, has_edge)
        for key in [c for c in set(comp_of_order[todo].tolist()) if c >= 0]:
            results.pop(key, None)
        singles = [g for g in groups if len(g) == 1]
        multi = [g for g in groups if len(g) > 1]
        if singles:
            for res in _solve_singles(arr, cand, index, np.concatenate(singles), weight):
                key = int(res.orders[0])
                results[key] = res
                comp_of_order[res.orders] = key
        total_size = sum(len(g) for g in multi) or 1
        for g in sorted(multi, key=len):
            remaining = max(0.0, deadline - time.perf_counter())
            budget = max(0.05, remaining * len(g) / total_size)
            total_size -= len(g)
            res, b_s, s_s = _solve_cpsat(
                arr, cand, index, g, active, weight, budget, params.seed, params.workers
            )
            build_s += b_s
            search_s += s_s
            key = int(g[0])
            results[key] = res
            comp_of_order[g] = key
        num_components = len(results)
        chosen = (
            np.concatenate([r.options for r in results.values()])
            if results
            else np.empty(0, np.int64)
        )
        used = np.bincount(
            cand.edge_vol[cand.opt_edge[chosen]],
            weights=arr.ord_duration[cand.edge_order[cand.opt_edge[chosen]]],
            minlength=arr.num_volunteers,
        )
        over = (used > arr.vol_cap_left + 1e-9) & ~active
        if not over.any():
            break
        logger.info(
            "round %d: %d weekly caps bind; merging their components", _round, int(over.sum())
        )
        active |= over
        touched = np.unique(cand.edge_order[active[cand.edge_vol]])
        todo = touched
    else:  # pragma: no cover - defensive: caps keep binding
        raise RuntimeError("weekly caps kept binding after the maximum number of rounds")

    options = (
        np.concatenate([r.options for r in results.values()]) if results else np.empty(0, np.int64)
    )
    teams = {o: t for r in results.values() for o, t in r.teams.items()}
    comps = list(results.values())
    if any(r.infeasible for r in comps):
        empty = ObjectiveBound(served_vulnerable=0, served_normal=0, cost=None)
        return Solution(
            np.empty(0, np.int64),
            {},
            SolveStatus.INFEASIBLE,
            empty,
            len(comps),
            build_s,
            search_s,
            comps,
        )
    all_found = all(r.found for r in comps)
    status = (
        SolveStatus.OPTIMAL
        if all(r.optimal for r in comps)
        else (SolveStatus.FEASIBLE if all_found else SolveStatus.TIME_LIMIT)
    )
    # Orders without candidates contribute nothing to bounds or objective.
    s1_ub = sum(r.s1_ub for r in comps)
    s0_ub = sum(r.s0_ub for r in comps)
    s1 = sum(r.s1 for r in comps)
    s0 = sum(r.s0 for r in comps)
    cost_lb: float | None = None
    if s1 == s1_ub and s0 == s0_ub and all(r.cost_lb is not None for r in comps):
        cost_lb = sum(r.cost_lb or 0 for r in comps) / COST_SCALE
    bound = ObjectiveBound(served_vulnerable=s1_ub, served_normal=s0_ub, cost=cost_lb)
    return Solution(
        options.astype(np.int64), teams, status, bound, num_components, build_s, search_s, comps
    )


def _group_orders(labels: IntArray, wanted: IntArray, has_edge: np.ndarray) -> list[IntArray]:
    sel = np.flatnonzero(np.isin(labels, wanted) & has_edge)
    order = np.argsort(labels[sel], kind="stable")
    sel = sel[order]
    if len(sel) == 0:
        return []
    cuts = np.flatnonzero(np.diff(labels[sel])) + 1
    return [g.astype(np.int64) for g in np.split(sel, cuts)]


def _tier_sums(arr: DispatchArrays, orders: IntArray, weight: IntArray) -> tuple[int, int]:
    tier = arr.ord_tier[orders]
    return int(weight[orders][tier == 1].sum()), int(weight[orders][tier == 0].sum())


def _solve_singles(
    arr: DispatchArrays, cand: Candidates, index: OptionIndex, orders: IntArray, weight: IntArray
) -> list[ComponentResult]:
    """Exact solution of one-order components: no clash, no binding cap."""
    cost = cand.edge_cost[cand.opt_edge].astype(np.float64)
    out: list[ComponentResult] = []
    pinned_by_order: dict[int, list[int]] = {}
    for e in cand.pinned_edges.tolist():
        pinned_by_order.setdefault(int(cand.edge_order[e]), []).append(int(cand.edge_vol[e]))
    simple = (
        (np.asarray([len(arr.ord_starts[o]) for o in orders]) == 1)
        & ~np.asarray([arr.orders[o].same_team for o in orders], dtype=bool)
        & ~np.isin(orders, np.fromiter(pinned_by_order, dtype=np.int64))
    )
    # Vectorized: fixed start, no team, no pin: the k cheapest options.
    easy = orders[simple]
    if len(easy):
        in_easy = np.zeros(arr.num_orders, dtype=bool)
        in_easy[easy] = True
        opt_order = index.opt_order
        sel = np.flatnonzero(in_easy[opt_order])
        sel = sel[np.lexsort((cand.edge_vol[cand.opt_edge[sel]], cost[sel], opt_order[sel]))]
        so = opt_order[sel]
        first = np.searchsorted(so, so, side="left")
        rank = np.arange(len(so)) - first
        counts = np.bincount(so, minlength=arr.num_orders)
        take = rank < arr.ord_k[so]
        served = counts >= arr.ord_k
        take &= served[so]
        chosen = sel[take]
        by_order = (
            np.split(chosen, np.flatnonzero(np.diff(opt_order[chosen])) + 1) if len(chosen) else []
        )
        got = {int(opt_order[c[0]]): c for c in by_order if len(c)}
        for o in easy.tolist():
            opts = got.get(o, np.empty(0, dtype=np.int64))
            out.append(_single_result(arr, cand, o, opts, None, weight))
    for o in orders[~simple].tolist():
        found = pick(
            arr,
            cand,
            o,
            index.of_order(o),
            cost,
            pinned_by_order.get(o, ()),
            cand.pinned_starts.get(o),
        )
        opts, team = found if found is not None else (np.empty(0, dtype=np.int64), None)
        out.append(_single_result(arr, cand, o, opts, team, weight))
    return out


def _single_result(
    arr: DispatchArrays,
    cand: Candidates,
    o: int,
    opts: IntArray,
    team: int | None,
    weight: IntArray,
) -> ComponentResult:
    served = len(opts) > 0
    w = int(weight[o]) if served else 0
    tier = int(arr.ord_tier[o])
    c = int(cand.edge_cost[cand.opt_edge[opts]].sum())
    s1, s0 = (w, 0) if tier == 1 else (0, w)
    return ComponentResult(
        orders=np.asarray([o], dtype=np.int64),
        options=opts.astype(np.int64),
        teams={o: team} if team is not None else {},
        s1=s1,
        s0=s0,
        cost=c,
        s1_ub=s1,
        s0_ub=s0,
        cost_lb=c,
        optimal=True,
    )


def _solve_cpsat(
    arr: DispatchArrays,
    cand: Candidates,
    index: OptionIndex,
    orders: IntArray,
    active: np.ndarray,
    weight: IntArray,
    time_limit: float,
    seed: int,
    workers: int,
) -> tuple[ComponentResult, float, float]:
    """CP-SAT on one component; returns the result, build and search seconds."""
    t0 = time.perf_counter()
    opts = np.concatenate([index.of_order(int(o)) for o in orders])
    edges = np.unique(cand.opt_edge[opts])
    model = cp_model.CpModel()
    x = {int(e): model.new_bool_var(f"x_{e}") for e in edges.tolist()}
    served = {int(o): model.new_bool_var(f"served_{o}") for o in orders.tolist()}
    z: dict[tuple[int, int], cp_model.IntVar] = {}
    opt_edge = cand.opt_edge
    opt_start = cand.opt_start

    # Starts: one z per distinct start of windowed orders.
    edge_starts: dict[int, list[int]] = {}
    for opt in opts.tolist():
        edge_starts.setdefault(int(opt_edge[opt]), []).append(int(opt_start[opt]))
    order_edges: dict[int, list[int]] = {}
    for e in edges.tolist():
        order_edges.setdefault(int(cand.edge_order[e]), []).append(e)
    windowed = {o for o in served if len(arr.ord_starts[o]) > 1}
    for o in windowed:
        starts = sorted({s for e in order_edges.get(o, []) for s in edge_starts[e]})
        for s in starts:
            z[(o, s)] = model.new_bool_var(f"z_{o}_{s}")
        model.add(sum(z[(o, s)] for s in starts) == served[o])
        for e in order_edges.get(o, []):
            own = sorted(set(edge_starts[e]))
            if len(own) < len(starts):
                model.add(x[e] <= sum(z[(o, s)] for s in own))
        if o in cand.pinned_starts:
            model.add(z[(o, cand.pinned_starts[o])] == 1)

    # All k or none.
    for o in served:
        es = order_edges.get(o, [])
        model.add(sum(x[e] for e in es) == int(arr.ord_k[o]) * served[o])

    # Clashes between options of one volunteer.
    in_comp = np.zeros(len(opt_edge), dtype=bool)
    in_comp[opts] = True
    ca, cb = cand.conflict_a, cand.conflict_b
    mask = in_comp[ca] & in_comp[cb]
    for a, b in zip(ca[mask].tolist(), cb[mask].tolist(), strict=True):
        lits = [x[int(opt_edge[a])].Not(), x[int(opt_edge[b])].Not()]
        for opt in (a, b):
            o = int(cand.edge_order[opt_edge[opt]])
            if o in windowed:
                lits.append(z[(o, int(opt_start[opt]))].Not())
        model.add_bool_or(lits)

    # Weekly caps of volunteers whose cap binds.
    ev = cand.edge_vol[edges]
    for v in np.unique(ev[active[ev]]).tolist():
        es = edges[ev == v]
        model.add(
            sum(int(arr.ord_duration[cand.edge_order[e]]) * x[int(e)] for e in es.tolist())
            <= int(np.floor(arr.vol_cap_left[v] + 1e-9))
        )

    # Same team, with its captain when needed.
    y: dict[tuple[int, int], cp_model.IntVar] = {}
    for o in served:
        r = arr.orders[o]
        if not r.same_team:
            continue
        es = order_edges.get(o, [])
        vol_edge = {int(cand.edge_vol[e]): e for e in es}
        teams = sorted({t for v in vol_edge for t in arr.vol_teams[v]})
        eligible: list[int] = []
        for t in teams:
            cat = int(arr.team_cat[t])
            if not (int(arr.ord_cat[o, cat // 64]) >> (cat % 64)) & 1:
                continue
            members = [v for v in arr.team_members[t].tolist() if v in vol_edge]
            cap_ok = int(arr.team_captain[t]) in vol_edge if r.needs_captain else True
            if len(members) >= r.volunteers_needed and cap_ok:
                eligible.append(t)
                y[(o, t)] = model.new_bool_var(f"y_{o}_{t}")
        model.add(sum(y[(o, t)] for t in eligible) == served[o])
        for v, e in vol_edge.items():
            model.add(x[e] <= sum(y[(o, t)] for t in arr.vol_teams[v] if (o, t) in y))
        if r.needs_captain:
            for t in eligible:
                model.add(y[(o, t)] <= x[vol_edge[int(arr.team_captain[t])]])

    for e in cand.pinned_edges.tolist():
        if e in x:
            model.add(x[e] == 1)

    # Objective: lexicographic, folded with local multipliers.
    w1, w0 = _tier_sums(arr, orders, weight)
    max_cost = {
        o: max((int(cand.edge_cost[e]) for e in order_edges.get(o, [])), default=0) for o in served
    }
    b0 = 1 + sum(int(arr.ord_k[o]) * max_cost[o] for o in served)
    b1 = b0 * (w0 + 1)
    reward = {o: int(weight[o]) * (b1 if arr.ord_tier[o] == 1 else b0) for o in served}
    model.minimize(
        sum(int(cand.edge_cost[e]) * x[e] for e in x) - sum(reward[o] * served[o] for o in served)
    )

    # Warm start: priority greedy on this component.
    sequence = orders[np.lexsort((orders, -arr.ord_tier[orders]))]
    hint_opts, hint_teams = greedy(
        arr, cand, sequence, cand.edge_cost[opt_edge].astype(np.float64), _cap_for_hint(arr, active)
    )
    hint_edges = set(opt_edge[hint_opts].tolist())
    for e, var in x.items():
        model.add_hint(var, e in hint_edges)
    hint_served = set(cand.edge_order[opt_edge[hint_opts]].tolist())
    for o, var in served.items():
        model.add_hint(var, o in hint_served)
    hint_starts = {int(cand.edge_order[opt_edge[h]]): int(opt_start[h]) for h in hint_opts.tolist()}
    for (o, s), var in z.items():
        model.add_hint(var, hint_starts.get(o) == s)
    for (o, t), var in y.items():
        model.add_hint(var, hint_teams.get(o) == t)

    t1 = time.perf_counter()
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    status = solver.solve(model)
    t2 = time.perf_counter()

    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        chosen_edges = [e for e, var in x.items() if solver.boolean_value(var)]
        start_of = {o: s for (o, s), var in z.items() if solver.boolean_value(var)}
        team_of = {o: t for (o, t), var in y.items() if solver.boolean_value(var)}
        chosen_opts: list[int] = []
        for e in chosen_edges:
            edge_opts = index.of_edge(e)
            want = start_of.get(int(cand.edge_order[e]))
            if want is None:
                chosen_opts.append(int(edge_opts[0]))
            else:
                chosen_opts.append(
                    next(int(opt) for opt in edge_opts if int(opt_start[opt]) == want)
                )
        chosen = np.asarray(chosen_opts, dtype=np.int64)
        found = True
        optimal = status == cp_model.OPTIMAL
        lower = int(np.floor(solver.best_objective_bound + 1e-6))
    else:
        chosen, team_of, found, optimal = (
            hint_opts,
            hint_teams,
            status != cp_model.INFEASIBLE,
            False,
        )
        lower = None
        if status == cp_model.INFEASIBLE:
            found = False
            chosen, team_of = np.empty(0, dtype=np.int64), {}
    served_now = set(cand.edge_order[opt_edge[chosen]].tolist()) if len(chosen) else set()
    s1 = sum(int(weight[o]) for o in served_now if arr.ord_tier[o] == 1)
    s0 = sum(int(weight[o]) for o in served_now if arr.ord_tier[o] == 0)
    cost = int(cand.edge_cost[opt_edge[chosen]].sum()) if len(chosen) else 0
    cost_lb: int | None
    if optimal:
        s1_ub, s0_ub, cost_lb = s1, s0, cost
    elif lower is not None:
        s1_ub = min(w1, (b0 - 1 - lower) // b1)
        s0_ub = min(w0, (b0 - 1 - lower - b1 * s1_ub) // b0) if s1 == s1_ub else w0
        cost_lb = max(0, lower + b0 * s0 + b1 * s1) if (s1 == s1_ub and s0 == s0_ub) else None
    else:
        s1_ub, s0_ub, cost_lb = w1, w0, None
    res = ComponentResult(
        orders=orders,
        options=chosen,
        teams=team_of,
        s1=s1,
        s0=s0,
        cost=cost,
        s1_ub=int(s1_ub),
        s0_ub=int(s0_ub),
        cost_lb=cost_lb,
        optimal=optimal,
        found=found,
        infeasible=status == cp_model.INFEASIBLE,
    )
    return res, t1 - t0, t2 - t1


def _cap_for_hint(arr: DispatchArrays, active: np.ndarray) -> FloatArray:
    """Weekly minutes for the greedy hint: every cap applies (hints stay feasible)."""
    return arr.vol_cap_left
