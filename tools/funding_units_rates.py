"""The rates of docs/data.md's *Funding units* table: every bundled funding window judged.

Every window of 1, 3, 7, 30 and 90 days (one starting at each row) of every bundled ETH
and BTC funding series (per dataset, venue and asset) goes through
:func:`~liqcascade.data._funding_units.check_funding_units` three ways: as stored
(fractions: a refusal is a false refusal), times 100 (percent read as fractions) and
divided by 100 (fractions read as percent). Prints, per direction and window size, the
share refused, warned about and accepted. Run:
``PYTHONPATH=src python tools/funding_units_rates.py [--stride N]`` (a few minutes).
"""

from __future__ import annotations

import argparse
from collections import Counter

import numpy as np
import pandas as pd

from liqcascade.data._funding_units import check_funding_units
from liqcascade.data.bundled import DATASETS, load
from liqcascade.errors import InputError

SIZES = (1, 3, 7, 30, 90)
DIRECTIONS = {"as stored": 1.0, "x100": 100.0, "/100": 0.01}


def bundled_series() -> dict[str, pd.DataFrame]:
    """Each bundled funding series (dataset, venue, asset) in time order: ts, rate, hours."""
    out = {}
    for name, d in DATASETS.items():
        if d.kind != "funding":
            continue
        df = load(name).reset_index()
        keys = [c for c in ("venue", "asset") if c in df.columns]
        for key, g in df.groupby(keys) if keys else [((), df)]:
            label = " ".join([name, *(key if isinstance(key, tuple) else (key,))])
            out[label] = g.sort_values("ts")[["ts", "rate", "interval_hours"]]
    return out


def windows(g: pd.DataFrame, days: int, stride: int) -> list[pd.DataFrame]:
    """The full windows of ``days`` days, one starting at every ``stride``-th row."""
    ms = pd.DatetimeIndex(g["ts"]).as_unit("ms").asi8
    span = days * 86_400_000
    ends = np.searchsorted(ms, ms + span, side="left")
    full = ms + span <= ms[-1] + 3_600_000  # the window's days all fall inside the series
    return [g.iloc[i : ends[i]] for i in range(0, len(g), stride) if full[i]]


def verdict(w: pd.DataFrame, factor: float) -> str:
    try:
        warned = check_funding_units(w.assign(rate=w["rate"] * factor), "w")
    except InputError as exc:
        return "refused (too small)" if "too small" in str(exc) else "refused (percent)"
    return "warned" if warned else "accepted"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stride", type=int, default=1, help="a window at every N-th row")
    stride = ap.parse_args().stride
    counts: dict[tuple[str, int], Counter[str]] = {}
    for g in bundled_series().values():
        for days in SIZES:
            for w in windows(g, days, stride):
                for direction, factor in DIRECTIONS.items():
                    counts.setdefault((direction, days), Counter())[verdict(w, factor)] += 1
    cols = ("refused (percent)", "refused (too small)", "warned", "accepted")
    print("| direction | days | windows | " + " | ".join(cols) + " |")
    print("|---|---|---|" + "---|" * len(cols))
    for (direction, days), c in counts.items():
        n = sum(c.values())
        shares = " | ".join(f"{100 * c[k] / n:.2f} %" for k in cols)
        print(f"| {direction} | {days} | {n:,} | {shares} |")


if __name__ == "__main__":
    main()
