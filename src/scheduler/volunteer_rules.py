"""A volunteer's own hard rules as CP-SAT constraints, on their pair variables.

Shared by the whole roster model (:mod:`scheduler.solve`) and by the
volunteer-by-volunteer construction (:mod:`scheduler.sequential`), which solves
one volunteer's rules at a time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from scheduler.arrays import RosterArrays
from scheduler.model import Contract


def add_volunteer_rules(
    model: cp_model.CpModel,
    arr: RosterArrays,
    mine: np.ndarray,
    x: Sequence[Any] | Mapping[int, Any],
    c: Contract,
    cap: float | None,
    type_of_key: Mapping[str, int],
) -> None:
    """Add one volunteer's rules to ``model``.

    Parameters
    ----------
    model
        The model to extend.
    arr
        The problem's arrays.
    mine
        The volunteer's pair (edge) ids, in shift order.
    x
        The literal of each pair, indexed by pair id.
    c
        The volunteer's contract.
    cap
        Their weekly cap in minutes (``None``: none).
    type_of_key
        Index of each shift type in ``arr.types``.

    Rules: shifts per day, overlaps and rest, forbidden successions, per-type
    and per-post maximums, total minutes, weekly caps, consecutive working days
    and days off (minimum runs touching the horizon's ends exempt), weekends.
    """
    p = arr.problem
    es = arr.edge_shift
    sh = es[mine]
    days = arr.shift_day[sh]
    # Worked-day indicators.
    work: dict[int, Any] = {}
    for d in np.unique(days).tolist():
        on_day = mine[days == d]
        lits = [x[e] for e in on_day.tolist()]
        model.add(sum(lits) <= c.max_shifts_per_day)
        if len(lits) == 1:
            work[d] = lits[0]
        else:
            wv = model.new_bool_var("")
            model.add_max_equality(wv, lits)
            work[d] = wv
    # Overlap and rest: cliques of the interval graph of [start, end + rest).
    # Only the maximal ones: the clique at start time t is contained in the
    # one at the next start time unless one of its intervals ends by then.
    s0 = arr.shift_start[sh]
    s1 = arr.shift_end[sh] + c.min_rest_minutes
    times = np.unique(s0)
    for j, t in enumerate(times.tolist()):
        inside = (s0 <= t) & (s1 > t)
        if j + 1 < len(times) and s1[inside].min() > times[j + 1]:
            continue
        members = mine[inside]
        if len(members) > 1 and not (
            c.max_shifts_per_day == 1 and len(np.unique(arr.shift_day[es[members]])) == 1
        ):
            model.add_at_most_one([x[e] for e in members.tolist()])
    # Forbidden successions.
    if c.forbidden_successions:
        bad = {
            (type_of_key[a], type_of_key[b])
            for a, b in c.forbidden_successions
            if a in type_of_key and b in type_of_key
        }
        ty = arr.shift_type[sh]
        for i, e in enumerate(mine.tolist()):
            nxt = mine[(days == days[i] + 1)]
            for f in nxt.tolist():
                if (int(ty[i]), int(arr.shift_type[es[f]])) in bad:
                    model.add_bool_or([x[e].Not(), x[f].Not()])
    # Per-type and per-post maximums.
    for key, n in c.max_shifts.items():
        if n <= 0:
            continue
        hit = mine[(arr.shift_type[sh] == type_of_key.get(key, -1))]
        if key in p.post_index:
            hit = np.union1d(hit, mine[arr.shift_post[sh] == p.post_index[key]])
        if len(hit) > n:
            model.add(sum(x[e] for e in hit.tolist()) <= n)
    # Total minutes.
    mins = arr.shift_minutes[sh].tolist()
    total = cp_model.LinearExpr.weighted_sum([x[e] for e in mine.tolist()], mins)
    if c.max_minutes is not None and sum(mins) > c.max_minutes:
        model.add(total <= c.max_minutes)
    if c.min_minutes > 0:
        model.add(total >= c.min_minutes)
    if cap is not None:
        for week in range(0, arr.num_days, 7):
            sel = (days >= week) & (days < week + 7)
            if arr.shift_minutes[sh[sel]].sum() > cap:
                model.add(
                    cp_model.LinearExpr.weighted_sum(
                        [x[e] for e in mine[sel].tolist()],
                        arr.shift_minutes[sh[sel]].tolist(),
                    )
                    <= int(np.floor(cap + 1e-9))
                )
    _day_rules(model, arr, work, c)


def _day_rules(
    model: cp_model.CpModel, arr: RosterArrays, work: dict[int, Any], c: Contract
) -> None:
    """Consecutive days, days off and weekends, on worked-day indicators."""
    n = arr.num_days
    if not work:
        return
    if c.max_consecutive_days is not None and c.max_consecutive_days < n:
        k = c.max_consecutive_days
        for d in range(n - k):
            window = [work[t] for t in range(d, d + k + 1) if t in work]
            if len(window) > k:
                model.add(sum(window) <= k)
    # Minimum runs (not touching day 0 or the last day): forbid each short
    # pattern "off, on x l, off" (working) and "on, off x l, on" (days off).
    # Days a volunteer cannot work are off: they drop out of the clauses.
    for length in range(1, c.min_consecutive_days):
        for d in range(1, n - length):
            inner = range(d, d + length)
            if any(t not in work for t in inner):
                continue
            ends = [work[t] for t in (d - 1, d + length) if t in work]
            model.add_bool_or([*ends, *[work[t].Not() for t in inner]])
    for length in range(1, c.min_consecutive_days_off):
        for d in range(1, n - length):
            if d - 1 not in work or d + length not in work:
                continue
            off = [work[t] for t in range(d, d + length) if t in work]
            model.add_bool_or([work[d - 1].Not(), work[d + length].Not(), *off])
    if c.max_weekends is not None:
        weekends: dict[int, list[Any]] = defaultdict(list)
        for d, var in work.items():
            if arr.is_weekend(d):
                weekends[(arr.weekday0 + d) // 7].append(var)
        if len(weekends) > c.max_weekends:
            flags = []
            for days in weekends.values():
                if len(days) == 1:
                    flags.append(days[0])
                else:
                    f = model.new_bool_var("")
                    model.add_max_equality(f, days)
                    flags.append(f)
            model.add(sum(flags) <= c.max_weekends)
