"""Time of one decline re-dispatch vs a full re-solve, on a synthetic county week.

Usage::

    python -m benchmarks.redispatch --volunteers 20000 --orders 2000 --seed 1 --time-limit 20

Prints one JSON line. ``--declines N`` (default 7) re-dispatches N separate
declines of the same plan (volunteers of assignments spread over the plan) and
reports the median and the largest time; the first one (whose decline is also
re-solved in full for comparison) pays the one-off caches (per organization, and
the plan's arrays: :mod:`matcher.plan`). ``chain_*`` times the same declines
applied one after another, each to the result of the last, as a dispatch
service applies them.
Every re-dispatch result and the full re-solve pass the independent checker;
``moved`` counts assignments of other orders that changed (0 by design for the
re-dispatch).
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from matcher import DispatchParams, dispatch, redispatch
from matcher.check import check
from matcher.synth import synthetic_problem
from volunteers.synth import generate_county


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volunteers", type=int, default=20_000)
    parser.add_argument("--orders", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=20.0)
    parser.add_argument("--declines", type=int, default=7)
    args = parser.parse_args(argv)

    org = generate_county(num_volunteers=args.volunteers, seed=args.seed)
    params = DispatchParams(time_limit=args.time_limit, seed=args.seed)
    problem = synthetic_problem(org, args.orders, seed=args.seed, params=params)
    first = dispatch(problem)
    target = first.assignments[len(first.assignments) // 2]
    decline = (target.order, target.volunteer_ids[0], "benchmark")

    t0 = time.perf_counter()
    updated, quick = redispatch(problem, first, declined=[decline])
    quick_s = time.perf_counter() - t0
    times = [quick_s]
    others_ok = True
    step = max(1, len(first.assignments) // max(1, args.declines))
    for a in first.assignments[::step][: max(0, args.declines - 1)]:
        t1 = time.perf_counter()
        p_i, r_i = redispatch(problem, first, declined=[(a.order, a.volunteer_ids[0], "bench")])
        times.append(time.perf_counter() - t1)
        others_ok &= check(p_i, r_i).ok
    # The same declines one after another, each on the plan the last one left
    # (as a dispatch service applies them): each result carries its plan's arrays.
    chain: list[float] = []
    chained_problem, chained = problem, first
    for a in first.assignments[::step][: args.declines]:
        t1 = time.perf_counter()
        chained_problem, chained = redispatch(
            chained_problem, chained, declined=[(a.order, a.volunteer_ids[0], "bench")]
        )
        chain.append(time.perf_counter() - t1)
    others_ok &= check(chained_problem, chained).ok
    t0 = time.perf_counter()
    full = dispatch(updated)
    full_s = time.perf_counter() - t0

    before = {a.order: a.volunteer_ids for a in first.assignments}

    def moved(result: object) -> int:
        plan = {a.order: a.volunteer_ids for a in result.assignments}  # type: ignore[attr-defined]
        return sum(1 for o, v in before.items() if o != target.order and plan.get(o) != v)

    q_check, f_check = check(updated, quick), check(updated, full)
    print(
        json.dumps(
            {
                "volunteers": args.volunteers,
                "orders": args.orders,
                "seed": args.seed,
                "redispatch_s": round(quick_s, 4),
                "redispatch_median_s": round(float(np.median(times)), 4),
                "redispatch_max_s": round(max(times), 4),
                "declines": len(times),
                "chain_median_s": round(float(np.median(chain)), 4),
                "chain_max_s": round(max(chain), 4),
                "full_resolve_s": round(full_s, 3),
                "speedup": round(full_s / quick_s, 1),
                "redispatch_orders_solved": quick.num_components,
                "redispatch_moved": moved(quick),
                "full_resolve_moved": moved(full),
                "redispatch_served": len(quick.assignments),
                "full_resolve_served": len(full.assignments),
                "checker_ok": q_check.ok and f_check.ok and others_ok,
            }
        )
    )


if __name__ == "__main__":
    main()
