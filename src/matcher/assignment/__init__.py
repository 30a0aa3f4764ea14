"""The capacitated assignment core, callable with explicit candidate edges.

:class:`AssignmentProblem` holds jobs, agents and edges (cost and load per
edge, capacity per agent, must or may jobs); :func:`solve_assignment` solves
it (LP bound, rounding, CP-SAT, branch and price, large neighbourhoods); :func:`check_assignment`
verifies any answer independently. :func:`read_orlib` reads the public
generalized-assignment (GAP) instances.
"""

from matcher.assignment.check import AssignmentCheck, check_assignment
from matcher.assignment.model import AssignmentProblem, AssignmentResult
from matcher.assignment.orlib import parse_orlib, read_orlib
from matcher.assignment.solve import solve_assignment

__all__ = [
    "AssignmentCheck",
    "AssignmentProblem",
    "AssignmentResult",
    "check_assignment",
    "parse_orlib",
    "read_orlib",
    "solve_assignment",
]
