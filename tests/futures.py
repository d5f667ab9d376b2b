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
import pytest

from liqcascade._time import bar_step
from liqcascade.data import SeriesNotFound, load_series
from liqcascade.data._frame import SeriesFrame
from liqcascade.data._store import Store
from newasset import _PRICE, NEW_ASSET_SERIES

__all__ = [
    "FUTURE_SERIES",
    "beyond_trigger",
    "perturb_after",
    "perturbed_store",
    "shared_perturbed_store",
]

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


def beyond_trigger(
    df: pd.DataFrame, ts: pd.Timestamp, direction: str, further: float = 0.03
) -> pd.DataFrame:
    """Hourly bars with the hour opening at ``ts`` gone further past its trigger.

    Parameters
    ----------
    df : pandas.DataFrame
        Hourly OHLCV bars (USD) indexed by bar open (UTC).
    ts : Timestamp
        Open of the trigger hour (an event's ``ts``: the time of the previous close).
    direction : {"down", "up"}
        The event's: a fall's low is taken lower, a rise's high higher.
    further : float, default 0.03
        How much further, a fraction of the bar's extreme (0.03: a low 3 % lower).

    Returns
    -------
    pandas.DataFrame
        A copy; only that hour's prices changed: its low times ``1 - further`` (a fall)
        or high times ``1 + further`` (a rise), its close 0.2 % inside the new extreme
        (the hour closed near its new low or high). Its open and the other extreme are
        kept, so the bar stays valid and still crosses any trigger it crossed (a fall
        stays a fall: its low only goes lower; a rise's low is kept). Every other bar
        is left as it was.
    """
    out = df.copy()
    for c in _PRICE:
        out[c] = out[c].astype(np.float64)
    row = out.loc[ts]
    if direction == "down":
        low = float(row["low"]) * (1.0 - further)
        out.loc[ts, ["low", "close"]] = [low, low * 1.002]
    else:
        high = float(row["high"]) * (1.0 + further)
        out.loc[ts, ["high", "close"]] = [high, high / 1.002]
    return out


def perturbed_store(
    path: Path,
    cut: pd.Timestamp,
    assets: tuple[str, ...] = ("ETH", "BTC"),
    seed: int = 0,
    *,
    unclosed: bool = False,
    trigger: str | None = None,
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
    unclosed : bool, default False
        Also change every bar that has not closed by ``cut``: each series from the
        open of its bar holding ``cut`` (a 4-hour bar opened at 12:00 when ``cut`` is
        14:00), not from ``cut``. What is known at ``cut`` is then exactly what is kept.
    trigger : {"down", "up"}, optional
        The hour opening at ``cut`` is an event's trigger hour: instead of the random
        factor it is the bundled hour gone further past its trigger
        (:func:`beyond_trigger`), so the event is still found at that hour.

    Returns
    -------
    Path
        ``path``.
    """
    from liqcascade.data import book_totals_series, load_book_totals, long_short_series

    frames = []
    for ai, asset in enumerate(assets):
        for si, (kind, interval) in enumerate(FUTURE_SERIES):
            raw = load_series(kind, asset=asset, interval=interval, store=False)
            df = _changed_from(raw, kind, cut, seed + 1000 * ai + si, unclosed)
            if trigger is not None and (kind, interval) == ("ohlcv", "1h"):
                gone = beyond_trigger(raw, cut, trigger)
                df.loc[cut, list(_PRICE)] = gone.loc[cut, list(_PRICE)]
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
            ls = _changed_from(ls, "long_short", cut, seed + 1000 * ai + 50, unclosed)
            frames.append(
                long_short_series(ls, symbol=f"{asset}USDT", venue="binance", file="perturbed")
            )
        for mi, (market, venue) in enumerate(
            (("futures", "all-venues"), ("spot", "all-venues-spot"))
        ):
            tot = load_book_totals(asset, market, store=False)
            tot = _changed_from(tot, "book_totals", cut, seed + 1000 * ai + 60 + mi, unclosed)
            frames.append(
                book_totals_series(tot, symbol=f"{asset}USDT", venue=venue, file="perturbed")
            )
    with Store(path) as store:
        store.ingest(frames)
    return path


def shared_perturbed_store(tmp_path_factory: pytest.TempPathFactory, cut: pd.Timestamp) -> Path:
    """:func:`perturbed_store` of ETH and BTC changed from ``cut`` (seed 0), written once a run.

    ``tests/test_look_ahead_audit.py`` and ``tests/test_look_ahead_audit_models.py``
    read the same store (every bundled ETH and BTC series, changed from the same cut by
    the same seed): each module wrote its own. The file is built once for every xdist
    worker of the run (:func:`sharedbuild.shared_build`); the tests only read it (the
    library opens a store read-only to read it).

    Parameters
    ----------
    tmp_path_factory : pytest.TempPathFactory
        The session's factory of temporary folders.
    cut : Timestamp
        First bar open (UTC) that is changed.

    Returns
    -------
    Path
        The store file.
    """
    from sharedbuild import shared_build

    def build(out: Path) -> dict[str, Path]:
        return {"store": perturbed_store(out / "store.duckdb", cut)}

    key = f"future-store-{pd.Timestamp(cut).value}"  # the cut's nanoseconds: one per cut
    return shared_build(tmp_path_factory, key, build)["store"]


def _changed_from(
    df: pd.DataFrame, kind: str, cut: pd.Timestamp, seed: int, unclosed: bool
) -> pd.DataFrame:
    """:func:`perturb_after` from ``cut``, or (``unclosed``) from the bar holding it."""
    if unclosed:  # a bar opening after cut - step has not closed by cut
        cut = cut - bar_step(pd.DatetimeIndex(df.index)) + pd.Timedelta(microseconds=1)
    return perturb_after(df, kind, cut, seed=seed)
