"""Tests for volunteers.organization: cross-reference validation and index maps.

Each malformed file in tests/data/organization is named after the error it
contains; the test checks the error type, the path and the culprit named.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from volunteers import Organization, Volunteer
from volunteers.io import load_organization, parse_organization

# file stem -> (error type, path, text the message must contain)
MALFORMED: dict[str, tuple[str, tuple[Any, ...], str]] = {
    "unknown_station": (
        "unknown_station",
        ("volunteers", 1, "station"),
        "'v1' is registered at unknown station 's9'",
    ),
    "unknown_team_category": (
        "unknown_team_category",
        ("teams", 1, "category"),
        "category 'cooking'",
    ),
    "captain_not_member": (
        "captain_not_member",
        ("teams", 0, "captain"),
        "captain 'v2' is not a member",
    ),
    "unknown_volunteer": ("unknown_volunteer", ("teams", 0, "captain"), "unknown captain 'v9'"),
    "unknown_team": ("unknown_team", ("volunteers", 0, "teams", 1), "unknown team 't7'"),
    "unknown_skill": ("unknown_skill", ("volunteers", 2, "skills", 1), "unknown skill 'juggling'"),
    "duplicate_volunteer_id": (
        "duplicate_volunteer_id",
        ("volunteers", 2, "id"),
        "duplicate volunteer id 'v1'",
    ),
    "duplicate_station_id": (
        "duplicate_station_id",
        ("stations", 3, "id"),
        "duplicate station id 's0'",
    ),
    "duplicate_team_id": ("duplicate_team_id", ("teams", 1, "id"), "duplicate team id 't0'"),
    "parent_level": (
        "parent_level",
        ("stations", 3, "parent"),
        "a parent must be of a higher level",
    ),
    "window_ends_before_start": (
        "window_order",
        ("volunteers", 0, "availability", "weekly", 0),
        "ends at 08:00, not after its start 12:00",
    ),
    "time_off_grid": (
        "time_off_grid",
        ("volunteers", 0, "availability", "weekly", 0, "start"),
        "08:05 is not on the 15-minute grid",
    ),
    "latitude_out_of_range": (
        "less_than_equal",
        ("volunteers", 1, "home", "lat"),
        "less than or equal to 90",
    ),
    "missing_home": ("missing", ("volunteers", 1, "home"), "Field required"),
}


def _errors(path: Path) -> list[dict[str, Any]]:
    with pytest.raises(ValidationError) as info:
        load_organization(path)
    return [dict(e) for e in info.value.errors(include_url=False)]


def test_every_malformed_file_is_covered(data_dir: Path) -> None:
    """Each malformed file in the data folder has its expectation here, and vice versa."""
    files = {p.stem for p in (data_dir / "organization").glob("*.json")}
    assert files == set(MALFORMED) | {"valid", "many_problems"}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_file(data_dir: Path, name: str) -> None:
    """The one error of each malformed file is reported with its type, path and culprit."""
    kind, loc, text = MALFORMED[name]
    errors = _errors(data_dir / "organization" / f"{name}.json")
    matching = [e for e in errors if e["type"] == kind and tuple(e["loc"]) == loc]
    assert matching, errors
    assert text in matching[0]["msg"]


def test_many_problems_reported_together(data_dir: Path) -> None:
    """Field errors and cross-reference errors of one input come in one ValidationError."""
    errors = _errors(data_dir / "organization" / "many_problems.json")
    found = {(e["type"], tuple(e["loc"])) for e in errors}
    assert found == {
        ("window_order", ("volunteers", 0, "availability", "weekly", 0)),
        ("duplicate_volunteer_id", ("volunteers", 3, "id")),
        ("unknown_station", ("stations", 3, "parent")),
        ("unknown_team_category", ("teams", 1, "category")),
        ("unknown_station", ("volunteers", 1, "station")),
        ("unknown_skill", ("volunteers", 2, "skills", 1)),
        ("unknown_station", ("volunteers", 3, "station")),
        ("captain_not_member", ("teams", 0, "captain")),
    }


def test_invalid_item_is_not_reported_unknown(data_dir: Path) -> None:
    """A volunteer that fails field validation still counts as known for references to it."""
    raw = json.loads((data_dir / "organization" / "valid.json").read_text())
    raw["volunteers"][0]["home"]["lat"] = 200  # captain of t0, now invalid itself
    with pytest.raises(ValidationError) as info:
        Organization.model_validate(raw)
    assert [e["type"] for e in info.value.errors()] == ["less_than_equal"]


def test_ids_with_braces_do_not_break_messages(data_dir: Path) -> None:
    """Culprit ids are quoted verbatim, even with template characters."""
    raw = json.loads((data_dir / "organization" / "valid.json").read_text())
    raw["volunteers"][1]["station"] = "{oops}"
    with pytest.raises(ValidationError, match=r"unknown station '\{oops\}'"):
        Organization.model_validate(raw)


def test_valid_file_and_index_maps(tiny_org: Organization) -> None:
    """A valid file loads; index maps and team members are derived."""
    assert tiny_org.volunteer_index == {"v0": 0, "v1": 1, "v2": 2}
    assert tiny_org.station_index["p0"] == 4
    assert tiny_org.team2members == ((0, 1), (2,))
    assert tiny_org.members("t0") == ("v0", "v1")
    assert tiny_org.captained_teams("v2") == ("t1",)
    assert tiny_org.captained_teams("v1") == ()


def test_json_round_trip(tiny_org: Organization) -> None:
    """An organization round-trips through JSON unchanged."""
    assert parse_organization(tiny_org.model_dump_json()) == tiny_org


def test_replace_rechecks_references(tiny_org: Organization) -> None:
    """replace() validates the new whole: a volunteer at an unknown station is refused."""
    stray = Volunteer(id="v9", home=tiny_org.volunteers[0].home, station="nowhere")
    with pytest.raises(ValidationError, match="unknown station 'nowhere'"):
        tiny_org.replace(volunteers=(*tiny_org.volunteers, stray))
    ok = tiny_org.replace(name="Renamed")
    assert ok.name == "Renamed"
    assert ok.volunteers == tiny_org.volunteers


def test_open_skill_vocabulary(tiny_org: Organization) -> None:
    """Without a skill catalog any skill code is accepted."""
    v = tiny_org.volunteers[0].model_copy(update={"skills": ("anything",)})
    org = tiny_org.replace(skills=None, volunteers=(v, *tiny_org.volunteers[1:]))
    assert org.volunteers[0].skills == ("anything",)
