"""The support study's tests on placebo event days: how often each rejects a true null.

The referee's placebo (session review of ``support-study``): the real daily log returns
of the bars, demeaned so that "no drift" holds, keep their volatility clustering; the
real test days are kept and the returns rotated under them (a random circular shift per
placebo). Each placebo is a world where the test days say nothing about the returns that
follow, so a test at nominal 5 % should reject in about 5 % of them. Three tests, at the
20, 30, 40 and 60 day horizons:

- plain Newey–West (lag = horizon − 1), which over-rejects;
- the overlap-adjusted t (:func:`liqcascade.events.overlap_adjusted_mean`), exact for a
  constant-variance random walk, which on these returns rejects too seldom;
- the placebo test (:func:`liqcascade.events.placebo_mean_test`) the verdict uses,
  whose size in these rotated worlds is 5 % by construction up to the rotations'
  granularity (the worlds move the test days off the volatile stretches they were found
  in: on the real days it rejects more often, see its module).

Run from the repository root (about half a minute on ETH)::

    PYTHONPATH=src python tools/support_placebo.py [--asset ETH] [--n 1000] [--seed 1]

Prints one line per horizon: the share of placebos each test rejects at 5 %.
"""

from __future__ import annotations

import argparse

import numpy as np

from liqcascade import datasets
from liqcascade._prices import percent_text
from liqcascade.events import (
    LONG_HORIZONS,
    detect_support,
    newey_west_mean,
    overlap_adjusted_mean,
    params_for_asset,
    placebo_mean_test,
)

START, END = "2022-01-01", "2025-07-31"


def rejection_rates(
    close: np.ndarray, events: np.ndarray, n: int, seed: int
) -> dict[int, dict[str, float]]:
    """Share of ``n`` placebos (demeaned, rotated returns) each test rejects at 5 %.

    Parameters
    ----------
    close : float array
        Real closes (USD), one per daily bar.
    events : int array
        Real test days (bar positions), kept fixed.
    n : int
        Placebos (random circular shifts of the demeaned one-bar log returns).
    seed : int
        Seed of the shifts.

    Returns
    -------
    dict
        Horizon (days) → ``{"newey_west", "adjusted", "placebo"}`` rejection shares.
    """
    d = np.diff(np.log(close))
    d = d - d.mean()  # the null: no drift, the real volatility clustering
    rng = np.random.default_rng(seed)
    hits = {h: np.zeros(3) for h in LONG_HORIZONS}
    for _ in range(n):
        world = np.exp(np.concatenate([[0.0], np.cumsum(np.roll(d, rng.integers(len(d))))]))
        lc = np.log(world)
        for h in LONG_HORIZONS:
            ev = events[events + h < len(lc)]
            x = lc[ev + h] - lc[ev]
            hits[h] += [
                newey_west_mean(x, h - 1).p_value < 0.05,
                overlap_adjusted_mean(x, ev, h).p_value < 0.05,
                placebo_mean_test(world, ev, h).p_value < 0.05,
            ]
    return {
        h: dict(zip(("newey_west", "adjusted", "placebo"), (v / n).tolist(), strict=True))
        for h, v in hits.items()
    }


def main() -> None:
    """Print the rejection shares of the three tests on placebo test days."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--asset", default="ETH")
    ap.add_argument("--n", type=int, default=1000, help="placebos (default 1000)")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    bars = datasets.load_ohlcv(a.asset, "1d", START, END)
    params, _, _ = params_for_asset(a.asset, bars)
    events = detect_support(bars, params).event_bars
    close = bars["close"].to_numpy(dtype=float)
    print(f"{a.asset} daily {START} → {END}: {len(events)} test days, {a.n} placebos")
    for h, r in rejection_rates(close, events, a.n, a.seed).items():
        print(
            f"{h:>2} d: rejected at 5 %: Newey–West {percent_text(r['newey_west'])}, "
            f"overlap-adjusted {percent_text(r['adjusted'])}, "
            f"placebo test {percent_text(r['placebo'])}"
        )


if __name__ == "__main__":
    main()
