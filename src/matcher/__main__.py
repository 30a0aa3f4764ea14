"""Command line: ``python -m matcher demo ...`` dispatches a synthetic county week."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from matcher.check import check
from matcher.model import DispatchParams
from matcher.report import text_report
from matcher.solve import dispatch
from matcher.synth import synthetic_problem
from volunteers.synth import generate_county


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m matcher")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="dispatch a week of synthetic orders")
    demo.add_argument("--volunteers", type=int, default=5_000)
    demo.add_argument("--orders", type=int, default=500)
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--time-limit", type=float, default=10.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    org = generate_county(num_volunteers=args.volunteers, seed=args.seed)
    params = DispatchParams(time_limit=args.time_limit, seed=args.seed)
    problem = synthetic_problem(org, args.orders, seed=args.seed, params=params)
    result = dispatch(problem)
    report = check(problem, result)
    head = f"Dispatching {args.orders:,} orders over {args.volunteers:,} volunteers"
    sys.stdout.write(f"{head} (seed {args.seed})\n\n")
    sys.stdout.write(text_report(problem, result) + "\n")
    verdict = "passes" if report.ok else "FAILS: " + "; ".join(report.violations[:3])
    sys.stdout.write(f"\nIndependent checker: {verdict}\n")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
