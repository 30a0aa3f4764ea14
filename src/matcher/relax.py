"""The least cost of serving a given set of orders: an LP relaxation and its bound.

For orders that must all be served (the peeled orders of :mod:`matcher.peel`),
the cost problem is::

    minimize    sum of cost(i) x(i)                  over options i
    subject to  sum of x(i) over o's options at s = k_o z(o, s)   each order o, start s
                sum of z(o, s) over s = 1                           each order o
                sum of x(i) over i covering one volunteer's moment <= 1   (clique rows)
                x(i) + x(j) <= 1     options of one volunteer that clash only by travel
                0 <= x, z <= 1

It is solved by HiGHS (``scipy.optimize.linprog``) on the ``per_start``
cheapest options of every order and start (plus ``k``), in batches of
connected orders, with a slack per order in case the cheap options cannot
serve it. The *bound* is not the LP value: it is the Lagrangian bound at the
LP's row duals ``mu >= 0``, evaluated over **every** option of the orders::

    L(mu) = sum over o of min over s of (k_o smallest reduced costs at s) - sum of mu

where an option's reduced cost is its cost plus the duals of its rows (options
left out of the LP have none). Any ``mu >= 0`` gives a valid lower bound, so
the bound holds whatever the LP's tolerances, and it equals the LP value when
the options left out are too dear to matter. Measured on 100,000 x 10,000 (the
7,248 peeled orders, seed 1): the plain sum of each order's ``k`` cheapest
candidates is 25,075.2 (cost units / 100); this bound 25,400.7; the plan built
from the LP 25,460-25,463. On one day of those orders, CP-SAT's proven optimum
(4,117.0) sat 0.26% above the LP (4,106.1) and 2.5% above the plain sum (4,016.0).
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix, csr_matrix, vstack
from scipy.sparse.csgraph import connected_components

from matcher.candidates import Candidates, DispatchArrays
from volunteers.bits import BoolArray
from volunteers.geo import FloatArray, IntArray

logger = logging.getLogger(__name__)

PER_START = 15
"""Options per order and start given to the LP (beyond the ``k`` needed): with 3 or
6, dozens of orders per day of the 100,000 x 10,000 week could not be served from
them; with 15 the LP value matched the LP over every option."""

BATCH_OPTIONS = 25_000
"""Connected groups of orders are solved together up to this many LP options."""

SLACK_COST = 1e7
"""Cost units of leaving an order unserved in the LP (far above any plan)."""


@dataclass(frozen=True)
class CostRelaxation:
    """What the relaxation gives.

    Attributes
    ----------
    bound
        A lower bound on the cost of serving every order given (cost units).
    x
        LP value of each option of the candidates (0 for options left out).
    lp_value
        The LP objective (for reporting; the bound is the one to trust).
    """

    bound: float
    x: FloatArray
    lp_value: float


def relax_cost(
    arr: DispatchArrays,
    cand: Candidates,
    orders: BoolArray,
    deadline: float | None = None,
    workers: int = 1,
    per_start: int = PER_START,
) -> CostRelaxation:
    """Lower bound and LP solution of serving every order where ``orders`` is true.

    Every such order must have at least ``k`` candidates at some start (the
    peeled orders do). Weekly caps, team rules and pins are left out: the
    orders given have none of the latter two, and dropping rules only lowers
    the bound.

    Parameters
    ----------
    deadline
        ``time.perf_counter()`` value by which the LPs must stop; an LP stopped
        early contributes no duals (the bound stays valid, only weaker).
    workers
        LPs solved at once (HiGHS runs outside Python's lock).
    per_start
        Options per order and start given to the LP, beyond ``k``.
    """
    n_opt = len(cand.opt_edge)
    opt_order = cand.edge_order[cand.opt_edge]
    cost = cand.edge_cost[cand.opt_edge].astype(np.float64)
    mine = np.flatnonzero(orders[opt_order])
    span = int(cand.opt_start.max(initial=0)) + 1
    group = opt_order[mine] * span + cand.opt_start[mine]
    sort = np.lexsort((cost[mine], group))
    by, g_by = mine[sort], group[sort]
    rank = np.arange(len(by)) - np.searchsorted(g_by, g_by, side="left")
    k_by = arr.ord_k[opt_order[by]]
    selected = np.sort(by[rank < per_start + k_by])
    in_lp = np.zeros(n_opt, dtype=bool)
    in_lp[selected] = True
    # An order whose k cheapest options (at every start) clash with no option in
    # the LP takes them in the LP's optimum: leave it out (its rows with others
    # are dropped, which only relaxes). Measured on 100,000 x 10,000: 3,023 of
    # 7,248 orders stay.
    cheapest = np.zeros(n_opt, dtype=bool)
    cheapest[by[rank < k_by]] = True
    touch = (cheapest[cand.conflict_a] & in_lp[cand.conflict_b]) | (
        cheapest[cand.conflict_b] & in_lp[cand.conflict_a]
    )
    contested = np.zeros(arr.num_orders, dtype=bool)
    contested[opt_order[cand.conflict_a[touch]]] = True
    contested[opt_order[cand.conflict_b[touch]]] = True
    selected = selected[contested[opt_order[selected]]]
    in_lp[:] = False
    in_lp[selected] = True
    pair = in_lp[cand.conflict_a] & in_lp[cand.conflict_b]
    ca, cb = cand.conflict_a[pair], cand.conflict_b[pair]

    # Batches of orders linked by clashes among the LP's options.
    n = arr.num_orders
    link = coo_matrix(
        (np.ones(len(ca), dtype=np.int8), (opt_order[ca], opt_order[cb])), shape=(n, n)
    )
    _, found = connected_components(link, directed=False)
    label = found.astype(np.int64)
    wanted = np.flatnonzero(contested)
    comp_size = np.bincount(label[opt_order[selected]], minlength=n)
    batch_of_label = _batches(comp_size, label[wanted])

    x = np.zeros(n_opt)
    reduced = cost.copy()
    dual_sum = 0.0
    lp_value = 0.0
    batch_of_opt = batch_of_label[label[opt_order[selected]]]
    order_by_batch = np.argsort(batch_of_opt, kind="stable")
    cuts = np.flatnonzero(np.diff(batch_of_opt[order_by_batch])) + 1
    parts = [p for p in np.split(selected[order_by_batch], cuts) if len(p)]

    def run(part: IntArray) -> tuple[FloatArray, FloatArray, float, float] | None:
        left = None if deadline is None else deadline - time.perf_counter()
        if left is not None and left <= 0:
            return None
        return _solve_batch(arr, cand, part, opt_order, cost, left)

    with ThreadPoolExecutor(max(1, workers)) as pool:
        solved = list(pool.map(run, parts))
    for part, sol in zip(parts, solved, strict=True):
        if sol is None:
            continue
        x_part, extra, mu_sum, value = sol
        x[part] = x_part
        reduced[part] += extra
        dual_sum += mu_sum
        lp_value += value
    bound = _lagrangian(arr, cand, mine, opt_order, reduced, span) - dual_sum
    logger.info(
        "cost relaxation of %d orders: %d of %d options in the LP, LP %.1f, bound %.1f",
        int(orders.sum()),
        len(selected),
        len(mine),
        lp_value,
        bound,
    )
    return CostRelaxation(bound=float(bound), x=x, lp_value=lp_value)


def _batches(comp_size: IntArray, labels: IntArray) -> IntArray:
    """Batch number of each component label: small components share a batch."""
    batch = np.zeros(len(comp_size), dtype=np.int64)
    used = np.unique(labels)
    current, filled = 0, 0
    for lab in used[np.argsort(comp_size[used], kind="stable")].tolist():
        size = int(comp_size[lab])
        if filled and filled + size > BATCH_OPTIONS:
            current, filled = current + 1, 0
        batch[lab] = current
        filled += size
    return batch


def _solve_batch(
    arr: DispatchArrays,
    cand: Candidates,
    part: IntArray,
    opt_order: IntArray,
    cost: FloatArray,
    seconds: float | None,
) -> tuple[FloatArray, FloatArray, float, float] | None:
    """LP of one batch; returns x, the dual price added to each option, sum of duals, value."""
    m = len(part)
    local = np.full(len(cand.opt_edge), -1, dtype=np.int64)
    local[part] = np.arange(m)
    a_all, b_all = local[cand.conflict_a], local[cand.conflict_b]
    keep = (a_all >= 0) & (b_all >= 0)
    a, b = a_all[keep], b_all[keep]
    o = opt_order[part]
    start = cand.opt_start[part]
    end = start + arr.ord_duration[o]
    # (order, start) groups and orders.
    span = int(start.max()) + 1
    groups, gid = np.unique(o * span + start, return_inverse=True)
    gid = gid.reshape(-1)
    g_order = groups // span
    orders, oid = np.unique(g_order, return_inverse=True)
    oid = oid.reshape(-1)
    ng, no = len(groups), len(orders)
    nv = m + ng + no  # x, z, slack
    k = arr.ord_k[g_order].astype(np.float64)
    eq_start = coo_matrix(
        (
            np.concatenate((np.ones(m), -k)),
            (
                np.concatenate((gid, np.arange(ng))),
                np.concatenate((np.arange(m), m + np.arange(ng))),
            ),
        ),
        shape=(ng, nv),
    )
    eq_order = coo_matrix(
        (
            np.ones(ng + no),
            (
                np.concatenate((oid, np.arange(no))),
                np.concatenate((m + np.arange(ng), m + ng + np.arange(no))),
            ),
        ),
        shape=(no, nv),
    )
    # Clique rows: for each option, those of its volunteer covering its start.
    first = np.concatenate((a, b))
    second = np.concatenate((b, a))
    covers = (start[second] <= start[first]) & (start[first] < end[second])
    anchor = np.concatenate((np.arange(m), first[covers]))
    member = np.concatenate((np.arange(m), second[covers]))
    size = np.bincount(anchor, minlength=m)
    real = size[anchor] >= 2
    anchor, member = anchor[real], member[real]
    anchors, row = np.unique(anchor, return_inverse=True)
    row = row.reshape(-1)
    cliques = coo_matrix((np.ones(len(row)), (row, member)), shape=(len(anchors), nv)).tocsr()
    travel_only = ~((start[a] < end[b]) & (start[b] < end[a]))
    ta, tb = a[travel_only], b[travel_only]
    pairs = coo_matrix(
        (
            np.ones(2 * len(ta)),
            (np.repeat(np.arange(len(ta)), 2), np.stack((ta, tb), axis=1).reshape(-1)),
        ),
        shape=(len(ta), nv),
    ).tocsr()
    a_ub: csr_matrix = vstack([cliques, pairs]).tocsr()
    c = np.concatenate((cost[part], np.zeros(ng), np.full(no, SLACK_COST)))
    # Measured on the 7 LPs of a 100,000 x 10,000 week: presolve off takes
    # 0.85 s instead of 1.32 s, for the same values.
    options: dict[str, Any] = {"presolve": False}
    if seconds is not None:
        options["time_limit"] = max(seconds, 0.01)
    rows: dict[str, Any] = {
        "A_eq": vstack([eq_start, eq_order]).tocsr(),
        "b_eq": np.concatenate((np.zeros(ng), np.ones(no))),
        "options": options,
    }
    if a_ub.shape[0]:
        rows |= {"A_ub": a_ub, "b_ub": np.ones(a_ub.shape[0])}
    res = linprog(c, bounds=(0, 1), method="highs", **rows)
    if res.status != 0 or res.x is None:
        logger.info("cost LP of %d options ended with status %d", m, res.status)
        return None
    if a_ub.shape[0]:
        mu = np.maximum(-np.asarray(res.ineqlin.marginals, dtype=np.float64), 0.0)
        extra = np.asarray(a_ub[:, :m].T @ mu, dtype=np.float64)
        mu_sum = float(mu.sum())
    else:
        extra, mu_sum = np.zeros(m), 0.0
    return np.asarray(res.x[:m], dtype=np.float64), extra, mu_sum, float(res.fun or 0.0)


def _lagrangian(
    arr: DispatchArrays,
    cand: Candidates,
    mine: IntArray,
    opt_order: IntArray,
    reduced: FloatArray,
    span: int,
) -> float:
    """Sum over orders of the least, over starts, of the ``k`` smallest reduced costs."""
    o = opt_order[mine]
    group = o * span + cand.opt_start[mine]
    by = np.lexsort((reduced[mine], group))
    g = group[by]
    r = reduced[mine][by]
    og = o[by]
    first = np.searchsorted(g, g, side="left")
    rank = np.arange(len(g)) - first
    k = arr.ord_k[og]
    take = rank < k
    _, start_at = np.unique(g, return_index=True)
    sums = np.add.reduceat(np.where(take, r, 0.0), start_at) if len(g) else np.zeros(0)
    counts = np.add.reduceat(take.astype(np.int64), start_at) if len(g) else np.zeros(0)
    g_order = og[start_at]
    full = counts >= k[start_at]
    best = np.full(arr.num_orders, np.inf)
    np.minimum.at(best, g_order[full], sums[full])
    wanted = np.unique(o)
    total = best[wanted]
    if not np.isfinite(total).all():
        raise ValueError("an order given to relax_cost cannot be served from its candidates")
    return float(total.sum())
