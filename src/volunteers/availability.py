"""When volunteers can serve: weekly windows plus dated exceptions.

Time is local wall-clock time of the organization (naive datetimes), at a
resolution of :data:`SLOT_MINUTES` minutes. A volunteer is free in a slot when

    ((a weekly window covers it and its date is not an unavailable date)
     or an extra dated window covers it)
    and no blocked dated window covers it.

``weekly=None`` means "any time of the week" (the default); ``weekly=()`` means
"only in the extra windows".

:class:`AvailabilityGrid` turns many volunteers' availabilities into one slot
bitmap per distinct pattern over a horizon, with prefix sums, so that "is each
of these volunteers free for ``[start, end)``" is one vectorized lookup.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Self

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PlainSerializer,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from volunteers.memo import memo

SLOT_MINUTES = 15
"""Resolution of availability, in minutes."""
MINUTES_PER_DAY = 24 * 60
SLOTS_PER_DAY = MINUTES_PER_DAY // SLOT_MINUTES
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]


def format_clock(minute: int) -> str:
    """Format minutes after midnight as ``HH:MM`` (``1440`` is ``24:00``)."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _parse_clock_text(value: str) -> int:
    m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})(?::00)?\s*", value)
    if m is None:
        raise PydanticCustomError(
            "time_format", "time {value!r} is not of the form HH:MM", {"value": value}
        )
    hours, minutes = int(m.group(1)), int(m.group(2))
    if minutes >= 60 or hours > 24 or (hours == 24 and minutes):
        raise PydanticCustomError(
            "time_range",
            "time {value!r} is not a time of day between 00:00 and 24:00",
            {"value": value},
        )
    return hours * 60 + minutes


_GRID_CLOCKS = {format_clock(m): m for m in range(0, MINUTES_PER_DAY + 1, SLOT_MINUTES)}


def _parse_clock(value: object) -> object:
    """Minutes after midnight from ``"HH:MM"`` or an int, checked on the slot grid."""
    if isinstance(value, str):
        fast = _GRID_CLOCKS.get(value)
        if fast is not None:
            return fast
        value = _parse_clock_text(value)
    if isinstance(value, int) and not isinstance(value, bool) and value % SLOT_MINUTES:
        raise PydanticCustomError(
            "time_off_grid",
            "time {time} is not on the {slot}-minute grid",
            {"time": format_clock(value), "slot": SLOT_MINUTES},
        )
    return value


Clock = Annotated[
    int,
    BeforeValidator(_parse_clock),
    Field(ge=0, le=MINUTES_PER_DAY),
    PlainSerializer(format_clock, return_type=str, when_used="json"),
]
"""Minutes after midnight on the slot grid; ``"HH:MM"`` in JSON (``"24:00"`` allowed)."""


def _parse_weekday(value: object) -> object:
    if isinstance(value, str):
        key = value.strip().lower()[:3]
        if key in WEEKDAYS:
            return WEEKDAYS.index(key)
        raise PydanticCustomError(
            "unknown_weekday",
            "unknown weekday {value!r}; use 0-6 (Monday = 0) or mon..sun",
            {"value": value},
        )
    return value


Weekday = Annotated[int, BeforeValidator(_parse_weekday), Field(ge=0, le=6)]
"""Day of the week, Monday = 0; also accepts ``"mon"`` ... ``"sun"``."""


def _check_order(start: int, end: int) -> None:
    if end <= start:
        raise PydanticCustomError(
            "window_order",
            "window ends at {end}, not after its start {start}",
            {"start": format_clock(start), "end": format_clock(end)},
        )


class WeeklyWindow(BaseModel):
    """A window recurring every week: ``day`` from ``start`` to ``end``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    day: Weekday
    start: Clock
    end: Clock

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        _check_order(self.start, self.end)
        return self


class DatedWindow(BaseModel):
    """A window on one calendar date: ``date`` from ``start`` to ``end``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    date: date
    start: Clock = 0
    end: Clock = MINUTES_PER_DAY

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        _check_order(self.start, self.end)
        return self


_SPEC_DAYS = re.compile(r"^(?P<a>[a-z]{3})(?:-(?P<b>[a-z]{3}))?$")
_SPEC_RANGE = re.compile(r"^(\d{1,2}:\d{2})-(\d{1,2}:\d{2})$")


class Availability(BaseModel):
    """Weekly recurring windows plus dated exceptions.

    Parameters
    ----------
    weekly
        Recurring windows; ``None`` (default) means any time of any day.
    unavailable_dates
        Whole dates on which the weekly windows do not apply.
    extra
        Dated windows of extra availability (they apply even on unavailable dates).
    blocked
        Dated windows of unavailability; they override everything else.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    weekly: tuple[WeeklyWindow, ...] | None = None
    unavailable_dates: tuple[date, ...] = ()
    extra: tuple[DatedWindow, ...] = ()
    blocked: tuple[DatedWindow, ...] = ()

    @model_validator(mode="wrap")
    @classmethod
    def _intern(
        cls, data: Any, handler: ModelWrapValidatorHandler[Self], info: ValidationInfo
    ) -> Self:
        """Share one instance among identical inputs when the context asks for it.

        With ``context={"intern": {}}`` (as :func:`volunteers.io.parse_organization`
        passes), volunteers with the same availability share one object: loading
        is faster and :class:`AvailabilityGrid` dedupes by identity.
        """
        cache = info.context.get("intern") if isinstance(info.context, dict) else None
        if cache is None or not isinstance(data, dict):
            return handler(data)
        key = ("availability", repr(data))
        hit = cache.get(key)
        if hit is None:
            hit = cache[key] = handler(data)
        return hit  # type: ignore[no-any-return]

    @field_validator("unavailable_dates")
    @classmethod
    def _sorted_dates(cls, value: tuple[date, ...]) -> tuple[date, ...]:
        return tuple(sorted(set(value)))

    @classmethod
    def always(cls) -> Availability:
        """Free at any time."""
        return cls()

    @classmethod
    def from_spec(cls, spec: str) -> Availability:
        """Parse a compact weekly spec.

        Example: ``"mon-fri 08:00-11:30 14:30-17:30; sat,sun 09:00-12:00"``. Groups
        are separated by ``;``; each is one or more days or day ranges followed by
        one or more ``HH:MM-HH:MM`` ranges. An empty spec means never free.

        Raises
        ------
        ValueError
            Naming the part of the spec that could not be read.
        """
        windows: list[WeeklyWindow] = []
        for group in filter(None, (g.strip() for g in spec.lower().split(";"))):
            tokens = group.replace(",", " ").split()
            days: list[int] = []
            while tokens and _SPEC_DAYS.match(tokens[0]):
                m = _SPEC_DAYS.match(tokens.pop(0))
                assert m is not None
                a, b = m.group("a"), m.group("b") or m.group("a")
                if a not in WEEKDAYS or b not in WEEKDAYS:
                    raise ValueError(
                        f"cannot read days {m.group(0)!r} in availability spec {spec!r}"
                    )
                first, last = WEEKDAYS.index(a), WEEKDAYS.index(b)
                days.extend(d % 7 for d in range(first, first + (last - first) % 7 + 1))
            if not days:
                raise ValueError(f"no days at the start of {group!r} in availability spec {spec!r}")
            if not tokens:
                raise ValueError(f"no time ranges in {group!r} of availability spec {spec!r}")
            for r in tokens:
                rm = _SPEC_RANGE.match(r)
                if rm is None:
                    raise ValueError(f"cannot read time range {r!r} in availability spec {spec!r}")
                windows.extend(
                    WeeklyWindow(day=d, start=rm.group(1), end=rm.group(2))  # type: ignore[arg-type]
                    for d in dict.fromkeys(days)
                )
        return cls(weekly=tuple(windows))

    @memo
    def weekly_template(self) -> BoolArray:
        """``(7, SLOTS_PER_DAY)`` bitmap of the weekly windows (Monday first)."""
        if self.weekly is None:
            return np.ones((7, SLOTS_PER_DAY), dtype=bool)
        template = np.zeros((7, SLOTS_PER_DAY), dtype=bool)
        for w in self.weekly:
            template[w.day, w.start // SLOT_MINUTES : w.end // SLOT_MINUTES] = True
        return template

    def slots(self, start: date, num_days: int) -> BoolArray:
        """Slot bitmap over ``num_days`` days from ``start`` (``num_days * SLOTS_PER_DAY``)."""
        weekdays = (start.weekday() + np.arange(num_days)) % 7
        grid = self.weekly_template[weekdays].copy()
        end = start + timedelta(days=num_days)
        for d in self.unavailable_dates:
            if start <= d < end:
                grid[(d - start).days] = False
        for w, value in [(w, True) for w in self.extra] + [(w, False) for w in self.blocked]:
            if start <= w.date < end:
                grid[(w.date - start).days, w.start // SLOT_MINUTES : w.end // SLOT_MINUTES] = value
        return grid.reshape(-1)

    def is_free(self, start: datetime, end: datetime) -> bool:
        """Whether free for the whole of ``[start, end)`` (partial slots count whole)."""
        if end <= start:
            return True
        day0 = start.date()
        num_days = (end.date() - day0).days + 1
        bitmap = self.slots(day0, num_days)
        midnight = datetime.combine(day0, datetime.min.time())
        first = math.floor((start - midnight).total_seconds() / (60 * SLOT_MINUTES))
        last = math.ceil((end - midnight).total_seconds() / (60 * SLOT_MINUTES))
        return bool(bitmap[first:last].all())


class AvailabilityGrid:
    """Slot bitmaps of many volunteers over one horizon, for vectorized queries.

    Identical availabilities share one row, so memory follows the number of
    distinct patterns, not of volunteers.

    Parameters
    ----------
    availabilities
        One per volunteer, in volunteer index order.
    start
        First date of the horizon (slot 0 starts at its midnight).
    num_days
        Length of the horizon in days.

    Attributes
    ----------
    pattern_slots : numpy.ndarray
        ``(num_patterns, num_slots)`` bool bitmap.
    volunteer2pattern : numpy.ndarray
        ``(num_volunteers,)`` row of each volunteer in ``pattern_slots``.
    """

    def __init__(self, availabilities: Sequence[Availability], start: date, num_days: int) -> None:
        if num_days < 1:
            raise ValueError(f"num_days must be at least 1, got {num_days}")
        self.start = start
        self.num_days = num_days
        self.num_slots = num_days * SLOTS_PER_DAY
        pattern_of: dict[Availability, int] = {}
        patterns: list[Availability] = []
        rows = np.empty(len(availabilities), dtype=np.int64)
        for i, a in enumerate(availabilities):
            row = pattern_of.get(a)
            if row is None:
                row = pattern_of[a] = len(patterns)
                patterns.append(a)
            rows[i] = row
        self.volunteer2pattern: IntArray = rows
        self.pattern_slots: BoolArray = (
            np.stack([p.slots(start, num_days) for p in patterns])
            if patterns
            else np.zeros((0, self.num_slots), dtype=bool)
        )

    @property
    def num_volunteers(self) -> int:
        """Number of volunteers covered."""
        return len(self.volunteer2pattern)

    @memo
    def _busy_prefix(self) -> NDArray[np.int32]:
        busy = ~self.pattern_slots
        prefix = np.zeros((busy.shape[0], busy.shape[1] + 1), dtype=np.int32)
        np.cumsum(busy, axis=1, out=prefix[:, 1:])
        return prefix

    def minute_of(self, when: datetime) -> int:
        """Minutes from the horizon's first midnight to ``when``."""
        delta = when - datetime.combine(self.start, datetime.min.time())
        return int(delta.total_seconds() // 60)

    def is_free(
        self, volunteer: ArrayLike, start_minute: ArrayLike, end_minute: ArrayLike
    ) -> BoolArray:
        """Whether each volunteer is free for the whole of ``[start, end)``.

        Arguments broadcast together. Minutes count from the horizon's first
        midnight; partial slots count whole; any part outside the horizon
        makes the answer ``False``. An empty interval is always free.
        """
        v = np.asarray(volunteer, dtype=np.int64)
        s = np.asarray(start_minute, dtype=np.int64)
        e = np.asarray(end_minute, dtype=np.int64)
        v, s, e = np.broadcast_arrays(v, s, e)
        first = s // SLOT_MINUTES
        last = -(-e // SLOT_MINUTES)
        empty = e <= s
        inside = (first >= 0) & (last <= self.num_slots)
        fc = np.clip(first, 0, self.num_slots)
        lc = np.clip(last, 0, self.num_slots)
        rows = self.volunteer2pattern[v]
        busy = self._busy_prefix[rows, lc] - self._busy_prefix[rows, fc]
        result: BoolArray = empty | (inside & (busy == 0))
        return result

    def free_slots(self, volunteer: int) -> BoolArray:
        """The slot bitmap of one volunteer (a view, do not modify)."""
        row: BoolArray = self.pattern_slots[self.volunteer2pattern[volunteer]]
        return row
