"""Collecting validation problems into one pydantic ``ValidationError``.

Boundary models check cross references (unknown ids, duplicates, ...) after
field validation. Every problem found is reported together, each with the path
of the field at fault, so an API can answer one precise 422.
"""

from __future__ import annotations

from collections.abc import Container, Hashable, Iterable, Sequence
from typing import Any

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

Loc = tuple[str | int, ...]


def problem(kind: str, message: str, loc: Loc, value: Any = None) -> InitErrorDetails:
    """One validation problem.

    Parameters
    ----------
    kind
        Machine-readable error type (``"unknown_station"``).
    message
        Human message naming the culprit.
    loc
        Path of the offending field (``("volunteers", 3, "station")``).
    value
        The offending input value.
    """
    # Without a context pydantic does not format the template, so braces in
    # user ids are kept verbatim.
    return InitErrorDetails(type=PydanticCustomError(kind, message), loc=loc, input=value)


def reraise_details(exc: ValidationError, prefix: Loc = ()) -> list[InitErrorDetails]:
    """Turn the errors of an existing ``ValidationError`` back into details."""
    return [
        problem(str(e["type"]), str(e["msg"]), prefix + tuple(e["loc"]), e.get("input"))
        for e in exc.errors(include_url=False)
    ]


def raise_problems(title: str, problems: Sequence[InitErrorDetails]) -> None:
    """Raise one ``ValidationError`` listing every problem; do nothing when there are none."""
    if problems:
        raise ValidationError.from_exception_data(title, list(problems))


def duplicates(
    ids: Iterable[object], what: str, field: str, positions: Iterable[int] | None = None
) -> list[InitErrorDetails]:
    """A problem at each repeated id, pointing at the index where it repeats.

    ``positions`` gives each id's index in the input when some items were left
    out (failed validation); by default ids are numbered from 0.
    """
    first: dict[object, int] = {}
    out: list[InitErrorDetails] = []
    pairs = zip(positions, ids, strict=True) if positions is not None else enumerate(ids)
    for i, key in pairs:
        if key is None:
            continue
        if key in first:
            out.append(
                problem(
                    f"duplicate_{what.replace(' ', '_')}_id",
                    f"duplicate {what} id {key!r} (first used at index {first[key]})",
                    (field, i, "id"),
                    key,
                )
            )
        else:
            first[key] = i
    return out


def unknown(
    value: Hashable,
    known: Container[Hashable],
    kind: str,
    loc: Loc,
    message: str,
    **fields: object,
) -> list[InitErrorDetails]:
    """A problem when ``value`` is not among the ``known`` ids, else nothing.

    ``message`` is a ``str.format`` template over ``value`` and ``fields``,
    formatted only for a problem: checking many valid references formats nothing.
    """
    if value in known:
        return []
    return [problem(kind, message.format(value=value, **fields), loc, value)]
