"""Refit the shipped liquidity calibrations on the bundled data (a thin wrapper).

The procedure lives in the package (:mod:`liqcascade.cascade._calibrate`, the command
``liqcascade cascade calibrate``, which writes beside a store). This script runs it on
the bundled data only and writes ``src/liqcascade/cascade/calibrated/<ASSET>.json``::

    PYTHONPATH=src python tools/calibrate_liquidity.py ETH BTC

``--backtest-only`` keeps the shipped calibrations and re-runs only the out-of-sample
event back-test stored beside them (after a change to the predictions, not the fit).
``--rule-events-only`` stores, beside each month's volatility rule, the events it was
fitted on (after checking the rule is their refit), so the back-test reads the rule.
``--follow-through-only`` keeps the calibrations and the back-test and re-runs only
the stored follow-through (the calibrated cascade after −5 % on every date of the
back-test's period, each with the calibration fitted before it: the rows the report
reads), after a change to the cascade or a refit of the calibrations::

    PYTHONPATH=src python tools/calibrate_liquidity.py --follow-through-only ETH BTC
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from liqcascade._cli.cascade_backtest import bundled_inputs
from liqcascade.cascade import load_liquidity, run_backtest
from liqcascade.cascade._calibrate import (
    backtest_record,
    fit_liquidity_document,
    follow_through_of,
)

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


def follow_through_only(assets: list[str]) -> None:
    """Re-run the stored follow-through with the shipped calibrations and back-test unchanged.

    The period is the stored back-test's (the fitted months), as a full refit stores it.
    """
    for asset in assets:
        t0 = time.time()
        path = OUT / f"{asset}.json"
        doc = json.loads(path.read_text())
        ohlc, _liq, market_at = bundled_inputs(asset)
        old = doc["backtest"]
        rec = follow_through_of(
            ohlc, market_at, lambda t, a=asset: load_liquidity(a, t, False), asset=asset,
            start=old["start"], end=old["end"], progress=print,
        )  # fmt: skip
        doc.pop("follow_through", None)
        if rec is not None:
            doc["follow_through"] = rec
        path.write_text(json.dumps(doc, indent=1) + "\n")
        print(asset, {k: v for k, v in (rec or {}).items() if k != "dates"},
              f"{time.time() - t0:.0f} s")  # fmt: skip


def rule_events_only(assets: list[str]) -> None:
    """Store each shipped calibration's ``rule_events`` (the events its rule was fitted on).

    Refits every month's volatility rule on the bundled events first and refuses to
    write when a stored rule is not that refit: the back-test then takes the stored
    rule for those events instead of refitting it.
    """
    import math

    import pandas as pd

    from liqcascade.cascade._backtest import closed_by, pooled_events, rule_before, rule_events

    for asset in assets:
        path = OUT / f"{asset}.json"
        doc = json.loads(path.read_text())
        ohlc, _, _ = bundled_inputs(asset)
        pool = pooled_events(ohlc, float(doc["trigger"]), doc["data"]["last"])
        for c in doc["calibrations"]:
            if c.get("as_of") is None:
                continue
            t = pd.Timestamp(c["as_of"])
            r = rule_before(pool, t)
            same = (r.b, r.shock_weight, r.dispersion) == (
                c["vol_exponent"],
                c["shock_weight"],
                c["vol_dispersion"],
            ) and math.isclose(r.k, c["vol_multiplier"], rel_tol=1e-9)
            if not same:
                sys.exit(f"error: {asset} {c['as_of']}: the stored rule is not the refit {r}")
            c["rule_events"] = list(rule_events(closed_by(pool, t)))
        path.write_text(json.dumps(doc, indent=1) + "\n")
        print(asset, [c.get("rule_events") for c in doc["calibrations"]])


MODES = {
    "--backtest-only": backtest_only,
    "--follow-through-only": follow_through_only,
    "--rule-events-only": rule_events_only,
}

if __name__ == "__main__":
    if {"-h", "--help"} & set(sys.argv[1:]):
        print(f"usage: calibrate_liquidity.py [{' | '.join(MODES)}] [ETH] [BTC]")
        sys.exit(0)
    args = [a for a in sys.argv[1:] if a not in MODES]
    if bad := [a for a in args if a.startswith("-")]:
        sys.exit(f"error: unknown option {bad[0]}")
    modes = [a for a in sys.argv[1:] if a in MODES]
    if len(set(modes)) > 1:
        sys.exit(f"error: give one of {', '.join(MODES)}")
    assets = [a.upper() for a in (args or ["ETH", "BTC"])]
    MODES[modes[0]](assets) if modes else main(assets)
