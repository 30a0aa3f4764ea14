"""A constructive roster: the warm start of the CP-SAT search.

Shifts are filled one at a time, the most constrained first (fewest eligible
volunteers per seat), each up to its target (or its minimum when higher). A
seat goes to the eligible volunteer with the lowest score: wishes (an ``off``
request broken costs its weight, an ``on`` request met earns it), then the
per-assignment preferences (travel, quota pace), then the hours already given,
so that work is spread. A volunteer is only taken when the roster stays within
the rules that can be checked one assignment at a time: overlaps and rest,
shifts per day, forbidden successions, per-type and per-post maximums, total
minutes, weekly caps, consecutive working days and weekends. Minimum totals and
minimum runs are left to the solver, which also repairs anything else.

Team rules (a team's members together on duty some hours a week) are then met
by swaps (:func:`_team_swaps`): a member of a team still short takes a seat from
its occupant, one for one, when the hours saved are worth more than the swap
costs, so no seat filled is lost. Measured on ``python -m scheduler demo``
(5,000 volunteers, 5 stations, 40 teams asking 6 hours a week) at 10 s: 2,016.76
against 3,814.85 without the swaps (the optimum, proven at 60 s, is 2,014.83);
without them 19 teams were short and neither CP-SAT nor the MIP had time to
repair it. Giving members the seats first in the greedy order instead (their
teams' hours in the score) reached 2,070.37 there, but on the county week
(``benchmarks.roster``, 20,000 volunteers) it left 55 more seats empty.

Pins and the previous roster (when re-rostering) are placed first.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from scheduler.arrays import RosterArrays, edge_preferences
from scheduler.model import Contract
from volunteers.bits import BoolArray
from volunteers.geo import FloatArray, IntArray


def greedy_roster(arr: RosterArrays) -> BoolArray:
    """A roster as a Boolean per eligible pair of ``arr`` (see the module doc)."""
    p = arr.problem
    ev, es = arr.edge_vol, arr.edge_shift
    chosen = np.zeros(arr.num_edges, dtype=bool)
    if arr.num_edges == 0:
        return chosen
    vols = p.organization.volunteers
    vindex = p.organization.volunteer_index
    wish = wishes(arr)
    pref, _ = edge_preferences(arr)

    state = _State(arr, [p.contract(v.id) for v in vols])
    team = _TeamNeeds(arr)
    pinned = np.zeros(arr.num_edges, dtype=bool)
    for k, q in enumerate((*p.pins, *p.previous)):
        found = arr.edge_of(vindex[q.volunteer], p.shift_index[q.shift])
        if found is not None and not chosen[found] and state.fits(int(ev[found]), int(es[found])):
            state.add(int(ev[found]), int(es[found]))
            team.add(int(ev[found]), int(es[found]))
            chosen[found] = True
            pinned[found] = k < len(p.pins)

    order = np.argsort(es, kind="stable")
    counts = np.bincount(es, minlength=arr.num_shifts)
    sptr = np.concatenate(([0], np.cumsum(counts)))
    have = np.bincount(es[chosen], minlength=arr.num_shifts)
    need = np.asarray([max(s.minimum, s.target) for s in p.shifts]) - have
    if p.shifts:
        cap = np.asarray([s.maximum if s.maximum is not None else 10**9 for s in p.shifts])
        need = np.minimum(need, cap - have)
    tightness = counts / np.maximum(need, 1)
    for s in np.lexsort((tightness, arr.shift_start)).tolist():
        if need[s] <= 0:
            continue
        edges = order[sptr[s] : sptr[s + 1]]
        edges = edges[~chosen[edges]]
        if len(edges) == 0:
            continue
        edges = edges[state.may_fit(ev[edges], s)]
        load = state.minutes[ev[edges]]
        for e in edges[np.lexsort((load, pref[edges], wish[edges]))].tolist():
            v = int(ev[e])
            if state.fits(v, s):
                state.add(v, s)
                team.add(v, s)
                chosen[e] = True
                need[s] -= 1
                if need[s] == 0:
                    break
    if team.rules:
        _team_swaps(arr, chosen, ~pinned, state, team, wish + pref, order, sptr)
    return chosen


SWAP_PASSES = 3
"""Most passes of :func:`_team_swaps` (a pass stops them when it swaps nothing)."""


def _team_swaps(
    arr: RosterArrays,
    chosen: BoolArray,
    movable: BoolArray,
    state: _State,
    team: _TeamNeeds,
    cost: FloatArray,
    order: IntArray,
    sptr: IntArray,
) -> None:
    """Hand seats to members of teams short of hours, one for one (``chosen`` in place).

    For each team rule's week still short, each eligible pair of a member on a
    shift of that week, cheapest first, takes the seat of the occupant whose
    leaving costs least, when the hours the member's teams gain are worth more
    than what the swap costs (the occupant's teams' hours, wishes and preferences)
    and the member still fits (pinned pairs, not ``movable``, keep their seats).
    Seats filled stay filled. Passes repeat while they
    swap (a swap for one team can open one for another), at most
    :data:`SWAP_PASSES`.
    """
    es = arr.edge_shift
    week_e = arr.edge_day // 7
    vptr = arr.vol_start()
    # Each rule's members' pairs (each volunteer's pairs are contiguous).
    theirs = [
        np.concatenate([np.arange(vptr[m], vptr[m + 1]) for m in members.tolist()])
        if len(members)
        else np.zeros(0, dtype=np.int64)
        for members in team.members
    ]
    for _ in range(SWAP_PASSES):
        swapped = False
        for r, mine in enumerate(theirs):
            for w in np.flatnonzero(team.left[r] > 0).tolist():
                cand = mine[(week_e[mine] == w) & ~chosen[mine]]
                for e in cand[np.argsort(cost[cand], kind="stable")].tolist():
                    if team.left[r, w] <= 0:
                        break
                    on_shift = order[sptr[es[e]] : sptr[es[e] + 1]]
                    if _swap_in(arr, chosen, state, team, cost, on_shift[movable[on_shift]], e):
                        swapped = True
        if not swapped:
            break


def _swap_in(
    arr: RosterArrays,
    chosen: BoolArray,
    state: _State,
    team: _TeamNeeds,
    cost: FloatArray,
    on_shift: IntArray,
    e: int,
) -> bool:
    """Give pair ``e``'s shift to its volunteer in place of the cheapest occupant to lose.

    ``on_shift``: the shift's pairs that may give up their seat. Only when the
    teams' hours gained outweigh the swap's cost and the volunteer fits; returns
    whether it was made.
    """
    m, s = int(arr.edge_vol[e]), int(arr.edge_shift[e])
    held = on_shift[chosen[on_shift]]
    if len(held) == 0:
        return False
    gain = team.gain(m, s) - float(cost[e])
    losses = [team.loss(int(arr.edge_vol[h]), s) - float(cost[h]) for h in held.tolist()]
    k = int(np.argmin(losses))
    if gain - losses[k] <= 1e-9:
        return False
    h = int(held[k])
    u = int(arr.edge_vol[h])
    state.remove(u, s)
    team.add(u, s, -1)
    if not state.fits(m, s):
        state.add(u, s)
        team.add(u, s)
        return False
    state.add(m, s)
    team.add(m, s)
    chosen[h], chosen[e] = False, True
    return True


def wishes(arr: RosterArrays) -> FloatArray:
    """Per pair: weights of the ``off`` requests it breaks less the ``on`` ones it meets."""
    wish = np.zeros(arr.num_edges)
    for r, pairs in zip(arr.problem.requests, arr.request_pairs, strict=True):
        wish[pairs] += r.weight if r.want == "off" else -r.weight
    return wish


class _State:
    """What each volunteer has been given so far, and whether one more shift fits."""

    def __init__(self, arr: RosterArrays, contracts: list[Contract]) -> None:
        self.arr = arr
        self.contracts = contracts
        self.minutes = np.zeros(arr.num_volunteers)
        self.shifts: dict[int, list[int]] = defaultdict(list)
        self.days: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
        vols = arr.problem.organization.volunteers
        self.types = arr.types
        self.post_ids = [x.id for x in arr.problem.posts]
        # The rules :meth:`may_fit` checks for many volunteers at once.
        n_v, n_d = arr.num_volunteers, arr.problem.num_days + 1
        self.on_day = np.zeros((n_v, n_d), dtype=np.int16)
        self.week_minutes = np.zeros((n_v, n_d // 7 + 1), dtype=np.int32)
        self.most_a_day = np.asarray([c.max_shifts_per_day for c in contracts], dtype=np.int64)
        most = [np.inf if c.max_minutes is None else float(c.max_minutes) for c in contracts]
        self.most_minutes = np.asarray(most, dtype=np.float64)
        caps = [np.inf if v.weekly_hour_cap is None else 60.0 * v.weekly_hour_cap for v in vols]
        self.week_cap = np.asarray(caps, dtype=np.float64)

    def may_fit(self, vs: IntArray, s: int) -> BoolArray:
        """Whether shift ``s`` could fit each volunteer of ``vs``, by the rules that are arrays.

        Shifts per day, total minutes and weekly caps, as :meth:`fits` checks them:
        a volunteer it rules out would fail :meth:`fits` (the others still need it).
        """
        a = self.arr
        d, minutes = int(a.shift_day[s]), int(a.shift_minutes[s])
        ok: BoolArray = (
            (self.on_day[vs, d] < self.most_a_day[vs])
            & (self.minutes[vs] + minutes <= self.most_minutes[vs])
            & (self.week_minutes[vs, d // 7] + minutes <= self.week_cap[vs] + 1e-9)
        )
        return ok

    def fits(self, v: int, s: int) -> bool:
        a = self.arr
        c = self.contracts[v]
        d = int(a.shift_day[s])
        start, end = int(a.shift_start[s]), int(a.shift_end[s])
        rest = c.min_rest_minutes
        mine = self.shifts[v]
        for t in mine:
            if start < a.shift_end[t] + rest and a.shift_start[t] < end + rest:
                return False
        by_day = self.days[v]
        if len(by_day.get(d, ())) >= c.max_shifts_per_day:
            return False
        minutes = int(a.shift_minutes[s])
        if c.max_minutes is not None and self.minutes[v] + minutes > c.max_minutes:
            return False
        if int(self.week_minutes[v, d // 7]) + minutes > self.week_cap[v] + 1e-9:
            return False
        kind, post = self.types[int(a.shift_type[s])], self.post_ids[int(a.shift_post[s])]
        for key, n in c.max_shifts.items():
            if key in (kind, post):
                got = sum(
                    1
                    for t in mine
                    if key
                    in (self.types[int(a.shift_type[t])], self.post_ids[int(a.shift_post[t])])
                )
                if got + 1 > n:
                    return False
        if c.forbidden_successions:
            before = {self.types[int(a.shift_type[t])] for t in by_day.get(d - 1, ())}
            after = {self.types[int(a.shift_type[t])] for t in by_day.get(d + 1, ())}
            for x, y in c.forbidden_successions:
                if (x in before and y == kind) or (x == kind and y in after):
                    return False
        if d not in by_day:
            if c.max_consecutive_days is not None:
                lo = d
                while lo - 1 in by_day:
                    lo -= 1
                hi = d
                while hi + 1 in by_day:
                    hi += 1
                if hi - lo + 1 > c.max_consecutive_days:
                    return False
            if c.max_weekends is not None and a.is_weekend(d):
                week = (a.weekday0 + d) // 7
                worked = {(a.weekday0 + t) // 7 for t in by_day if a.is_weekend(t)}
                if week not in worked and len(worked) + 1 > c.max_weekends:
                    return False
        return True

    def remove(self, v: int, s: int) -> None:
        """Undo :meth:`add`."""
        d = int(self.arr.shift_day[s])
        minutes = int(self.arr.shift_minutes[s])
        self.shifts[v].remove(s)
        self.days[v][d].remove(s)
        if not self.days[v][d]:
            del self.days[v][d]
        self.minutes[v] -= minutes
        self.on_day[v, d] -= 1
        self.week_minutes[v, d // 7] -= minutes

    def add(self, v: int, s: int) -> None:
        self.shifts[v].append(s)
        self.days[v][int(self.arr.shift_day[s])].append(s)
        self.minutes[v] += int(self.arr.shift_minutes[s])
        d = int(self.arr.shift_day[s])
        self.on_day[v, d] += 1
        self.week_minutes[v, d // 7] += int(self.arr.shift_minutes[s])


class _TeamNeeds:
    """The minutes each team rule still asks of each week, and what a shift saves of them.

    A rule's week costs its weight per missing hour, rounded up (as the model
    prices it): a shift of ``m`` minutes given to a member saves the weight times
    the whole hours it takes off what the week still misses.
    """

    def __init__(self, arr: RosterArrays) -> None:
        self.arr = arr
        p = arr.problem
        org = p.organization
        rules = p.team_rules
        weeks = p.weeks()
        self.weight = np.asarray([r.weight for r in rules], dtype=np.float64)
        self.left = np.asarray(
            [[p.team_rule_minutes(r, span) for _, span in weeks] for r in rules], dtype=np.int64
        ).reshape(len(rules), len(weeks))
        self.rules = rules
        rows = [org.team2members[org.team_index[r.team]] for r in rules]
        self.members = [np.asarray(m, dtype=np.int64) for m in rows]
        vol = np.asarray([v for members in rows for v in members], dtype=np.int64)
        rule = np.repeat(np.arange(len(rules)), [len(m) for m in rows])
        # Each volunteer's ruled teams: (volunteer, rule) pairs sorted by volunteer.
        order = np.argsort(vol, kind="stable")
        self.rule_of = rule[order]
        self.ptr = np.searchsorted(vol[order], np.arange(arr.num_volunteers + 1))

    def gain(self, v: int, s: int) -> float:
        """Weight units volunteer ``v``'s ruled teams save if ``v`` takes shift ``s``."""
        return -self._missing(v, s, 1)

    def loss(self, v: int, s: int) -> float:
        """Weight units volunteer ``v``'s ruled teams lose if ``v`` leaves shift ``s``."""
        return self._missing(v, s, -1)

    def _missing(self, v: int, s: int, sign: int) -> float:
        """Change in the weighted hours ``v``'s ruled teams miss in ``s``'s week.

        When ``v`` takes (``sign`` 1) or leaves (-1) shift ``s``.
        """
        rules = self.rule_of[self.ptr[v] : self.ptr[v + 1]]
        if len(rules) == 0:
            return 0.0
        left = self.left[rules, int(self.arr.shift_day[s]) // 7]
        after = left - sign * int(self.arr.shift_minutes[s])
        missing = _hours(np.maximum(after, 0)) - _hours(np.maximum(left, 0))
        return float((self.weight[rules] * missing).sum())

    def add(self, v: int, s: int, sign: int = 1) -> None:
        """Count shift ``s`` for volunteer ``v``'s ruled teams (``sign`` -1: take it back)."""
        rules = self.rule_of[self.ptr[v] : self.ptr[v + 1]]
        if len(rules):
            week = int(self.arr.shift_day[s]) // 7
            self.left[rules, week] -= sign * int(self.arr.shift_minutes[s])


def _hours(minutes: IntArray) -> IntArray:
    """Whole hours, rounded up."""
    hours: IntArray = -(-minutes // 60)
    return hours
