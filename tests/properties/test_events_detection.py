"""Properties of support detection: determinism, no look-ahead, test/zone consistency."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from liqcascade.events import SupportParams, detect_support
from liqcascade.events._kernels import scan_zones, scan_zones_py


@st.composite
def series_and_params(draw: st.DrawFn) -> tuple[pd.DataFrame, SupportParams]:
    n = draw(st.integers(20, 160))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    steps = rng.normal(0, draw(st.sampled_from([0.01, 0.03, 0.06])), n)
    close = 100 * np.exp(np.cumsum(steps))
    low = close * np.exp(-np.abs(rng.normal(0, 0.02, n)))
    low = np.round(low, draw(st.sampled_from([0, 1, 2])))  # ties in lows
    low = np.minimum(np.maximum(low, 1e-3), close)
    idx = pd.date_range("2023-01-01", periods=n, freq="D", tz="UTC", name="ts")
    df = pd.DataFrame({"low": low, "close": close, "volume": rng.uniform(1, 5, n)}, index=idx)
    p = SupportParams(
        pivot=draw(st.integers(1, 6)),
        zone_tol=draw(st.sampled_from([0.0, 0.01, 0.03])),
        band=draw(st.sampled_from([0.0, 0.005, 0.02])),
        break_tol=draw(st.sampled_from([0.0, 0.01, 0.03])),
        min_away=draw(st.integers(0, 5)),
        max_age=draw(st.integers(1, 60)),
        volume_weighted=draw(st.booleans()),
    )
    return df, p


@given(series_and_params())
def test_deterministic(case: tuple[pd.DataFrame, SupportParams]) -> None:
    df, p = case
    a = detect_support(df, p)
    b = detect_support(df.copy(), p)
    pd.testing.assert_frame_equal(a.tests, b.tests)
    pd.testing.assert_frame_equal(a.zones, b.zones)


@given(series_and_params())
def test_no_test_precedes_its_zone_confirmation(case: tuple[pd.DataFrame, SupportParams]) -> None:
    df, p = case
    d = detect_support(df, p)
    idx = df.index
    for t in d.tests.itertuples():
        z = d.zones.iloc[t.zone]
        assert idx.get_loc(z.confirmed_ts) == idx.get_loc(z.pivot_ts) + p.pivot
        assert t.bar > idx.get_loc(z.confirmed_ts)  # tested only after confirmation
        assert pd.isna(z.end_ts) or t.ts <= z.end_ts
        assert t.low <= t.zone_price * (1 + p.band)
    # n-th test numbering runs 1, 2, … within each zone
    for _, g in d.tests.groupby("zone"):
        assert g["nth"].tolist() == list(range(1, len(g) + 1))
    # a broken zone ends on a close below its break line
    for z in d.zones[d.zones["end"] == "broken"].itertuples():
        assert df["close"].loc[z.end_ts] < z.price * (1 - p.break_tol)


@given(series_and_params(), st.floats(0.3, 0.95))
def test_prefix_invariance_no_look_ahead(
    case: tuple[pd.DataFrame, SupportParams], frac: float
) -> None:
    """Tests found on the first m bars are exactly the full run's tests before bar m."""
    df, p = case
    m = max(2, int(len(df) * frac))
    full = detect_support(df, p).tests
    part = detect_support(df.iloc[:m], p).tests
    pd.testing.assert_frame_equal(
        full[full["bar"] < m].reset_index(drop=True), part.reset_index(drop=True)
    )


@given(series_and_params())
def test_kernel_equals_twin(case: tuple[pd.DataFrame, SupportParams]) -> None:
    df, p = case
    from liqcascade.events._kernels import find_pivots_py

    low = df["low"].to_numpy()
    close = df["close"].to_numpy()
    piv = find_pivots_py(low, p.pivot)
    args = (
        low,
        close,
        piv + p.pivot,
        piv,
        low[piv],
        np.ones(len(piv)),
        p.band,
        p.zone_tol,
        p.break_tol,
        p.min_away,
        p.max_age,
        True,
    )
    for x, y in zip(scan_zones(*args), scan_zones_py(*args), strict=True):
        np.testing.assert_allclose(np.asarray(x, float), np.asarray(y, float))
