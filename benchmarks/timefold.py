r"""Timefold employee-scheduling demo sets, translated into a ``RosterProblem`` and solved.

Usage::

    python -m benchmarks.timefold ../shared/benchmarks/timefold/large.json \\
        --time-limit 10 --seed 1 --out ASSIGN.csv

Prints one JSON line: {"dataset", "status", "hard", "soft", "unassigned", "seconds",
"optimum_soft", "gap_to_optimum", "checker_ok", ...}. ASSIGN.csv rows
``shift_id,employee_name``. The format, the rules and the proven optima are in
../shared/benchmarks/timefold/README.md.

Translation (the library's own model, the library's own solver):

- an employee is a volunteer (home at the one station, free every day except
  the unavailable dates: a shift touching one is not free);
- a shift is a one-seat shift (hard minimum and maximum 1) at its location's post,
  requiring its skill;
- one contract for all: one shift starting per day, 600 minutes of rest between
  shifts (overlaps are always forbidden);
- desired and undesired days become ``on`` and ``off`` requests of single shifts,
  weighted by the shift's minutes on that date (Timefold's ``m(s, d)``);
- balance becomes the fairness term in shifts: with every shift filled the total
  is fixed, so the sum of squared loads is ``U^2`` plus a constant.

The score is then computed twice: by :func:`timefold_score`, a plain
re-implementation of the benchmark's rules on the assignment, and from the
library's checker (its objective minus the constant of the ``on`` requests);
``checker_agrees`` says they give the same desired minus undesired minutes.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Context, Decimal
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

HERE = Location(lat=0.0, lon=0.0)
FAIRNESS_WEIGHT = 0.01
"""Weight of the squared loads: the smallest unit of the objective, so that one
minute of a desired or undesired day always outweighs any balance change."""


@dataclass(frozen=True)
class TfShift:
    """One shift of a dataset."""

    id: str
    start: datetime
    end: datetime
    location: str
    skill: str


@dataclass(frozen=True)
class TfEmployee:
    """One employee of a dataset."""

    name: str
    skills: frozenset[str]
    unavailable: frozenset[date]
    undesired: frozenset[date]
    desired: frozenset[date]


def load(path: Path) -> tuple[list[TfEmployee], list[TfShift]]:
    """Employees and shifts of a dataset file."""
    raw = json.loads(path.read_text())

    def dates(values: list[str]) -> frozenset[date]:
        return frozenset(date.fromisoformat(v) for v in values)

    employees = [
        TfEmployee(
            name=e["name"],
            skills=frozenset(e["skills"]),
            unavailable=dates(e["unavailableDates"]),
            undesired=dates(e["undesiredDates"]),
            desired=dates(e["desiredDates"]),
        )
        for e in raw["employees"]
    ]
    shifts = [
        TfShift(
            id=s["id"],
            start=datetime.fromisoformat(s["start"]),
            end=datetime.fromisoformat(s["end"]),
            location=s["location"],
            skill=s["requiredSkill"],
        )
        for s in raw["shifts"]
    ]
    return employees, shifts


def day_minutes(s: TfShift, d: date) -> int:
    """Timefold's ``m(s, d)``: whole minutes of ``s`` within day ``d`` (to 23:59:59.999999)."""
    lo = datetime.combine(d, datetime.min.time())
    hi = datetime.combine(d, datetime.max.time())
    overlap = (min(s.end, hi) - max(s.start, lo)).total_seconds()
    return max(0, math.floor(overlap / 60))


def _touched(s: TfShift, days: frozenset[date]) -> int:
    """Sum of ``m(s, d)`` over the dates of ``days`` equal to the shift's start or end date."""
    return sum(day_minutes(s, d) for d in {s.start.date(), s.end.date()} if d in days)


def to_problem(path: Path, params: RosterParams) -> RosterProblem:
    """Translate a dataset into the library's own :class:`RosterProblem`."""
    employees, shifts = load(path)
    locations = sorted({s.location for s in shifts})
    post_of = {name: f"p{i}" for i, name in enumerate(locations)}
    first = min(s.start.date() for s in shifts)
    last = max(s.start.date() for s in shifts)
    org = Organization.model_validate(
        {
            "stations": [{"id": "s0", "level": "station", "location": HERE}],
            "volunteers": [
                {
                    "id": e.name,
                    "home": HERE,
                    "station": "s0",
                    "skills": sorted(e.skills),
                    "availability": Availability(unavailable_dates=tuple(sorted(e.unavailable))),
                }
                for e in employees
            ],
        }
    )
    requests: list[Request] = []
    for e in employees:
        for s in shifts:
            if s.skill not in e.skills:
                continue  # never theirs: the request could not matter
            wishes: tuple[tuple[frozenset[date], Literal["on", "off"]], ...] = (
                (e.desired, "on"),
                (e.undesired, "off"),
            )
            for days, want in wishes:
                minutes = _touched(s, days)
                if minutes:
                    requests.append(
                        Request(volunteer=e.name, shift=s.id, want=want, weight=float(minutes))
                    )
    return RosterProblem(
        organization=org,
        start=first,
        num_days=(last - first).days + 1,
        posts=tuple(Post(id=post_of[n], name=n, location=HERE) for n in locations),
        shifts=tuple(
            Shift(
                id=s.id,
                post=post_of[s.location],
                start=s.start,
                end=s.end,
                skills=(s.skill,),
                minimum=1,
                target=1,
                maximum=1,
                under_weight=0.0,
                over_weight=0.0,
            )
            for s in shifts
        ),
        contracts=(Contract(id="all", max_shifts_per_day=1, min_rest_minutes=600),),
        default_contract="all",
        requests=tuple(requests),
        params=params,
    )


@dataclass
class TimefoldScore:
    """A score under the benchmark's rules."""

    hard: int
    desired: int
    undesired: int
    unfairness: float
    unassigned: int

    @property
    def soft(self) -> float:
        """Desired minus undesired minutes minus the unfairness ``U``."""
        return round(self.desired - self.undesired - self.unfairness, 5)


def unfairness(loads: list[int]) -> float:
    """``U = sqrt(sum (n_i - mean)^2)``, rounded to 6 significant digits (half-even)."""
    mean = sum(loads) / len(loads)
    u = math.sqrt(sum((n - mean) ** 2 for n in loads))
    return float(Context(prec=6, rounding=ROUND_HALF_EVEN).plus(Decimal(u)))


def timefold_score(path: Path, assignment: dict[str, str]) -> TimefoldScore:
    """Score ``shift id -> employee name`` by the benchmark's rules 1-8 (README)."""
    employees, shifts = load(path)
    emp = {e.name: e for e in employees}
    by_emp: dict[str, list[TfShift]] = defaultdict(list)
    hard = desired = undesired = 0
    for s in shifts:
        name = assignment.get(s.id)
        if name is None:
            continue
        e = emp[name]
        by_emp[name].append(s)
        if s.skill not in e.skills:
            hard += 1  # rule 1
        hard += _touched(s, e.unavailable)  # rule 5
        undesired += _touched(s, e.undesired)  # rule 6
        desired += _touched(s, e.desired)  # rule 7
    for mine in by_emp.values():
        for i, a in enumerate(mine):
            for b in mine[i + 1 :]:
                if a.start < b.end and b.start < a.end:  # rule 2
                    hard += _minutes(min(a.end, b.end) - max(a.start, b.start))
                else:  # rule 3, either order
                    x, y = (a, b) if a.end <= b.start else (b, a)
                    gap = _minutes(y.start - x.end)
                    if gap < 600:
                        hard += 600 - gap
                if a.start.date() == b.start.date():  # rule 4
                    hard += 1
    loads = [len(by_emp.get(e.name, [])) for e in employees]
    return TimefoldScore(
        hard=hard,
        desired=desired,
        undesired=undesired,
        unfairness=unfairness(loads),
        unassigned=sum(1 for s in shifts if s.id not in assignment),
    )


def _minutes(delta: timedelta) -> int:
    return math.floor(delta.total_seconds() / 60)


def proven_optimum(path: Path) -> float | None:
    """The proven optimum soft score of a dataset, from the README beside it (gap only)."""
    readme = path.parent / "README.md"
    if not readme.exists():
        return None
    pattern = rf"^\|\s*{re.escape(path.stem)}\s*\|\s*0hard/(-?[\d.]+)soft"
    found = re.search(pattern, readme.read_text(), flags=re.MULTILINE)
    return float(found.group(1)) if found else None


def write_assignment(path: Path, result: RosterResult) -> None:
    """ASSIGN.csv: ``shift_id,employee_name`` rows."""
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["shift_id", "employee_name"])
        for a in result.assignments:
            out.writerow([a.shift, a.volunteer])


def timefold_params(
    time_limit: float, seed: int = 1, workers: int = 1, work_limit: float | None = None
) -> RosterParams:
    """The solver's parameters for these datasets: no travel, pace or change; fairness in shifts."""
    return RosterParams(
        time_limit=time_limit,
        work_limit=work_limit,
        seed=seed,
        workers=workers,
        max_travel_minutes=60.0,
        weights=RosterWeights(
            travel=0.0, pace=0.0, change=0.0, fairness=FAIRNESS_WEIGHT, fairness_unit="shift"
        ),
    )


def run(
    path: Path, time_limit: float, seed: int, workers: int, work_limit: float | None = None
) -> tuple[dict[str, Any], RosterResult]:
    """Translate, solve, check and score one dataset: the JSON line and the result."""
    params = timefold_params(time_limit, seed, workers, work_limit)
    t0 = time.perf_counter()
    problem = to_problem(path, params)
    translate_s = time.perf_counter() - t0
    result = build_roster(problem)
    seconds = time.perf_counter() - t0
    report = check(problem, result)
    assignment = {a.shift: a.volunteer for a in result.assignments}
    score = timefold_score(path, assignment)
    # The library's objective = (on weights not met) + (off weights broken) + fairness.
    on_total = sum(r.weight for r in problem.requests if r.want == "on")
    loads = [len(v) for v in _by_volunteer(result).values()]
    fairness_part = FAIRNESS_WEIGHT * sum(n * n for n in loads)
    from_checker = on_total - (report.objective - fairness_part)
    optimum = proven_optimum(path)
    gap = None
    if optimum is not None and result.objective is not None:
        gap = round((optimum - score.soft) / abs(optimum), 6)
    line = {
        "dataset": path.stem,
        "status": result.status.value,
        "hard": -score.hard,
        "soft": score.soft,
        "desired": score.desired,
        "undesired": score.undesired,
        "unfairness": score.unfairness,
        "unassigned": score.unassigned,
        "seconds": round(seconds, 3),
        "translate_s": round(translate_s, 3),
        "timings_s": {k: round(v, 3) for k, v in result.timings.items()},
        "pairs": result.num_edges,
        "objective": result.objective,
        "bound": result.bound,
        "optimum_soft": optimum,
        "gap_to_optimum": gap,
        "checker_feasible": report.feasible,
        "checker_ok": report.ok,
        "checker_agrees": result.objective is None
        or abs(from_checker - (score.desired - score.undesired)) < 1e-6,
    }
    return line, result


def _by_volunteer(result: RosterResult) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for a in result.assignments:
        out[a.volunteer].append(a.shift)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--time-limit", type=float, default=10.0)
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
    line, result = run(args.dataset, args.time_limit, args.seed, args.workers, args.work_limit)
    if args.out is not None:
        write_assignment(args.out, result)
    print(json.dumps(line))


if __name__ == "__main__":
    main()
