"""Comparing computed numbers in tests: the project's one rule.

Floating-point results differ in the last bits across CPUs, compilers and BLAS builds
(sums reordered, fused multiply-adds, another libm). A test that compares *computed*
floats with ``==`` passes on the machine that wrote it and fails on a user's. So:

- computed floats are compared with a stated tolerance (``assert_same`` below, or
  ``pytest.approx`` / ``np.testing.assert_allclose`` with the tolerance the maths allows);
- bit equality is kept for integers, booleans, values read from files or tables, values
  rounded by design, and the same computation run twice on one machine: in one process,
  or split over worker processes or forked lanes that run the same code on the same
  inputs (the test is that splitting the work changes nothing; it holds as long as no
  reduction runs in parallel — the kernels parallelise over paths only).

See CONTRIBUTING.md.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: Relative tolerance for "the same computation by another route" (kernel vs. its
#: plain-Python twin, a figure recomputed from scratch vs. the shipped one).
RTOL = 1e-12
#: Absolute floor, for values that should be zero but come out as -1e-17.
ATOL = 1e-9


def assert_same(actual: Any, expected: Any, *, rtol: float = RTOL, atol: float = ATOL) -> None:
    """Assert two arrays (or scalars) hold the same values.

    Floating-point arrays are compared within ``rtol``/``atol`` (NaN equals NaN);
    integers, booleans and anything else must be equal exactly.
    """
    a, b = np.asarray(actual), np.asarray(expected)
    if np.issubdtype(a.dtype, np.floating) or np.issubdtype(b.dtype, np.floating):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, equal_nan=True)
    else:
        np.testing.assert_array_equal(a, b)


def same_value(actual: Any, expected: Any, *, rtol: float = RTOL, atol: float = ATOL) -> bool:
    """True when two scalars are equal (non-floats) or close (floats)."""
    if isinstance(actual, float) or isinstance(expected, float):
        if np.isnan(actual) and np.isnan(expected):
            return True
        return bool(abs(actual - expected) <= atol + rtol * abs(expected))
    return bool(actual == expected)
