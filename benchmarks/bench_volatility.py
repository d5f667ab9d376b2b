"""Fit timings of liqcascade.volatility on the bundled ETH data (arch does the work)."""

from __future__ import annotations

from benchmarks._scale import scaled
from benchmarks._timing import best_of
from liqcascade import datasets
from liqcascade.volatility import fit_volatility, leverage_by_period, log_returns


def run() -> list[dict]:
    close_d = datasets.load_ohlcv("ETH", "1d", scaled(None, "2023-01-01"))["close"]
    close_h = datasets.load_ohlcv("ETH", "1h", scaled(None, "2025-05-01"))["close"]
    r_d, r_h = log_returns(close_d), log_returns(close_h)
    rows = []
    for model in ("garch", "gjr", "egarch"):
        rows.append(
            {
                "name": f"fit {model}-t ETH daily ({len(r_d):,} returns)",
                "seconds": best_of(lambda m=model: fit_volatility(r_d, m, "t"), 3),
                "notes": "arch MLE incl. robust covariance; diagnostics not included",
            }
        )
    rows.append(
        {
            "name": f"fit gjr-t ETH hourly ({len(r_h):,} returns)",
            "seconds": best_of(lambda: fit_volatility(r_h, "gjr", "t", interval="1h"), 2),
            "notes": "one fit of the whole hourly history",
        }
    )
    rows.append(
        {
            "name": "leverage by period, ETH daily, gjr+egarch (22 fits)",
            "seconds": best_of(lambda: leverage_by_period(close_d, models=("gjr", "egarch")), 2),
            "target_seconds": 30.0,
            "notes": "what `liqcascade vol --by-period` and the report section run",
        }
    )
    return rows
