"""Command line: ``python -m scheduler demo ...`` builds a week's roster for synthetic stations."""

from __future__ import annotations

import argparse
import csv
import logging
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from scheduler.check import check
from scheduler.model import RosterParams, RosterProblem
from scheduler.result import RosterResult
from scheduler.solve import build_roster
from scheduler.synth import synthetic_roster
from volunteers.synth import generate_county


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m scheduler")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="roster a week of shifts at synthetic stations")
    demo.add_argument("--volunteers", type=int, default=5_000)
    demo.add_argument("--stations", type=int, default=5)
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--time-limit", type=float, default=10.0)
    demo.add_argument(
        "--work-limit",
        type=float,
        default=None,
        help="counted work seconds: the same seed gives the same roster (see scheduler.clock)",
    )
    demo.add_argument("--workers", type=int, default=2)
    demo.add_argument("--team-hours", type=float, default=6.0)
    demo.add_argument("--out", type=Path, default=Path("build/roster.csv"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    org = generate_county(num_volunteers=args.volunteers, seed=args.seed)
    params = RosterParams(
        time_limit=args.time_limit,
        work_limit=args.work_limit,
        seed=args.seed,
        workers=args.workers,
    )
    problem = synthetic_roster(
        org, args.stations, seed=args.seed, params=params, team_hours=args.team_hours
    )
    result = build_roster(problem)
    report = check(problem, result)
    out = sys.stdout.write
    out(
        f"Rostering {len(problem.shifts)} shifts at {args.stations} stations "
        f"({len(problem.posts)} posts) over {args.volunteers:,} volunteers (seed {args.seed})\n\n"
    )
    out(
        f"status {result.status.value}, objective {result.objective}, bound {result.bound}, "
        f"{result.runtime:.1f} s ({result.num_edges:,} eligible volunteer x shift pairs)\n"
    )
    if result.objective is None:
        out("no roster: " + "; ".join(result.infeasible_reasons or ("time limit",)) + "\n")
        return 1
    seats = sum(c.target for c in result.coverage)
    filled = sum(min(c.assigned, c.target) for c in result.coverage)
    out(f"coverage: {filled} of {seats} seats filled ({filled / max(seats, 1):.1%})\n")
    if result.unfilled:
        out(
            f"unfilled seats: {sum(u.seats for u in result.unfilled)} "
            f"on {len(result.unfilled)} shifts; reasons:\n"
        )
        for reason, n in Counter(r for u in result.unfilled for r in u.reasons).most_common(3):
            out(f"  {n:4d} x {reason}\n")
    rules: dict[str, float] = {}
    for p in result.penalties:
        rules[p.rule] = rules.get(p.rule, 0.0) + p.amount
    out(
        "penalties by rule: "
        + ", ".join(f"{k} {v:.1f}" for k, v in sorted(rules.items(), key=lambda kv: -kv[1]))
        + "\n"
    )
    working = [ld for ld in result.loads if ld.shifts]
    behind = [ld for ld in working if ld.hours_before < ld.pace_target_hours]
    now_on_pace = [ld for ld in behind if ld.hours_after >= ld.pace_target_hours]
    out(
        f"hours: {len(working)} volunteers rostered, "
        f"{sum(ld.minutes for ld in working) / 60:.0f} h "
        f"in all; {len(behind)} of them were behind their yearly pace, "
        f"{len(now_on_pace)} are back on pace\n"
    )
    out(_team_duty(problem, result))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["volunteer", "shift", "post", "start", "end", "travel_minutes"])
        for a in result.assignments:
            w.writerow([a.volunteer, a.shift, a.post, a.start, a.end, a.travel_minutes])
    out(f"roster written to {args.out}\n")
    verdict = "passes" if report.ok else "FAILS: " + "; ".join(report.violations[:3])
    out(f"\nIndependent checker: {verdict}\n")
    return 0 if report.ok else 1


def _team_duty(problem: RosterProblem, result: RosterResult) -> str:
    """One line on the team rules: teams that met their weekly hours, and turns taken."""
    if not problem.team_rules:
        return ""
    org = problem.organization
    minutes: Counter[str] = Counter()
    for a in result.assignments:
        minutes[a.volunteer] += int((a.end - a.start).total_seconds() // 60)
    met = 0
    for rule in problem.team_rules:
        members = org.members(rule.team)
        met += sum(minutes[m] for m in members) >= 60 * rule.min_hours_per_week
    ruled = {m for rule in problem.team_rules for m in org.members(rule.team)}
    hours = sum(minutes[m] for m in ruled) / 60
    fresh = sum(minutes[m] for m in ruled if m not in problem.last_on_duty) / 60
    return (
        f"team duty: {met} of {len(problem.team_rules)} teams met their weekly hours; "
        f"{fresh:.0f} of their members' {hours:.0f} h went to members with no duty "
        "in the last four weeks\n"
    )


if __name__ == "__main__":
    sys.exit(main())
