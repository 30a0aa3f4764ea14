"""A roster improved volunteer by volunteer: best responses, then ruin and recreate.

Each volunteer whose rules fit a walk (:mod:`scheduler.day_pricing`) can be
re-scheduled exactly at the prices the others leave (as in the sequential
construction, :mod:`scheduler.sequential`: a seat still needed earns its
under-staffing weight, one above the target costs the over-staffing weight, a
shift the others fill to its maximum is closed). At those prices a volunteer's
schedule costs what it adds to the objective, so:

- **best responses** (:func:`improve_roster`): each volunteer in turn takes their
  cheapest schedule; passes repeat until one changes nothing. The roster is then
  one where no single volunteer can do better.
- **ruin and recreate** (``search=True``): from there, two volunteers at a time
  are taken off (most often two who could fill a seat still empty), put back one
  after the other at their best responses, and each re-scheduled once more at
  what the other took. A move that makes the roster worse is still taken with the
  probability of simulated annealing, at a temperature that falls from the mean
  under-staffing weight to nothing by the deadline; the best roster seen is kept.
- **wishes kicked in** (``kicks=True``, before ruin and recreate): a run of one
  volunteer's unmet wishes (requests, on consecutive days) is met whatever it
  costs that volunteer, and every volunteer whose prices moved answers in turn
  until none can do better: an ejection chain, where the seat the first one
  leaves is taken by a second, who leaves one a third takes, and so on. The move
  is kept when the chain ends cheaper, else undone. Measured on Curtois
  Instance20 from a roster the windows had settled (:mod:`scheduler.windows`,
  5,485; best responses from there 5,465): 5,067 after one round of its 166 runs
  of unmet wishes (149 kicks, 14 kept, 59 s on one worker), 5,018 after three.
  Most of its wishes cannot be met by the volunteer alone: the schedule that
  meets them leaves a weekend seat empty (100), which only another volunteer's
  answer can fill.

On two workers (the wall clock), the best responses of large models are proposed
two at a time, side by side, and adopted one after the other at the prices then
(:meth:`_State.sweep`): twice the walks in the same time. Measured on Curtois
Instance22 at 60 s (seeds 1-4): 39,723 / 40,585 / 39,285 / 39,629 against 41,144 /
40,749 / 40,446 / 41,579 one at a time. About half the second proposals are refused
(the first took the seats they aimed at), so the gain is well below twofold;
adopting the larger saving first instead of in order gave 39,783-40,355.

Measured on Curtois Instance20 (50 volunteers, 182 days), from the sequential
start (26,871), best responses reach 9,176 in 5 s; in the 53 s left, ruin and
recreate reached 7,099-7,286 (three runs; without annealing 7,808; two random
volunteers instead of two who could fill an empty seat, 8,253), where CP-SAT
from the same roster reached 8,115.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context

import numpy as np

from scheduler.arrays import RosterArrays
from scheduler.clock import current_clock
from scheduler.day_pricing import DayPricing
from scheduler.redeal import Redealer
from scheduler.sequential import SeatPrices
from scheduler.spans import span_walk, week_start
from volunteers.bits import BoolArray
from volunteers.control import current
from volunteers.geo import FloatArray, IntArray

logger = logging.getLogger(__name__)

RUIN = 2
"""Volunteers taken off together in a ruin-and-recreate move."""

RELATED = 0.8
"""Share of the moves that take off volunteers who could fill one seat still empty
(the others take off volunteers at random)."""


RESPOND_SECONDS = 5e-5
"""Work seconds (:mod:`scheduler.clock`) counted per best response, beyond its walk."""

KICK = 10.0
"""A kicked-in wish is priced this many times the volunteer's largest price (plus one)."""

MOVE_SECONDS_PER_PAIR = 2e-9
"""Work seconds counted per eligible pair and ruin-and-recreate move, beyond its walks."""


def improve_roster(
    arr: RosterArrays,
    chosen: BoolArray,
    *,
    until: float,
    seed: int = 0,
    search: bool = False,
    bonus: FloatArray | None = None,
    search_until: float | None = None,
    workers: int = 1,
    deal: bool = False,
    weeks: int = 0,
    answered: bool = False,
    kicks: bool = False,
) -> BoolArray:
    """``chosen`` improved volunteer by volunteer (see the module doc).

    Parameters
    ----------
    arr
        The problem's arrays.
    chosen
        A Boolean per eligible pair: a roster keeping every volunteer's rules.
    until
        Reading of the solve's clock (:mod:`scheduler.clock`) by which to finish.
    seed
        Seed of the ruin-and-recreate moves.
    search
        After the best responses, search by ruin and recreate until ``until``.
    bonus
        Per pair, a price taken off it (:meth:`~scheduler.sequential.SeatPrices.of`):
        the roster returned is then the best at those prices.
    search_until
        An earlier reading at which ruin and recreate stops (the best responses
        may go on to ``until``).
    workers
        Best responses proposed side by side (:meth:`_State.sweep`); on a clock
        counting work (:mod:`scheduler.clock`) one at a time.
    deal
        Once no volunteer can do better alone, deal each day's shifts again
        among who works it (:mod:`scheduler.redeal`), and answer again from
        there, while the deals change something.
    weeks
        Ruin and recreate over spans of this many weeks (:mod:`scheduler.spans`)
        instead of whole schedules.
    answered
        ``chosen`` already gives every volunteer a best response (an earlier
        call returned it before its time): no first pass of best responses.
    kicks
        With ``search``, first kick wishes in (:meth:`_State.kicks`) until a
        whole round of them gains nothing; ruin and recreate gets the rest.

    Returns
    -------
    BoolArray
        The best roster found. Head-count minimums are not guarded beyond what
        ``chosen`` meets: the search only keeps rosters meeting every minimum
        ``chosen`` met, but the best responses do not (the caller checks them).
        Problems whose objective has terms the walks' prices leave out
        (fairness, team rules, changes to a previous roster, seat skills) are
        returned as they are. Measured on Curtois Instance22 (50 volunteers,
        364 days, 108,568 pairs): the sequential start 68,699, after one pass of
        best responses (10.5 s) 51,268, after two 48,349; CP-SAT from the start
        reached 64,475 in 41 s.
    """
    if not priced_by_walks(arr):
        return chosen
    state = _State(arr, chosen, bonus)
    lanes = 1 if current_clock().counting else max(1, workers)
    if answered:
        state.stale[:] = False
    converged = state.sweep(until, lanes)
    # Each day's shifts dealt again among who works it, then best responses
    # from there, while the deals change something (see :mod:`scheduler.redeal`).
    while converged and deal and state.redeal(until):
        converged = state.sweep(until, lanes)
    if not converged:
        return state.chosen
    if search:
        stop = until if search_until is None else min(until, search_until)
        rng = np.random.default_rng(seed)
        if kicks:
            state.kicks(stop, rng, lanes)
        return state.search(stop, rng, weeks)
    return state.chosen


def priced_by_walks(arr: RosterArrays) -> bool:
    """Whether the walks' prices are the objective, up to a constant.

    Not when the objective has terms they leave out (fairness, team rules,
    changes to a previous roster, seat skills), nor when an "on" request could
    be met twice by one volunteer (two shifts it matches on one day, when their
    contract allows two a day): the walks would count its weight twice.
    """
    p = arr.problem
    w = p.params.weights
    if w.fairness > 0 or p.team_rules or (p.previous and w.change > 0):
        return False
    if any(s.seat_skills for s in p.shifts):
        return False
    for r, pairs in zip(p.requests, arr.request_pairs, strict=True):
        if r.want == "on" and p.contract(r.volunteer).max_shifts_per_day >= 2 and len(pairs) > 1:
            return False
    return True


class _State:
    """A roster with its head counts, and each volunteer's walk."""

    def __init__(self, arr: RosterArrays, chosen: BoolArray, bonus: FloatArray | None) -> None:
        self.arr = arr
        self.chosen = chosen.copy()
        self.prices = SeatPrices.of(arr, bonus)
        self.have = np.bincount(arr.edge_shift[chosen], minlength=arr.num_shifts)
        self.vptr = arr.vol_start()
        self.vols = np.flatnonzero(np.diff(self.vptr))
        self.type_of_key = {t: i for i, t in enumerate(arr.types)}
        self.walks: dict[int, DayPricing | None] = {}
        self.dealer: Redealer | None = None  # built at the first deals
        self.minimum = np.asarray([s.minimum for s in arr.problem.shifts], dtype=np.int64)
        # Whose prices changed since their last best response (everyone's, at first).
        self.stale = np.ones(arr.num_volunteers, dtype=bool)
        by_shift = np.argsort(arr.edge_shift, kind="stable")
        self.shift_vols = arr.edge_vol[by_shift]
        self.sptr = np.searchsorted(arr.edge_shift[by_shift], np.arange(arr.num_shifts + 1))

    def walk(self, v: int) -> DayPricing | None:
        """Volunteer ``v``'s walk, built once."""
        if v not in self.walks:
            self.walks[v] = DayPricing.of_volunteer(self.arr, v, self.type_of_key)
        return self.walks[v]

    def respond(self, v: int, *, anyway: bool = False) -> bool:
        """Give volunteer ``v`` their best schedule at what the others leave, if cheaper.

        With ``anyway``, even if not cheaper (``v`` was taken off: their empty
        schedule may break their own rules). Returns whether ``v`` has a new
        schedule.
        """
        self.stale[v] = False
        return self.adopt(v, self.propose(v), anyway=anyway)

    def propose(self, v: int, kick: tuple[IntArray, bool] | None = None) -> IntArray | None:
        """Volunteer ``v``'s best schedule (its pairs) at what the others leave now.

        ``None`` when ``v`` has no walk or no schedule. Reads the roster only:
        proposals for different volunteers may be computed side by side (their
        walks must have been built, :meth:`walk`). With ``kick`` (pairs of
        ``v``, and whether to take them), those pairs are priced so that the
        schedule takes one of them (or leaves them all) whatever it costs.
        """
        walk = self.walk(v)
        if walk is None:
            return None
        current_clock().charge(RESPOND_SECONDS)
        mine = np.arange(self.vptr[v], self.vptr[v + 1])
        sh = self.arr.edge_shift[mine]
        _, _, priced = self.prices.seats(mine, sh, self.have[sh] - self.chosen[mine])
        if kick is not None:
            pairs, on = kick
            force = KICK * (1.0 + float(np.abs(priced).max(initial=0.0)))
            priced[np.searchsorted(mine, pairs)] += -force if on else force
        schedules, _, _ = walk.price(priced, prove=False)
        return schedules[-1] if schedules else None

    def adopt(self, v: int, schedule: IntArray | None, *, anyway: bool = False) -> bool:
        """Give volunteer ``v`` ``schedule`` if it is cheaper than theirs at today's prices.

        Priced at the roster as it is now, which may have changed since the
        schedule was proposed; a schedule on a shift closed since is refused.
        With ``anyway``, taken even if not cheaper. Returns whether ``v`` has a
        new schedule.
        """
        if schedule is None:
            return False
        mine = np.arange(self.vptr[v], self.vptr[v + 1])
        sh = self.arr.edge_shift[mine]
        own = self.chosen[mine]
        _, closed, priced = self.prices.seats(mine, sh, self.have[sh] - own)
        new = np.zeros(len(mine), dtype=bool)
        new[np.searchsorted(mine, schedule)] = True
        if closed[new].any():
            return False
        if not anyway and float(priced[new].sum()) >= float(priced[own].sum()) - 1e-9:
            return False
        before = self.have.copy()
        np.add.at(self.have, sh[own], -1)
        np.add.at(self.have, sh[new], 1)
        self.chosen[mine] = new
        self._touch(before)
        return True

    def propose_span(self, v: int, lo: int, hi: int) -> IntArray | None:
        """Volunteer ``v``'s best schedule with only days ``lo..hi - 1`` changed (its pairs).

        Walked over that span (:func:`scheduler.spans.span_walk`) at what the
        others leave now. ``None`` when ``v`` has no walk there or no schedule.
        """
        arr = self.arr
        mine = np.arange(self.vptr[v], self.vptr[v + 1])
        own = self.chosen[mine]
        walk = span_walk(arr, v, mine, own, lo, hi, self.type_of_key)
        if walk is None:
            return None
        current_clock().charge(RESPOND_SECONDS)
        sh = arr.edge_shift[mine]
        _, _, priced = self.prices.seats(mine, sh, self.have[sh] - own)
        schedules, _, _ = walk.price(priced[np.searchsorted(mine, walk.edges)], prove=False)
        if not schedules:
            return None
        day = arr.shift_day[sh]
        kept = mine[own & ((day < lo) | (day >= hi))]
        new = schedules[-1]
        new_day = arr.shift_day[arr.edge_shift[new]]
        schedule = np.union1d(kept, new[(new_day >= lo) & (new_day < hi)])
        if walk.cap is not None:
            whole = self.walk(v)
            if whole is None or not whole.keeps_left_out_rules(schedule):
                return None
        return schedule

    def redeal(self, until: float) -> bool:
        """Deal every day's shifts again (:mod:`scheduler.redeal`); whether any changed.

        The volunteers moved, and those whose prices the deals moved, are stale.
        """
        if self.dealer is None:
            self.dealer = Redealer(self.arr, self.prices)
        dealt = self.dealer.sweep(self.chosen, until=until)
        moved = np.flatnonzero(dealt != self.chosen)
        if len(moved) == 0:
            return False
        before = self.have
        self.chosen = dealt
        self.have = np.bincount(self.arr.edge_shift[dealt], minlength=self.arr.num_shifts)
        self._touch(before)
        self.stale[self.arr.edge_vol[moved]] = True
        return True

    def sweep(self, until: float, lanes: int) -> bool:
        """Best responses until no volunteer is stale; ``False`` when stopped first.

        With ``lanes`` above one, that many volunteers' schedules are proposed
        side by side (in threads: the walks release the GIL) at the same
        roster, then adopted one after the other, each priced at the roster
        its predecessors left (:meth:`adopt`). A volunteer whose prices a
        predecessor's move changed is stale again and answers once more later.
        The order is fixed: the result does not depend on the threads' timing.
        """
        control = current()
        clock = current_clock()
        pool = ThreadPoolExecutor(max_workers=lanes) if lanes > 1 else None
        try:
            while self.stale[self.vols].any():
                order, i = self.vols.tolist(), 0
                while i < len(order):
                    batch: list[int] = []
                    while i < len(order) and len(batch) < lanes:
                        if self.stale[order[i]]:
                            batch.append(order[i])
                        i += 1
                    if not batch:
                        break
                    if clock.past(until) or control.stop_requested():
                        return False
                    for v in batch:
                        self.stale[v] = False
                    if pool is None:
                        proposals = [self.propose(v) for v in batch]
                    else:
                        for v in batch:
                            self.walk(v)  # built here: the threads only read the walks
                        # Each thread runs in a copy of this context (the solve's clock).
                        futures = [pool.submit(copy_context().run, self.propose, v) for v in batch]
                        proposals = [future.result() for future in futures]
                    for v, schedule in zip(batch, proposals, strict=True):
                        self.adopt(v, schedule)
        finally:
            if pool is not None:
                pool.shutdown()
        return True

    def _touch(self, before: IntArray) -> None:
        """Mark stale the volunteers whose prices the head counts' change from ``before`` moved.

        A volunteer's price for a shift depends on whether the others' head count
        (the count, less one if the volunteer is on it) is below the target or at
        the maximum: only shifts whose count crossed one of those are looked at.
        """
        pr = self.prices
        moved = np.flatnonzero(before != self.have)
        lo = np.minimum(before[moved], self.have[moved]) - 1
        hi = np.maximum(before[moved], self.have[moved])
        target, most = pr.target[moved], pr.most[moved]
        crossed = moved[((lo < target) & (target <= hi)) | ((lo < most) & (most <= hi))]
        for s in crossed.tolist():
            self.stale[self.shift_vols[self.sptr[s] : self.sptr[s + 1]]] = True

    def meets_minimums(self) -> bool:
        """Whether every shift has its head-count minimum (the searches keep it once met)."""
        return bool((self.have >= self.minimum).all())

    def cost(self) -> float:
        """The roster's objective at the walks' prices, less a constant.

        Under- and over-staffing of every shift, and the requests and
        preferences of the pairs taken (an "on" request met counts as its
        weight saved, so the objective is this plus the weights of every "on"
        request).
        """
        pr, have = self.prices, self.have
        short = pr.under * np.maximum(pr.target - have, 0)
        extra = pr.over * np.maximum(have - pr.target, 0)
        return float(short.sum() + extra.sum() + pr.personal[self.chosen].sum())

    def kicks(self, until: float, rng: np.random.Generator, lanes: int = 1) -> BoolArray:
        """Wishes kicked in, the others answering (see the module doc); the best roster.

        Each move takes a run of one volunteer's unmet wishes (their "on" requests
        not met, or "off" requests broken, on consecutive days), gives that
        volunteer their best schedule that meets it whatever it costs, and lets
        every volunteer whose prices moved answer (:meth:`sweep`) until none is
        stale. The move is kept when the roster then costs less, else undone.
        """
        control = current()
        clock = current_clock()
        guard = self.meets_minimums()
        moves = taken = 0
        first = current_cost = self.cost()
        while not clock.past(until) and not control.stop_requested():
            runs = self._unmet_wishes()
            round_taken = taken
            for k in rng.permutation(len(runs)).tolist():
                if clock.past(until) or control.stop_requested():
                    break
                v, pairs, on = runs[k]
                if bool(self.chosen[pairs].any()) == on:
                    continue  # met since, by an earlier move
                schedule = self.propose(v, (pairs, on))
                if schedule is None or bool(np.isin(pairs, schedule).any()) != on:
                    continue
                moves += 1
                kept = (self.chosen.copy(), self.have.copy(), self.stale.copy())
                self.adopt(v, schedule, anyway=True)
                self.stale[v] = False
                if not self.sweep(until, lanes):
                    self.chosen, self.have, self.stale = kept
                    break
                cost = self.cost()
                if cost < current_cost - 1e-9 and (not guard or self.meets_minimums()):
                    current_cost = cost
                    taken += 1
                else:
                    self.chosen, self.have, self.stale = kept
            if taken == round_taken:
                break  # a whole round of wishes without a gain
        logger.debug(
            "wishes kicked in: %d moves, %d taken; %.2f -> %.2f", moves, taken, first, current_cost
        )
        return self.chosen

    def _unmet_wishes(self) -> list[tuple[int, IntArray, bool]]:
        """Runs of unmet wishes: (volunteer, their pairs, whether "on"), by consecutive days."""
        arr = self.arr
        found: dict[tuple[int, bool], list[tuple[int, IntArray]]] = {}
        for r, pairs in zip(arr.problem.requests, arr.request_pairs, strict=True):
            if len(pairs) == 0:
                continue
            on = r.want == "on"
            if bool(self.chosen[pairs].any()) == on:
                continue
            v = int(arr.edge_vol[pairs[0]])
            found.setdefault((v, on), []).append((int(arr.edge_day[pairs].min()), pairs))
        runs: list[tuple[int, IntArray, bool]] = []
        for (v, on), wishes in sorted(found.items()):
            wishes.sort(key=lambda item: item[0])
            group = [wishes[0]]
            for item in wishes[1:]:
                if item[0] > group[-1][0] + 1:
                    runs.append((v, np.unique(np.concatenate([g[1] for g in group])), on))
                    group = []
                group.append(item)
            runs.append((v, np.unique(np.concatenate([g[1] for g in group])), on))
        return runs

    def search(self, until: float, rng: np.random.Generator, weeks: int = 0) -> BoolArray:
        """Ruin and recreate, two volunteers at a time (see the module doc).

        With ``weeks``, each move frees the two volunteers over a span of that
        many weeks around a seat (:meth:`_span`) and re-walks only that span
        (:meth:`propose_span`), taking only moves that cost no more; else it
        frees their whole schedules, annealed.
        """
        arr, pr = self.arr, self.prices
        vols = self.vols
        if not weeks:
            # Whole walks, built here (a span's walk is built for its move; building
            # Instance22's 50 whole walks takes about 3 s).
            walked = np.asarray([self.walk(v) is not None for v in vols.tolist()], dtype=bool)
            vols = vols[walked]
        if len(vols) < RUIN:
            return self.chosen
        # Who could fill each shift: the volunteers with walks among its pairs.
        can = np.zeros(arr.num_volunteers, dtype=bool)
        can[vols] = True
        guard = self.meets_minimums()
        staffed = pr.target > 0
        heat = float(pr.under[staffed].mean()) if staffed.any() and not weeks else 0.0
        current_cost = self.cost()
        best, best_cost, first = self.chosen.copy(), current_cost, current_cost
        clock = current_clock()
        began = clock.now()
        span = max(until - began, 1e-9)
        control = current()
        moves = taken = unplaced = 0
        while True:
            now = clock.now()
            if clock.past(until) or control.stop_requested():
                break
            moves += 1
            clock.charge(MOVE_SECONDS_PER_PAIR * arr.num_edges)
            if weeks:
                ruin, window = self._span(rng, vols, can, weeks)
            else:
                ruin, window = self._pick(rng, vols, can), None
            lo, hi = (0, arr.num_days) if window is None else window
            kept_chosen, kept_have = self.chosen.copy(), self.have.copy()
            for v in ruin.tolist():
                mine = np.arange(self.vptr[v], self.vptr[v + 1])
                day = arr.edge_day[mine]
                off = mine[self.chosen[mine] & (day >= lo) & (day < hi)]
                np.add.at(self.have, arr.edge_shift[off], -1)
                self.chosen[off] = False
            order = rng.permutation(ruin).tolist()
            placed = all(self._answer(v, window, anyway=True) for v in order)
            if placed:
                for v in ruin.tolist():
                    self._answer(v, window)
            cost = self.cost()
            temperature = heat * (1.0 - (now - began) / span)
            worse = cost - current_cost
            if placed and (
                worse <= 0 or (temperature > 0 and rng.random() < np.exp(-worse / temperature))
            ):
                current_cost = cost
                taken += 1
                if cost < best_cost - 1e-9 and (not guard or self.meets_minimums()):
                    best, best_cost = self.chosen.copy(), cost
            else:
                unplaced += not placed
                self.chosen, self.have = kept_chosen, kept_have
        logger.debug(
            "ruin and recreate (%s): %d moves, %d taken, %d not placed; %.2f -> %.2f",
            f"spans of {weeks} weeks" if weeks else "whole schedules",
            moves,
            taken,
            unplaced,
            first,
            best_cost,
        )
        return best

    def _answer(self, v: int, window: tuple[int, int] | None, *, anyway: bool = False) -> bool:
        """Volunteer ``v``'s best response, over ``window``'s days only when given."""
        if window is None:
            return self.respond(v, anyway=anyway)
        return self.adopt(v, self.propose_span(v, *window), anyway=anyway)

    def _span(
        self, rng: np.random.Generator, vols: IntArray, can: BoolArray, weeks: int
    ) -> tuple[IntArray, tuple[int, int]]:
        """Two volunteers and a span of ``weeks`` weeks: mostly around a seat still empty.

        The span holds the seat's day, at a random place; the volunteers are two
        who could fill the seat (any two when fewer can).
        """
        arr, pr = self.arr, self.prices
        n = arr.num_days
        empty = np.flatnonzero(self.have < pr.target)
        if len(empty) and rng.random() < RELATED:
            s = int(rng.choice(empty))
        else:
            s = int(rng.integers(arr.num_shifts))
        d = int(arr.shift_day[s])
        lo = week_start(arr, max(0, d - 7 * int(rng.integers(weeks))))
        hi = lo + 7 * weeks
        hi = n if hi >= n else week_start(arr, hi)
        if hi <= d:
            hi = n if d + 7 >= n else week_start(arr, d + 7)
        who = self.shift_vols[self.sptr[s] : self.sptr[s + 1]]
        who = who[can[who]]
        if len(who) < RUIN:
            who = vols
        return rng.choice(who, size=RUIN, replace=False), (lo, hi)

    def _pick(self, rng: np.random.Generator, vols: IntArray, can: BoolArray) -> IntArray:
        """The volunteers a move takes off: mostly two who could fill one empty seat."""
        pr = self.prices
        empty = np.flatnonzero(self.have < pr.target)
        if len(empty) and rng.random() < RELATED:
            s = int(rng.choice(empty))
            who = self.shift_vols[self.sptr[s] : self.sptr[s + 1]]
            who = who[can[who]]
            if len(who) >= RUIN:
                return rng.choice(who, size=RUIN, replace=False)
        return rng.choice(vols, size=RUIN, replace=False)
