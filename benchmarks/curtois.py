"""Curtois & Qu shift-scheduling instances, translated into a ``RosterProblem`` and solved.

Usage::

    python -m benchmarks.curtois INSTANCE.txt --time-limit 60 --seed 1 --out ROSTER.csv

Prints one JSON line: {"instance", "status", "objective", "bound", "seconds", ...,
"best_known", "gap_to_best", "checker_ok"}. ROSTER.csv rows ``staff,day,shift``
(day 0-based). The format and the objective are in ../shared/benchmarks/README.md.

Translation: one post; a shift per (day, shift type) starting at that day's
midnight with the type's length, its cover row as target and weights (no row:
target 0, no weight); a contract per staff member (per-type maximums, a type they
may not work gets 0, total minutes, consecutive days and days off, weekends,
forbidden successions); days off as unavailable dates; on/off requests as
requests of that shift type. Travel, pace and change weights are 0, so the
library's objective is the instance's.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from scheduler import (
    Contract,
    Post,
    Request,
    RosterParams,
    RosterProblem,
    RosterResult,
    RosterWeights,
    Shift,
    build_roster,
)
from scheduler.check import check
from volunteers import Availability, Location, Organization

MONDAY = date(2024, 1, 1)
REQUEST_SECTIONS: tuple[tuple[str, Literal["on", "off"]], ...] = (
    ("SECTION_SHIFT_ON_REQUESTS", "on"),
    ("SECTION_SHIFT_OFF_REQUESTS", "off"),
)
HERE = Location(lat=0.0, lon=0.0)


def read_sections(path: Path) -> dict[str, list[list[str]]]:
    """Sections of a Curtois instance file: name -> rows of comma-separated fields."""
    sections: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for raw in path.read_text().splitlines():
        line = raw.replace("\r", "").strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("SECTION_"):
            current = sections.setdefault(line, [])
            continue
        if current is not None:
            current.append([f.strip() for f in line.split(",")])
    return sections


def to_problem(path: Path, params: RosterParams) -> RosterProblem:
    """Translate an instance file into the library's own :class:`RosterProblem`."""
    sec = read_sections(path)
    horizon = int(sec["SECTION_HORIZON"][0][0])
    shift_rows = sec["SECTION_SHIFTS"]
    length = {r[0]: int(r[1]) for r in shift_rows}
    successions = tuple(
        (r[0], b) for r in shift_rows if len(r) > 2 and r[2] for b in r[2].split("|") if b
    )
    days_off: dict[str, list[int]] = {}
    for r in sec.get("SECTION_DAYS_OFF", []):
        days_off.setdefault(r[0], []).extend(int(d) for d in r[1:] if d)
    volunteers: list[dict[str, Any]] = []
    contracts: list[Contract] = []
    contract_of: dict[str, str] = {}
    for r in sec["SECTION_STAFF"]:
        sid = r[0]
        allowed = {}
        for item in r[1].split("|"):
            if item:
                kind, n = item.split("=")
                allowed[kind] = int(n)
        contracts.append(
            Contract(
                id=f"c-{sid}",
                max_shifts={k: allowed.get(k, 0) for k in length},
                max_minutes=int(r[2]),
                min_minutes=int(r[3]),
                max_consecutive_days=int(r[4]),
                min_consecutive_days=max(1, int(r[5])),
                min_consecutive_days_off=max(1, int(r[6])),
                max_weekends=int(r[7]),
                forbidden_successions=successions,
            )
        )
        contract_of[sid] = f"c-{sid}"
        off = tuple(MONDAY + timedelta(days=d) for d in days_off.get(sid, []))
        volunteers.append(
            {
                "id": sid,
                "home": HERE,
                "station": "s0",
                "availability": Availability(unavailable_dates=off),
            }
        )
    org = Organization.model_validate(
        {
            "stations": [{"id": "s0", "level": "station", "location": HERE}],
            "volunteers": volunteers,
        }
    )
    cover = {(int(r[0]), r[1]): (int(r[2]), float(r[3]), float(r[4])) for r in sec["SECTION_COVER"]}
    origin = datetime.combine(MONDAY, datetime.min.time())
    shifts = []
    for d in range(horizon):
        for kind, minutes in length.items():
            req, under, over = cover.get((d, kind), (0, 0.0, 0.0))
            begin = origin + timedelta(days=d)
            shifts.append(
                Shift(
                    id=f"{kind}@{d}",
                    post="duty",
                    kind=kind,
                    start=begin,
                    end=begin + timedelta(minutes=minutes),
                    target=req,
                    under_weight=under,
                    over_weight=over,
                )
            )
    requests = [
        Request(
            volunteer=r[0],
            day=MONDAY + timedelta(days=int(r[1])),
            kind=r[2],
            want=want,
            weight=float(r[3]),
        )
        for name, want in REQUEST_SECTIONS
        for r in sec.get(name, [])
    ]
    return RosterProblem(
        organization=org,
        start=MONDAY,
        num_days=horizon,
        posts=(Post(id="duty", location=HERE),),
        shifts=tuple(shifts),
        contracts=tuple(contracts),
        contract_of=contract_of,
        requests=tuple(requests),
        params=params,
    )


def write_roster(path: Path, problem: RosterProblem, result: RosterResult) -> None:
    """ROSTER.csv: ``staff,day,shift`` rows (day 0-based)."""
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["staff", "day", "shift"])
        for a in result.assignments:
            kind, day = a.shift.split("@")
            out.writerow([a.volunteer, day, kind])


def best_known(path: Path) -> float | None:
    """The published best value of the instance, from best_known.csv beside it."""
    table = path.parent / "best_known.csv"
    if not table.exists():
        return None
    with table.open() as f:
        for row in csv.DictReader(f):
            if row["instance"] == path.stem:
                return float(row["best_known"])
    return None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("instance", type=Path)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument(
        "--work-limit",
        type=float,
        default=None,
        help="counted work seconds: the same seed gives the same roster (see scheduler.clock)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)

    params = RosterParams(
        time_limit=args.time_limit,
        work_limit=args.work_limit,
        seed=args.seed,
        workers=args.workers,
        max_travel_minutes=60.0,
        weights=RosterWeights(travel=0.0, pace=0.0, change=0.0),
    )
    t0 = time.perf_counter()
    problem = to_problem(args.instance, params)
    translate_s = time.perf_counter() - t0
    result = build_roster(problem)
    seconds = time.perf_counter() - t0
    report = check(problem, result)
    best = best_known(args.instance)
    if args.out is not None:
        write_roster(args.out, problem, result)
    gap = None
    if best is not None and result.objective is not None and best > 0:
        gap = round((result.objective - best) / best, 6)
    print(
        json.dumps(
            {
                "instance": args.instance.stem,
                "status": result.status.value,
                "objective": result.objective,
                "bound": result.bound,
                "seconds": round(seconds, 3),
                "translate_s": round(translate_s, 3),
                "timings_s": {k: round(v, 3) for k, v in result.timings.items()},
                "pairs": result.num_edges,
                "best_known": best,
                "gap_to_best": gap,
                "checker_feasible": report.feasible,
                "checker_objective": report.objective,
                "checker_ok": report.ok,
            }
        )
    )


if __name__ == "__main__":
    main()
