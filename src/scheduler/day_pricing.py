"""Pricing one volunteer's schedule by dynamic programming over the days.

Column generation (:mod:`scheduler.columns`) asks, for each volunteer, for the
schedule of least reduced cost under their own rules. When the volunteer works
at most one shift a day and no shift reaches past the next day, those rules are
a walk through the days whose state is small: the shift worked the day before
(or a day off), the length of the current run of working days or days off, the
minutes worked so far, the weekends worked so far and the count of each small
per-type or per-post maximum. This module finds the cheapest walk exactly over
that plane of resources; the dynamic program itself runs compiled
(:mod:`scheduler.walk_kernel`).

Rules kept exactly: one shift a day, overlaps and rest between consecutive
days, forbidden successions, total minutes (minimum and maximum), consecutive
working days (maximum and minimum), consecutive days off (minimum), the
minimum-run exemption of runs touching the first or last day, weekends
worked, per-type and per-post maximums up to :data:`COUNT_STATES` states,
pinned pairs, days without eligible shifts. Rules left out of the walk and
checked on its result: larger maximums and weekly caps. The walk's cost is
therefore the least cost of a relaxation (a valid lower bound for pricing);
when its schedule also keeps the rules left out, it is the exact pricing
optimum. :meth:`DayPricing.price` prices broken maximums by multipliers; when
it cannot prove a schedule optimal, the caller falls back to the CP-SAT
pricing model.

Measured (session 11): a volunteer of Curtois Instance14 (42 days) in 3-15 ms
and of Instance20 (182 days) in about 50 ms, where the CP-SAT pricing model
takes 0.1-1 s and about 1 s.
Each day keeps only the window of minutes and weekends a walk can reach and
still finish from (:meth:`DayPricing._windows`): 5 times fewer states on
Instance22 (364 days, 233 shifts to work). Compiled (session 18), a walk takes
0.3-1.3 ms on Instances 1-12, 4.4 ms on Instance14 and 12 ms on Instance20 at
random costs, 3 to 12 times less than the numpy version it replaced, with the
same walks. Options of a day that differ only by their cost (twins, such as
Instance22's shift types a1, a2 and a3: same minutes, same successions) are
walked once, the cheapest of them (:class:`_Twins`): at random costs, walks on
Instance20 1.34 times and on Instance22 1.42 times as fast, at the same least
costs (session 27).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from math import gcd

import numpy as np

from scheduler import walk_kernel
from scheduler.arrays import RosterArrays
from scheduler.clock import current_clock
from scheduler.model import Contract
from volunteers.bits import BoolArray
from volunteers.geo import FloatArray, IntArray

MAX_MINUTE_STATES = 2_000
"""Most distinct minute totals (in units of the gcd of shift lengths) a walk tracks."""

INF = np.inf

COUNT_STATES = 24
"""Most states (product of ``maximum + 1``) spent counting per-type and per-post
maximums exactly in a walk; larger maximums are priced by multipliers."""

LAGRANGE_STEPS = 8
"""Most walks priced with multipliers on the per-type and per-post maximums."""

BUILD_SECONDS_PER_DAY = 5e-5
"""Work seconds (:mod:`scheduler.clock`) counted per day of the horizon for building a
walk (measured on Curtois Instances 5-22: 43-91 us)."""

WALK_SECONDS = 2e-5
WALK_SECONDS_PER_STATE = 1e-8
"""Work seconds counted per walk, and per state of its dynamic program."""


@dataclass(frozen=True)
class _Day:
    """One day of a volunteer's options."""

    local: IntArray  # positions in the volunteer's pairs
    units: IntArray  # minutes in gcd units
    weekend: bool
    weekend_id: int
    pinned: int  # position in ``local`` of a pinned pair, or -1


class DayPricing:
    """Exact pricing of one volunteer by dynamic programming over days.

    Build with :meth:`build`, which returns ``None`` when the volunteer's rules
    do not fit the walk (several shifts a day, shifts reaching past the next
    day, too many minute totals).
    """

    def __init__(
        self,
        arr: RosterArrays,
        edges: IntArray,
        contract: Contract,
        cap: float | None,
        days: list[_Day],
        compat: list[np.ndarray],
        unit: int,
        type_of_key: dict[str, int],
    ) -> None:
        self.arr = arr
        self.edges = edges
        self.c = contract
        self.cap = cap
        self.days = days
        self.compat = compat  # compat[d]: (U_{d-1}, U_d) bool, d >= 1
        self.unit = unit
        self.type_of_key = type_of_key
        most = sum(int(d.units.max()) for d in days if len(d.units))
        if contract.max_minutes is not None:
            most = min(most, contract.max_minutes // unit)
        self.num_m = most + 1
        self.low_m = -(-contract.min_minutes // unit)
        self.num_w = 1 if contract.max_weekends is None else contract.max_weekends + 1
        self.run = (
            contract.max_consecutive_days
            if contract.max_consecutive_days is not None
            else max(contract.min_consecutive_days, 1)
        )
        self.run_saturates = contract.max_consecutive_days is None
        self.off = max(contract.min_consecutive_days_off, 1)
        # Per-type and per-post maximums that can bind: the smallest are counted
        # in the walk's state, the others priced by multipliers (:meth:`price`).
        groups = self._max_groups()
        groups.sort(key=lambda item: item[1])
        self.counted: list[tuple[IntArray, int]] = []
        self.priced: list[tuple[IntArray, int]] = []
        size = 1
        for g, n in groups:
            if size * (n + 1) <= COUNT_STATES:
                self.counted.append((g, n))
                size *= n + 1
            else:
                self.priced.append((g, n))
        self.origins, self.planes = self._windows()
        self._flat: _Flat | None = None
        self._swap_arrays: (
            tuple[IntArray, IntArray, Callable[[IntArray, IntArray], BoolArray], BoolArray] | None
        ) = None
        # Per day and option: its step along the count axes.
        counted = np.zeros((len(edges), len(self.counted)), dtype=np.int64)
        for k, (g, _) in enumerate(self.counted):
            counted[np.searchsorted(edges, g), k] = 1
        self.counts = [counted[d.local] for d in days]
        # Per day: the rules' masks and increments.
        self.leave_runs = [self._leave_run(d) for d in range(len(days))]
        self.leave_offs = [self._leave_off(d) for d in range(len(days))]
        self.incs = [self._increments(d) for d in range(len(days))]
        # The distinct sets of options of the day before each option may follow.
        # Days alike share them (Curtois Instance22: 364 days, a handful of
        # distinct matrices; 0.1 s a volunteer in ``np.unique`` before).
        self.predecessors: list[tuple[list[BoolArray], IntArray]] = []
        seen: dict[tuple[tuple[int, ...], bytes], tuple[list[BoolArray], IntArray]] = {}
        for ok in compat:
            key = (ok.shape, ok.tobytes())
            if key not in seen:
                columns, which = np.unique(ok.T, axis=0, return_inverse=True)
                seen[key] = (list(columns), which.reshape(-1))
            self.predecessors.append(seen[key])

    @classmethod
    def build(
        cls,
        arr: RosterArrays,
        edges: IntArray,
        contract: Contract,
        cap: float | None,
        pinned: IntArray,
        type_of_key: dict[str, int],
        span: tuple[int, int] | None = None,
    ) -> DayPricing | None:
        """The walk of the volunteer whose pairs are ``edges``, or ``None`` when it does not fit.

        ``pinned`` lists the pairs (of ``edges``) the volunteer must work.
        ``span`` walks days ``lo..hi - 1`` only (``edges`` must lie in them),
        as a horizon of its own: runs touching its first or last day are exempt
        from the minimum-run rules (see :mod:`scheduler.spans`).
        """
        if contract.max_shifts_per_day != 1 or len(edges) == 0:
            return None
        lo, hi = (0, arr.num_days) if span is None else span
        current_clock().charge(BUILD_SECONDS_PER_DAY * (hi - lo))
        sh = arr.edge_shift[edges]
        day = arr.shift_day[sh]
        start = arr.shift_start[sh]
        end = arr.shift_end[sh] + contract.min_rest_minutes
        # No pair may reach a pair two or more days on.
        n = arr.num_days
        reach = np.full(n, -np.inf)
        np.maximum.at(reach, day, end.astype(np.float64))
        first = np.full(n + 2, np.inf)
        np.minimum.at(first, day, start.astype(np.float64))
        later = np.minimum.accumulate(first[::-1])[::-1]  # earliest start from day d on
        if np.any(reach[: n - 2] > later[2:n]):
            return None
        minutes = arr.shift_minutes[sh].astype(np.int64)
        unit = 0
        for m in np.unique(minutes).tolist():
            unit = gcd(unit, int(m))
        unit = max(unit, 1)
        most = int(sum(minutes[day == d].max() for d in np.unique(day).tolist())) // unit
        if contract.max_minutes is not None:
            most = min(most, contract.max_minutes // unit)
        if most + 1 > MAX_MINUTE_STATES:
            return None
        pinned_set = set(pinned.tolist())
        days: list[_Day] = []
        for d in range(lo, hi):
            local = np.flatnonzero(day == d)
            pin = [i for i, e in enumerate(edges[local].tolist()) if e in pinned_set]
            if len(pin) > 1:
                return None  # two pins on one day: infeasible, left to CP-SAT
            days.append(
                _Day(
                    local=local,
                    units=minutes[local] // unit,
                    weekend=arr.is_weekend(d),
                    weekend_id=(arr.weekday0 + d) // 7,
                    pinned=pin[0] if pin else -1,
                )
            )
        forbidden = arr.forbidden_after(contract)
        bad = bool(forbidden.any())
        ty = arr.shift_type[sh]
        compat: list[np.ndarray] = [np.zeros((0, len(days[0].local)), dtype=bool)]
        for d in range(1, len(days)):
            a, b = days[d - 1].local, days[d].local
            ok = ~((start[b][None, :] < end[a][:, None]) & (start[a][:, None] < (end[b])[None, :]))
            if bad:
                ok &= ~forbidden[ty[a][:, None], ty[b][None, :]]
            compat.append(ok)
        return cls(arr, edges, contract, cap, days, compat, unit, type_of_key)

    def _windows(self) -> tuple[list[tuple[int, ...]], list[tuple[int, ...]]]:
        """Each day's window of the plane of resources: its origin and its shape.

        On day ``d`` a walk has worked at most the largest minutes of days ``0..d``
        and the weekends among them, and it must still reach the minimum minutes
        with the days left: states outside those ends are unreachable or dead,
        and never stored (measured: 5 times fewer states on Curtois Instance22).
        """
        counts = [n + 1 for _, n in self.counted]
        most = np.asarray([int(d.units.max()) if len(d.local) else 0 for d in self.days])
        done = np.cumsum(most)
        left = int(done[-1]) - done
        weekend_ids: set[int] = set()
        origins: list[tuple[int, ...]] = []
        planes: list[tuple[int, ...]] = []
        for d, day in enumerate(self.days):
            if day.weekend and len(day.local):
                weekend_ids.add(day.weekend_id)
            low = max(0, self.low_m - int(left[d]))
            high = min(self.num_m - 1, int(done[d]))
            weekends = min(self.num_w, len(weekend_ids) + 1)
            origins.append((low, 0, *[0] * len(counts)))
            planes.append((max(0, high - low + 1), weekends, *counts))
        return origins, planes

    @classmethod
    def of_volunteer(
        cls, arr: RosterArrays, v: int, type_of_key: dict[str, int]
    ) -> DayPricing | None:
        """Volunteer ``v``'s walk, or ``None`` when their rules do not fit one.

        All their pairs, under their contract, weekly cap and pins.
        """
        p = arr.problem
        vptr = arr.vol_start()
        edges = np.arange(vptr[v], vptr[v + 1])
        vol = p.organization.volunteers[v]
        cap = None if vol.weekly_hour_cap is None else 60.0 * vol.weekly_hour_cap
        pinned = [
            e
            for pin in p.pins
            if pin.volunteer == vol.id
            for e in [arr.edge_of(v, p.shift_index[pin.shift])]
            if e is not None
        ]
        return cls.build(
            arr, edges, p.contract(vol.id), cap, np.asarray(pinned, dtype=np.int64), type_of_key
        )

    def walk(self, cost: FloatArray) -> tuple[IntArray, float] | None:
        """The cheapest walk at per-pair costs ``cost``: its pairs and its cost.

        ``None`` when no walk keeps the rules (the volunteer has no schedule).
        A state is the day's option worked (and the run's length) or the length
        of the days off, over the day's window of the plane of resources
        (:meth:`_windows`): minutes, weekends and the counted maximums. The
        dynamic program runs compiled (:mod:`scheduler.walk_kernel`).
        """
        k = self._kernel()
        states = len(k.work) + len(k.days_off)
        current_clock().charge(WALK_SECONDS + WALK_SECONDS_PER_STATE * states)
        option_cost = np.ascontiguousarray(cost[k.local], dtype=np.float64)
        if k.twins is not None:
            option_cost = k.twins.keep_cheapest(option_cost)
        walk_kernel.forward(
            self.run, self.off, self.run_saturates, k.shape, k.org, k.psize, k.optr,
            k.units, k.cnt, k.pinned, k.inc, k.lrun, k.loff, k.colptr, k.ncols, k.cols,
            k.which, option_cost, k.wptr, k.optr_o, k.work, k.days_off,
        )  # fmt: skip
        # The end: every state is allowed (runs touching the last day are exempt).
        n = len(self.days)
        plane = self.planes[n - 1]
        prev_org = self.origins[n - 1]
        u = len(self.days[n - 1].local)
        prev_work = k.work[k.wptr[n - 1] : k.wptr[n]].reshape(u, self.run, *plane)
        prev_off = k.days_off[k.optr_o[n - 1] : k.optr_o[n]].reshape(self.off, *plane)
        cut = max(0, self.low_m - prev_org[0])
        best = INF
        at: tuple[int, int, int, tuple[int, ...]] | None = None
        if len(prev_work):
            tail = prev_work[:, :, cut:]
            if tail.size and np.isfinite(tail).any():
                idx = tuple(int(j) for j in np.unravel_index(int(np.argmin(tail)), tail.shape))
                best = float(tail[idx])
                at = (0, idx[0], idx[1], _plus((idx[2] + cut, *idx[3:]), prev_org))
        tail_off = prev_off[:, cut:]
        if tail_off.size and np.isfinite(tail_off).any():
            idx = tuple(int(j) for j in np.unravel_index(int(np.argmin(tail_off)), tail_off.shape))
            if float(tail_off[idx]) < best:
                best = float(tail_off[idx])
                at = (1, idx[0], 0, _plus((idx[1] + cut, *idx[2:]), prev_org))
        if at is None:
            return None
        kind, a, r, res = at
        out = np.empty(n, dtype=np.int64)
        m = walk_kernel.backtrack(
            kind, a, r, np.asarray(res, dtype=np.int64), self.run, self.off,
            self.run_saturates, k.shape, k.org, k.psize, k.optr, k.units, k.cnt, k.inc,
            k.lrun, k.loff, k.colptr, k.cols, k.which, k.wptr, k.optr_o, k.work,
            k.days_off, out,
        )  # fmt: skip
        assert m >= 0, "a reachable state has a predecessor"
        picked = k.local[out[:m][::-1]]
        return self.edges[picked], best

    def _kernel(self) -> _Flat:
        """The walk's arrays laid flat for :mod:`scheduler.walk_kernel`, built once."""
        if self._flat is None:
            self._flat = _Flat.of(self)
        return self._flat

    def _leave_run(self, d: int) -> BoolArray:
        """Which run lengths (index r: r + 1 days) may end on day ``d - 1``."""
        lengths = np.arange(1, self.run + 1)
        ok: BoolArray = (lengths >= self.c.min_consecutive_days) | (lengths == d)
        if self.run_saturates:
            ok[self.run - 1] = True
        return ok

    def _leave_off(self, d: int) -> BoolArray:
        """Which lengths of days off (index q: q + 1 days) may end on day ``d - 1``."""
        lengths = np.arange(1, self.off + 1)
        ok: BoolArray = (lengths >= self.c.min_consecutive_days_off) | (lengths == d)
        ok[self.off - 1] = True
        return ok

    def _increments(self, d: int) -> tuple[int, int]:
        """Weekends added by working day ``d`` after a day off, and after a worked day."""
        day = self.days[d]
        if not day.weekend or self.c.max_weekends is None:
            return 0, 0
        before = self.days[d - 1] if d > 0 else None
        same = before is not None and before.weekend and before.weekend_id == day.weekend_id
        return 1, 0 if same else 1

    def price(
        self, cost: FloatArray, *, prove: bool = True, step: float | None = None
    ) -> tuple[list[IntArray], float | None, bool]:
        """Price at per-pair costs ``cost``: schedules, a lower bound, and whether it is exact.

        The walk leaves per-type and per-post maximums out; when its schedule
        breaks one, it is first mended by swaps within its days (:meth:`repair`),
        then (unless ``prove`` is false and the mending worked) those maximums
        are priced in (Lagrangian multipliers raised by subgradient steps, at
        most :data:`LAGRANGE_STEPS` walks). Each walk at multipliers ``lam``
        bounds the optimum from below by its cost less ``lam`` times the
        maximums. Returned: the schedules that keep every rule (best last), the
        best such bound (``None`` when no walk exists), and whether the best
        schedule's cost meets it (the exact optimum). ``step`` scales the
        multipliers' first step (by default the largest ``cost`` in size; a
        branching's prohibitive costs would make that one far too large).
        """
        found = self.walk(cost)
        if found is None:
            return [], None, True  # no schedule keeps even the walk's rules
        picked, value = found
        if self.keeps_left_out_rules(picked):
            return [picked], value, True
        groups = self.priced
        if not groups:  # only a weekly cap in the way: left to CP-SAT
            return [], value, False
        lam = np.zeros(len(groups))
        lower = value
        feasible: list[tuple[float, IntArray]] = []
        mended = self.repair(picked, cost)
        if mended is not None:
            true_cost = float(cost[np.searchsorted(self.edges, mended)].sum())
            if not prove or true_cost <= lower + 1e-9:
                return [mended], lower, true_cost <= lower + 1e-9
            feasible.append((true_cost, mended))
        if step is None:
            step = max(1.0, float(np.abs(cost).max(initial=0.0)))
        for k in range(LAGRANGE_STEPS):
            over = np.asarray([int(np.isin(picked, g).sum()) - n for g, n in groups], dtype=float)
            lam = np.maximum(0.0, lam + step / (k + 1) * np.sign(over))
            priced = cost.copy()
            for (g, _), mult in zip(groups, lam.tolist(), strict=True):
                priced[np.searchsorted(self.edges, g)] += mult
            found = self.walk(priced)
            if found is None:
                break
            picked, value = found
            bound = value - float(
                sum(m * n for (_, n), m in zip(groups, lam.tolist(), strict=True))
            )
            lower = max(lower, bound)
            if self.keeps_left_out_rules(picked):
                true_cost = float(cost[np.searchsorted(self.edges, picked)].sum())
                feasible.append((true_cost, picked))
                if true_cost <= lower + 1e-9:
                    break
        feasible.sort(key=lambda item: -item[0])
        schedules = [sched for _, sched in feasible]
        exact = bool(feasible) and feasible[-1][0] <= lower + 1e-9
        return schedules, lower, exact

    def repair(self, picked: IntArray, cost: FloatArray) -> IntArray | None:
        """The walk's schedule ``picked`` mended to keep the maximums it leaves out, or ``None``.

        While a priced maximum is broken, one of its pairs is swapped for the
        cheapest other option of the same day with the same minutes and the
        same counted steps, that the days before and after allow and that
        breaks no maximum: the walk's other rules (runs, days off, minutes,
        weekends, counted maximums, pins) are unchanged by such swaps. ``None``
        when no swap is left, or a weekly cap is broken.
        """
        day_of, step_of, follows, member = self._swaps()
        most = np.asarray([m for _, m in self.priced], dtype=np.int64)
        n = len(self.days)
        pinned_day = np.asarray([day.pinned >= 0 for day in self.days])
        at = np.full(n + 2, -1, dtype=np.int64)  # the position worked on day d at d + 1
        position = np.searchsorted(self.edges, picked)
        at[day_of[position] + 1] = position
        count = member[:, position].sum(axis=1)
        positions = np.arange(len(self.edges))
        while np.any(count > most):
            k = int(np.argmax(count - most))
            now = at[day_of + 1]  # per option: the position worked on its day
            ok = (now >= 0) & (now != positions) & ~pinned_day[day_of]
            ok &= member[k, np.maximum(now, 0)] & (step_of == step_of[np.maximum(now, 0)])
            rise = member & ~member[:, np.maximum(now, 0)]
            ok &= ~(rise & (count >= most)[:, None]).any(axis=0)
            before, after = at[day_of], at[day_of + 2]
            ok &= (before < 0) | follows(np.maximum(before, 0), positions)
            ok &= (after < 0) | follows(positions, np.maximum(after, 0))
            if not ok.any():
                return None
            delta = np.where(ok, cost - cost[np.maximum(now, 0)], np.inf)
            q = int(np.argmin(delta))
            count += member[:, q].astype(np.int64) - member[:, now[q]]
            at[day_of[q] + 1] = q
        mended = np.sort(self.edges[at[at >= 0]])
        return mended if self.keeps_left_out_rules(mended) else None

    def _swaps(
        self,
    ) -> tuple[IntArray, IntArray, Callable[[IntArray, IntArray], BoolArray], BoolArray]:
        """What :meth:`repair` needs per position (of the volunteer's pairs), built once.

        Its day; its step (minutes and counted maximums, as one id); whether
        position ``q`` may follow position ``p`` on the day after (for any
        ``p``, ``q`` on days ``d``, ``d + 1``); the priced maximums each
        position counts towards.
        """
        if self._swap_arrays is None:
            m = len(self.edges)
            day_of = np.zeros(m, dtype=np.int64)
            option = np.zeros(m, dtype=np.int64)
            units = np.zeros(m, dtype=np.int64)
            steps = np.zeros((m, len(self.counted)), dtype=np.int64)
            for d, day in enumerate(self.days):
                day_of[day.local] = d
                option[day.local] = np.arange(len(day.local))
                units[day.local] = day.units
                steps[day.local] = self.counts[d]
            # The days' compatibility matrices, flat; day d's at base[d], its rows
            # the options of day d - 1, its columns (width[d]) those of day d.
            flat = np.concatenate([ok.ravel() for ok in self.compat] + [np.zeros(1, bool)])
            width = np.asarray([len(day.local) for day in self.days] + [0], dtype=np.int64)
            sizes = np.asarray([ok.size for ok in self.compat] + [0], dtype=np.int64)
            base = np.concatenate([[0], np.cumsum(sizes)[:-1]])
            last = len(flat) - 1

            def follows(before: IntArray, after: IntArray) -> BoolArray:
                d = day_of[after]
                at = base[d] + option[before] * width[d] + option[after]
                result: BoolArray = flat[np.minimum(at, last)]
                return result

            _, step_of = np.unique(np.column_stack([units, steps]), axis=0, return_inverse=True)
            member = np.zeros((len(self.priced), m), dtype=bool)
            for k, (g, _) in enumerate(self.priced):
                member[k, np.searchsorted(self.edges, g)] = True
            self._swap_arrays = (day_of, step_of.reshape(-1), follows, member)
        return self._swap_arrays

    def _max_groups(self) -> list[tuple[IntArray, int]]:
        """The pairs each per-type or per-post maximum counts, with the maximum."""
        arr = self.arr
        sh = arr.edge_shift[self.edges]
        out: list[tuple[IntArray, int]] = []
        for key, n in self.c.max_shifts.items():
            if n <= 0:
                continue
            hit = arr.counted_by(key, sh)
            if int(hit.sum()) > n:
                out.append((self.edges[hit], n))
        return out

    def keeps_left_out_rules(self, picked: IntArray) -> bool:
        """Whether the walk's pairs keep the rules the walk leaves out."""
        arr = self.arr
        sh = arr.edge_shift[picked]
        for group, n in self.priced:  # the counted maximums are the walk's own
            if int(np.isin(picked, group).sum()) > n:
                return False
        if self.cap is not None:
            week = arr.shift_day[sh] // 7
            per_week = np.bincount(week, weights=arr.shift_minutes[sh])
            if np.any(per_week > np.floor(self.cap + 1e-9)):
                return False
        return True


def _plus(local: tuple[int, ...], origin: tuple[int, ...]) -> tuple[int, ...]:
    """Whole-plane coordinates of ``local`` in a window starting at ``origin``."""
    return tuple(a + o for a, o in zip(local, origin, strict=True))


@dataclass
class _Flat:
    """A walk's days laid flat for :mod:`scheduler.walk_kernel` (see its layout).

    With the storage of its states (``work``, ``days_off``), reused walk after walk.
    """

    local: IntArray  # per option across days: its position in the volunteer's pairs
    optr: IntArray
    units: IntArray
    cnt: IntArray
    pinned: IntArray
    inc: IntArray
    shape: IntArray
    org: IntArray
    psize: IntArray
    lrun: BoolArray
    loff: BoolArray
    colptr: IntArray
    ncols: IntArray
    cols: BoolArray
    which: IntArray
    wptr: IntArray
    optr_o: IntArray
    work: FloatArray
    days_off: FloatArray
    twins: _Twins | None

    @classmethod
    def of(cls, walk: DayPricing) -> _Flat:
        """Lay ``walk``'s days flat."""
        days = walk.days
        n = len(days)
        sizes = np.asarray([len(d.local) for d in days], dtype=np.int64)
        optr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        shape = np.asarray(walk.planes, dtype=np.int64).reshape(n, -1)
        psize = np.prod(shape, axis=1).astype(np.int64)
        cols: list[BoolArray] = []
        colptr = np.zeros(n, dtype=np.int64)
        ncols = np.zeros(n, dtype=np.int64)
        which = np.zeros(int(optr[-1]), dtype=np.int64)
        at = 0
        for d in range(1, n):
            columns, of_option = walk.predecessors[d]
            colptr[d], ncols[d] = at, len(columns)
            which[optr[d] : optr[d + 1]] = of_option
            for col in columns:
                cols.append(np.asarray(col, dtype=bool))
                at += len(col)
        width = shape.shape[1]
        return cls(
            local=np.concatenate([d.local for d in days]).astype(np.int64),
            optr=optr,
            units=np.concatenate([d.units for d in days]).astype(np.int64),
            cnt=np.ascontiguousarray(
                np.concatenate(walk.counts).reshape(int(optr[-1]), width - 2), dtype=np.int64
            ),
            pinned=np.asarray([d.pinned for d in days], dtype=np.int64),
            inc=np.asarray(walk.incs, dtype=np.int64).reshape(n, 2),
            shape=shape,
            org=np.asarray(walk.origins, dtype=np.int64).reshape(n, -1),
            psize=psize,
            lrun=np.ascontiguousarray(np.stack(walk.leave_runs), dtype=bool),
            loff=np.ascontiguousarray(np.stack(walk.leave_offs), dtype=bool),
            colptr=colptr,
            ncols=ncols,
            cols=np.concatenate([*cols, np.zeros(1, dtype=bool)]),
            which=which,
            wptr=np.concatenate([[0], np.cumsum(sizes * walk.run * psize)]).astype(np.int64),
            optr_o=np.concatenate([[0], np.cumsum(walk.off * psize)]).astype(np.int64),
            work=np.empty(int((sizes * walk.run * psize).sum()), dtype=np.float64),
            days_off=np.empty(int((walk.off * psize).sum()), dtype=np.float64),
            twins=_Twins.of(walk, optr, which),
        )


@dataclass
class _Twins:
    """Options of one day that a walk cannot tell apart, but by their costs.

    Two options of a day are twins when they add the same minutes and the same
    counted steps, may follow the same options of the day before and be
    followed by the same options of the day after (Curtois Instance22: shift
    types a1, a2 and a3 on one day, whose successions are alike). Of a set of
    twins only the cheapest can be in a cheapest walk, so the others are
    priced out (:meth:`keep_cheapest`) and the compiled walk skips them: the
    same least cost, with fewer states filled. Days with a pinned pair keep
    every option.
    """

    order: IntArray  # options sorted by set of twins
    starts: IntArray  # where each set begins in ``order``
    group: IntArray  # per option: its set

    @classmethod
    def of(cls, walk: DayPricing, optr: IntArray, which: IntArray) -> _Twins | None:
        """The sets of twins of ``walk``'s days, or ``None`` when no day has two twins."""
        days = walk.days
        total = int(optr[-1])
        sizes = np.diff(optr)
        if total == 0 or int(sizes.max()) < 2:
            return None
        day = np.repeat(np.arange(len(days)), sizes)
        # Per option: which sets of options of the day after it is in, as bits
        # (one per distinct set; a day has a handful).
        after = np.zeros(total, dtype=np.int64)
        for d in range(len(days) - 1):
            columns = walk.predecessors[d + 1][0]
            if columns and optr[d + 1] > optr[d]:
                bits = np.stack(columns).astype(np.int64) << np.arange(len(columns))[:, None]
                after[optr[d] : optr[d + 1]] = bits.sum(axis=0)
        pinned = np.asarray([x.pinned >= 0 for x in days], dtype=bool)[day]
        alone = np.where(pinned, np.arange(total), -1)
        units = np.concatenate([x.units for x in days])
        counts = np.concatenate(walk.counts).reshape(total, -1)
        keys = np.column_stack([day, alone, units, counts, which, after])
        order = np.lexsort(keys.T[::-1])
        ordered = keys[order]
        starts = np.flatnonzero(np.r_[True, (ordered[1:] != ordered[:-1]).any(axis=1)])
        if len(starts) == total:
            return None
        group = np.empty(total, dtype=np.int64)
        group[order] = np.cumsum(np.r_[True, (ordered[1:] != ordered[:-1]).any(axis=1)]) - 1
        return cls(order=order, starts=starts, group=group)

    def keep_cheapest(self, cost: FloatArray) -> FloatArray:
        """``cost`` with every option but the first cheapest of its set of twins at infinity."""
        least = np.minimum.reduceat(cost[self.order], self.starts)
        ties = np.flatnonzero(cost <= least[self.group])
        _, first = np.unique(self.group[ties], return_index=True)
        kept = np.full_like(cost, INF)
        kept[ties[first]] = cost[ties[first]]
        return kept
