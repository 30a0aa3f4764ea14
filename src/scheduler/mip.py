"""The roster model as a mixed-integer program, for HiGHS.

When every shift's head count is fixed (minimum = maximum: every seat must be
filled, as in Timefold's employee scheduling), a roster is a set partitioning:
column generation's duals say nothing there (:func:`scheduler.columns.relax`
gives up), and CP-SAT, with its weak bound, wanders (Timefold LARGE at 10 s:
0.6-1.8% from the proven optimum). The linear relaxation of the very same
model, on the other hand, is almost integral, and a MIP solver's branch and
cut closes it in seconds.

:func:`linear_form` reads the CP-SAT model itself (its proto), so the MIP has
exactly the rules of :mod:`scheduler.solve`'s model, with no second
formulation to keep in step:

- linear constraints (the hull of their domain), ``bool_or``, ``at_most_one``
  and ``exactly_one`` over literals;
- ``lin_max`` of literals (worked-day and request-met indicators): the target
  is at least every literal and at most their sum; indicators nothing reads
  are dropped;
- the squares of the fairness term (``int_prod`` of a variable with itself)
  as tangents ``q >= 2 k u - k^2`` at every integer ``k`` of the variable's
  range, exact at integer points.

Any other constraint (or an enforcement literal) makes :func:`linear_form`
raise :class:`UnsupportedError`; the caller then keeps to CP-SAT.

The fairness tangents make the relaxation slow (Timefold LARGE: 5.6 s for its
LP against 0.2 s without them). When the total load is fixed, the sum of
squared loads is smallest when every load is within one of the mean, so
:func:`balanced_loads` gives the loads that keep them there: a restriction, whose
optimum is an upper bound. The LP without the fairness term, plus the smallest
possible sum of squares, is a lower bound; when the two meet, the roster is
optimal.

The restriction is first searched near its own linear relaxation
(:func:`solve_rens`, the RENS heuristic of Berthold: every roster pair the LP
leaves integral is fixed there, and the rest is left to a small MIP). Timefold
LARGE: its LP 1.4-1.8 s, 3,094 of 22,527 variables left free, the small MIP
0.34 s, at the optimum; the whole restriction took HiGHS 6.5-7.9 s.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp
from ortools.sat.python import cp_model
from scipy.optimize import Bounds, LinearConstraint, OptimizeResult, milp

from scheduler.clock import current_clock
from volunteers.bits import BoolArray
from volunteers.geo import FloatArray, IntArray

logger = logging.getLogger(__name__)

INT_LIMIT = 2**62
"""Domain ends beyond this are infinite."""


class UnsupportedError(ValueError):
    """The CP-SAT model holds a constraint the linear form does not translate."""


@dataclass(frozen=True)
class LinearForm:
    """A CP-SAT model as ``min cost @ z + offset`` s.t. ``lower <= A z <= upper``.

    Attributes
    ----------
    cost, offset
        Objective coefficients per CP-SAT variable (by proto index) and constant.
    matrix, lower, upper
        The constraint rows.
    var_lower, var_upper
        Variable bounds (every variable is integer).
    squares
        Per fairness square: the proto index of the square variable.
    tangent_rows
        Which rows are fairness tangents.
    """

    cost: FloatArray
    offset: float
    matrix: sp.csr_matrix
    lower: FloatArray
    upper: FloatArray
    var_lower: FloatArray
    var_upper: FloatArray
    squares: IntArray
    tangent_rows: np.ndarray

    def without_fairness(self) -> LinearForm:
        """The same program with the squares' cost and tangents left out."""
        cost = self.cost.copy()
        cost[self.squares] = 0.0
        keep = ~self.tangent_rows
        return replace(
            self,
            cost=cost,
            matrix=self.matrix[keep],
            lower=self.lower[keep],
            upper=self.upper[keep],
            tangent_rows=np.zeros(int(keep.sum()), dtype=bool),
        )

    def with_rows(self, rows: sp.csr_matrix, lower: FloatArray, upper: FloatArray) -> LinearForm:
        """The same program with more rows (over the same variables)."""
        return replace(
            self,
            matrix=sp.vstack([self.matrix, rows]).tocsr(),
            lower=np.concatenate((self.lower, lower)),
            upper=np.concatenate((self.upper, upper)),
            tangent_rows=np.concatenate((self.tangent_rows, np.zeros(rows.shape[0], dtype=bool))),
        )


@dataclass(frozen=True)
class MipAnswer:
    """What HiGHS returned.

    Attributes
    ----------
    values
        Every CP-SAT variable's value (rounded), or ``None`` without a solution.
    objective
        The program's value at ``values`` (``None`` without one).
    bound
        HiGHS' lower bound on the program (``None`` when it has none).
    optimal
        Whether the program was solved to optimality.
    infeasible
        Whether the program was proven infeasible.
    seconds
        Time spent in HiGHS.
    """

    values: FloatArray | None
    objective: float | None
    bound: float | None
    optimal: bool
    infeasible: bool
    seconds: float


class _Rows:
    """Sparse rows collected as coordinate lists."""

    def __init__(self) -> None:
        self.i: list[int] = []
        self.j: list[int] = []
        self.v: list[float] = []
        self.lo: list[float] = []
        self.hi: list[float] = []
        self.tangent: list[bool] = []

    def add(
        self, refs: list[int], coefs: list[float], lo: float, hi: float, tangent: bool = False
    ) -> None:
        """Add ``lo <= sum coefs * lit(refs) <= hi``; a negative ref is a negated literal."""
        r = len(self.lo)
        shift = 0.0
        for ref, c in zip(refs, coefs, strict=True):
            if ref < 0:  # c * (1 - x)
                shift += c
                c = -c
            self.i.append(r)
            self.j.append(_var(ref))
            self.v.append(c)
        self.lo.append(lo - shift)
        self.hi.append(hi - shift)
        self.tangent.append(tangent)


def _var(ref: int) -> int:
    """The variable of a proto literal reference (``-v - 1`` is ``not v``)."""
    return ref if ref >= 0 else -ref - 1


def _end(value: int) -> float:
    if value <= -INT_LIMIT:
        return -np.inf
    if value >= INT_LIMIT:
        return np.inf
    return float(value)


def linear_form(model: cp_model.CpModel) -> LinearForm:
    """Translate ``model`` (see the module docstring for what is supported).

    Raises
    ------
    UnsupportedError
        For a constraint type or an enforcement literal the form does not translate.
    """
    proto = model.proto
    domains = [list(v.domain) for v in proto.variables]
    nv = len(domains)
    var_lower = np.asarray([_end(d[0]) for d in domains])
    var_upper = np.asarray([_end(d[-1]) for d in domains])
    constraints = list(proto.constraints)
    # Indicators nothing reads (worked days without day rules) are left out.
    read = np.zeros(nv, dtype=bool)
    read[[_var(r) for r in proto.objective.vars]] = True
    for ct in constraints:
        if ct.has_linear():
            read[list(ct.linear.vars)] = True
        elif ct.has_int_prod():
            for e in ct.int_prod.exprs:
                read[list(e.vars)] = True
        elif ct.has_lin_max():
            for e in ct.lin_max.exprs:
                read[[_var(r) for r in e.vars]] = True
        else:
            for kind in ("bool_or", "at_most_one", "exactly_one"):
                if getattr(ct, "has_" + kind)():
                    lits = getattr(ct, kind).literals
                    read[[_var(r) for r in lits]] = True
    rows = _Rows()
    squares: list[int] = []
    for ct in constraints:
        if len(ct.enforcement_literal):
            raise UnsupportedError("a constraint with an enforcement literal")
        if ct.has_linear():
            d = list(ct.linear.domain)
            rows.add(
                list(ct.linear.vars), [float(c) for c in ct.linear.coeffs], _end(d[0]), _end(d[-1])
            )
        elif ct.has_bool_or():
            lits = list(ct.bool_or.literals)
            rows.add(lits, [1.0] * len(lits), 1.0, np.inf)
        elif ct.has_at_most_one():
            lits = list(ct.at_most_one.literals)
            rows.add(lits, [1.0] * len(lits), -np.inf, 1.0)
        elif ct.has_exactly_one():
            lits = list(ct.exactly_one.literals)
            rows.add(lits, [1.0] * len(lits), 1.0, 1.0)
        elif ct.has_lin_max():
            _lin_max(ct, rows, read, var_upper)
        elif ct.has_int_prod():
            squares.append(_square(ct, rows, var_lower, var_upper))
        else:
            raise UnsupportedError("a constraint the linear form does not translate")
    matrix = sp.csr_matrix(
        (np.asarray(rows.v), (np.asarray(rows.i, dtype=np.int64), np.asarray(rows.j))),
        shape=(len(rows.lo), nv),
    )
    cost = np.zeros(nv)
    offset = float(proto.objective.offset)
    for ref, c in zip(proto.objective.vars, proto.objective.coeffs, strict=True):
        if ref < 0:  # c * (1 - x)
            offset += c
            c = -c
        cost[_var(ref)] += c
    return LinearForm(
        cost=cost,
        offset=offset,
        matrix=matrix,
        lower=np.asarray(rows.lo),
        upper=np.asarray(rows.hi),
        var_lower=var_lower,
        var_upper=var_upper,
        squares=np.asarray(squares, dtype=np.int64),
        tangent_rows=np.asarray(rows.tangent, dtype=bool),
    )


def _literal(expr: object) -> int | None:
    """The literal (a proto ref) an expression is, or ``None``."""
    vars_ = list(expr.vars)  # type: ignore[attr-defined]
    coeffs = list(expr.coeffs)  # type: ignore[attr-defined]
    offset = int(expr.offset)  # type: ignore[attr-defined]
    if len(vars_) != 1:
        return None
    if coeffs[0] == 1 and offset == 0:
        return int(vars_[0])
    if coeffs[0] == -1 and offset == 1:
        return -int(vars_[0]) - 1
    return None


def _lin_max(ct: object, rows: _Rows, read: np.ndarray, var_upper: FloatArray) -> None:
    """``t = max(exprs)``: ``t >= e`` for each; ``t <= sum`` when all are literals."""
    lm = ct.lin_max  # type: ignore[attr-defined]
    target = lm.target
    if len(target.vars) != 1 or target.coeffs[0] != 1 or target.offset != 0:
        raise UnsupportedError("a maximum whose target is not a variable")
    t = int(target.vars[0])
    if not read[t]:
        return
    literals: list[int] = []
    for e in lm.exprs:
        refs = [t, *e.vars]
        coefs = [1.0, *[-float(c) for c in e.coeffs]]
        rows.add(refs, coefs, float(e.offset), np.inf)
        lit = _literal(e)
        if lit is not None:
            literals.append(lit)
    if len(literals) == len(lm.exprs) and var_upper[t] <= 1:
        rows.add([t, *literals], [1.0] + [-1.0] * len(literals), -np.inf, 0.0)


def _square(ct: object, rows: _Rows, var_lower: FloatArray, var_upper: FloatArray) -> int:
    """``q = u * u`` as tangents at every integer of ``u``'s range; returns ``q``'s index."""
    prod = ct.int_prod  # type: ignore[attr-defined]
    exprs = list(prod.exprs)
    target = prod.target
    ok = (
        len(exprs) == 2
        and len(target.vars) == 1
        and target.coeffs[0] == 1
        and target.offset == 0
        and all(len(e.vars) == 1 and e.coeffs[0] == 1 and e.offset == 0 for e in exprs)
        and exprs[0].vars[0] == exprs[1].vars[0]
    )
    if not ok:
        raise UnsupportedError("a product that is not a variable's square")
    q, u = int(target.vars[0]), int(exprs[0].vars[0])
    lo, hi = int(var_lower[u]), int(var_upper[u])
    if lo < 0 or hi - lo > MAX_TANGENTS:
        raise UnsupportedError("a square over too wide a range")
    for k in range(lo, hi + 1):
        rows.add([q, u], [1.0, -2.0 * k], -float(k * k), np.inf, tangent=True)
    return q


MIN_SECONDS = 0.05
"""Least time worth giving HiGHS: with less, :func:`solve_mip` returns no answer."""

MAX_TANGENTS = 2_000
"""Widest range of a squared variable translated (one tangent row per integer)."""


def balanced_loads(n: int, total: int) -> tuple[int, int, int]:
    """Loads within one of the mean, and the least sum of squares.

    Over ``n`` loads summing to ``total``, the sum of squares is least when
    ``total mod n`` loads are ``ceil(total / n)`` and the others ``floor``.
    Returns the lowest and highest such load and that least sum.
    """
    low, extra = divmod(total, n)
    high = low + (1 if extra else 0)
    return low, high, extra * (low + 1) ** 2 + (n - extra) * low**2


def solve_rens(form: LinearForm, seconds: float, decisions: IntArray) -> MipAnswer:
    """Search ``form`` near its linear relaxation (RENS) within ``seconds``.

    The LP is solved; every variable of ``decisions`` (indices into ``form``'s
    variables) it leaves integral is fixed to that value, and HiGHS solves what
    is left as a MIP. Only decisions are fixed: a variable that only prices
    them (a shortfall, a square's tangent value) fixed at its LP value would
    overstate the cost of the roster around it. A restriction: its solution is a
    solution of ``form``, its bound is not a bound of ``form`` (``bound`` is
    ``None``), and it may be infeasible when ``form`` is not
    (``infeasible`` then says nothing of ``form``: it is ``False``).
    """
    began = time.perf_counter()
    clock = current_clock()
    reading = clock.now()
    n = len(form.cost)
    if seconds < MIN_SECONDS or n == 0 or not len(form.lower):
        return MipAnswer(None, None, None, False, False, 0.0)
    lp = _highs(form, seconds, integral=False)
    if lp.status != 0 or lp.x is None:
        return MipAnswer(None, None, None, False, False, time.perf_counter() - began)
    x = np.asarray(lp.x)
    settled = np.zeros(n, dtype=bool)
    settled[decisions] = np.abs(x[decisions] - np.rint(x[decisions])) <= RENS_INTEGRAL
    lower = np.where(settled, np.rint(x), form.var_lower)
    upper = np.where(settled, np.rint(x), form.var_upper)
    left = seconds - (clock.now() - reading)
    sub = solve_mip(replace(form, var_lower=lower, var_upper=upper), left)
    logger.debug(
        "RENS: %d of %d variables left by the LP, objective %s, in %.2f s",
        int(n - settled.sum()),
        n,
        sub.objective,
        time.perf_counter() - began,
    )
    return MipAnswer(sub.values, sub.objective, None, False, False, time.perf_counter() - began)


RENS_INTEGRAL = 1e-6
"""How near an integer an LP value is fixed to it by :func:`solve_rens`."""


def solve_mip(
    form: LinearForm,
    seconds: float,
    *,
    relax: bool = False,
    continuous: BoolArray | None = None,
) -> MipAnswer:
    """Solve ``form`` with HiGHS (``scipy.optimize.milp``) within ``seconds``.

    With ``relax``, the linear relaxation only (its value is then ``bound``).
    ``continuous`` marks variables left continuous (slacks whose optimum is
    integral anyway: branching on them only slows HiGHS down). A time limit
    returns the best solution found, if any.
    """
    began = time.perf_counter()
    n = len(form.cost)
    if seconds < MIN_SECONDS:
        return MipAnswer(None, None, None, False, False, 0.0)
    if n == 0:  # nothing to decide (HiGHS wants a variable)
        feasible = bool(np.all(form.lower <= 0.0) and np.all(form.upper >= 0.0))
        if not feasible:
            return MipAnswer(None, None, None, False, True, 0.0)
        value = form.offset
        return MipAnswer(
            None if relax else np.zeros(0), None if relax else value, value, True, False, 0.0
        )
    res = _highs(form, seconds, integral=not relax, continuous=continuous)
    took = time.perf_counter() - began
    infeasible = res.status == 2
    if res.x is None:
        return MipAnswer(None, None, None, False, infeasible, took)
    optimal = res.status == 0
    if relax:
        value = float(res.fun) + form.offset
        return MipAnswer(None, None, value if optimal else None, optimal, False, took)
    values = np.rint(np.asarray(res.x))
    objective = float(form.cost @ values) + form.offset
    dual = getattr(res, "mip_dual_bound", None)
    bound = None if dual is None or not np.isfinite(dual) else float(dual) + form.offset
    logger.debug(
        "MIP: %s in %.2f s, objective %.2f, bound %s",
        res.message,
        took,
        objective,
        None if bound is None else round(bound, 2),
    )
    return MipAnswer(values, objective, bound, optimal, False, took)


def _highs(
    form: LinearForm, seconds: float, *, integral: bool, continuous: BoolArray | None = None
) -> OptimizeResult:
    """HiGHS (``scipy.optimize.milp``) on ``form``.

    Every variable is integral (but those ``continuous`` marks), or none is.

    On a clock counting work (:mod:`scheduler.clock`) HiGHS is limited by
    branch-and-bound nodes, the wall-clock cap its time limit, and the solve is
    counted by its nodes.
    """
    rows = [LinearConstraint(form.matrix, form.lower, form.upper)] if len(form.lower) else []
    clock = current_clock()
    nonzeros = int(form.matrix.nnz)
    limit = max(MIN_SECONDS, clock.wall_left()) if clock.counting else seconds
    nodes = clock.highs_nodes(seconds, nonzeros) if integral else None
    integrality = np.full(len(form.cost), 1 if integral else 0, dtype=np.int64)
    if continuous is not None:
        integrality[continuous] = 0
    res = milp(
        form.cost,
        constraints=rows,
        integrality=integrality,
        bounds=Bounds(form.var_lower, form.var_upper),
        options={"time_limit": limit, "disp": False}
        if nodes is None
        else {"time_limit": limit, "disp": False, "node_limit": nodes},
    )
    clock.charge_highs(int(getattr(res, "mip_node_count", 0) or 0), nonzeros)
    return res
