"""Reading generalized-assignment instances in the OR-Library layout.

Whitespace-separated integers: ``m n`` (agents, jobs), the ``m x n`` cost
matrix row by row (agent-major), the ``m x n`` load matrix, the ``m``
capacities (Beasley's OR-Library ``gap*`` files, Chu & Beasley 1997,
Yagiura et al. 2004).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from matcher.assignment.model import AssignmentProblem


def parse_orlib(text: str) -> AssignmentProblem:
    """One instance from the text of an OR-Library GAP file.

    Raises
    ------
    ValueError
        When the text is not integers or has the wrong count for ``m x n``.
    """
    try:
        values = np.array(text.split(), dtype=np.int64)
    except ValueError as exc:
        raise ValueError(f"GAP file holds a non-integer token: {exc}") from None
    if len(values) < 2:
        raise ValueError("GAP file must start with 'm n' (agents, jobs)")
    m, n = int(values[0]), int(values[1])
    expected = 2 + 2 * m * n + m
    if m <= 0 or n <= 0 or len(values) != expected:
        raise ValueError(
            f"GAP file with m={m} agents and n={n} jobs needs {expected} integers, "
            f"found {len(values)}"
        )
    cost = values[2 : 2 + m * n].reshape(m, n)
    load = values[2 + m * n : 2 + 2 * m * n].reshape(m, n)
    capacity = values[2 + 2 * m * n :]
    return AssignmentProblem.from_matrices(cost, load, capacity)


def read_orlib(path: str | Path) -> AssignmentProblem:
    """One instance from an OR-Library GAP file."""
    return parse_orlib(Path(path).read_text())
