"""Readable dispatch reports: served and unserved by priority class, top reasons."""

from __future__ import annotations

from collections import Counter

from matcher.model import DispatchProblem
from matcher.result import DispatchResult


def by_priority(problem: DispatchProblem, result: DispatchResult) -> dict[str, tuple[int, int]]:
    """Priority class -> (served, total)."""
    totals = Counter(o.priority for o in problem.orders)
    served = Counter(
        problem.orders[problem.order_index[a.order]].priority for a in result.assignments
    )
    return {k: (served.get(k, 0), n) for k, n in sorted(totals.items())}


def top_reasons(result: DispatchResult, n: int = 5) -> list[tuple[str, int]]:
    """Most common first reasons of unserved orders, numbers blanked out."""
    import re

    counts = Counter(re.sub(r"\d+", "N", u.reasons[0]) for u in result.unserved if u.reasons)
    return counts.most_common(n)


def text_report(problem: DispatchProblem, result: DispatchResult) -> str:
    """A plain-text report of a dispatch."""
    lines = [result.summary(), ""]
    lines.append(f"{'priority class':<20} {'served':>8} {'of':>6}")
    for k, (s, t) in by_priority(problem, result).items():
        lines.append(f"{k:<20} {s:>8} {t:>6}")
    trips = [v.travel_minutes for a in result.assignments for v in a.volunteers]
    if trips:
        lines.append(f"\nMean travel: {sum(trips) / len(trips):.1f} min over {len(trips)} trips")
    if result.unserved:
        lines.append("\nTop reasons for unserved orders:")
        for reason, count in top_reasons(result):
            lines.append(f"  {count:>5}  {reason}")
    timings = result.timings
    lines.append(
        "\nTime: "
        + ", ".join(f"{k} {v:.2f} s" for k, v in timings.items() if k != "total_solve")
        + f"; total {result.runtime:.2f} s"
    )
    return "\n".join(lines)
