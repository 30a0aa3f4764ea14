"""Greedy dispatch: the status-quo baseline and the warm start of the exact solver.

Orders are taken one at a time in a given sequence; each gets the best
volunteers still free (no clash with what was already given, weekly minutes
left), at its best start, from one team when it must. Pinned volunteers are
placed first. Every hard rule holds, so the result is always feasible, never
optimal in general.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.sparse import csr_matrix

from matcher.candidates import Candidates, DispatchArrays
from volunteers.geo import FloatArray, IntArray


class ConflictIndex:
    """Option -> conflicting options, as CSR arrays (symmetric)."""

    def __init__(self, cand: Candidates) -> None:
        n = len(cand.opt_edge)
        a = np.concatenate((cand.conflict_a, cand.conflict_b))
        b = np.concatenate((cand.conflict_b, cand.conflict_a))
        # A sparse matrix's CSR conversion is a counting sort: 5x faster than
        # argsort on the 4.8 million entries of a 100,000 x 10,000 week.
        rows = csr_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n))
        self.nbrs: IntArray = rows.indices.astype(np.int64)
        self.ptr: IntArray = rows.indptr.astype(np.int64)

    @classmethod
    def cached(cls, cand: Candidates) -> ConflictIndex:
        """The index of ``cand``, built once (solving and explaining share it)."""
        found = cand.__dict__.get("_conflict_index")
        if not isinstance(found, cls):
            found = cand.__dict__["_conflict_index"] = cls(cand)
        return found

    def of(self, option: int) -> IntArray:
        """Options that clash with ``option``."""
        return self.nbrs[self.ptr[option] : self.ptr[option + 1]]


class OptionIndex:
    """Order -> its options, and edge -> its options, as CSR arrays."""

    def __init__(self, arr: DispatchArrays, cand: Candidates) -> None:
        opt_order = cand.edge_order[cand.opt_edge]
        self.by_order = np.argsort(opt_order, kind="stable")
        counts = np.bincount(opt_order, minlength=arr.num_orders)
        self.order_ptr = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
        self.opt_order: IntArray = opt_order
        self.by_edge = np.argsort(cand.opt_edge, kind="stable")
        ecounts = np.bincount(cand.opt_edge, minlength=cand.num_edges)
        self.edge_ptr = np.concatenate(([0], np.cumsum(ecounts))).astype(np.int64)

    def of_order(self, order: int) -> IntArray:
        """Option indices of an order."""
        return self.by_order[self.order_ptr[order] : self.order_ptr[order + 1]]

    def count(self, orders: IntArray) -> IntArray:
        """Number of options of each of ``orders``."""
        counts: IntArray = self.order_ptr[orders + 1] - self.order_ptr[orders]
        return counts

    def of_edge(self, edge: int) -> IntArray:
        """Option indices of an edge."""
        return self.by_edge[self.edge_ptr[edge] : self.edge_ptr[edge + 1]]


def pick(
    arr: DispatchArrays,
    cand: Candidates,
    order: int,
    options: IntArray,
    key: FloatArray,
    pinned_vols: Sequence[int] = (),
    pinned_start: int | None = None,
) -> tuple[IntArray, int | None] | None:
    """Best option set serving ``order`` from the given usable options.

    Returns the chosen options and the team (for same-team orders), or ``None``
    when the order cannot be served from them.
    """
    r = arr.orders[order]
    k = r.volunteers_needed
    starts = cand.opt_start[options]
    best: tuple[float, IntArray, int | None] | None = None
    pinned = set(pinned_vols)
    for s in np.unique(starts):
        if pinned_start is not None and s != pinned_start:
            continue
        at = options[starts == s]
        at = at[np.argsort(key[at], kind="stable")]
        at_vols = cand.edge_vol[cand.opt_edge[at]]
        if not pinned <= set(at_vols.tolist()):
            continue
        if r.same_team:
            teams = {t for v in at_vols.tolist() for t in arr.vol_teams[v]}
            for t in sorted(teams):
                if not (
                    arr.ord_cat[order, arr.team_cat[t] // 64] >> np.uint64(arr.team_cat[t] % 64)
                ) & np.uint64(1):
                    continue
                members = set(arr.team_members[t].tolist())
                if not pinned <= members:
                    continue
                captain = int(arr.team_captain[t])
                must = set(pinned)
                if r.needs_captain:
                    if captain < 0 or captain not in at_vols.tolist():
                        continue
                    must.add(captain)
                chosen = _take(at, at_vols, must, members, k)
                if chosen is not None:
                    total = float(key[chosen].sum())
                    if best is None or total < best[0]:
                        best = (total, chosen, t)
        else:
            chosen = _take(at, at_vols, pinned, None, k)
            if chosen is not None:
                total = float(key[chosen].sum())
                if best is None or total < best[0]:
                    best = (total, chosen, None)
    if best is None:
        return None
    return best[1], best[2]


def _take(
    at: IntArray, at_vols: IntArray, must: set[int], allowed: set[int] | None, k: int
) -> IntArray | None:
    """``must`` first, then the cheapest allowed others, ``k`` in all (``at`` is sorted)."""
    chosen: list[int] = []
    seen: set[int] = set()
    for o, v in zip(at.tolist(), at_vols.tolist(), strict=True):
        if v in must and v not in seen:
            chosen.append(o)
            seen.add(v)
    if len(seen) < len(must):
        return None
    for o, v in zip(at.tolist(), at_vols.tolist(), strict=True):
        if len(chosen) >= k:
            break
        if v in seen or (allowed is not None and v not in allowed):
            continue
        chosen.append(o)
        seen.add(v)
    return np.asarray(chosen, dtype=np.int64) if len(chosen) == k else None


def greedy(
    arr: DispatchArrays,
    cand: Candidates,
    sequence: IntArray,
    key: FloatArray,
    cap_left: FloatArray | None = None,
    indexes: tuple[OptionIndex, ConflictIndex] | None = None,
    taken: IntArray | None = None,
) -> tuple[IntArray, dict[int, int]]:
    """Serve orders one by one in ``sequence``, each with the lowest-``key`` options.

    Parameters
    ----------
    sequence
        Order indices, in the order they are served.
    key
        Per-option score to minimize (travel for the baseline, cost for hints).
    cap_left
        Weekly minutes left per volunteer (defaults to the problem's).
    indexes
        The option and conflict indexes of ``cand``, when the caller already
        built them (they cost a sort of every option and conflict).
    taken
        Options already in the plan (of orders not in ``sequence``): their
        volunteers are busy at those times and their minutes are spent.

    Returns
    -------
    (options, teams)
        Chosen option indices, and the team chosen for each same-team order.
    """
    index, conflicts = (
        indexes if indexes is not None else (OptionIndex(arr, cand), ConflictIndex(cand))
    )
    blocked = np.zeros(len(cand.opt_edge), dtype=bool)
    left = (arr.vol_cap_left if cap_left is None else cap_left).copy()
    if taken is not None and len(taken):
        blocked[conflicts.nbrs[_spans(conflicts.ptr, taken)]] = True
        np.subtract.at(
            left,
            cand.edge_vol[cand.opt_edge[taken]],
            arr.ord_duration[cand.edge_order[cand.opt_edge[taken]]],
        )
    pinned_by_order: dict[int, list[int]] = {}
    for e in cand.pinned_edges.tolist():
        pinned_by_order.setdefault(int(cand.edge_order[e]), []).append(int(cand.edge_vol[e]))
    chosen: list[IntArray] = []
    teams: dict[int, int] = {}
    # Pinned orders first, so that pins always hold.
    pinned_first = sorted(set(sequence.tolist()), key=lambda o: (o not in pinned_by_order,))
    rank = {o: i for i, o in enumerate(sequence.tolist())}
    pinned_first.sort(key=lambda o: (o not in pinned_by_order, rank[o]))
    # Orders with one start, no team rule and no pin take their k lowest-key
    # usable options directly (what ``pick`` would choose, without its search).
    for o in pinned_first:
        opts = index.of_order(o)
        d = arr.ord_duration[o]
        vols = cand.edge_vol[cand.opt_edge[opts]]
        usable = opts[~blocked[opts] & (left[vols] >= d - 1e-9)]
        team: int | None = None
        if len(arr.ord_starts[o]) == 1 and not arr.orders[o].same_team and o not in pinned_by_order:
            k = int(arr.ord_k[o])
            if len(usable) < k:
                continue
            sel = usable[np.argsort(key[usable], kind="stable")[:k]]
        else:
            got = pick(
                arr, cand, o, usable, key, pinned_by_order.get(o, ()), cand.pinned_starts.get(o)
            )
            if got is None:
                continue
            sel, team = got
        chosen.append(sel)
        if team is not None:
            teams[o] = team
        for opt in sel.tolist():
            blocked[conflicts.of(opt)] = True
        left[cand.edge_vol[cand.opt_edge[sel]]] -= d
        # An order's other options are no longer usable once it is served.
        blocked[opts] = True
    result = np.concatenate(chosen) if chosen else np.empty(0, dtype=np.int64)
    return result.astype(np.int64), teams


def _spans(ptr: IntArray, rows: IntArray) -> IntArray:
    """Positions ``ptr[r]:ptr[r + 1]`` of every row in ``rows``, concatenated."""
    lo, hi = ptr[rows], ptr[rows + 1]
    counts = hi - lo
    out: IntArray = np.repeat(lo - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
    return out
