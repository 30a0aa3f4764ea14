"""Solver-independent checker of a roster: every hard rule, and the objective from scratch.

Written for clarity, not speed: plain loops over the assignments, reading only the
boundary models (never :mod:`scheduler.arrays` or the solver).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from scheduler.model import RosterProblem
from scheduler.result import RosterResult
from volunteers.travel import REACH_TOLERANCE


@dataclass
class RosterCheck:
    """What the checker found."""

    violations: list[str] = field(default_factory=list)
    objective: float = 0.0
    objective_matches: bool = True

    @property
    def feasible(self) -> bool:
        """No hard rule is broken."""
        return not self.violations

    @property
    def ok(self) -> bool:
        """Feasible and the reported objective is the recomputed one."""
        return self.feasible and self.objective_matches


def check(problem: RosterProblem, result: RosterResult | list[tuple[str, str]]) -> RosterCheck:
    """Check a roster: a result, or a list of ``(volunteer, shift)`` pairs.

    A result without a roster (infeasible, or stopped before finding one) has
    nothing to check and passes; its reasons are the solver's to give.
    """
    if isinstance(result, RosterResult):
        if result.objective is None:
            return RosterCheck()
        pairs = [(a.volunteer, a.shift) for a in result.assignments]
        reported: float | None = result.objective
    else:
        pairs = list(result)
        reported = None
    out = RosterCheck()
    p = problem
    org = p.organization
    vols = {v.id: v for v in org.volunteers}
    shifts = {s.id: s for s in p.shifts}
    posts = {x.id: x for x in p.posts}
    team_category = {t.id: t.category for t in org.teams}
    bad = out.violations

    if len(set(pairs)) != len(pairs):
        bad.append("a volunteer appears twice on one shift")
    by_vol: dict[str, list[str]] = defaultdict(list)
    by_shift: dict[str, list[str]] = defaultdict(list)
    for vid, sid in pairs:
        if vid not in vols or sid not in shifts:
            bad.append(f"unknown volunteer or shift in ({vid!r}, {sid!r})")
            continue
        by_vol[vid].append(sid)
        by_shift[sid].append(vid)

    travel: dict[tuple[str, str], float] = {}
    for vid, sids in by_vol.items():
        v = vols[vid]
        c = p.contract(vid)
        for sid in sids:
            s = shifts[sid]
            post = posts[s.post]
            if not set(p.shift_skills(s)) <= set(v.skills):
                bad.append(f"{vid} lacks a skill of shift {sid}")
            cats = p.shift_categories(s)
            if cats and not any(team_category[t] in cats for t in v.teams):
                bad.append(f"{vid} is in no team of a category allowed on shift {sid}")
            minutes = 0.0
            if not post.remote:
                minutes = float(
                    p.travel.pairwise_minutes(
                        [[v.home.lat, v.home.lon]], [[post.location.lat, post.location.lon]]
                    )[0]
                )
                if minutes > p.params.max_travel_minutes + REACH_TOLERANCE:
                    bad.append(f"{vid} lives {minutes:.1f} min from post {post.id} (shift {sid})")
            travel[(vid, sid)] = minutes
            if not v.availability.is_free(s.start, s.end):
                bad.append(f"{vid} is not free for shift {sid}")
            for key in (s.type, s.post):
                if c.max_shifts.get(key, 1) == 0:
                    bad.append(f"{vid}'s contract forbids {key!r} (shift {sid})")
        mine = sorted((shifts[sid] for sid in sids), key=lambda s: s.start)
        # Overlap and rest.
        for i, a in enumerate(mine):
            for b in mine[i + 1 :]:
                if b.start < a.end + timedelta(
                    minutes=c.min_rest_minutes
                ) and a.start < b.end + timedelta(minutes=c.min_rest_minutes):
                    bad.append(f"{vid}: shifts {a.id} and {b.id} overlap or leave too little rest")
        per_day: dict[int, list[str]] = defaultdict(list)
        for sh in mine:
            per_day[p.day_of(sh.start)].append(sh.type)
        for d, kinds in per_day.items():
            if len(kinds) > c.max_shifts_per_day:
                bad.append(f"{vid} works {len(kinds)} shifts on day {d}")
            for first_kind, next_kind in c.forbidden_successions:
                if first_kind in kinds and next_kind in per_day.get(d + 1, []):
                    bad.append(
                        f"{vid} works {first_kind} on day {d} then {next_kind} on day {d + 1}"
                    )
        for key, n in c.max_shifts.items():
            count = sum(1 for s in mine if key in (s.type, s.post))
            if n > 0 and count > n:
                bad.append(f"{vid} works {count} shifts of {key!r}, at most {n}")
        total = sum(s.minutes for s in mine)
        if c.max_minutes is not None and total > c.max_minutes:
            bad.append(f"{vid} works {total} minutes, at most {c.max_minutes}")
        if v.weekly_hour_cap is not None:
            for week in range(0, p.num_days, 7):
                got = sum(s.minutes for s in mine if week <= p.day_of(s.start) < week + 7)
                if got > 60 * v.weekly_hour_cap + 1e-6:
                    bad.append(f"{vid} works {got} minutes in the week from day {week}")
        _check_days(p, vid, set(per_day), bad)
    for vid in vols:
        c = p.contract(vid)
        if vid not in by_vol:
            _check_days(p, vid, set(), bad)
        total = sum(shifts[s].minutes for s in by_vol.get(vid, []))
        if total < c.min_minutes:
            bad.append(f"{vid} works {total} minutes, at least {c.min_minutes}")

    for s in p.shifts:
        n = len(by_shift.get(s.id, []))
        if n < s.minimum:
            bad.append(f"shift {s.id} has {n}, at least {s.minimum}")
        if s.maximum is not None and n > s.maximum:
            bad.append(f"shift {s.id} has {n}, at most {s.maximum}")
    chosen = set(pairs)
    for pin in p.pins:
        if (pin.volunteer, pin.shift) not in chosen:
            bad.append(f"pinned {pin.volunteer} on {pin.shift} is missing")

    out.objective = round(_objective(p, by_shift, by_vol, travel, chosen), 6)
    if reported is not None:
        out.objective_matches = abs(out.objective - reported) <= 1e-6 * max(1.0, abs(reported))
    return out


def _check_days(p: RosterProblem, vid: str, worked: set[int], bad: list[str]) -> None:
    """Consecutive-day rules and weekends on the set of worked day indices."""
    c = p.contract(vid)
    n = p.num_days
    runs: list[tuple[int, int, bool]] = []  # (first, last, working)
    d = 0
    while d < n:
        on = d in worked
        e = d
        while e + 1 < n and ((e + 1) in worked) == on:
            e += 1
        runs.append((d, e, on))
        d = e + 1
    for first, last, on in runs:
        length = last - first + 1
        inside = first > 0 and last < n - 1
        if on and c.max_consecutive_days is not None and length > c.max_consecutive_days:
            bad.append(f"{vid} works {length} days in a row from day {first}")
        if on and inside and length < c.min_consecutive_days:
            bad.append(f"{vid} works only {length} days in a row from day {first}")
        if not on and inside and length < c.min_consecutive_days_off:
            bad.append(f"{vid} has only {length} days off in a row from day {first}")
    if c.max_weekends is not None:
        weekday0 = p.start.weekday()
        weekends = {(weekday0 + d) // 7 for d in worked if (weekday0 + d) % 7 >= 5}
        if len(weekends) > c.max_weekends:
            bad.append(f"{vid} works {len(weekends)} weekends, at most {c.max_weekends}")


def _objective(
    p: RosterProblem,
    by_shift: dict[str, list[str]],
    by_vol: dict[str, list[str]],
    travel: dict[tuple[str, str], float],
    chosen: set[tuple[str, str]],
) -> float:
    """The objective of the module doc of :mod:`scheduler.solve`, from scratch."""
    org = p.organization
    vols = {v.id: v for v in org.volunteers}
    shifts = {s.id: s for s in p.shifts}
    w = p.params.weights
    total = 0.0
    for s in p.shifts:
        n = len(by_shift.get(s.id, []))
        total += _w(s.under_weight) * max(0, s.target - n) + _w(s.over_weight) * max(
            0, n - s.target
        )
        for seat in s.seat_skills:
            have = sum(1 for v in by_shift.get(s.id, []) if seat.skill in vols[v].skills)
            total += _w(s.under_weight) * max(0, seat.count - have)
    for r in p.requests:
        matches = [sid for sid in by_vol.get(r.volunteer, []) if p.request_matches(r, shifts[sid])]
        if r.want == "on" and not matches:
            total += _w(r.weight)
        if r.want == "off":
            total += _w(r.weight) * len(matches)
    ledger = org.ledger()
    index = org.volunteer_index
    recent = p.recency()
    for (vid, sid), minutes in travel.items():
        i = index[vid]
        target = max(float(ledger.target[i]), 1e-9)
        ahead = min(1.0, max(0.0, -float(ledger.pace_gap(p.start)[i]) / target))
        hours = shifts[sid].minutes / 60.0
        total += _w(
            w.travel * minutes + w.pace * ahead * hours + w.rotation * recent.get(vid, 0.0) * hours
        )
    for rule in p.team_rules:
        members = set(org.members(rule.team))
        for first, days in p.weeks():
            worked = sum(
                shifts[sid].minutes
                for vid in members
                for sid in by_vol.get(vid, [])
                if first <= p.day_of(shifts[sid].start) < first + days
            )
            missing = max(0, p.team_rule_minutes(rule, days) - worked)
            total += _w(rule.weight) * -(-missing // 60)
    if w.fairness > 0:
        for sids in by_vol.values():
            if w.fairness_unit == "shift":
                load = len(sids)
            else:
                load = -(-sum(shifts[sid].minutes for sid in sids) // 60)
            total += _w(w.fairness) * load * load
    before = {(q.volunteer, q.shift) for q in p.previous}
    if before:
        total += _w(w.change) * len(before ^ chosen)
    return total


def _w(weight: float) -> float:
    """Weights count to 1/100 (the solver's integer unit)."""
    return round(weight * 100) / 100
