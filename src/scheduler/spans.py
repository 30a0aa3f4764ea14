"""A volunteer's schedule walked again over a span of weeks, the rest of it kept.

A best response (:mod:`scheduler.improve`) walks a volunteer's whole horizon:
on Curtois Instance22 (364 days) one walk takes about 0.35 s, so a search that
re-schedules two volunteers per move makes a move or two a second. Most moves
only need to change a few weeks. :func:`span_walk` builds the walk of one
volunteer over weeks ``lo..hi - 1`` of days, with what they work outside kept
as it is:

- the weeks are whole (Monday to Sunday, or the horizon's ends), so no weekend
  is cut in two;
- a margin of whole weeks on each side, at least one day longer than the
  longest run rule (maximum or minimum consecutive days, minimum days off),
  is walked with the volunteer's current shifts pinned there and no other.
  The walk treats its own first and last days as a horizon's, exempting runs
  touching them from the minimum-run rules; with the margin that long, such a
  run is one the current schedule already has, and any run the span's days
  change lies within the walk;
- the contract's totals are what the schedule outside the walked days leaves:
  minimum and maximum minutes, weekends, and per-type and per-post maximums
  (a maximum used up outside removes its pairs from the span).

Every schedule the walk returns, with the kept days added, keeps the
volunteer's rules (weekly caps are checked on the whole schedule by the
caller: a span's weeks are the calendar's, a cap's are counted from the
horizon's start).

:meth:`scheduler.improve._State.search` uses these walks for ruin and recreate
over spans of weeks. Measured on Instance22 from a roster where best responses and
deals (:mod:`scheduler.redeal`) had settled (38,011), 10 s: spans of 4 weeks made
about 65 moves a second and reached 37,787 / 37,689 (two runs), spans of 2 weeks
37,888, whole schedules 15 moves and 37,996. A move's time goes mostly into
building its two walks (about 3 ms each, against 1 ms for the walk itself). On
Instance20 (182 days) spans gained 18 in 10 s, where the windows of
:mod:`scheduler.windows` gain hundreds: they are used only when no time is left
for the windows' model.
"""

from __future__ import annotations

import numpy as np

from scheduler.arrays import RosterArrays
from scheduler.day_pricing import DayPricing
from volunteers.bits import BoolArray
from volunteers.geo import IntArray


def margin_days(arr: RosterArrays, v: int) -> int:
    """Days a span of volunteer ``v`` needs on each side: one past their longest run rule."""
    c = arr.problem.contract(arr.problem.organization.volunteers[v].id)
    longest = max(c.max_consecutive_days or 0, c.min_consecutive_days, c.min_consecutive_days_off)
    return longest + 1


def week_start(arr: RosterArrays, day: int) -> int:
    """The first day of the calendar week (from Monday) holding ``day``, or day 0."""
    return max(0, day - (arr.weekday0 + day) % 7)


def span_walk(
    arr: RosterArrays,
    v: int,
    mine: IntArray,
    own: BoolArray,
    lo: int,
    hi: int,
    type_of_key: dict[str, int],
) -> DayPricing | None:
    """Volunteer ``v``'s walk over days ``lo..hi - 1``, the rest of their schedule kept.

    Parameters
    ----------
    arr
        The problem's arrays.
    v
        The volunteer.
    mine
        Their pairs, in order.
    own
        Per pair of ``mine``: whether they work it now.
    lo, hi
        The span: ``lo`` a week's first day, ``hi`` the next week's first day
        (or the horizon's end).
    type_of_key
        Position of each shift type in ``arr.types``.

    Returns
    -------
    DayPricing | None
        The walk (over the span and its margins, see the module doc), or
        ``None`` when the volunteer's rules do not fit a walk.
    """
    p = arr.problem
    vol = p.organization.volunteers[v]
    c = p.contract(vol.id)
    n = arr.num_days
    margin = margin_days(arr, v)
    first = week_start(arr, max(0, lo - margin))
    last = hi + margin
    last = n if last >= n else week_start(arr, last + 6)
    sh = arr.edge_shift[mine]
    day = arr.shift_day[sh]
    walked = (day >= first) & (day < last)
    inside = (day >= lo) & (day < hi)
    out = own & ~walked
    minutes = int(arr.shift_minutes[sh[out]].sum())
    weekend = (arr.weekday0 + day) % 7 >= 5
    weekends = len(np.unique((arr.weekday0 + day[out & weekend]) // 7))
    allowed = inside.copy()
    most: dict[str, int] = {}
    for key, limit in c.max_shifts.items():
        hit = arr.counted_by(key, sh)
        left = limit - int((hit & out).sum())
        if left <= 0:
            allowed &= ~hit
        most[key] = max(left, 0)
    contract = c.model_copy(
        update={
            "min_minutes": max(0, c.min_minutes - minutes),
            "max_minutes": None if c.max_minutes is None else c.max_minutes - minutes,
            "max_weekends": None if c.max_weekends is None else c.max_weekends - weekends,
            "max_shifts": most,
        }
    )
    if contract.max_minutes is not None and contract.max_minutes < 0:
        return None
    if contract.max_weekends is not None and contract.max_weekends < 0:
        return None
    margins = walked & ~inside & own
    edges = mine[allowed | margins]
    pins = [
        e
        for pin in p.pins
        if pin.volunteer == vol.id
        for e in [arr.edge_of(v, p.shift_index[pin.shift])]
        if e is not None
    ]
    pinned = np.union1d(mine[margins], np.intersect1d(np.asarray(pins, dtype=np.int64), edges))
    cap = None if vol.weekly_hour_cap is None else 60.0 * vol.weekly_hour_cap
    return DayPricing.build(
        arr, edges, contract, cap, pinned.astype(np.int64), type_of_key, span=(first, last)
    )
