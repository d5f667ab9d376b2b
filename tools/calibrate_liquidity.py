"""Calibrate the liquidity response per asset on the bundled events (expanding window).

Writes ``src/liqcascade/cascade/calibrated/<ASSET>.json``: one calibration per month
start from 2024-11-01 to 2025-08-01, each fitted only on the events whose 24 hours
ended before it (the first is the prior). Run from the repository root::

    PYTHONPATH=src python tools/calibrate_liquidity.py ETH BTC

``--backtest-only`` keeps the shipped calibrations and re-runs only the out-of-sample
event back-test stored beside them (after a change to the predictions, not the fit).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pandas as pd

from liqcascade._cli.cascade_backtest import bundled_inputs
from liqcascade.cascade._backtest import (
    DEFAULT_TRIGGERS,
    PRIOR_PARAMS,
    calibrate_liquidity,
    detect_events,
    grid_errors,
    pooled_events,
    run_backtest,
    standardised_residuals,
)
from liqcascade.cascade._clock import _load_file, load_liquidity

OUT = Path(__file__).resolve().parents[1] / "src" / "liqcascade" / "cascade" / "calibrated"


def main(assets: list[str]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for asset in assets:
        t0 = time.time()
        ohlc, liq, market_at = bundled_inputs(asset)
        f = DEFAULT_TRIGGERS[asset]
        all_ev = detect_events(ohlc, f, None, "2025-07-31")
        ev = all_ev[all_ev["ts"] >= pd.Timestamp("2024-11-01", tz="UTC")].reset_index(drop=True)
        markets = [
            market_at(pd.Timestamp(t), float(c))
            for t, c in zip(ev["ts"], ev["prev_close"], strict=True)
        ]
        pool = pooled_events(ohlc, f, "2025-07-31")
        err = grid_errors(ev, markets, pool, standardised_residuals(ohlc))
        as_ofs = pd.date_range("2024-11-01", "2025-08-01", freq="MS", tz="UTC")
        cals = [calibrate_liquidity(err, ev, pool, asset=asset, as_of=a) for a in as_ofs]
        doc = {
            "asset": asset,
            "trigger": f,
            "method": (
                "grid search of latent_depth x resilience_half_life_s minimising the MAE of "
                "the median 24-h extreme move on trigger-defined events whose 24 h ended "
                "before as_of; draws: 12 bootstrap resamples of those events; other "
                "mechanisms fixed at PRIOR_PARAMS; volatility rule (k, b, shock weight, "
                "regime dispersion) fitted on the price-only events of the trigger, 3 % "
                "and 5 % before as_of (docs/liquidity.md)"
            ),
            "prior": PRIOR_PARAMS.to_dict(),
            "calibrations": [c.to_dict() for c in cals],
        }
        (OUT / f"{asset}.json").write_text(json.dumps(doc, indent=1) + "\n")
        _write_backtest(asset, doc, ohlc, liq, market_at)
        for c in cals:
            print(
                asset,
                c.as_of,
                c.n_events,
                c.params.latent_depth,
                c.params.resilience_half_life_s,
                c.vol_multiplier,
                c.vol_exponent,
                c.shock_weight,
                c.vol_dispersion,
                c.note,
            )
        print(asset, f"{time.time() - t0:.0f} s")


def _write_backtest(asset: str, doc: dict, ohlc: object, liq: object, market_at: object) -> None:
    """Store the out-of-sample event back-test beside the calibrations (same file)."""
    # the out-of-sample score the market answers print: the event back-test over the
    # bundled period, each event predicted by the calibration before it
    _load_file.cache_clear()
    bt = run_backtest(
        ohlc, liq, market_at, lambda t, a=asset: load_liquidity(a, t),
        asset=asset, start="2024-11-01", end="2025-07-31",
    )  # fmt: skip
    doc["backtest"] = {"start": bt.start, "end": bt.end, "n_events": bt.n_events,
                       **bt.to_dict()["metrics"]}  # fmt: skip
    (OUT / f"{asset}.json").write_text(json.dumps(doc, indent=1) + "\n")
    print(asset, doc["backtest"])


def backtest_only(assets: list[str]) -> None:
    """Re-run the stored back-test with the shipped calibrations unchanged."""
    for asset in assets:
        path = OUT / f"{asset}.json"
        doc = json.loads(path.read_text())
        ohlc, liq, market_at = bundled_inputs(asset)
        _write_backtest(asset, doc, ohlc, liq, market_at)


if __name__ == "__main__":
    if {"-h", "--help"} & set(sys.argv[1:]):
        print("usage: calibrate_liquidity.py [--backtest-only] [ETH] [BTC]")
        sys.exit(0)
    args = [a for a in sys.argv[1:] if a != "--backtest-only"]
    if bad := [a for a in args if a.startswith("-")]:
        sys.exit(f"error: unknown option {bad[0]}")
    assets = [a.upper() for a in (args or ["ETH", "BTC"])]
    backtest_only(assets) if "--backtest-only" in sys.argv else main(assets)
