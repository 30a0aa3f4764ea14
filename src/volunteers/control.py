"""Stopping a running solve from outside, and hearing about its progress.

A service runs long solves in worker processes and must be able to stop one and
keep its best solution so far, and to show how far it has got. The solvers of
this project (:func:`matcher.dispatch`, :func:`scheduler.build_roster`) consult
the :class:`SolveControl` installed with :func:`controlled`::

    control = SolveControl(should_stop=job_cancelled, on_progress=store)
    with controlled(control):
        result = build_roster(problem)  # stops early when job_cancelled() is true

A stopped solve returns like one that reached its time limit: with the best
solution found so far. Without a control installed nothing changes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol


class Stoppable(Protocol):
    """A solver that can be asked to stop (CP-SAT's ``CpSolver``)."""

    def stop_search(self) -> None:
        """Stop as soon as possible, keeping the best solution found."""


def _never() -> bool:
    return False


@dataclass
class SolveControl:
    """What a caller can do to a running solve.

    Parameters
    ----------
    should_stop
        Polled every ``poll_seconds`` while a solver runs, and between stages;
        once it returns true the solve stops and returns its best so far.
    on_progress
        Called with ``{"objective", "bound", "seconds", "solutions"}`` at each
        improving solution of a search (objective and bound in the solver's
        internal units: comparable within one solve only).
    poll_seconds
        How often ``should_stop`` is polled.
    """

    should_stop: Callable[[], bool] = _never
    on_progress: Callable[[dict[str, float]], None] | None = None
    poll_seconds: float = 0.2
    _stopped: bool = field(default=False, init=False)
    _solutions: int = field(default=0, init=False)

    def stop_requested(self) -> bool:
        """Whether the caller asked the solve to stop (remembered once seen)."""
        if not self._stopped and self.should_stop():
            self._stopped = True
        return self._stopped

    def progress(self, values: dict[str, float]) -> None:
        """Report progress to ``on_progress`` (if any)."""
        if self.on_progress is not None:
            self.on_progress(values)

    @contextmanager
    def watching(self, solver: Stoppable) -> Iterator[None]:
        """While inside, a thread stops ``solver`` once a stop is requested."""
        if self.should_stop is _never:
            yield
            return
        done = threading.Event()

        def watch() -> None:
            while not done.wait(self.poll_seconds):
                if self.stop_requested():
                    solver.stop_search()
                    return

        thread = threading.Thread(target=watch, name="solve-control", daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join()

    def solution_callback(self) -> Any:
        """A CP-SAT solution callback reporting progress, or ``None`` when nobody listens."""
        if self.on_progress is None:
            return None
        from ortools.sat.python import cp_model

        control = self
        started = time.perf_counter()

        class _Report(cp_model.CpSolverSolutionCallback):
            def on_solution_callback(self) -> None:
                control._solutions += 1
                control.progress(
                    {
                        "objective": float(self.objective_value),
                        "bound": float(self.best_objective_bound),
                        "seconds": time.perf_counter() - started,
                        "solutions": float(control._solutions),
                    }
                )

        return _Report()


_NONE = SolveControl()
_current: ContextVar[SolveControl] = ContextVar("solve_control", default=_NONE)


def current() -> SolveControl:
    """The control installed by :func:`controlled` (one that never stops otherwise)."""
    return _current.get()


@contextmanager
def controlled(control: SolveControl) -> Iterator[SolveControl]:
    """Install ``control`` for the solves run inside the ``with`` block."""
    token = _current.set(control)
    try:
        yield control
    finally:
        _current.reset(token)
