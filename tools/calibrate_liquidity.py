"""Refit the shipped liquidity calibrations on the bundled data (a thin wrapper).

The procedure lives in the package (:mod:`liqcascade.cascade._calibrate`, the command
``liqcascade cascade calibrate``, which writes beside a store). This script runs it on
the bundled data only and writes ``src/liqcascade/cascade/calibrated/<ASSET>.json``::

    PYTHONPATH=src python tools/calibrate_liquidity.py ETH BTC

``--backtest-only`` keeps the shipped calibrations and re-runs only the out-of-sample
event back-test stored beside them (after a change to the predictions, not the fit).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from liqcascade._cli.cascade_backtest import bundled_inputs
from liqcascade.cascade._backtest import run_backtest
from liqcascade.cascade._calibrate import backtest_record, fit_liquidity_document
from liqcascade.cascade._clock import load_liquidity

OUT = Path(__file__).resolve().parents[1] / "src" / "liqcascade" / "cascade" / "calibrated"


def main(assets: list[str]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for asset in assets:
        t0 = time.time()
        ohlc, liq, market_at = bundled_inputs(asset)
        doc = fit_liquidity_document(ohlc, liq, market_at, asset=asset, progress=print)
        (OUT / f"{asset}.json").write_text(json.dumps(doc, indent=1) + "\n")
        print(asset, doc.get("backtest"), f"{time.time() - t0:.0f} s")


def backtest_only(assets: list[str]) -> None:
    """Re-run the stored back-test with the shipped calibrations unchanged."""
    for asset in assets:
        path = OUT / f"{asset}.json"
        doc = json.loads(path.read_text())
        ohlc, liq, market_at = bundled_inputs(asset)
        old = doc["backtest"]  # the same window: the fitted months
        bt = run_backtest(
            ohlc, liq, market_at, lambda t, a=asset: load_liquidity(a, t, False),
            asset=asset, start=old["start"], end=old["end"], trigger=float(doc["trigger"]),
        )  # fmt: skip
        doc["backtest"] = backtest_record(bt)
        path.write_text(json.dumps(doc, indent=1) + "\n")
        print(asset, {k: v for k, v in doc["backtest"].items() if k != "per_event"})


if __name__ == "__main__":
    if {"-h", "--help"} & set(sys.argv[1:]):
        print("usage: calibrate_liquidity.py [--backtest-only] [ETH] [BTC]")
        sys.exit(0)
    args = [a for a in sys.argv[1:] if a != "--backtest-only"]
    if bad := [a for a in args if a.startswith("-")]:
        sys.exit(f"error: unknown option {bad[0]}")
    assets = [a.upper() for a in (args or ["ETH", "BTC"])]
    backtest_only(assets) if "--backtest-only" in sys.argv else main(assets)
