"""Named penalties of a given roster, computed directly (no solver).

:func:`penalties` itemizes the objective of :mod:`scheduler.solve` for a roster
given as a Boolean per eligible pair, term by term as the CP-SAT model names
them. It prices the constructive roster when a problem is too large to model
within its time limit (and is cross-checked against the solver's own terms in
the tests; :mod:`scheduler.check` recomputes the total independently).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from scheduler.arrays import PREFERENCE_RULES, SCALE, RosterArrays, edge_preferences
from volunteers.bits import BoolArray


@dataclass
class Term:
    """A named penalty: ``coef * var`` (``var`` a 0/1 or integer variable, or a constant)."""

    rule: str
    coef: int
    var: Any
    volunteer: int | None = None
    shift: int | None = None
    day: int | None = None
    detail: str = ""


def penalties(arr: RosterArrays, chosen: BoolArray) -> list[tuple[Term, int]]:
    """Every penalty term with a non-zero value for the roster ``chosen`` (one per pair)."""
    p = arr.problem
    w = p.params.weights
    vols = p.organization.volunteers
    ev, es = arr.edge_vol, arr.edge_shift
    out: list[tuple[Term, int]] = []

    def add(term: Term, value: int) -> None:
        if term.coef != 0 and value != 0:
            out.append((term, value))

    picked = np.flatnonzero(chosen)
    n = np.bincount(es[picked], minlength=arr.num_shifts)
    n_edges = np.bincount(es, minlength=arr.num_shifts)
    by_shift = picked[np.argsort(es[picked], kind="stable")]
    sptr = np.concatenate(([0], np.cumsum(n)))
    for s, shift in enumerate(p.shifts):
        under_w = round(shift.under_weight * SCALE)
        over_w = round(shift.over_weight * SCALE)
        if shift.target > 0:
            add(Term("cover_under", under_w, None, shift=s), max(0, shift.target - int(n[s])))
        if n_edges[s] > shift.target and over_w > 0:
            add(Term("cover_over", over_w, None, shift=s), max(0, int(n[s]) - shift.target))
        for seat in shift.seat_skills:
            on = by_shift[sptr[s] : sptr[s + 1]].tolist()
            have = sum(1 for e in on if seat.skill in vols[int(ev[e])].skills)
            add(
                Term("seat_skill", under_w, None, shift=s, detail=seat.skill),
                max(0, seat.count - have),
            )

    vindex = p.organization.volunteer_index
    vptr = arr.vol_start()
    for r, pairs in zip(p.requests, arr.request_pairs, strict=True):
        v = vindex[r.volunteer]
        d = (p.request_day(r) - p.start).days
        match = pairs.tolist()
        weight = round(r.weight * SCALE)
        detail = r.shift or r.kind or r.post or "day"
        if r.want == "on":
            met = any(chosen[e] for e in match)
            add(Term("request_on", weight, None, volunteer=v, day=d, detail=detail), int(not met))
        else:
            for e in match:
                if chosen[e]:
                    add(Term("request_off", weight, None, volunteer=v, shift=int(es[e]), day=d), 1)

    org = p.organization
    day_p = arr.shift_day[es[picked]]
    minutes_p = arr.shift_minutes[es[picked]]
    for team_rule in p.team_rules:
        member = np.zeros(arr.num_volunteers, dtype=bool)
        member[list(org.team2members[org.team_index[team_rule.team]])] = True
        theirs = member[ev[picked]]
        for first, span in p.weeks():
            need = p.team_rule_minutes(team_rule, span)
            in_week = theirs & (day_p >= first) & (day_p < first + span)
            short = -(-max(0, need - int(minutes_p[in_week].sum())) // 60)
            add(
                Term(
                    "team_hours",
                    round(team_rule.weight * SCALE),
                    None,
                    day=first,
                    detail=team_rule.team,
                ),
                short,
            )

    fair = round(w.fairness * SCALE)
    if fair > 0:
        if w.fairness_unit == "shift":
            load = np.bincount(ev[picked], minlength=arr.num_volunteers)
        else:
            minutes = np.bincount(
                ev[picked], weights=arr.shift_minutes[es[picked]], minlength=arr.num_volunteers
            ).astype(np.int64)
            load = -(-minutes // 60)
        has_edges = np.diff(vptr) > 0
        for v in np.flatnonzero(has_edges & (load > 0)).tolist():
            units = int(load[v])
            add(Term("fairness", fair, None, volunteer=v, detail=w.fairness_unit), units * units)

    pref, pref_rule = edge_preferences(arr)
    for e in picked[np.rint(pref[picked] * SCALE) > 0].tolist():
        rule = PREFERENCE_RULES[pref_rule[e]]
        coef = round(float(pref[e]) * SCALE)
        add(Term(rule, coef, None, volunteer=int(ev[e]), shift=int(es[e])), 1)

    change = round(w.change * SCALE)
    if p.previous and change > 0:
        before = {(vindex[q.volunteer], p.shift_index[q.shift]) for q in p.previous}
        for v, s in before:
            lo = int(vptr[v])
            found = lo + np.flatnonzero(es[lo : int(vptr[v + 1])] == s)
            if not chosen[found].any():
                add(Term("change", change, None, volunteer=v, shift=s), 1)
        for e in picked.tolist():
            if (int(ev[e]), int(es[e])) not in before:
                add(Term("change", change, None, volunteer=int(ev[e]), shift=int(es[e])), 1)
    return out


def objective(terms: list[tuple[Term, int]]) -> float:
    """The objective (in weight units) of itemized penalties."""
    return sum(t.coef * value for t, value in terms) / SCALE
