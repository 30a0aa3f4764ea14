"""One day's shifts dealt again among the volunteers working that day.

Best responses (:mod:`scheduler.improve`) move one volunteer at a time, and a
volunteer can only swap the shift they work for the one they asked for when the
shift they leave is over-staffed: the swap that also moves a second volunteer
into the seat left empty is out of their reach. On Curtois Instance20 the
over-staffing is fixed by the contracts' minimum minutes (the volunteers must
work more shifts than there are seats) and what is left to win is mostly in the
shift requests.

:func:`redeal` takes one day at a time and keeps who works that day, and how
long, as they are; it re-deals the day's shifts among those volunteers, exactly,
as an assignment problem (``scipy.optimize.linear_sum_assignment``): rows are the
volunteers, columns the seats of the day's shifts, a seat priced by what one more
volunteer on the shift changes (the under-staffing weight saved below the
target, the over-staffing weight above it, a large reward below a hard minimum),
plus the volunteer's own price for the pair (requests, preferences, travel).
A volunteer may take any pair of theirs that day of the same minutes that their
shifts the day before and the day after may border (rest, forbidden successions)
and that keeps their per-type and per-post maximums. Every run, day off, weekend
and total is unchanged, so every rule still holds; the day's part of the
objective is the least possible.
"""

from __future__ import annotations

import logging

import numpy as np
from scipy.optimize import linear_sum_assignment

from scheduler.arrays import RosterArrays
from scheduler.clock import current_clock
from scheduler.sequential import SeatPrices
from volunteers.bits import BoolArray
from volunteers.control import current
from volunteers.geo import FloatArray, IntArray

logger = logging.getLogger(__name__)

MINIMUM_REWARD = 1e6
"""Price taken off a seat below its shift's hard minimum (the deal keeps every
minimum the roster met: the volunteers now on those seats can stay)."""

FORBIDDEN = 1e12
"""Price of a seat a volunteer may not take."""

DAY_SECONDS_PER_PAIR = 6e-6
"""Work seconds (:mod:`scheduler.clock`) counted per pair of a day's deal (measured on
Curtois Instances 20 and 22: 5-7 us, about 1 and 2 ms a day)."""


class Redealer:
    """What the deals of a roster's days need, built once per problem."""

    def __init__(self, arr: RosterArrays, prices: SeatPrices | None = None) -> None:
        self.arr = arr
        p = arr.problem
        self.prices = SeatPrices.of(arr) if prices is None else prices
        self.minimum = np.asarray([s.minimum for s in p.shifts], dtype=np.int64)
        self.vptr = arr.vol_start()
        day = arr.edge_day
        # Pairs by day, then volunteer.
        self.by_day = np.lexsort((arr.edge_vol, day))
        self.dptr = np.searchsorted(day[self.by_day], np.arange(arr.num_days + 1))
        vols = p.organization.volunteers
        self.rest = np.zeros(arr.num_volunteers, dtype=np.int64)
        self.forbidden: list[BoolArray] = []
        # Per volunteer: their per-type and per-post maximums (pairs, maximum).
        self.groups: list[list[tuple[BoolArray, int]]] = []
        sh = arr.edge_shift
        for v, vol in enumerate(vols):
            c = p.contract(vol.id)
            self.rest[v] = c.min_rest_minutes
            self.forbidden.append(arr.forbidden_after(c))
            mine = sh[self.vptr[v] : self.vptr[v + 1]]
            groups: list[tuple[BoolArray, int]] = []
            for key, most in c.max_shifts.items():
                hit = arr.counted_by(key, mine)
                if hit.any():
                    groups.append((hit, most))
            self.groups.append(groups)

    def deal(self, chosen: BoolArray, d: int) -> bool:
        """Deal day ``d``'s shifts again among who works it, in ``chosen`` (changed in place).

        Returns whether the deal changed the roster (only when it costs less).
        """
        arr, pr = self.arr, self.prices
        today = self.by_day[self.dptr[d] : self.dptr[d + 1]]
        if len(today) == 0:
            return False
        current_clock().charge(DAY_SECONDS_PER_PAIR * len(today))
        ev, es = arr.edge_vol, arr.edge_shift
        worked = today[chosen[today]]
        if len(worked) < 2:
            return False
        count = np.bincount(ev[worked], minlength=arr.num_volunteers)
        # Who is dealt: one pair that day, not pinned.
        movable = worked[(count[ev[worked]] == 1) & ~pr.pinned[worked]]
        if len(movable) < 2:
            return False
        vols = ev[movable]
        fixed = worked[~np.isin(worked, movable)]
        shifts = np.unique(es[today])
        have = np.bincount(es[fixed], minlength=arr.num_shifts)[shifts]
        # Candidates: each dealt volunteer's pairs of the day.
        cand = today[np.isin(ev[today], vols)]
        rows = np.searchsorted(vols, ev[cand])
        ok = arr.shift_minutes[es[cand]] == arr.shift_minutes[es[movable[rows]]]
        ok &= self._borders(chosen, cand, vols, rows, d)
        ok &= self._within_maximums(chosen, cand, movable, rows)
        cand, rows = cand[ok], rows[ok]
        # Seats: per shift, one column per head count it may reach.
        room = np.minimum(pr.most[shifts] - have, len(vols))
        room = np.maximum(room, 0)
        first = np.concatenate([[0], np.cumsum(room)])
        col_shift = np.repeat(np.arange(len(shifts)), room)
        heads = have[col_shift] + np.arange(int(first[-1])) - first[col_shift] + 1
        s_col = shifts[col_shift]
        seat = np.where(heads <= pr.target[s_col], -pr.under[s_col], pr.over[s_col])
        seat = seat - np.where(heads <= self.minimum[s_col], MINIMUM_REWARD, 0.0)
        cost = np.full((len(vols), len(seat)), FORBIDDEN)
        pos = np.searchsorted(shifts, es[cand])
        # Each candidate pair across its shift's seats.
        lens = room[pos]
        starts = np.cumsum(lens) - lens
        cols = np.repeat(first[pos], lens) + np.arange(int(lens.sum())) - np.repeat(starts, lens)
        cost[np.repeat(rows, lens), cols] = np.repeat(pr.personal[cand], lens) + seat[cols]
        r, c = linear_sum_assignment(cost)
        now = self._priced(movable, vols, shifts, have, seat, first)
        new_shift = shifts[col_shift[c]]
        best = float(cost[r, c].sum())
        if best >= now - 1e-9 or best >= FORBIDDEN:
            return False
        # Each volunteer's pair on the shift of the seat dealt to them.
        key = rows * arr.num_shifts + es[cand]
        order = np.argsort(key, kind="stable")
        picked = cand[order[np.searchsorted(key[order], r * arr.num_shifts + new_shift)]]
        chosen[movable] = False
        chosen[picked] = True
        return True

    def sweep(self, chosen: BoolArray, *, until: float) -> BoolArray:
        """``chosen`` with every day dealt until no deal changes it (see :func:`redeal`)."""
        out = chosen.copy()
        clock = current_clock()
        control = current()
        stale = np.ones(self.arr.num_days, dtype=bool)
        deals = changed = 0
        while stale.any():
            for d in np.flatnonzero(stale).tolist():
                if clock.past(until) or control.stop_requested():
                    logger.debug("redeal: %d deals, %d changed (stopped)", deals, changed)
                    return out
                stale[d] = False
                deals += 1
                if self.deal(out, d):
                    changed += 1
                    # The days around see new neighbours.
                    stale[max(0, d - 1) : d + 2] = True
                    stale[d] = False
        logger.debug("redeal: %d deals, %d changed", deals, changed)
        return out

    def _priced(
        self,
        movable: IntArray,
        vols: IntArray,
        shifts: IntArray,
        have: IntArray,
        seat: FloatArray,
        first: IntArray,
    ) -> float:
        """The deal's price of the roster as it is (its seats taken in order, as the deal would)."""
        pos = np.searchsorted(shifts, self.arr.edge_shift[movable])
        on = np.bincount(pos, minlength=len(shifts))
        total = float(self.prices.personal[movable].sum())
        for j in np.flatnonzero(on).tolist():
            total += float(seat[first[j] : first[j] + on[j]].sum())
        return total

    def _borders(
        self, chosen: BoolArray, cand: IntArray, vols: IntArray, rows: IntArray, d: int
    ) -> BoolArray:
        """Whether each candidate pair keeps its volunteer's rest and successions.

        Their shifts of the two days before and after: none may overlap the
        candidate or come within their rest of it, and the day before's and the
        day after's types must allow it (forbidden successions).
        """
        arr = self.arr
        es = arr.edge_shift
        ok = np.ones(len(cand), dtype=bool)
        lo, hi = max(0, d - 2), min(arr.num_days, d + 3)
        near = self.by_day[self.dptr[lo] : self.dptr[hi]]
        near = near[chosen[near] & (arr.edge_day[near] != d) & np.isin(arr.edge_vol[near], vols)]
        for q in near.tolist():
            v = int(arr.edge_vol[q])
            mine = np.flatnonzero(vols[rows] == v)
            e = es[cand[mine]]
            rest = self.rest[v]
            sq = es[q]
            fine = (arr.shift_start[e] >= arr.shift_end[sq] + rest) | (
                arr.shift_start[sq] >= arr.shift_end[e] + rest
            )
            other = int(arr.edge_day[q])
            if other == d - 1:
                fine &= ~self.forbidden[v][arr.shift_type[sq], arr.shift_type[e]]
            elif other == d + 1:
                fine &= ~self.forbidden[v][arr.shift_type[e], arr.shift_type[sq]]
            ok[mine] &= fine
        return ok

    def _within_maximums(
        self, chosen: BoolArray, cand: IntArray, movable: IntArray, rows: IntArray
    ) -> BoolArray:
        """Whether each candidate pair keeps its volunteer's per-type and per-post maximums."""
        arr = self.arr
        ok = np.ones(len(cand), dtype=bool)
        for row, e in enumerate(movable.tolist()):
            v = int(arr.edge_vol[e])
            groups = self.groups[v]
            if not groups:
                continue
            lo = self.vptr[v]
            own = chosen[lo : self.vptr[v + 1]].copy()
            own[e - lo] = False
            mine = np.flatnonzero(rows == row)
            local = cand[mine] - lo
            for hit, most in groups:
                if int((hit & own).sum()) + 1 > most:
                    ok[mine] &= ~hit[local]
        return ok


def redeal(
    arr: RosterArrays, chosen: BoolArray, *, until: float, prices: SeatPrices | None = None
) -> BoolArray:
    """``chosen`` with every day dealt again until no deal changes it (see the module doc).

    Parameters
    ----------
    arr
        The problem's arrays (its objective priced by the walks'
        prices: see :func:`scheduler.improve.improve_roster`).
    chosen
        A Boolean per eligible pair: a roster keeping every hard rule.
    until
        Reading of the solve's clock (:mod:`scheduler.clock`) by which to stop.
    prices
        The prices to deal at (by default the problem's, :meth:`SeatPrices.of`).

    Returns
    -------
    BoolArray
        The roster, no dearer than ``chosen``.
    """
    return Redealer(arr, prices).sweep(chosen, until=until)
