"""Orders that can always be served, peeled off before the search.

An order ``o`` (no team rule, no pin) is *always servable* among a set ``S`` of
orders when, at one of its starts, it has at least ``k_o + B_o`` candidates,
where::

    B_o = sum over o' in S, o' != o, of min(k_o', number of o's candidates
          that o' could use at a time clashing with o)

Whatever plan the other orders of ``S`` get, at most ``B_o`` of ``o``'s
candidates are busy, so ``k_o`` are still free. Peeling repeats the test:
layer 1 holds the always-servable orders among all orders, layer 2 those among
what is left, and so on; the *core* is what remains.

Two consequences, weekly caps aside (they only restrict plans further, so the
first still bounds the served weight; a plan may miss it when a cap binds)::

1. The most served weight equals ``w(layers)`` plus the most served weight of
   the core alone. A plan of the core alone, completed by adding the layers
   back deepest first (each order taking free candidates), reaches it.
2. Every plan with that served weight serves every peeled order (its core
   part serves at most the core's maximum), so its cost is at least the sum of
   each peeled order's ``k`` cheapest candidates plus the least cost of the
   core alone at the core's maximum served weight.

So on a county week, where most orders have many more candidates than rivals,
the search shrinks to the contested core (measured on 100,000 x 10,000: 358
orders of 7,615 with candidates) with a proven bound for the whole.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix

from matcher.candidates import Candidates, DispatchArrays
from volunteers.bits import BoolArray
from volunteers.geo import IntArray


@dataclass(frozen=True)
class Peeling:
    """Peeled layers and the core.

    Attributes
    ----------
    layer
        Per order: its layer (1, 2, ...), 0 for the core, -1 for orders with
        fewer candidates than volunteers needed (never served).
    num_candidates
        Per order: its candidate volunteers.
    """

    layer: IntArray
    num_candidates: IntArray

    @property
    def core(self) -> BoolArray:
        """Orders left to the search."""
        core: BoolArray = self.layer == 0
        return core

    @property
    def peeled(self) -> BoolArray:
        """Orders in some layer."""
        peeled: BoolArray = self.layer > 0
        return peeled

    def sequence(self) -> IntArray:
        """Peeled orders in the order to add them back: deepest layer first.

        Within a layer any order keeps the guarantee; those with the fewest
        candidates go first, so that a candidate whose weekly cap would run
        out goes to the order that has no other.
        """
        peeled = np.flatnonzero(self.layer > 0)
        out: IntArray = peeled[np.lexsort((self.num_candidates[peeled], -self.layer[peeled]))]
        return out


def peel(arr: DispatchArrays, cand: Candidates) -> Peeling:
    """Peel the always-servable orders off, layer by layer (see the module doc)."""
    n = arr.num_orders
    k = arr.ord_k.astype(np.int64)
    eo = cand.edge_order
    num_cand = np.bincount(eo, minlength=n)
    layer = np.where(num_cand >= k, 0, -1).astype(np.int64)
    # Candidates at the order's best start (windowed orders have several).
    at_best = num_cand.copy()
    windowed = np.asarray([len(s) > 1 for s in arr.ord_starts], dtype=bool)
    opts = np.flatnonzero(windowed[eo[cand.opt_edge]])
    if len(opts):
        o = eo[cand.opt_edge[opts]]
        starts, start_id = np.unique(cand.opt_start[opts], return_inverse=True)
        per = coo_matrix(
            (np.ones(len(opts), dtype=np.int64), (o, start_id.reshape(-1))),
            shape=(n, len(starts)),
        ).tocsr()
        at_best[windowed] = per.max(axis=1).toarray().reshape(-1)[windowed]
    eligible = layer == 0
    eligible &= ~np.asarray([r.same_team for r in arr.orders], dtype=bool)
    eligible[eo[cand.pinned_edges]] = False
    eligible[list(cand.pinned_starts)] = False
    # How many option pairs of each two orders clash. Counting option pairs, not
    # volunteers, over-counts the volunteers two windowed orders share (one per
    # pair of starts), which only makes the test stricter; min(k, .) below keeps
    # it exact for the many orders needing one volunteer. (Counting distinct
    # volunteers took 0.3 s more on the 1.6 million windowed pairs of a
    # 100,000 x 10,000 week.)
    oa = eo[cand.opt_edge[cand.conflict_a]]
    ob = eo[cand.opt_edge[cand.conflict_b]]
    key, count = np.unique(np.minimum(oa, ob) * n + np.maximum(oa, ob), return_counts=True)
    lo, hi = key // n, key % n
    busy_lo = np.minimum(count, k[hi]).astype(np.float64)  # o' = hi busies lo's candidates
    busy_hi = np.minimum(count, k[lo]).astype(np.float64)
    alive = layer == 0
    depth = 0
    while True:
        blocked = np.bincount(lo, weights=busy_lo * alive[hi], minlength=n)
        blocked += np.bincount(hi, weights=busy_hi * alive[lo], minlength=n)
        free = alive & eligible & (at_best - blocked >= k)
        if not free.any():
            break
        depth += 1
        layer[free] = depth
        alive &= ~free
    return Peeling(layer=layer, num_candidates=num_cand)


def k_cheapest(arr: DispatchArrays, cand: Candidates) -> IntArray:
    """Per order, the summed cost of its ``k`` cheapest candidates (0 without enough)."""
    n = arr.num_orders
    eo = cand.edge_order
    by = np.lexsort((cand.edge_cost, eo))
    so = eo[by]
    rank = np.arange(len(so)) - np.searchsorted(so, so, side="left")
    take = rank < arr.ord_k[so]
    total = np.bincount(so[take], weights=cand.edge_cost[by][take], minlength=n)
    out: IntArray = np.rint(total).astype(np.int64)
    return out
