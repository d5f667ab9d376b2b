"""Another future for the bundled data: the look-ahead audit's inputs.

A figure said to be out of sample for a window is computed from data before the window
only. The one check that cannot be fooled by how the code names its windows: change the
data after a cut and see whether anything predicted for a window that ends by the cut
moves. :func:`perturb_after` changes one series after a cut (prices times a random walk,
every other amount scaled and shuffled over the bars after the cut); every row before the
cut is left as it was, value for value. :func:`perturbed_store` writes the bundled ETH
and BTC series perturbed that way into a store (``tests/newasset.py`` writes its store the
same way), so the library reads the other future through its ordinary door
(``load_series``: store first, then the bundle for bars the store lacks; the store holds
every bundled bar of each series it writes, so none is filled from the bundle).

The files stay valid: high >= max(open, close) >= min(open, close) >= low > 0 (one factor
per bar for a bar's four prices), open interest's open/high/low/close share a factor,
long/short percentages stay in (0, 100), a funding row keeps its interval.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from liqcascade.data import SeriesNotFound, load_series
from liqcascade.data._frame import SeriesFrame
from liqcascade.data._store import Store
from newasset import _PRICE, NEW_ASSET_SERIES

__all__ = ["FUTURE_SERIES", "perturb_after", "perturbed_store"]

#: (kind, interval) of the bar series written for each asset (those of a new asset's
#: store); the long/short ratios (BTC) and the futures and spot order-book totals too.
FUTURE_SERIES: tuple[tuple[str, str], ...] = NEW_ASSET_SERIES

_KEEP = ("interval_hours",)  # per-row labels, not amounts


def _shuffled_scaled(df: pd.DataFrame, cols: list[str], rng: np.random.Generator) -> None:
    """Rows of ``cols`` permuted among themselves, each row times one factor in [0.5, 2]."""
    n = len(df)
    order = rng.permutation(n)
    factor = np.exp(rng.uniform(np.log(0.5), np.log(2.0), n))
    for c in cols:
        x = df[c].to_numpy(np.float64)[order]
        df[c] = x * factor


def perturb_after(df: pd.DataFrame, kind: str, cut: pd.Timestamp, seed: int = 0) -> pd.DataFrame:
    """``df`` with every row whose bar opens at or after ``cut`` changed.

    Parameters
    ----------
    df : pandas.DataFrame
        One canonical series (UTC ``DatetimeIndex`` of bar opens, as ``load_series``
        returns it).
    kind : str
        Its kind (``"ohlcv"``, ``"open_interest"``, ``"liquidations"``, ``"funding"``,
        ``"taker"``, ``"long_short"``, ``"book_totals"``).
    cut : Timestamp
        First bar open (UTC) that is changed; rows before it are returned as they are.
    seed : int
        Seed of the random walk, factors and permutations.

    Returns
    -------
    pandas.DataFrame
        A copy (``attrs`` kept). Prices: every bar's open/high/low/close times one
        factor of a random walk (log-steps of 3 %, starting at 1.1 at the cut),
        volumes times a factor in [0.5, 2] per bar. Other amounts: rows permuted among
        the bars after the cut, each row scaled by a factor in [0.5, 2] (funding: signs
        kept per row). Long/short percentages: rows permuted, shifted by up to 10 points,
        kept in [1, 99].
    """
    out = df.copy()
    after = pd.DatetimeIndex(out.index) >= cut
    n = int(after.sum())
    if n == 0:
        return out
    rng = np.random.default_rng(seed)
    tail = out.loc[after].copy()
    if kind == "ohlcv":
        walk = 1.1 * np.exp(np.cumsum(rng.normal(0.0, 0.03, n)))
        volume = np.exp(rng.uniform(np.log(0.5), np.log(2.0), n))
        for c in _PRICE:
            tail[c] = tail[c].to_numpy(np.float64) * walk
        for c in tail.columns:
            if c not in _PRICE:  # traded amounts: another factor per bar
                tail[c] = tail[c].to_numpy(np.float64) * volume
    elif kind == "long_short":
        order = rng.permutation(n)
        for c in tail.columns:
            tail[c] = tail[c].to_numpy(np.float64)[order]
        shift = rng.uniform(-10.0, 10.0, n)
        for c in tail.columns:
            tail[c] = np.clip(tail[c].to_numpy(np.float64) + shift, 1.0, 99.0)
    else:
        cols = [c for c in tail.columns if c not in _KEEP]
        _shuffled_scaled(tail, cols, rng)
    for c in tail.columns:
        out[c] = out[c].astype(np.float64) if c not in _KEEP else out[c]
    out.loc[after, tail.columns] = tail.to_numpy()
    return out


def perturbed_store(
    path: Path,
    cut: pd.Timestamp,
    assets: tuple[str, ...] = ("ETH", "BTC"),
    seed: int = 0,
) -> Path:
    """Write the bundled series of ``assets`` into a store at ``path``, changed after ``cut``.

    Parameters
    ----------
    path : Path
        The store file (created).
    cut : Timestamp
        Bars opening at or after it are perturbed (:func:`perturb_after`); every bar
        before it is the bundle's.
    assets : tuple of str
        Bundled assets written (under their bundled symbols and venues).
    seed : int
        Seed of the perturbation (each series its own stream).

    Returns
    -------
    Path
        ``path``.
    """
    from liqcascade.data import book_totals_series, load_book_totals, long_short_series

    frames = []
    for ai, asset in enumerate(assets):
        for si, (kind, interval) in enumerate(FUTURE_SERIES):
            df = load_series(kind, asset=asset, interval=interval, store=False)
            df = perturb_after(df, kind, cut, seed=seed + 1000 * ai + si)
            venue = str(df.attrs.get("venue") or "unknown")
            symbol = str(df.attrs.get("symbol") or f"{asset}USDT")
            frame = df.reset_index()
            frame["ts"] = pd.DatetimeIndex(frame["ts"]).tz_convert("UTC").as_unit("us")
            frames.append(SeriesFrame(kind, venue, symbol, interval, frame, file="perturbed"))
        try:
            ls = load_series("long_short", asset=asset, store=False)
        except SeriesNotFound:  # ETH has no bundled long/short ratio
            ls = None
        if ls is not None:
            ls = perturb_after(ls, "long_short", cut, seed=seed + 1000 * ai + 50)
            frames.append(
                long_short_series(ls, symbol=f"{asset}USDT", venue="binance", file="perturbed")
            )
        for mi, (market, venue) in enumerate(
            (("futures", "all-venues"), ("spot", "all-venues-spot"))
        ):
            tot = load_book_totals(asset, market, store=False)
            tot = perturb_after(tot, "book_totals", cut, seed=seed + 1000 * ai + 60 + mi)
            frames.append(
                book_totals_series(tot, symbol=f"{asset}USDT", venue=venue, file="perturbed")
            )
    with Store(path) as store:
        store.ingest(frames)
    return path
