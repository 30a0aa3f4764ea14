"""Tests for ``python -m matcher demo``."""

from __future__ import annotations

import pytest

from matcher.__main__ import main


def test_demo_prints_report_and_passes_checker(capsys: pytest.CaptureFixture[str]) -> None:
    """The demo dispatches, reports by priority class and passes the checker."""
    code = main(
        ["demo", "--volunteers", "600", "--orders", "40", "--seed", "2", "--time-limit", "5"]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "priority class" in out
    assert "Independent checker: passes" in out
