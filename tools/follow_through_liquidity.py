"""The calibrated model's follow-through after a 5 % fall on every date, beside history.

A thin caller of :func:`liqcascade.cascade.calibrated_follow_through` on the bundled
data only (the command ``liqcascade cascade follow-through --asset A --json`` is the
same check with the per-date rows). For each asset and each day of the bundled period
(2024-11-23 -> 2025-07-31, at 20:00 UTC), the calibrated cascade (the calibration
fitted before that date) after a −5 % shock, 400 paths; history: every real 4-hour
fall of ≥ 5 % in the bundled hourly prices. Prints one JSON line per asset::

    PYTHONPATH=src python tools/follow_through_liquidity.py ETH BTC
"""

from __future__ import annotations

import json
import sys

from liqcascade.cascade import calibrated_follow_through

#: The keys this script has always printed (the summary, the dates' spread, the
#: falls inside the period), in its order.
KEYS = (
    "asset", "shock", "beyond", "n_dates", "model_total_median", "history_total_median",
    "history_n_episodes", "model_share_beyond", "history_share_beyond", "median_within_2pp",
    "beyond_within_2x", "model_total_median_p10_p90_across_dates", "history_in_period_n",
    "history_in_period_total_median",
)  # fmt: skip


def main(assets: list[str]) -> None:
    for asset in assets:
        d = calibrated_follow_through(asset, store=False).to_dict(dates=False)
        print(json.dumps({k: d[k] for k in KEYS}))


if __name__ == "__main__":
    main([a.upper() for a in (sys.argv[1:] or ["ETH", "BTC"])])
