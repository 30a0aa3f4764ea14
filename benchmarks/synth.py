"""Synthetic county: generation, JSON round trip, and vectorized queries vs naive baselines.

Usage: ``python -m benchmarks.synth --volunteers 100000 --seed 1``. Prints one JSON line.

Side by side in the same run:

- availability: ``AvailabilityGrid.is_free`` over many (volunteer, interval) queries
  vs calling ``Availability.is_free`` per query (the obvious Python loop);
- reach: ``StraightLineTravel.pairs_within`` (k-d tree pruning) from every home to
  every station and point vs the full ``matrix_minutes`` then a filter.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date, datetime, timedelta

import numpy as np

from volunteers import AvailabilityGrid, StraightLineTravel, coords
from volunteers.io import parse_organization
from volunteers.synth import generate_county


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volunteers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--queries", type=int, default=200_000)
    parser.add_argument("--naive-queries", type=int, default=5_000)
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    org = generate_county(num_volunteers=args.volunteers, seed=args.seed)
    generate_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    text = org.model_dump_json()
    dump_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = parse_organization(text)
    load_s = time.perf_counter() - t0
    assert again == org

    # --- availability ------------------------------------------------------
    monday = date(2026, 7, 6)
    t0 = time.perf_counter()
    grid = AvailabilityGrid([v.availability for v in org.volunteers], monday, 7)
    grid_build_s = time.perf_counter() - t0
    rng = np.random.default_rng(args.seed)
    who = rng.integers(0, len(org.volunteers), args.queries)
    start = rng.integers(0, 7 * 96, args.queries) * 15
    end = start + rng.integers(2, 13, args.queries) * 15
    t0 = time.perf_counter()
    fast = grid.is_free(who, start, end)
    grid_query_s = time.perf_counter() - t0
    origin = datetime.combine(monday, datetime.min.time())
    k = min(args.naive_queries, args.queries)
    t0 = time.perf_counter()
    naive = [
        org.volunteers[int(who[i])].availability.is_free(
            origin + timedelta(minutes=int(start[i])), origin + timedelta(minutes=int(end[i]))
        )
        for i in range(k)
    ]
    naive_query_s = (time.perf_counter() - t0) * args.queries / k
    assert np.array_equal(fast[:k], np.asarray(naive)), "grid disagrees with Availability.is_free"

    # --- reach ---------------------------------------------------------------
    travel = StraightLineTravel()
    homes = coords(v.home for v in org.volunteers)
    sites = coords(s.location for s in org.stations)
    t0 = time.perf_counter()
    oi, _, _ = travel.pairs_within(homes, sites, 15.0)
    pruned_s = time.perf_counter() - t0
    sub = homes[: max(1, len(homes) // 10)]
    t0 = time.perf_counter()
    full = travel.matrix_minutes(sub, sites)
    brute = np.argwhere(full <= 15.0 + 1e-9)
    brute_s = (time.perf_counter() - t0) * len(homes) / len(sub)
    in_sub = oi < len(sub)
    assert len(brute) == int(in_sub.sum()), "pruned pairs disagree with the full matrix"

    print(
        json.dumps(
            {
                "volunteers": len(org.volunteers),
                "stations": len(org.stations),
                "teams": len(org.teams),
                "seed": args.seed,
                "generate_s": round(generate_s, 3),
                "json_dump_s": round(dump_s, 3),
                "json_load_s": round(load_s, 3),
                "json_mb": round(len(text) / 1e6, 1),
                "grid_patterns": int(grid.pattern_slots.shape[0]),
                "grid_build_s": round(grid_build_s, 3),
                "grid_queries": args.queries,
                "grid_query_s": round(grid_query_s, 4),
                "naive_query_s_est": round(naive_query_s, 2),
                "grid_speedup": round(naive_query_s / max(grid_query_s, 1e-9), 0),
                "reach_pairs": len(oi),
                "reach_pruned_s": round(pruned_s, 3),
                "reach_full_matrix_s_est": round(brute_s, 3),
                "reach_speedup": round(brute_s / max(pruned_s, 1e-9), 1),
            }
        )
    )


if __name__ == "__main__":
    main()
