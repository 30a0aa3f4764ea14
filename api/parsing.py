"""Validate request bodies in the worker processes, reusing recently seen organizations.

A dispatch service sends the same organization (volunteers, teams, catalogs) with
every request and only the orders change. Validating 500 volunteers takes longer
than solving 50 orders, so each worker keeps the last few organizations it
validated, keyed by a digest of their exact JSON text. On a hit, the rest of the
body is validated around the cached (frozen) organization, which also keeps the
solver's per-organization arrays (:func:`volunteers.memo.cached`) warm.

The body is still parsed in full (the organization's JSON text must be found to
be hashed); only its validation is saved. Any body the fast path cannot take
(malformed JSON, an organization that does not validate) goes through the
model's own ``model_validate_json``, so errors keep their usual field paths.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import OrderedDict
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from volunteers import Organization

ORGANIZATION_CACHE_SIZE = 4
"""Organizations each worker keeps validated (least recently used dropped first)."""

M = TypeVar("M", bound=BaseModel)

_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")


class _NotFastPathError(Exception):
    """The body is not a plain JSON object with the organization where expected."""


class OrganizationCache:
    """A small LRU of validated organizations keyed by the digest of their JSON text."""

    def __init__(self, size: int = ORGANIZATION_CACHE_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[bytes, tuple[int, Organization]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def find(self, text: str, start: int) -> tuple[Organization, int] | None:
        """A cached organization whose JSON text starts at ``text[start]``, and where it ends.

        A JSON object ends at its matching brace, so identical text from ``start``
        on is the whole member: it need not be decoded.
        """
        with self._lock:
            lengths = {length for length, _ in self._items.values()}
        for length in sorted(lengths):
            key = _digest(text[start : start + length])
            with self._lock:
                item = self._items.get(key)
                if item is not None and item[0] == length:
                    self.hits += 1
                    self._items.move_to_end(key)
                    return item[1], start + length
        with self._lock:
            self.misses += 1
        return None

    def put(self, text: str, org: Organization) -> None:
        """Store ``org``, validated from ``text``; drop the least recently used beyond the size."""
        with self._lock:
            key = _digest(text)
            self._items[key] = (len(text), org)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        """Forget every organization."""
        with self._lock:
            self._items.clear()


CACHE = OrganizationCache()
"""The worker process's cache."""


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode(), digest_size=32).digest()


def _skip(text: str, idx: int) -> int:
    match = _SPACE.match(text, idx)
    assert match is not None  # the pattern matches the empty string
    return match.end()


class _Found:
    """Where the organization member was found, and the cached organization if any."""

    span: slice | None = None
    org: Organization | None = None


def _object(
    text: str, idx: int, path: tuple[str, ...], cache: OrganizationCache, found: _Found
) -> tuple[dict[str, Any], int]:
    """Decode the JSON object at ``text[idx]``, noting the member at ``path`` in ``found``."""
    if text[idx : idx + 1] != "{":
        raise _NotFastPathError
    out: dict[str, Any] = {}
    idx = _skip(text, idx + 1)
    if text[idx : idx + 1] == "}":
        raise _NotFastPathError
    while True:
        key, idx = _DECODER.raw_decode(text, idx)
        if not isinstance(key, str):
            raise _NotFastPathError
        idx = _skip(text, idx)
        if text[idx : idx + 1] != ":":
            raise _NotFastPathError
        idx = _skip(text, idx + 1)
        start = idx
        if key != path[0]:
            out[key], idx = _DECODER.raw_decode(text, idx)
        elif len(path) > 1:
            out[key], idx = _object(text, idx, path[1:], cache, found)
        else:
            hit = cache.find(text, idx) if text[idx : idx + 1] == "{" else None
            if hit is None:
                out[key], idx = _DECODER.raw_decode(text, idx)
                found.org = None
            else:
                found.org, idx = hit
                out[key] = found.org
            found.span = slice(start, idx)
        idx = _skip(text, idx)
        sep = text[idx : idx + 1]
        idx = _skip(text, idx + 1)
        if sep == "}":
            break
        if sep != ",":
            raise _NotFastPathError
    return out, idx


def _replace(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        data = data[key]
    data[path[-1]] = value


def parse(
    body: bytes | str,
    model: type[M],
    organization_path: tuple[str, ...] = ("organization",),
    cache: OrganizationCache = CACHE,
) -> M:
    """Validate ``body`` as ``model``, reusing a cached organization when its JSON text matches.

    Parameters
    ----------
    body
        The request body (JSON).
    model
        The pydantic model to validate (a problem, or an envelope holding one).
    organization_path
        Keys leading to the organization inside the body.
    cache
        Where validated organizations are kept.

    Raises
    ------
    pydantic.ValidationError
        As ``model.model_validate_json(body)`` would, with the same field paths.
    """
    context: dict[str, Any] = {
        "intern": {}
    }  # shares identical availabilities (faster to validate and grid)
    found = _Found()
    try:
        text = body.decode() if isinstance(body, bytes) else body
        data, end = _object(text, _skip(text, 0), organization_path, cache, found)
        if found.span is None or _skip(text, end) != len(text):
            raise _NotFastPathError
    except (_NotFastPathError, ValueError, IndexError):
        return model.model_validate_json(body, context=context)
    org = found.org
    if org is None:
        raw = data
        for k in organization_path:
            raw = raw[k]
        try:
            org = Organization.model_validate(raw, context=context)
        except ValidationError:
            # Validate the whole body to report every error with its full path.
            return model.model_validate_json(body, context=context)
        cache.put(text[found.span], org)
        _replace(data, organization_path, org)
    return model.model_validate(data, context=context)
