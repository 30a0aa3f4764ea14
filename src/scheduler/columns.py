"""Column generation over volunteers' schedules: a lower bound and a fractional roster.

The roster model decomposes by volunteer: every contract rule (shifts per day,
rest, successions, maximums, total minutes, weekly caps, runs, weekends, pins)
involves one volunteer's pairs only; volunteers meet only in the cover of the
shifts. So a roster is one *schedule* (column) per volunteer, and the master
linear program picks a convex combination of known schedules per volunteer::

    minimize    sum_c cost(c) lambda_c + sum_s U_s u_s + O_s o_s
    subject to  sum_{c of v} lambda_c = 1                 for each volunteer v
                sum_c a_cs lambda_c + u_s - o_s = target_s  for each shift s
                head-count minimums and maximums (slack at a prohibitive cost)

``cost(c)`` is the schedule's own cost: requests (an ``on`` request
earns its weight per matching pair it works, off its weight constant),
per-assignment preferences, changes from ``previous`` and the squared load
(fairness). New schedules come
from *pricing*: each volunteer's own rules as a small CP-SAT model
(:mod:`scheduler.volunteer_rules`) with the master's duals on its pairs.
Prices follow Wentges' smoothing (a mix of the best duals so far and the new
ones) against the tailing-off of plain column generation.

What comes out:

- a *lower bound* on the whole objective (the Lagrangian bound, valid at any
  iteration, from the pricing solves' own bounds): seat-skill and team-hour
  terms are left out and are never negative, and an ``on`` request's
  linear earning is never above its true penalty, so this relaxes the model;
- the master's *fractional roster* (the share of each pair over the volunteer's
  schedules), which :mod:`scheduler.solve` uses to fix the pairs the master
  settles at 0 or 1 and search the rest first;
- when asked (``dive_until``), a roster *dived* from the converged master:
  volunteers fixed one step at a time to their heaviest schedule, new schedules
  priced for the others between steps (:func:`_dive`);
- the converged master itself (:attr:`Relaxation.pool`), whose tree
  :mod:`scheduler.branching` searches, pricing each node's schedules under its
  :class:`Branching` (pairs forced off, groups of pairs of which one is worked).

Measured on Curtois Instance5 (16 staff, 28 days): the bound reaches 1,140.6
(CP-SAT's own bound on the whole model: 1; best known roster: 1,143) in 15 s.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np
import scipy.sparse as sp
from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model
from scipy.optimize import linprog

from scheduler.arrays import SCALE, RosterArrays, edge_preferences
from scheduler.clock import (
    GLOP_SECONDS_PER_NONZERO,
    GLOP_SECONDS_PER_PIVOT_ROW,
    current_clock,
)
from scheduler.day_pricing import DayPricing
from scheduler.volunteer_rules import add_volunteer_rules
from volunteers.bits import BoolArray
from volunteers.control import current
from volunteers.geo import FloatArray, IntArray

logger = logging.getLogger(__name__)

PRICE_SCALE = 10_000
"""Integer pricing units per unit of weight (reduced costs are rounded down, so
the pricing bound stays a bound)."""

SMOOTHING = 0.5
"""Weight of the best duals so far in the prices (Wentges' smoothing)."""

MIN_PRICING_SECONDS = 0.02
"""Shortest solve given to one volunteer's pricing."""

PRICING_LINEARIZATION = 2
"""CP-SAT's linearization level in the pricing solves."""

STOP_GAP = 1e-4
"""Relative gap between the master's value and the bound at which column
generation stops (its tail adds little: on Timefold SMALL, the last 30 of 54
iterations closed 0.1%; on Curtois Instance4, stopping at 0.1% left the bound
at 1,714.8 where converging proves the optimum, 1,716)."""

TOLERANCE = 1e-6
"""Reduced cost below which a schedule enters the master (weight units)."""


@dataclass(frozen=True)
class Relaxation:
    """What column generation found.

    Attributes
    ----------
    fractional
        Per eligible pair, its share in the master's solution, in [0, 1].
    bound
        A lower bound on the objective of every roster (weight units), or
        ``None`` when no iteration gave one.
    value
        The last master LP's value (weight units).
    iterations, columns
        Master solves made; schedules generated (the start's included).
    converged
        Whether pricing found no better schedule (the bound then equals the
        master's value, up to the pricing solves' gaps), or the two are within
        :data:`STOP_GAP` of each other.
    dived
        The roster of the dive (:func:`relax`'s ``dive_until``), a Boolean per
        eligible pair, or ``None`` when no dive was made or it did not end.
    cut
        When the dive ran out of its time: per eligible pair, its share in the
        dive's last master solution, before the volunteers still free were
        fixed at once (those fixed by then hold one schedule each, at 0 or
        1). ``None`` when the dive ended in its time or none was made.
    pool
        The master and its pricing, to search on from (branch and price,
        :mod:`scheduler.branching`); ``None`` when column generation did not
        converge.
    """

    fractional: FloatArray
    bound: float | None
    value: float
    iterations: int
    columns: int
    converged: bool
    dived: BoolArray | None = None
    cut: FloatArray | None = None
    pool: ColumnPool | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class ColumnPool:
    """A converged master with what prices schedules for it.

    Attributes
    ----------
    master
        The master LP and its schedules.
    pricers
        Per volunteer, their CP-SAT pricing model and their walk (made on demand).
    vols
        The volunteers with eligible pairs (the master's convexity rows).
    constant
        The objective's part no schedule changes (:func:`personal_costs`).
    type_of_key
        Shift type key -> index, as the pricing models take it.
    seed
        CP-SAT's random seed in the pricing solves.
    """

    master: _Master
    pricers: tuple[dict[int, _Pricing], dict[int, DayPricing | None]]
    vols: IntArray
    constant: float
    type_of_key: dict[str, int]
    seed: int


def personal_costs(arr: RosterArrays) -> tuple[FloatArray, float]:
    """Per pair, its linear cost in a volunteer's schedule, and the constant.

    ``on`` requests: their weight as a constant, less the weight for each
    matching pair worked; ``off`` requests: the weight per matching pair;
    per-assignment preferences; changes from ``previous``: the weight for
    each pair not in it, and for each pair of it not worked. Weights are
    rounded to whole :data:`~scheduler.arrays.SCALE` units as in the roster
    model, so that a bound on these costs bounds its objective.
    """
    p = arr.problem
    vindex = p.organization.volunteer_index
    pref = np.rint(edge_preferences(arr)[0] * SCALE)
    cost: FloatArray = np.where(pref > 0, pref, 0.0)
    constant = 0
    for r, pairs in zip(p.requests, arr.request_pairs, strict=True):
        weight = round(r.weight * SCALE)
        if r.want == "on":
            constant += weight
        cost[pairs] += weight if r.want == "off" else -weight
    change = round(p.params.weights.change * SCALE)
    if p.previous and change > 0:
        cost += change
        for pair in {(vindex[q.volunteer], p.shift_index[q.shift]) for q in p.previous}:
            constant += change
            found = arr.edge_of(*pair)
            if found is not None:
                cost[found] -= 2 * change
    return cost / SCALE, constant / SCALE


class _Pricing:
    """One volunteer's own rules as a CP-SAT model, re-priced each iteration."""

    def __init__(self, arr: RosterArrays, v: int, type_of_key: dict[str, int]) -> None:
        p = arr.problem
        vptr = arr.vol_start()
        self.edges: IntArray = np.arange(vptr[v], vptr[v + 1])
        self.model = cp_model.CpModel()
        self.x = [self.model.new_bool_var("") for _ in range(len(self.edges))]
        vol = p.organization.volunteers[v]
        cap = None if vol.weekly_hour_cap is None else 60.0 * vol.weekly_hour_cap
        lits = dict(zip(self.edges.tolist(), self.x, strict=True))
        add_volunteer_rules(self.model, arr, self.edges, lits, p.contract(vol.id), cap, type_of_key)
        vindex = p.organization.volunteer_index
        for pin in p.pins:
            if vindex[pin.volunteer] == v:
                e = arr.edge_of(v, p.shift_index[pin.shift])
                if e is not None:
                    self.model.add(lits[e] == 1)
        # Fairness: the squared load, as in the roster model.
        self.extra: list[Any] = []
        self.extra_coefs: list[int] = []
        w = p.params.weights
        fair = round(w.fairness * SCALE)
        if fair > 0 and len(self.edges):
            mins = arr.shift_minutes[arr.edge_shift[self.edges]]
            if w.fairness_unit == "shift":
                top = min(len(self.edges), p.contract(vol.id).max_shifts_per_day * arr.num_days)
                load: Any = sum(self.x)
                unit = 1
            else:
                most = int(mins.sum())
                c_max = p.contract(vol.id).max_minutes
                top = -(-(most if c_max is None else min(most, c_max)) // 60)
                load = cp_model.LinearExpr.weighted_sum(self.x, mins.tolist())
                unit = 60
            units = self.model.new_int_var(0, top, "")
            self.model.add(unit * units >= load)
            self.model.add(unit * units <= load + unit - 1)
            square = self.model.new_int_var(0, top * top, "")
            self.model.add_multiplication_equality(square, [units, units])
            self.extra.append(square)
            self.extra_coefs.append(fair * (PRICE_SCALE // SCALE))

    def solve(
        self, reduced: FloatArray, hint: IntArray | None, seconds: float, seed: int
    ) -> tuple[list[IntArray], float | None]:
        """Every schedule found at these reduced costs (the best last), and a bound on them."""
        coefs = np.floor(reduced * PRICE_SCALE).astype(np.int64).tolist() + self.extra_coefs
        self.model.minimize(cp_model.LinearExpr.weighted_sum(self.x + self.extra, coefs))
        self.model.clear_hints()  # type: ignore[no-untyped-call]
        if hint is not None:
            on = np.isin(self.edges, hint)
            for var, value in zip(self.x, on.tolist(), strict=True):
                self.model.add_hint(var, value)
        solver = cp_model.CpSolver()
        clock = current_clock()
        clock.limit_cpsat(solver.parameters, seconds)
        solver.parameters.random_seed = seed
        solver.parameters.linearization_level = PRICING_LINEARIZATION
        found = _Schedules(self.x, self.edges)
        status = solver.solve(self.model, found)
        clock.charge_cpsat(solver, self.model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return [], None
        return found.schedules, solver.best_objective_bound / PRICE_SCALE


class _Schedules(cp_model.CpSolverSolutionCallback):
    """Collects every improving schedule a pricing solve finds."""

    def __init__(self, x: list[Any], edges: IntArray) -> None:
        super().__init__()
        self.x = x
        self.edges = edges
        self.schedules: list[IntArray] = []

    def on_solution_callback(self) -> None:
        self.schedules.append(self.edges[[self.boolean_value(v) for v in self.x]])


class _Master:
    """The master LP over the schedules generated so far."""

    def __init__(self, arr: RosterArrays, cost: FloatArray, vols: IntArray) -> None:
        p = arr.problem
        self.arr = arr
        self.cost = cost
        self.row_of = np.full(arr.num_volunteers, -1, dtype=np.int64)
        self.row_of[vols] = np.arange(len(vols))
        self.num_vols = len(vols)
        s_count = arr.num_shifts
        self.target = np.asarray([s.target for s in p.shifts], dtype=float)
        self.under = np.asarray([round(s.under_weight * SCALE) / SCALE for s in p.shifts])
        self.over = np.asarray([round(s.over_weight * SCALE) / SCALE for s in p.shifts])
        self.mins = np.asarray([s.minimum for s in p.shifts], dtype=float)
        self.maxs = np.asarray(
            [np.inf if s.maximum is None else s.maximum for s in p.shifts], dtype=float
        )
        self.min_rows = np.flatnonzero(self.mins > 0)
        self.max_rows = np.flatnonzero(np.isfinite(self.maxs))
        worst = max(1.0, float(self.under.max(initial=0.0)), float(self.over.max(initial=0.0)))
        self.big = 1e3 * worst * max(1.0, float(self.target.sum())) + float(np.abs(cost).sum())
        self.num_shifts = s_count
        self.col_vol: list[int] = []
        self.col_edges: list[IntArray] = []
        self.col_cost: list[float] = []
        self.seen: set[tuple[int, bytes]] = set()
        self.glop: _Glop | None = None

    def add(self, v: int, edges: IntArray) -> bool:
        key = (v, np.sort(edges).tobytes())
        if key in self.seen:
            return False
        self.seen.add(key)
        self.col_vol.append(v)
        self.col_edges.append(edges)
        self.col_cost.append(self.column_cost(v, edges))
        if self.glop is not None:
            self.glop.schedule(v, edges, self.col_cost[-1])
        return True

    def column_cost(self, v: int, edges: IntArray) -> float:
        """A schedule's own cost: its pairs' costs and its squared load (fairness)."""
        cost = float(self.cost[edges].sum())
        w = self.arr.problem.params.weights
        fair = round(w.fairness * SCALE)
        if fair > 0 and len(edges):
            if w.fairness_unit == "shift":
                units = len(edges)
            else:
                units = -(-int(self.arr.shift_minutes[self.arr.edge_shift[edges]].sum()) // 60)
            cost += fair * units * units / SCALE
        return cost

    def solve(self) -> Any:
        """Solve the LP; ``None`` when it fails.

        GLOP keeps the LP between solves and starts from the last basis, so a
        solve after a few new schedules costs little; when it does not reach
        an optimum, HiGHS solves the LP built afresh. Measured against HiGHS
        alone (same values): column generation converged in 3.5 s instead of
        4.4 s on Curtois Instance8, 16.0 s instead of 19.8 s on Instance14 and
        19.4 s instead of 21.2 s on Instance18 (where pricing takes most).
        """
        if self.glop is None:
            self.glop = _Glop(self)
        found = self.glop.solve()
        if found is None:
            logger.debug("master LP: GLOP did not reach an optimum; HiGHS instead")
            return self._solve_highs()
        return found

    def _solve_highs(self) -> Any:
        """Solve the LP built afresh with HiGHS; ``None`` when it fails."""
        es = self.arr.edge_shift
        n_c = len(self.col_vol)
        nv, ns = self.num_vols, self.num_shifts
        sizes = np.asarray([len(e) for e in self.col_edges], dtype=np.int64)
        cols = np.arange(n_c)
        flat = np.concatenate(self.col_edges) if n_c else np.empty(0, np.int64)
        shift_of = es[flat]
        # Equalities: convexity rows, then cover rows.
        vol_rows = self.row_of[np.asarray(self.col_vol, dtype=np.int64)]
        rows = np.concatenate((vol_rows, nv + shift_of))
        where = np.concatenate((cols, np.repeat(cols, sizes)))
        lam = sp.csc_matrix((np.ones(len(rows)), (rows, where)), shape=(nv + ns, n_c))
        eye_s = sp.identity(ns, format="csc")
        top = sp.csc_matrix((nv, ns))
        art = sp.vstack([sp.identity(nv, format="csc"), sp.csc_matrix((ns, nv))], format="csc")
        n_min, n_max = len(self.min_rows), len(self.max_rows)
        slack = sp.csc_matrix((nv + ns, n_min + n_max))
        a_eq = sp.hstack(
            [lam, sp.vstack([top, eye_s]), sp.vstack([top, -eye_s]), art, slack], format="csc"
        )
        b_eq = np.concatenate((np.ones(nv), self.target))
        # Inequalities: head-count minimums (-n - m <= -min), maximums (n - q <= max).
        extra = 2 * ns + nv
        a_cover = lam[nv:, :]
        a_ub = sp.vstack(
            [
                sp.hstack(
                    [
                        -a_cover[self.min_rows],
                        sp.csc_matrix((n_min, extra)),
                        -sp.identity(n_min),
                        sp.csc_matrix((n_min, n_max)),
                    ]
                ),
                sp.hstack(
                    [
                        a_cover[self.max_rows],
                        sp.csc_matrix((n_max, extra + n_min)),
                        -sp.identity(n_max),
                    ]
                ),
            ],
            format="csc",
        )
        b_ub = np.concatenate((-self.mins[self.min_rows], self.maxs[self.max_rows]))
        c = np.concatenate(
            (
                np.asarray(self.col_cost),
                self.under,
                self.over,
                np.full(nv, self.big),
                np.full(n_min + n_max, self.big),
            )
        )
        kwargs: dict[str, Any] = {}
        if n_min + n_max:
            kwargs = {"A_ub": a_ub, "b_ub": b_ub}
        res = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs", **kwargs)
        nonzeros = a_eq.nnz + (a_ub.nnz if n_min + n_max else 0)
        current_clock().charge_highs(0, nonzeros)
        if res.status != 0:
            logger.debug("master LP: %s", res.message)
            return None
        return res

    def duals(self, res: Any) -> tuple[FloatArray, FloatArray]:
        """The LP's duals: convexity prices per volunteer, and the other rows' as one vector.

        The other rows are the cover rows, then the minimum and maximum rows.
        """
        nv = self.num_vols
        eq = np.asarray(res.eqlin.marginals, dtype=float)
        rest = eq[nv:]
        if len(self.min_rows) + len(self.max_rows):
            rest = np.concatenate((rest, np.asarray(res.ineqlin.marginals, dtype=float)))
        return eq[:nv], rest

    def phase_two(self, res: Any) -> bool:
        """Whether the LP solution ``res`` gives every volunteer real schedules."""
        first = len(self.col_vol) + 2 * self.num_shifts
        return bool(np.sum(res.x[first : first + self.num_vols]) < 1e-9)

    def shift_price(self, y: FloatArray) -> FloatArray:
        """Per shift, what one more volunteer on it is worth at duals ``y``."""
        ns, n_min = self.num_shifts, len(self.min_rows)
        price: FloatArray = y[:ns].copy()
        price[self.min_rows] -= y[ns : ns + n_min]
        price[self.max_rows] += y[ns + n_min :]
        return price

    def rhs_value(self, y: FloatArray) -> float:
        """The part of the Lagrangian bound at duals ``y`` that no schedule changes."""
        ns, n_min = self.num_shifts, len(self.min_rows)
        return float(
            y[:ns] @ self.target
            - y[ns : ns + n_min] @ self.mins[self.min_rows]
            + y[ns + n_min :] @ self.maxs[self.max_rows]
        )


GLOP_PARAMETERS = "use_preprocessing: false"
"""GLOP's parameters for the master. Without presolve GLOP starts each solve from its
last basis: after new columns or bounds it takes a few pivots, not a solve from
scratch (Curtois Instance12, column generation to convergence: GLOP 8.2 s -> 2.8 s,
22.2 s -> 15.9 s in all)."""


class _Glop:
    """The master LP in GLOP, kept between solves; its solution laid out as HiGHS's.

    Columns: schedules, then per shift the under- and over-staffing, per
    volunteer an artificial column, per minimum and maximum row its slack (the
    order of :meth:`_Master._solve_highs`, whose ``x`` the callers read).
    """

    def __init__(self, master: _Master) -> None:
        self.m = master
        lp = pywraplp.Solver.CreateSolver("GLOP")
        if lp is None:  # pragma: no cover - GLOP ships with OR-Tools
            raise RuntimeError("GLOP is not available")
        lp.SetSolverSpecificParametersAsString(GLOP_PARAMETERS)
        self.lp = lp
        self.seconds = 0.0
        self.solves = 0
        self.nonzeros = 0
        inf = lp.infinity()
        self.objective = lp.Objective()
        self.objective.SetMinimization()
        self.convexity = [lp.Constraint(1.0, 1.0) for _ in range(master.num_vols)]
        self.cover = [lp.Constraint(float(t), float(t)) for t in master.target.tolist()]
        self.minimum = {int(s): lp.Constraint(float(master.mins[s]), inf) for s in master.min_rows}
        self.maximum = {int(s): lp.Constraint(-inf, float(master.maxs[s])) for s in master.max_rows}
        for s in range(master.num_shifts):
            self._column(float(master.under[s]), [(self.cover[s], 1.0)])
        for s in range(master.num_shifts):
            self._column(float(master.over[s]), [(self.cover[s], -1.0)])
        self.artificial = [self._column(master.big, [(row, 1.0)]) for row in self.convexity]
        for row in self.minimum.values():
            self._column(master.big, [(row, 1.0)])
        for row in self.maximum.values():
            self._column(master.big, [(row, -1.0)])
        self.schedules: list[pywraplp.Variable] = []
        for v, edges, cost in zip(master.col_vol, master.col_edges, master.col_cost, strict=True):
            self.schedule(v, edges, cost)

    def _column(
        self, cost: float, rows: list[tuple[pywraplp.Constraint, float]]
    ) -> pywraplp.Variable:
        var = self.lp.NumVar(0.0, self.lp.infinity(), "")
        self.objective.SetCoefficient(var, cost)
        for row, coef in rows:
            row.SetCoefficient(var, coef)
        self.nonzeros += len(rows)
        return var

    def schedule(self, v: int, edges: IntArray, cost: float) -> None:
        """Add the column of volunteer ``v``'s schedule ``edges``."""
        rows = [(self.convexity[int(self.m.row_of[v])], 1.0)]
        for s in self.m.arr.edge_shift[edges].tolist():
            rows.append((self.cover[s], 1.0))
            if s in self.minimum:
                rows.append((self.minimum[s], 1.0))
            if s in self.maximum:
                rows.append((self.maximum[s], 1.0))
        self.schedules.append(self._column(cost, rows))

    def solve(self) -> Any:
        """The LP's solution and duals as HiGHS gives them, or ``None`` without an optimum."""
        began = time.perf_counter()
        status = self.lp.Solve()
        self.seconds += time.perf_counter() - began
        self.solves += 1
        pivots = GLOP_SECONDS_PER_PIVOT_ROW * self.lp.iterations() * self.lp.NumConstraints()
        current_clock().charge(pivots + GLOP_SECONDS_PER_NONZERO * self.nonzeros)
        if status != pywraplp.Solver.OPTIMAL:
            logger.debug("master LP: GLOP status %d", status)
            return None
        m = self.m
        shares = [var.solution_value() for var in self.schedules]
        staffing = np.zeros(2 * m.num_shifts)
        art = [var.solution_value() for var in self.artificial]
        eq = [c.dual_value() for c in self.convexity] + [c.dual_value() for c in self.cover]
        # Minimum rows as HiGHS states them: ``-n - slack <= -min``.
        ineq = [-self.minimum[int(s)].dual_value() for s in m.min_rows]
        ineq += [self.maximum[int(s)].dual_value() for s in m.max_rows]
        return SimpleNamespace(
            status=0,
            fun=self.objective.Value(),
            x=np.concatenate((np.asarray(shares), staffing, np.asarray(art))),
            eqlin=SimpleNamespace(marginals=np.asarray(eq)),
            ineqlin=SimpleNamespace(marginals=np.asarray(ineq)),
        )


def relax(
    arr: RosterArrays,
    start: BoolArray | None,
    *,
    until: float,
    seed: int = 0,
    incumbent: float | None = None,
    dive_until: float | None = None,
) -> Relaxation | None:
    """Column generation until ``until`` (a reading of the solve's clock) or convergence.

    Parameters
    ----------
    arr
        The problem's arrays.
    start
        A roster whose schedules seed the master (may break rules: schedules
        are only kept as they are), or ``None``.
    until
        When to stop.
    seed
        CP-SAT's random seed in the pricing solves.
    incumbent
        The objective of a known roster: column generation stops once its
        bound, rounded up to whole :data:`~scheduler.arrays.SCALE` units,
        proves it optimal.
    dive_until
        When given and column generation converged short of proving
        ``incumbent``, a roster is then rounded from the master by diving
        (:func:`_dive`) until this reading of the solve's clock (:mod:`scheduler.clock`).

    Returns
    -------
    Relaxation | None
        ``None`` when no master LP was solved in time, when its prices say
        nothing (most shifts priced at the slack penalty: see :func:`_degenerate`),
        or when a pricing round would take more than a :data:`MIN_ROUNDS`-th of
        the time.
    """
    vptr = arr.vol_start()
    vols = np.flatnonzero(np.diff(vptr) > 0)
    cost, constant = personal_costs(arr)
    master = _Master(arr, cost, vols)
    if start is not None:
        for v in vols.tolist():
            mine = np.arange(vptr[v], vptr[v + 1])
            master.add(v, mine[start[mine]])
    type_of_key = {t: i for i, t in enumerate(arr.types)}
    pricing: dict[int, _Pricing] = {}
    walks: dict[int, DayPricing | None] = {}
    best_bound: float | None = None
    center: FloatArray | None = None
    res = None
    lam: FloatArray = np.zeros(0)
    iterations = 0
    converged = False
    control = current()
    clock = current_clock()
    began = clock.now()
    while not clock.past(until) and not control.stop_requested():
        solved = master.solve()
        if solved is None:
            break
        res = solved
        iterations += 1
        pi, y_lp = master.duals(res)
        if master.phase_two(res) and _degenerate(master, y_lp):
            logger.debug("column generation: the master's prices are its slack penalty")
            return None
        # Each volunteer's heaviest schedule (a pricing hint).
        lam = np.asarray(res.x[: len(master.col_vol)])
        heaviest: dict[int, IntArray] = {}
        weight: dict[int, float] = {}
        for j in np.flatnonzero(lam > 1e-9).tolist():
            v = master.col_vol[j]
            if lam[j] > weight.get(v, 0.0):
                weight[v], heaviest[v] = float(lam[j]), master.col_edges[j]
        while True:
            y = y_lp if center is None else SMOOTHING * center + (1 - SMOOTHING) * y_lp
            # The first round shows how long rounds take: column generation
            # needs several, so it is given up when one would not fit
            # MIN_ROUNDS times in the time it has.
            longest = (until - began) / MIN_ROUNDS if iterations == 1 else None
            added, lower = _price_all(
                arr,
                master,
                (pricing, walks),
                vols,
                y,
                y_lp,
                pi,
                heaviest,
                until,
                seed,
                type_of_key,
                longest,
            )
            if added < 0:
                logger.debug("column generation: a pricing round would take too long")
                return None
            if lower is not None:
                bound = constant + master.rhs_value(y) + lower
                if best_bound is None or bound > best_bound:
                    best_bound, center = bound, y
            # Smoothed prices that find nothing say nothing about the LP
            # (mispricing): price once more at the LP's own duals.
            if added or center is None or y is y_lp or clock.past(until):
                break
            center = None
        value = float(res.fun) + constant
        logger.debug(
            "column generation %d: master %.3f, bound %s, %d schedules, %d new",
            iterations,
            value,
            None if best_bound is None else round(best_bound, 3),
            len(master.col_vol),
            added,
        )
        close = best_bound is not None and (
            value - best_bound <= STOP_GAP * max(1.0, abs(value))
            or (incumbent is not None and np.ceil(best_bound * SCALE - 1e-4) >= incumbent * SCALE)
        )
        if (added == 0 or close) and not clock.past(until):
            converged = True
            break
    if res is None:
        return None
    proven = (
        best_bound is not None
        and incumbent is not None
        and np.ceil(best_bound * SCALE - 1e-4) >= incumbent * SCALE
    )
    dived = cut = None
    if dive_until is not None and converged and not proven:
        dive = _dive(arr, master, (pricing, walks), vols, dive_until, seed, type_of_key)
        if dive is not None:
            dived, cut = dive
    return Relaxation(
        fractional=_pair_shares(master, lam),
        bound=best_bound,
        value=float(res.fun) + constant,
        iterations=iterations,
        columns=len(master.col_vol),
        converged=converged,
        dived=dived,
        cut=cut,
        pool=ColumnPool(master, (pricing, walks), vols, constant, type_of_key, seed)
        if converged
        else None,
    )


DIVE_ROUNDS = 15
"""Most pricing rounds between two fixings of a dive (measured on Curtois
Instance18, from its converged master: 15 rounds, 26 s, 4,835 and after best
responses 4,633; 50 rounds, 40 s, 4,684; 5 rounds, 13 s, 5,063)."""


def _dive(
    arr: RosterArrays,
    master: _Master,
    pricers: tuple[dict[int, _Pricing], dict[int, DayPricing | None]],
    vols: IntArray,
    until: float,
    seed: int,
    type_of_key: dict[str, int],
) -> tuple[BoolArray, FloatArray | None] | None:
    """A roster rounded from the master: volunteers fixed to schedules one step at a time.

    Each step fixes, among the volunteers still free, every one whose heaviest
    schedule in the master's solution has a share of at least 1 - :data:`SETTLED`
    (and, if none, the one whose heaviest share is the largest) to that
    schedule; then new schedules are priced for the free volunteers, at most
    :data:`DIVE_ROUNDS` rounds, until none prices out or until a round's
    schedules leave the master's value where it was, before the next step (a
    step whose fixing leaves the value where pricing left it is not priced).
    A volunteer fixed to a schedule has their other schedules closed (upper
    bound 0): GLOP then re-solves faster (measured on Curtois Instance12's
    converged master, fixings alone: 7.2 s instead of 10.7 s for the 57
    re-solves). Past ``until`` every free volunteer is fixed at once to their
    heaviest schedule.

    Returns the roster, and when ``until`` cut the dive short, each pair's share
    in the last master solution before that (see :attr:`Relaxation.cut`);
    ``None`` when the master (kept in GLOP, whose bounds do the fixing) fails.
    """
    glop = master.glop
    if glop is None:
        return None
    fixed: dict[int, int] = {}
    rounds = 0
    cut: FloatArray | None = None
    control = current()
    clock = current_clock()
    # The master's value when last priced to the end (no schedule pricing out,
    # or a round whose schedules left the value where it was): a fixing that
    # leaves the value there is not priced (measured on Curtois Instance12,
    # whose master is degenerate: 43 of 60 steps left it unmoved, and rounds
    # of schedules that did not move it took the dive's time).
    priced_at: float | None = None
    before = np.inf  # the value before the step's last pricing round
    while len(fixed) < len(vols):
        found = glop.solve()
        if found is None:
            # Measured once in three runs on Curtois Instance18: GLOP stops short
            # of an optimum after some fixings. The LP built afresh solves.
            glop = master.glop = _Glop(master)
            _fix(glop, master, fixed.items())
            found = glop.solve()
        if found is None or control.stop_requested():
            logger.debug("dive: the master failed with %d volunteers fixed", len(fixed))
            return None
        value = float(found.fun)
        free = np.asarray([v for v in vols.tolist() if v not in fixed], dtype=np.int64)
        if rounds > 0 and value >= before - TOLERANCE:
            priced_at = value  # the round's schedules did not move it
        elif rounds == 0 and priced_at is not None and value <= priced_at + TOLERANCE:
            pass  # the fixing did not move it
        elif rounds < DIVE_ROUNDS and not clock.past(until):
            priced_at = None
            pi, y = master.duals(found)
            added, _ = _price_all(
                arr, master, pricers, free, y, y, pi, {}, until, seed, type_of_key
            )
            rounds += 1
            before = value
            if added > 0:
                continue
            if not clock.past(until):
                priced_at = value
        else:
            priced_at = None
        rounds = 0
        lam = np.asarray(found.x[: len(master.col_vol)])
        heaviest: dict[int, tuple[float, int]] = {}
        for j in np.flatnonzero(lam > 1e-9).tolist():
            v = master.col_vol[j]
            if v not in fixed and lam[j] > heaviest.get(v, (0.0, -1))[0]:
                heaviest[v] = (float(lam[j]), j)
        if not heaviest:
            return None  # free volunteers on artificial columns only
        settled = [(v, j) for v, (share, j) in heaviest.items() if share >= 1.0 - SETTLED]
        if clock.past(until):
            if cut is None:
                cut = _pair_shares(master, lam)
            # Out of time: every free volunteer to their heaviest schedule at
            # once (each step costs a solve: past its time, Curtois Instance12's
            # dive took 3 s more, one step after another).
            settled = [(v, j) for v, (_, j) in heaviest.items()]
        if not settled:
            v, (_, j) = max(heaviest.items(), key=lambda item: item[1][0])
            settled = [(v, j)]
        fixed.update(settled)
        _fix(glop, master, settled)
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "dive: %d fixed (%d now), master %.3f, %d schedules",
                len(fixed),
                len(settled),
                float(found.fun),
                len(master.col_vol),
            )
    chosen = np.zeros(arr.num_edges, dtype=bool)
    for j in fixed.values():
        chosen[master.col_edges[j]] = True
    logger.debug(
        "dive: %d columns; GLOP %d solves, %.2f s", len(master.col_vol), glop.solves, glop.seconds
    )
    return chosen, cut


def _fix(glop: _Glop, master: _Master, pairs: Iterable[tuple[int, int]]) -> None:
    """Fix each ``(v, j)`` of ``pairs`` in ``glop``: schedule ``j`` at 1, ``v``'s others at 0."""
    col_vol = np.asarray(master.col_vol, dtype=np.int64)
    for v, j in pairs:
        glop.schedules[j].SetLb(1.0)
        for k in np.flatnonzero(col_vol == v).tolist():
            if k != j:
                glop.schedules[k].SetUb(0.0)


def _pair_shares(master: _Master, lam: FloatArray) -> FloatArray:
    """Each eligible pair's share in the master solution ``lam`` (schedules' values), in [0, 1]."""
    shares = np.zeros(master.arr.num_edges)
    for j in np.flatnonzero(lam > 1e-9).tolist():
        shares[master.col_edges[j]] += lam[j]
    return np.clip(shares, 0.0, 1.0)


SETTLED = 1e-3
"""A share in the master's solution within this of 0 or 1 is settled (a schedule's
in a dive, a pair's in :mod:`scheduler.solve`'s guided search)."""


MIN_ROUNDS = 5
"""Pricing rounds column generation must have time for, or it is given up
(measured: 11-54 rounds to converge on Curtois and Timefold instances)."""

PROBE_VOLUNTEERS = 10
"""Volunteers priced before a round's length is extrapolated."""

DEGENERATE_SHARE = 0.5
"""Share of shifts priced at the slack penalty above which the master's duals are
taken to say nothing."""


def _degenerate(master: _Master, y: FloatArray) -> bool:
    """Whether most shifts are priced at the penalty of the master's slack.

    When every shift's head count is fixed (minimum = maximum), the master is a
    set partitioning whose duals are far from unique, and the LP solver returns
    extreme ones, at the penalty of the slack columns. Pricing at those prices
    asks each volunteer for as many shifts as possible, whatever they cost;
    measured on Timefold LARGE: 36 iterations, the master's value never moved.
    """
    price = master.shift_price(y)
    return bool(np.mean(np.abs(price) >= 0.5 * master.big) > DEGENERATE_SHARE)


def _price_all(
    arr: RosterArrays,
    master: _Master,
    pricers: tuple[dict[int, _Pricing], dict[int, DayPricing | None]],
    vols: IntArray,
    y: FloatArray,
    y_lp: FloatArray,
    pi: FloatArray,
    heaviest: dict[int, IntArray],
    until: float,
    seed: int,
    type_of_key: dict[str, int],
    longest: float | None = None,
    branching: Branching | None = None,
) -> tuple[int, float | None]:
    """Price every volunteer at duals ``y``.

    A volunteer whose rules fit a walk over the days (:mod:`scheduler.day_pricing`)
    is priced by it; CP-SAT prices the others, and those whose walk is not proven
    exact (a per-type maximum in the way), hinted with the walk's best schedule.

    Returns the number of schedules added (those with a negative reduced cost
    at the LP's own duals ``y_lp`` and ``pi``) and the sum of the pricing
    solves' bounds (``None`` when some volunteer gave none). The number is -1
    when the round, extrapolated from its first :data:`PROBE_VOLUNTEERS`
    volunteers, would take more than ``longest`` seconds.

    ``branching`` restricts the schedules to those that keep it: the pairs it
    forces off and those of the groups it forces on get prohibitive reduced
    costs, the bounds are corrected for them, and schedules that break it are
    not added.
    """
    clock = current_clock()
    began = clock.now()
    pricing, walks = pricers
    vptr = arr.vol_start()
    es = arr.edge_shift
    price = master.shift_price(y)
    price_lp = master.shift_price(y_lp)
    added = 0
    total: float | None = 0.0
    for i, v in enumerate(vols.tolist()):
        left = clock.left(until)
        if left <= 0:
            return added, None
        too_long = longest is not None and i >= PROBE_VOLUNTEERS
        if too_long and (clock.now() - began) / i * len(vols) > (longest or 0.0):
            return -1, None
        if v not in walks:
            walks[v] = _walk_of(arr, v, type_of_key)
        walk = walks[v]
        edges = np.arange(vptr[v], vptr[v + 1])
        reduced = master.cost[edges] - price[es[edges]]
        step = None
        correction = 0.0
        if branching is not None and branching.sign[edges].any():
            # A schedule that keeps the branching is cheaper than any that
            # breaks it by more than the other pairs can make up; one that
            # keeps it works at least one pair of each group forced on.
            step = max(1.0, float(np.abs(reduced).max(initial=0.0)))
            big = 1.0 + float(np.abs(reduced).sum())
            correction = big * int(branching.groups_of[v])
            reduced = reduced - big * branching.sign[edges]
        schedules: list[IntArray] = []
        lower: float | None = None
        exact = False
        row_pi = pi[master.row_of[v]]
        if walk is not None:
            schedules, lower, exact = walk.price(reduced, step=step)
            if lower is not None:
                lower += correction
            # A walk not proven exact is still enough for this round when one of
            # its schedules prices out, or when its bound (at the LP's own duals)
            # shows that none can (Curtois Instance18: 38 CP-SAT pricing solves,
            # 9.5 s of 21 s, for a per-type maximum the walk prices by multipliers).
            exact = (
                exact
                or any(
                    _prices_out(master, v, s, price_lp, row_pi)
                    for s in schedules
                    if branching is None or branching.keeps(v, s)
                )
                or (y is y_lp and lower is not None and lower >= row_pi - TOLERANCE)
            )
        if not exact:
            if v not in pricing:
                pricing[v] = _Pricing(arr, v, type_of_key)
            seconds = max(MIN_PRICING_SECONDS, left / (len(vols) - i))
            hint = schedules[-1] if schedules else heaviest.get(v)
            more, cp_lower = pricing[v].solve(reduced, hint, seconds, seed)
            schedules += more
            if cp_lower is not None:
                cp_lower += correction
                lower = cp_lower if lower is None else max(lower, cp_lower)
        if lower is None:
            total = None
            continue
        if total is not None:
            total += lower
        for picked in schedules:
            if branching is not None and not branching.keeps(v, picked):
                continue
            if _prices_out(master, v, picked, price_lp, row_pi):
                added += master.add(v, picked)
    return added, total


@dataclass(frozen=True)
class Branching:
    """Pairs forced off, and groups of pairs of which each schedule must work one.

    Attributes
    ----------
    sign
        Per pair: -1 forced off, 1 in a group forced on, 0 free.
    group
        Per pair: the index of the group forced on it belongs to, or -1 (the
        groups are disjoint).
    groups_of
        Per volunteer: how many groups of their pairs are forced on.
    """

    sign: IntArray
    group: IntArray
    groups_of: IntArray

    def keeps(self, v: int, picked: IntArray) -> bool:
        """Whether volunteer ``v``'s schedule ``picked`` keeps the branching."""
        if np.any(self.sign[picked] < 0):
            return False
        hit = self.group[picked]
        return len(np.unique(hit[hit >= 0])) == int(self.groups_of[v])


def _prices_out(
    master: _Master, v: int, picked: IntArray, price_lp: FloatArray, row_pi: float
) -> bool:
    """Whether volunteer ``v``'s schedule ``picked`` has a negative reduced cost in the LP."""
    at_lp = master.column_cost(v, picked) - float(price_lp[master.arr.edge_shift[picked]].sum())
    return at_lp < row_pi - TOLERANCE


def _walk_of(arr: RosterArrays, v: int, type_of_key: dict[str, int]) -> DayPricing | None:
    """Volunteer ``v``'s walk over the days, or ``None`` when their rules do not fit one."""
    if arr.problem.params.weights.fairness > 0:
        return None  # the squared load is not a walk's cost
    return DayPricing.of_volunteer(arr, v, type_of_key)
