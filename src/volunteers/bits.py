"""Sets of small integers (skills, team categories) as rows of ``uint64`` bit masks.

Both solvers test "has every required skill" and "belongs to an allowed
category" over hundreds of thousands of pairs at once: a set is a row of
64-bit words, subset and intersection are a few vectorized bit operations.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from volunteers.geo import IntArray

U64 = NDArray[np.uint64]
BoolArray = NDArray[np.bool_]


def bit_masks(owner: IntArray, bit: IntArray, n: int, words: int) -> U64:
    """``(n, words)`` masks with bit ``bit[i]`` set in row ``owner[i]``.

    Parameters
    ----------
    owner, bit
        Parallel arrays: row index and bit position of each member.
    n
        Number of rows.
    words
        Number of 64-bit words per row (at least one is always allocated).
    """
    out = np.zeros((n, max(words, 1)), dtype=np.uint64)
    if len(owner):
        np.bitwise_or.at(
            out, (owner, bit // 64), np.left_shift(np.uint64(1), (bit % 64).astype(np.uint64))
        )
    return out


def contains(have: U64, need: U64) -> BoolArray:
    """Row-wise: ``need`` is a subset of ``have`` (rows broadcast)."""
    result: BoolArray = ((have & need) == need).all(axis=1)
    return result


def intersects(a: U64, b: U64) -> BoolArray:
    """Row-wise: ``a`` and ``b`` share a member (rows broadcast)."""
    result: BoolArray = ((a & b) != 0).any(axis=1)
    return result
