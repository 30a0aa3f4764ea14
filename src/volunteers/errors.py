"""Collecting validation problems into one pydantic ``ValidationError``.

Boundary models check cross references (unknown ids, duplicates, ...) after
field validation. Every problem found is reported together, each with the path
of the field at fault, so an API can answer one precise 422.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Hashable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

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


M = TypeVar("M")


def validate_all(
    title: str,
    data: Any,
    handler: Callable[[Any], M],
    cross_check: Callable[[M], list[InitErrorDetails]],
    raw_check: Callable[[Mapping[str, Any]], list[InitErrorDetails]],
) -> M:
    """Field validation and cross checks, every problem reported in one error.

    For a ``mode="wrap"`` model validator: ``handler`` validates the fields. When
    it fails, pydantic would stop before any cross check, so ``raw_check`` runs
    the cross checks on the raw input's items that are valid on their own, and
    both kinds of problems are raised together. When it succeeds,
    ``cross_check`` runs on the validated model.
    """
    try:
        model = handler(data)
    except ValidationError as exc:
        if not isinstance(data, Mapping):
            raise
        raise_problems(title, reraise_details(exc) + raw_check(data))
        raise
    raise_problems(title, cross_check(model))
    return model
