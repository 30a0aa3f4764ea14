"""Weekends first: who works which weekend, planned for the whole roster at once.

When contracts limit the weekends a volunteer works (``max_weekends``: a weekend
counts as soon as its Saturday or its Sunday is worked), weekend seats are the
scarce ones, and a volunteer who works one day of a weekend spends a whole
weekend of their allowance on it. The searches of :mod:`scheduler.improve`
change one or two volunteers at a time and do not re-pack weekends among
volunteers: on Curtois Instance20 (50 volunteers, 182 days), every one of the
52 seats a 60 s roster left empty was on a weekend, and its volunteers worked 66
weekends on one day only, where the weekends they may work give 1,260
volunteer-days against 1,239 weekend seats.

:func:`weekend_plan` solves the problem restricted to the weekend days, with
the rules that hold there on their own, exactly, as a MIP (HiGHS):

- at most ``max_shifts_per_day`` shifts a day;
- no forbidden succession and the rest between Saturday's and Sunday's shifts;
- at most ``max_weekends`` weekends (a weekend is worked when one of its days is);
- the total-minute maximum and the per-type and per-post maximums, counted on
  the weekend days alone;
- pinned pairs;
- each weekend shift's head counts: its minimum and maximum, and its under- and
  over-staffing weights, with the pairs' requests and preferences.

Every roster restricted to its weekends is a solution, so the optimum bounds the
weekend part of the objective from below (Instance20: 3,077, proven in 0.9 s;
Instance22: 23,098, proven in 5-20 s depending on the order of the rows; in the
6 s of a 60 s run HiGHS stops at 26,401). The plan's pairs then earn a bonus in
the walks' prices while the roster built volunteer by volunteer is first improved
(:mod:`scheduler.solve`), and the search goes on at the true prices from there.
Measured on a work budget of 60 (seed 1): Instance20 7,143 -> 6,375, Instance22
48,039 -> 40,478.

Not every plan can be followed: its weekends may leave a volunteer too few
weekdays to reach their minimum minutes under their runs of days and days off,
which the weekend days alone do not see (Instance20: 88 of the plan's 1,212
pairs, a walk keeping as many of a volunteer's as it can). The walks then leave
those out.
"""

from __future__ import annotations

import logging

import numpy as np
import scipy.sparse as sp

from scheduler.arrays import RosterArrays
from scheduler.mip import LinearForm, solve_mip
from scheduler.model import Contract
from scheduler.sequential import SeatPrices
from volunteers.bits import BoolArray
from volunteers.geo import FloatArray, IntArray

logger = logging.getLogger(__name__)

SATURDAY = 5
"""Weekday number of a weekend's first day (Monday is 0)."""

KEEP_GAP = 0.5
"""A plan HiGHS did not prove optimal is kept when its value is within this share of
the gap between its bound and the value of planning nothing, from the bound."""


def limits_weekends(arr: RosterArrays) -> bool:
    """Whether some volunteer may work fewer weekends than their pairs reach."""
    p = arr.problem
    day = arr.edge_day
    weekend = (arr.weekday0 + day) % 7 >= SATURDAY
    if not weekend.any():
        return False
    vols = p.organization.volunteers
    week = (arr.weekday0 + day[weekend]) // 7
    ev = arr.edge_vol[weekend]
    keys = np.unique(ev * (int(week.max()) + 1) + week)
    reach = np.bincount(keys // (int(week.max()) + 1), minlength=arr.num_volunteers)
    for v in np.flatnonzero(reach).tolist():
        most = p.contract(vols[v].id).max_weekends
        if most is not None and most < reach[v]:
            return True
    return False


def weekend_plan(arr: RosterArrays, seconds: float) -> BoolArray | None:
    """The weekend pairs of the best roster of the weekend days alone (see the module doc).

    Parameters
    ----------
    arr
        The problem's arrays.
    seconds
        Time for HiGHS (on a clock counting work, :mod:`scheduler.clock`, its
        nodes are limited instead).

    Returns
    -------
    BoolArray | None
        A Boolean per eligible pair, true for the plan's pairs (only weekend
        pairs); ``None`` when the weekend days hold no pair, or HiGHS found no
        plan in its time (or proved the weekend days alone infeasible), or
        none near enough its bound (:data:`KEEP_GAP`).
    """
    p = arr.problem
    prices = SeatPrices.of(arr)
    day_of_edge = arr.edge_day
    edges = np.flatnonzero((arr.weekday0 + day_of_edge) % 7 >= SATURDAY)
    if len(edges) == 0:
        return None
    ev = arr.edge_vol[edges]
    es = arr.edge_shift[edges]
    day = day_of_edge[edges]
    week = (arr.weekday0 + day) // 7
    saturday = (arr.weekday0 + day) % 7 == SATURDAY
    vols = p.organization.volunteers
    involved = np.unique(ev)
    contracts = {int(v): p.contract(vols[int(v)].id) for v in involved.tolist()}
    per_day = np.ones(arr.num_volunteers, dtype=np.int64)
    for v, c in contracts.items():
        per_day[v] = c.max_shifts_per_day
    n_x = len(edges)
    # One y per volunteer and weekend they have pairs on: the weekend is worked.
    span = int(week.max()) + 1
    vw, y_of = np.unique(ev * span + week, return_inverse=True)
    y_of = y_of.reshape(-1)
    n_y = len(vw)
    # One u (seats short) and o (seats over) per weekend shift with pairs.
    shifts, s_of = np.unique(es, return_inverse=True)
    s_of = s_of.reshape(-1)
    n_s = len(shifts)
    u0, o0 = n_x + n_y, n_x + n_y + n_s
    n = n_x + n_y + 2 * n_s
    rows = _RowBlocks()
    # At most ``max_shifts_per_day`` a day, and none on a weekend not worked.
    vd, first, d_of = np.unique(ev * arr.num_days + day, return_index=True, return_inverse=True)
    d_of = d_of.reshape(-1)
    rows.add(
        np.concatenate((d_of, np.arange(len(vd)))),
        np.concatenate((np.arange(n_x), n_x + y_of[first])),
        np.concatenate((np.ones(n_x), -per_day[ev[first]].astype(float))),
        np.full(len(vd), -np.inf),
        np.zeros(len(vd)),
    )
    # Weekends worked.
    y_vol = vw // span
    for v, c in contracts.items():
        if c.max_weekends is None:
            continue
        mine = np.flatnonzero(y_vol == v)
        if c.max_weekends < len(mine):
            rows.add(
                np.zeros(len(mine), dtype=np.int64),
                n_x + mine,
                np.ones(len(mine)),
                np.asarray([-np.inf]),
                np.asarray([float(c.max_weekends)]),
            )
    _successions(arr, rows, edges, ev, saturday, y_of, per_day, contracts)
    _maximums(arr, rows, edges, ev, contracts)
    # Head counts.
    target = prices.target[shifts].astype(float)
    minimum = np.asarray([p.shifts[s].minimum for s in shifts.tolist()], dtype=float)
    most = prices.most[shifts].astype(float)
    rows.add(
        np.concatenate((s_of, np.arange(n_s), np.arange(n_s))),
        np.concatenate((np.arange(n_x), u0 + np.arange(n_s), o0 + np.arange(n_s))),
        np.concatenate((np.ones(n_x), np.ones(n_s), -np.ones(n_s))),
        target,
        target,
    )
    cost = np.zeros(n)
    cost[:n_x] = prices.personal[edges]
    cost[u0 : u0 + n_s] = prices.under[shifts]
    cost[o0:] = prices.over[shifts]
    lower = np.zeros(n)
    lower[:n_x] = prices.pinned[edges]
    upper = np.ones(n)
    upper[u0 : u0 + n_s] = np.maximum(target - minimum, 0.0)
    upper[o0:] = np.where(most >= target, most - target, 0.0)
    upper[o0:][most >= np.iinfo(np.int64).max] = np.inf
    matrix, lo, hi = rows.build(n)
    form = LinearForm(
        cost=cost,
        offset=0.0,
        matrix=matrix,
        lower=lo,
        upper=hi,
        var_lower=lower,
        var_upper=upper,
        squares=np.zeros(0, dtype=np.int64),
        tangent_rows=np.zeros(len(lo), dtype=bool),
    )
    slack = np.zeros(n, dtype=bool)
    slack[u0:] = True
    answer = solve_mip(form, seconds, continuous=slack)
    if answer.values is None:
        logger.debug("weekend plan: none in %.2f s", answer.seconds)
        return None
    # A plan cut short by the time limit may be hardly better than none (Curtois
    # Instance22 at a 20 s limit: HiGHS' first solution in its 2 s puts no one on
    # a weekend): it is only kept when it closes most of the gap between planning
    # nothing and HiGHS' bound.
    nothing = float(prices.under[shifts] @ target)
    assert answer.objective is not None  # a solution comes with its value
    if (
        not answer.optimal
        and answer.bound is not None
        and answer.objective > answer.bound + KEEP_GAP * max(nothing - answer.bound, 0.0)
    ):
        logger.debug(
            "weekend plan: %.2f, too far from its bound %.2f (nothing planned: %.2f)",
            answer.objective,
            answer.bound,
            nothing,
        )
        return None
    plan = np.zeros(arr.num_edges, dtype=bool)
    plan[edges[answer.values[:n_x] > 0.5]] = True
    logger.debug(
        "weekend plan: %d pairs, %.2f (bound %s) in %.2f s",
        int(plan.sum()),
        answer.objective,
        answer.bound,
        answer.seconds,
    )
    return plan


class _RowBlocks:
    """Sparse rows collected in blocks: (row within block, column, value) and row bounds."""

    def __init__(self) -> None:
        self.r: list[IntArray] = []
        self.c: list[IntArray] = []
        self.v: list[FloatArray] = []
        self.lo: list[FloatArray] = []
        self.hi: list[FloatArray] = []
        self.count = 0

    def add(self, r: IntArray, c: IntArray, v: FloatArray, lo: FloatArray, hi: FloatArray) -> None:
        """A block of ``len(lo)`` rows; ``r`` numbers them from 0."""
        self.r.append(np.asarray(r, dtype=np.int64) + self.count)
        self.c.append(np.asarray(c, dtype=np.int64))
        self.v.append(np.asarray(v, dtype=float))
        self.lo.append(np.asarray(lo, dtype=float))
        self.hi.append(np.asarray(hi, dtype=float))
        self.count += len(lo)

    def build(self, n: int) -> tuple[sp.csr_matrix, FloatArray, FloatArray]:
        """The rows over ``n`` columns, and their bounds."""
        matrix = sp.csr_matrix(
            (np.concatenate(self.v), (np.concatenate(self.r), np.concatenate(self.c))),
            shape=(self.count, n),
        )
        return matrix, np.concatenate(self.lo), np.concatenate(self.hi)


def _successions(
    arr: RosterArrays,
    rows: _RowBlocks,
    edges: IntArray,
    ev: IntArray,
    saturday: BoolArray,
    y_of: IntArray,
    per_day: IntArray,
    contracts: dict[int, Contract],
) -> None:
    """Rows keeping Sunday's shifts from following Saturday's too closely.

    Too closely: within the rest, or by a forbidden succession (each Saturday
    pair with every Sunday pair it excludes).

    With one shift a day a Saturday pair and the Sunday pairs it excludes take one
    row (those Sunday pairs exclude each other); otherwise one row per two pairs.
    """
    sat = np.flatnonzero(saturday)
    sun = np.flatnonzero(~saturday)
    if not len(sat) or not len(sun):
        return
    # Sunday pairs by weekend worked (y), in order: each Saturday pair meets the
    # range of its own weekend's.
    sun = sun[np.argsort(y_of[sun], kind="stable")]
    lo = np.searchsorted(y_of[sun], y_of[sat], side="left")
    hi = np.searchsorted(y_of[sun], y_of[sat], side="right")
    count = hi - lo
    i = np.repeat(sat, count)
    j = sun[np.repeat(lo - np.cumsum(count) + count, count) + np.arange(int(count.sum()))]
    if not len(i):
        return
    es = arr.edge_shift[edges]
    si, sj = es[i], es[j]
    v = ev[i]
    # Per volunteer, the rest and the row of their contract's succession table.
    rest = np.zeros(arr.num_volunteers, dtype=np.int64)
    row = np.zeros(arr.num_volunteers, dtype=np.int64)
    tables: dict[str, int] = {}
    forbidden: list[BoolArray] = []
    for vol, c in contracts.items():
        rest[vol] = c.min_rest_minutes
        if c.id not in tables:
            tables[c.id] = len(forbidden)
            forbidden.append(arr.forbidden_after(c))
        row[vol] = tables[c.id]
    gap = arr.shift_start[sj] - arr.shift_end[si]
    bad = (gap < rest[v]) | np.stack(forbidden)[row[v], arr.shift_type[si], arr.shift_type[sj]]
    i, j, v = i[bad], j[bad], v[bad]
    if not len(i):
        return
    single = per_day[v] == 1
    # One shift a day: one row per Saturday pair.
    si_, sj_ = i[single], j[single]
    if len(si_):
        heads, row_of = np.unique(si_, return_inverse=True)
        row_of = row_of.reshape(-1)
        rows.add(
            np.concatenate((np.arange(len(heads)), row_of)),
            np.concatenate((heads, sj_)),
            np.ones(len(heads) + len(sj_)),
            np.full(len(heads), -np.inf),
            np.ones(len(heads)),
        )
    pi, pj = i[~single], j[~single]
    if len(pi):
        k = np.arange(len(pi))
        rows.add(
            np.concatenate((k, k)),
            np.concatenate((pi, pj)),
            np.ones(2 * len(pi)),
            np.full(len(pi), -np.inf),
            np.ones(len(pi)),
        )


def _maximums(
    arr: RosterArrays,
    rows: _RowBlocks,
    edges: IntArray,
    ev: IntArray,
    contracts: dict[int, Contract],
) -> None:
    """Rows for each volunteer's total-minute, per-type and per-post maximums.

    Counted on the weekend pairs, and only those the weekend pairs could break.
    """
    p = arr.problem
    es = arr.edge_shift[edges]
    minutes = arr.shift_minutes[es].astype(float)
    day = arr.shift_day[es]
    type_name = np.asarray(arr.types, dtype=object)[arr.shift_type[es]]
    post_name = np.asarray([post.id for post in p.posts], dtype=object)[arr.shift_post[es]]
    order = np.argsort(ev, kind="stable")
    bounds = np.searchsorted(ev[order], np.arange(arr.num_volunteers + 1))
    for vol, c in contracts.items():
        mine = order[bounds[vol] : bounds[vol + 1]]
        k = c.max_shifts_per_day
        # The most a volunteer could work on the weekend days: ``k`` of their
        # longest shifts a day (a row that cannot bind only slows HiGHS down).
        longest = np.zeros(arr.num_days)
        np.maximum.at(longest, day[mine], minutes[mine])
        cap = c.max_minutes
        if cap is not None and k * longest.sum() > cap:
            rows.add(
                np.zeros(len(mine), dtype=np.int64),
                mine,
                minutes[mine],
                np.asarray([-np.inf]),
                np.asarray([float(cap)]),
            )
        for key, most in c.max_shifts.items():
            hit = mine[(type_name[mine] == key) | (post_name[mine] == key)]
            if most < k * len(np.unique(day[hit])):
                rows.add(
                    np.zeros(len(hit), dtype=np.int64),
                    hit,
                    np.ones(len(hit)),
                    np.asarray([-np.inf]),
                    np.asarray([float(most)]),
                )
