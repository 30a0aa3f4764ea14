"""The walk of :mod:`scheduler.day_pricing`, compiled: its forward pass and its backtrack.

A day's states are stored flat: the work states of option ``f`` and run index
``r`` at ``wptr[d] + (f * run + r) * P + p`` of ``W``, the days-off states of
length index ``q`` at ``optr_o[d] + q * P + p`` of ``O``, where ``P`` is the
size of the day's window of the plane of resources (``shape[d]``, starting at
whole-plane coordinates ``org[d]``) and ``p`` a C-order index into it: the
layout of :meth:`~scheduler.day_pricing.DayPricing.walk`'s arrays, so that they
can be read as views of those shapes.

Options are numbered across days (``optr[d]`` is day ``d``'s first): their
minutes in gcd units (``units``), their steps along the counted maximums
(``cnt``), and the index of the distinct set of options of the day before they
may follow (``which``; the sets are rows of ``cols`` from ``colptr[d]``, each
as wide as the day before has options).

Both functions are compiled once, with fixed signatures, when this module is
first imported (and cached on disk by numba): a solve never waits on the
compiler. Measured on random costs: the same costs and the same walks as the
numpy version of session 16, in a tenth to a thirtieth of its time (see
``benchmarks/README.md``, session 18).
"""

from __future__ import annotations

import numpy as np
from numba import njit, types

INF = np.inf

_i1 = types.int64[::1]
_i2 = types.int64[:, ::1]
_f1 = types.float64[::1]
_b1 = types.boolean[::1]
_b2 = types.boolean[:, ::1]
_LAYOUT = (types.int64, types.int64, types.boolean, _i2, _i2, _i1, _i1, _i1, _i2)
"""The arguments both functions begin their walk with: run, off, run_saturates,
shape, org, psize, optr, units, cnt."""


@njit(cache=True, nogil=True)
def _shift(
    dst: np.ndarray,
    dbase: int,
    dshape: np.ndarray,
    dorg: np.ndarray,
    src: np.ndarray,
    sbase: int,
    sshape: np.ndarray,
    sorg: np.ndarray,
    offs: np.ndarray,
    add: float,
    tmp: np.ndarray,
) -> None:
    """``dst[a + offs] = min(itself, src[a] + add)`` over whole-plane coordinates ``a``.

    Each side holds a window of the plane (its shape, from its origin) at its
    base; what falls outside the target's window is dropped. ``tmp`` is
    scratch of at least ``6 * K`` integers.
    """
    k_axes = dshape.shape[0]
    delta = tmp[0:k_axes]
    lo = tmp[k_axes : 2 * k_axes]
    hi = tmp[2 * k_axes : 3 * k_axes]
    sst = tmp[3 * k_axes : 4 * k_axes]
    dst_ = tmp[4 * k_axes : 5 * k_axes]
    c = tmp[5 * k_axes : 6 * k_axes]
    for k in range(k_axes):
        delta[k] = sorg[k] + offs[k] - dorg[k]
        lo[k] = max(0, -delta[k])
        hi[k] = min(sshape[k], dshape[k] - delta[k])
        if hi[k] <= lo[k]:
            return
    last = k_axes - 1
    sst[last] = 1
    dst_[last] = 1
    for k in range(last - 1, -1, -1):
        sst[k] = sst[k + 1] * sshape[k + 1]
        dst_[k] = dst_[k + 1] * dshape[k + 1]
    for k in range(k_axes):
        c[k] = lo[k]
    while True:
        sb = sbase
        db = dbase + delta[last]
        for k in range(last):
            sb += c[k] * sst[k]
            db += (c[k] + delta[k]) * dst_[k]
        for j in range(lo[last], hi[last]):
            v = src[sb + j] + add
            if v < dst[db + j]:
                dst[db + j] = v
        k = last - 1
        while k >= 0:
            c[k] += 1
            if c[k] < hi[k]:
                break
            c[k] = lo[k]
            k -= 1
        if k < 0:
            return


@njit(
    types.void(
        *_LAYOUT,
        _i1,  # pinned
        _i2,  # inc
        _b2,  # lrun
        _b2,  # loff
        _i1,  # colptr
        _i1,  # ncols
        _b1,  # cols
        _i1,  # which
        _f1,  # cost per option
        _i1,  # wptr
        _i1,  # optr_o
        _f1,  # W
        _f1,  # O
    ),
    cache=True,
    nogil=True,
)
def forward(
    run: int,
    off: int,
    sat: bool,
    shape: np.ndarray,
    org: np.ndarray,
    psize: np.ndarray,
    optr: np.ndarray,
    units: np.ndarray,
    cnt: np.ndarray,
    pinned: np.ndarray,
    inc: np.ndarray,
    lrun: np.ndarray,
    loff: np.ndarray,
    colptr: np.ndarray,
    ncols: np.ndarray,
    cols: np.ndarray,
    which: np.ndarray,
    cost: np.ndarray,
    wptr: np.ndarray,
    optr_o: np.ndarray,
    W: np.ndarray,  # noqa: N803
    O: np.ndarray,  # noqa: N803, E741
) -> None:
    """Fill ``W`` and ``O`` with the least cost of reaching every state, day by day.

    The rules are those of :meth:`~scheduler.day_pricing.DayPricing.walk`:
    a day off follows a run that may end (``lrun[d]``) or a day off (its
    length growing to ``off``, where it saturates); a worked option follows
    days off that may end (``loff[d]``), or a compatible option of the day
    before (the run growing, saturating at ``run`` when ``sat``); a pinned day
    has no day-off states.
    """
    n = psize.shape[0]
    k_axes = shape.shape[1]
    W[:] = INF
    O[:] = INF
    tmp = np.empty(6 * k_axes, np.int64)
    offs = np.zeros(k_axes, np.int64)
    zero = np.zeros(k_axes, np.int64)
    ones = np.ones(k_axes, np.int64)
    most = 1
    most_cols = 1
    for d in range(n):
        most = max(most, psize[d])
        most_cols = max(most_cols, ncols[d])
    ended = np.empty(most)
    from_off = np.empty(most)
    least = np.empty(most_cols * run * most)
    still = np.zeros(1)
    for d in range(n):
        size = psize[d]
        ob = optr_o[d]
        wb = wptr[d]
        dsh = shape[d]
        dorg = org[d]
        for k in range(k_axes):
            offs[k] = 0
        worked_before = False
        prev_size = 1
        if d == 0:
            # The days before the horizon count as off, and exempt.
            _shift(O, ob, dsh, dorg, still, 0, ones, zero, offs, 0.0, tmp)
            src_off = still
            src_shape = ones
            src_org = zero
        else:
            prev_size = psize[d - 1]
            prev_u = optr[d] - optr[d - 1]
            psh = shape[d - 1]
            porg = org[d - 1]
            pwb = wptr[d - 1]
            pob = optr_o[d - 1]
            leaving = False
            for r in range(run):
                leaving = leaving or lrun[d, r]
            if prev_u > 0 and leaving:
                ended[:prev_size] = INF
                for f in range(prev_u):
                    if cost[optr[d - 1] + f] == INF:
                        continue  # never worked: its states are all unreachable
                    for r in range(run):
                        if lrun[d, r]:
                            base = pwb + (f * run + r) * prev_size
                            for p in range(prev_size):
                                v = W[base + p]
                                if v < ended[p]:
                                    ended[p] = v
                _shift(O, ob, dsh, dorg, ended, 0, psh, porg, offs, 0.0, tmp)
            for q in range(1, off):
                src = pob + (q - 1) * prev_size
                _shift(O, ob + q * size, dsh, dorg, O, src, psh, porg, offs, 0.0, tmp)
            src = pob + (off - 1) * prev_size
            _shift(O, ob + (off - 1) * size, dsh, dorg, O, src, psh, porg, offs, 0.0, tmp)
            from_off[:prev_size] = INF
            for q in range(off):
                if loff[d, q]:
                    base = pob + q * prev_size
                    for p in range(prev_size):
                        v = O[base + p]
                        if v < from_off[p]:
                            from_off[p] = v
            src_off = from_off
            src_shape = psh
            src_org = porg
            worked_before = prev_u > 0
            if worked_before:
                # Per distinct set of options of the day before: their least.
                cb = colptr[d]
                for i in range(ncols[d]):
                    lb = i * run * prev_size
                    least[lb : lb + run * prev_size] = INF
                    for f in range(prev_u):
                        if cols[cb + i * prev_u + f] and cost[optr[d - 1] + f] < INF:
                            for r in range(run):
                                base = pwb + (f * run + r) * prev_size
                                at = lb + r * prev_size
                                for p in range(prev_size):
                                    v = W[base + p]
                                    if v < least[at + p]:
                                        least[at + p] = v
        u = optr[d + 1] - optr[d]
        lo_f, hi_f = (pinned[d], pinned[d] + 1) if pinned[d] >= 0 else (0, u)
        for f in range(lo_f, hi_f):
            t = optr[d] + f
            add = cost[t]
            if add == INF:
                continue  # an option priced out (closed, or a cheaper twin's)
            offs[0] = units[t]
            offs[1] = inc[d, 0]
            for k in range(k_axes - 2):
                offs[2 + k] = cnt[t, k]
            row = wb + f * run * size
            _shift(W, row, dsh, dorg, src_off, 0, src_shape, src_org, offs, add, tmp)
            if worked_before:
                offs[1] = inc[d, 1]
                lb = which[t] * run * prev_size
                for r in range(1, run):
                    src = lb + (r - 1) * prev_size
                    _shift(W, row + r * size, dsh, dorg, least, src, psh, porg, offs, add, tmp)
                if sat:
                    src = lb + (run - 1) * prev_size
                    into = row + (run - 1) * size
                    _shift(W, into, dsh, dorg, least, src, psh, porg, offs, add, tmp)
        if pinned[d] >= 0:
            O[ob : ob + off * size] = INF


@njit(cache=True, nogil=True)
def _index(res: np.ndarray, origin: np.ndarray, shape: np.ndarray) -> int:
    """The C-order index of whole-plane coordinates ``res`` in a window, or -1 outside it."""
    at = 0
    for k in range(shape.shape[0]):
        local = res[k] - origin[k]
        if local < 0 or local >= shape[k]:
            return -1
        at = at * shape[k] + local
    return at


@njit(
    types.int64(
        types.int64,  # kind: 0 work, 1 off
        types.int64,  # a: option or days-off index
        types.int64,  # r: run index
        _i1,  # res: whole-plane coordinates
        *_LAYOUT,
        _i2,  # inc
        _b2,  # lrun
        _b2,  # loff
        _i1,  # colptr
        _b1,  # cols
        _i1,  # which
        _i1,  # wptr
        _i1,  # optr_o
        _f1,  # W
        _f1,  # O
        _i1,  # out
    ),
    cache=True,
    nogil=True,
)
def backtrack(
    kind: int,
    a: int,
    r: int,
    res: np.ndarray,
    run: int,
    off: int,
    sat: bool,
    shape: np.ndarray,
    org: np.ndarray,
    psize: np.ndarray,
    optr: np.ndarray,
    units: np.ndarray,
    cnt: np.ndarray,
    inc: np.ndarray,
    lrun: np.ndarray,
    loff: np.ndarray,
    colptr: np.ndarray,
    cols: np.ndarray,
    which: np.ndarray,
    wptr: np.ndarray,
    optr_o: np.ndarray,
    W: np.ndarray,  # noqa: N803
    O: np.ndarray,  # noqa: N803, E741
    out: np.ndarray,
) -> int:
    """The options of the walk ending in the given state of the last day, last day first.

    Writes their numbers (across days) into ``out`` and returns how many.
    Each state's value is the least over its predecessors (plus the day's
    cost), so stepping back to a predecessor of least value retraces a
    cheapest walk; of equal values the first is taken, in the order of the
    numpy backtrack (work before days off, runs outer and options inner on
    leaving a run, options outer and runs inner within one).
    """
    n = psize.shape[0]
    k_axes = shape.shape[1]
    res = res.copy()
    back = np.empty(k_axes, np.int64)
    best_res = np.empty(k_axes, np.int64)
    m = 0
    for d in range(n - 1, 0, -1):
        prev_size = psize[d - 1]
        prev_u = optr[d] - optr[d - 1]
        porg = org[d - 1]
        psh = shape[d - 1]
        pwb = wptr[d - 1]
        pob = optr_o[d - 1]
        least = INF
        best_kind = -1
        best_a = 0
        best_r = 0
        if kind == 1:
            at = _index(res, porg, psh)
            if at >= 0:
                if a == 0 and prev_u > 0:
                    for rr in range(run):
                        if lrun[d, rr]:
                            for p in range(prev_u):
                                v = W[pwb + (p * run + rr) * prev_size + at]
                                if v < least:
                                    least, best_kind, best_a, best_r = v, 0, p, rr
                                    best_res[:] = res
                for step in range(2):
                    q = a - 1 if step == 0 else off - 1
                    if step == 1 and a != off - 1:
                        break
                    if q >= 0:
                        v = O[pob + q * prev_size + at]
                        if v < least:
                            least, best_kind, best_a, best_r = v, 1, q, 0
                            best_res[:] = res
        else:
            t = optr[d] + a
            out[m] = t
            m += 1
            for step in range(2):
                # step 0: from days off (run index 0 only); step 1: from a worked day.
                if step == 0 and r != 0:
                    continue
                ok = True
                back[0] = res[0] - units[t]
                back[1] = res[1] - inc[d, step]
                for k in range(k_axes - 2):
                    back[2 + k] = res[2 + k] - cnt[t, k]
                for k in range(k_axes):
                    ok = ok and back[k] >= 0
                if not ok:
                    continue
                at = _index(back, porg, psh)
                if at < 0:
                    continue
                if step == 0:
                    for q in range(off):
                        if loff[d, q]:
                            v = O[pob + q * prev_size + at]
                            if v < least:
                                least, best_kind, best_a, best_r = v, 1, q, 0
                                best_res[:] = back
                elif prev_u > 0:
                    cb = colptr[d] + which[t] * prev_u
                    for p in range(prev_u):
                        if not cols[cb + p]:
                            continue
                        if r >= 1:
                            v = W[pwb + (p * run + r - 1) * prev_size + at]
                            if v < least:
                                least, best_kind, best_a, best_r = v, 0, p, r - 1
                                best_res[:] = back
                        if sat and r == run - 1:
                            v = W[pwb + (p * run + run - 1) * prev_size + at]
                            if v < least:
                                least, best_kind, best_a, best_r = v, 0, p, run - 1
                                best_res[:] = back
        if best_kind < 0:
            return -1  # a reachable state without a predecessor: a bug
        kind, a, r = best_kind, best_a, best_r
        res[:] = best_res
    if kind == 0:
        out[m] = optr[0] + a
        m += 1
    return m
