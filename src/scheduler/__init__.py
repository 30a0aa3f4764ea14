"""Duty rosters (排班): posts, shifts, contracts and requests in; a checked roster out.

The front door is :func:`build_roster`; :func:`scheduler.check.check` verifies
any roster against every hard rule and recomputes its objective.
"""

from scheduler.model import (
    Contract,
    Post,
    Request,
    RosterParams,
    RosterPin,
    RosterProblem,
    RosterWeights,
    SeatSkill,
    Shift,
    TeamRule,
)
from scheduler.result import (
    Coverage,
    Penalty,
    RosterAssignment,
    RosterResult,
    RosterStatus,
    UnfilledSeat,
    VolunteerLoad,
)
from scheduler.solve import build_roster

__all__ = [
    "Contract",
    "Coverage",
    "Penalty",
    "Post",
    "Request",
    "RosterAssignment",
    "RosterParams",
    "RosterPin",
    "RosterProblem",
    "RosterResult",
    "RosterStatus",
    "RosterWeights",
    "SeatSkill",
    "Shift",
    "TeamRule",
    "UnfilledSeat",
    "VolunteerLoad",
    "build_roster",
]
