"""The map's peak finder against scipy.signal.find_peaks / peak_widths (golden software)."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from scipy.signal import find_peaks as sp_find_peaks

from liqcascade.positions._maps import find_peaks


@given(
    vals=st.lists(st.integers(0, 6), min_size=0, max_size=60),
    scale=st.floats(0.5, 1e6),
    rel=st.sampled_from([0.0, 0.05, 0.1, 0.3, 0.8]),
)
def test_find_peaks_equals_scipy(vals: list[int], scale: float, rel: float) -> None:
    # small integer levels: many plateaus and ties, the hard cases
    x = np.asarray(vals, dtype=np.float64) * scale
    top = float(x.max()) if x.size else 0.0
    thr = rel * top
    peaks, proms, lefts, rights = find_peaks(x, thr, 0.5)
    if x.size < 3:
        assert peaks == []
        return
    sp, props = sp_find_peaks(x, prominence=thr, width=0, rel_height=0.5)
    assert peaks == sp.tolist()
    np.testing.assert_allclose(proms, props["prominences"], rtol=1e-12)
    np.testing.assert_allclose(lefts, props["left_ips"], rtol=1e-12)
    np.testing.assert_allclose(rights, props["right_ips"], rtol=1e-12)


@given(st.lists(st.floats(0.0, 1e9), min_size=3, max_size=120), st.floats(0.0, 0.5))
def test_find_peaks_equals_scipy_real_valued(vals: list[float], rel: float) -> None:
    x = np.asarray(vals)
    thr = rel * float(x.max())
    peaks, proms, lefts, rights = find_peaks(x, thr, 0.5)
    sp, props = sp_find_peaks(x, prominence=thr, width=0, rel_height=0.5)
    assert peaks == sp.tolist()
    np.testing.assert_allclose(proms, props["prominences"], rtol=1e-12)
    np.testing.assert_allclose(lefts, props["left_ips"], rtol=1e-9)
    np.testing.assert_allclose(rights, props["right_ips"], rtol=1e-9)
