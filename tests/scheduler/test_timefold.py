"""Timefold SMALL (copied into tests/data) reaches its proven optimum; the scorer is exact."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from benchmarks.timefold import TfShift, day_minutes, run, timefold_score, unfairness

DATA = Path(__file__).parent.parent / "data" / "timefold"


def test_small_reaches_its_proven_optimum() -> None:
    """Every hard rule holds, the soft score is the optimum, and our checker agrees."""
    line, result = run(DATA / "small.json", time_limit=20.0, seed=1, workers=1)
    assert line["hard"] == 0
    assert line["unassigned"] == 0
    assert line["soft"] == 2878.2873
    assert line["checker_ok"]
    assert line["checker_agrees"]
    assert len(result.assignments) == 139


def test_day_minutes_follow_timefold() -> None:
    """A night shift counts 119 minutes on its start date and 360 on its end date."""
    night = TfShift("n", datetime(2026, 11, 23, 22), datetime(2026, 11, 24, 6), "x", "Nurse")
    day = TfShift("d", datetime(2026, 11, 23, 9), datetime(2026, 11, 23, 17), "x", "Nurse")
    assert day_minutes(night, date(2026, 11, 23)) == 119
    assert day_minutes(night, date(2026, 11, 24)) == 360
    assert day_minutes(day, date(2026, 11, 23)) == 480
    assert day_minutes(day, date(2026, 11, 24)) == 0


def test_unfairness_example() -> None:
    """The README's example: 139 shifts as 4 x 10 and 11 x 9 give U = 1.71270."""
    assert unfairness([10] * 4 + [9] * 11) == 1.7127


def test_scorer_counts_hard_rules() -> None:
    """Short rest and two starts a day are priced as the benchmark prices them."""
    path = DATA / "small.json"
    _line, result = run(path, time_limit=20.0, seed=1, workers=1)
    first = {a.shift: a.volunteer for a in result.assignments}
    clean = timefold_score(path, first)
    assert clean.hard == 0
    # Shifts 0 (06:00-14:00) and 1 (14:00-22:00) to one employee: back to back on
    # one day costs 600 (no rest) + 1 (two starts that day), more if skills or
    # their other shifts clash.
    broken = dict(first)
    broken["1"] = broken["0"]
    assert timefold_score(path, broken).hard >= 601
