"""The calibrated model's follow-through beside history (issue 18 item 5)."""

from __future__ import annotations

import pandas as pd

from liqcascade._cli.cascade_backtest import bundled_inputs
from liqcascade.cascade import follow_through, load_liquidity, model_follow_through
from liqcascade.cascade._backtest import ewma_sigma, standardised_residuals


def test_model_follow_through_on_a_few_dates() -> None:
    ohlc, _, market_at = bundled_inputs("ETH")
    sig = ewma_sigma(ohlc)
    resid = standardised_residuals(ohlc)
    rows = []
    for day in ("2025-02-01", "2025-04-07", "2025-06-15"):
        ts = pd.Timestamp(day + " 20:00", tz="UTC")
        k = int(ohlc.index.searchsorted(ts, side="right"))
        mid = float(ohlc["close"].iloc[k - 2])
        rows.append((ts, market_at(ts, mid), float(sig.iloc[k - 1]), resid[: k - 1]))
    hist = follow_through(ohlc, drop=-0.05)
    m = model_follow_through(
        rows, hist, calibration_at=lambda t: load_liquidity("ETH", t), n_paths=120
    )
    s = m.summary()
    assert s["n_dates"] == 3
    assert s["history_n_episodes"] == hist.n
    assert s["history_total_median"] == float(hist.events["total"].median())
    d = m.dates
    # every path falls at least by the shock; the interval holds the median
    assert (d["total_p90"] <= -0.05 + 1e-12).all()
    assert ((d["total_p10"] <= d["total_median"]) & (d["total_median"] <= d["total_p90"])).all()
    assert ((d["share_beyond"] >= 0) & (d["share_beyond"] <= 1)).all()
    assert isinstance(s["median_within_2pp"], bool)
