"""Would taker flow add to the identified book's side split? A diagnostic, no model change.

On the calibration window only (4-hour bars before 2025-03-01, the data the first test
month's fit saw), per asset: the recorded long share of Binance liquidations
``long / (long + short)`` on bars with at least ``MIN_TOTAL`` USD liquidated, against

- the bar's own move (``tanh(log(close / open) / 1 %)`` and the range asymmetry
  ``(log(open / low) − log(high / open)) / log(high / low)``): which side the bar's
  range reaches, what the book's path already carries;
- the model's side signals as it reads them (``positions._model.prepare``: funding,
  ``tanh(r / 1 %)·sign(ΔOI)``, the long/short account ratio for BTC; the previous bar's);
- the futures taker imbalance ``(buy − sell) / (buy + sell)``: the previous bar's, its
  means over the previous 24 h and 7 days (known at the bar's open), and the bar's own
  (not known at the open; it holds the bar's liquidations, which are taker orders);
- the previous bar's recorded long share.

Prints Spearman correlations and the R² of least-squares fits of the long share, with
and without each taker term (docs/validation.md, "Sides: why taker flow is not an input")::

    PYTHONPATH=src python tools/taker_side_diagnostic.py [MIN_TOTAL_USD]
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
from scipy import stats

from liqcascade.market import load_market_frames
from liqcascade.positions import BookParams, prepare

END = pd.Timestamp("2025-03-01", tz="UTC")


def r2(y: np.ndarray, x: np.ndarray) -> float:
    """R² of the least-squares fit of ``y`` on ``x`` with an intercept."""
    a = np.column_stack([np.ones(len(y)), x])
    beta, *_ = np.linalg.lstsq(a, y, rcond=None)
    res = y - a @ beta
    return float(1.0 - res @ res / np.sum((y - y.mean()) ** 2))


def frame(asset: str) -> pd.DataFrame:
    """Per bar of the calibration window: the long share, the controls and the signals."""
    fr = load_market_frames(asset, "4h", None).until(END - pd.Timedelta(seconds=1))
    prep = prepare(fr, BookParams())
    s = slice(prep.n_seed, None)
    df = pd.DataFrame(
        {"x_f": prep.x_funding[s], "x_m": prep.x_move[s], "x_ls": prep.x_ls[s],
         "open": prep.open[s], "high": prep.high[s], "low": prep.low[s], "close": prep.close[s]},
        index=prep.index[s],
    )  # fmt: skip
    if fr.taker is None:
        raise SystemExit(f"{asset}: no taker series")
    t = fr.taker[~fr.taker.index.duplicated(keep="last")].sort_index()
    imb = ((t["buy_usd"] - t["sell_usd"]) / (t["buy_usd"] + t["sell_usd"])).reindex(df.index)
    df["tk_same"] = imb
    df["tk_1"] = imb.shift(1)
    df["tk_24h"] = imb.rolling(6, min_periods=4).mean().shift(1)
    df["tk_7d"] = imb.rolling(42, min_periods=30).mean().shift(1)
    if fr.liquidations is None:
        raise SystemExit(f"{asset}: no recorded liquidations")
    liq = fr.liquidations.reindex(df.index)
    df["total"] = liq["long_usd"] + liq["short_usd"]
    df["long_share"] = liq["long_usd"] / df["total"]
    df["ls_prev"] = df["long_share"].shift(1)
    df["own"] = np.tanh(np.log(df["close"] / df["open"]) / 0.01)
    hl = np.log(df["high"] / df["low"])
    df["asym"] = (np.log(df["open"] / df["low"]) - np.log(df["high"] / df["open"])) / hl
    return df


def main(min_total: float) -> None:
    for asset in ("ETH", "BTC"):
        df = frame(asset)
        need = ["tk_same", "tk_1", "tk_24h", "tk_7d", "ls_prev", "asym"]
        d = df[(df["total"] >= min_total) & df[need].notna().all(axis=1)]
        y = d["long_share"].to_numpy()
        print(
            f"{asset}: {len(d)} bars {d.index.min():%Y-%m-%d} .. {d.index.max():%Y-%m-%d} "
            f"with >= {min_total:,.0f} USD liquidated"
        )
        sig = ["x_f", "x_m"] + (["x_ls"] if asset == "BTC" else [])
        own = ["own", "asym"]
        a = np.column_stack([np.ones(len(d)), d[own].to_numpy()])
        beta, *_ = np.linalg.lstsq(a, y, rcond=None)
        resid = y - a @ beta
        for c in [*sig, "tk_1", "tk_24h", "tk_7d", "tk_same", "ls_prev", *own]:
            rho = stats.spearmanr(d[c], y).statistic
            part = (
                ""
                if c in own
                else f"; after the own move {stats.spearmanr(d[c], resid).statistic:+.3f}"
            )
            print(f"  Spearman {c:8s} {rho:+.3f}{part}")
        base = [*own, *sig]
        r_own, r_base = r2(y, d[own].to_numpy()), r2(y, d[base].to_numpy())
        print(f"  R2 own move {r_own:.3f}; + model signals {r_base:.3f}")
        for extra in (["tk_1"], ["tk_24h"], ["tk_7d"], ["tk_1", "tk_24h", "tk_7d"], ["tk_same"],
                      ["ls_prev"], ["ls_prev", "tk_1", "tk_24h", "tk_7d"]):  # fmt: skip
            v = r2(y, d[base + extra].to_numpy())
            print(f"  + {' + '.join(extra):30s} R2 {v:.3f} ({v - r_base:+.3f})")
        print(
            f"  Spearman tk_1 vs ls_prev {stats.spearmanr(d['tk_1'], d['ls_prev']).statistic:+.3f}"
        )


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 1e5)
