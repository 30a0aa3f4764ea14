"""Tests for ``python -m scheduler demo``."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from scheduler.__main__ import main


def test_demo_writes_roster_and_passes_checker(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The demo rosters two stations, prints coverage, hours and team duty, writes the CSV."""
    out_csv = tmp_path / "roster.csv"
    args = ["demo", "--volunteers", "600", "--stations", "2", "--seed", "2"]
    code = main([*args, "--time-limit", "3", "--out", str(out_csv)])
    out = capsys.readouterr().out
    assert code == 0
    assert "coverage:" in out
    assert "hours:" in out
    assert "teams met their weekly hours" in out
    assert "Independent checker: passes" in out
    with out_csv.open() as f:
        rows = list(csv.DictReader(f))
    assert rows
    assert set(rows[0]) == {"volunteer", "shift", "post", "start", "end", "travel_minutes"}
