"""A roster improved window by window: CP-SAT re-solves a few days for every volunteer.

Long horizons (Curtois Instances 20 and 22: half a year and a year) are too large for
CP-SAT to improve as a whole, and a search volunteer by volunteer
(:mod:`scheduler.improve`) cannot re-pack a day's seats among many volunteers at
once. This large-neighbourhood search does: each step frees every pair of a window
of :data:`WINDOW_DAYS` consecutive days, keeps every other pair as the roster has it,
and lets CP-SAT solve the window exactly under every rule of the model. The rules
that span the horizon (total minutes, weekends worked, maximums per type, runs of
days across the window's edges) bind through the fixed days: within the window a
volunteer may only trade what the rest of the roster leaves them.

The window model is the whole roster model with the pairs outside the window fixed
(their domains set to their values; CP-SAT's presolve removes them). One copy of the
model is kept fixed to the incumbent, and each step only frees the window's pairs and
fixes them again after: the Python side of a step costs the window, while CP-SAT still
reads the whole model and presolves the fixed part away (about 0.2 s on Curtois
Instance20's 35,260 pairs; a copy of the model per step cost 0.3-1.1 s more on
Instances 20 and 22). A step that finds
a roster no worse than the incumbent (recomputed by :mod:`scheduler.evaluate`, not
taken from CP-SAT) is kept; the window's start is drawn at random (seeded), and its
length adapts: a window solved to optimality well within its time grows by a day, one
stopped by its time shrinks by a day.

CP-SAT solves a window with one worker and its full linear relaxation
(:data:`STEP_LINEARIZATION`): two to three times faster than two workers at the
default, and proven optimal more often. With two workers on the wall clock, two
windows are solved side by side (one worker each, in threads: CP-SAT releases the
GIL), at least a week and any run a contract bounds apart (:func:`_apart`), so that
only the rules spanning the horizon tie them. Each saw the other's old pairs, so the
second is merged only when those rules (total minutes, weekends worked, per-type and
per-post maximums) still hold for the volunteers both changed (:func:`_spans_keep`).
A work budget solves one window at a time.

Measured on Curtois Instance20 (50 volunteers, 182 days) after 28 s of ruin and
recreate, with two default workers a window: windows settled at 7-8 days, most steps
proven optimal in 0.5-3 s and nearly every one improving (6,131 to 5,793 in 18 steps).
With one worker at the full linear relaxation, windows grow to 10-11 days (22-23
steps, 5,381-5,453 at 60 s). Side by side, from one 30 s roster (6,010) for 30 s:
5,192-5,399 against 5,254-5,696 one at a time (seeds 1-3). Windows of 14 days found
nothing in 3 s a step (two default workers). Two weekends freed together, each with
the days around it (to move a weekend from one volunteer to another across weeks),
instead of half or all of the windows: 5,935-6,027 against 5,793-6,005 (seeds 1-2),
not kept. Volunteer groups (2-4 volunteers over the whole horizon) instead of half the
windows: stopped by their time, gaining a few units a step; not kept.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from scheduler.arrays import RosterArrays
from scheduler.clock import current_clock
from scheduler.evaluate import objective, penalties
from volunteers.bits import BoolArray
from volunteers.control import current
from volunteers.geo import IntArray

logger = logging.getLogger(__name__)

WINDOW_DAYS = 7
"""Days in a window at first."""

MIN_WINDOW_DAYS = 3
MAX_WINDOW_DAYS = 28
"""Bounds of a window's adaptive length."""

STEP_SECONDS = 3.0
"""Most time spent on one window (seconds of the solve's clock)."""

GROW_BELOW = 0.3
"""A window proven optimal within this share of its time grows by a day."""

FIX_SECONDS_PER_PAIR = 2e-6
"""Work seconds counted per pair freed and fixed again in a step."""

MODEL_SECONDS_PER_VARIABLE = 5e-6
"""Work seconds counted per variable of the model CP-SAT copies and presolves in a step."""

STEP_OVERHEAD_SECONDS = 0.005
"""Work seconds counted per step beyond its model (a CP-SAT call's own overhead)."""

EVALUATE_SECONDS_PER_PAIR = 5e-7
"""Work seconds counted per eligible pair each time a roster is priced
(:func:`scheduler.evaluate.penalties`: 330-540 ns a pair, measured on Curtois
Instances 8, 20 and 22; 19 ms a step on Instance20)."""

STEP_WORKERS = 1
STEP_LINEARIZATION = 2
"""CP-SAT on a window: one worker with its full linear relaxation. Measured on 8
windows of 7 days each (30 s rosters): on Curtois Instance20, 3.8-4.2 s for all 8,
each proven optimal, where two default workers took 8.0-9.2 s for the same rosters;
on Instance22, 8.9 s, each proven optimal (gaining 3,945), where two default workers
took 24.3 s and proved none (gaining 3,327). One worker at the default
linearization took 17.1 s on Instance20 and proved 6 of the 8."""

IDLE_ROUNDS = 2
"""The search stops once this many times as many steps as there are window starts
have in a row been proven optimal without improving the roster (small problems)."""


def window_search(
    model: cp_model.CpModel,
    x: list[Any],
    arr: RosterArrays,
    chosen: BoolArray,
    *,
    until: float,
    seed: int = 0,
    workers: int = 1,
) -> BoolArray:
    """``chosen`` improved window by window until ``until`` (see the module doc).

    Parameters
    ----------
    model
        The roster model (:func:`scheduler.solve.build_roster`'s), left unchanged.
    x
        Its pair literals, one per eligible pair of ``arr``.
    arr
        The problem's arrays.
    chosen
        A roster keeping every hard rule (a Boolean per pair).
    until
        Reading of the solve's clock (:mod:`scheduler.clock`) by which to finish.
    seed
        Seed of the windows' starts and of CP-SAT.
    workers
        Windows solved side by side, each by one CP-SAT worker
        (:data:`STEP_WORKERS`), far enough apart that only the rules spanning
        the horizon tie them; those are checked when both change the roster. On
        a clock counting work (:mod:`scheduler.clock`) one at a time.

    Returns
    -------
    numpy.ndarray
        The best roster found (``chosen`` itself when no step improved it).
    """
    clock = current_clock()
    control = current()
    best = np.asarray(chosen, dtype=bool).copy()
    value = objective(penalties(arr, best))
    clock.charge(EVALUATE_SECONDS_PER_PAIR * arr.num_edges)
    days = min(WINDOW_DAYS, arr.num_days)
    if arr.num_days <= days:
        return best
    index = np.fromiter((v.index for v in x), dtype=np.int64, count=len(x))
    apart = _apart(arr)
    # One copy of the model per lane, each fixed to the incumbent.
    lanes = 1 if clock.counting else max(1, workers)
    copies: list[cp_model.CpModel] = []
    for _ in range(lanes):
        work = cp_model.CpModel()
        work.proto.copy_from(model.proto)
        _fix(work.proto.variables, index, best)
        copies.append(work)
    clock.charge(FIX_SECONDS_PER_PAIR * len(x))
    day_e = arr.edge_day
    rng = np.random.default_rng(seed)
    start_value, steps, kept, idle = value, 0, 0, 0
    with ThreadPoolExecutor(max_workers=lanes) as pool:
        while clock.left(until) > 0.1 * STEP_SECONDS and not control.stop_requested():
            if idle >= IDLE_ROUNDS * (arr.num_days - days + 1):
                break
            span = days
            firsts = _starts(arr.num_days, span, apart, lanes, rng)
            insides = [np.flatnonzero((day_e >= f) & (day_e < f + span)) for f in firsts]
            seconds = min(STEP_SECONDS, clock.left(until))
            began = clock.now()
            solvers = []
            for lane, inside in enumerate(insides):
                work = copies[lane]
                _free(work.proto.variables, index[inside])
                work.clear_hints()  # type: ignore[no-untyped-call]
                for e, b in zip(inside.tolist(), best[inside].tolist(), strict=True):
                    work.add_hint(x[e], b)
                solver = cp_model.CpSolver()
                clock.limit_cpsat(solver.parameters, seconds, STEP_WORKERS)
                solver.parameters.linearization_level = STEP_LINEARIZATION
                solver.parameters.random_seed = seed + steps + lane
                solvers.append(solver)

            n = len(insides)
            statuses = list(pool.map(_run, solvers, copies[:n], [control] * n))
            # Loading counted by the model's variables, most of them fixed: the
            # clock's rate per constraint (a model read whole) would count each
            # step about 0.9 s on Curtois Instance20, where it takes about 0.2 s.
            variables = len(copies[0].proto.variables)
            loading = STEP_OVERHEAD_SECONDS + MODEL_SECONDS_PER_VARIABLE * variables
            merged = np.zeros(0, dtype=np.int64)
            for lane, (inside, status) in enumerate(zip(insides, statuses, strict=True)):
                solver = solvers[lane]
                clock.charge_cpsat(solver, copies[lane], loading=loading)
                clock.charge(FIX_SECONDS_PER_PAIR * len(inside))
                # The round's time so far (on a counting clock, its work).
                took = clock.now() - began
                steps += 1
                logger.debug(
                    "window of %d days from day %d: %s in %.2f s, %d pairs",
                    span,
                    firsts[lane],
                    solver.status_name(status),
                    took,
                    len(inside),
                )
                improved = False
                if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                    trial = best.copy()
                    trial[inside] = [solver.boolean_value(x[e]) for e in inside.tolist()]
                    # A window solved beside another saw that one's old pairs:
                    # the rules spanning the horizon are checked on both.
                    if not len(merged) or _spans_keep(arr, trial, merged, inside):
                        got = objective(penalties(arr, trial))
                        clock.charge(EVALUATE_SECONDS_PER_PAIR * arr.num_edges)
                        if got <= value:
                            improved = got < value
                            kept += improved
                            best, value = trial, got
                            merged = np.concatenate((merged, inside))
                idle = idle + 1 if status == cp_model.OPTIMAL and not improved else 0
                if status == cp_model.OPTIMAL and took < GROW_BELOW * seconds:
                    days = min(days + 1, MAX_WINDOW_DAYS, arr.num_days - 1)
                elif status != cp_model.OPTIMAL:
                    days = max(days - 1, MIN_WINDOW_DAYS)
            # Every copy fixed again to the incumbent over all of this round's windows.
            every = np.concatenate(insides)
            for work in copies:
                _fix(work.proto.variables, index[every], best[every])
    logger.debug(
        "windows: %d steps, %d improving, %.2f -> %.2f (last window %d days)",
        steps,
        kept,
        start_value,
        value,
        days,
    )
    return best


def _apart(arr: RosterArrays) -> int:
    """Days between two windows solved side by side.

    So that only the rules spanning the horizon tie them: more than a week (weekly
    caps) and than any run a contract bounds.
    """
    p = arr.problem
    gap = 8
    for c in p.contracts:
        gap = max(
            gap,
            (c.max_consecutive_days or 0) + 2,
            c.min_consecutive_days + 1,
            c.min_consecutive_days_off + 1,
        )
    return gap


def _starts(
    num_days: int, days: int, apart: int, lanes: int, rng: np.random.Generator
) -> list[int]:
    """Window starts for one round.

    The first at random, the others at random among those at least ``apart`` days
    from every window drawn before (fewer when none is left).
    """
    last = num_days - days
    firsts = [int(rng.integers(0, last + 1))]
    for _ in range(lanes - 1):
        starts = np.arange(last + 1)
        far = np.ones(last + 1, dtype=bool)
        for f in firsts:
            far &= (starts + days + apart <= f) | (starts >= f + days + apart)
        if not far.any():
            break
        firsts.append(int(rng.choice(starts[far])))
    return firsts


def _spans_keep(arr: RosterArrays, chosen: BoolArray, before: IntArray, after: IntArray) -> bool:
    """Whether the rules spanning the horizon hold in ``chosen`` for two windows' volunteers.

    The volunteers with pairs in both ``before`` and ``after`` (pair ids of two
    windows): total minutes, weekends worked and per-type and per-post maximums.
    """
    both = np.intersect1d(arr.edge_vol[before], arr.edge_vol[after])
    if not len(both):
        return True
    p = arr.problem
    vols = p.organization.volunteers
    vptr = arr.vol_start()
    type_name = np.asarray(arr.types, dtype=object)
    post_name = np.asarray([post.id for post in p.posts], dtype=object)
    for v in both.tolist():
        mine = np.arange(vptr[v], vptr[v + 1])
        on = mine[chosen[mine]]
        sh = arr.edge_shift[on]
        c = p.contract(vols[v].id)
        minutes = int(arr.shift_minutes[sh].sum())
        if minutes < c.min_minutes or (c.max_minutes is not None and minutes > c.max_minutes):
            return False
        if c.max_weekends is not None:
            day = arr.shift_day[sh]
            weekend = (arr.weekday0 + day) % 7 >= 5
            if len(np.unique((arr.weekday0 + day[weekend]) // 7)) > c.max_weekends:
                return False
        for key, most in c.max_shifts.items():
            of_key = (type_name[arr.shift_type[sh]] == key) | (post_name[arr.shift_post[sh]] == key)
            hits = int(of_key.sum())
            if most > 0 and hits > most:
                return False
    return True


def _run(solver: cp_model.CpSolver, model: cp_model.CpModel, control: Any) -> Any:
    """Solve ``model`` (a lane's window), stopped when ``control`` asks."""
    with control.watching(solver):
        return solver.solve(model)


def _fix(variables: Any, index: IntArray, values: BoolArray) -> None:
    """Fix the model's variables ``index`` (pair literals) to ``values``."""
    for i, b in zip(index.tolist(), values.astype(np.int64).tolist(), strict=True):
        variables[i].domain[0] = b
        variables[i].domain[1] = b


def _free(variables: Any, index: IntArray) -> None:
    """Free the model's variables ``index`` (pair literals) again: 0 or 1."""
    for i in index.tolist():
        variables[i].domain[0] = 0
        variables[i].domain[1] = 1
