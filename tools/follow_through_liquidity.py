"""The calibrated model's follow-through after a 5 % fall on every date, beside history.

For each asset and each day of the bundled period (2024-11-23 -> 2025-07-31, at 20:00
UTC), the calibrated cascade (the calibration fitted before that date) after a −5 %
shock, 400 paths; history: every real 4-hour fall of ≥ 5 % in the bundled hourly
prices (``liqcascade.cascade.follow_through``). Prints one JSON line per asset::

    PYTHONPATH=src python tools/follow_through_liquidity.py ETH BTC
"""

from __future__ import annotations

import json
import sys

import pandas as pd

from liqcascade._cli.cascade_backtest import bundled_inputs
from liqcascade.cascade import follow_through, load_liquidity, model_follow_through
from liqcascade.cascade._backtest import ewma_sigma, standardised_residuals


def main(assets: list[str]) -> None:
    for asset in assets:
        ohlc, _, market_at = bundled_inputs(asset)
        sig = ewma_sigma(ohlc)
        resid = standardised_residuals(ohlc)
        days = pd.date_range("2024-11-23 20:00", "2025-07-31 20:00", freq="D", tz="UTC")
        markets = []
        for ts in days:
            k = int(ohlc.index.searchsorted(ts, side="right"))  # bar opening at ts
            mid = float(ohlc["close"].iloc[k - 2])  # the close at ts
            markets.append((ts, market_at(ts, mid), float(sig.iloc[k - 1]), resid[: k - 1]))
        hist = follow_through(ohlc, drop=-0.05)
        mft = model_follow_through(
            markets, hist, calibration_at=lambda t, a=asset: load_liquidity(a, t)
        )
        out = {"asset": asset, **mft.summary()}
        d = mft.dates
        out["model_total_median_p10_p90_across_dates"] = [
            float(d["total_median"].quantile(0.1)),
            float(d["total_median"].quantile(0.9)),
        ]
        inside = hist.events[(hist.events["ts"] >= days[0]) & (hist.events["ts"] <= days[-1])]
        out["history_in_period_n"] = len(inside)
        out["history_in_period_total_median"] = (
            float(inside["total"].median()) if len(inside) else None
        )
        print(json.dumps(out))


if __name__ == "__main__":
    main([a.upper() for a in (sys.argv[1:] or ["ETH", "BTC"])])
