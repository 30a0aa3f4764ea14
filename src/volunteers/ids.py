"""Identifier type shared by every boundary model."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

Id = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^\S(.*\S)?$")]
"""A user-chosen identifier: non-empty, at most 128 characters, no surrounding blanks."""
