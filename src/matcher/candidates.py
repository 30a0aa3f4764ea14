"""Problem arrays and candidate generation for dispatch.

Everything the solvers read is built here, once, as numpy arrays:

- volunteers: coordinates, skill and team-category bit masks, remaining weekly
  minutes, per-volunteer cost parts, an :class:`~volunteers.AvailabilityGrid`;
- orders: coordinates, required skill and allowed category masks, allowed
  starts (minutes from the week's Monday 00:00), duration, head count, tier;
- candidate **edges** (volunteer, order) that pass every per-pair hard rule, and
  their feasible **options** (edge, start);
- **conflicts**: pairs of options of one volunteer that cannot both be served
  (overlap, counting travel between the two orders).

No step loops over volunteer x order pairs: spatial pruning comes first (the
travel model's ``pairs_within``), then vectorized filters on the surviving pairs.
The per-order *funnel* counts volunteers left after each filter, for explanations.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property

import numpy as np

from matcher.model import NORMAL, DispatchProblem, ResolvedOrder
from volunteers import AvailabilityGrid, Organization, coords
from volunteers.bits import U64, BoolArray, MemberMasks, bit_masks, contains, intersects
from volunteers.geo import FloatArray, IntArray
from volunteers.memo import cached
from volunteers.travel import REACH_TOLERANCE

logger = logging.getLogger(__name__)

COST_SCALE = 100
"""Integer cost units per cost unit (1/100 of a travel minute at default weights)."""

MAX_START_OPTIONS = 64
"""Most allowed starts per order; a wider window is sampled with a larger step."""

GRID_DAYS_BEFORE = 1
GRID_DAYS = 9
"""The availability grid spans the day before the week to the day after it."""

FUNNEL_STAGES = ("qualified", "in_reach", "available", "under_cap")
"""Funnel stages: skills and team category; within reach; free (time, commitments,
exclusions); under the weekly hour cap."""


@dataclass(frozen=True)
class VolunteerArrays:
    """The volunteer side of :class:`DispatchArrays`: depends on the organization and week only.

    Built once per (organization, week) and kept on the organization
    (:func:`volunteers.memo.cached`): a re-dispatch changes orders and
    commitments, never these.
    """

    masks: MemberMasks
    vol_xy: FloatArray
    vol_in_team: BoolArray
    cap: FloatArray
    behind: FloatArray
    reliability: FloatArray
    rating: FloatArray
    grid: AvailabilityGrid
    team_cat: IntArray
    team_captain: IntArray
    team_members: list[IntArray]
    vol_teams: list[tuple[int, ...]]

    @classmethod
    def of(cls, problem: DispatchProblem) -> VolunteerArrays:
        """The (cached) volunteer arrays of ``problem``'s organization and week."""
        org = problem.organization
        week = problem.week_start
        return cached(org, ("dispatch-volunteers", week), lambda: cls._build(org, week))

    @classmethod
    def _build(cls, org: Organization, week: date) -> VolunteerArrays:
        vols = org.volunteers
        masks = MemberMasks.of(org)
        cat_pos = masks.cat_pos
        team_cat = np.asarray([cat_pos[t.category] for t in org.teams], dtype=np.int64)
        team_index = org.team_index
        vol_teams = [tuple(team_index[t] for t in v.teams) for v in vols]
        captains = org.volunteer_index
        ledger = org.ledger()
        gap = ledger.pace_gap(week)
        return cls(
            masks=masks,
            vol_xy=coords(v.home for v in vols),
            vol_in_team=np.asarray([bool(ts) for ts in vol_teams], dtype=bool),
            cap=np.asarray(
                [np.inf if v.weekly_hour_cap is None else 60.0 * v.weekly_hour_cap for v in vols],
                dtype=np.float64,
            ),
            behind=np.clip(gap / np.maximum(ledger.target, 1e-9), 0.0, 1.0),
            reliability=np.asarray([v.reliability for v in vols], dtype=np.float64),
            rating=np.asarray(
                [0.8 if v.rating is None else v.rating / 5.0 for v in vols], dtype=np.float64
            ),
            grid=AvailabilityGrid(
                [v.availability for v in vols], week - timedelta(days=GRID_DAYS_BEFORE), GRID_DAYS
            ),
            team_cat=team_cat,
            team_captain=np.asarray(
                [captains[t.captain] if t.captain is not None else -1 for t in org.teams],
                dtype=np.int64,
            ),
            team_members=[np.asarray(m, dtype=np.int64) for m in org.team2members],
            vol_teams=vol_teams,
        )


@dataclass
class DispatchArrays:
    """Index-based view of a :class:`~matcher.model.DispatchProblem`."""

    problem: DispatchProblem
    orders: list[ResolvedOrder]
    num_volunteers: int
    num_orders: int
    vol_xy: FloatArray
    vol_skill: U64
    vol_cat: U64
    vol_in_team: BoolArray
    vol_cap_left: FloatArray
    vol_parts: FloatArray
    """``(V, 4)`` weighted cost terms: pace, reliability, rating, balance."""
    ord_xy: FloatArray
    ord_skill: U64
    ord_cat: U64
    ord_needs_team: BoolArray
    ord_remote: BoolArray
    ord_k: IntArray
    ord_duration: IntArray
    ord_starts: list[IntArray]
    ord_tier: IntArray
    ord_weight: FloatArray
    ord_points: IntArray
    """Priority weight x 100 as integers: what the served objectives add up."""
    grid: AvailabilityGrid
    team_cat: IntArray
    team_captain: IntArray
    team_members: list[IntArray]
    vol_teams: list[tuple[int, ...]]

    @classmethod
    def build(cls, problem: DispatchProblem) -> DispatchArrays:
        """Build the arrays of a validated problem.

        The volunteer side (:class:`VolunteerArrays`) is kept on the organization
        for the week, so that re-dispatching builds only the order side.
        """
        org = problem.organization
        vols = org.volunteers
        n_v, n_o = len(vols), len(problem.orders)
        orders = [problem.resolved(o) for o in problem.orders]
        params = problem.params
        va = VolunteerArrays.of(problem)

        masks = va.masks
        oi = np.fromiter((i for i, o in enumerate(orders) for _ in o.skills), dtype=np.int64)
        ok = masks.skill_bits(s for o in orders for s in o.skills)
        ord_skill = bit_masks(oi, ok, n_o, masks.skills.shape[1])

        cat_pos = masks.cat_pos
        cwords = masks.categories.shape[1]
        co = np.fromiter(
            (
                i
                for i, o in enumerate(orders)
                for _ in (o.categories or (cat_pos if o.same_team else ()))
            ),
            dtype=np.int64,
        )
        cc = np.fromiter(
            (
                cat_pos[c]
                for o in orders
                for c in (o.categories or (cat_pos if o.same_team else ()))
            ),
            dtype=np.int64,
        )
        ord_cat = bit_masks(co, cc, n_o, cwords)
        ord_needs_team = np.asarray([bool(o.categories) or o.same_team for o in orders], dtype=bool)

        origin = problem.week_origin
        step = params.start_step_minutes

        def minute(when: datetime) -> int:
            return int((when - origin).total_seconds() // 60)

        ord_starts: list[IntArray] = []
        for o in orders:
            first, last = minute(o.start), minute(o.latest_start)
            st = step
            while (last - first) // st + 1 > MAX_START_OPTIONS:
                st *= 2
            ord_starts.append(np.arange(first, last + 1, st, dtype=np.int64))

        # Weekly minutes left: cap - committed hours - commitments in the week.
        cap = va.cap
        declared = np.zeros(n_v)
        vindex = org.volunteer_index
        for vid, hours in problem.committed_hours.items():
            declared[vindex[vid]] += 60.0 * hours
        committed = declared.copy()
        if problem.commitments:
            who = np.fromiter((vindex[c.volunteer] for c in problem.commitments), dtype=np.int64)
            minutes = np.fromiter(
                ((c.end - c.start).total_seconds() / 60.0 for c in problem.commitments),
                dtype=np.float64,
            )
            np.add.at(committed, who, minutes)
        cap_left = cap - committed

        # Per-volunteer cost parts (see ObjectiveWeights).
        balance = np.where(
            np.isfinite(cap) & (cap > 0), np.clip(declared / np.where(cap > 0, cap, 1), 0, 1), 0.0
        )
        w = params.weights
        vol_parts = np.column_stack(
            (
                w.pace * (1.0 - va.behind),
                w.reliability * (1.0 - va.reliability),
                w.rating * (1.0 - va.rating),
                w.balance * balance,
            )
        )

        pw = params.priority_weights
        return cls(
            problem=problem,
            orders=orders,
            num_volunteers=n_v,
            num_orders=n_o,
            vol_xy=va.vol_xy,
            vol_skill=masks.skills,
            vol_cat=masks.categories,
            vol_in_team=va.vol_in_team,
            vol_cap_left=cap_left,
            vol_parts=vol_parts,
            ord_xy=coords(o.location for o in orders),
            ord_skill=ord_skill,
            ord_cat=ord_cat,
            ord_needs_team=ord_needs_team,
            ord_remote=np.asarray([o.remote for o in orders], dtype=bool),
            ord_k=np.asarray([o.volunteers_needed for o in orders], dtype=np.int64),
            ord_duration=np.asarray([o.duration_minutes for o in orders], dtype=np.int64),
            ord_starts=ord_starts,
            ord_tier=np.asarray([0 if o.priority == NORMAL else 1 for o in orders], dtype=np.int64),
            ord_weight=np.asarray([pw[o.priority] for o in orders], dtype=np.float64),
            ord_points=np.rint(
                100 * np.asarray([pw[o.priority] for o in orders], dtype=np.float64)
            ).astype(np.int64),
            grid=va.grid,
            team_cat=va.team_cat,
            team_captain=va.team_captain,
            team_members=va.team_members,
            vol_teams=va.vol_teams,
        )

    def qualifies(self, vol: IntArray, order: IntArray) -> BoolArray:
        """Skills and team category, element-wise over (volunteer, order) pairs."""
        ok = contains(self.vol_skill[vol], self.ord_skill[order])
        needs = self.ord_needs_team[order]
        cat_ok = intersects(self.vol_cat[vol], self.ord_cat[order])
        result: BoolArray = ok & (~needs | cat_ok)
        return result

    def grid_minute(self, week_minute: IntArray) -> IntArray:
        """Week minutes to availability-grid minutes."""
        shifted: IntArray = week_minute + GRID_DAYS_BEFORE * 24 * 60
        return shifted


@dataclass
class Candidates:
    """Candidate edges, their start options, conflicts and the funnel.

    Attributes
    ----------
    edge_vol, edge_order
        The (volunteer, order) pair of each edge.
    edge_travel
        Minutes from the volunteer's home to the order (0 when remote).
    edge_cost
        Integer cost (``COST_SCALE`` units) of the edge.
    edge_continuity
        Whether the volunteer last served the order's resident.
    opt_edge, opt_start
        Feasible (edge, start minute) options; fixed-start orders have one per edge.
    conflict_a, conflict_b
        Pairs of options (indices into ``opt_*``) of one volunteer that clash.
    funnel
        ``(num_orders, 4)`` counts per :data:`FUNNEL_STAGES`.
    pin_errors
        Reasons pinned assignments cannot hold (makes the problem infeasible).
    """

    edge_vol: IntArray
    edge_order: IntArray
    edge_travel: FloatArray
    edge_cost: IntArray
    edge_continuity: BoolArray
    opt_edge: IntArray
    opt_start: IntArray
    conflict_a: IntArray
    conflict_b: IntArray
    funnel: IntArray
    pinned_edges: IntArray
    pinned_starts: dict[int, int] = field(default_factory=dict)
    pin_errors: list[str] = field(default_factory=list)

    @property
    def num_edges(self) -> int:
        """Number of candidate edges."""
        return len(self.edge_vol)

    @cached_property
    def option_cost(self) -> FloatArray:
        """Cost of each option (its edge's), as floats: the greedy's default key."""
        cost: FloatArray = self.edge_cost[self.opt_edge].astype(np.float64)
        return cost

    def restrict(self, keep: BoolArray) -> tuple[Candidates, IntArray]:
        """The candidates of the orders where ``keep`` is true (the others get none).

        Returns the restricted candidates and, for each of their options, its
        index among this object's options. Order indices are unchanged.
        """
        edge_keep = keep[self.edge_order]
        new_edge = np.cumsum(edge_keep) - 1
        opt_keep = edge_keep[self.opt_edge]
        opt_map = np.flatnonzero(opt_keep).astype(np.int64)
        new_opt = np.cumsum(opt_keep) - 1
        both = opt_keep[self.conflict_a] & opt_keep[self.conflict_b]
        pinned = self.pinned_edges[edge_keep[self.pinned_edges]]
        sub = Candidates(
            edge_vol=self.edge_vol[edge_keep],
            edge_order=self.edge_order[edge_keep],
            edge_travel=self.edge_travel[edge_keep],
            edge_cost=self.edge_cost[edge_keep],
            edge_continuity=self.edge_continuity[edge_keep],
            opt_edge=new_edge[self.opt_edge[opt_keep]].astype(np.int64),
            opt_start=self.opt_start[opt_keep],
            conflict_a=new_opt[self.conflict_a[both]].astype(np.int64),
            conflict_b=new_opt[self.conflict_b[both]].astype(np.int64),
            funnel=self.funnel,
            pinned_edges=new_edge[pinned].astype(np.int64),
            pinned_starts={o: s for o, s in self.pinned_starts.items() if keep[o]},
            pin_errors=list(self.pin_errors),
        )
        return sub, opt_map


def minutes_used(arr: DispatchArrays, cand: Candidates, options: IntArray) -> FloatArray:
    """Minutes each volunteer serves in a plan given by its chosen options."""
    used = np.bincount(
        cand.edge_vol[cand.opt_edge[options]],
        weights=arr.ord_duration[cand.edge_order[cand.opt_edge[options]]],
        minlength=arr.num_volunteers,
    )
    return np.asarray(used, dtype=np.float64)


def _expand(counts: IntArray) -> tuple[IntArray, IntArray]:
    """For groups of the given sizes: (group of each item, position within group)."""
    total = int(counts.sum())
    group = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    offset = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    return group, offset


def generate(arr: DispatchArrays) -> Candidates:
    """Candidate edges and options passing every per-pair hard rule.

    Rules applied here: skills, team category, reach (unless remote), free for
    the whole service time including travel to it, no clash with existing
    commitments, not excluded, volunteer available, weekly minutes left.
    """
    p = arr.problem
    params = p.params
    n_o, n_v = arr.num_orders, arr.num_volunteers
    funnel = np.zeros((n_o, len(FUNNEL_STAGES)), dtype=np.int64)

    # Stage 0: qualified anywhere, per distinct (skills, categories) requirement.
    req = np.concatenate(
        (arr.ord_skill, arr.ord_cat, arr.ord_needs_team[:, None].astype(np.uint64)), axis=1
    )
    uniq, inverse = np.unique(req, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    w_s = arr.ord_skill.shape[1]
    w_c = arr.ord_cat.shape[1]
    # Stage 1, per distinct requirement: the qualified volunteers, then those
    # within reach of its orders (the spatial join runs on the qualified only).
    parts_v: list[IntArray] = []
    parts_o: list[IntArray] = []
    parts_t: list[FloatArray] = []
    order_sorted = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order_sorted], np.arange(len(uniq) + 1))
    for r, row in enumerate(uniq):
        need_s = row[:w_s][None, :]
        need_c = row[w_s : w_s + w_c][None, :]
        ok = contains(arr.vol_skill, need_s)
        if row[-1]:
            ok &= intersects(arr.vol_cat, need_c)
        qualified = np.flatnonzero(ok)
        orders_r = order_sorted[bounds[r] : bounds[r + 1]]
        funnel[orders_r, 0] = len(qualified)
        if len(qualified) == 0:
            continue
        remote_r = orders_r[arr.ord_remote[orders_r]]
        local_r = orders_r[~arr.ord_remote[orders_r]]
        if len(local_r):
            qv, qo, qt = p.travel.pairs_within(
                arr.vol_xy[qualified], arr.ord_xy[local_r], params.max_travel_minutes
            )
            parts_v.append(qualified[qv])
            parts_o.append(local_r[qo])
            parts_t.append(qt)
        if len(remote_r):
            parts_v.append(np.tile(qualified, len(remote_r)))
            parts_o.append(np.repeat(remote_r, len(qualified)))
            parts_t.append(np.zeros(len(qualified) * len(remote_r)))
    if parts_v:
        ev = np.concatenate(parts_v).astype(np.int64)
        eo = np.concatenate(parts_o).astype(np.int64)
        et = np.concatenate(parts_t).astype(np.float64)
    else:
        ev, eo, et = np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), np.empty(0)
    funnel[:, 1] = np.bincount(eo, minlength=n_o)

    # Stage 2: available: not unavailable/excluded, free at some start, no clash
    # with commitments.
    vindex = p.organization.volunteer_index
    oindex = p.order_index
    bad_vol = np.zeros(n_v, dtype=bool)
    bad_vol[[vindex[v] for v in p.unavailable]] = True
    keep = ~bad_vol[ev]
    if p.exclusions:
        excluded = np.asarray(
            [oindex[x.order] * n_v + vindex[x.volunteer] for x in p.exclusions], dtype=np.int64
        )
        keep &= ~np.isin(eo * n_v + ev, excluded)
    if not keep.all():
        ev, eo, et = ev[keep], eo[keep], et[keep]

    opt_edge, opt_start = _free_options(arr, ev, eo, et)
    has_opt = np.zeros(len(ev), dtype=bool)
    has_opt[opt_edge] = True
    funnel[:, 2] = np.bincount(eo[has_opt], minlength=n_o)

    # Stage 3: weekly minutes left.
    under_cap = arr.vol_cap_left[ev] >= arr.ord_duration[eo] - 1e-9
    keep_edge = has_opt & under_cap
    funnel[:, 3] = np.bincount(eo[keep_edge], minlength=n_o)

    # Renumber edges and options.
    new_id = np.full(len(ev), -1, dtype=np.int64)
    new_id[keep_edge] = np.arange(int(keep_edge.sum()))
    ev, eo, et = ev[keep_edge], eo[keep_edge], et[keep_edge]
    opt_keep = keep_edge[opt_edge]
    opt_edge, opt_start = new_id[opt_edge[opt_keep]], opt_start[opt_keep]

    continuity = _continuity(arr, ev, eo)
    w = params.weights
    cost = w.travel * et + arr.vol_parts[ev].sum(axis=1) + w.continuity * (~continuity)
    edge_cost = np.rint(COST_SCALE * cost).astype(np.int64)

    pinned_edges, pinned_starts, pin_errors = _pins(arr, ev, eo, opt_edge, opt_start, funnel)
    conflict_a, conflict_b = _conflicts(arr, ev, eo, opt_edge, opt_start)
    cand = Candidates(
        edge_vol=ev,
        edge_order=eo,
        edge_travel=et,
        edge_cost=edge_cost,
        edge_continuity=continuity,
        opt_edge=opt_edge,
        opt_start=opt_start,
        conflict_a=conflict_a,
        conflict_b=conflict_b,
        funnel=funnel,
        pinned_edges=pinned_edges,
        pinned_starts=pinned_starts,
        pin_errors=pin_errors,
    )
    logger.info(
        "candidates: %d edges, %d options, %d conflicts for %d orders",
        cand.num_edges,
        len(opt_edge),
        len(conflict_a),
        n_o,
    )
    return cand


OPTION_CHUNK_EDGES = 1 << 19
"""Edges expanded into options at a time: the temporaries of a chunk (a few MB each) are
reused from one chunk to the next instead of touching fresh memory (measured to cost
more than the arithmetic at 5.5 million options)."""


def _free_options(
    arr: DispatchArrays, ev: IntArray, eo: IntArray, et: FloatArray
) -> tuple[IntArray, IntArray]:
    """The (edge, start) options of each edge when its volunteer is free, travel included."""
    n_o = arr.num_orders
    n_opts = np.asarray([len(arr.ord_starts[o]) for o in range(n_o)], dtype=np.int64)
    starts_flat = np.concatenate(arr.ord_starts) if n_o else np.empty(0, dtype=np.int64)
    start_offset = np.cumsum(n_opts) - n_opts
    edges: list[IntArray] = []
    starts: list[IntArray] = []
    for lo in range(0, len(ev), OPTION_CHUNK_EDGES):
        hi = min(len(ev), lo + OPTION_CHUNK_EDGES)
        local, pos = _expand(n_opts[eo[lo:hi]])
        opt_edge = local + lo
        o_of = eo[opt_edge]
        opt_start = starts_flat[start_offset[o_of] + pos]
        v_of = ev[opt_edge]
        dur = arr.ord_duration[o_of]
        travel_in = np.ceil(et[opt_edge] - 1e-9).astype(np.int64)
        free = arr.grid.is_free(
            v_of, arr.grid_minute(opt_start - travel_in), arr.grid_minute(opt_start + dur)
        )
        if arr.problem.commitments:
            free &= _clear_of_commitments(arr, v_of, o_of, opt_start, dur, travel_in)
        edges.append(opt_edge[free])
        starts.append(opt_start[free])
    if not edges:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    return np.concatenate(edges), np.concatenate(starts)


def _continuity(arr: DispatchArrays, ev: IntArray, eo: IntArray) -> BoolArray:
    p = arr.problem
    if not p.last_served_by:
        return np.zeros(len(ev), dtype=bool)
    vindex = p.organization.volunteer_index
    n_v = arr.num_volunteers
    keys = [
        o * n_v + vindex[v]
        for o, r in enumerate(arr.orders)
        if r.resident is not None
        for v in p.last_served_by.get(r.resident, ())
    ]
    result: BoolArray = np.isin(eo * n_v + ev, np.asarray(keys, dtype=np.int64))
    return result


def _clear_of_commitments(
    arr: DispatchArrays,
    v_of: IntArray,
    o_of: IntArray,
    start: IntArray,
    dur: IntArray,
    travel_in: IntArray,
) -> BoolArray:
    """Options that fit around the volunteer's commitments, counting travel."""
    p = arr.problem
    vindex = p.organization.volunteer_index
    origin = p.week_origin
    c_vol = np.asarray([vindex[c.volunteer] for c in p.commitments], dtype=np.int64)
    c_start = np.asarray(
        [(c.start - origin).total_seconds() // 60 for c in p.commitments], dtype=np.int64
    )
    c_end = np.asarray(
        [-(-(c.end - origin).total_seconds() // 60) for c in p.commitments], dtype=np.int64
    )
    c_has_loc = np.asarray([c.location is not None for c in p.commitments], dtype=bool)
    c_xy = np.asarray(
        [
            (c.location.lat, c.location.lon) if c.location is not None else (0.0, 0.0)
            for c in p.commitments
        ]
    )
    order = np.argsort(c_vol, kind="stable")
    counts = np.bincount(c_vol, minlength=arr.num_volunteers)
    first = np.cumsum(counts) - counts
    row, k = _expand(counts[v_of])
    c = order[first[v_of[row]] + k]
    o = o_of[row]
    remote = arr.ord_remote[o]
    leg = np.where(remote, 0.0, travel_in[row].astype(np.float64))
    with_loc = c_has_loc[c] & ~remote
    if with_loc.any():
        leg[with_loc] = arr.problem.travel.pairwise_minutes(
            c_xy[c[with_loc]], arr.ord_xy[o[with_loc]]
        )
    leg_i = np.ceil(leg - 1e-9).astype(np.int64)
    s, e = start[row], start[row] + dur[row]
    fits = (e + leg_i <= c_start[c]) | (c_end[c] + leg_i <= s)
    ok = np.ones(len(v_of), dtype=bool)
    np.logical_and.at(ok, row, fits)
    return ok


def _pins(
    arr: DispatchArrays,
    ev: IntArray,
    eo: IntArray,
    opt_edge: IntArray,
    opt_start: IntArray,
    funnel: IntArray,
) -> tuple[IntArray, dict[int, int], list[str]]:
    p = arr.problem
    if not p.pins:
        return np.empty(0, dtype=np.int64), {}, []
    n_v = arr.num_volunteers
    vindex = p.organization.volunteer_index
    key_of_edge = {int(k): i for i, k in enumerate((eo * n_v + ev).tolist())}
    edges: list[int] = []
    starts: dict[int, int] = {}
    errors: list[str] = []
    origin = p.week_origin
    for pin in p.pins:
        o, v = p.order_index[pin.order], vindex[pin.volunteer]
        e = key_of_edge.get(o * n_v + v)
        if e is None:
            errors.append(
                f"pinned volunteer {pin.volunteer!r} cannot serve order {pin.order!r}: "
                + _why_not(arr, v, o)
            )
            continue
        edges.append(e)
        if pin.start is not None:
            s = int((pin.start - origin).total_seconds() // 60)
            if not np.any((opt_edge == e) & (opt_start == s)):
                errors.append(
                    f"pinned volunteer {pin.volunteer!r} is not free for order {pin.order!r} "
                    f"at {pin.start.isoformat()}"
                )
                continue
            if starts.get(o, s) != s:
                errors.append(f"pins give order {pin.order!r} two different starts")
            starts[o] = s
    return np.asarray(edges, dtype=np.int64), starts, errors


def _why_not(arr: DispatchArrays, v: int, o: int) -> str:
    """The first per-pair rule a (volunteer, order) pair breaks."""
    p = arr.problem
    vid = p.organization.volunteers[v].id
    if vid in p.unavailable:
        return "the volunteer is unavailable"
    if any(x.order == arr.orders[o].id and x.volunteer == vid for x in p.exclusions):
        return "the volunteer is excluded from this order"
    if not bool(arr.qualifies(np.asarray([v]), np.asarray([o]))[0]):
        return "missing a required skill or team category"
    if not arr.ord_remote[o]:
        t = float(p.travel.pairwise_minutes(arr.vol_xy[[v]], arr.ord_xy[[o]])[0])
        if t > p.params.max_travel_minutes + REACH_TOLERANCE:
            return f"{t:.0f} minutes away, beyond the {p.params.max_travel_minutes:g}-minute circle"
    if arr.vol_cap_left[v] < arr.ord_duration[o] - 1e-9:
        return "weekly hour cap reached"
    return "not free at that time"


def _conflicts(
    arr: DispatchArrays,
    ev: IntArray,
    eo: IntArray,
    opt_edge: IntArray,
    opt_start: IntArray,
) -> tuple[IntArray, IntArray]:
    """Pairs of options of one volunteer, for different orders, that clash.

    Option ``i`` (order ``a``, start ``s``) and ``j`` (order ``b``, start ``t >= s``)
    clash when ``s + d_a + travel(a -> b) > t``. A sweep over options sorted by
    (volunteer, start) compares each with its successors while any could still
    overlap within the longest possible travel.
    """
    n = len(opt_edge)
    if n < 2:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty.copy()
    vol = ev[opt_edge]
    order = eo[opt_edge]
    start = opt_start
    end = start + arr.ord_duration[order]
    # Sorted by (volunteer, start) through one key (a single argsort is faster
    # than a lexsort of two).
    span = int(max(start.max(), end.max())) + 1
    idx = np.argsort(vol * span + start, kind="stable")
    vol_s, start_s, end_s, order_s = vol[idx], start[idx], end[idx], order[idx]
    # Position one past each option's volunteer run, and the running maximum of
    # end within each run.
    run_start = np.ones(n, dtype=bool)
    run_start[1:] = vol_s[1:] != vol_s[:-1]
    run_id = np.cumsum(run_start) - 1
    firsts = np.flatnonzero(run_start)
    run_end = np.append(firsts[1:], n)[run_id]
    # Cumulative max within runs: offset ends by run id so the accumulation stays in-run.
    big = int(end_s.max()) + 10 * 24 * 60 + 1
    run_max_end = np.maximum.accumulate(end_s + run_id * big) - run_id * big
    slack = int(np.ceil(2 * arr.problem.params.max_travel_minutes)) + 1
    reach_until = run_max_end + slack
    remote_s = arr.ord_remote[order_s]
    pa: list[IntArray] = []
    pb: list[IntArray] = []
    # Options still able to clash with the one k places on: once one is not (another
    # volunteer, or a start past every end so far plus travel), no later one is.
    active = np.arange(n - 1)
    k = 1
    while len(active):
        j = active + k
        live = (j < run_end[active]) & (start_s[np.minimum(j, n - 1)] < reach_until[active])
        active = active[live]
        if not len(active):
            break
        i, j = active, j[live]
        pair = order_s[i] != order_s[j]
        i, j = i[pair], j[pair]
        # Overlapping in time: a clash whatever the travel; otherwise a clash when
        # the gap is shorter than the travel between the two orders.
        gap = start_s[j] - end_s[i]
        clash = gap < 0
        check = np.flatnonzero(~clash & ~(remote_s[i] | remote_s[j]))
        if len(check):
            t = arr.problem.travel.pairwise_minutes(
                arr.ord_xy[order_s[i[check]]], arr.ord_xy[order_s[j[check]]]
            )
            clash[check] = np.ceil(t - 1e-9) > gap[check]
        pa.append(idx[i[clash]])
        pb.append(idx[j[clash]])
        k += 1
    if not pa:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty.copy()
    return np.concatenate(pa).astype(np.int64), np.concatenate(pb).astype(np.int64)
