"""Tiered collateral ratios: the loop kernel, the registry function and the integral agree.

The collateral loop values each account's collateral with tax-bracket ratios
(docs/collateral.md): the compiled :func:`liqcascade.collateral._kernels.
tiered_value_kernel` and :func:`liqcascade.collateral._registry.tiered_value` (which
the loop's twin uses) were compared only through the whole loop. Here directly, on
random schedules and values, against the definition ``∫_0^V ratio(x) dx`` evaluated
bracket by bracket, with the invariants: 0 <= value counted <= V, non-decreasing in V,
each extra dollar counted at its bracket's ratio.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from floats import same_value
from liqcascade.collateral._kernels import tiered_value_kernel
from liqcascade.collateral._registry import TierSchedule, tiered_value
from profiles import examples


@st.composite
def schedules(draw: st.DrawFn) -> TierSchedule:
    k = draw(st.integers(1, 6))
    gaps = draw(st.lists(st.floats(1e3, 1e7), min_size=k, max_size=k))
    bounds = list(np.cumsum(gaps))
    if draw(st.booleans()):
        bounds[-1] = math.inf
    ratios = draw(st.lists(st.floats(0.0, 1.0), min_size=k, max_size=k))
    return TierSchedule(tuple(float(b) for b in bounds), tuple(ratios))


def integral_py(v: float, t: TierSchedule) -> float:
    """``∫_0^v ratio(x) dx`` with ``ratio`` the bracket's ratio (0 past the last bound)."""
    out, lo = 0.0, 0.0
    for hi, r in zip(t.bounds, t.ratios, strict=True):
        width = max(0.0, min(v, hi) - lo)
        out += r * width
        lo = hi
    return out


def _ratio_at(x: float, t: TierSchedule) -> float:
    for hi, r in zip(t.bounds, t.ratios, strict=True):
        if x < hi:
            return r
    return 0.0


@settings(max_examples=examples(150), deadline=None)
@given(t=schedules(), v=st.floats(0.0, 6e7), dv=st.floats(1.0, 1e5))
def test_kernel_registry_and_integral_agree(t: TierSchedule, v: float, dv: float) -> None:
    hi = np.asarray(t.bounds, dtype=np.float64)
    ratio = np.asarray(t.ratios, dtype=np.float64)
    got = tiered_value_kernel(v, hi, ratio)
    want = integral_py(v, t)
    assert same_value(got, want, rtol=1e-12, atol=1e-9)
    assert same_value(tiered_value(v, t), want, rtol=1e-12, atol=1e-9)
    assert -1e-9 <= got <= v * max(t.ratios) + 1e-9
    # one more step: counted at the ratios of the brackets it crosses, never less than 0
    up = tiered_value_kernel(v + dv, hi, ratio)
    assert up >= got - 1e-9
    if _ratio_at(v, t) == _ratio_at(v + dv, t) and not any(v < b < v + dv for b in t.bounds):
        assert same_value(up - got, _ratio_at(v, t) * dv, rtol=1e-6, atol=1e-6)
