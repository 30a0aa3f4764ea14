"""Generalized assignment (GAP) instances through the capacitated assignment core.

Usage::

    python -m benchmarks.gap yagiura2004/d201600 --time-limit 60 --seed 1 --out assign.csv

``INSTANCE`` is a file path or a name under ``../shared/benchmarks/gap`` (several
may be given). Prints one JSON line per instance: instance, status, objective,
bound, seconds, the best published value and the gap to it (from
``optima.csv``, read here and never by the solver), and the checker's verdict.
``--baseline`` adds a plain CP-SAT model on the same instance and time limit,
side by side. ``--out`` writes ``job,agent`` rows (0-based).
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from matcher.assignment import AssignmentProblem, check_assignment, read_orlib, solve_assignment

GAP_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks" / "gap"


def resolve(name: str) -> tuple[Path, str]:
    """The file of an instance and its key in ``optima.csv``."""
    path = Path(name)
    if not path.exists():
        path = GAP_DIR / name
    try:
        key = path.resolve().relative_to(GAP_DIR.resolve()).as_posix()
    except ValueError:
        key = path.name
    return path, key


def best_known(key: str) -> tuple[int | None, bool]:
    """Published optimum or best known value, and whether it is proven."""
    table = GAP_DIR / "optima.csv"
    if not table.exists():
        return None, False
    with table.open() as fh:
        for row in csv.DictReader(fh):
            if row["instance"] == key:
                return int(row["optimum_or_best"]), row["proven"] == "yes"
    return None, False


def plain_cpsat(p: AssignmentProblem, time_limit: float, seed: int, workers: int) -> dict[str, Any]:
    """The textbook model: one Boolean per edge, exactly one per job, knapsack per agent."""
    t0 = time.perf_counter()
    model = cp_model.CpModel()
    x = [model.new_bool_var("") for _ in range(p.n_edges)]
    for j in range(p.n_jobs):
        model.add_exactly_one([x[e] for e in np.flatnonzero(p.edge_job == j).tolist()])
    for a in range(p.n_agents):
        edges = np.flatnonzero(p.edge_agent == a)
        model.add(
            cp_model.LinearExpr.weighted_sum(
                [x[e] for e in edges.tolist()], p.edge_load[edges].tolist()
            )
            <= int(p.capacity[a])
        )
    model.minimize(cp_model.LinearExpr.weighted_sum(x, p.edge_cost.tolist()))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    status = solver.solve(model)
    out: dict[str, Any] = {"status": solver.status_name(status), "seconds": 0.0}
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        on = np.array([solver.boolean_value(v) for v in x])
        agent = np.full(p.n_jobs, -1, dtype=np.int64)
        agent[p.edge_job[on]] = p.edge_agent[on]
        report = check_assignment(p, agent.tolist())
        out.update(
            objective=report.objective,
            bound=round(solver.best_objective_bound),
            check_ok=report.feasible,
        )
    out["seconds"] = round(time.perf_counter() - t0, 2)
    return out


def run(
    name: str, time_limit: float, seed: int, workers: int, out: Path | None, baseline: bool
) -> dict[str, Any]:
    path, key = resolve(name)
    problem = read_orlib(path)
    result = solve_assignment(problem, time_limit=time_limit, seed=seed, workers=workers)
    report = check_assignment(problem, result.agent_of_job.tolist())
    if not report.feasible or report.objective != result.objective:
        raise SystemExit(f"checker rejects the result on {key}: {report.violations}")
    best, proven = best_known(key)
    line: dict[str, Any] = {
        "instance": key,
        "status": result.status.value,
        "objective": result.objective,
        "bound": result.bound,
        "seconds": round(result.seconds, 2),
        "agents": problem.n_agents,
        "jobs": problem.n_jobs,
        "iterations": result.iterations,
        "best_known": best,
        "best_proven": proven,
        "gap_to_best_pct": (
            None
            if best is None or result.objective is None
            else round(100 * (result.objective - best) / best, 3)
        ),
        "check_ok": report.feasible,
    }
    if baseline:
        base = plain_cpsat(problem, time_limit, seed, workers)
        if best is not None and base.get("objective") is not None:
            base["gap_to_best_pct"] = round(100 * (base["objective"] - best) / best, 3)
        line["plain_cpsat"] = base
    if out is not None:
        with out.open("w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["job", "agent"])
            writer.writerows(enumerate(result.agent_of_job.tolist()))
    return line


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("instance", nargs="+", help="file path or name under shared/benchmarks/gap")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT workers (1: reproducible)")
    parser.add_argument("--out", type=Path, default=None, help="job,agent CSV (one instance only)")
    parser.add_argument("--baseline", action="store_true", help="also run a plain CP-SAT model")
    args = parser.parse_args(argv)
    if args.out is not None and len(args.instance) > 1:
        parser.error("--out takes one instance")
    for name in args.instance:
        line = run(name, args.time_limit, args.seed, args.workers, args.out, args.baseline)
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
