"""Tests for ``scheduler.branching``: branch and price from the converged master."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import event, given, settings

from benchmarks.curtois import to_problem
from scheduler import Contract, RosterParams, RosterProblem, RosterStatus, build_roster
from scheduler import branching as branching_module
from scheduler import solve as solve_module
from scheduler.arrays import RosterArrays
from scheduler.branching import Branched, _Tree, branch_and_price
from scheduler.check import check
from scheduler.columns import Branching, ColumnPool, relax
from tests.scheduler.builders import roster, shift, volunteer
from tests.scheduler.test_columns import _changes_and_head_counts
from tests.scheduler.test_properties import brute_force_optimum, problems

DATA = Path(__file__).parent.parent / "data" / "curtois"


def _pool(arr: RosterArrays) -> ColumnPool:
    """The master of ``arr``, column generation run to convergence from no start."""
    relaxed = relax(arr, None, until=time.perf_counter() + 30.0, seed=1)
    assert relaxed is not None
    assert relaxed.converged
    assert relaxed.pool is not None
    return relaxed.pool


def _checked(p: RosterProblem, arr: RosterArrays, tree: Branched) -> float:
    """The checker's objective of the tree's roster, which must keep every hard rule."""
    assert tree.roster is not None
    assert tree.value is not None
    report = check(p, arr.pairs(tree.roster))
    assert report.feasible, report.violations
    assert report.objective == pytest.approx(tree.value, abs=1e-6)
    return report.objective


def test_keeps_rejects_pairs_forced_off_and_groups_left_out() -> None:
    """A schedule keeps a branching with no pair forced off and one pair of each group on.

    Volunteer 0 owns pairs 0-3: pair 1 forced off, pairs 2 and 3 one group forced on.
    """
    sign = np.array([0, -1, 1, 1, 0])
    group = np.array([-1, -1, 0, 0, -1])
    branching = Branching(sign, group, np.array([1, 0]))
    assert branching.keeps(0, np.array([0, 2]))
    assert branching.keeps(0, np.array([3]))
    assert not branching.keeps(0, np.array([0]))  # the group forced on is not worked
    assert not branching.keeps(0, np.array([1, 2]))  # a pair forced off is worked
    assert branching.keeps(1, np.array([4]))  # nothing forced for volunteer 1


def test_curtois_instance1_is_proven_optimal_by_the_tree() -> None:
    """Curtois Instance1 from its master (LP 558): the tree finds and proves 607.

    Given 607 as its incumbent, it proves that nothing beats it and returns no roster.
    """
    problem = to_problem(DATA / "Instance1.txt", RosterParams(time_limit=30.0, seed=1))
    arr = RosterArrays.build(problem)
    pool = _pool(arr)
    tree = branch_and_price(arr, pool, until=time.perf_counter() + 60.0)
    assert tree.proven
    assert tree.searched
    assert _checked(problem, arr, tree) == 607.0
    # The same master again: the first tree's bounds on its schedules are reset.
    again = branch_and_price(arr, pool, until=time.perf_counter() + 60.0, incumbent=607.0)
    assert again.proven
    assert again.roster is None


def test_curtois_instance1_with_nodes_priced_in_part(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """One pricing round per node of the first plunge: Instance1 is still proven at 607.

    Its first roster comes from a leaf priced in part, which is searched again in full.
    """
    messages = _proven_instance1(monkeypatch, caplog, "PLUNGE_ROUNDS", 1)
    assert any("priced in part" in m for m in messages)


def test_a_dive_from_the_root_ends_in_a_checked_roster() -> None:
    """Curtois Instance1: a dive from the master's root, alone, ends in a roster the checker passes.

    It is no better than the optimum, 607, and it leaves the tree's bounds to the tree.
    """
    problem = to_problem(DATA / "Instance1.txt", RosterParams(time_limit=30.0, seed=1))
    arr = RosterArrays.build(problem)
    tree = _Tree(arr, _pool(arr), None)
    nodes = tree._dive((), -np.inf, time.perf_counter() + 60.0)
    assert nodes >= 1
    assert tree.roster is not None
    assert tree.value is not None
    report = check(problem, arr.pairs(tree.roster))
    assert report.feasible, report.violations
    assert report.objective == pytest.approx(tree.value, abs=1e-6)
    assert report.objective >= 607.0


def test_curtois_instance1_is_still_proven_with_dives_from_every_node(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Dives from every node taken from the heap (hundreds here): 607 is still proven."""
    messages = _proven_instance1(monkeypatch, caplog, "DIVE_SHARE", 1e9)
    assert sum("a dive of" in m for m in messages) >= 10


def _proven_instance1(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    setting: str,
    value: float,
) -> list[str]:
    """The tree on Curtois Instance1 with ``setting`` of the module at ``value``.

    Asserts that it proves the optimum, 607, with a roster the checker passes;
    returns the tree's log messages.
    """
    problem = to_problem(DATA / "Instance1.txt", RosterParams(time_limit=30.0, seed=1))
    arr = RosterArrays.build(problem)
    monkeypatch.setattr(branching_module, setting, value)
    pool = _pool(arr)
    with caplog.at_level(logging.DEBUG, logger="scheduler.branching"):
        tree = branch_and_price(arr, pool, until=time.perf_counter() + 60.0)
    assert tree.proven
    assert _checked(problem, arr, tree) == 607.0
    return [r.getMessage() for r in caplog.records]


@settings(max_examples=80, deadline=None)
@given(problems(max_vols=2, max_shifts=3))
def test_tree_matches_the_brute_force_optimum(p: RosterProblem) -> None:
    """Any tiny problem: the tree's roster passes the checker; proven, it is the optimum.

    (Fairness, team rules and two shifts a day are drawn too: the tree then
    searches only pairs, and says "not proven" when the master leaves a term out.)
    """
    _matches_brute_force(p, plunge_rounds=branching_module.PLUNGE_ROUNDS)


def _matches_brute_force(p: RosterProblem, plunge_rounds: int) -> None:
    """The tree's roster passes the checker, no better than brute force; equal when proven."""
    arr = RosterArrays.build(p)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(branching_module, "PLUNGE_ROUNDS", plunge_rounds)
        tree = branch_and_price(arr, _pool(arr), until=time.perf_counter() + 30.0)
    best = brute_force_optimum(p)
    assert best is not None
    found = _checked(p, arr, tree)
    assert found >= best - 1e-6
    event(f"proven: {tree.proven}")
    if tree.proven:
        assert found == pytest.approx(best, abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(problems(max_vols=2, max_shifts=3))
def test_nodes_priced_in_part_still_prove_the_optimum(p: RosterProblem) -> None:
    """One pricing round per node of the first plunge: a proven tree is still the optimum.

    (A roster found at a node priced in part sends the node back to be priced in full.)
    """
    _matches_brute_force(p, plunge_rounds=1)


@settings(max_examples=100, deadline=None)
@given(problems())
def test_proven_tree_matches_cp_sat(p: RosterProblem) -> None:
    """Any small problem (3 volunteers, 4 shifts at most): a proven tree's roster is the optimum."""
    arr = RosterArrays.build(p)
    tree = branch_and_price(arr, _pool(arr), until=time.perf_counter() + 30.0)
    found = _checked(p, arr, tree)
    event(f"proven: {tree.proven}")
    result = build_roster(p)
    assert result.status == RosterStatus.OPTIMAL
    assert result.objective is not None
    assert found >= result.objective - 1e-6
    if tree.proven:
        assert found == pytest.approx(result.objective, abs=1e-6)


def test_head_counts_pins_and_changes_are_proven() -> None:
    """Head counts, a pin, a previous roster and requests: the tree proves the brute-force optimum.

    The tree's leaves are checked against the head counts (the master keeps them
    only up to slack), and its roster keeps the pin.
    """
    p = _changes_and_head_counts()
    arr = RosterArrays.build(p)
    tree = branch_and_price(arr, _pool(arr), until=time.perf_counter() + 30.0)
    assert tree.proven
    assert _checked(p, arr, tree) == pytest.approx(brute_force_optimum(p), abs=1e-6)
    assert tree.roster is not None
    assert ("c", "s3") in arr.pairs(tree.roster)


def test_two_shifts_a_day_branch_on_pairs_only() -> None:
    """Two shifts a day allowed: no day is branched on, and the tree still proves the optimum.

    Three volunteers, a seat each morning and evening of three days, runs of two
    days at least. (A day forced on for a volunteer who may work both of its
    shifts could let the pricing prefer a schedule that breaks the branching, so
    such days are never branched on; this checks the proof that remains.)
    """
    contract = Contract(id="c", max_shifts_per_day=2, min_consecutive_days=2, max_minutes=900)
    shifts = [
        shift(f"{part}{d}", d, start, end, target=1)
        for d in range(3)
        for part, start, end in (("m", "08:00", "12:00"), ("e", "18:00", "21:00"))
    ]
    p = roster(
        [volunteer("a"), volunteer("b", 0.4), volunteer("c", 0.8)],
        shifts,
        contracts=(contract,),
        default_contract="c",
    )
    arr = RosterArrays.build(p)
    pool = _pool(arr)
    tree = branch_and_price(arr, pool, until=time.perf_counter() + 30.0)
    assert tree.proven
    result = build_roster(p)
    assert result.status == RosterStatus.OPTIMAL
    assert _checked(p, arr, tree) == pytest.approx(result.objective, abs=1e-6)


def test_build_roster_takes_the_trees_proof(monkeypatch: pytest.MonkeyPatch) -> None:
    """Curtois Instance1 without its quick look: the tree proves it, and no main search runs.

    The result is optimal, its bound is its objective, and it passes the checker.
    (The tree takes 8-12 s here: at a 60 s limit its share, 24 s, leaves it room.)
    """
    problem = to_problem(DATA / "Instance1.txt", RosterParams(time_limit=60.0, seed=1))
    monkeypatch.setattr(solve_module, "QUICK_SHARE", 0.0)
    result = build_roster(problem)
    assert "branch" in result.timings
    assert "solve" not in result.timings
    assert result.status == RosterStatus.OPTIMAL
    assert result.objective == 607.0
    assert result.bound == 607.0
    report = check(problem, result)
    assert report.ok, report.violations
