"""Memoized properties on frozen pydantic models that never affect equality.

``functools.cached_property`` stores its value in the instance ``__dict__``,
which pydantic compares first in ``__eq__``: with a numpy array there, ``==``
between two equal models that both computed it raises ("truth value of an
array is ambiguous"). :func:`memo` keeps derived values in one :class:`Memo`
holder that compares equal to any other holder, so equality depends on the
fields alone.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class Memo(dict[str, Any]):
    """A cache of derived values; any two compare equal."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Memo)

    def __ne__(self, other: object) -> bool:
        return not isinstance(other, Memo)

    __hash__ = None


def memo(fn: Callable[[Any], T]) -> T:
    """Like ``cached_property``, for frozen pydantic models (kept out of equality)."""
    name = fn.__name__

    @functools.wraps(fn)
    def get(self: Any) -> T:
        cache = _cache(self)
        if name not in cache:
            cache[name] = fn(self)
        return cache[name]  # type: ignore[no-any-return]

    return property(get)  # type: ignore[return-value]


def _cache(obj: Any) -> Memo:
    cache = obj.__dict__.get("_memo")
    if cache is None:
        cache = obj.__dict__["_memo"] = Memo()
    return cache  # type: ignore[no-any-return]


def stored(obj: Any, name: str) -> Any:
    """The value :func:`store` kept on ``obj`` under ``name``, or ``None``."""
    return obj.__dict__.get("_memo", {}).get(name)


def store(obj: Any, name: str, value: Any) -> None:
    """Keep ``value`` on ``obj`` (a frozen model) under ``name``, out of its equality.

    For derived values a caller computes elsewhere (and checks itself when it
    reads them back with :func:`stored`).
    """
    _cache(obj)[name] = value


def cached(obj: Any, key: object, compute: Callable[[], T], keep: int = 4) -> T:
    """Value of ``compute()`` kept on ``obj`` (a frozen model) under ``key``.

    For derived values that depend on ``obj`` and on arguments (``key``); at most
    ``keep`` keys are kept per object, the oldest dropped first.
    """
    keyed: dict[object, Any] = _cache(obj).setdefault("__cached__", {})
    if key not in keyed:
        while len(keyed) >= keep:
            keyed.pop(next(iter(keyed)))
        keyed[key] = compute()
    return keyed[key]  # type: ignore[no-any-return]
