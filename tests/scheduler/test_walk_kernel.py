"""The compiled walk's window shift against a state-by-state reference."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.walk_kernel import _shift


def _reference(
    dst: np.ndarray,
    dorg: tuple[int, ...],
    src: np.ndarray,
    sorg: tuple[int, ...],
    offs: tuple[int, ...],
    add: float,
) -> np.ndarray:
    """``dst`` after moving every state of ``src`` by ``offs``, one state at a time."""
    out = dst.copy()
    for c in np.ndindex(*src.shape):
        t = tuple(ci + so + o - do for ci, so, o, do in zip(c, sorg, offs, dorg, strict=True))
        if all(0 <= ti < n for ti, n in zip(t, dst.shape, strict=True)):
            out[t] = min(out[t], src[c] + add)
    return out


@st.composite
def _windows(
    draw: st.DrawFn,
) -> tuple[np.ndarray, tuple[int, ...], np.ndarray, tuple[int, ...], tuple[int, ...], float]:
    k = draw(st.integers(2, 4))
    dims = st.integers(1, 4)
    dshape = tuple(draw(dims) for _ in range(k))
    sshape = tuple(draw(dims) for _ in range(k))
    origins = st.integers(0, 3)
    dorg = tuple(draw(origins) for _ in range(k))
    sorg = tuple(draw(origins) for _ in range(k))
    offs = tuple(draw(st.integers(-1, 3)) for _ in range(k))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    dst = rng.integers(0, 20, dshape).astype(float)
    src = rng.integers(0, 20, sshape).astype(float)
    dst[rng.random(dshape) < 0.3] = np.inf
    src[rng.random(sshape) < 0.3] = np.inf
    add = float(draw(st.integers(-5, 5)))
    return dst, dorg, src, sorg, offs, add


@settings(max_examples=200, deadline=None)
@given(_windows())
def test_shift_moves_every_state_that_lands_in_the_window(
    case: tuple[np.ndarray, tuple[int, ...], np.ndarray, tuple[int, ...], tuple[int, ...], float],
) -> None:
    """Each state lands at its origin plus the offsets where least; the rest is dropped."""
    dst, dorg, src, sorg, offs, add = case
    expected = _reference(dst, dorg, src, sorg, offs, add)
    # Both sides flat, at a base inside larger buffers, as the walk stores its days.
    flat_dst = np.concatenate([np.full(3, -7.0), dst.ravel(), np.full(2, -7.0)])
    flat_src = np.concatenate([np.full(5, -9.0), src.ravel()])
    k = dst.ndim
    _shift(
        flat_dst,
        3,
        np.asarray(dst.shape, dtype=np.int64),
        np.asarray(dorg, dtype=np.int64),
        flat_src,
        5,
        np.asarray(src.shape, dtype=np.int64),
        np.asarray(sorg, dtype=np.int64),
        np.asarray(offs, dtype=np.int64),
        add,
        np.empty(6 * k, dtype=np.int64),
    )
    np.testing.assert_array_equal(flat_dst[3 : 3 + dst.size].reshape(dst.shape), expected)
    assert np.all(flat_dst[:3] == -7.0)
    assert np.all(flat_dst[3 + dst.size :] == -7.0)
