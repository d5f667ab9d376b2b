"""The trader's own positions on the watch: distances to liquidation and stop, stop in crowd.

``watch`` with a positions file (the format every command reads,
:func:`liqcascade.positions.read_given_positions`, plus an optional ``stop_price``
column: the position's own stop, USD) gives on every line, per position, its
liquidation price (the row's stated ``liq_price``, else computed with the row's venue
rules, :func:`liqcascade.margin.liq_price`), the distance from the line's price to it
and to the stop (percent of the price, positive while the price has not reached it)
and whether the stop sits inside the modelled crowd
(:func:`liqcascade.protect.check_stop`'s zones on the watch's estimated market at the
line's price). The line's alert metrics are the nearest position's
(:data:`POSITION_METRICS`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from liqcascade._typing import FloatArray
from liqcascade.errors import InputError

__all__ = [
    "POSITION_METRICS",
    "STOP_COLUMN",
    "WatchedPositions",
    "position_fields",
    "read_watched_positions",
]

#: The optional column of a watched positions file giving each position's own stop, USD.
STOP_COLUMN = "stop_price"

#: The line's alert metrics of the watched positions, with their unit.
POSITION_METRICS: dict[str, str] = {
    "position_liq_within_pct": "percent from price to the nearest position's liquidation "
    "price (≥ 0 until it is reached)",
    "position_stop_within_pct": "percent from price to the nearest position's stop (≥ 0 "
    "until it is reached)",
    "position_stop_in_crowd": "count of positions whose stop sits in the modelled crowd",
}

#: Which line key names the positions (data rows) behind each metric, for its alerts.
POSITION_ROWS = {
    "position_liq_within_pct": "position_liq_within_rows",
    "position_stop_within_pct": "position_stop_within_rows",
    "position_stop_in_crowd": "position_stop_in_crowd_rows",
}


@dataclass(frozen=True)
class WatchedPositions:
    """A positions file read for the watch.

    Parameters
    ----------
    book : PositionBook
        The file's positions, in file order (liquidation prices stated or computed).
    stop : numpy.ndarray
        Each position's own stop, USD (NaN: none given).
    liq_given : numpy.ndarray of bool
        Whether the row stated its ``liq_price`` (else the venue rules computed it).
    path : str
        The file, as given.
    """

    book: Any
    stop: FloatArray
    liq_given: np.ndarray
    path: str

    def __len__(self) -> int:
        return len(self.book)


def read_watched_positions(path: str | Path, asset: str) -> WatchedPositions:
    """Read a positions file of ``asset`` for the watch, with its optional ``stop_price``.

    Parameters
    ----------
    path : str or Path
        CSV or Parquet positions file (docs/data.md), one asset: the watch's.
    asset : str
        The watched asset (``ETH``): a row naming another is refused.

    Returns
    -------
    WatchedPositions

    Raises
    ------
    InputError
        The reader's errors (file, row; an empty file names ``positions``); a
        ``stop_price`` that is not a number, not > 0, or more than 10x from the row's
        entry (a unit error), naming the file and row.
    """
    from liqcascade._tables import read_user_table
    from liqcascade.positions import read_given_positions

    book = read_given_positions(
        path, "positions", asset=asset, default_scale=True, also_read=(STOP_COLUMN,)
    )
    df = read_user_table(path)
    n = len(book)
    stop = np.full(n, np.nan)
    if STOP_COLUMN in df.columns:
        for i, cell in enumerate(df[STOP_COLUMN].tolist()):
            stop[i] = _stop_cell(cell, float(book.entry_price[i]), str(path), i + 1)
    liq_given = np.zeros(n, dtype=bool)
    if "liq_price" in df.columns:
        liq_given = np.array([_number(c) is not None for c in df["liq_price"].tolist()])
    return WatchedPositions(book, stop, liq_given, str(path))


def _number(cell: Any) -> float | None:
    """A cell as a float (NaN: not a number); None when blank."""
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return None
    text = str(cell).strip()
    if text.lower() in ("", "nan", "na", "n/a", "null", "none"):
        return None
    try:
        return float(text)
    except ValueError:
        return math.nan


def _stop_cell(cell: Any, entry: float, path: str, row: int) -> float:
    """One ``stop_price`` cell, USD (NaN: blank), checked."""
    v = _number(cell)
    if v is None:
        return math.nan
    if not (math.isfinite(v) and v > 0):
        raise InputError(f"{STOP_COLUMN} must be a price > 0, USD (got {cell!r})", file=path,
                         row=row)  # fmt: skip
    if not 0.1 <= v / entry <= 10.0:
        raise InputError(
            f"{STOP_COLUMN} {v:,.2f} is more than 10x from the entry_price {entry:,.2f}: a "
            "unit error (prices are USD per coin)",
            file=path,
            row=row,
        )
    return v


def distances_pct(side: np.ndarray, level: np.ndarray, price: float) -> FloatArray:
    """Percent of ``price`` from ``price`` to each ``level``, positive until it is reached.

    A long's liquidation or sell stop lies below the price: ``100 (price - level) /
    price``; a short's above it: ``100 (level - price) / price``. Negative: the price is
    through the level. NaN where ``level`` is.
    """
    return 100.0 * side * (price - level) / price


def position_fields(
    w: WatchedPositions, price: float, market: dict[str, Any] | None, asset: str,
    crowd: dict[tuple[int, float], Any] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The line's fields of the watched positions at ``price``.

    Parameters
    ----------
    w : WatchedPositions
    price : float
        The line's price, USD.
    market : dict or None
        The watch's market (``positions``, ``stops``, ``label``) whose modelled crowd the
        stops are checked against; None: not checked (the book is of another date than
        the price), ``stop_in_crowd`` null.
    asset : str
    crowd : dict, optional
        A cache of the checks, keyed by (position index, price): a check is made once
        per price (an hourly close) and market (the caller empties it on a new book).

    Returns
    -------
    dict
        ``positions`` (one dict per position: ``row`` (the file's data row), ``side``,
        ``size``, ``entry_price``, ``liq_price``, ``liq_price_stated``,
        ``liq_within_pct``, ``stop_price``, ``stop_within_pct``, ``stop_in_crowd``,
        ``stop_zones``) and the nearest position's :data:`POSITION_METRICS` with the
        rows behind them (:data:`POSITION_ROWS`).
    """
    b = w.book
    side = b.side.astype(np.float64)
    liq_d = distances_pct(side, b.liq_price, price)
    stop_d = distances_pct(side, w.stop, price)
    rows = []
    for i in range(len(b)):
        has_stop = bool(np.isfinite(w.stop[i]))
        check = None
        if has_stop and market is not None:
            key = (i, float(price))
            if crowd is None or key not in crowd:
                check = _crowd_check(int(b.side[i]), float(w.stop[i]), price, market, asset)
                if crowd is not None:
                    crowd[key] = check
            else:
                check = crowd[key]
        rows.append({
            "row": i + 1, "side": "long" if b.side[i] > 0 else "short",
            "size": float(b.size[i]), "entry_price": float(b.entry_price[i]),
            "liq_price": float(b.liq_price[i]), "liq_price_stated": bool(w.liq_given[i]),
            "liq_within_pct": float(liq_d[i]),
            "stop_price": float(w.stop[i]) if has_stop else None,
            "stop_within_pct": float(stop_d[i]) if has_stop else None,
            "stop_in_crowd": None if check is None else bool(check["in_crowd"]),
            "stop_zones": None if check is None else check["zones"],
        })  # fmt: skip
    return {"positions": rows, **_nearest(rows, checked=market is not None)}


def _nearest(rows: list[dict[str, Any]], *, checked: bool) -> dict[str, Any]:
    """The alert metrics: nearest liquidation, nearest stop, stops in the crowd."""
    out: dict[str, Any] = {}
    for metric, key in (("position_liq_within_pct", "liq_within_pct"),
                        ("position_stop_within_pct", "stop_within_pct")):  # fmt: skip
        have = [r for r in rows if r[key] is not None]
        v = min((r[key] for r in have), default=math.nan)
        out[metric] = v
        out[POSITION_ROWS[metric]] = [r["row"] for r in have if r[key] == v]
    crowded = [r["row"] for r in rows if r["stop_in_crowd"]]
    out["position_stop_in_crowd"] = len(crowded) if checked else math.nan
    out["position_stop_in_crowd_rows"] = crowded
    return out


def _crowd_check(
    side: int, stop: float, price: float, market: dict[str, Any], asset: str
) -> dict[str, Any] | None:
    """The crowd a held stop sits in on the watch's market at ``price`` (USD).

    :func:`liqcascade.protect.stop_zones`: the recommender's zones (the clusters of the
    estimated map on the stop's side between the price and the stop, widened, and the
    round-number zones) that hold the stop; no volatility is fitted, so no stop-out
    chance. None: the price is through the stop (it has fired), or the stop is more
    than 10x from it.
    """
    from liqcascade.protect import stop_zones

    if side * (price - stop) <= 0 or not 0.1 <= stop / price <= 10.0:
        return None  # fired, or a unit error the reader's 10x check let through
    zones = stop_zones(market["positions"], market["stops"], price, side, stop,
                       asset=asset, as_of=market["label"])  # fmt: skip
    return {"in_crowd": bool(zones), "zones": zones}
