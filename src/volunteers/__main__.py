"""Command line: ``python -m volunteers {synth,summary,validate} ...``.

- ``synth``: generate a synthetic county, print its summary, optionally save it;
- ``summary FILE``: summarize an organization JSON file;
- ``validate FILE``: validate a file and list every problem with its path.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from datetime import date

from pydantic import ValidationError

from volunteers.io import load_organization, save_organization
from volunteers.summary import summarize
from volunteers.synth import CountySpec, generate_county
from volunteers.travel import SPEED_PRESETS, StraightLineTravel


def _write(text: str) -> None:
    sys.stdout.write(text + "\n")


def format_errors(exc: ValidationError) -> str:
    """One line per problem: ``path: message``."""
    lines = [f"{exc.error_count()} problem(s):"]
    for e in exc.errors(include_url=False):
        path = ".".join(str(p) for p in e["loc"]) or "(root)"
        lines.append(f"  {path}: {e['msg']}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m volunteers", description=__doc__.splitlines()[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_synth = sub.add_parser("synth", help="generate a synthetic county")
    p_synth.add_argument("--volunteers", type=int, default=20_000)
    p_synth.add_argument("--seed", type=int, default=0)
    p_synth.add_argument("--team-model", choices=["8+N", "five-team"], default="8+N")
    p_synth.add_argument("--out", help="write the county as JSON to this file")
    p_synth.add_argument(
        "--mode",
        choices=sorted(SPEED_PRESETS),
        default="walking",
        help="travel mode for the 15-minute circle",
    )
    p_sum = sub.add_parser("summary", help="summarize an organization file")
    p_sum.add_argument("file")
    p_sum.add_argument("--on", type=date.fromisoformat, default=None, help="date for quota pace")
    p_sum.add_argument("--mode", choices=sorted(SPEED_PRESETS), default="walking")
    p_val = sub.add_parser("validate", help="validate an organization file")
    p_val.add_argument("file")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    if args.command == "synth":
        from volunteers.teams import DEFAULT_TEAM_MODELS

        spec = CountySpec(
            num_volunteers=args.volunteers, team_model=DEFAULT_TEAM_MODELS[args.team_model]
        )
        start = time.perf_counter()
        org = generate_county(spec, seed=args.seed)
        elapsed = time.perf_counter() - start
        _write(
            f"Generated {len(org.volunteers):,} volunteers in {elapsed:.2f} s (seed {args.seed}).\n"
        )
        _write(summarize(org, spec.as_of, StraightLineTravel.preset(args.mode)).to_text())
        if args.out:
            save_organization(org, args.out)
            _write(f"\nWrote {args.out}")
        return 0
    try:
        org = load_organization(args.file)
    except ValidationError as exc:
        _write(f"{args.file}: {format_errors(exc)}")
        return 1
    if args.command == "validate":
        _write(
            f"{args.file}: valid ({len(org.stations)} stations, {len(org.teams)} teams, "
            f"{len(org.volunteers)} volunteers)"
        )
        return 0
    on = args.on or date.today()
    _write(summarize(org, on, StraightLineTravel.preset(args.mode)).to_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
