"""Tests for ``scheduler.synth``: the synthetic week carries team rules and a duty history."""

from __future__ import annotations

from scheduler.synth import synthetic_roster
from volunteers.synth import generate_county


def test_team_rules_and_history() -> None:
    """Teams of the chosen stations are ruled; members have a duty history before the start."""
    org = generate_county(num_volunteers=800, seed=3)
    p = synthetic_roster(org, 2, seed=3)
    stations = {post.id.split("/")[0] for post in p.posts}
    ruled = {rule.team for rule in p.team_rules}
    by_id = {t.id: t for t in org.teams}
    assert ruled
    assert ruled == {t.id for t in org.teams if t.station in stations and t.min_weekly_duty_hours}
    assert all(r.min_hours_per_week == by_id[r.team].min_weekly_duty_hours for r in p.team_rules)
    members = {m for team in ruled for m in org.members(team)}
    assert p.last_on_duty
    assert set(p.last_on_duty) <= members
    assert all(d < p.start for d in p.last_on_duty.values())


def test_team_hours_override() -> None:
    """``team_hours`` asks the same weekly hours of every team of the chosen stations."""
    org = generate_county(num_volunteers=800, seed=3)
    p = synthetic_roster(org, 2, seed=3, team_hours=6.0)
    assert p.team_rules
    assert {r.min_hours_per_week for r in p.team_rules} == {6.0}
    assert synthetic_roster(org, 2, seed=3).requests == p.requests
