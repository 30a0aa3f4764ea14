"""Tests for volunteers.availability: windows, bitmaps and the vectorized grid."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from volunteers.availability import (
    SLOT_MINUTES,
    SLOTS_PER_DAY,
    Availability,
    AvailabilityGrid,
    DatedWindow,
    WeeklyWindow,
)

MONDAY = date(2026, 7, 6)


def reference_free(a: Availability, when: datetime) -> bool:
    """Slow reference: is ``a`` free at the minute ``when``, straight from the rules."""
    d, m = when.date(), when.hour * 60 + when.minute
    weekly = a.weekly is None or any(
        w.day == d.weekday() and w.start <= m < w.end for w in a.weekly
    )
    base = weekly and d not in a.unavailable_dates
    extra = any(w.date == d and w.start <= m < w.end for w in a.extra)
    blocked = any(w.date == d and w.start <= m < w.end for w in a.blocked)
    return (base or extra) and not blocked


clock = st.integers(0, 96).map(lambda k: k * SLOT_MINUTES)


@st.composite
def windows(draw: st.DrawFn) -> tuple[int, int]:
    a, b = draw(clock), draw(clock)
    if a == b:
        b = a + SLOT_MINUTES if a < 1440 else a
        a = a - SLOT_MINUTES if a == 1440 else a
    return min(a, b), max(a, b)


@st.composite
def availabilities(draw: st.DrawFn) -> Availability:
    days = st.integers(0, 20).map(lambda k: MONDAY + timedelta(days=k - 3))
    weekly = None
    if draw(st.booleans()):
        weekly = tuple(
            WeeklyWindow(day=draw(st.integers(0, 6)), start=s, end=e)
            for s, e in draw(st.lists(windows(), max_size=6))
        )
    dated = st.builds(lambda d, w: DatedWindow(date=d, start=w[0], end=w[1]), days, windows())
    return Availability(
        weekly=weekly,
        unavailable_dates=tuple(draw(st.lists(days, max_size=3))),
        extra=tuple(draw(st.lists(dated, max_size=3))),
        blocked=tuple(draw(st.lists(dated, max_size=3))),
    )


@given(availabilities(), st.integers(1, 16))
def test_slots_match_reference(a: Availability, num_days: int) -> None:
    """Every slot of the bitmap equals the rule evaluated directly."""
    bitmap = a.slots(MONDAY, num_days)
    assert bitmap.shape == (num_days * SLOTS_PER_DAY,)
    start = datetime.combine(MONDAY, datetime.min.time())
    for k in range(0, len(bitmap), 7):  # a stride keeps the test fast, still hits every slot of day
        assert bitmap[k] == reference_free(a, start + timedelta(minutes=k * SLOT_MINUTES))


@given(
    st.lists(availabilities(), min_size=1, max_size=6),
    st.lists(st.tuples(st.integers(0, 50), st.integers(-60, 7 * 1440 + 60), st.integers(0, 600))),
)
def test_grid_is_free_matches_reference(
    avails: list[Availability], queries: list[tuple[int, int, int]]
) -> None:
    """The vectorized grid agrees with a minute-by-minute reference, horizon edges included."""
    grid = AvailabilityGrid(avails, MONDAY, 7)
    origin = datetime.combine(MONDAY, datetime.min.time())
    if not queries:
        return
    who = np.array([q[0] % len(avails) for q in queries])
    start = np.array([q[1] for q in queries])
    end = start + np.array([q[2] for q in queries])
    got = grid.is_free(who, start, end)
    for g, v, s, e in zip(got, who, start, end, strict=True):
        if e <= s:
            expected = True
        elif s < 0 or e > 7 * 1440:
            expected = False
        else:
            expected = all(
                reference_free(avails[v], origin + timedelta(minutes=int(m))) for m in range(s, e)
            )
        assert g == expected


@given(availabilities(), st.integers(0, 6 * 96), st.integers(1, 40))
def test_model_is_free_agrees_with_grid(a: Availability, slot: int, length: int) -> None:
    """Availability.is_free and the grid give the same answer."""
    grid = AvailabilityGrid([a], MONDAY, 10)
    origin = datetime.combine(MONDAY, datetime.min.time())
    s = origin + timedelta(minutes=slot * SLOT_MINUTES + 7)
    e = s + timedelta(minutes=length * 11)
    assert a.is_free(s, e) == bool(grid.is_free(0, grid.minute_of(s), grid.minute_of(e) + 1))


def test_identical_patterns_share_a_row() -> None:
    """Memory follows distinct patterns, not volunteers."""
    a = Availability.from_spec("mon-fri 08:00-12:00")
    b = Availability.from_spec("mon-fri 08:00-12:00")
    grid = AvailabilityGrid([a, b, Availability(), a], MONDAY, 7)
    assert grid.pattern_slots.shape == (2, 7 * SLOTS_PER_DAY)
    assert grid.volunteer2pattern.tolist() == [0, 0, 1, 0]


def test_from_spec() -> None:
    """The compact spec reads day ranges, lists and several ranges per group."""
    a = Availability.from_spec(
        "mon-wed 08:00-11:30 14:00-17:00; sat,sun 09:00-12:00; fri-mon 20:00-21:00"
    )
    assert a.weekly is not None
    days = sorted({w.day for w in a.weekly})
    assert days == [0, 1, 2, 4, 5, 6]
    assert a.is_free(datetime(2026, 7, 6, 8, 0), datetime(2026, 7, 6, 11, 30))
    assert not a.is_free(datetime(2026, 7, 6, 11, 0), datetime(2026, 7, 6, 12, 0))
    assert a.is_free(datetime(2026, 7, 12, 20, 0), datetime(2026, 7, 12, 21, 0))
    assert Availability.from_spec("").weekly == ()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("funday 08:00-09:00", "no days at the start"),
        ("mon", "no time ranges"),
        ("mon 8-9", "cannot read time range '8-9'"),
        ("mon 09:00-08:00", "not after its start"),
    ],
)
def test_from_spec_errors(spec: str, message: str) -> None:
    """An unreadable spec names the part at fault."""
    with pytest.raises(ValueError, match=message):
        Availability.from_spec(spec)


def test_unavailable_date_extra_and_blocked() -> None:
    """Extra windows beat unavailable dates; blocked windows beat everything."""
    a = Availability(
        weekly=(WeeklyWindow(day=0, start=480, end=720),),
        unavailable_dates=(MONDAY,),
        extra=(DatedWindow(date=MONDAY, start=600, end=660),),
        blocked=(DatedWindow(date=MONDAY, start=630, end=645),),
    )
    assert not a.is_free(datetime(2026, 7, 6, 8), datetime(2026, 7, 6, 9))
    assert a.is_free(datetime(2026, 7, 6, 10), datetime(2026, 7, 6, 10, 30))
    assert not a.is_free(datetime(2026, 7, 6, 10), datetime(2026, 7, 6, 11))
    assert a.is_free(datetime(2026, 7, 13, 8), datetime(2026, 7, 13, 12))


def test_window_json_uses_clock_strings() -> None:
    """Times serialize as HH:MM, 24:00 included, and parse back."""
    w = WeeklyWindow(day="sun", start="22:00", end="24:00")  # type: ignore[arg-type]
    assert w.model_dump_json() == '{"day":6,"start":"22:00","end":"24:00"}'
    assert WeeklyWindow.model_validate_json(w.model_dump_json()) == w
    a = Availability(weekly=(w,), unavailable_dates=(date(2026, 1, 2), date(2026, 1, 1)))
    assert a.unavailable_dates == (date(2026, 1, 1), date(2026, 1, 2))
    assert Availability.model_validate_json(a.model_dump_json()) == a


@pytest.mark.parametrize(
    ("window", "error_type"),
    [
        ({"day": 0, "start": "12:00", "end": "08:00"}, "window_order"),
        ({"day": 0, "start": "08:00", "end": "08:00"}, "window_order"),
        ({"day": 0, "start": "08:05", "end": "09:00"}, "time_off_grid"),
        ({"day": 0, "start": "8h", "end": "09:00"}, "time_format"),
        ({"day": 0, "start": "25:00", "end": "09:00"}, "time_range"),
        ({"day": "someday", "start": "08:00", "end": "09:00"}, "unknown_weekday"),
        ({"day": 7, "start": "08:00", "end": "09:00"}, "less_than_equal"),
    ],
)
def test_bad_window(window: dict[str, object], error_type: str) -> None:
    """Each malformed window gets its own error type."""
    with pytest.raises(ValidationError) as info:
        WeeklyWindow.model_validate(window)
    assert [e["type"] for e in info.value.errors()] == [error_type]


def test_grid_rejects_empty_horizon() -> None:
    """A horizon needs at least a day."""
    with pytest.raises(ValueError, match="num_days must be at least 1"):
        AvailabilityGrid([Availability()], MONDAY, 0)


def test_equal_availabilities_compare_after_use() -> None:
    """Two equal availabilities still compare equal once both computed their bitmaps.

    Regression: a cached numpy array in the model's __dict__ made ``==`` raise.
    """
    a = Availability.from_spec("mon-fri 08:00-12:00")
    b = Availability.from_spec("mon-fri 08:00-12:00")
    a.slots(MONDAY, 7)
    b.slots(MONDAY, 7)
    assert a == b
    assert a != Availability.from_spec("sat 08:00-12:00")
    grid = AvailabilityGrid([a, b], MONDAY, 7)
    assert grid.volunteer2pattern.tolist() == [0, 0]
