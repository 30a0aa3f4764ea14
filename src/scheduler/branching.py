"""Branch and price over volunteers' schedules, from a converged master.

Column generation (:mod:`scheduler.columns`) ends with a master LP whose bound is
close to the best roster on the Curtois instances (Instance5: 1,140.6 against
1,143; Instance12: 4,040.0, the best known), but whose solution is fractional.
This module searches the tree of that master: a node forces some
(volunteer, shift) pairs on and others off; its LP keeps only the schedules that
agree, prices new ones that agree (:func:`scheduler.columns._price_all` with the
branching), and gives a Lagrangian bound. The node is pruned when that bound,
rounded up to whole :data:`~scheduler.arrays.SCALE` units, cannot beat the best
roster; it is a roster when every pair's share is 0 or 1; otherwise it branches on
a volunteer's day worked in part (then on a pair), the one nearest a half. Nodes
are taken best bound first, plunging: a node's preferred child is searched at once
(until the first roster, with the near-certain decisions taken together and little
pricing, :data:`PLUNGE_ROUNDS`). After the first roster, nodes taken from the heap
are dived from, as a MIP solver's diving heuristics do: the first plunge's way (the
near-certain decisions together, little pricing) down to a roster or a prune,
leaving nothing in the heap, for at most :data:`DIVE_SHARE` of the tree's time
from then on. When the tree is searched to the end, the best roster is proven
optimal.
"""

from __future__ import annotations

import heapq
import logging
from dataclasses import dataclass, replace

import numpy as np

from scheduler.arrays import SCALE, RosterArrays
from scheduler.clock import current_clock
from scheduler.columns import SETTLED, Branching, ColumnPool, _Glop, _price_all
from scheduler.evaluate import objective as priced
from scheduler.evaluate import penalties as itemized
from volunteers.bits import BoolArray
from volunteers.control import current
from volunteers.geo import FloatArray, IntArray

logger = logging.getLogger(__name__)

DAY, PAIR = 0, 1
"""Kinds of groups branched on: a volunteer's day (key: volunteer * days + day), a pair."""

_Group = tuple[int, int]
_Decisions = tuple[tuple[_Group, int], ...]

PLUNGE = 0.2
"""Shares within this of 0 or 1 are decided together in one branching."""

NODE_SECONDS_PER_PAIR = 2e-7
"""Work seconds (:mod:`scheduler.clock`) counted per node and eligible pair, beyond
its LP solves and pricing (the node's branching and shares)."""

PLUNGE_NODES = 20
"""Nodes a first plunge is expected to take (measured at 60 s: Curtois Instance8
found 1,302 after 13 nodes of 0.35 s; Instance18's root took 2 s, and 11 nodes
in 24 s found nothing)."""

NODE_ROUNDS = 30
"""Most pricing rounds at one node; a node that has not converged by then branches
on its last LP (its bound stays valid)."""

DIVE_SHARE = 0.5
"""Most of the tree's time after its first roster spent diving from nodes taken from
the heap (:meth:`_Tree._dive`). Single decisions after the first roster go deep
slowly (Curtois Instance18: 40 nodes of one decision each, bounds 4,417-4,471, no
roster). Measured on a work budget of 60 (Curtois Instances 5, 6, 8, 9, 10, 12, 14,
16 and 18, seeds 1 and 2 on five of them): Instance18 4,506 instead of 4,615 and
Instance8 1,304 instead of 1,312 (seed 1), the twelve other runs unchanged, the same
proofs. Without plunging after the first roster, Instance16 was 3,226 (3,225)."""

PLUNGE_ROUNDS = 2
"""Most pricing rounds at a node of the first plunge, before the tree has a roster
(a bound prunes nothing then). A roster found at a node not priced to the end is
kept, and the node goes back to the heap to be priced in full (measured on Curtois
Instance12: nodes of 2.2 s, 4.4 rounds each, and no roster in 15 nodes)."""


@dataclass(frozen=True)
class Branched:
    """What branch and price found.

    Attributes
    ----------
    roster
        The best roster found, a Boolean per eligible pair, or ``None`` when none
        beat the incumbent it was given.
    value
        Its objective (weight units, priced term by term), or ``None``.
    proven
        Whether the tree was searched to the end: then no roster beats
        ``value`` (or the given incumbent, when ``roster`` is ``None``).
    nodes
        Nodes whose LP was solved.
    searched
        Whether the tree was searched: it is given up after its root when
        :data:`PLUNGE_NODES` nodes as long would not fit in the time.
    """

    roster: BoolArray | None
    value: float | None
    proven: bool
    nodes: int
    searched: bool = True


@dataclass(frozen=True)
class _NodeLP:
    """A node's master LP: pair shares, bound, value, and whether it is settled."""

    shares: FloatArray
    bound: float  # Lagrangian, valid for every roster of the node
    value: float  # the LP's own value (weight units, the constant included)
    artificial: bool  # a volunteer has no schedule in it
    converged: bool  # no schedule priced out, every volunteer priced


def branch_and_price(
    arr: RosterArrays, pool: ColumnPool, *, until: float, incumbent: float | None = None
) -> Branched:
    """Search the master's tree until ``until`` (a reading of the solve's clock).

    Parameters
    ----------
    arr
        The problem's arrays.
    pool
        The converged master (:attr:`scheduler.columns.Relaxation.pool`).
    until
        When to stop.
    incumbent
        The objective of a known roster: only better ones are searched for.

    Returns
    -------
    Branched
        The best roster found and whether it (or the incumbent) is proven optimal.
    """
    return _Tree(arr, pool, incumbent).search(until)


class _Tree:
    """The search state: the incumbent and the column bounds set in GLOP."""

    def __init__(self, arr: RosterArrays, pool: ColumnPool, incumbent: float | None) -> None:
        self.arr = arr
        self.pool = pool
        self.master = pool.master
        self.best = np.inf if incumbent is None else incumbent
        self.roster: BoolArray | None = None
        self.value: float | None = None
        self.unsettled = False  # a leaf not proven the best of its node
        self.mins = self.master.mins
        self.maxs = self.master.maxs
        glop = self.master.glop
        if glop is None:
            glop = self.master.glop = _Glop(self.master)
        for var in glop.schedules:
            var.SetBounds(0.0, np.inf)  # a dive, or an earlier tree, leaves its bounds
        self.allowed: BoolArray = np.ones(len(glop.schedules), dtype=bool)
        self.day_key: IntArray = arr.edge_vol.astype(np.int64) * arr.num_days + arr.edge_day
        self.num_keys = arr.num_volunteers * arr.num_days
        # A day is branched on only for volunteers who work at most one shift
        # a day: the pricing's bonus is per pair forced on, so a schedule must
        # not be able to work two pairs of one group (it would then beat a
        # schedule that keeps the branching, and a node could be closed unsoundly).
        problem = arr.problem
        one_a_day = np.fromiter(
            (
                problem.contract(v.id).max_shifts_per_day == 1
                for v in problem.organization.volunteers
            ),
            dtype=bool,
            count=arr.num_volunteers,
        )
        self.day_open: BoolArray = np.repeat(one_a_day, arr.num_days)

    def search(self, until: float) -> Branched:
        control = current()
        clock = current_clock()
        # Best bound first, plunging: after a node branches, its preferred
        # child is searched at once and the other waits in the heap.
        heap: list[tuple[float, int, _Decisions]] = []
        plunge: tuple[float, _Decisions] | None = (-np.inf, ())
        nodes = 0
        first: float | None = None  # when the tree had its first roster
        dived = 0.0  # time spent diving since
        while True:
            if clock.past(until) or control.stop_requested():
                return self._result(False, nodes)
            if plunge is None:
                if not heap:
                    return self._result(True, nodes)
                parent, _, decisions = heapq.heappop(heap)
                rounds = NODE_ROUNDS  # a leaf sent back is priced in full here
                if not self._may_improve(parent):
                    return self._result(True, nodes)  # nor can any other in the heap
                if self.roster is not None:
                    first = clock.now() if first is None else first
                    if dived <= DIVE_SHARE * (clock.now() - first):
                        began = clock.now()
                        nodes += self._dive(decisions, parent, until)
                        dived += clock.now() - began
            else:
                parent, decisions = plunge
                plunge = None
                rounds = PLUNGE_ROUNDS if nodes and self.roster is None else NODE_ROUNDS
                if not self._may_improve(parent):
                    continue
            branching = self._branching(decisions)
            if branching is None:
                continue
            began = clock.now()
            clock.charge(NODE_SECONDS_PER_PAIR * self.arr.num_edges)
            node = self._node(branching, parent, until, rounds)
            nodes += 1
            if node is None:
                continue
            if nodes == 1 and (clock.now() - began) * PLUNGE_NODES > until - began:
                took = clock.now() - began
                logger.debug("branch and price: given up, its root took %.2f s", took)
                return Branched(None, None, False, nodes, searched=False)
            shares, bound = node.shares, node.bound
            if not self._may_improve(bound):
                continue
            split = self._split(shares)
            if split is None:
                if not node.artificial and not self._roster(shares > 0.5, node):
                    if rounds < NODE_ROUNDS:
                        # Priced in part: the node is searched again in full.
                        logger.debug("branch and price: a leaf priced in part, searched again")
                        heapq.heappush(heap, (bound, len(heap) + nodes, decisions))
                    else:
                        self.unsettled = True
                continue
            # The plunge takes every decision at once; each sibling takes the
            # ones before it and the other side of its own (together a partition).
            path = decisions
            for group, preferred in split:
                heapq.heappush(heap, (bound, len(heap) + nodes, (*path, (group, -preferred))))
                path = (*path, (group, preferred))
            plunge = (bound, path)
            if logger.isEnabledFor(logging.DEBUG) and nodes % 10 == 0:
                logger.debug(
                    "branch and price: node %d, depth %d, bound %.3f, best %.2f, %d open",
                    nodes,
                    len(decisions),
                    bound,
                    self.best,
                    len(heap),
                )

    def _dive(self, decisions: _Decisions, bound: float, until: float) -> int:
        """Dive from the node ``decisions`` (bounded by ``bound``) for a better roster.

        Each step prices at most :data:`PLUNGE_ROUNDS` rounds and takes the
        near-certain decisions together, as the first plunge does, until a
        roster (kept if better) or a node that cannot improve. Nothing goes to
        the heap: the node is then searched as before. Returns the nodes solved.
        """
        clock = current_clock()
        path, nodes = decisions, 0
        while not clock.past(until) and not current().stop_requested():
            branching = self._branching(path)
            if branching is None:
                break
            node = self._node(branching, bound, until, PLUNGE_ROUNDS)
            nodes += 1
            if node is None or not self._may_improve(node.bound):
                break
            split = self._split(node.shares, together=True)
            if split is None:
                if not node.artificial:
                    self._roster(node.shares > 0.5, node)
                break
            path = (*path, *split)
            bound = node.bound
        logger.debug("branch and price: a dive of %d nodes, best %.2f", nodes, self.best)
        return nodes

    def _split(
        self, shares: FloatArray, *, together: bool = False
    ) -> list[tuple[_Group, int]] | None:
        """What to branch on, each with its preferred side (1 on, -1 off); ``None`` when integral.

        Volunteers' days worked in part (their pairs' shares on that day sum to
        strictly between 0 and 1; only for volunteers who work one shift a day)
        come first: the one nearest a half, and until
        the tree has found a roster (or ``together``), before it those within
        :data:`PLUNGE` of 0 or 1 (decided together: a roster in fewer nodes, a
        weaker tree); then a pair, likewise.
        """
        together = together or self.roster is None
        day = np.bincount(self.day_key, weights=shares, minlength=self.num_keys).astype(float)
        open_days = np.flatnonzero((day > SETTLED) & (day < 1.0 - SETTLED) & self.day_open)
        if len(open_days):
            return self._sides(open_days, day[open_days], DAY, together)
        open_pairs = np.flatnonzero((shares > SETTLED) & (shares < 1.0 - SETTLED))
        if len(open_pairs):
            return self._sides(open_pairs, shares[open_pairs], PAIR, together)
        return None

    @staticmethod
    def _sides(
        keys: IntArray, share: FloatArray, kind: int, together: bool
    ) -> list[tuple[_Group, int]]:
        """The decisions of one branching on ``keys`` at these shares, the most certain first.

        Only the one nearest a half unless ``together``.
        """
        middle = int(np.argmin(np.abs(share - 0.5)))
        if not together:
            return [((kind, int(keys[middle])), 1 if share[middle] >= 0.5 else -1)]
        near = np.flatnonzero(np.abs(share - 0.5) >= 0.5 - PLUNGE)
        near = near[near != middle]
        near = near[np.argsort(-np.abs(share[near] - 0.5), kind="stable")]
        order = [*near.tolist(), middle]
        return [((kind, int(keys[i])), 1 if share[i] >= 0.5 else -1) for i in order]

    def _edges(self, group: _Group) -> IntArray:
        kind, key = group
        if kind == PAIR:
            return np.asarray([key], dtype=np.int64)
        return np.flatnonzero(self.day_key == key)

    def _branching(self, decisions: _Decisions) -> Branching | None:
        """The node's branching; ``None`` when a group forced on has every pair forced off."""
        n = self.arr.num_edges
        sign = np.zeros(n, dtype=np.int64)
        for group, side in decisions:
            if side < 0:
                sign[self._edges(group)] = -1
        # A pair forced on implies its day: the day's group is left out.
        pair_days = {
            int(self.day_key[key]) for (kind, key), side in decisions if side > 0 and kind == PAIR
        }
        group_of = np.full(n, -1, dtype=np.int64)
        groups_of = np.zeros(self.arr.num_volunteers, dtype=np.int64)
        k = 0
        for (kind, key), side in decisions:
            if side < 0 or (kind == DAY and key in pair_days):
                continue
            edges = self._edges((kind, key))
            edges = edges[sign[edges] >= 0]
            if len(edges) == 0:
                return None
            sign[edges] = 1
            group_of[edges] = k
            groups_of[int(self.arr.edge_vol[edges[0]])] += 1
            k += 1
        return Branching(sign, group_of, groups_of)

    def _result(self, proven: bool, nodes: int) -> Branched:
        proven = proven and not self.unsettled
        logger.debug("branch and price: %d nodes, best %.2f, proven %s", nodes, self.best, proven)
        return Branched(self.roster, self.value, proven, nodes)

    def _may_improve(self, bound: float) -> bool:
        """Whether a node bounded by ``bound`` may hold a roster a whole unit below the best."""
        if not np.isfinite(self.best):
            return True
        return bool(np.ceil(bound * SCALE - 1e-4) < round(self.best * SCALE))

    def _roster(self, chosen: BoolArray, node: _NodeLP) -> bool:
        """Keep the roster ``chosen``, the integral LP of ``node``, if it is feasible and better.

        Returns whether the node is settled by it. It is when the node's LP
        converged and prices it at its objective: every other roster there is
        priced by the LP at least at the LP's value, and the LP never prices a
        roster above its objective. It is not when the LP did not converge, or
        prices the roster below its objective (terms the master leaves out: seat
        skills, team hours); nor, unless the LP converged, when the roster breaks
        a head count (the LP's slack at a prohibitive cost).
        """
        n = np.bincount(self.arr.edge_shift[chosen], minlength=self.arr.num_shifts)
        if np.any(n < self.mins) or np.any(n > self.maxs):
            return node.converged
        value = priced(itemized(self.arr, chosen))
        logger.debug("branch and price: a roster of %.2f (best %.2f)", value, self.best)
        if value < self.best - 1e-9:
            self.best, self.roster, self.value = value, chosen, value
        return node.converged and value <= node.value + 1e-6

    def _allow(self, branching: Branching) -> None:
        """Bound at 0 in GLOP every schedule that breaks ``branching``."""
        m = self.master
        glop = m.glop
        assert glop is not None
        n_c = len(m.col_edges)
        sizes = np.fromiter((len(e) for e in m.col_edges), dtype=np.int64, count=n_c)
        flat = np.concatenate(m.col_edges) if n_c else np.empty(0, np.int64)
        owner = np.repeat(np.arange(n_c), sizes)
        off = np.bincount(owner, weights=branching.sign[flat] < 0, minlength=n_c) > 0
        group = branching.group[flat]
        inside = group >= 0
        width = int(group.max(initial=0)) + 1
        hit = np.unique(owner[inside] * width + group[inside]) // width
        hits = np.bincount(hit, minlength=n_c)
        need = branching.groups_of[np.asarray(m.col_vol, dtype=np.int64)]
        allowed = ~off & (hits == need)
        if len(self.allowed) < n_c:
            self.allowed = np.concatenate(
                (self.allowed, np.ones(n_c - len(self.allowed), dtype=bool))
            )
        for j in np.flatnonzero(allowed != self.allowed).tolist():
            glop.schedules[j].SetUb(np.inf if allowed[j] else 0.0)
        self.allowed = allowed

    def _node(
        self, branching: Branching, parent: float, until: float, rounds: int
    ) -> _NodeLP | None:
        """The node's LP after at most ``rounds`` of pricing; ``None`` when pruned or failed."""
        m, pool = self.master, self.pool
        bound = parent
        last: _NodeLP | None = None
        for _ in range(rounds):
            self._allow(branching)
            assert m.glop is not None
            found = m.glop.solve()
            if found is None:
                m.glop = _Glop(m)
                self.allowed = np.ones(len(m.glop.schedules), dtype=bool)
                self._allow(branching)
                found = m.glop.solve()
                if found is None:
                    return None
            n_c = len(m.col_vol)
            last = _NodeLP(
                shares=self._shares(np.asarray(found.x[:n_c])),
                bound=bound,
                value=float(found.fun) + pool.constant,
                # A volunteer left on their artificial column has no schedule yet.
                artificial=float(np.sum(found.x[n_c + 2 * m.num_shifts :])) > 1e-9,
                converged=False,
            )
            if current_clock().past(until):
                break
            pi, y = m.duals(found)
            added, lower = _price_all(
                self.arr,
                m,
                pool.pricers,
                pool.vols,
                y,
                y,
                pi,
                {},
                until,
                pool.seed,
                pool.type_of_key,
                branching=branching,
            )
            if lower is not None:
                bound = max(bound, pool.constant + m.rhs_value(y) + lower)
                if not self._may_improve(bound):
                    return None
                last = replace(last, bound=bound)
            if added == 0:
                return replace(last, converged=lower is not None)
        return last

    def _shares(self, lam: FloatArray) -> FloatArray:
        """Per pair, its share in the LP's solution ``lam``."""
        m = self.master
        used = np.flatnonzero(lam > 1e-9)
        shares = np.zeros(self.arr.num_edges)
        if len(used):
            sizes = np.fromiter((len(m.col_edges[j]) for j in used), dtype=np.int64)
            flat = np.concatenate([m.col_edges[j] for j in used.tolist()])
            np.add.at(shares, flat, np.repeat(lam[used], sizes))
        return shares
