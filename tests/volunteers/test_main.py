"""Tests for the command line ``python -m volunteers``."""

from __future__ import annotations

from pathlib import Path

import pytest

from volunteers.__main__ import main


def test_validate_lists_every_problem(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Validate exits 1 and prints one line per problem, each with its path."""
    code = main(["validate", str(data_dir / "organization" / "many_problems.json")])
    out = capsys.readouterr().out
    assert code == 1
    assert "8 problem(s)" in out
    assert "volunteers.2.skills.1: volunteer 'v2' has unknown skill 'juggling'" in out
    assert "teams.0.captain: team 't0' captain 'v2' is not a member of the team" in out


def test_validate_ok(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A valid file passes."""
    assert main(["validate", str(data_dir / "organization" / "valid.json")]) == 0
    assert "valid (5 stations, 2 teams, 3 volunteers)" in capsys.readouterr().out


def test_synth_then_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Synth prints a summary and writes a file that summary reads back."""
    out_file = tmp_path / "c.json"
    assert main(["synth", "--volunteers", "300", "--seed", "4", "--out", str(out_file)]) == 0
    first = capsys.readouterr().out
    assert "Generated 300 volunteers" in first
    assert main(["summary", str(out_file), "--on", "2026-06-30"]) == 0
    second = capsys.readouterr().out
    assert second.strip() in first
