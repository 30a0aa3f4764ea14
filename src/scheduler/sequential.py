"""A roster built volunteer by volunteer, each one's own rules solved exactly.

The greedy construction (:mod:`scheduler.construct`) places one assignment at a
time and so cannot keep minimum totals or minimum runs of working days or days
off. When such rules are in play, the warm start comes from here instead: the
volunteers, those with the fewest eligible pairs first, each get the best
schedule over the horizon under their own contract alone, scored by what the
others left: a walk over the days (:mod:`scheduler.day_pricing`) when their rules
fit one, else a small CP-SAT model of their pairs (:mod:`scheduler.volunteer_rules`).
Measured on Curtois Instance20 (50 volunteers, 182 days): 2.9 s with walks against
15 s with CP-SAT, for starts of the same quality; at a 20 s limit the run now has a
roster (22,509) where it had none. The walks score:

- a seat still needed earns its shift's under-staffing weight,
- a seat above the target costs the over-staffing weight,
- requests and per-assignment preferences as in the whole model.

Their seats are then taken. Pins are placed first; a shift at its head-count
maximum is closed. Head-count minimums are not guaranteed (the caller checks
them). Each volunteer's solve gets an equal share of the time left before the
construction's target; one that finds nothing in it is tried once more at the
end, with what the others left. Past the target the construction goes on, up to
a later hard stop, as long as its volunteers keep finding schedules (walks
take no time limit; a CP-SAT solve then gets :data:`MIN_SECONDS_PER_VOLUNTEER`):
a roster that keeps the minimum rules is often the only one a large problem
gets (Curtois Instance22 at 60 s: 10-13 s against a target of 15 s, and a run
stopped at the target had no roster at all). A volunteer whose rules cannot be
kept, the hard stop, or a stop requested (:mod:`volunteers.control`) ends the
construction without a roster.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import NamedTuple

import numpy as np
from ortools.sat.python import cp_model

from scheduler.arrays import SCALE, RosterArrays, edge_preferences
from scheduler.clock import current_clock
from scheduler.construct import wishes
from scheduler.day_pricing import DayPricing
from scheduler.volunteer_rules import add_volunteer_rules
from volunteers.bits import BoolArray
from volunteers.control import current
from volunteers.geo import FloatArray, IntArray

logger = logging.getLogger(__name__)

MIN_SECONDS_PER_VOLUNTEER = 0.02
"""Shortest solve given to one volunteer."""

CLOSED_COST = 1e6
"""A shift at its head-count maximum costs this many times the largest other cost in a
volunteer's walk (a schedule that still takes it goes to CP-SAT instead)."""


def sequential_roster(
    arr: RosterArrays,
    *,
    until: float,
    stop: float | None = None,
    seed: int = 0,
    workers: int = 1,
    bonus: FloatArray | None = None,
) -> BoolArray | None:
    """A roster keeping every volunteer's own rules, or ``None`` (see the module doc).

    Parameters
    ----------
    arr
        The problem's arrays.
    until
        Reading of the solve's clock (:mod:`scheduler.clock`) by which to aim to
        finish: the volunteers' CP-SAT solves share the time left before it.
    stop
        Reading by which to finish or give up (``until`` when ``None``).
    seed
        CP-SAT's random seed.
    workers
        CP-SAT workers for a volunteer retried after finding nothing (the
        first try uses one).
    bonus
        Per pair, a price taken off it (see :meth:`SeatPrices.of`).

    Returns
    -------
    BoolArray | None
        A Boolean per eligible pair; ``None`` when some volunteer's rules could
        not be kept or ``stop`` was reached.
    """
    p = arr.problem
    es = arr.edge_shift
    chosen = np.zeros(arr.num_edges, dtype=bool)
    vols = p.organization.volunteers
    prices = SeatPrices.of(arr, bonus)
    pinned, most, personal = prices.pinned, prices.most, prices.personal
    have = np.bincount(es[pinned], minlength=arr.num_shifts)
    type_of_key = {t: i for i, t in enumerate(arr.types)}
    vptr = arr.vol_start()
    sizes = np.diff(vptr)
    order = np.flatnonzero(sizes)
    order = order[np.argsort(sizes[order], kind="stable")]
    queue = deque(order.tolist())
    control = current()
    clock = current_clock()
    retried: set[int] = set()
    hard = until if stop is None else max(until, stop)
    while queue:
        v = queue.popleft()
        left = clock.left(until)
        if clock.left(hard) <= 0 or control.stop_requested():
            logger.debug("sequential construction: stopped, %d volunteers left", len(queue))
            return None
        mine = np.arange(vptr[v], vptr[v + 1])
        sh = es[mine]
        vol = vols[v]
        cap = None if vol.weekly_hour_cap is None else 60.0 * vol.weekly_hour_cap
        seat, closed, priced = prices.seats(mine, sh, have[sh])  # pins are in ``have``
        walk = DayPricing.build(arr, mine, p.contract(vol.id), cap, mine[pinned[mine]], type_of_key)
        if walk is not None:
            # The walk over the days (:mod:`scheduler.day_pricing`): exact, and far
            # faster than CP-SAT on long horizons; a closed shift is priced out.
            schedules, _, _ = walk.price(priced, prove=False)
            if schedules and not np.isin(schedules[-1], mine[closed]).any():
                taken = schedules[-1]
                chosen[taken] = True
                fresh = taken[~pinned[taken]]
                np.add.at(have, es[fresh], 1)
                continue
        model = cp_model.CpModel()
        x = {e: model.new_bool_var("") for e in mine.tolist()}
        add_volunteer_rules(model, arr, mine, x, p.contract(vol.id), cap, type_of_key)
        for e, s in zip(mine.tolist(), sh.tolist(), strict=True):
            if pinned[e]:
                model.add(x[e] == 1)
            elif have[s] >= most[s]:
                model.add(x[e] == 0)
        cost = np.rint((seat + personal[mine]) * SCALE).astype(np.int64)
        model.minimize(cp_model.LinearExpr.weighted_sum(list(x.values()), cost.tolist()))
        solver = cp_model.CpSolver()
        share = max(MIN_SECONDS_PER_VOLUNTEER, left / (len(queue) + 1))
        share = min(share, max(clock.left(hard), 0.0))
        clock.limit_cpsat(solver.parameters, share, workers if v in retried else 1)
        solver.parameters.random_seed = seed
        # Measured on Curtois Instance20 (182 days, 115-117 shifts each, 0.3 s
        # per volunteer): one worker at the full linearization gives the best
        # start (objective about 18,000; two workers: 27,500, mostly seats left
        # empty, as they stop at a first schedule), but a few volunteers find
        # nothing in their share. Those are retried with the caller's workers,
        # which find a first schedule far sooner (with two, all 50 did).
        solver.parameters.linearization_level = 2
        status = solver.solve(model)
        clock.charge_cpsat(solver, model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            logger.debug(
                "sequential construction: volunteer %s: %s", vol.id, solver.status_name(status)
            )
            if status != cp_model.UNKNOWN or v in retried:
                return None
            retried.add(v)  # once more at the end, with the time the others leave
            queue.append(v)
            continue
        taken = mine[[solver.boolean_value(x[e]) for e in mine.tolist()]]
        chosen[taken] = True
        fresh = taken[~pinned[taken]]
        np.add.at(have, es[fresh], 1)
    return chosen


class SeatPrices(NamedTuple):
    """What the walks are priced from.

    Pinned pairs; per shift its target, maximum, under- and over-staffing
    weights; per pair its requests and preferences.
    """

    pinned: BoolArray
    target: IntArray
    most: IntArray
    under: FloatArray
    over: FloatArray
    personal: FloatArray

    @classmethod
    def of(cls, arr: RosterArrays, bonus: FloatArray | None = None) -> SeatPrices:
        """The problem's prices.

        ``bonus``, per pair, is taken off its personal price (the pairs of a plan
        the walks should follow, :mod:`scheduler.weekends`).
        """
        p = arr.problem
        vindex = p.organization.volunteer_index
        pinned = np.zeros(arr.num_edges, dtype=bool)
        for pin in p.pins:
            e = arr.edge_of(vindex[pin.volunteer], p.shift_index[pin.shift])
            if e is not None:
                pinned[e] = True
        most = [s.maximum if s.maximum is not None else np.iinfo(np.int64).max for s in p.shifts]
        return cls(
            pinned=pinned,
            target=np.asarray([s.target for s in p.shifts], dtype=np.int64),
            most=np.asarray(most, dtype=np.int64),
            under=np.asarray([s.under_weight for s in p.shifts], dtype=np.float64),
            over=np.asarray([s.over_weight for s in p.shifts], dtype=np.float64),
            personal=wishes(arr) + edge_preferences(arr)[0] - (0.0 if bonus is None else bonus),
        )

    def seats(
        self, mine: IntArray, sh: IntArray, have: IntArray
    ) -> tuple[FloatArray, BoolArray, FloatArray]:
        """A volunteer's prices with ``have[s]`` others on each of their shifts ``sh``.

        Per pair of ``mine``: the seat's price (a seat still needed earns its
        under-staffing weight, one above the target costs the over-staffing
        weight, a pinned one costs nothing: it is in every schedule); whether the
        shift is closed (the others fill it to its maximum); and the walk's price
        (seat, requests and preferences; a closed shift priced out).
        """
        seat = np.where(have < self.target[sh], -self.under[sh], self.over[sh])
        seat[self.pinned[mine]] = 0.0
        closed = (have >= self.most[sh]) & ~self.pinned[mine]
        priced = seat + self.personal[mine]
        priced[closed] = CLOSED_COST * (1.0 + float(np.abs(priced).max(initial=0.0)))
        return seat, closed, priced
