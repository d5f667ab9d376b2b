"""Order books calibrated to the bundled CoinGlass order-book totals.

CoinGlass publishes, per bar, the aggregated futures (and spot) bid and ask
totals within its default range around mid, in USD and in base units. The range
is believed to be ±1 % of mid (not verified by CoinGlass's documentation); we take
``D1`` (the cumulative notional within 1 %) to be those totals.

The shape exponent ``β`` of ``D(δ) = D1 · (δ / 0.01)^β`` is fitted from the same
data: the ratio of the USD total to the base total is the size-weighted average
price of the resting orders, so ``m = (vwap_ask − vwap_bid) / (vwap_ask + vwap_bid)``
is their average distance from mid. For the curve above, the average distance
within 1 % is ``0.01 · β / (β + 1)``, hence ``β = m / (0.01 − m)``. On the bundled
futures totals (759 bars, 2024-11 → 2025-07) ``m`` is 0.42 % with a 0.04 %
standard deviation, giving ``β ≈ 0.73``: depth is concave, thinning away from mid.
That the average sits well inside 1 % also supports the ±1 % range assumption.
Beyond 1 % the curve is extrapolated with the same exponent (no bundled data
reaches further out); the square-root impact law (Donier & Bonart 2015) would
instead imply ``β = 2`` for the *latent* liquidity that arrives over hours — a
cascade lasting seconds meets the displayed book, which is what we fit.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import lru_cache
from importlib.resources import files
from typing import Any

import numpy as np
import pandas as pd

from liqcascade._time import bar_step, closed_mask, resolve_as_of, to_utc
from liqcascade._typing import FloatArray
from liqcascade.book._orderbook import OrderBook
from liqcascade.errors import InputError

__all__ = [
    "BETA_FUTURES",
    "DEPTH_CALIBRATION_FILE",
    "MIN_BETA_BARS",
    "assumed_beta",
    "assumed_beta_words",
    "beta_for",
    "beta_path",
    "book_from_totals",
    "book_totals_at",
    "calibrated_book",
    "depth_beta",
    "depth_calibration",
    "fit_beta",
]

#: The calibration file of the depth exponent, shipped beside this module.
DEPTH_CALIBRATION_FILE: str = "depth_calibration.json"


@lru_cache(maxsize=1)
def _calibration_text() -> str:
    return (files("liqcascade.book") / DEPTH_CALIBRATION_FILE).read_text()


def depth_calibration() -> dict[str, Any]:
    """The shipped depth calibration (``depth_calibration.json``): β per asset and its source."""
    return dict(json.loads(_calibration_text()))


def depth_beta(asset: str = "ETH") -> float:
    """The calibrated futures depth exponent β of ``asset`` (dimensionless).

    The median of :func:`fit_beta` over the bundled all-venue futures book totals of
    the asset, rounded to 2 decimals, read from :data:`DEPTH_CALIBRATION_FILE`
    (ETH 0.73, BTC 0.79).

    Parameters
    ----------
    asset : str, default "ETH"
        Base asset symbol (case-insensitive), e.g. ``"ETH"``, ``"BTC"``.

    Returns
    -------
    float
        β, dimensionless (> 0; 1 is a flat depth density).

    Raises
    ------
    InputError
        If the file holds no β for ``asset`` (the message names ``asset``).
    """
    table = depth_calibration()["depth_beta"]
    a = asset.upper()
    if a not in table:
        raise InputError(
            f"asset: no calibrated depth exponent for {asset} in {DEPTH_CALIBRATION_FILE} "
            f"(calibrated: {', '.join(table)}); pass beta= explicitly",
            param="asset",
        )
    return float(table[a]["beta"])


#: Fewest bars with a valid :func:`fit_beta` for an asset's own β (8-hour bars: 10 days).
MIN_BETA_BARS: int = 30


def assumed_beta() -> float:
    """The β assumed for an asset without one: the median of the shipped assets' β."""
    table = depth_calibration()["depth_beta"]
    return round(float(np.median([float(v["beta"]) for v in table.values()])), 2)


def assumed_beta_words() -> str:
    """Where :func:`assumed_beta` comes from, with its look-ahead said.

    ``"median of the shipped assets' beta, ETH 0.73, BTC 0.79, fitted on bars to
    2025-07-31: a look-ahead"`` (the shipped fits' periods end after any event that
    needs the assumed β).
    """
    table = depth_calibration()["depth_beta"]
    fitted = ", ".join(f"{a} {float(v['beta']):.2f}" for a, v in table.items())
    ends = [str(v.get("period", "")).split("->")[-1].strip() for v in table.values()]
    end = max((e for e in ends if e), default="")
    return f"median of the shipped assets' beta, {fitted}, fitted on bars to {end}: a look-ahead"


def beta_for(
    asset: str, totals: pd.DataFrame | None = None, until: Any = None
) -> tuple[float, str]:
    """The depth exponent β of ``asset`` at ``until`` and where it came from.

    One procedure for every asset, ETH and BTC included: the median of
    :func:`fit_beta` over the asset's own ``totals`` bars CLOSED by ``until`` (a bar
    labelled by its open counts once ``label + bar <= until``: no bar still open, and
    none later, is read), rounded to 2 decimals, when at least :data:`MIN_BETA_BARS`
    such bars carry base-unit totals. At the end of the bundled data (2025-07-31,
    closing 2025-08-01 00:00) this is the shipped full-period value of
    :data:`DEPTH_CALIBRATION_FILE` (ETH 0.73, BTC 0.79); earlier dates use fewer bars.
    With fewer bars it is :func:`assumed_beta`, the median of the shipped assets'
    full-period β, flagged ``assumed`` in the source (a documented assumption: those
    values include bars after ``until``).

    Without ``totals``: the shipped full-period β of ETH or BTC (its source says so),
    else the assumed β.

    Parameters
    ----------
    asset : str
    totals : DataFrame, optional
        The asset's book totals (``bids_usd``, ``asks_usd``, ``bids_base``,
        ``asks_base``), bars labelled by their open time (UTC).
    until : Timestamp, optional
        The instant of the market (UTC); default every bar.

    Returns
    -------
    (float, str)
        β (dimensionless) and its source (``"fitted: ..."``, ``"package: ..."`` or
        ``"assumed: ..."``).
    """
    table = depth_calibration()["depth_beta"]
    a = asset.upper()
    if totals is None and a in table:
        return float(table[a]["beta"]), (
            f"package:liqcascade/book/{DEPTH_CALIBRATION_FILE} (full period "
            f"{table[a].get('period', '')}; not cut at a date)"
        )
    n = 0
    if totals is not None and {"bids_base", "asks_base"} <= set(totals.columns):
        t = _closed_by(totals, until)
        b = fit_beta(t).dropna()
        n = len(b)
        if n >= MIN_BETA_BARS:
            return _fitted_beta(a, b.to_numpy(np.float64), b.index)
    return _assumed_for(a, n, until)


def _fitted_beta(asset: str, fits: FloatArray, index: pd.Index) -> tuple[float, str]:
    """:func:`beta_for`'s fitted β: the median of the bars' finite ``fits`` (labels ``index``)."""
    return (
        round(float(np.median(fits)), 2),
        f"fitted: median of fit_beta over {fits.size} {asset} book-totals bars "
        f"{index[0]:%Y-%m-%d} -> {index[-1]:%Y-%m-%d}",
    )


def _assumed_for(a: str, n: int, until: Any) -> tuple[float, str]:
    """:func:`beta_for`'s assumed β of ``a`` with ``n`` fitted bars closed by ``until``."""
    table = depth_calibration()["depth_beta"]
    beta = assumed_beta()
    shipped = ", ".join(f"{k} {float(v['beta']):.2f}" for k, v in table.items())
    by = "" if until is None else f" closed by {to_utc(until):%Y-%m-%d %H:%M} UTC"
    return beta, (
        f"assumed: median of the shipped assets' beta ({shipped}); {a} has {n} book-totals "
        f"bars with base-unit totals{by} (fewer than {MIN_BETA_BARS})"
    )


class BetaHistory:
    """:func:`beta_for` of one asset's totals at many instants, each bar fitted once.

    The event back-test asks for β at every event: :func:`fit_beta` is per bar, so the
    fits of the bars closed by an instant are those of the whole history cut there
    (the same numbers as fitting the cut bars, as :func:`beta_path` uses).

    Parameters
    ----------
    asset : str
        The asset (any case).
    totals : DataFrame, optional
        As :func:`beta_for`'s.
    """

    def __init__(self, asset: str, totals: pd.DataFrame | None) -> None:
        self.asset = asset.upper()
        self.totals = totals
        self._fits: FloatArray | None = None
        if totals is not None and {"bids_base", "asks_base"} <= set(totals.columns) and len(totals):
            self._index = pd.DatetimeIndex(totals.index)
            step = pd.Timedelta(days=1) if len(self._index) < 2 else bar_step(self._index)
            self._closes = self._index + step  # closed_mask's closes, added once
            self._fits = fit_beta(totals).to_numpy(np.float64)

    def at(self, until: Any) -> tuple[float, str]:
        """``beta_for(asset, totals, until)``: β at ``until`` (UTC) and its source."""
        if self._fits is None or until is None:
            return beta_for(self.asset, self.totals, until)
        use = np.asarray(self._closes <= to_utc(until), dtype=bool) & ~np.isnan(self._fits)
        n = int(np.count_nonzero(use))
        if n >= MIN_BETA_BARS:
            return _fitted_beta(self.asset, self._fits[use], self._index[use])
        return _assumed_for(self.asset, n, until)


def beta_path(asset: str, totals: pd.DataFrame | None, instants: Any) -> list[float]:
    """``beta_for(asset, totals, t)[0]`` for each ``t`` of ``instants``, each bar fitted once.

    The same rule as :func:`beta_for` (the median of the per-bar fits closed by each
    instant, rounded to 2 decimals, or the assumed β with fewer than
    :data:`MIN_BETA_BARS`), for the books over time (one instant per day): the per-bar
    fits are computed once instead of once per instant (tested equal).
    """
    stamps = list(instants)
    if totals is None or not {"bids_base", "asks_base"} <= set(totals.columns) or not len(totals):
        return [beta_for(asset, totals, t)[0] for t in stamps]
    vals = fit_beta(totals).to_numpy(np.float64)
    idx = pd.DatetimeIndex(totals.index)
    closes = idx + (bar_step(idx) if len(idx) >= 2 else pd.Timedelta(days=1))
    ok = np.isfinite(vals)
    out = []
    for t in stamps:
        mask = ok if t is None else ok & np.asarray(closes <= to_utc(t))
        if int(mask.sum()) >= MIN_BETA_BARS:
            out.append(round(float(np.median(vals[mask])), 2))
        else:
            out.append(assumed_beta())
    return out


def _closed_by(totals: pd.DataFrame, until: Any) -> pd.DataFrame:
    """The bars of ``totals`` closed by ``until`` (all of them when ``until`` is None)."""
    if until is None or len(totals) == 0:
        return totals
    idx = pd.DatetimeIndex(totals.index)
    # no step to infer from a lone bar: it counts once the day after it opened
    step = pd.Timedelta(days=1) if len(idx) < 2 else bar_step(idx)
    return totals[closed_mask(idx, to_utc(until), step)]


#: Calibrated futures depth exponent of ETH (:func:`depth_beta`; 0.73).
BETA_FUTURES: float = depth_beta("ETH")


def fit_beta(totals: pd.DataFrame) -> pd.Series:
    """Per-bar depth-curve exponent fitted from book totals (see module notes).

    Parameters
    ----------
    totals : DataFrame
        Columns ``bids_usd``, ``bids_base``, ``asks_usd``, ``asks_base`` (USD and base
        units), e.g. :func:`liqcascade.datasets.load_book_totals`.

    Returns
    -------
    pandas.Series
        ``β`` per bar (dimensionless), indexed like ``totals``.
    """
    vb = totals["bids_usd"] / totals["bids_base"]
    va = totals["asks_usd"] / totals["asks_base"]
    m = (va - vb) / (va + vb)
    beta = m / (0.01 - m)
    return beta.where((m > 0) & (m < 0.01)).rename("beta")


def book_totals_at(totals: pd.DataFrame, as_of: Any = None) -> pd.Series:
    """The book-totals bar closed at or before ``as_of`` (default: the last bar).

    The one date rule (:func:`liqcascade._time.resolve_as_of`): a bare date is the
    close of that day's last bar; no bar closing after ``as_of`` is read.

    Parameters
    ----------
    totals : DataFrame
        Book-totals bars indexed by bar open time (UTC), e.g. columns ``bids_usd`` and
        ``asks_usd`` (USD within 1 % of mid).
    as_of : date, datetime, Timestamp, str or None, optional
        The as-of instant (UTC; naive values are read as UTC); ``None`` is the last bar.

    Returns
    -------
    Series
        The row of ``totals`` for that bar (its name is the bar's label).

    Raises
    ------
    InputError
        If ``totals`` is empty, no bar has closed by ``as_of``, or ``as_of`` is after
        the last bar's close.
    """
    if len(totals) == 0:
        raise InputError("totals: no book-totals bars")
    if as_of is None:
        return totals.iloc[-1]
    label = resolve_as_of(
        as_of, pd.DatetimeIndex(totals.index), option="as_of", series="the order-book totals"
    )
    row: pd.Series = totals.loc[label]  # type: ignore[assignment]
    return row


def book_totals_each(totals: pd.DataFrame, as_ofs: Iterable[Any]) -> list[dict[str, Any]]:
    """:func:`book_totals_at` at each of ``as_ofs``, each row as a dict (column → value).

    The same bar for each date and the same errors, for a caller that needs the rows
    of many dates (the book at each date of :func:`liqcascade.market.market_books`):
    the bar interval is inferred and the columns are read once, not once per date.

    Parameters
    ----------
    totals : DataFrame
        Book-totals bars indexed by bar open time (UTC), e.g. columns ``bids_usd`` and
        ``asks_usd`` (USD within 1 % of mid).
    as_ofs : iterable of date, datetime, Timestamp or str
        The as-of instants (UTC; naive values are read as UTC).

    Returns
    -------
    list of dict
        One per date: the values of ``totals``' row for its bar (USD, base units).

    Raises
    ------
    InputError
        As :func:`book_totals_at`.
    """
    dates = list(as_ofs)
    if len(totals) == 0:
        raise InputError("totals: no book-totals bars")
    idx = pd.DatetimeIndex(totals.index)
    if not idx.is_unique or any(a is None for a in dates):
        return [{str(c): v for c, v in book_totals_at(totals, a).items()} for a in dates]
    step = bar_step(idx)  # what resolve_as_of infers on each call
    labels = [
        resolve_as_of(a, idx, step, option="as_of", series="the order-book totals") for a in dates
    ]
    rows = idx.get_indexer(pd.DatetimeIndex(labels))
    cols = {str(c): totals[c].to_numpy() for c in totals.columns}
    return [{c: v[i] for c, v in cols.items()} for i in rows]


def book_from_totals(
    row: pd.Series | dict[str, float],
    mid: float,
    *,
    beta: float,
    scale: float = 1.0,
    tick: float | None = None,
    n_levels: int = 4000,
    max_distance: float = 0.4,
) -> OrderBook:
    """A parametric book with ``D1`` from one book-totals bar.

    Parameters
    ----------
    row : Series or dict
        ``bids_usd`` and ``asks_usd``: displayed notional within 1 % of mid, USD.
    mid : float
        Mid price, USD.
    beta : float
        Depth exponent (:func:`depth_beta`).
    scale : float, default 1.0
        Multiplies ``D1`` (a venue's share of the aggregated depth), > 0.
    tick, n_levels, max_distance
        As in :meth:`OrderBook.parametric`; the defaults cover ±40 % of mid in
        4,000 levels per side.
    """
    if not (np.isfinite(scale) and scale > 0):
        raise InputError(f"scale must be > 0 (got {scale})", param="scale")
    return OrderBook.parametric(
        float(mid),
        float(row["bids_usd"]) * scale,
        float(row["asks_usd"]) * scale,
        beta=float(beta),
        tick=tick,
        n_levels=n_levels,
        max_distance=max_distance,
    )


def calibrated_book(
    as_of: Any = None,
    mid: float | None = None,
    *,
    beta: float | None = None,
    market: str = "futures",
    scale: float = 1.0,
    tick: float | None = None,
    n_levels: int = 4000,
    max_distance: float = 0.4,
    asset: str = "ETH",
    totals: pd.DataFrame | None = None,
) -> OrderBook:
    """A parametric book with ``D1`` from the CoinGlass totals bar closed at ``as_of``.

    Parameters
    ----------
    as_of : datetime-like, optional
        Date (UTC); the last totals bar closed at or before it is used (the bundled
        totals run 2024-11 → 2025-07; later dates use the last bar). Default: the last bar.
    mid : float, optional
        Mid price, USD; default the hourly close of the last bar closed by ``as_of``
        (:func:`liqcascade.data._defaults.price_at`).
    beta : float, optional
        Depth exponent; default from the totals bars closed by ``as_of`` only: the
        futures β of :func:`beta_for` (0.73 for ETH at the end of the bundled data) or,
        for ``market="spot"``, the median of :func:`fit_beta` over the spot bars (0.46
        for ETH over the whole bundled period).
    market : {"futures", "spot"}
        Which totals.
    scale : float, default 1.0
        Multiplies ``D1`` (e.g. a venue's share of the aggregated market, to get
        one venue's book from the all-venue totals).
    tick, n_levels, max_distance
        As in :meth:`OrderBook.parametric`.
    asset : str, default "ETH"
        Asset of the totals and prices.
    totals : DataFrame, optional
        Book totals (``bids_usd``, ``asks_usd``, ``bids_base``, ``asks_base``); default
        the bundled ones (:mod:`liqcascade.data._defaults`).

    Notes
    -----
    The totals aggregate all venues CoinGlass tracks; the book is therefore the
    market-wide displayed book, not one venue's. Library code passes ``totals`` and
    ``mid`` (or uses :class:`liqcascade.market.MarketState`); the bundled defaults
    are a convenience for interactive use.
    """
    if not (np.isfinite(scale) and scale > 0):
        raise InputError(f"scale must be > 0 (got {scale})", param="scale")
    if totals is None or mid is None:
        from liqcascade.data import bundled_book_totals, price_at

        if totals is None:
            totals = bundled_book_totals(asset, market)
        if mid is None:
            when = as_of
            if when is None:  # the close of the last totals bar
                idx = pd.DatetimeIndex(totals.index)
                when = idx[-1] + (idx[-1] - idx[-2])
            mid = price_at(asset, when)
    row = book_totals_at(totals, as_of)
    if beta is None:  # from the bars closed by as_of only (no later bar read)
        if market == "futures":
            beta = beta_for(asset, totals, as_of)[0]
        else:
            beta = float(fit_beta(_closed_by(totals, as_of)).median())
            if not np.isfinite(beta):
                raise InputError(f"as_of {as_of}: no spot book totals closed by it", param="as_of")
    return book_from_totals(
        row, float(mid), beta=beta, scale=scale, tick=tick, n_levels=n_levels,
        max_distance=max_distance,
    )  # fmt: skip
