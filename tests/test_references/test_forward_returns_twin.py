"""The support study's forward log returns: kernel, plain-Python twin and pandas agree.

:func:`liqcascade.events._kernels.forward_log_returns` gives every horizon of the
support study (docs/events.md); it was compared with its twin on one hand-made series
only. Here on random series, event bars (unsorted, repeated, near the end) and
horizons, against the twin and against ``log(close.shift(-h) / close)``, and the
returns telescope: ``r_{h1+h2}(t) = r_{h1}(t) + r_{h2}(t + h1)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from floats import assert_same
from liqcascade.events._kernels import forward_log_returns, forward_log_returns_py


@pytest.mark.parametrize("seed", range(10))
def test_kernel_twin_and_pandas_agree_on_random_series(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(30):
        n = int(rng.integers(1, 300))
        close = 1000.0 * np.exp(np.cumsum(rng.normal(0, 0.04, n)))
        bars = rng.integers(0, n, int(rng.integers(0, 40))).astype(np.int64)
        h = int(rng.integers(1, n + 6))
        got = forward_log_returns(close, bars, h)
        assert_same(got, forward_log_returns_py(close, bars, h), rtol=1e-12)
        want = np.log(pd.Series(close).shift(-h) / pd.Series(close)).to_numpy()[bars]
        assert_same(got, want, rtol=1e-12)
        assert bool(np.all(np.isnan(got) == (bars + h >= n)))


@pytest.mark.parametrize("seed", range(5))
def test_forward_returns_telescope(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    n = 400
    close = 50.0 * np.exp(np.cumsum(rng.normal(0, 0.03, n)))
    bars = rng.integers(0, n, 60).astype(np.int64)
    h1, h2 = int(rng.integers(1, 30)), int(rng.integers(1, 30))
    whole = forward_log_returns(close, bars, h1 + h2)
    split = forward_log_returns(close, bars, h1) + forward_log_returns(
        close, np.minimum(bars + h1, n - 1), h2
    )
    ok = bars + h1 + h2 < n
    assert_same(whole[ok], split[ok], rtol=1e-9, atol=1e-12)
    assert bool(np.all(np.isnan(whole[~ok])))
