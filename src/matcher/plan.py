"""A dispatch plan as arrays, for re-dispatching it without walking it in Python.

A re-dispatch at county scale keeps about 7,500 assignments (8,000 volunteer
seats) and 2,500 unserved orders. Looking each of them up in Python on every
decline cost 12-15 ms of a 50 ms budget. :class:`PlanIndex` holds what a
re-dispatch asks of a plan as numpy arrays: each assignment's order position,
each seat's volunteer, order and cost, and each unserved order's position and
place. It is built once per result (:meth:`PlanIndex.of`, kept on the result),
and the result of a re-dispatch receives its own index, derived from the
previous one with array operations (:meth:`PlanIndex.after`), so a chain of
re-dispatches never rebuilds it.

Positions refer to one tuple of orders and rows to one tuple of volunteers;
an index is used only with the very same tuples (an identity check), and is
rebuilt otherwise (after a cancellation, for example, positions shift).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from matcher.model import DispatchProblem, Order
from matcher.result import Assignment, DispatchResult, Unserved
from volunteers import Volunteer, coords
from volunteers.bits import BoolArray
from volunteers.geo import FloatArray, IntArray
from volunteers.memo import store, stored

_KEY = "plan-index"


@dataclass(frozen=True)
class PlanIndex:
    """What a re-dispatch needs of one plan, as arrays.

    Attributes
    ----------
    orders, volunteers
        The tuples positions and rows refer to (compared by identity).
    position
        Per assignment (in the result's order), its order's position in ``orders``.
    by_position
        Assignment indices sorted by ``position``.
    seat_volunteer, seat_position, seat_cost
        Per volunteer seat of an assignment: the volunteer's row, the order's
        position and the seat's cost (its :class:`~matcher.result.CostBreakdown` total).
    served
        Assignments per priority class.
    unserved_position, unserved_xy, unserved_remote
        Per unserved order: its position, its location ``(lat, lon)`` and
        whether it is remote.
    """

    orders: tuple[Order, ...]
    volunteers: tuple[Volunteer, ...]
    position: IntArray
    by_position: IntArray
    seat_volunteer: IntArray
    seat_position: IntArray
    seat_cost: FloatArray
    served: Counter[str]
    unserved_position: IntArray
    unserved_xy: FloatArray
    unserved_remote: BoolArray

    @classmethod
    def of(cls, problem: DispatchProblem, result: DispatchResult) -> PlanIndex:
        """The index of ``result`` (a plan for ``problem``), kept on the result."""
        found = stored(result, _KEY)
        volunteers = problem.organization.volunteers
        if (
            isinstance(found, PlanIndex)
            and found.orders is problem.orders
            and found.volunteers is volunteers
        ):
            return found
        built = cls._build(problem, result)
        store(result, _KEY, built)
        return built

    @classmethod
    def _build(cls, problem: DispatchProblem, result: DispatchResult) -> PlanIndex:
        orders = problem.orders
        index = problem.order_index
        vindex = problem.organization.volunteer_index
        assignments = result.assignments
        position = np.asarray([index[a.order] for a in assignments], dtype=np.int64)
        sizes = np.asarray([len(a.volunteers) for a in assignments], dtype=np.int64)
        seats = [av for a in assignments for av in a.volunteers]
        unserved = np.asarray([index[u.order] for u in result.unserved], dtype=np.int64)
        return cls(
            orders=orders,
            volunteers=problem.organization.volunteers,
            position=position,
            by_position=np.argsort(position, kind="stable"),
            seat_volunteer=np.asarray([vindex[s.volunteer] for s in seats], dtype=np.int64),
            seat_position=np.repeat(position, sizes),
            seat_cost=np.asarray([s.cost.total for s in seats], dtype=np.float64),
            served=Counter(orders[i].priority for i in position.tolist()),
            **_places(problem, unserved),
        )

    def find(self, positions: IntArray) -> IntArray:
        """Per order position, the index of its assignment, or -1 when it has none."""
        if len(self.position) == 0:
            return np.full(len(positions), -1, dtype=np.int64)
        ordered = self.position[self.by_position]
        at = np.minimum(np.searchsorted(ordered, positions), len(ordered) - 1)
        found: IntArray = np.where(ordered[at] == positions, self.by_position[at], -1)
        return found

    def after(
        self,
        problem: DispatchProblem,
        result: DispatchResult,
        removed: IntArray,
        renumber: IntArray | None,
        added: Sequence[Assignment],
        unserved: Sequence[Unserved],
    ) -> PlanIndex:
        """The index of ``result``: this plan with the orders at ``removed`` taken out.

        ``result`` solves ``problem`` and lists its assignments by position;
        ``added`` are its new assignments and ``unserved`` its newly unserved
        orders, both numbered by their positions in ``problem.orders``.
        ``renumber`` maps this index's positions to those (-1: cancelled), or
        is ``None`` when they are the same.
        """
        vindex = problem.organization.volunteer_index
        orders = problem.orders
        index = problem.order_index

        def moved(positions: IntArray) -> IntArray:
            return positions if renumber is None else renumber[positions]

        out = np.isin(self.position, removed)
        new_position = np.asarray([index[a.order] for a in added], dtype=np.int64)
        position = np.sort(np.concatenate((moved(self.position[~out]), new_position)))
        served = self.served.copy()
        served.subtract(self.orders[i].priority for i in self.position[out].tolist())
        served.update(orders[i].priority for i in new_position.tolist())
        keep_seat = ~np.isin(self.seat_position, removed)
        seats = [(index[a.order], av) for a in added for av in a.volunteers]
        keep_unserved = ~np.isin(self.unserved_position, removed)
        if renumber is not None:
            keep_unserved &= renumber[self.unserved_position] >= 0
        fresh = _places(problem, np.asarray([index[u.order] for u in unserved], dtype=np.int64))
        derived = PlanIndex(
            orders=orders,
            volunteers=problem.organization.volunteers,
            position=position,
            by_position=np.arange(len(position), dtype=np.int64),
            seat_volunteer=np.concatenate(
                (
                    self.seat_volunteer[keep_seat],
                    np.asarray([vindex[av.volunteer] for _, av in seats], dtype=np.int64),
                )
            ),
            seat_position=np.concatenate(
                (
                    moved(self.seat_position[keep_seat]),
                    np.asarray([p for p, _ in seats], dtype=np.int64),
                )
            ),
            seat_cost=np.concatenate(
                (
                    self.seat_cost[keep_seat],
                    np.asarray([av.cost.total for _, av in seats], dtype=np.float64),
                )
            ),
            served=+served,
            unserved_position=np.concatenate(
                (moved(self.unserved_position[keep_unserved]), fresh["unserved_position"])
            ),
            unserved_xy=np.concatenate((self.unserved_xy[keep_unserved], fresh["unserved_xy"])),
            unserved_remote=np.concatenate(
                (self.unserved_remote[keep_unserved], fresh["unserved_remote"])
            ),
        )
        store(result, _KEY, derived)
        return derived


def _places(problem: DispatchProblem, positions: IntArray) -> dict[str, np.ndarray]:
    """Positions, locations and remoteness of the orders at ``positions``."""
    orders = problem.orders
    menu = problem.menu_index
    chosen = [orders[i] for i in positions.tolist()]
    return {
        "unserved_position": positions,
        "unserved_xy": coords(o.location for o in chosen).reshape(-1, 2),
        "unserved_remote": np.asarray(
            [o.remote if o.remote is not None else menu[o.service].remote for o in chosen],
            dtype=bool,
        ),
    }
