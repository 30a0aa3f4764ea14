"""Tests for volunteers.memo: derived values that never affect equality."""

from __future__ import annotations

import numpy as np

from volunteers import MatrixTravel
from volunteers.memo import Memo, store, stored


def test_memo_holders_compare_equal() -> None:
    """Any two holders are equal; a holder is not equal to a plain dict."""
    assert Memo(a=np.zeros(3)) == Memo()
    assert Memo() != {}


def test_models_with_computed_caches_compare_by_fields() -> None:
    """Matrices compare equal once both computed their arrays; unequal when fields differ."""
    a = MatrixTravel.from_arrays([[0, 0], [0, 1]], [[0, 5], [5, 0]])
    b = MatrixTravel.from_arrays([[0, 0], [0, 1]], [[0, 5], [5, 0]])
    c = MatrixTravel.from_arrays([[0, 0], [0, 1]], [[0, 6], [5, 0]])
    for m in (a, b, c):
        m.matrix_minutes([[0, 0]], [[0, 1]])
    assert a == b
    assert a != c


def test_stored_values_come_back_and_stay_out_of_equality() -> None:
    """A stored value is read back by name; it stays out of the model's equality.

    An absent name gives ``None``.
    """
    a = MatrixTravel.from_arrays([[0, 0], [0, 1]], [[0, 5], [5, 0]])
    b = MatrixTravel.from_arrays([[0, 0], [0, 1]], [[0, 5], [5, 0]])
    assert stored(a, "x") is None
    store(a, "x", np.arange(3))
    assert np.array_equal(stored(a, "x"), np.arange(3))
    assert stored(a, "y") is None
    assert a == b
