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

Measured on Curtois Instance20 (50 volunteers, 182 days) after 28 s of ruin and
recreate: windows settle at 7-8 days, most steps proven optimal in 0.5-3 s and
nearly every one improving (6,131 to 5,793 in 18 steps). Windows of 14 days found
nothing in 3 s a step. Two weekends freed together, each with the days around it (to
move a weekend from one volunteer to another across weeks), instead of half or all of
the windows: 5,935-6,027 against 5,793-6,005 (seeds 1-2), not kept.
"""

from __future__ import annotations

import logging
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
        Seed of the windows' starts and of CP-SAT (one worker a window:
        :data:`STEP_WORKERS`).

    Returns
    -------
    numpy.ndarray
        The best roster found (``chosen`` itself when no step improved it).
    """
    clock = current_clock()
    control = current()
    best = np.asarray(chosen, dtype=bool).copy()
    value = objective(penalties(arr, best))
    days = min(WINDOW_DAYS, arr.num_days)
    if arr.num_days <= days:
        return best
    work = cp_model.CpModel()
    work.proto.copy_from(model.proto)
    index = np.fromiter((v.index for v in x), dtype=np.int64, count=len(x))
    variables = work.proto.variables
    _fix(variables, index, best)
    clock.charge(FIX_SECONDS_PER_PAIR * len(x))
    day_e = arr.shift_day[arr.edge_shift]
    rng = np.random.default_rng(seed)
    start_value, steps, kept, idle = value, 0, 0, 0
    while clock.left(until) > 0.1 * STEP_SECONDS and not control.stop_requested():
        if idle >= IDLE_ROUNDS * (arr.num_days - days + 1):
            break
        first = int(rng.integers(0, arr.num_days - days + 1))
        inside = np.flatnonzero((day_e >= first) & (day_e < first + days))
        _free(variables, index[inside])
        work.clear_hints()  # type: ignore[no-untyped-call]
        for e, b in zip(inside.tolist(), best[inside].tolist(), strict=True):
            work.add_hint(x[e], b)
        seconds = min(STEP_SECONDS, clock.left(until))
        began = clock.now()
        solver = cp_model.CpSolver()
        clock.limit_cpsat(solver.parameters, seconds, STEP_WORKERS)
        solver.parameters.linearization_level = STEP_LINEARIZATION
        solver.parameters.random_seed = seed + steps
        with control.watching(solver):
            status = solver.solve(work)
        # Loading counted by the model's variables, most of them fixed: the
        # clock's rate per constraint (a model read whole) would count each step
        # about 0.9 s on Curtois Instance20, where it takes about 0.2 s.
        loading = STEP_OVERHEAD_SECONDS + MODEL_SECONDS_PER_VARIABLE * len(variables)
        clock.charge_cpsat(solver, work, loading=loading)
        clock.charge(FIX_SECONDS_PER_PAIR * len(inside))
        steps += 1
        logger.debug(
            "window of %d days from day %d: %s in %.2f s, %d pairs",
            days,
            first,
            solver.status_name(status),
            clock.now() - began,
            len(inside),
        )
        improved = False
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            trial = best.copy()
            trial[inside] = [solver.boolean_value(x[e]) for e in inside.tolist()]
            got = objective(penalties(arr, trial))
            if got <= value:
                improved = got < value
                kept += improved
                best, value = trial, got
        idle = idle + 1 if status == cp_model.OPTIMAL and not improved else 0
        _fix(variables, index[inside], best[inside])
        if status == cp_model.OPTIMAL and clock.now() - began < GROW_BELOW * seconds:
            days = min(days + 1, MAX_WINDOW_DAYS, arr.num_days - 1)
        elif status != cp_model.OPTIMAL:
            days = max(days - 1, MIN_WINDOW_DAYS)
    logger.debug(
        "windows: %d steps, %d improving, %.2f -> %.2f (last window %d days)",
        steps,
        kept,
        start_value,
        value,
        days,
    )
    return best


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
