"""A synthetic county week of duty rosters: time split, quality, and the greedy status quo.

Usage::

    python -m benchmarks.roster --volunteers 20000 --stations 2000 --seed 1 --time-limit 30

The county comes from ``volunteers.synth.generate_county`` with ``--stations``
stations (20 per institute, ``--radius-km`` around the centre); every station gets
the posts of ``scheduler.synth.synthetic_roster`` (a duty desk twice a day, a
sanitation round three mornings, a weekend activity) and its teams a weekly duty
rule (``--team-hours`` each, or the teams' own ``min_weekly_duty_hours``). Prints one JSON line: the
time split (arrays, model building, warm start, search), status, objective, bound
and gap, seats filled, and side by side the constructive roster alone
(``scheduler.construct.greedy_roster``: shifts in time order, the best free
volunteer first), the way a planner fills a week by hand. Both rosters go through
the independent checker (``scheduler.check``).
"""

from __future__ import annotations

import argparse
import json
import math
import time
from typing import Any

from scheduler import RosterParams, build_roster
from scheduler.arrays import RosterArrays
from scheduler.check import check
from scheduler.construct import greedy_roster
from scheduler.synth import synthetic_roster
from volunteers.synth import generate_county

STATIONS_PER_INSTITUTE = 20


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volunteers", type=int, default=20_000)
    parser.add_argument("--stations", type=int, default=2_000)
    parser.add_argument("--radius-km", type=float, default=25.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument(
        "--work-limit",
        type=float,
        default=None,
        help="counted work seconds: the same seed gives the same roster (see scheduler.clock)",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--team-hours", type=float, default=None)
    args = parser.parse_args(argv)

    institutes = max(1, math.ceil(args.stations / STATIONS_PER_INSTITUTE))
    org = generate_county(
        seed=args.seed,
        num_volunteers=args.volunteers,
        num_institutes=institutes,
        stations_per_institute=math.ceil(args.stations / institutes),
        radius_km=args.radius_km,
    )
    params = RosterParams(
        time_limit=args.time_limit,
        work_limit=args.work_limit,
        seed=args.seed,
        workers=args.workers,
    )
    problem = synthetic_roster(
        org, args.stations, seed=args.seed, params=params, team_hours=args.team_hours
    )
    seats = sum(s.target for s in problem.shifts)

    t0 = time.perf_counter()
    result = build_roster(problem)
    seconds = time.perf_counter() - t0
    report = check(problem, result)

    t1 = time.perf_counter()
    arr = RosterArrays.build(problem)
    chosen = greedy_roster(arr)
    greedy_s = time.perf_counter() - t1
    greedy = check(problem, arr.pairs(chosen))

    out: dict[str, Any] = {
        "volunteers": args.volunteers,
        "stations": len({p.id.split("/")[0] for p in problem.posts}),
        "shifts": len(problem.shifts),
        "seats": seats,
        "pairs": result.num_edges,
        "seed": args.seed,
        "time_limit": args.time_limit,
        "status": result.status.value,
        "seconds": round(seconds, 2),
        "timings_s": {k: round(v, 3) for k, v in result.timings.items()},
        "objective": result.objective,
        "bound": result.bound,
        "gap": None if result.gap is None else round(result.gap, 5),
        "seats_filled": len(result.assignments),
        "unfilled_seats": sum(u.seats for u in result.unfilled),
        "checker_ok": report.ok,
        "greedy": {
            "seconds": round(greedy_s, 2),
            "objective": round(greedy.objective, 2),
            "seats_filled": int(chosen.sum()),
            "checker_feasible": greedy.feasible,
        },
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
