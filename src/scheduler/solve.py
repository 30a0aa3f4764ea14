"""The rostering front door: :func:`build_roster`.

Objective (minimized, every weight configurable)::

    sum over shifts s    under_weight(s) * max(0, target(s) - n(s))
                       + over_weight(s)  * max(0, n(s) - target(s))
                       + under_weight(s) * missing seat skills of s
  + sum over requests    weight * [on request not met] + weight * [off request broken]
  + sum over (v, s)      travel * travel_minutes(v, s) + pace * ahead(v) * hours(s)
                       + rotation * recent(v) * hours(s)
  + change * (shifts added to or removed from ``previous``)
  + fairness * sum over volunteers load(v)^2
  + sum over team rules and weeks   weight * missing hours (rounded up)

``load(v)`` counts shifts, or minutes rounded up to whole hours (``fairness_unit``).

``n(s)`` is the number of volunteers on shift ``s``; ``ahead(v)`` in [0, 1] is how far
volunteer ``v`` is ahead of their yearly quota pace (hours go first to those behind);
``recent(v)`` in [0, 1] how recently a member of a ruled team was on duty (turns).
A team rule asks its members together for some hours each week (see ``TeamRule``).

Hard rules: eligibility (skills, team category, within reach, free for the whole
shift, types and posts the contract allows); no two shifts that overlap or leave
less than the contract's rest between them; shifts per day; forbidden successions;
per-type and per-post maximums; total minutes and weekly caps; consecutive working
days and days off (minimum runs touching the horizon's ends exempt); weekends;
head-count minimum and maximum; pins.

Method: one Boolean per eligible (volunteer, shift) pair, built from
:class:`~scheduler.arrays.RosterArrays`; soft rules as named penalty terms; CP-SAT,
hinted with the constructive roster of :mod:`scheduler.construct` (or, when that one
breaks a minimum rule, of :mod:`scheduler.sequential`, volunteer by volunteer, then
improved volunteer by volunteer, each one's best schedule given the others). When the model
would take too long to build for the time limit, or CP-SAT finds nothing in it, the
constructive roster is the answer if it keeps every hard rule (priced term by term by
:mod:`scheduler.evaluate`; no bound then).

Models of at most :data:`COLUMNS_MAX_PAIRS` pairs go through three phases before the
main search: a quick CP-SAT look (:data:`QUICK_SHARE` of the limit; a model proven
there is done); column generation over volunteers' schedules (:mod:`scheduler.columns`,
up to :data:`COLUMN_SHARE`), whose Lagrangian bound is given to CP-SAT as a constraint
on the objective and reported when it beats CP-SAT's own; and a search of the model with
the pairs its master LP settles at 0 or 1 fixed (up to :data:`GUIDED_SHARE`), whose
roster hints the main search when it beats the best start. Before that search, a
roster dived from the converged master (up to :data:`DIVE_SHARE` more) does the same,
after best responses; then branch and price searches the master's tree
(:mod:`scheduler.branching`, up to :data:`BRANCH_SHARE`, leaving
:data:`AFTER_TREE_SHARE` to a short guided search and the main one): its roster hints
the main search, and a tree searched to the end proves its roster optimal. A dive cut
short by its time hands its last master solution to a guided search before the tree
(up to :data:`GUIDED_AFTER_TREE_SHARE`): the volunteers it fixed, and the pairs
settled with them, are fixed there. Models too
large for column generation get ruin and recreate instead (:mod:`scheduler.improve`,
up to :data:`SEARCH_SHARE`); when contracts limit the weekends worked, their roster is
first searched along a plan of the weekends (:mod:`scheduler.weekends`: a MIP of the
weekend days alone, up to :data:`PLAN_SHARE`), whose pairs earn a bonus in the walks'
prices for :data:`PLAN_SEARCH_SHARE` of the search. On horizons longer than a window,
ruin and recreate then leaves :data:`WINDOW_SHARE` of the limit to CP-SAT re-solving
the roster window by window (:mod:`scheduler.windows`: every volunteer, a few days,
the rest fixed); when volunteers have requests, the windows leave the last
:data:`KICK_SHARE` of the limit to their wishes kicked in, the others answering
(:mod:`scheduler.improve`), which gives the answer (no bound). Models without
minimum rules (no minimum runs of days, no minimum minutes: their linear relaxation is strong),
models whose head counts are all fixed (a set partitioning, whose duals say nothing),
and models where column generation gives up go to a MIP solver instead
(:mod:`scheduler.mip`, up to :data:`MIP_SHARE` of the time left), whose roster and
bound hint and bound the main search; larger models without minimum rules too.

Every share above is of the solve's clock (:mod:`scheduler.clock`): the wall clock and
``params.time_limit``, or, with ``params.work_limit``, counted work, whose phases stop
at the same points in every run (the same seed gives the same roster).
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from functools import partial
from typing import Any

import numpy as np
import scipy.sparse as sp
from ortools.sat.python import cp_model

from scheduler.arrays import PREFERENCE_RULES, SCALE, RosterArrays, edge_preferences
from scheduler.branching import branch_and_price
from scheduler.clock import Clock, clocked, current_clock
from scheduler.columns import SETTLED, ColumnPool, relax
from scheduler.construct import greedy_roster
from scheduler.evaluate import Term as _Term
from scheduler.evaluate import objective as priced
from scheduler.evaluate import penalties as itemized
from scheduler.improve import improve_roster, priced_by_walks
from scheduler.mip import (
    UnsupportedError,
    balanced_loads,
    linear_form,
    solve_mip,
    solve_rens,
)
from scheduler.model import RosterProblem
from scheduler.result import (
    Coverage,
    Penalty,
    RosterAssignment,
    RosterResult,
    RosterStatus,
    UnfilledSeat,
    VolunteerLoad,
)
from scheduler.sequential import sequential_roster
from scheduler.volunteer_rules import add_volunteer_rules
from scheduler.weekends import limits_weekends, weekend_plan
from scheduler.windows import WINDOW_DAYS, window_search
from volunteers.control import current
from volunteers.geo import FloatArray

logger = logging.getLogger(__name__)

PRESOLVE_MAX_PAIRS = 30_000
"""Largest model (eligible pairs) solved with CP-SAT's presolve on."""

INTERLEAVE_MAX_PAIRS = 30_000
"""Largest model (eligible pairs) searched by several CP-SAT workers on a work budget.

There the workers interleave their search (:meth:`scheduler.clock.Clock.limit_cpsat`),
which pays on small models and not on large ones, where one worker searches instead.
Measured, deterministic units a wall second for a limit of 2.0 (one worker, two
interleaved): Curtois Instance8 (2,158 pairs) 0.42 and 0.93, Instance12 (10,452) 0.40
and 0.62, Instance18 (4,104) 0.37 and 1.04, Instance20 (35,260) 0.32 and 0.37 (0.38
with presolve). Counted as two workers, Instance20's and Instance22's runs took 182 s
and 239 s of wall time for a budget of 60 work seconds, and found the rosters one
worker finds (7,666 and 48,039).
"""


def build_roster(problem: RosterProblem) -> RosterResult:
    """Build a roster.

    Parameters
    ----------
    problem
        A validated :class:`~scheduler.model.RosterProblem`; its ``params``
        give the time limit, seed, workers and weights.

    Returns
    -------
    RosterResult
        Status, objective and bound, the roster, coverage, loads, named
        penalties and unfilled seats with reasons.
    """
    params = problem.params
    clock = Clock(time_limit=params.time_limit, work_limit=params.work_limit)
    with clocked(clock):
        result = _build_roster(problem, clock)
    logger.debug(
        "%.2f work seconds counted in %.2f s", clock.work, time.perf_counter() - clock.began
    )
    return result


def _build_roster(problem: RosterProblem, clock: Clock) -> RosterResult:
    """:func:`build_roster` on ``clock`` (its deadlines and timings are the clock's)."""
    t0 = clock.began
    arr = RosterArrays.build(problem)
    clock.charge(ARRAYS_SECONDS_PER_PAIR * arr.num_edges)
    t1 = clock.now()
    pin_errors = _pin_errors(arr)
    if pin_errors:
        return _empty(arr, RosterStatus.INFEASIBLE, pin_errors, t0)
    params = problem.params
    limit = clock.limit
    deadline = clock.deadline
    timings: dict[str, float] = {"arrays": t1 - t0}
    t2 = clock.now()
    built = greedy_roster(arr)
    clock.charge(GREEDY_SECONDS_PER_PAIR * arr.num_edges)
    complete = _keeps_every_rule(arr, built)
    windowed = False
    if not complete:
        # Minimum rules the greedy construction cannot keep: volunteer by volunteer.
        # Aimed at a share of the limit, but not cut there: without it a large
        # problem may have no roster at all (see :mod:`scheduler.sequential`).
        # Large models get no column generation, and CP-SAT alone improves
        # them slowly: the improvement searches on by ruin and recreate.
        search = arr.num_edges > COLUMNS_MAX_PAIRS
        # The searched roster then goes on window by window (:mod:`scheduler.windows`)
        # when the horizon is longer than a window.
        windows = search and arr.num_days > WINDOW_DAYS
        # The weekend plan (:mod:`scheduler.weekends`) guides the construction
        # when there is time for both, else only the search after it.
        plan_first = search and clock.left(deadline) >= PLAN_SHARE * limit + PLAN_FIRST_FACTOR * (
            clock.now() - t0
        )
        bonus = _weekend_bonus(arr, PLAN_SHARE * limit) if plan_first else None
        until = min(deadline, t2 + SEQUENTIAL_SHARE * limit)
        kept = sequential_roster(
            arr, until=until, stop=deadline, seed=params.seed, workers=params.workers, bonus=bonus
        )
        if kept is not None:
            logger.debug("sequential construction in %.2f s", clock.now() - t2)
            if search and not plan_first:
                seconds = min(PLAN_SHARE * limit, clock.left(deadline))
                bonus = _weekend_bonus(arr, seconds)
            share = SEARCH_SHARE if search else IMPROVE_SHARE
            # Large models' best responses side by side (small ones' walks are
            # too short for threads to pay: measured 1.06-1.42 times as fast on
            # Curtois Instances 8 and 18, against 2.5 on Instance20).
            lanes = params.workers if search else 1
            until = min(deadline, clock.now() + share * limit)
            search_until = until
            if windows:
                # Ruin and recreate leaves the windows their time (best
                # responses go on while they improve).
                build = BUILD_SECONDS_PER_PAIR * arr.num_edges
                search_until = max(clock.now(), deadline - WINDOW_SHARE * limit - build)
            # Days dealt again between best responses: large models only
            # (measured at 60 s: Curtois Instance22 seeds 1-2 38,746 / 37,533
            # against 38,834 / 39,005; Instance8, seeds 1-3, 1,306 / 1,308 /
            # 1,305 against 1,300 / 1,301 / 1,303).
            improve = partial(
                improve_roster,
                arr,
                seed=params.seed,
                search_until=search_until,
                workers=lanes,
                deal=search,
            )
            if bonus is not None:
                planned = clock.now() + PLAN_SEARCH_SHARE * (until - clock.now())
                kept = improve(kept, until=planned, search=True, bonus=bonus)
            better = improve(kept, until=until, search=search)
            if _meets_minimums(arr, better) or not _meets_minimums(arr, kept):
                kept = better
            if windows and _meets_minimums(arr, kept) and _too_large(arr, clock, deadline):
                # Best responses and deals settled, but too late for the windows'
                # model: ruin and recreate over spans of weeks until the deadline.
                kept = improve(
                    kept,
                    until=deadline,
                    search=True,
                    search_until=deadline,
                    weeks=SPAN_WEEKS,
                    answered=True,
                )
            built, complete = kept, _meets_minimums(arr, kept)
            windowed = windows
    t3 = clock.now()
    timings["construct"] = t3 - t2

    def unproven(chosen: np.ndarray) -> RosterResult:
        terms = itemized(arr, chosen)
        status = RosterStatus.FEASIBLE
        return _assemble(arr, chosen, terms, status, priced(terms), None, t0, timings)

    def constructive(reason: str) -> RosterResult:
        logger.info("returning the constructive roster: %s", reason)
        return unproven(built)

    if complete and _too_large(arr, clock, deadline):
        return constructive(f"{arr.num_edges} pairs are too many to model in the time left")
    model, x, terms, constant = _build_model(arr)
    clock.charge(BUILD_SECONDS_PER_PAIR * arr.num_edges)
    t4 = clock.now()
    if complete and not windowed and deadline - t4 < AFTER_BUILD * (t4 - t3):
        # CP-SAT takes about as long again to load the model, twice (the
        # completion of the start, the search): it would only return the start
        # late (Curtois Instance22: built in 7.5 s with 9 s left, the run ended
        # 4 s past its limit).
        timings["build"] = t4 - t3
        return constructive(f"no time left to search the model built in {t4 - t3:.1f} s")
    if windowed and complete:
        # Time is left to the kicks only where they can run (the walks price the
        # whole objective) and have wishes to kick in.
        kick = bool(arr.problem.requests) and priced_by_walks(arr)
        chosen = window_search(
            model,
            x,
            arr,
            built,
            until=deadline - KICK_SHARE * limit if kick else deadline,
            seed=params.seed,
            workers=params.workers,
        )
        if kick:
            kicked = improve_roster(
                arr,
                chosen,
                until=deadline,
                seed=params.seed,
                search=True,
                workers=params.workers,
                deal=True,
                kicks=True,
            )
            if _meets_minimums(arr, kicked):
                chosen = kicked
        timings.update({"build": t4 - t3, "windows": clock.now() - t4})
        return unproven(chosen)
    start = _warm_start(model, x, built, arr)
    t5 = clock.now()
    timings.update({"build": t4 - t3, "warm_start": t5 - t4})
    lower: float | None = None
    # Solvers of models with pairs fixed (the completed construction, the
    # guided search): their bounds are their own objectives, not the problem's.
    fixed = [start]
    solver, status = None, cp_model.UNKNOWN
    if arr.num_edges <= COLUMNS_MAX_PAIRS:
        # A quick look first: easy models are proven at once (Timefold SMALL
        # in 0.2 s, where column generation alone takes 4 s).
        solver, status = _solve(model, arr, min(deadline - t5, QUICK_SHARE * limit))
        t6 = clock.now()
        timings["quick"] = t6 - t5
        seed_roster = built if start is not None else None
        best = start
        if status == cp_model.FEASIBLE:
            _hint_all(model, model, solver)
            seed_roster = _roster_of(solver, x)
            best = solver
        settled = status in (cp_model.OPTIMAL, cp_model.INFEASIBLE, cp_model.MODEL_INVALID)
        relaxed = None
        if not settled and not (_partitioning(arr) or _without_minimums(arr)):
            until = min(deadline, t6 + COLUMN_SHARE * limit)
            dive_until = min(deadline, t6 + (COLUMN_SHARE + DIVE_SHARE) * limit)
            known = None if best is None else (best.objective_value + constant) / SCALE
            relaxed = relax(
                arr,
                seed_roster,
                until=until,
                seed=params.seed,
                incumbent=known,
                dive_until=dive_until,
            )
            timings["columns"] = clock.now() - t6
            if relaxed is not None and relaxed.dived is not None:
                dived = _dived(model, x, arr, relaxed.dived, deadline, best, constant)
                if dived is not None:
                    fixed.append(dived)
                    best = dived
                timings["dive"] = clock.now() - t6 - timings["columns"]
            if relaxed is not None and relaxed.cut is not None:
                # A dive cut short by its time leaves a master with the
                # volunteers it fixed settled, at a value near the converged
                # one: a search with what it settles fixed, before the tree,
                # whose incumbent it then is (Curtois Instance12: the optimum,
                # 4,040, in 1-3 s; the tree then proves it at its root).
                t_cut = clock.now()
                seconds = min(deadline - t_cut, GUIDED_AFTER_TREE_SHARE * limit)
                guided = _guided(model, x, relaxed.cut, arr, seconds, best)
                if guided is not None:
                    fixed.append(guided)
                    best = guided
                timings["guided_cut"] = clock.now() - t_cut
            if relaxed is not None and relaxed.pool is not None and relaxed.dived is not None:
                t_tree = clock.now()
                until = min(
                    deadline - AFTER_TREE_SHARE * limit,
                    t_tree + BRANCH_SHARE * limit,
                )
                best, lower, settled, searched = _branched(
                    model, x, arr, relaxed.pool, until, best, constant, fixed
                )
                if searched:
                    timings["branch"] = clock.now() - t_tree
                if settled:
                    solver, status = best, cp_model.FEASIBLE  # proven optimal by the tree
        t7 = clock.now()
        if not settled and relaxed is None:
            # Column generation gave up (with every head count fixed its duals
            # say nothing; without walks its pricing is slow): the model's own
            # linear relaxation, in a MIP solver.
            until = t7 + MIP_SHARE * (deadline - t7)
            best, lower, settled = _mip_first(model, x, terms, arr, constant, until, best, fixed)
            timings["mip"] = clock.now() - t7
            if best is not None:
                solver, status = best, cp_model.FEASIBLE
        elif relaxed is not None and not settled:
            if relaxed.bound is not None:
                # Every objective is a whole number of 1 / SCALE units: round
                # the bound up to one (less a float tolerance), and tell
                # CP-SAT, which then stops as soon as it reaches it.
                units = int(np.ceil(relaxed.bound * SCALE - 1e-4))
                lower = units / SCALE
                model.add(_objective_expr(terms) >= units - constant)
            # After branch and price the guided search is short (measured at
            # 60 s with its full share: Curtois Instance8 1,397 with it, 1,306
            # without; Instance18 4,798 and 4,564; but without it Instance10,
            # which it finishes in 1.7 s, was left at 4,632 against 4,631).
            share = GUIDED_AFTER_TREE_SHARE if "branch" in timings else GUIDED_SHARE
            seconds = share * limit
            # Only the pairs where the best roster agrees with the master are
            # fixed, and the search starts from that roster (measured on a work
            # budget of 60, Curtois Instances 8, 9, 12 and 18, seeds 1 and 2:
            # Instance8 1,312 instead of 1,315 once, the seven others unchanged).
            shares = relaxed.fractional if best is None else _agreeing(relaxed.fractional, best, x)
            hinted = best is not None
            guided = _guided(model, x, shares, arr, min(deadline - t7, seconds), best, hinted)
            if guided is not None:
                fixed.append(guided)
                best = guided
            timings["guided"] = clock.now() - t7
        if not settled:
            t8 = clock.now()
            main, main_status = _solve(model, arr, max(0.01, deadline - t8))
            timings["solve"] = clock.now() - t8
            if main_status in (cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.INFEASIBLE):
                solver, status = main, main_status
            elif best is not None:
                solver, status = best, cp_model.FEASIBLE  # the best start, completed
    else:
        best, settled = start, False
        if _without_minimums(arr):
            until = t5 + MIP_SHARE * (deadline - t5)
            best, lower, settled = _mip_first(model, x, terms, arr, constant, until, best, fixed)
            timings["mip"] = clock.now() - t5
        if settled:
            solver, status = best, cp_model.FEASIBLE
        else:
            t6 = clock.now()
            solver, status = _solve(model, arr, max(0.01, deadline - t6))
            timings["solve"] = clock.now() - t6
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE) and best is not None:
            solver, status = best, cp_model.FEASIBLE  # the best start, completed
    if status == cp_model.INFEASIBLE or status == cp_model.MODEL_INVALID:
        return _empty(arr, RosterStatus.INFEASIBLE, _infeasible_reasons(arr), t0, timings)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        if complete:
            return constructive("CP-SAT found no roster in the time limit")
        return _empty(arr, RosterStatus.TIME_LIMIT, (), t0, timings)
    assert solver is not None  # a roster's status comes with the solver holding it
    chosen = _roster_of(solver, x)
    # Priced from the roster itself: a solve stopped by its time limit may leave
    # slack in the penalty variables (measured on Curtois Instance20: a completed
    # start claimed 13,901 for a roster costing 13,899).
    penalties = itemized(arr, chosen)
    objective = priced(penalties)
    of_fixed = any(solver is f for f in fixed)
    bound = None if of_fixed else (solver.best_objective_bound + constant) / SCALE
    if lower is not None:
        bound = lower if bound is None else max(bound, lower)
    proven = status == cp_model.OPTIMAL and not of_fixed
    if bound is not None and objective <= bound + 1e-6:
        proven = True
    result_status = RosterStatus.OPTIMAL if proven else RosterStatus.FEASIBLE
    return _assemble(arr, chosen, penalties, result_status, objective, bound, t0, timings)


PLAN_SHARE = 0.1
"""Share of the time limit for the weekend plan's MIP (:mod:`scheduler.weekends`)."""

PLAN_BONUS = 2.0
"""A weekend plan's pair earns this many times the largest under-staffing weight."""

PLAN_FIRST_FACTOR = 4.0
"""The weekend plan guides the construction volunteer by volunteer when the time
left is at least its own share plus this many times the time spent so far (the
arrays and the greedy roster, a rough measure of how long the construction takes:
Curtois Instance22 4 s against 16 s; Instance20 0.3 s against 2.4 s). Else it is
planned after the construction, which it would otherwise delay: with the plan
first, Instance22 at a 20 s limit had no roster by its deadline. At 60 s, the plan
first gave Instance22 41,030 and the plan after the construction 45,213-46,156."""

PLAN_SEARCH_SHARE = 0.15
"""Share of the search after the construction that follows the weekend plan. Measured
at 60 s with days dealt again between best responses (:mod:`scheduler.redeal`), seeds
1-4, run one after the other: Curtois Instance22 37,860 / 37,767 / 38,098 / 37,625
against 38,734 / 38,003 / 38,199 / 38,155 at 0.4 (the search at true prices, which the
deals lengthen, settled at 48-55 s); Instance20 5,607 / 5,395 / 5,299 / 5,375 against
5,452 / 5,375 / 5,390 / 5,476, the same within its spread."""


SPAN_WEEKS = 4
"""Weeks a span of ruin and recreate frees (:mod:`scheduler.spans`). Measured from a
roster of Curtois Instance22 where best responses and deals had settled (38,011), 10 s:
spans of 4 weeks 37,787 / 37,689, of 2 weeks 37,888, whole schedules 37,996."""


def _too_large(arr: RosterArrays, clock: Clock, deadline: float) -> bool:
    """Whether the model's estimated building time exceeds its share of the time left."""
    return arr.num_edges * BUILD_SECONDS_PER_PAIR > MODEL_SHARE * clock.left(deadline)


def _weekend_bonus(arr: RosterArrays, seconds: float) -> FloatArray | None:
    """Per pair, the bonus of the weekend plan's pairs (:mod:`scheduler.weekends`).

    ``None`` when no contract limits the weekends or HiGHS found no plan.
    """
    if not limits_weekends(arr):
        return None
    plan = weekend_plan(arr, seconds)
    if plan is None:
        return None
    under = max((s.under_weight for s in arr.problem.shifts), default=0.0)
    bonus: FloatArray = np.where(plan, PLAN_BONUS * max(under, 1.0), 0.0)
    return bonus


WINDOW_SHARE = 0.8
"""Share of the time limit ruin and recreate leaves to the search window by window
(:mod:`scheduler.windows`), on models too large for column generation; best responses
and deals still go on to :data:`SEARCH_SHARE` while they improve (Curtois Instance22,
where they take the whole minute). Since days are dealt again between best responses
(:mod:`scheduler.redeal`), ruin and recreate after them gains little on Curtois
Instance20 (0, 0 and 62 in the 18 s it had at 0.5, seeds 1-3), where windows gain
500-600 in 30 s. At 60 s (wall clock, two workers), seeds 1-8, run one after the
other: 5,230 / 5,355 / 5,224 / 5,334 / 5,272 / 5,529 / 5,441 / 5,447 (mean 5,354)
against 5,597 / 5,390 / 5,174 / 5,381 / 5,600 / 5,554 / 5,399 / 5,592 at 0.5 (mean
5,461). On a work budget of 60 with one worker (seeds 1-2) the same within the
spread: 5,744 / 5,533 against 5,668 / 5,562. Earlier, before the deals, with windows
on two default CP-SAT workers (wall clock, seeds 1-3): 0.5 gave 5,793 / 6,005 / 5,982,
0.6 5,994 / 5,740 (seeds 2-3), 0.7 5,835 / 6,076; without windows 6,161-6,440."""

KICK_SHARE = 0.25
"""Share of the time limit the windows leave to wishes kicked in, the others answering
(:meth:`scheduler.improve._State.kicks`), when volunteers have requests. The windows
settle the roster within a few days at a time; a kick moves a volunteer's work where
their wishes are, and the chain of answers it sets off moves the weekend seats it
leaves between volunteers across the whole horizon, which no window reaches.
Measured on Curtois Instance20 at 60 s (wall clock, two workers), seeds 1-8, run one
after the other: 5,468 / 5,020 / 5,162 / 5,129 / 5,042 / 5,221 / 5,128 / 5,328 (mean
5,187) against windows to the deadline 5,230 / 5,355 / 5,224 / 5,334 / 5,272 / 5,529 /
5,441 / 5,447 (mean 5,354), 7 of 8 better; 0.4 (seeds 1-4) 5,293 / 5,228 / 5,127 /
5,034, the same. On a work budget of 60 with one worker (seeds 1-2): 5,543 / 5,407
against 5,744 / 5,533. Kicks before the windows instead (ruin and recreate's time,
windows at 0.5) gained less: 5,250 / 5,549 (seeds 1-2)."""

SEQUENTIAL_SHARE = 0.25
"""Share of the time limit a start built volunteer by volunteer
(:mod:`scheduler.sequential`, when the greedy construction breaks a minimum rule)
aims at; it may go on to the deadline while its volunteers keep finding schedules."""

IMPROVE_SHARE = 0.3
"""Most of the time limit spent improving the sequential start volunteer by volunteer
(:func:`scheduler.improve.improve_roster`; on small instances it stops far sooner,
when a pass changes nothing)."""

SEARCH_SHARE = 0.8
"""Most of the time limit spent improving the sequential start of a model too large
for column generation: best responses, then ruin and recreate until this share is spent
(:mod:`scheduler.improve`; ruin and recreate stops earlier, at :data:`WINDOW_SHARE`
before the deadline, when the windows follow); CP-SAT from its roster gets the rest.
Measured on Curtois (before the windows)
Instance20 at 60 s, seeds 1-4, wall clock and two workers: 7,351 / 6,679 / 6,778 /
6,855 against 6,757 / 6,995 / 7,031 / 7,041 with 0.5; on a work budget of 60 with one
worker, seeds 1-2: 7,143 / 7,102 against 7,666 / 7,541 (0.9: 7,136 / 7,296).
Instance22 is unchanged (48,039: its best responses alone take most of the time)."""

ARRAYS_SECONDS_PER_PAIR = 2e-6
GREEDY_SECONDS_PER_PAIR = 6e-6
"""Work seconds (:mod:`scheduler.clock`) counted per eligible pair for the arrays and
the greedy construction (measured on Curtois Instances 5-22: 3-8 and 5-27 us; the
synthetic county week, 1.46 million pairs: 1.4 and 3 us)."""

BUILD_SECONDS_PER_PAIR = 4e-5
"""Model-building time per eligible pair, estimated before building and counted after
(:mod:`scheduler.clock`). Measured: synthetic county weeks 25-33 us (68,000, 531,000
and 1.46 million pairs), Curtois Instances 5-22 33-80 us. At 20 us, the estimate let
a 531,000-pair week spend 20 s of its 30 s building a model it had no time to search."""

AFTER_BUILD = 2.0
"""A complete constructive roster is the answer when less than this many times the
model's building time is left after building it."""

MODEL_SHARE = 0.5
"""A model whose estimated building time exceeds this share of the time left is not
built: the constructive roster is the answer (when it keeps every hard rule)."""

WARM_START_SECONDS = 2.0
WARM_START_SHARE = 0.2
"""Most time spent completing the constructive roster into a full solution: the larger
of ``WARM_START_SECONDS`` and ``WARM_START_SHARE`` of the time limit (measured: 2.3 s to
complete a roster of 1,311 shifts and 327,000 pairs, whose main solve then finds nothing
better in 21 s without the hint)."""


def _warm_start(
    model: cp_model.CpModel, x: list[Any], chosen: np.ndarray, arr: RosterArrays
) -> cp_model.CpSolver | None:
    """Hint ``model`` with the constructive roster ``chosen``, completed to every variable.

    The roster's pair variables are fixed in a copy of the model, which CP-SAT
    completes (day indicators, shortfalls, penalties) or proves infeasible (the
    construction breaks a rule it does not track, such as a minimum run). A
    complete hint is one CP-SAT takes as its first solution; a partial one was
    measured to be lost (Timefold LARGE: worse rosters than the construction).
    Returns the solver holding the completed solution, or ``None``.
    """
    fixed = model.clone()
    for var, value in zip(x, chosen.tolist(), strict=True):
        fixed.add(fixed.get_bool_var_from_proto_index(var.index) == int(value))
    solver = cp_model.CpSolver()
    clock = current_clock()
    limit = min(clock.limit, arr.problem.params.time_limit)
    clock.limit_cpsat(
        solver.parameters, min(max(WARM_START_SECONDS, WARM_START_SHARE * limit), limit)
    )
    solver.parameters.random_seed = arr.problem.params.seed
    status = solver.solve(fixed)
    clock.charge_cpsat(solver, fixed)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        logger.debug("constructive roster not completed: %s", solver.status_name(status))
        return None
    model.clear_hints()  # type: ignore[no-untyped-call]
    for i in range(len(model.proto.variables)):
        var = model.get_int_var_from_proto_index(i)
        model.add_hint(var, solver.value(var))
    return solver


MIP_SHARE = 0.7
"""Most of the time left spent in the MIP (:func:`_mip_phase`), when a model goes to it."""


def _without_minimums(arr: RosterArrays) -> bool:
    """Whether no working volunteer's contract has a minimum run or minimum minutes.

    Such models go to the MIP first (:func:`_mip_first`): their linear relaxation
    is strong. Measured: synthetic county weeks (HiGHS proves 2,000 x 20 optimal in
    2-3 s where CP-SAT ended 4% above its bound in 10 s, and 5,000 x 100, 68,000
    pairs, in 7 s where CP-SAT ended 15% above in 30 s) and Timefold. Minimum runs
    and minutes make it weak: Curtois Instance5's relaxation is 14 against an
    optimum near 1,143, and HiGHS ends Instance20 at 473,502 in 40 s where CP-SAT
    reaches 16,416.
    """
    p = arr.problem
    vols = p.organization.volunteers
    working = np.flatnonzero(np.diff(arr.vol_start()))
    for c in {p.contract(vols[v].id).id: p.contract(vols[v].id) for v in working}.values():
        if c.min_consecutive_days > 1 or c.min_consecutive_days_off > 1 or c.min_minutes > 0:
            return False
    return True


def _mip_first(
    model: cp_model.CpModel,
    x: list[Any],
    terms: list[_Term],
    arr: RosterArrays,
    constant: int,
    until: float,
    best: cp_model.CpSolver | None,
    fixed: list[cp_model.CpSolver | None],
) -> tuple[cp_model.CpSolver | None, float | None, bool]:
    """Run :func:`_mip_phase` until ``until``; bound, complete and hint ``model`` with it.

    The MIP's roster, completed by CP-SAT (:func:`_warm_start`, which hints the
    model with it), replaces ``best`` when it is better (and joins ``fixed``);
    otherwise ``model`` is hinted with ``best`` again. Its bound is added to
    ``model`` as a constraint on the objective. Returns the best solver, the
    bound (weight units) and whether the best roster meets it (proven optimal).
    """
    found, lower = _mip_phase(model, x, arr, constant, until)
    if lower is not None:
        model.add(_objective_expr(terms) >= round(lower * SCALE) - constant)
    completed = None if found is None else _warm_start(model, x, found, arr)
    if completed is not None and (best is None or completed.objective_value < best.objective_value):
        fixed.append(completed)
        value = (completed.objective_value + constant) / SCALE
        return completed, lower, lower is not None and value <= lower + 1e-9
    if best is not None:
        _hint_all(model, model, best)  # a MIP stopped early: the start is better
    return best, lower, False


def _partitioning(arr: RosterArrays) -> bool:
    """Whether every shift's head count is fixed (minimum = maximum)."""
    return all(s.maximum is not None and s.minimum == s.maximum for s in arr.problem.shifts)


TRANSLATE_SECONDS_PER_CONSTRAINT = 5e-5
"""Measured time to translate one CP-SAT constraint (:func:`scheduler.mip.linear_form`):
24-50 us (Timefold LARGE 8,000 constraints in 0.4 s; Curtois Instance22 342,000 in 8.3 s)."""

TRANSLATE_SHARE = 0.25
"""Most of the MIP's time its estimated translation may take, or the MIP is skipped."""

HIGHS_OVERRUN = 0.1
"""Share of its time limit kept back from HiGHS, which can overrun it (presolve)."""


def _left(until: float) -> float:
    """The time HiGHS is given to finish by ``until``."""
    return (1.0 - HIGHS_OVERRUN) * max(0.0, current_clock().left(until))


def _mip_phase(
    model: cp_model.CpModel, x: list[Any], arr: RosterArrays, constant: int, until: float
) -> tuple[np.ndarray | None, float | None]:
    """Solve the model as a MIP (:mod:`scheduler.mip`): a roster and a lower bound.

    With every head count fixed and fairness in shifts, the squared loads are
    left out of the program and the loads kept within one of the mean (the
    total is fixed): a restriction, whose roster is exact when it meets the
    lower bound, which is the linear relaxation without the fairness term plus
    the least sum of squares. Otherwise (or when the restriction is
    infeasible) the whole program, squares as tangents, is solved, and its own
    bound is the bound. Returns the roster (``None`` when none was found) and
    the bound in weight units (``None`` when none was proven); ``(None, None)``
    when the model does not translate, or its translation would take too long.
    """
    clock = current_clock()
    translating = TRANSLATE_SECONDS_PER_CONSTRAINT * len(model.proto.constraints)
    if translating > TRANSLATE_SHARE * clock.left(until):
        logger.debug("no MIP: its translation alone would take %.1f s", translating)
        return None, None
    try:
        form = linear_form(model)
        clock.charge(translating)
    except UnsupportedError as err:
        logger.debug("no MIP: %s", err)
        return None, None
    w = arr.problem.params.weights
    fair = round(w.fairness * SCALE)
    index = np.asarray([v.index for v in x], dtype=np.int64)
    answer = None
    lower: float | None = None
    if fair > 0 and w.fairness_unit == "shift" and len(form.squares) and _partitioning(arr):
        vptr = arr.vol_start()
        vols = np.flatnonzero(np.diff(vptr) > 0)
        total = sum(s.minimum for s in arr.problem.shifts)
        rows = np.repeat(np.arange(len(vols)), np.diff(vptr)[vols])
        loads = sp.csr_matrix(
            (np.ones(arr.num_edges), (rows, index)), shape=(len(vols), len(form.cost))
        )
        plain = form.without_fairness()
        relaxed = solve_mip(plain, _left(until), relax=True)
        low, high, least = balanced_loads(len(vols), total)
        if relaxed.bound is not None:
            lower = relaxed.bound + fair * least
        ends = np.ones(len(vols))
        restricted = plain.with_rows(loads, low * ends, high * ends)
        # Near the restriction's LP first: when that roster meets the bound
        # (its loads balanced, its squares the least), it is optimal.
        near = solve_rens(restricted, _left(until), index)
        met = (
            near.objective is not None
            and lower is not None
            and near.objective + fair * least <= lower + 1e-6
        )
        if met:
            answer = near
        else:
            answer = solve_mip(restricted, _left(until))
            if near.objective is not None and (
                answer.objective is None or near.objective < answer.objective
            ):
                answer = near
            elif answer.infeasible:
                answer = None
    if answer is None and not clock.past(until):
        answer = solve_mip(form, _left(until))
        if answer.bound is not None:
            lower = answer.bound if lower is None else max(lower, answer.bound)
    bound = None if lower is None else (np.ceil(lower - 1e-6) + constant) / SCALE
    if answer is None or answer.values is None:
        return None, bound
    return answer.values[index] > 0.5, bound


COLUMNS_MAX_PAIRS = 30_000
"""Largest model (eligible pairs) given a column-generation phase (:mod:`scheduler.columns`)."""

QUICK_SHARE = 0.05
"""Share of the time limit for a first CP-SAT search of the whole model, before
column generation (a model proven optimal there needs nothing else)."""

COLUMN_SHARE = 0.4
"""Most of the time limit spent in column generation (measured at 60 s: Curtois
Instance14 and Instance18 converge in 20-22 s on a slow day; unconverged, they get
no dive and no tree, and end at 1,379 and 5,159 against 1,278 and 4,459)."""

DIVE_SHARE = 0.15
"""Most of the time limit, beyond what column generation leaves of its own share,
spent rounding a roster from its master by diving (:func:`scheduler.columns.relax`).
Measured at 60 s with the compiled walk (one run each, 0.35 against 0.15): Curtois
Instance12 4,543 and 4,340, Instance9 442 and 439, Instance8 1,312 and 1,308,
Instance18 4,570 and 4,574; Instances 5, 10 and 14 proven optimal with both."""

BRANCH_SHARE = 0.4
"""Most of the time limit spent in branch and price (:mod:`scheduler.branching`)
after the dive."""

AFTER_TREE_SHARE = 0.1
"""Share of the time limit branch and price leaves before the deadline, to a short
guided search (:data:`GUIDED_AFTER_TREE_SHARE`) and the main search."""

GUIDED_AFTER_TREE_SHARE = 0.05
"""Most of the time limit spent in the guided search after branch and price."""

GUIDED_SHARE = 0.2
"""Most of the time limit spent searching with the pairs the master LP settles fixed."""


def _roster_of(solver: cp_model.CpSolver, x: list[Any]) -> np.ndarray:
    """The roster (a Boolean per pair) of ``solver``'s solution, pair variables ``x``."""
    return np.asarray([solver.boolean_value(v) for v in x], dtype=bool)


def _agreeing(fractional: np.ndarray, best: cp_model.CpSolver, x: list[Any]) -> np.ndarray:
    """``fractional`` where the roster of ``best`` agrees with it, a half elsewhere (free).

    Fixing only those pairs (RINS: the relaxation and the incumbent agree) leaves the
    incumbent in the guided search's neighbourhood, which can then start from it.
    """
    agree = np.abs(fractional - _roster_of(best, x)) <= SETTLED
    return np.where(agree, fractional, 0.5)


def _guided(
    model: cp_model.CpModel,
    x: list[Any],
    fractional: np.ndarray,
    arr: RosterArrays,
    seconds: float,
    start: cp_model.CpSolver | None,
    hinted: bool = False,
) -> cp_model.CpSolver | None:
    """Search a copy of ``model`` with the pairs the master LP settles fixed.

    Measured on Curtois Instance5 (60 s): the fixed copy finds 1,241 in 12 s
    and the whole model, hinted with it, ends at 1,146 (1,164-1,342 without;
    best known 1,143). When the copy's roster beats ``start`` (the completed
    construction), ``model`` is hinted with it (every variable) and its
    solver is returned; otherwise ``None``. With ``hinted`` the copy keeps
    ``model``'s hint (the roster of ``start``, which the fixed pairs must keep:
    see :func:`_agreeing`); otherwise it searches from nothing.
    """
    if seconds <= MIN_GUIDED_SECONDS:
        return None
    fixed = model.clone()
    for var, share in zip(x, fractional.tolist(), strict=True):
        if share >= 1.0 - SETTLED:
            fixed.add(fixed.get_bool_var_from_proto_index(var.index) == 1)
        elif share <= SETTLED:
            fixed.add(fixed.get_bool_var_from_proto_index(var.index) == 0)
    if not hinted:
        fixed.clear_hints()  # type: ignore[no-untyped-call]
    solver, status = _solve(fixed, arr, seconds)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        logger.debug("guided search: %s", solver.status_name(status))
        return None
    logger.debug(
        "guided search: %s, objective %.2f (start: %s)",
        solver.status_name(status),
        solver.objective_value / SCALE,
        None if start is None else start.objective_value / SCALE,
    )
    if start is not None and solver.objective_value >= start.objective_value:
        return None
    _hint_all(model, fixed, solver)
    return solver


def _dived(
    model: cp_model.CpModel,
    x: list[Any],
    arr: RosterArrays,
    dived: np.ndarray,
    deadline: float,
    best: cp_model.CpSolver | None,
    constant: int,
) -> cp_model.CpSolver | None:
    """The dive's roster after best responses, completed, when it beats ``best``.

    ``model`` is then hinted with it, and the solver completing it returned;
    otherwise ``None``.
    """
    clock = current_clock()
    until = min(deadline, clock.now() + DIVE_IMPROVE_SHARE * clock.limit)
    better = improve_roster(arr, dived, until=until, seed=arr.problem.params.seed)
    if not _meets_minimums(arr, better):
        better = dived
    value = priced(itemized(arr, better))
    known = None if best is None else (best.objective_value + constant) / SCALE
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug(
            "dive: %.2f, after best responses %.2f (best so far %s)",
            priced(itemized(arr, dived)),
            value,
            known,
        )
    if known is not None and value >= known - 1e-9:
        return None
    return _warm_start(model, x, better, arr)


def _branched(
    model: cp_model.CpModel,
    x: list[Any],
    arr: RosterArrays,
    pool: ColumnPool,
    until: float,
    best: cp_model.CpSolver | None,
    constant: int,
    fixed: list[cp_model.CpSolver | None],
) -> tuple[cp_model.CpSolver | None, float | None, bool, bool]:
    """Branch and price from the converged master until ``until``.

    Returns the best solver (hinting ``model`` with the tree's roster when it
    beats ``best``; its solver is then added to ``fixed``), the proven
    optimum when the tree was searched to the end (else ``None``), whether it
    was, and whether the tree was searched at all (not given up at its root).
    """
    known = None if best is None else (best.objective_value + constant) / SCALE
    tree = branch_and_price(arr, pool, until=until, incumbent=known)
    if tree.roster is not None:
        found = _warm_start(model, x, tree.roster, arr)
        if found is not None:
            fixed.append(found)
            best = found
            known = tree.value
    if tree.proven and best is not None and known is not None:
        return best, known, True, True
    return best, None, False, tree.searched


DIVE_IMPROVE_SHARE = 0.05
"""Most of the time limit spent on best responses from the dive's roster."""


def _hint_all(model: cp_model.CpModel, solved: cp_model.CpModel, solver: cp_model.CpSolver) -> None:
    """Hint every variable of ``model`` with its value in ``solver``'s solution.

    ``solved`` is the model ``solver`` solved: ``model`` itself or a copy of it
    with constraints added.
    """
    model.clear_hints()  # type: ignore[no-untyped-call]
    for i in range(len(model.proto.variables)):
        var = model.get_int_var_from_proto_index(i)
        model.add_hint(var, solver.value(solved.get_int_var_from_proto_index(i)))


MIN_GUIDED_SECONDS = 0.05
"""Least time worth a guided search."""


def _solve(
    model: cp_model.CpModel, arr: RosterArrays, seconds: float
) -> tuple[cp_model.CpSolver, Any]:
    """Run CP-SAT on ``model`` for at most ``seconds`` with the problem's parameters."""
    params = arr.problem.params
    solver = cp_model.CpSolver()
    clock = current_clock()
    workers = params.workers
    if clock.counting and arr.num_edges > INTERLEAVE_MAX_PAIRS:
        workers = 1
    clock.limit_cpsat(solver.parameters, max(0.01, seconds), workers)
    solver.parameters.random_seed = params.seed
    # Measured: on large rosters CP-SAT's presolve takes most of the time limit
    # (9.8 s of a 15 s run at 66,000 pairs, then one poor solution); without it
    # the same model is solved to optimality in 9 s. On smaller ones (the Curtois
    # instances, <= 3,500 pairs; Timefold LARGE, 20,000) presolve finds better
    # rosters.
    solver.parameters.cp_model_presolve = arr.num_edges <= PRESOLVE_MAX_PAIRS
    control = current()
    with control.watching(solver):
        status = solver.solve(model, control.solution_callback())
    clock.charge_cpsat(solver, model)
    return solver, status


def _keeps_every_rule(arr: RosterArrays, chosen: np.ndarray) -> bool:
    """Whether the constructive roster ``chosen`` keeps the rules it does not track itself.

    The construction keeps every hard rule but minimums (see
    :mod:`scheduler.construct`): shift head-count minimums, contracts' minimum
    minutes, and minimum runs of working days or days off (checked here by the
    contracts: a contract with a minimum run is not vouched for).
    """
    p = arr.problem
    if not _meets_minimums(arr, chosen):
        return False
    ev = arr.edge_vol[chosen]
    minutes = np.bincount(
        ev, weights=arr.shift_minutes[arr.edge_shift[chosen]], minlength=arr.num_volunteers
    )
    working = np.flatnonzero(np.diff(arr.vol_start()))
    vols = p.organization.volunteers
    for v in working.tolist():
        c = p.contract(vols[v].id)
        if (
            c.min_minutes > minutes[v]
            or c.min_consecutive_days > 1
            or c.min_consecutive_days_off > 1
        ):
            return False
    return True


def _meets_minimums(arr: RosterArrays, chosen: np.ndarray) -> bool:
    """Whether every shift of the roster ``chosen`` has its head-count minimum."""
    n = np.bincount(arr.edge_shift[chosen], minlength=arr.num_shifts)
    return all(int(n[s]) >= shift.minimum for s, shift in enumerate(arr.problem.shifts))


def _pin_errors(arr: RosterArrays) -> tuple[str, ...]:
    p = arr.problem
    eligible = set(zip(arr.edge_vol.tolist(), arr.edge_shift.tolist(), strict=True))
    vindex = p.organization.volunteer_index
    errors = []
    for pin in p.pins:
        if (vindex[pin.volunteer], p.shift_index[pin.shift]) not in eligible:
            errors.append(
                f"pinned volunteer {pin.volunteer!r} may not work shift {pin.shift!r} "
                "(skills, team, reach, availability or contract)"
            )
    return tuple(errors)


def _build_model(arr: RosterArrays) -> tuple[cp_model.CpModel, list[Any], list[_Term], int]:
    """The CP-SAT model, its pair variables, named penalty terms and objective constant."""
    p = arr.problem
    vols = p.organization.volunteers
    w = p.params.weights
    model = cp_model.CpModel()
    n_e = arr.num_edges
    x = [model.new_bool_var(f"x{e}") for e in range(n_e)]
    terms: list[_Term] = []
    constant = 0
    ev, es = arr.edge_vol, arr.edge_shift
    day_e = arr.edge_day

    # Per volunteer, their edges (edges are sorted by volunteer, then shift).
    vptr = arr.vol_start()
    contracts = [p.contract(v.id) for v in vols]
    type_of_key = {t: i for i, t in enumerate(arr.types)}
    weekly_cap = [None if v.weekly_hour_cap is None else 60.0 * v.weekly_hour_cap for v in vols]
    for v in range(arr.num_volunteers):
        mine = np.arange(vptr[v], vptr[v + 1])
        if len(mine):
            add_volunteer_rules(model, arr, mine, x, contracts[v], weekly_cap[v], type_of_key)

    # Cover: head counts, under and over target.
    sptr_order = np.argsort(es, kind="stable")
    counts = np.bincount(es, minlength=arr.num_shifts)
    sptr = np.concatenate(([0], np.cumsum(counts)))
    vol_skills = [set(v.skills) for v in vols]
    for s, shift in enumerate(p.shifts):
        edges = sptr_order[sptr[s] : sptr[s + 1]].tolist()
        n = sum(x[e] for e in edges) if edges else 0
        if shift.minimum > 0:
            model.add(n >= shift.minimum)
        if shift.maximum is not None and len(edges) > shift.maximum:
            model.add(n <= shift.maximum)
        under_w = round(shift.under_weight * SCALE)
        over_w = round(shift.over_weight * SCALE)
        if shift.target > 0:
            under = model.new_int_var(0, shift.target, f"under{s}")
            model.add(under >= shift.target - n)
            terms.append(_Term("cover_under", under_w, under, shift=s))
        if len(edges) > shift.target and over_w > 0:
            over = model.new_int_var(0, len(edges) - shift.target, f"over{s}")
            model.add(over >= n - shift.target)
            terms.append(_Term("cover_over", over_w, over, shift=s))
        for seat in shift.seat_skills:
            holders = [e for e in edges if seat.skill in vol_skills[int(ev[e])]]
            short = model.new_int_var(0, seat.count, "")
            model.add(short >= seat.count - sum(x[e] for e in holders))
            terms.append(_Term("seat_skill", under_w, short, shift=s, detail=seat.skill))

    # Requests.
    vindex = p.organization.volunteer_index
    for r, pairs in zip(p.requests, arr.request_pairs, strict=True):
        v = vindex[r.volunteer]
        d = (p.request_day(r) - p.start).days
        match = pairs.tolist()
        weight = round(r.weight * SCALE)
        detail = r.shift or r.kind or r.post or "day"
        if r.want == "on":
            if not match:
                constant += weight
                terms.append(_Term("request_on", weight, 1, volunteer=v, day=d, detail=detail))
                continue
            if len(match) == 1:
                met = x[match[0]]
            else:
                met = model.new_bool_var("")
                model.add_max_equality(met, [x[e] for e in match])
            terms.append(_Term("request_on", weight, met.Not(), volunteer=v, day=d, detail=detail))
        else:
            for e in match:
                terms.append(
                    _Term("request_off", weight, x[e], volunteer=v, shift=int(es[e]), day=d)
                )

    # Team rules: the hours a ruled team's members work each week, short of the
    # rule's, in whole hours rounded up.
    org = p.organization
    for team_rule in p.team_rules:
        coef = round(team_rule.weight * SCALE)
        members = np.asarray(org.team2members[org.team_index[team_rule.team]], dtype=np.int64)
        theirs = np.flatnonzero(np.isin(ev, members))
        for first, span in p.weeks():
            need = p.team_rule_minutes(team_rule, span)
            most = -(-need // 60)
            week_edges = theirs[(day_e[theirs] >= first) & (day_e[theirs] < first + span)]
            if most == 0 or coef == 0:
                continue
            if len(week_edges) == 0:
                constant += coef * most
                terms.append(_Term("team_hours", coef * most, 1, day=first, detail=team_rule.team))
                continue
            short = model.new_int_var(0, most, "")
            worked = cp_model.LinearExpr.weighted_sum(
                [x[e] for e in week_edges.tolist()], arr.shift_minutes[es[week_edges]].tolist()
            )
            model.add(60 * short + worked >= need)
            terms.append(_Term("team_hours", coef, short, day=first, detail=team_rule.team))

    # Fairness: squared loads as products (measured on Timefold LARGE: a far
    # better bound than a unary encoding with costs 2k - 1, and better rosters).
    fair = round(w.fairness * SCALE)
    if fair > 0:
        for v in range(arr.num_volunteers):
            mine = np.arange(vptr[v], vptr[v + 1])
            if len(mine) == 0:
                continue
            lits = [x[e] for e in mine.tolist()]
            if w.fairness_unit == "shift":
                top = min(len(mine), contracts[v].max_shifts_per_day * arr.num_days)
                load: Any = sum(lits)
                unit = 1
            else:
                mins = arr.shift_minutes[es[mine]]
                most = int(mins.sum())
                cap = contracts[v].max_minutes
                if cap is not None:
                    most = min(most, cap)
                top = -(-most // 60)
                load = cp_model.LinearExpr.weighted_sum(lits, mins.tolist())
                unit = 60
            units = model.new_int_var(0, top, "")
            model.add(unit * units >= load)
            model.add(unit * units <= load + unit - 1)
            square = model.new_int_var(0, top * top, "")
            model.add_multiplication_equality(square, [units, units])
            terms.append(_Term("fairness", fair, square, volunteer=v, detail=w.fairness_unit))

    # Per-assignment preferences and stability.
    pref, pref_rule = edge_preferences(arr)
    for e in np.flatnonzero(np.rint(pref * SCALE) > 0).tolist():
        coef = round(float(pref[e]) * SCALE)
        rule = PREFERENCE_RULES[pref_rule[e]]
        terms.append(_Term(rule, coef, x[e], volunteer=int(ev[e]), shift=int(es[e])))
    change = round(w.change * SCALE)
    if p.previous and change > 0:
        before = {(vindex[q.volunteer], p.shift_index[q.shift]) for q in p.previous}
        kept_before = np.zeros(n_e, dtype=bool)
        for pair in before:
            found = arr.edge_of(*pair)
            if found is None:
                constant += change
                terms.append(_Term("change", change, 1, volunteer=pair[0], shift=pair[1]))
            else:
                kept_before[found] = True
                terms.append(
                    _Term("change", change, x[found].Not(), volunteer=pair[0], shift=pair[1])
                )
        for e in np.flatnonzero(~kept_before).tolist():
            terms.append(_Term("change", change, x[e], volunteer=int(ev[e]), shift=int(es[e])))

    for pin in p.pins:
        kept = arr.edge_of(vindex[pin.volunteer], p.shift_index[pin.shift])
        assert kept is not None  # checked by _pin_errors
        model.add(x[kept] == 1)

    model.minimize(_objective_expr(terms))
    return model, x, terms, constant


def _objective_expr(terms: list[_Term]) -> Any:
    """The model's objective (without its constant) from its penalty terms."""
    objective = [(t.coef, t.var) for t in terms if not isinstance(t.var, int)]
    return cp_model.LinearExpr.weighted_sum([v for _, v in objective], [c for c, _ in objective])


def _infeasible_reasons(arr: RosterArrays) -> tuple[str, ...]:
    p = arr.problem
    reasons = []
    for s, shift in enumerate(p.shifts):
        if arr.funnel[s, 3] < shift.minimum:
            reasons.append(
                f"shift {shift.id!r} needs at least {shift.minimum} but only "
                f"{int(arr.funnel[s, 3])} volunteers may work it"
            )
    if not reasons:
        reasons.append(
            "the hard rules (contracts, weekly caps, head-count minimums, pins) "
            "cannot all hold together"
        )
    return tuple(reasons)


def _empty(
    arr: RosterArrays,
    status: RosterStatus,
    reasons: tuple[str, ...],
    t0: float,
    timings: dict[str, float] | None = None,
) -> RosterResult:
    return RosterResult(
        status=status,
        objective=None,
        bound=None,
        runtime=time.perf_counter() - t0,
        assignments=(),
        coverage=(),
        loads=(),
        penalties=(),
        unfilled=(),
        infeasible_reasons=reasons,
        num_edges=arr.num_edges,
        timings=timings or {},
    )


def _assemble(
    arr: RosterArrays,
    chosen: np.ndarray,
    penalties: list[tuple[_Term, int]],
    status: RosterStatus,
    objective: float,
    bound: float | None,
    t0: float,
    timings: dict[str, float],
) -> RosterResult:
    p = arr.problem
    vols = p.organization.volunteers
    ev, es = arr.edge_vol[chosen], arr.edge_shift[chosen]
    assignments = tuple(
        RosterAssignment(
            volunteer=vols[int(v)].id,
            shift=p.shifts[int(s)].id,
            post=p.shifts[int(s)].post,
            start=p.shifts[int(s)].start,
            end=p.shifts[int(s)].end,
            travel_minutes=round(float(t), 3),
        )
        for v, s, t in zip(ev, es, arr.edge_travel[chosen], strict=True)
    )
    n = np.bincount(es, minlength=arr.num_shifts)
    coverage = []
    unfilled = []
    for s, shift in enumerate(p.shifts):
        under = max(0, shift.target - int(n[s]))
        coverage.append(
            Coverage(
                shift=shift.id,
                assigned=int(n[s]),
                minimum=shift.minimum,
                target=shift.target,
                maximum=shift.maximum,
                under=under,
                over=max(0, int(n[s]) - shift.target),
            )
        )
        if under:
            f = arr.funnel[s]
            unfilled.append(
                UnfilledSeat(
                    shift=shift.id,
                    seats=under,
                    qualified=int(f[0]),
                    in_reach=int(f[1]),
                    available=int(f[2]),
                    allowed=int(f[3]),
                    reasons=_reasons(f, shift.target, int(n[s])),
                )
            )
    minutes = np.bincount(ev, weights=arr.shift_minutes[es], minlength=arr.num_volunteers)
    shifts = np.bincount(ev, minlength=arr.num_volunteers)
    ledger = p.organization.ledger()
    target = ledger.expected(p.start + timedelta(days=p.num_days - 1))
    loads = tuple(
        VolunteerLoad(
            volunteer=v.id,
            shifts=int(shifts[i]),
            minutes=int(minutes[i]),
            hours_before=round(float(ledger.served[i]), 3),
            hours_after=round(float(ledger.served[i] + minutes[i] / 60.0), 3),
            pace_target_hours=round(float(target[i]), 3),
        )
        for i, v in enumerate(vols)
    )
    named = tuple(
        Penalty(
            rule=t.rule,
            amount=round(t.coef * value / SCALE, 6),
            volunteer=vols[t.volunteer].id if t.volunteer is not None else None,
            shift=p.shifts[t.shift].id if t.shift is not None else None,
            day=p.start + timedelta(days=t.day) if t.day is not None else None,
            detail=t.detail,
        )
        for t, value in penalties
    )
    return RosterResult(
        status=status,
        objective=round(objective, 6),
        bound=None if bound is None else round(bound, 6),
        runtime=time.perf_counter() - t0,
        assignments=assignments,
        coverage=tuple(coverage),
        loads=loads,
        penalties=named,
        unfilled=tuple(unfilled),
        num_edges=arr.num_edges,
        timings=timings,
    )


def _reasons(f: np.ndarray, target: int, got: int) -> tuple[str, ...]:
    if f[0] < target:
        return (f"only {int(f[0])} volunteers have the skills and team category",)
    if f[1] < target:
        return (f"only {int(f[1])} qualified volunteers are within reach",)
    if f[2] < target:
        return (f"only {int(f[2])} of those are free for the whole shift",)
    if f[3] < target:
        return (f"only {int(f[3])} of those are allowed by their contract or caps",)
    return (
        f"{int(f[3])} could work it, but contract rules, caps or other shifts took all but {got}",
    )
