"""Dispatch a synthetic county week; compare with the greedy status quo and a monolithic model.

Usage::

    python -m benchmarks.dispatch --volunteers 20000 --orders 2000 --seed 1 --time-limit 20

Prints one JSON line. Side by side, on the same candidates:

- ``greedy``: the status quo, orders in arrival order, each to the nearest free
  qualified volunteers (``--no-greedy`` to skip);
- ``monolithic``: the same CP-SAT model on the whole problem at once, without
  decomposition (only when ``--monolithic``; it is slow by design);
- ``naive``: the all-pairs model of :mod:`benchmarks.naive`, one variable per
  volunteer x order pair (only when ``--naive``; use it on small sizes, e.g.
  ``--volunteers 1000 --orders 100``). ``speedup_vs_naive`` is its total time
  (build + search) over ``dispatch``'s runtime, when both prove optimality.

Every plan goes through the independent checker (``matcher.check``).
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import numpy as np

from benchmarks.naive import solve_naive
from matcher import DispatchParams, DispatchProblem, DispatchResult, dispatch
from matcher.candidates import DispatchArrays, generate
from matcher.check import check
from matcher.explain import assemble
from matcher.greedy import ConflictIndex, OptionIndex, greedy
from matcher.report import by_priority
from matcher.result import SolveStatus
from matcher.solve import _solve_cpsat
from matcher.synth import synthetic_problem
from volunteers.synth import generate_county


def _plan_stats(problem: DispatchProblem, result: DispatchResult) -> dict[str, Any]:
    report = check(problem, result)
    trips = [v.travel_minutes for a in result.assignments for v in a.volunteers]
    classes = by_priority(problem, result)
    vulnerable = sum(s for k, (s, _) in classes.items() if k != "normal")
    return {
        "served": len(result.assignments),
        "served_vulnerable": vulnerable,
        "served_by_class": {k: s for k, (s, _) in classes.items()},
        "travel_total_min": round(sum(trips), 1),
        "travel_mean_min": round(float(np.mean(trips)), 2) if trips else 0.0,
        "cost": result.objective.cost,
        "checker_feasible": report.feasible,
        "checker_objective_matches": report.objective_matches,
    }


def _common_travel(ours: DispatchResult, greedy: DispatchResult) -> dict[str, float]:
    """Mean minutes per trip of both plans on the orders both serve (same work)."""
    a = {x.order: [v.travel_minutes for v in x.volunteers] for x in ours.assignments}
    b = {x.order: [v.travel_minutes for v in x.volunteers] for x in greedy.assignments}
    common = sorted(set(a) & set(b))
    trips = sum(len(a[o]) for o in common) or 1
    return {
        "orders": len(common),
        "ours_mean_min": round(sum(sum(a[o]) for o in common) / trips, 3),
        "greedy_mean_min": round(sum(sum(b[o]) for o in common) / trips, 3),
    }


def _shortfall(value: int, bound: int) -> float:
    return round((bound - value) / bound, 6) if bound else 0.0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volunteers", type=int, default=20_000)
    parser.add_argument("--orders", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--no-greedy", action="store_true")
    parser.add_argument("--monolithic", action="store_true")
    parser.add_argument("--naive", action="store_true")
    args = parser.parse_args(argv)

    org = generate_county(num_volunteers=args.volunteers, seed=args.seed)
    params = DispatchParams(time_limit=args.time_limit, seed=args.seed, workers=args.workers)
    problem = synthetic_problem(org, args.orders, seed=args.seed, params=params)

    result = dispatch(problem)
    out = {
        "volunteers": args.volunteers,
        "orders": args.orders,
        "seed": args.seed,
        "time_limit": args.time_limit,
        "status": result.status.value,
        "runtime_s": round(result.runtime, 3),
        "timings_s": result.timings,
        "edges": result.num_edges,
        "components": result.num_components,
        "objective": result.objective.model_dump(),
        "bound": result.bound.model_dump(),
        "gap": result.gap,
        # Relative shortfall of each served weight below its proven bound.
        "served_gap": {
            "vulnerable": _shortfall(
                result.objective.served_vulnerable, result.bound.served_vulnerable
            ),
            "normal": _shortfall(result.objective.served_normal, result.bound.served_normal),
        },
        **_plan_stats(problem, result),
    }

    if not args.no_greedy:
        t0 = time.perf_counter()
        arr = DispatchArrays.build(problem)
        cand = generate(arr)
        t1 = time.perf_counter()
        opts, teams = greedy(arr, cand, np.arange(arr.num_orders), cand.edge_travel[cand.opt_edge])
        g = assemble(arr, cand, opts, teams, SolveStatus.FEASIBLE, None, {}, t1)
        out["greedy"] = {"seconds": round(time.perf_counter() - t1, 3), **_plan_stats(problem, g)}
        out["travel_on_common_orders"] = _common_travel(result, g)
        out["candidates_s"] = round(t1 - t0, 3)

    if args.monolithic:
        arr = DispatchArrays.build(problem)
        cand = generate(arr)
        t0 = time.perf_counter()
        everything = np.flatnonzero(np.bincount(cand.edge_order, minlength=arr.num_orders) > 0)
        res, build_s, search_s = _solve_cpsat(
            arr,
            cand,
            OptionIndex(arr, cand),
            ConflictIndex(cand),
            everything,
            {v: int(np.floor(c)) for v, c in enumerate(arr.vol_cap_left) if np.isfinite(c)},
            arr.ord_points,
            args.time_limit,
            args.seed,
            args.workers,
        )
        m = assemble(arr, cand, res.options, res.teams, SolveStatus.FEASIBLE, None, {}, t0)
        out["monolithic"] = {
            "seconds": round(time.perf_counter() - t0, 3),
            "build_s": round(build_s, 3),
            "search_s": round(search_s, 3),
            "proven_optimal": res.optimal,
            **_plan_stats(problem, m),
        }
    if args.naive:
        arr = DispatchArrays.build(problem)
        cand = generate(arr)
        t0 = time.perf_counter()
        nv = solve_naive(arr, cand, args.time_limit, args.seed, args.workers)
        n = assemble(arr, cand, nv.options, nv.teams, SolveStatus.FEASIBLE, None, {}, t0)
        naive_s = time.perf_counter() - t0
        out["naive"] = {
            "seconds": round(naive_s, 3),
            "build_s": round(nv.build_seconds, 3),
            "search_s": round(nv.search_seconds, 3),
            "pair_variables": nv.num_variables,
            "proven_optimal": nv.optimal,
            **_plan_stats(problem, n),
        }
        both_proven = nv.optimal and result.status == SolveStatus.OPTIMAL
        out["speedup_vs_naive"] = round(naive_s / result.runtime, 1) if both_proven else None
    print(json.dumps(out))


if __name__ == "__main__":
    main()
