"""Problem arrays of a roster: shifts as arrays and the eligible volunteer x shift pairs.

Eligibility is computed without a loop over volunteer x shift pairs: for each
distinct (skills, categories) requirement, the qualified volunteers are found
with bit masks, joined spatially to the posts within reach (the travel model's
``pairs_within``), expanded to those posts' shifts, and filtered by
availability (an :class:`~volunteers.AvailabilityGrid` over the horizon) and by
the contract (types or posts a volunteer may not work, shifts longer than their
caps). The per-shift *funnel* counts volunteers left after each filter.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from scheduler.model import Contract, RosterProblem
from volunteers import AvailabilityGrid, coords
from volunteers.bits import BoolArray, MemberMasks, contains, intersects
from volunteers.geo import FloatArray, IntArray

FUNNEL_STAGES = ("qualified", "in_reach", "available", "allowed")
"""Funnel stages: skills and team category; within reach; free for the whole
shift; allowed by the contract (type or post not forbidden, within caps)."""

SCALE = 100
"""Integer objective units per unit of weight."""


@dataclass
class RosterArrays:
    """Index-based view of a :class:`~scheduler.model.RosterProblem`.

    Attributes
    ----------
    shift_day, shift_start, shift_end, shift_minutes
        Day index and minutes from day 0's midnight of each shift.
    shift_type, shift_post
        Type index (into ``types``) and post index.
    edge_vol, edge_shift, edge_travel
        Eligible (volunteer, shift) pairs and the travel minutes of each.
    funnel
        ``(num_shifts, 4)`` counts per :data:`FUNNEL_STAGES`.
    vol_ahead
        How far each volunteer is ahead of their yearly quota pace, in [0, 1]
        (0: behind or on pace).
    vol_recent
        How recently each member of a ruled team was on duty, in [0, 1]
        (:meth:`~scheduler.model.RosterProblem.recency`; 0 for everyone else).
    """

    problem: RosterProblem
    num_volunteers: int
    num_shifts: int
    num_days: int
    types: list[str]
    shift_day: IntArray
    shift_start: IntArray
    shift_end: IntArray
    shift_minutes: IntArray
    shift_type: IntArray
    shift_post: IntArray
    edge_vol: IntArray
    edge_shift: IntArray
    edge_travel: FloatArray
    funnel: IntArray
    vol_ahead: FloatArray
    vol_recent: FloatArray
    weekday0: int

    @classmethod
    def build(cls, p: RosterProblem) -> RosterArrays:
        """Shift arrays and eligible pairs of a validated problem."""
        org = p.organization
        vols = org.volunteers
        n_v, n_s = len(vols), len(p.shifts)
        origin = p.origin
        start = np.asarray(
            [int((s.start - origin).total_seconds() // 60) for s in p.shifts], dtype=np.int64
        )
        end = np.asarray(
            [int((s.end - origin).total_seconds() // 60) for s in p.shifts], dtype=np.int64
        )
        types = sorted({s.type for s in p.shifts})
        type_pos = {t: i for i, t in enumerate(types)}
        shift_type = np.asarray([type_pos[s.type] for s in p.shifts], dtype=np.int64)
        shift_post = np.asarray([p.post_index[s.post] for s in p.shifts], dtype=np.int64)

        masks = MemberMasks.of(org)
        need_rows = [
            (tuple(sorted(p.shift_skills(s))), tuple(sorted(p.shift_categories(s))))
            for s in p.shifts
        ]
        distinct = sorted(set(need_rows))
        req_of = np.asarray([distinct.index(r) for r in need_rows], dtype=np.int64)

        vol_xy = coords(v.home for v in vols)
        post_xy = coords(x.location for x in p.posts)
        post_remote = np.asarray([x.remote for x in p.posts], dtype=bool)
        funnel = np.zeros((n_s, len(FUNNEL_STAGES)), dtype=np.int64)
        parts_v: list[IntArray] = []
        parts_s: list[IntArray] = []
        parts_t: list[FloatArray] = []
        for r, (skills, cats) in enumerate(distinct):
            ok = contains(masks.skills, masks.skill_mask(skills))
            if cats:
                ok &= intersects(masks.categories, masks.category_mask(cats))
            qualified = np.flatnonzero(ok)
            shifts_r = np.flatnonzero(req_of == r)
            funnel[shifts_r, 0] = len(qualified)
            if len(qualified) == 0:
                continue
            posts_r = np.unique(shift_post[shifts_r])
            local = posts_r[~post_remote[posts_r]]
            qv, qp, qt = p.travel.pairs_within(
                vol_xy[qualified], post_xy[local], p.params.max_travel_minutes
            )
            pv = [qualified[qv]]
            pp = [local[qp]]
            pt = [qt]
            remote = posts_r[post_remote[posts_r]]
            if len(remote):
                pv.append(np.tile(qualified, len(remote)))
                pp.append(np.repeat(remote, len(qualified)))
                pt.append(np.zeros(len(qualified) * len(remote)))
            v_of = np.concatenate(pv)
            post_of = np.concatenate(pp)
            t_of = np.concatenate(pt)
            # Expand (volunteer, post) to the post's shifts of this requirement.
            by_post = shifts_r[np.argsort(shift_post[shifts_r], kind="stable")]
            counts = np.bincount(shift_post[by_post], minlength=len(p.posts))
            ptr = np.concatenate(([0], np.cumsum(counts)))
            reps = counts[post_of]
            first = np.repeat(ptr[post_of], reps)
            offset = np.arange(int(reps.sum())) - np.repeat(np.cumsum(reps) - reps, reps)
            s_of = by_post[first + offset]
            parts_v.append(np.repeat(v_of, reps))
            parts_s.append(s_of)
            parts_t.append(np.repeat(t_of, reps))
        ev = np.concatenate(parts_v) if parts_v else np.empty(0, dtype=np.int64)
        es = np.concatenate(parts_s) if parts_s else np.empty(0, dtype=np.int64)
        et = np.concatenate(parts_t) if parts_t else np.empty(0, dtype=np.float64)
        funnel[:, 1] = np.bincount(es, minlength=n_s)

        # Free for the whole shift (grid over the horizon and the night after it).
        grid = AvailabilityGrid([v.availability for v in vols], p.start, p.num_days + 1)
        free = grid.is_free(ev, start[es], end[es]) if len(ev) else np.zeros(0, dtype=bool)
        ev, es, et = ev[free], es[free], et[free]
        funnel[:, 2] = np.bincount(es, minlength=n_s)

        # Contract: forbidden types and posts, shifts longer than the caps.
        ok = np.ones(len(ev), dtype=bool)
        contract_id = [p.contract(v.id) for v in vols]
        minutes = end - start
        cap = np.asarray(
            [np.inf if v.weekly_hour_cap is None else 60.0 * v.weekly_hour_cap for v in vols]
        )
        max_minutes = np.asarray(
            [np.inf if c.max_minutes is None else c.max_minutes for c in contract_id]
        )
        ok &= minutes[es] <= np.minimum(cap, max_minutes)[ev] + 1e-9
        key_pos = {k: i for i, k in enumerate(sorted(set(types) | set(p.post_index)))}
        banned = np.asarray(
            [
                (i, key_pos[key])
                for i, c in enumerate(contract_id)
                for key, n in c.max_shifts.items()
                if n == 0 and key in key_pos
            ],
            dtype=np.int64,
        ).reshape(-1, 2)
        if len(banned):
            type_keys = np.asarray([key_pos[t] for t in types], dtype=np.int64)[shift_type]
            post_keys = np.asarray([key_pos[x.id] for x in p.posts], dtype=np.int64)[shift_post]
            for keys in (type_keys, post_keys):
                ok &= ~_rows_in(np.column_stack((ev, keys[es])), banned)
        ev, es, et = ev[ok], es[ok], et[ok]
        funnel[:, 3] = np.bincount(es, minlength=n_s)
        order = np.lexsort((es, ev))

        ledger = org.ledger()
        gap = ledger.pace_gap(p.start)  # hours behind pace (negative: ahead)
        ahead = np.clip(-gap / np.maximum(ledger.target, 1e-9), 0.0, 1.0)
        recent = np.zeros(n_v)
        for vid, value in p.recency().items():
            recent[org.volunteer_index[vid]] = value
        return cls(
            problem=p,
            num_volunteers=n_v,
            num_shifts=n_s,
            num_days=p.num_days,
            types=types,
            shift_day=np.asarray([p.day_of(s.start) for s in p.shifts], dtype=np.int64),
            shift_start=start,
            shift_end=end,
            shift_minutes=minutes,
            shift_type=shift_type,
            shift_post=shift_post,
            edge_vol=ev[order],
            edge_shift=es[order],
            edge_travel=et[order],
            funnel=funnel,
            vol_ahead=ahead,
            vol_recent=recent,
            weekday0=p.start.weekday(),
        )

    @property
    def num_edges(self) -> int:
        """Number of eligible (volunteer, shift) pairs."""
        return len(self.edge_vol)

    def vol_start(self) -> IntArray:
        """Where each volunteer's pairs begin (pairs are sorted by volunteer, then shift).

        Volunteer ``v`` has pairs ``vol_start()[v]`` up to ``vol_start()[v + 1]``.
        """
        start: IntArray = np.searchsorted(self.edge_vol, np.arange(self.num_volunteers + 1))
        return start

    @cached_property
    def edge_day(self) -> IntArray:
        """The day index of each eligible pair's shift (computed once)."""
        day: IntArray = self.shift_day[self.edge_shift]
        return day

    @cached_property
    def request_pairs(self) -> list[IntArray]:
        """Per request of the problem, in order: the eligible pairs it is about.

        Its volunteer's pairs on its day whose shift it matches
        (:meth:`~scheduler.model.RosterProblem.request_matches`), found among that
        volunteer's pairs of the day only (never a scan of every pair). Computed
        once: the greedy start, the walks' prices, the model and the pricing of
        every roster read it.
        """
        p = self.problem
        vindex = p.organization.volunteer_index
        vptr = self.vol_start()
        es = self.edge_shift
        day_e = self.edge_day
        out: list[IntArray] = []
        for r in p.requests:
            v = vindex[r.volunteer]
            d = (p.request_day(r) - p.start).days
            lo, hi = int(vptr[v]), int(vptr[v + 1])
            on_day = lo + np.flatnonzero(day_e[lo:hi] == d)
            keep = [p.request_matches(r, p.shifts[s]) for s in es[on_day].tolist()]
            out.append(on_day[np.asarray(keep, dtype=bool)])
        return out

    def counted_by(self, key: str, shifts: IntArray) -> BoolArray:
        """Which of ``shifts`` a contract's per-type or per-post maximum ``key`` counts.

        ``key`` names a shift type, a post, or both (a shift counts when either matches).
        """
        hit: BoolArray = np.zeros(len(shifts), dtype=bool)
        if key in self.types:
            hit |= self.shift_type[shifts] == self.types.index(key)
        if key in self.problem.post_index:
            hit |= self.shift_post[shifts] == self.problem.post_index[key]
        return hit

    def forbidden_after(self, contract: Contract) -> BoolArray:
        """The succession table of ``contract``, ``(types, types)``.

        Entry ``[a, b]``: whether a shift of type ``a`` may not be followed by one
        of type ``b`` the next day (its forbidden successions).
        """
        index = {name: k for k, name in enumerate(self.types)}
        table = np.zeros((len(self.types), len(self.types)), dtype=bool)
        for a, b in contract.forbidden_successions:
            if a in index and b in index:
                table[index[a], index[b]] = True
        return table

    def edge_of(self, volunteer: int, shift: int) -> int | None:
        """The pair index of (``volunteer``, ``shift``), or ``None`` when not eligible."""
        lo, hi = np.searchsorted(self.edge_vol, [volunteer, volunteer + 1])
        i = int(lo + np.searchsorted(self.edge_shift[lo:hi], shift))
        return i if i < hi and int(self.edge_shift[i]) == shift else None

    def pairs(self, chosen: np.ndarray) -> list[tuple[str, str]]:
        """The (volunteer id, shift id) of each chosen pair (a mask over the pairs)."""
        vols, shifts = self.problem.organization.volunteers, self.problem.shifts
        return [
            (vols[int(v)].id, shifts[int(s)].id)
            for v, s in zip(self.edge_vol[chosen], self.edge_shift[chosen], strict=True)
        ]

    def is_weekend(self, day: int) -> bool:
        """Whether day index ``day`` is a Saturday or Sunday."""
        return (self.weekday0 + day) % 7 >= 5


def _rows_in(rows: IntArray, table: IntArray) -> BoolArray:
    """Whether each row of ``rows`` (n, 2) appears in ``table`` (m, 2)."""
    if len(table) == 0 or len(rows) == 0:
        return np.zeros(len(rows), dtype=bool)
    both = np.concatenate((table, rows))
    _, inv = np.unique(both, axis=0, return_inverse=True)
    inv = inv.reshape(-1)
    present = np.zeros(inv.max() + 1, dtype=bool)
    present[inv[: len(table)]] = True
    result: BoolArray = present[inv[len(table) :]]
    return result


PREFERENCE_RULES = ("travel", "pace", "rotation")
"""Names of the per-assignment preference terms."""


def edge_preferences(arr: RosterArrays) -> tuple[FloatArray, IntArray]:
    """Per eligible pair: its preference cost and the rule naming it.

    The cost is ``travel * minutes + pace * ahead * hours + rotation * recent * hours``
    (:class:`~scheduler.model.RosterWeights`); the rule (an index into
    :data:`PREFERENCE_RULES`) is "rotation" when that part is the largest, else
    "travel" or "pace" (travel when its part is at least ``pace * ahead``).
    """
    w = arr.problem.params.weights
    ev = arr.edge_vol
    hours = arr.shift_minutes[arr.edge_shift] / 60.0
    travel = w.travel * arr.edge_travel
    pace = w.pace * arr.vol_ahead[ev] * hours
    rotation = w.rotation * arr.vol_recent[ev] * hours
    cost: FloatArray = travel + pace + rotation
    rule: IntArray = np.where(travel >= w.pace * arr.vol_ahead[ev], 0, 1).astype(np.int64)
    rule[rotation > np.maximum(travel, pace)] = 2
    return cost, rule
