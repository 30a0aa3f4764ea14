"""Tests for volunteers.synth: determinism, validity and realism of the county."""

from __future__ import annotations

from collections import Counter
from datetime import date

import numpy as np
import pytest

from volunteers import FIVE_TEAMS, Level, Organization
from volunteers.synth import CountySpec, generate_county


def test_same_seed_same_county() -> None:
    """The same spec and seed give the same county, byte for byte."""
    a = generate_county(num_volunteers=800, seed=11)
    b = generate_county(num_volunteers=800, seed=11)
    assert a.model_dump_json() == b.model_dump_json()


def test_different_seed_different_county() -> None:
    """Another seed gives another county."""
    a = generate_county(num_volunteers=800, seed=11)
    b = generate_county(num_volunteers=800, seed=12)
    assert a.model_dump_json() != b.model_dump_json()


def test_sizes_and_hierarchy(small_county: Organization) -> None:
    """The layout follows the spec: one center, institutes, stations, points."""
    spec = CountySpec(num_volunteers=2000)
    institutes, per = spec.layout()
    levels = Counter(s.level for s in small_county.stations)
    assert levels[Level.CENTER] == 1
    assert levels[Level.INSTITUTE] == institutes
    assert levels[Level.STATION] == institutes * per
    assert levels[Level.POINT] == 2 * institutes * per
    assert len(small_county.volunteers) == 2000
    for s in small_county.stations:
        parent_level = (
            None
            if s.parent is None
            else small_county.stations[small_county.station_index[s.parent]].level
        )
        assert (parent_level is None) == (s.level == Level.CENTER)


def test_volunteers_live_near_their_station(small_county: Organization) -> None:
    """Homes cluster around the registration station (median under 2 km)."""
    tree = small_county.tree
    homes = np.array([[v.home.lat, v.home.lon] for v in small_county.volunteers])
    st = tree.points[[small_county.station_index[v.station] for v in small_county.volunteers]]
    from volunteers.geo import haversine_km

    assert float(np.median(haversine_km(homes, st))) < 2.0


def test_profiles_skills_and_teams(small_county: Organization) -> None:
    """Four profiles in plausible shares; everyone has a skill; captains are members."""
    tags = Counter(v.tags[0] for v in small_county.volunteers)
    assert set(tags) == {"retiree", "worker", "student", "specialist"}
    assert 0.2 < tags["retiree"] / 2000 < 0.5
    assert all(v.skills for v in small_county.volunteers)
    member_share = np.mean([bool(v.teams) for v in small_county.volunteers])
    assert 0.3 < member_share < 1.0
    for t, members in zip(small_county.teams, small_county.team2members, strict=True):
        assert members
        assert small_county.volunteer_index[t.captain or ""] in members
    local = {c.code for c in small_county.team_model.categories if not c.standing}
    assert local
    assert any(t.category in local for t in small_county.teams)


def test_retirees_free_on_weekday_mornings(small_county: Organization) -> None:
    """Availability follows the profile: retirees mostly weekday daytime, students weekends."""
    from datetime import datetime

    def share(tag: str, when: datetime) -> float:
        vs = [v for v in small_county.volunteers if v.tags[0] == tag]
        return float(
            np.mean([v.availability.is_free(when, when.replace(hour=when.hour + 1)) for v in vs])
        )

    tuesday_9 = datetime(2026, 7, 7, 9)
    saturday_10 = datetime(2026, 7, 11, 10)
    assert share("retiree", tuesday_9) > 0.6
    assert share("student", tuesday_9) < 0.1
    assert share("student", saturday_10) > 0.6


def test_hours_follow_the_year(small_county: Organization) -> None:
    """Mid-year: some dormant, a minority already at target, none negative."""
    ledger = small_county.ledger()
    rate = ledger.activity(date(2026, 6, 30))
    assert 0.05 < rate.dormant / rate.registered < 0.3
    assert 0.0 < rate.active_share < 0.4
    assert (ledger.served >= 0).all()


def test_five_team_model() -> None:
    """A county under the five-team model uses only its categories."""
    org = generate_county(num_volunteers=600, seed=2, team_model=FIVE_TEAMS)
    assert org.team_model == FIVE_TEAMS
    assert {t.category for t in org.teams} <= set(FIVE_TEAMS.codes)


def test_tiny_county() -> None:
    """A county of one volunteer is still valid."""
    org = generate_county(num_volunteers=1, seed=0)
    assert len(org.volunteers) == 1


def test_bad_spec() -> None:
    """A spec with no volunteers is refused."""
    with pytest.raises(ValueError, match="greater than or equal to 1"):
        CountySpec(num_volunteers=0)
