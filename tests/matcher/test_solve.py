"""Tests for ``matcher.solve``: how a component's two CP-SAT stages hand over."""

from __future__ import annotations

from typing import Any

import pytest
from ortools.sat.python import cp_model

from matcher import SolveStatus, dispatch
from matcher.candidates import DispatchArrays, generate
from matcher.check import check
from tests.matcher.builders import order, problem, volunteer


def test_a_starved_cost_stage_keeps_the_cheap_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stage B finds nothing in its time: the plan is still the cheapest serving A's orders.

    The greedy plan gives x (two volunteers) a and b first, so v and z go
    unserved; stage A serves v, z and y instead, y by d (3 minutes) or e (12
    minutes): it does not look at cost, and here it is made to take e. The
    greedy plan of those three orders gives y to d, and that is the plan kept
    when stage B is made to find nothing.
    """
    p = problem(
        [
            volunteer("a", 0.1, skills=("x", "v", "y")),
            volunteer("b", 0.1, skills=("x", "z")),
            volunteer("d", 0.3, skills=("y",)),
            volunteer("e", 1.2, skills=("y",)),
        ],
        [
            order("x", skills=("x",), volunteers_needed=2),
            order("v", skills=("v",)),
            order("z", skills=("z",)),
            order("y", skills=("y",)),
        ],
    )
    arr = DispatchArrays.build(p)
    cand = generate(arr)
    y_by_d = next(
        e
        for e in range(len(cand.edge_order))
        if arr.orders[int(cand.edge_order[e])].id == "y"
        and p.organization.volunteers[int(cand.edge_vol[e])].id == "d"
    )
    real = cp_model.CpSolver.solve
    calls = []

    def stage_b_finds_nothing(self: cp_model.CpSolver, model: cp_model.CpModel, *a: Any) -> Any:
        calls.append(model)
        if len(calls) > 1:
            return cp_model.UNKNOWN
        names = [v.name for v in model.proto.variables]
        model.add(model.get_bool_var_from_proto_index(names.index(f"x_{y_by_d}")) == 0)
        return real(self, model, *a)

    monkeypatch.setattr(cp_model.CpSolver, "solve", stage_b_finds_nothing)
    result = dispatch(p)
    assert len(calls) == 2  # stage A, then stage B
    report = check(p, result)
    assert report.feasible, report.violations
    assert report.objective_matches
    assert result.status == SolveStatus.FEASIBLE
    assert {a.order: a.volunteer_ids for a in result.assignments} == {
        "v": ("a",),
        "z": ("b",),
        "y": ("d",),
    }
