"""Reading and writing organizations as JSON files.

Use these rather than ``Organization.model_validate_json`` on large files:
they share one instance among identical availabilities (validation context
``{"intern": {}}``) and pause the cyclic garbage collector while hundreds of
thousands of (acyclic) frozen models are built; together that cuts the load
time of a county of 100,000 volunteers several times over.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from volunteers.organization import Organization


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector inside the block (restored after)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def parse_organization(text: str | bytes) -> Organization:
    """Validate an organization from JSON text.

    Raises
    ------
    pydantic.ValidationError
        Listing every problem with its path.
    """
    with gc_paused():
        return Organization.model_validate_json(text, context={"intern": {}})


def load_organization(path: str | Path) -> Organization:
    """Read and validate an organization from a JSON file.

    Raises
    ------
    pydantic.ValidationError
        Listing every problem with its path.
    """
    return parse_organization(Path(path).read_bytes())


def save_organization(org: Organization, path: str | Path, *, indent: int | None = None) -> None:
    """Write an organization as JSON (round-trips through :func:`load_organization`)."""
    Path(path).write_text(org.model_dump_json(indent=indent), encoding="utf-8")
