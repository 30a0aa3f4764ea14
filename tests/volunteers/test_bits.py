"""Bit masks of skills and team categories."""

from __future__ import annotations

from volunteers import Location, Organization
from volunteers.bits import MemberMasks, contains, intersects

HERE = Location(lat=30.0, lon=114.0)


def test_member_masks_match_sets() -> None:
    """Subset and intersection agree with the volunteers' sets; unknown skills match nobody."""
    org = Organization.model_validate(
        {
            "stations": [{"id": "s", "level": "station", "location": HERE}],
            "teams": [{"id": "T", "category": "legal", "station": "s"}],
            "volunteers": [
                {"id": "a", "home": HERE, "station": "s", "skills": ["x", "y"], "teams": ["T"]},
                {"id": "b", "home": HERE, "station": "s", "skills": ["y"]},
            ],
        }
    )
    m = MemberMasks.of(org)
    assert contains(m.skills, m.skill_mask(["y"])).tolist() == [True, True]
    assert contains(m.skills, m.skill_mask(["x", "y"])).tolist() == [True, False]
    assert contains(m.skills, m.skill_mask(["y", "unheard_of"])).tolist() == [False, False]
    assert intersects(m.categories, m.category_mask(["legal", "relief"])).tolist() == [True, False]
