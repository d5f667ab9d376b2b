"""L2 order books: bid levels below mid, ask levels above, sizes in base units."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from liqcascade._limits import (
    BOOK_LEVEL_BYTES,
    MAX_USD,
    check_count,
    check_number,
    check_whole,
    widen,
)
from liqcascade._typing import FloatArray
from liqcascade.errors import InputError, row_ref

__all__ = ["OrderBook"]


def _arr(x: Any) -> FloatArray:
    return np.ascontiguousarray(widen(x).ravel())  # float32 levels: their decimals


@dataclass(frozen=True, eq=False)
class OrderBook:
    """An L2 order book around a mid price.

    Parameters
    ----------
    mid : float
        Mid price, USD.
    bid_price, bid_size : array of float
        Bid levels, best (highest) first: prices strictly decreasing and below
        ``mid`` (USD), sizes > 0 (base units, ETH).
    ask_price, ask_size : array of float
        Ask levels, best (lowest) first: prices strictly increasing and above ``mid``.

    Raises
    ------
    InputError
        If a price or size is not finite, a size is not > 0, a bid is at or above
        mid, an ask at or below mid, or the levels are not sorted. Messages name the
        side and the 1-based level.

    Notes
    -----
    Use :meth:`from_file`, :meth:`from_ccxt`, :meth:`from_book_depth` or
    :meth:`parametric` to build one; the constructor expects sorted levels.

    A side may hold no levels (a one-sided book), and so may both: a cascade whose
    orders meet a side with no levels left is exhausted at once (``book_exhausted``):
    the price stays where the round started (after a target-price shock, that price)
    and every triggered position and stop closes there (docs/cascade.md,
    "Settlement"). A book with no levels at all is a market with no liquidity, not an
    error; :meth:`from_file` refuses a file with no levels (a header only), which is
    almost surely a mistake.
    """

    mid: float
    bid_price: FloatArray
    bid_size: FloatArray
    ask_price: FloatArray
    ask_size: FloatArray

    def __post_init__(self) -> None:
        mid = float(self.mid)
        if not (math.isfinite(mid) and mid > 0):
            raise InputError(f"order book mid must be finite and > 0 (got {self.mid})", param="mid")
        object.__setattr__(self, "mid", mid)
        for side in ("bid", "ask"):
            p = _arr(getattr(self, f"{side}_price"))
            q = _arr(getattr(self, f"{side}_size"))
            if p.shape != q.shape:
                raise InputError(f"{side}_price and {side}_size differ in length")
            object.__setattr__(self, f"{side}_price", p)
            object.__setattr__(self, f"{side}_size", q)
            _check_side(side, p, q, mid)

    # ------------------------------------------------------------------ builders
    @classmethod
    def from_levels(
        cls,
        mid: float,
        bids: Sequence[Sequence[float]] | FloatArray,
        asks: Sequence[Sequence[float]] | FloatArray,
    ) -> OrderBook:
        """Build from unsorted ``[[price, size], ...]`` pairs per side (sorted here).

        Parameters
        ----------
        mid : float
            Mid price, USD.
        bids, asks : array-like of shape (n_levels, 2)
            ``[price, size]`` per level: price in USD, size in base units. Any order.
        """
        sides = []
        for name, levels in (("bids", bids), ("asks", asks)):
            try:
                arr = np.asarray(levels, dtype=np.float64)
            except (TypeError, ValueError):
                raise InputError(
                    f"{name} must be [price, size] pairs of numbers", param=name
                ) from None
            if not (arr.size == 0 or (arr.ndim == 2 and arr.shape[1] == 2)):
                raise InputError(
                    f"{name} must have shape (n_levels, 2): [price, size] per level "
                    f"(got shape {arr.shape})",
                    param=name,
                )
            sides.append(arr.reshape(-1, 2))
        b, a = sides
        b = b[np.argsort(-b[:, 0], kind="stable")]
        a = a[np.argsort(a[:, 0], kind="stable")]
        return cls(mid, b[:, 0], b[:, 1], a[:, 0], a[:, 1])

    @classmethod
    def from_file(cls, path: str | Path, mid: float | None = None) -> OrderBook:
        """Read a book file (CSV or Parquet) with columns ``side`` (bid/ask), ``price``, ``size``.

        Parameters
        ----------
        path : str or Path
            The file; one row per level, any order, header required.
        mid : float, optional
            Mid price, USD. Default: halfway between best bid and best ask.

        Raises
        ------
        InputError
            ``"FILE: data row N: ..."`` for a bad row (1-based data row), a bid at or above
            mid or an ask at or below it, a crossed book, a size <= 0, a duplicate price.
        """
        from liqcascade._tables import read_user_table

        path = Path(path)
        name = str(path)
        df = read_user_table(path, skipinitialspace=False)
        return cls._from_table(df, name, mid)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, mid: float | None = None) -> OrderBook:
        """Build from a frame of levels: :meth:`to_frame`'s ``side`` (bid/ask), ``price``, ``size``.

        The in-memory twin of :meth:`from_file`, with its rules (``to_frame`` keeps no
        mid: give ``mid`` for the book's own; default halfway between the sides).

        Parameters
        ----------
        frame : pandas.DataFrame
            One row per level, any order: ``side`` (bid or ask, any case), ``price``
            (USD, > 0), ``size`` (base units, > 0).
        mid : float, optional
            Mid price, USD. Default: halfway between best bid and best ask.

        Raises
        ------
        InputError
            ``param="frame"``: not a frame, a column missing, a bad row (``frame: row
            N: ...``, 1-based), a crossed book, a duplicate price; ``param="mid"``: a
            one-sided book without ``mid``.
        """
        from liqcascade._tables import check_frame

        return cls._from_table(check_frame(frame, "frame"), "frame", mid, param="frame")

    @classmethod
    def _from_table(
        cls, df: pd.DataFrame, name: str, mid: float | None, param: str | None = None
    ) -> OrderBook:
        """:meth:`from_file`'s and :meth:`from_frame`'s rules on a table named ``name``."""
        from liqcascade._tables import check_columns

        check_columns(df.columns, ("side", "price", "size"), name, param=param)
        side = df["side"].astype(str).str.strip().str.lower()
        price = pd.to_numeric(df["price"], errors="coerce").to_numpy(dtype=np.float64)
        size = pd.to_numeric(df["size"], errors="coerce").to_numpy(dtype=np.float64)
        for i in range(len(df)):
            row = i + 1
            s = side.iloc[i]
            if s not in ("bid", "ask", "bids", "asks", "buy", "sell"):
                raise InputError(
                    f"{name}: {row_ref(row)}: side must be bid or ask (got {s!r})", param=param
                )
            for col, values in (("price", price), ("size", size)):
                if not math.isfinite(values[i]):
                    raise InputError(
                        f"{name}: {row_ref(row)}: {_not_finite(col, df[col].iloc[i])}", param=param
                    )
                if values[i] <= 0:
                    raise InputError(
                        f"{name}: {row_ref(row)}: {col} must be > 0 (got {df[col].iloc[i]})",
                        param=param,
                    )
        is_bid = side.isin(["bid", "bids", "buy"]).to_numpy()
        if not is_bid.any() and not (~is_bid).any():
            raise InputError(f"{name}: no levels", param=param)
        rows = np.arange(1, len(df) + 1)
        bp, bq, br = price[is_bid], size[is_bid], rows[is_bid]
        ap, aq, ar = price[~is_bid], size[~is_bid], rows[~is_bid]
        if bp.size and ap.size and bp.max() >= ap.min():
            r = int(br[np.argmax(bp)])
            raise InputError(
                f"{name}: {row_ref(r)}: crossed book: best bid {bp.max():g} >= best ask "
                f"{ap.min():g}",
                param=param,
            )
        if mid is None:
            if bp.size and ap.size:
                mid = 0.5 * (bp.max() + ap.min())
            else:
                one = "bids" if bp.size else "asks"
                raise InputError(
                    f"one-sided book (only {one}): give mid, the price between the sides",
                    file=None if param else name,
                    param="mid",
                )
        for p, r in zip(bp, br, strict=True):
            if p >= mid:
                raise InputError(
                    f"{name}: {row_ref(r)}: bid {p:g} is not below mid {mid:g}", param=param
                )
        for p, r in zip(ap, ar, strict=True):
            if p <= mid:
                raise InputError(
                    f"{name}: {row_ref(r)}: ask {p:g} is not above mid {mid:g}", param=param
                )
        for pp, rr, label in ((bp, br, "bid"), (ap, ar, "ask")):
            _, inv, cnt = np.unique(pp, return_inverse=True, return_counts=True)
            if (cnt > 1).any():
                dup = int(rr[np.nonzero(cnt[inv] > 1)[0][1]])
                raise InputError(f"{name}: {row_ref(dup)}: duplicate {label} price", param=param)
        ob = np.argsort(-bp, kind="stable")
        oa = np.argsort(ap, kind="stable")
        return cls(float(mid), bp[ob], bq[ob], ap[oa], aq[oa])

    @classmethod
    def from_ccxt(cls, order_book: Mapping[str, Any], mid: float | None = None) -> OrderBook:
        """Build from ccxt's ``fetch_order_book`` result ``{"bids": [[p, q], ...], "asks": ...}``.

        Parameters
        ----------
        order_book : mapping
            ccxt order book; extra entries per level (timestamps, counts) are ignored.
        mid : float, optional
            Mid price, USD; default the midpoint of best bid and best ask.
        """
        try:
            bids = np.asarray([[float(x[0]), float(x[1])] for x in order_book.get("bids", [])])
            asks = np.asarray([[float(x[0]), float(x[1])] for x in order_book.get("asks", [])])
        except (TypeError, ValueError, IndexError) as exc:
            raise InputError(f"ccxt order book: malformed level: {exc}") from exc
        bids = bids.reshape(-1, 2)
        asks = asks.reshape(-1, 2)
        if mid is None:
            if len(bids) == 0 or len(asks) == 0:
                raise InputError("ccxt order book: one-sided book: give the mid price")
            mid = 0.5 * (bids[:, 0].max() + asks[:, 0].min())
        return cls.from_levels(float(mid), bids, asks)

    @classmethod
    def from_book_depth(
        cls, frame: pd.DataFrame, mid: float, levels_per_percent: int = 20
    ) -> OrderBook:
        """Build from Binance ``bookDepth`` cumulative depth at ±1…5 % of mid.

        Parameters
        ----------
        frame : DataFrame
            One snapshot: columns ``percentage`` (−5…−1 for bids, 1…5 for asks, percent),
            ``depth`` (cumulative base units) and ``notional`` (cumulative USD). Rows of
            one ``timestamp`` only (take the snapshot you want first).
        mid : float
            Mid price, USD, at the snapshot.
        levels_per_percent : int, default 20
            Levels per percent of distance; each band's base quantity (the increment of
            cumulative ``depth``) is spread evenly over the band's levels.
        """
        need = {"percentage", "depth"}
        cols = {str(c).lower(): c for c in frame.columns}
        if not need <= set(cols):
            raise InputError("bookDepth frame needs columns percentage, depth [, notional]")
        pct = pd.to_numeric(frame[cols["percentage"]], errors="coerce").to_numpy(np.float64)
        dep = pd.to_numeric(frame[cols["depth"]], errors="coerce").to_numpy(np.float64)
        if not (np.isfinite(pct).all() and np.isfinite(dep).all()):
            raise InputError("bookDepth frame: non-numeric percentage or depth")
        check_whole(levels_per_percent, "levels_per_percent")
        if not (math.isfinite(mid) and mid > 0):
            raise InputError(f"mid must be a finite price > 0 USD (got {mid})", param="mid")
        span = float(np.abs(pct).max()) if pct.size else 0.0
        check_count(
            "levels_per_percent", int(levels_per_percent), 2 * BOOK_LEVEL_BYTES * (span + 1)
        )
        sides: dict[str, tuple[FloatArray, FloatArray]] = {}
        for label, sign in (("bid", -1.0), ("ask", 1.0)):
            m = np.sign(pct) == sign
            d = np.abs(pct[m]) / 100.0
            c = dep[m]
            o = np.argsort(d)
            d, c = d[o], c[o]
            if d.size and (np.diff(c) < -1e-9).any():
                raise InputError(f"bookDepth frame: {label} depth not cumulative (decreases)")
            prices: list[FloatArray] = []
            sizes: list[FloatArray] = []
            lo, cum_lo = 0.0, 0.0
            for dist, cum in zip(d, c, strict=True):
                inc = cum - cum_lo
                n = max(1, round((dist - lo) * 100 * levels_per_percent))
                dd = lo + (dist - lo) * (np.arange(1, n + 1) / n)
                if inc > 0:
                    prices.append(mid * (1 + sign * dd))
                    sizes.append(np.full(n, inc / n))
                lo, cum_lo = dist, cum
            sides[label] = (
                np.concatenate(prices) if prices else np.empty(0),
                np.concatenate(sizes) if sizes else np.empty(0),
            )
        return cls(mid, sides["bid"][0], sides["bid"][1], sides["ask"][0], sides["ask"][1])

    @classmethod
    def parametric(
        cls,
        mid: float,
        d1_usd_bid: float,
        d1_usd_ask: float | None = None,
        *,
        beta: float = 0.73,
        tick: float | None = None,
        n_levels: int = 2000,
        max_distance: float = 0.25,
    ) -> OrderBook:
        """A book from the depth curve ``D(δ) = D1 · (δ / 0.01)^β``.

        ``D(δ)`` is the cumulative notional (USD) resting within distance ``δ``
        (fraction of mid) of mid on one side.

        Parameters
        ----------
        mid : float
            Mid price, USD.
        d1_usd_bid, d1_usd_ask : float
            Cumulative notional within 1 % of mid, USD (ask defaults to the bid value).
        beta : float, default 0.73
            Shape exponent: 1 is a flat density, < 1 concave (depth thins away from
            mid). The default is the median fitted to the bundled CoinGlass futures
            book totals (see :func:`liqcascade.book.fit_beta`).
        tick : float, optional
            Price step between levels, USD; default ``mid * max_distance / n_levels``.
        n_levels : int, default 2000
            Levels per side (ignored when ``tick`` is given).
        max_distance : float, default 0.25
            Distance of the deepest level from mid, fraction.

        Raises
        ------
        InputError
            Naming the parameter: ``mid``, ``d1_usd_bid``/``d1_usd_ask``, ``beta`` or
            ``tick`` not finite and > 0, ``max_distance`` outside (0, 1), ``n_levels``
            not a whole number >= 1 (or past the memory).
        """
        mid = check_number(mid, "mid")  # text and bools refused, a Decimal read as a float
        if not (math.isfinite(mid) and mid > 0):
            raise InputError(f"mid must be a finite price > 0 USD (got {mid})", param="mid")
        d1b = check_number(d1_usd_bid, "d1_usd_bid")
        d1a = d1b if d1_usd_ask is None else check_number(d1_usd_ask, "d1_usd_ask")
        beta = check_number(beta, "beta")
        max_distance = check_number(max_distance, "max_distance")
        tick = None if tick is None else check_number(tick, "tick")
        for nm, v in (("d1_usd_bid", d1b), ("d1_usd_ask", d1a)):
            if not (math.isfinite(v) and v > 0):
                raise InputError(f"{nm} must be > 0 USD (got {v})", param=nm)
        if not (math.isfinite(beta) and beta > 0):
            raise InputError(f"beta must be > 0 (got {beta})", param="beta")
        if not 0 < max_distance < 1:
            raise InputError(
                f"max_distance must be in (0, 1) (got {max_distance})", param="max_distance"
            )
        if tick is None:
            n_levels = check_whole(n_levels, "n_levels")
            tick = mid * max_distance / n_levels
        if not (math.isfinite(tick) and tick > 0):
            raise InputError(f"tick must be > 0 USD (got {tick})", param="tick")
        n = math.floor(mid * max_distance / tick + 1e-9)
        if n < 1:
            raise InputError("tick is larger than max_distance * mid: no levels", param="tick")
        check_count("n_levels", n, BOOK_LEVEL_BYTES)  # refused before any allocation
        k = np.arange(1, n + 1, dtype=np.float64)
        dist = k * tick / mid
        edges = np.concatenate([[0.0], dist])

        def sizes(d1: float, sign: float) -> tuple[FloatArray, FloatArray]:
            cum = d1 * (edges / 0.01) ** beta
            notional = np.diff(cum)
            price = mid * (1 + sign * dist)
            return price, notional / price

        bp, bq = sizes(d1b, -1.0)
        ap, aq = sizes(d1a, 1.0)
        keep = bp > 0
        return cls(mid, bp[keep], bq[keep], ap, aq)

    # ------------------------------------------------------------------ views
    @property
    def n_levels(self) -> tuple[int, int]:
        """Number of (bid, ask) levels."""
        return int(self.bid_price.size), int(self.ask_price.size)

    def notional_within(self, distance: float, side: str = "bid") -> float:
        """Cumulative notional (USD) of ``side`` levels within ``distance`` (fraction) of mid.

        Parameters
        ----------
        distance : float
            Distance from mid, fraction of mid (0.01 is 1 %), inclusive.
        side : {"bid", "ask"}, default "bid"
            The side of the book.

        Returns
        -------
        float
            Sum of price × size over the levels within ``distance``, USD.

        Raises
        ------
        InputError
            ``distance`` not a fraction >= 0 (NaN and negative distances gave 0 USD), or
            ``side`` neither ``"bid"`` nor ``"ask"``.
        """
        if side not in ("bid", "ask"):
            raise InputError(f"side must be 'bid' or 'ask' (got {side!r})", param="side")
        if not distance >= 0:  # NaN fails too; inf takes every level
            raise InputError(f"distance must be a fraction >= 0 (got {distance})", param="distance")
        p = self.bid_price if side == "bid" else self.ask_price
        q = self.bid_size if side == "bid" else self.ask_size
        m = np.abs(p / self.mid - 1.0) <= distance + 1e-12
        return float((p[m] * q[m]).sum())

    def depth_curve(self) -> pd.DataFrame:
        """Cumulative depth per level: side, price, distance (fraction), size, notional_usd."""
        frames = []
        for side, p, q in (
            ("bid", self.bid_price, self.bid_size),
            ("ask", self.ask_price, self.ask_size),
        ):
            frames.append(
                pd.DataFrame(
                    {
                        "side": side,
                        "price": p,
                        "distance": np.abs(p / self.mid - 1.0),
                        "size": q,
                        "notional_usd": np.cumsum(p * q),
                    }
                )
            )
        return pd.concat(frames, ignore_index=True)

    def to_frame(self) -> pd.DataFrame:
        """One row per level: ``side`` (bid/ask), ``price`` (USD), ``size`` (base)."""
        return self.depth_curve()[["side", "price", "size"]]

    def summary(self) -> dict[str, float]:
        """Mid, level counts, spread and depth within 1 %, 2 % and 5 % of mid (USD)."""
        out: dict[str, float] = {
            "mid": self.mid,
            "n_bid_levels": int(self.bid_price.size),  # counts stay whole numbers
            "n_ask_levels": int(self.ask_price.size),
        }
        if self.bid_price.size and self.ask_price.size:
            out["spread"] = float(self.ask_price[0] - self.bid_price[0])
        for d in (0.01, 0.02, 0.05):
            out[f"bid_usd_{int(d * 100)}pct"] = self.notional_within(d, "bid")
            out[f"ask_usd_{int(d * 100)}pct"] = self.notional_within(d, "ask")
        out["bid_usd_total"] = float((self.bid_price * self.bid_size).sum())
        out["ask_usd_total"] = float((self.ask_price * self.ask_size).sum())
        return out

    def plot(self, max_distance: float = 0.1) -> Any:
        """Plotly figure of cumulative depth (USD) against price, both sides.

        Parameters
        ----------
        max_distance : float, default 0.1
            Levels farther than this from mid (fraction of mid) are not drawn.

        Returns
        -------
        plotly.graph_objects.Figure
        """
        import plotly.graph_objects as go

        fig = go.Figure()
        dc = self.depth_curve()
        dc = dc[dc["distance"] <= max_distance]
        for side, color in (("bid", "#27ae60"), ("ask", "#c0392b")):
            s = dc[dc["side"] == side]
            step = max(1, len(s) // 1500)
            s = s.iloc[::step]
            fig.add_trace(
                go.Scatter(
                    x=s["price"],
                    y=s["notional_usd"] / 1e6,
                    name=f"{side}s",
                    line={"color": color, "shape": "hv"},
                    fill="tozeroy",
                )
            )
        fig.add_vline(x=self.mid, line_dash="dot")
        fig.update_layout(
            title="Order book: cumulative depth",
            xaxis_title="price (USD)",
            yaxis_title="cumulative depth (M USD)",
            height=380,
        )
        return fig

    def _repr_html_(self) -> str:
        s = self.summary()
        rows = "".join(f"<tr><th>{k}</th><td>{v:,.6g}</td></tr>" for k, v in s.items())
        return f"<table><caption>OrderBook</caption>{rows}</table>"

    def __repr__(self) -> str:
        nb, na = self.n_levels
        return f"OrderBook(mid={self.mid:g}, {nb} bid levels, {na} ask levels)"


#: Cell texts a table reader turns into NaN: an empty cell, or one of these words.
_EMPTY_WORDS = ("", "nan", "na", "n/a", "null", "none")


def _not_finite(col: str, cell: Any) -> str:
    """Why a book file's cell is no finite number, in the file's words (no numpy repr).

    An empty cell reaches here as NaN (the table reader parses it so): it is said to be
    empty, not "not a number (got np.float64(nan))".
    """
    text = "" if cell is None else str(cell).strip()
    if text.lower() in _EMPTY_WORDS:
        return f"{col} is missing (the cell is empty or NaN)"
    try:
        value = float(text)
    except ValueError:
        from liqcascade._typed_numbers import number_refusal

        fix = number_refusal(text, percent=None)  # 3,650 or $3650: the number to write
        return f"{col} is not a number (got {text!r})" + (f": {fix}" if fix else "")
    return f"{col} must be a finite number > 0 (got {value:g})"


def _check_side(side: str, p: FloatArray, q: FloatArray, mid: float) -> None:
    if p.size == 0:
        return
    bad = ~np.isfinite(p) | (p <= 0)
    if bad.any():
        i = int(np.argmax(bad)) + 1
        raise InputError(f"{side} level {i}: price must be finite and > 0 (got {p[i - 1]})")
    bad = ~np.isfinite(q) | (q <= 0)
    if bad.any():
        i = int(np.argmax(bad)) + 1
        raise InputError(f"{side} level {i}: size must be finite and > 0 (got {q[i - 1]})")
    bad = p * q > MAX_USD  # 1e300 base units passed, and the depth's sums overflowed to inf
    if bad.any():
        i = int(np.argmax(bad)) + 1
        raise InputError(
            f"{side} level {i}: price x size must be at most {MAX_USD:.0e} USD "
            f"(got {p[i - 1] * q[i - 1]:g})"
        )
    if side == "bid":
        bad = p >= mid
        what = "is not below mid"
        order = np.diff(p) < 0
    else:
        bad = p <= mid
        what = "is not above mid"
        order = np.diff(p) > 0
    if bad.any():
        i = int(np.argmax(bad)) + 1
        raise InputError(f"{side} level {i}: price {p[i - 1]:g} {what} {mid:g}")
    if order.size and not order.all():
        i = int(np.argmin(order)) + 2
        raise InputError(
            f"{side} level {i}: {side} prices must be strictly "
            f"{'decreasing' if side == 'bid' else 'increasing'} from the best level"
        )
