"""The clock a roster's phases share: wall time, or counted work for reproducible runs.

:func:`scheduler.build_roster` splits its time limit among phases by deadlines on
one clock. By default that clock is the wall clock (``time.perf_counter()``), and a
phase stops wherever the machine happens to be when its deadline passes: two runs
with the same seed can differ.

With ``RosterParams.work_limit`` set, the clock counts work instead, in *work
seconds* (about one second of this project's 2-core reference machine each):

- a CP-SAT solve its deterministic time (and it is limited by deterministic time);
- a GLOP solve of the master LP its simplex iterations times the LP's rows, and
  its nonzeros;
- a walk over the days (:mod:`scheduler.day_pricing`) its dynamic program's states;
- a HiGHS solve its branch-and-bound nodes (and it is limited by nodes), with
  the LP's nonzeros;
- the arrays, the constructions, the model and its translation, by their sizes.

Every phase then stops at the same point of its work in every run, several CP-SAT
workers interleave their search (deterministic in CP-SAT whatever their number), and
with a fixed seed the roster is the same run after run, however loaded the machine,
as with CP-SAT's own deterministic limit (``max_deterministic_time``) or a step limit
of a local search. The time limit stays a wall-clock cap: a run it
stops is not reproducible, so give it room (a work second is a rough estimate of a
second, measured on this project's benchmarks, not a promise).

The clock is installed for the duration of a solve with :func:`clocked` and read
with :func:`current_clock` (a context variable, like :mod:`volunteers.control`);
without one installed, phases run on the wall clock with no limit of their own.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

CPSAT_SECONDS_PER_DETERMINISTIC = 2.5
"""Work seconds per unit of CP-SAT's deterministic time and worker (measured, 4 s
on the models of Curtois Instances 5-20 and Timefold LARGE: 2.2-3.6 wall seconds
per unit with one worker; two workers count about twice the units in that time)."""

CPSAT_SECONDS_PER_CONSTRAINT = 1e-5
"""Work seconds per constraint of a model CP-SAT loads, which its deterministic time
leaves out (measured, completing a fixed roster of Curtois Instances 5-22: 9-16 us)."""

GLOP_SECONDS_PER_PIVOT_ROW = 7.5e-7
GLOP_SECONDS_PER_NONZERO = 3.3e-7
"""Work seconds of a GLOP solve of the master LP per simplex iteration and row, and
per nonzero of its schedules (reading the LP and its solution). Fitted on every solve
of runs on a work budget of 60 (column generation, dives, trees) on Curtois Instances
8, 10, 12 and 18 (307-896 solves each; 14-44 nonzeros a schedule): 0.93-1.05 of their
wall time on each instance, where 1 us per iteration and row and 2 us per column gave
0.65-1.18 (Instance18, whose schedules have three times the nonzeros, counted low)."""

HIGHS_SECONDS_PER_NODE = 1e-3
"""Work seconds per branch-and-bound node of HiGHS (times :data:`HIGHS_NODE_NONZEROS`
nonzeros of its LP)."""

HIGHS_NODE_NONZEROS = 10_000
"""Nonzeros of the LP whose HiGHS node costs :data:`HIGHS_SECONDS_PER_NODE`."""

HIGHS_SECONDS_PER_NONZERO = 6e-6
"""Work seconds per nonzero of an LP HiGHS solves (its root; measured on Timefold
LARGE's program, 157,000-177,000 nonzeros: 5.5-7.6 us)."""


class Clock:
    """The clock of one solve.

    Parameters
    ----------
    time_limit
        Wall-clock seconds the solve may take.
    work_limit
        When given, the clock counts work (see the module doc) and phases share
        this many work seconds; ``time_limit`` is then only a cap.

    Attributes
    ----------
    counting
        Whether the clock counts work.
    limit
        What the phases share: ``work_limit`` when counting, else ``time_limit``.
    began
        ``time.perf_counter()`` when the clock was made: readings start there.
    work
        Work seconds counted so far (counted on the wall clock too, for logs).
    """

    def __init__(self, *, time_limit: float = math.inf, work_limit: float | None = None) -> None:
        self.counting = work_limit is not None
        self.limit = work_limit if work_limit is not None else time_limit
        self.began = time.perf_counter()
        self.wall_deadline = self.began + time_limit
        self.work = 0.0

    @property
    def deadline(self) -> float:
        """The reading at which the phases' shared limit is spent."""
        return self.began + self.limit

    def now(self) -> float:
        """The clock's reading: wall time, or ``began`` plus the work counted."""
        if self.counting:
            return self.began + self.work
        return time.perf_counter()

    def left(self, until: float) -> float:
        """Seconds until the reading ``until`` (never past the wall-clock cap)."""
        if not self.counting:
            return until - time.perf_counter()
        return min(until - self.began - self.work, self.wall_left())

    def wall_left(self) -> float:
        """Wall-clock seconds left before the cap."""
        return self.wall_deadline - time.perf_counter()

    def past(self, until: float) -> bool:
        """Whether the reading ``until`` has passed (or the wall-clock cap)."""
        return self.left(until) <= 0.0

    def charge(self, seconds: float) -> None:
        """Count ``seconds`` of work."""
        self.work += seconds

    def limit_cpsat(self, parameters: Any, seconds: float, workers: int = 1) -> None:
        """Give a CP-SAT solve (its ``parameters``) ``workers`` workers and ``seconds``.

        CP-SAT's deterministic limit holds for each worker, and its response
        counts every worker's (measured on Curtois Instances 8 and 18, a limit
        of 1.0: 1.0 with one worker, 1.8-1.9 with two, in about the same wall
        time): :meth:`charge_cpsat` divides by the workers. On a counting clock
        several workers interleave their search (``interleave_search``), which
        CP-SAT makes deterministic whatever their number: a work budget then
        gives the same roster with two workers too (measured on Curtois
        Instances 8, 10, 12 and 18, two runs each, side by side).
        """
        seconds = max(0.0, seconds)
        parameters.num_workers = workers
        if self.counting:
            parameters.max_deterministic_time = seconds / CPSAT_SECONDS_PER_DETERMINISTIC
            parameters.interleave_search = workers > 1
            parameters.max_time_in_seconds = max(0.0, self.wall_left())
        else:
            parameters.max_time_in_seconds = seconds

    def charge_cpsat(self, solver: Any, model: Any, loading: float | None = None) -> None:
        """Count a finished CP-SAT solve of ``model``: its loading and deterministic time.

        ``loading`` replaces the model's loading counted by its constraints.
        """
        units = solver.response_proto.deterministic_time
        workers = max(1, solver.parameters.num_workers)
        if loading is None:
            loading = CPSAT_SECONDS_PER_CONSTRAINT * len(model.proto.constraints)
        self.charge(loading + CPSAT_SECONDS_PER_DETERMINISTIC * units / workers)

    def highs_nodes(self, seconds: float, nonzeros: int) -> int | None:
        """The node limit of a HiGHS solve given ``seconds`` (``None``: no limit)."""
        if not self.counting:
            return None
        return max(1, int(seconds / _highs_node_seconds(nonzeros)))

    def charge_highs(self, nodes: int, nonzeros: int) -> None:
        """Count a HiGHS solve: its root LP and ``nodes`` branch-and-bound nodes."""
        per_node = _highs_node_seconds(nonzeros)
        self.charge(HIGHS_SECONDS_PER_NONZERO * nonzeros + per_node * nodes)


def _highs_node_seconds(nonzeros: int) -> float:
    """Work seconds of a HiGHS branch-and-bound node on an LP of ``nonzeros``."""
    return HIGHS_SECONDS_PER_NODE * max(1.0, nonzeros / HIGHS_NODE_NONZEROS)


_WALL = Clock()
_current: ContextVar[Clock] = ContextVar("roster_clock", default=_WALL)


def current_clock() -> Clock:
    """The clock installed by :func:`clocked` (the wall clock, unlimited, otherwise)."""
    return _current.get()


@contextmanager
def clocked(clock: Clock) -> Iterator[Clock]:
    """Install ``clock`` for the phases run inside the ``with`` block."""
    token = _current.set(clock)
    try:
        yield clock
    finally:
        _current.reset(token)
