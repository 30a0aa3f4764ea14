"""Tests for volunteers.summary: the county report."""

from __future__ import annotations

from datetime import date

from volunteers import Organization
from volunteers.summary import summarize


def test_counts_match_the_organization(small_county: Organization) -> None:
    """Level counts, team counts and skill holders agree with the data."""
    s = summarize(small_county, date(2026, 6, 30))
    assert sum(s.stations_by_level.values()) == len(small_county.stations)
    assert sum(c.teams for c in s.categories) == len(small_county.teams)
    holders = sum(len(v.skills) for v in small_county.volunteers)
    assert sum(k.volunteers for k in s.skills) == holders
    assert all(k.stations_covered <= s.num_stations for k in s.skills)
    assert s.activity.registered == 2000
    assert 0.0 < s.circle_coverage <= 1.0


def test_tiny_org_summary(tiny_org: Organization) -> None:
    """On the tiny file: one member per skill, the one station of each volunteer."""
    s = summarize(tiny_org, date(2026, 6, 30))
    by_code = {k.code: k for k in s.skills}
    assert by_code["first_aid"].volunteers == 1
    assert by_code["first_aid"].stations_covered == 1
    cats = {c.code: (c.teams, c.members) for c in s.categories}
    assert cats == {"medical_fitness": (1, 2), "education": (1, 1), "youth": (0, 0)}


def test_text_report_sections(small_county: Organization) -> None:
    """The text report has the hierarchy, teams, skills and activity."""
    text = summarize(small_county, date(2026, 6, 30)).to_text()
    for heading in ("Hierarchy:", "Team category", "Skill", "Activity:", "15-minute circle"):
        assert heading in text
