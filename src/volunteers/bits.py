"""Sets of small integers (skills, team categories) as rows of ``uint64`` bit masks.

Both solvers test "has every required skill" and "belongs to an allowed
category" over hundreds of thousands of pairs at once: a set is a row of
64-bit words, subset and intersection are a few vectorized bit operations.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from volunteers.geo import IntArray
from volunteers.organization import Organization

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


@dataclass(frozen=True)
class MemberMasks:
    """Every volunteer's skills and team categories as bit masks.

    Attributes
    ----------
    skill_pos, cat_pos
        Bit of each skill (the skills volunteers have) and of each team category.
    skills, categories
        ``(num_volunteers, words)`` masks.
    """

    skill_pos: dict[str, int]
    cat_pos: dict[str, int]
    skills: U64
    categories: U64

    @classmethod
    def of(cls, org: Organization) -> MemberMasks:
        """The masks of ``org``'s volunteers (one spare skill bit, see :meth:`skill_bits`)."""
        vols = org.volunteers
        n_v = len(vols)
        skill_pos = {c: i for i, c in enumerate(sorted({s for v in vols for s in v.skills}))}
        cat_pos = {c: i for i, c in enumerate(org.team_model.codes)}
        team_cat = {t.id: cat_pos[t.category] for t in org.teams}
        return cls(
            skill_pos=skill_pos,
            cat_pos=cat_pos,
            skills=bit_masks(
                np.fromiter((i for i, v in enumerate(vols) for _ in v.skills), dtype=np.int64),
                np.fromiter((skill_pos[s] for v in vols for s in v.skills), dtype=np.int64),
                n_v,
                (len(skill_pos) + 1 + 63) // 64,
            ),
            categories=bit_masks(
                np.fromiter((i for i, v in enumerate(vols) for _ in v.teams), dtype=np.int64),
                np.fromiter((team_cat[t] for v in vols for t in v.teams), dtype=np.int64),
                n_v,
                (len(cat_pos) + 63) // 64,
            ),
        )

    def skill_bits(self, codes: Iterable[str]) -> IntArray:
        """Bit of each skill code; a skill no volunteer has gets the spare bit (nobody matches)."""
        spare = len(self.skill_pos)
        return np.fromiter((self.skill_pos.get(c, spare) for c in codes), dtype=np.int64)

    def category_bits(self, codes: Iterable[str]) -> IntArray:
        """Bit of each team-category code."""
        return np.fromiter((self.cat_pos[c] for c in codes), dtype=np.int64)

    def skill_mask(self, codes: Sequence[str]) -> U64:
        """A ``(1, words)`` mask of skill codes."""
        return bit_masks(
            np.zeros(len(codes), dtype=np.int64), self.skill_bits(codes), 1, self.skills.shape[1]
        )

    def category_mask(self, codes: Sequence[str]) -> U64:
        """A ``(1, words)`` mask of team-category codes."""
        return bit_masks(
            np.zeros(len(codes), dtype=np.int64),
            self.category_bits(codes),
            1,
            self.categories.shape[1],
        )
