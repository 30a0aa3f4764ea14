"""Tests for volunteers.io: files and the garbage-collector pause."""

from __future__ import annotations

import gc
from pathlib import Path

from volunteers import Organization
from volunteers.io import gc_paused, load_organization, save_organization


def test_save_and_load(tmp_path: Path, small_county: Organization) -> None:
    """A saved organization loads back equal."""
    path = tmp_path / "county.json"
    save_organization(small_county, path)
    assert load_organization(path) == small_county


def test_gc_paused_restores_state() -> None:
    """The collector is paused inside the block and restored after, even on error."""
    assert gc.isenabled()
    try:
        with gc_paused():
            assert not gc.isenabled()
            raise RuntimeError
    except RuntimeError:
        pass
    assert gc.isenabled()
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()
    gc.enable()


def test_parse_shares_identical_availabilities(small_county: Organization) -> None:
    """Loading interns equal availabilities into one object each."""
    from volunteers.io import parse_organization

    org = parse_organization(small_county.model_dump_json())
    distinct_values = {v.availability for v in org.volunteers}
    distinct_objects = {id(v.availability) for v in org.volunteers}
    assert len(distinct_objects) == len(distinct_values) < len(org.volunteers) / 5
