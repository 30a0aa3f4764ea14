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

When exact models of every option would not fit the time (a county week),
:func:`solve_peeled` first peels off the orders that can always be served
(:mod:`matcher.peel`), solves the contested core by steps 2-4, bounds the cost
of the rest by an LP relaxation (:mod:`matcher.relax`) and adds them back along
its plan.
"""

from __future__ import annotations

import itertools
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ortools.sat.python import cp_model
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from matcher.candidates import COST_SCALE, Candidates, DispatchArrays, generate, minutes_used
from matcher.explain import assemble
from matcher.greedy import ConflictIndex, OptionIndex, greedy, pick
from matcher.model import DispatchProblem
from matcher.peel import peel
from matcher.relax import relax_cost
from matcher.repair import serve_by_one_move
from matcher.result import DispatchResult, ObjectiveBound, SolveStatus
from volunteers.control import current
from volunteers.geo import IntArray

logger = logging.getLogger(__name__)

MAX_CAP_ROUNDS = 200
MERGE_LIMIT = 150
"""Largest group of components merged to enforce weekly caps exactly."""
MIN_SEARCH_SECONDS = 0.05
"""Least search time worth building a CP-SAT model for."""
BUILD_SECONDS_PER_OPTION = 4e-5
"""Prior estimate of model-building time per option, until one is measured."""
GREEDY_SECONDS_PER_ORDER = 2e-4
"""Prior estimate of the greedy plan's time per order (kept for the components that
will not get a model), until one is measured."""


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
    # The explanations come after the search: keep their (measured) time inside the limit.
    limit = problem.params.time_limit
    reserve = min(EXPLAIN_SECONDS_PER_ORDER * arr.num_orders, EXPLAIN_MAX_SHARE * limit)
    deadline = t0 + limit - reserve
    if _too_big(cand, deadline - time.perf_counter()):
        sol = solve_peeled(arr, cand, deadline)
    else:
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


PEEL_SHARE = 0.1
"""Peel first (:func:`solve_peeled`) when building the exact models of every
option is estimated to need more than this share of the time left."""


def _too_big(cand: Candidates, seconds_left: float) -> bool:
    """Whether exact models of every option would not fit the time left."""
    return BUILD_SECONDS_PER_OPTION * len(cand.opt_edge) > PEEL_SHARE * seconds_left


ADD_BACK_SECONDS_PER_ORDER = 1e-4
"""Estimated time to add one peeled order back (measured 0.5-0.75 s for 7,248-7,373,
with the conflict index the explanations then reuse)."""


RELAX_TAIL_SECONDS_PER_OPTION = 4e-7
"""Time the cost relaxation needs after its LPs stop (its Lagrangian bound over
every option, 0.15 s for 964,000 options alone) with room for sharing the
interpreter with the core's search (measured: it ended 0.2-0.6 s after the core
when its LPs were given the core's deadline)."""


def solve_peeled(arr: DispatchArrays, cand: Candidates, deadline: float) -> Solution:
    """Solve by peeling the always-servable orders off first (:mod:`matcher.peel`).

    1. Peel: the layers of always-servable orders, and the contested core.
    2. Relax the cost of serving every peeled order (:mod:`matcher.relax`): a
       lower bound, and an LP plan to follow; in a thread beside step 3.
    3. Solve the core alone exactly (:func:`solve_candidates`).
    4. Add the peeled orders back, deepest layer first, each taking the free
       volunteers the LP plan gives it (then the cheapest).

    The served weights are bounded by those of the peeled orders plus the
    core's bounds; when the plan reaches them, the cost is bounded by the
    relaxation's bound plus the core's cost bound (see :mod:`matcher.peel`).
    """
    t0 = time.perf_counter()
    layers = peel(arr, cand)
    peeled = layers.peeled
    t1 = time.perf_counter()
    core_cand, core_map = cand.restrict(layers.core)
    num_peeled = int(peeled.sum())
    add_back = ADD_BACK_SECONDS_PER_ORDER * num_peeled
    # The relaxation's LPs stop early enough for its bound over every option to
    # be computed by the time the core is done.
    relax_tail = RELAX_TAIL_SECONDS_PER_OPTION * len(cand.opt_edge)
    # The relaxation runs beside the core's search: HiGHS and CP-SAT both work
    # outside Python's lock, and the core's model building needs it.
    with ThreadPoolExecutor(1) as pool:
        pending = (
            pool.submit(relax_cost, arr, cand, peeled, deadline - add_back - relax_tail)
            if num_peeled
            else None
        )
        # One core for the relaxation, the others for CP-SAT (measured on a
        # 100,000 x 10,000 week: with both sharing two cores the relaxation
        # ended 0.2-0.6 s after the core).
        workers = arr.problem.params.workers
        core_workers = max(1, workers - 1) if pending is not None else workers
        core = solve_candidates(arr, core_cand, deadline - add_back, core_workers)
        t2 = time.perf_counter()
        relaxation = pending.result() if pending is not None else None
    t3 = time.perf_counter()
    if core.status == SolveStatus.INFEASIBLE:
        return core
    taken = core_map[core.options]
    key = cand.option_cost
    if relaxation is not None:
        key = key * (1.0 - relaxation.x)
    index = OptionIndex(arr, cand)
    conflicts = ConflictIndex.cached(cand)
    added, teams = greedy(arr, cand, layers.sequence(), key, None, (index, conflicts), taken)
    options = np.concatenate((taken, added)).astype(np.int64)
    teams = {**core.teams, **teams}
    weight = arr.ord_points
    served = np.unique(cand.edge_order[cand.opt_edge[options]])
    # Weekly caps can leave a peeled order without a candidate: one move may free one.
    missing = np.setdiff1d(np.flatnonzero(peeled), served)
    if len(missing):
        options = serve_by_one_move(arr, cand, options, missing, (index, conflicts))
        served = np.unique(cand.edge_order[cand.opt_edge[options]])
        logger.info(
            "%d peeled orders left out, %d served by a move",
            len(missing),
            len(missing) - len(np.setdiff1d(missing, served)),
        )
    s1, s0 = _tier_sums(arr, served, weight)
    p1, p0 = _tier_sums(arr, np.flatnonzero(peeled), weight)
    s1_ub = core.bound.served_vulnerable + p1
    s0_ub = core.bound.served_normal + p0
    cost_lb: float | None = None
    cost = int(cand.edge_cost[cand.opt_edge[options]].sum())
    cost_core = int(cand.edge_cost[cand.opt_edge[taken]].sum())
    cost_added = cost - cost_core
    if s1 == s1_ub and s0 == s0_ub and core.bound.cost is not None:
        lower = np.ceil(relaxation.bound - 1e-6) if relaxation is not None else 0.0
        cost_lb = core.bound.cost + float(lower) / COST_SCALE
    proven = cost_lb is not None and cost <= round(cost_lb * COST_SCALE)
    logger.info(
        "cost of the peeled orders %d (bound %.0f), of the core %d (bound %s)",
        cost_added,
        relaxation.bound if relaxation is not None else 0.0,
        cost_core,
        core.bound.cost,
    )
    logger.info(
        "peeled %d orders in %.2f s, core of %d solved in %.2f s, cost relaxation done "
        "%.2f s later, added back in %.2f s (%d served)",
        num_peeled,
        t1 - t0,
        int(layers.core.sum()),
        t2 - t1,
        t3 - t2,
        time.perf_counter() - t3,
        int(np.isin(served, np.flatnonzero(peeled)).sum()),
    )
    return Solution(
        options,
        teams,
        SolveStatus.OPTIMAL if proven else SolveStatus.FEASIBLE,
        ObjectiveBound(served_vulnerable=s1_ub, served_normal=s0_ub, cost=cost_lb),
        core.num_components,
        core.build_seconds,
        core.search_seconds + (t1 - t0) + (t3 - t2),
        core.components,
    )


def _components(arr: DispatchArrays, cand: Candidates) -> IntArray:
    """Component label of each order in the clash graph."""
    opt_order = cand.edge_order[cand.opt_edge]
    r = opt_order[cand.conflict_a]
    c = opt_order[cand.conflict_b]
    n = arr.num_orders
    graph = coo_matrix((np.ones(len(r), dtype=np.int8), (r, c)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return labels.astype(np.int64)


EXPLAIN_SECONDS_PER_ORDER = 5e-5
"""Time kept for the explanations (funnels, reasons, cost breakdowns) per order:
measured 0.45 s for 10,000 orders."""

EXPLAIN_MAX_SHARE = 0.25
"""The most of the time limit kept for the explanations."""

Budgets = dict[int, dict[int, int]]
"""Component key -> volunteer -> weekly minutes that volunteer may serve in it."""


def solve_candidates(
    arr: DispatchArrays, cand: Candidates, deadline: float, workers: int | None = None
) -> Solution:
    """Solve the dispatch on its candidate graph (steps 2-4 of the module doc).

    ``workers`` overrides the problem's CP-SAT workers (:func:`solve_peeled`
    keeps one core for its relaxation).

    Round 0 solves every component with no weekly caps (a cap never binds
    inside a one-order component: candidates already fit their cap). While the
    plan puts some volunteers over their cap, the components linked by those
    volunteers are either

    - merged and solved again exactly with the caps, when the merged group has
      at most :data:`MERGE_LIMIT` orders; or
    - kept apart, each over-cap volunteer keeping their earliest assignments up
      to the cap and getting a minute budget in every component (what they kept
      there); the components that lost an assignment are solved again under
      their budgets. This restriction keeps components small; it is feasible but
      not proven optimal, and the bound reported for those components stays the
      one of their last unrestricted solve.
    """
    params = arr.problem.params
    weight = arr.ord_points
    index = OptionIndex(arr, cand)
    conflicts = ConflictIndex.cached(cand)
    has_edge = np.bincount(cand.edge_order, minlength=arr.num_orders) > 0
    labels = _components(arr, cand)
    clash_groups = _group_orders(labels, np.unique(labels), has_edge)
    groups = {int(g[0]): g for g in _batch(clash_groups, index)}
    key_of_order = np.full(arr.num_orders, -1, dtype=np.int64)
    for key, g in groups.items():
        key_of_order[g] = key
    budgets: Budgets = {}
    restricted: set[int] = set()
    results: dict[int, ComponentResult] = {}
    valid: dict[int, ComponentResult] = {}  # last unrestricted solve of each component
    build_s = search_s = 0.0
    build_rate = BUILD_SECONDS_PER_OPTION  # measured as components are built
    built_opts = 0
    greedy_rate = GREEDY_SECONDS_PER_ORDER  # measured as greedy plans are made
    greedy_s = 0.0
    greedy_orders = 0
    timed_out = False
    todo = list(groups)
    for round_ in range(MAX_CAP_ROUNDS):
        singles = [k for k in todo if len(groups[k]) == 1]
        multi = [k for k in todo if len(groups[k]) > 1]
        if singles:
            for res in _solve_singles(arr, cand, index, singles, groups, budgets, weight):
                results[int(res.orders[0])] = res
        num_opts = {k: int(index.count(groups[k]).sum()) for k in multi}
        left_opts = sum(num_opts.values())
        total_size = sum(len(groups[k]) for k in multi) or 1
        orders_left = total_size
        for k in sorted(multi, key=lambda k: len(groups[k])):
            g = groups[k]
            orders_left -= len(g)
            remaining = deadline - time.perf_counter()
            if current().stop_requested():
                remaining = 0.0  # stopped from outside: greedy plans from here on
            # Reserve the (estimated) building time of every component left, and
            # the greedy plans of those after this one, so that the time limit
            # holds; past it, the greedy plan stands.
            search_left = remaining - build_rate * left_opts
            spare = remaining - greedy_rate * orders_left
            if spare - build_rate * num_opts[k] < MIN_SEARCH_SECONDS:
                g0 = time.perf_counter()
                results[k] = _greedy_component(
                    arr, cand, index, conflicts, g, budgets.get(k, {}), weight
                )
                greedy_s += time.perf_counter() - g0
                greedy_orders += len(g)
                greedy_rate = max(greedy_s / greedy_orders, 1e-7)
                timed_out = True
                left_opts -= num_opts[k]
                total_size -= len(g)
                continue
            # A share by options: batches are alike in options, not in orders
            # (measured: shares by orders left small batches unproven while
            # the large ones finished early).
            budget_s = max(MIN_SEARCH_SECONDS, search_left * num_opts[k] / max(left_opts, 1))
            total_size -= len(g)
            left_opts -= num_opts[k]
            res, b_s, s_s = _solve_cpsat(
                arr,
                cand,
                index,
                conflicts,
                g,
                budgets.get(k, {}),
                weight,
                budget_s,
                params.seed,
                params.workers if workers is None else workers,
            )
            build_s += b_s
            search_s += s_s
            built_opts += num_opts[k]
            build_rate = max(build_s / built_opts, 1e-7)
            results[k] = res
        for k in todo:
            if k not in restricted:
                valid[k] = results[k]
        over = _over_cap(arr, cand, _chosen(results))
        if not over.any():
            break
        logger.info("round %d: %d volunteers over their weekly cap", round_, int(over.sum()))
        todo = _merge_or_restrict(
            arr,
            cand,
            _chosen(results),
            over,
            groups,
            key_of_order,
            budgets,
            restricted,
            results,
            valid,
        )
    else:  # pragma: no cover - each round merges or strictly tightens budgets
        logger.warning("weekly caps kept binding; falling back to the greedy plan")
        sequence = np.lexsort((np.arange(arr.num_orders), -arr.ord_tier))
        opts, teams_ = greedy(arr, cand, sequence, cand.option_cost)
        restricted.add(-1)
        fallback = ComponentResult(
            orders=np.arange(arr.num_orders),
            options=opts,
            teams=teams_,
            s1=0,
            s0=0,
            cost=int(cand.edge_cost[cand.opt_edge[opts]].sum()),
            s1_ub=int(weight[arr.ord_tier == 1].sum()),
            s0_ub=int(weight[arr.ord_tier == 0].sum()),
            cost_lb=None,
            optimal=False,
        )
        results = {-1: fallback}
        valid = {-1: fallback}

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
    options = _chosen(results)
    teams = {o: t for r in comps for o, t in r.teams.items()}
    bounds = [valid[k] for k in results]
    s1_ub = sum(r.s1_ub for r in bounds)
    s0_ub = sum(r.s0_ub for r in bounds)
    s1 = sum(r.s1 for r in comps)
    s0 = sum(r.s0 for r in comps)
    cost_lb: float | None = None
    # Served totals equal their upper bounds only if every component reaches its
    # own; then each component's cost bound holds and they add up.
    if (
        s1 == s1_ub
        and s0 == s0_ub
        and all(r.cost_lb is not None for r in bounds)
        and all(b.s1 == b.s1_ub and b.s0 == b.s0_ub for b in bounds)
    ):
        cost_lb = sum(r.cost_lb or 0 for r in bounds) / COST_SCALE
    bound = ObjectiveBound(served_vulnerable=s1_ub, served_normal=s0_ub, cost=cost_lb)
    proven = not restricted and all(r.optimal for r in comps)
    status = SolveStatus.OPTIMAL if proven else SolveStatus.FEASIBLE
    if timed_out:
        logger.info("time limit reached: some components keep their greedy plan")
    return Solution(
        options.astype(np.int64), teams, status, bound, len(comps), build_s, search_s, comps
    )


def _merge_or_restrict(
    arr: DispatchArrays,
    cand: Candidates,
    chosen: IntArray,
    over: np.ndarray,
    groups: dict[int, IntArray],
    key_of_order: IntArray,
    budgets: Budgets,
    restricted: set[int],
    results: dict[int, ComponentResult],
    valid: dict[int, ComponentResult],
) -> list[int]:
    """Merge small linked groups exactly; restrict large ones by budgets. Returns keys to solve."""
    over_vols = np.flatnonzero(over)
    # Union-find over component keys linked by over-cap volunteers.
    parent: dict[int, int] = {}

    def find(k: int) -> int:
        while parent.get(k, k) != k:
            k = parent[k]
        return k

    links: dict[int, set[int]] = {}
    for v in over_vols.tolist():
        touched = np.unique(cand.edge_order[cand.edge_vol == v])
        ordered = sorted({int(key_of_order[o]) for o in touched.tolist()})
        links[v] = set(ordered)
        for a, b in itertools.pairwise(ordered):
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    clusters: dict[int, set[int]] = {}
    for linked in links.values():
        for k in linked:
            clusters.setdefault(find(k), set()).add(k)
    todo: set[int] = set()
    restrict_vols: list[int] = []
    for keys in clusters.values():
        size = sum(len(groups[k]) for k in keys)
        if size <= MERGE_LIMIT and not (keys & restricted):
            merged = np.sort(np.concatenate([groups[k] for k in keys]))
            # Caps enforced in the parts stay enforced in the whole.
            carried: dict[int, int] = {}
            for k in keys:
                groups.pop(k)
                results.pop(k, None)
                valid.pop(k, None)
                carried.update(budgets.pop(k, {}))
            new_key = int(merged[0])
            groups[new_key] = merged
            key_of_order[merged] = new_key
            # Inside the merged group the true caps apply.
            vols = [v for v, ks in links.items() if ks <= keys]
            carried.update({v: int(np.floor(arr.vol_cap_left[v] + 1e-9)) for v in vols})
            budgets[new_key] = carried
            todo.add(new_key)
        else:
            restrict_vols.extend(v for v, ks in links.items() if ks & keys)
    if restrict_vols:
        vol = cand.edge_vol[cand.opt_edge[chosen]]
        for v in sorted(set(restrict_vols)):
            mine = chosen[vol == v]
            mine = mine[np.argsort(cand.opt_start[mine], kind="stable")]
            left = float(arr.vol_cap_left[v])
            kept: dict[int, int] = {}
            for opt in mine.tolist():
                o = int(cand.edge_order[cand.opt_edge[opt]])
                d = int(arr.ord_duration[o])
                key = int(key_of_order[o])
                if d <= left + 1e-9:
                    left -= d
                    kept[key] = kept.get(key, 0) + d
                else:
                    todo.add(key)
            for o in np.unique(cand.edge_order[cand.edge_vol == v]).tolist():
                key = int(key_of_order[o])
                budgets.setdefault(key, {})[v] = kept.get(key, 0)
                restricted.add(key)
    return sorted(k for k in todo if k in groups)


def _chosen(results: dict[int, ComponentResult]) -> IntArray:
    if not results:
        return np.empty(0, dtype=np.int64)
    return np.concatenate([r.options for r in results.values()]).astype(np.int64)


def _over_cap(arr: DispatchArrays, cand: Candidates, chosen: IntArray) -> np.ndarray:
    over: np.ndarray = minutes_used(arr, cand, chosen) > arr.vol_cap_left + 1e-9
    return over


BATCH_OPTIONS = 3_000
"""Components of several orders with fewer options than this are solved together, up
to this many options per model: independent parts of one model keep their own optima,
and one CP-SAT call per part cost more than the search itself (measured on the
contested core of a 100,000 x 10,000 week: 74 components, each a few orders, took
1.3 s, mostly the calls' own overhead)."""


def _batch(groups: list[IntArray], index: OptionIndex) -> list[IntArray]:
    """Pack the small multi-order groups into batches of at most BATCH_OPTIONS options."""
    out = [g for g in groups if len(g) == 1]
    multi = [g for g in groups if len(g) > 1]
    sizes = [int(index.count(g).sum()) for g in multi]
    pending: list[IntArray] = []
    total = 0
    for i in np.argsort(sizes, kind="stable").tolist():
        g, n = multi[i], sizes[i]
        if n >= BATCH_OPTIONS:
            out.append(g)
            continue
        if pending and total + n > BATCH_OPTIONS:
            out.append(np.sort(np.concatenate(pending)))
            pending, total = [], 0
        pending.append(g)
        total += n
    if pending:
        out.append(np.sort(np.concatenate(pending)))
    return out


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
    arr: DispatchArrays,
    cand: Candidates,
    index: OptionIndex,
    keys: list[int],
    groups: dict[int, IntArray],
    budgets: Budgets,
    weight: IntArray,
) -> list[ComponentResult]:
    """Exact solution of one-order components (no clash) under their budgets."""
    orders = np.asarray([int(groups[k][0]) for k in keys], dtype=np.int64)
    cost = cand.option_cost
    out: list[ComponentResult] = []
    pinned_by_order: dict[int, list[int]] = {}
    for e in cand.pinned_edges.tolist():
        pinned_by_order.setdefault(int(cand.edge_order[e]), []).append(int(cand.edge_vol[e]))
    restricted = np.asarray([k in budgets for k in keys], dtype=bool)
    simple = (
        ~restricted
        & (np.asarray([len(arr.ord_starts[o]) for o in orders]) == 1)
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
    for o, key in zip(orders[~simple].tolist(), np.asarray(keys)[~simple].tolist(), strict=True):
        opts = index.of_order(o)
        limits = budgets.get(key, {})
        if limits:
            vols = cand.edge_vol[cand.opt_edge[opts]]
            d = int(arr.ord_duration[o])
            opts = opts[[limits.get(v, d) >= d for v in vols.tolist()]]
        found = pick(
            arr,
            cand,
            o,
            opts,
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


def _greedy_component(
    arr: DispatchArrays,
    cand: Candidates,
    index: OptionIndex,
    conflicts: ConflictIndex,
    orders: IntArray,
    budgets: dict[int, int],
    weight: IntArray,
) -> ComponentResult:
    """The priority-greedy plan of one component, with the trivial bounds (no proof)."""
    opts, teams = _component_hint(arr, cand, index, conflicts, orders, budgets)
    served = np.unique(cand.edge_order[cand.opt_edge[opts]]) if len(opts) else orders[:0]
    s1, s0 = _tier_sums(arr, served, weight)
    w1, w0 = _tier_sums(arr, orders, weight)
    return ComponentResult(
        orders=orders,
        options=opts,
        teams=teams,
        s1=s1,
        s0=s0,
        cost=int(cand.edge_cost[cand.opt_edge[opts]].sum()),
        s1_ub=w1,
        s0_ub=w0,
        cost_lb=None,
        optimal=False,
    )


def _component_hint(
    arr: DispatchArrays,
    cand: Candidates,
    index: OptionIndex,
    conflicts: ConflictIndex,
    orders: IntArray,
    budgets: dict[int, int],
) -> tuple[IntArray, dict[int, int]]:
    """Greedy on one component: vulnerable orders first, cheapest options first."""
    sequence = orders[np.lexsort((orders, -arr.ord_tier[orders]))]
    key = cand.option_cost
    caps = arr.vol_cap_left.copy()
    for v, minutes in budgets.items():
        caps[v] = min(caps[v], minutes)
    return greedy(arr, cand, sequence, key, caps, (index, conflicts))


def _solve_cpsat(
    arr: DispatchArrays,
    cand: Candidates,
    index: OptionIndex,
    conflicts: ConflictIndex,
    orders: IntArray,
    budgets: dict[int, int],
    weight: IntArray,
    time_limit: float,
    seed: int,
    workers: int,
) -> tuple[ComponentResult, float, float]:
    """CP-SAT on one component; returns the result, build and search seconds.

    Two stages, each warm-started from the previous solution: (A) maximize
    ``(W0 + 1) * S1 + S0`` (served weights, vulnerable first); (B) with the
    served weights held at least at A's values, minimize the cost.
    """
    t0 = time.perf_counter()
    opt_edge, opt_start = cand.opt_edge, cand.opt_start
    opts = np.concatenate([index.of_order(int(o)) for o in orders])
    edges = np.unique(opt_edge[opts])
    model = cp_model.CpModel()
    x = {int(e): model.new_bool_var(f"x_{e}") for e in edges.tolist()}
    served = {int(o): model.new_bool_var(f"served_{o}") for o in orders.tolist()}
    order_edges: dict[int, list[int]] = {}
    for e in edges.tolist():
        order_edges.setdefault(int(cand.edge_order[e]), []).append(e)

    # Option literals: x_e for fixed starts; u = x_e and z_(o, s) for windows.
    windowed = {o for o in served if len(arr.ord_starts[o]) > 1}
    z: dict[tuple[int, int], cp_model.IntVar] = {}
    lit: dict[int, cp_model.IntVar] = {}
    for opt in opts.tolist():
        e, o = int(opt_edge[opt]), int(cand.edge_order[opt_edge[opt]])
        if o not in windowed:
            lit[opt] = x[e]
            continue
        s = int(opt_start[opt])
        if (o, s) not in z:
            z[(o, s)] = model.new_bool_var(f"z_{o}_{s}")
        u = model.new_bool_var(f"u_{opt}")
        model.add_implication(u, x[e])
        model.add_implication(u, z[(o, s)])
        lit[opt] = u
    for o in windowed:
        own_z = [var for (oo, _), var in z.items() if oo == o]
        model.add(cp_model.LinearExpr.sum(own_z) == served[o])
        if o in cand.pinned_starts:
            model.add(z[(o, cand.pinned_starts[o])] == 1)
    edge_opts: dict[int, list[int]] = {}
    for opt in opts.tolist():
        edge_opts.setdefault(int(opt_edge[opt]), []).append(opt)
    for e, own in edge_opts.items():
        o = int(cand.edge_order[e])
        if o in windowed:  # x_e holds exactly when one of its options is used
            model.add(cp_model.LinearExpr.sum([lit[opt] for opt in own]) == x[e])

    # All k or none.
    for o in served:
        es = order_edges.get(o, [])
        model.add(cp_model.LinearExpr.sum([x[e] for e in es]) == int(arr.ord_k[o]) * served[o])

    # Clashes: at most one option per volunteer at each start point (overlaps),
    # plus a clause per pair that clashes only because of travel.
    vol = cand.edge_vol[opt_edge[opts]]
    start = opt_start[opts]
    end = start + arr.ord_duration[cand.edge_order[opt_edge[opts]]]
    by_vol = np.lexsort((start, vol))
    cliques: set[tuple[int, ...]] = set()
    cut = np.flatnonzero(np.diff(vol[by_vol])) + 1
    for span in np.split(by_vol, cut):
        if len(span) < 2:
            continue
        rs, re_, ro = start[span], end[span], opts[span]
        for i in range(len(span)):
            members = ro[(rs <= rs[i]) & (re_ > rs[i])]
            if len(members) > 1:
                cliques.add(tuple(sorted(members.tolist())))
    for clique in cliques:
        model.add_at_most_one([lit[opt] for opt in clique])
    in_comp = np.zeros(len(opt_edge), dtype=bool)
    in_comp[opts] = True
    ca, cb = cand.conflict_a, cand.conflict_b
    sa, sb = opt_start[ca], opt_start[cb]
    ea = sa + arr.ord_duration[cand.edge_order[opt_edge[ca]]]
    eb = sb + arr.ord_duration[cand.edge_order[opt_edge[cb]]]
    travel_only = in_comp[ca] & in_comp[cb] & (np.maximum(sa, sb) >= np.minimum(ea, eb))
    for a, b in zip(ca[travel_only].tolist(), cb[travel_only].tolist(), strict=True):
        model.add_bool_or([lit[a].Not(), lit[b].Not()])

    # Weekly minutes of volunteers whose cap binds, budgeted to this component.
    ev = cand.edge_vol[edges]
    for v, minutes in budgets.items():
        es = edges[ev == v]
        if len(es):
            model.add(
                cp_model.LinearExpr.weighted_sum(
                    [x[int(e)] for e in es], [int(arr.ord_duration[cand.edge_order[e]]) for e in es]
                )
                <= minutes
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
        model.add(cp_model.LinearExpr.sum([y[(o, t)] for t in eligible]) == served[o])
        for v, e in vol_edge.items():
            model.add(
                x[e]
                <= cp_model.LinearExpr.sum([y[(o, t)] for t in arr.vol_teams[v] if (o, t) in y])
            )
        if r.needs_captain:
            for t in eligible:
                model.add_implication(y[(o, t)], x[vol_edge[int(arr.team_captain[t])]])

    for e in cand.pinned_edges.tolist():
        if e in x:
            model.add(x[e] == 1)

    w1, w0 = _tier_sums(arr, orders, weight)
    served_list = list(served)
    s1_expr = cp_model.LinearExpr.weighted_sum(
        [served[o] for o in served_list if arr.ord_tier[o] == 1],
        [int(weight[o]) for o in served_list if arr.ord_tier[o] == 1],
    )
    s0_expr = cp_model.LinearExpr.weighted_sum(
        [served[o] for o in served_list if arr.ord_tier[o] == 0],
        [int(weight[o]) for o in served_list if arr.ord_tier[o] == 0],
    )
    x_list = list(x)
    cost_expr = cp_model.LinearExpr.weighted_sum(
        [x[e] for e in x_list], [int(cand.edge_cost[e]) for e in x_list]
    )

    # Warm start: priority greedy on this component.
    hint_opts, hint_teams = _component_hint(arr, cand, index, conflicts, orders, budgets)

    def set_hint(chosen_opts: IntArray, teams_of: dict[int, int]) -> None:
        model.clear_hints()  # type: ignore[no-untyped-call]
        chosen_edges = set(opt_edge[chosen_opts].tolist())
        served_set = set(cand.edge_order[opt_edge[chosen_opts]].tolist())
        starts = {
            int(cand.edge_order[opt_edge[h]]): int(opt_start[h]) for h in chosen_opts.tolist()
        }
        for e, var in x.items():
            model.add_hint(var, e in chosen_edges)
        for o, var in served.items():
            model.add_hint(var, o in served_set)
        for (o, s), var in z.items():
            model.add_hint(var, starts.get(o) == s)
        # Option literals of windowed orders (u) are left to propagation:
        # x_e and z_(o, s) fix them; hinting 10^5 of them costs seconds.
        for (o, t), var in y.items():
            model.add_hint(var, teams_of.get(o) == t)

    def read(solver: cp_model.CpSolver) -> tuple[IntArray, dict[int, int]]:
        chosen_opts = [opt for opt, var in lit.items() if solver.boolean_value(var)]
        team_of = {o: t for (o, t), var in y.items() if solver.boolean_value(var)}
        return np.asarray(sorted(chosen_opts), dtype=np.int64), team_of

    def run(limit: float) -> tuple[Any, cp_model.CpSolver]:
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(limit, 0.01)
        solver.parameters.num_workers = workers
        solver.parameters.random_seed = seed
        # Measured: presolve alone takes seconds on these models (clique-heavy
        # assignment) and then stops without returning even the complete
        # feasible hint; without it both stages prove optimality quickly.
        solver.parameters.cp_model_presolve = False
        # Measured: root probing spends its whole deterministic budget (about
        # 0.7 s wall on a 40-order component) and is aborted unfinished, in
        # solves that then need no conflict at all. Without it a 5,000 x 500
        # dispatch takes 2.2 s instead of 5.3 s (same proven optimum), and a
        # 20,000 x 2,000 one serves more within the same 20 s.
        solver.parameters.cp_model_probing_level = 0
        control = current()
        with control.watching(solver):
            status = solver.solve(model, control.solution_callback())
        return status, solver

    t1 = time.perf_counter()
    hint_served = np.unique(cand.edge_order[opt_edge[hint_opts]]) if len(hint_opts) else orders[:0]
    if len(hint_served) == len(orders):
        # The greedy plan serves every order: stage A's optimum is known.
        status_a: Any = cp_model.OPTIMAL
        chosen, team_of, upper = hint_opts, hint_teams, (w0 + 1) * w1 + w0
    else:
        # Stage A: served weights, vulnerable first.
        set_hint(hint_opts, hint_teams)
        model.maximize((w0 + 1) * s1_expr + s0_expr)
        status_a, solver_a = run(time_limit / 2)
    if status_a == cp_model.INFEASIBLE:
        t2 = time.perf_counter()
        res = ComponentResult(
            orders=orders,
            options=np.empty(0, dtype=np.int64),
            teams={},
            s1=0,
            s0=0,
            cost=0,
            s1_ub=0,
            s0_ub=0,
            cost_lb=None,
            optimal=False,
            found=False,
            infeasible=True,
        )
        return res, t1 - t0, t2 - t1
    if len(hint_served) == len(orders):
        pass
    elif status_a in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        chosen, team_of = read(solver_a)
        upper = int(np.floor(solver_a.best_objective_bound + 1e-6))
    else:  # no solution in time: the greedy plan stands
        chosen, team_of, upper = hint_opts, hint_teams, (w0 + 1) * w1 + w0
    a_optimal = status_a == cp_model.OPTIMAL
    if len(chosen) and len(hint_served) < len(orders):
        # Stage A ignores cost, and stage B may get little time: its start is the
        # cheaper of A's plan and the greedy plan of the orders A serves (cheapest
        # options first), when that one serves them all. Measured at 20,000 x
        # 2,000 in 20 s: a starved stage B had kept a plan at 2.2x its bound.
        served_a = np.unique(cand.edge_order[opt_edge[chosen]])
        alt, alt_teams = _component_hint(arr, cand, index, conflicts, served_a, budgets)
        if len(alt) == len(chosen) and int(cand.edge_cost[opt_edge[alt]].sum()) < int(
            cand.edge_cost[opt_edge[chosen]].sum()
        ):
            chosen, team_of = alt, alt_teams
    served_now = set(cand.edge_order[opt_edge[chosen]].tolist()) if len(chosen) else set()
    s1 = sum(int(weight[o]) for o in served_now if arr.ord_tier[o] == 1)
    s0 = sum(int(weight[o]) for o in served_now if arr.ord_tier[o] == 0)
    s1_ub = min(w1, upper // (w0 + 1))
    s0_ub = min(w0, upper - (w0 + 1) * s1) if s1 == s1_ub else w0

    # Stage B: cost, keeping at least the served weights found.
    model.add(s1_expr >= s1)
    model.add(s0_expr >= s0)
    set_hint(chosen, team_of)
    model.minimize(cost_expr)
    remaining = time_limit - (time.perf_counter() - t1)
    status_b, solver_b = run(remaining)
    t2 = time.perf_counter()
    if status_b in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        chosen, team_of = read(solver_b)
        lower: int | None = int(np.ceil(solver_b.best_objective_bound - 1e-6))
    else:
        lower = None
    cost = int(cand.edge_cost[opt_edge[chosen]].sum()) if len(chosen) else 0
    proven_served = a_optimal or (s1 == s1_ub and s0 == s0_ub)
    cost_lb = lower if proven_served else None
    optimal = proven_served and status_b == cp_model.OPTIMAL
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
        found=True,
    )
    return res, t1 - t0, t2 - t1
