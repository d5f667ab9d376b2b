"""The result of one cascade."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from liqcascade._json import SummaryDict
from liqcascade._prices import fmt_or_na
from liqcascade._typing import FloatArray
from liqcascade.cascade._config import CascadeConfig
from liqcascade.cascade._prepare import PreparedMarket
from liqcascade.cascade._walk import (
    T_CLOSE,
    T_FILLED,
    T_FR,
    T_FUND,
    T_POS_END,
    T_POS_SET,
    T_PRICE,
    T_Q,
    T_QPOS,
    T_QSTOP,
    T_RAN_OUT,
    T_SETTLED,
    T_STOP_END,
    T_STOP_SET,
    T_VWAP,
)

__all__ = ["SUMMARY_KEYS", "CascadeResult"]

#: Keys of :meth:`CascadeResult.summary` (docs/design.md's, plus ``amplification``).
SUMMARY_KEYS: tuple[str, ...] = (
    "initial_price",
    "shock_price",
    "final_price",
    "rounds",
    "liquidated_long_usd",
    "liquidated_short_usd",
    "n_liquidated",
    "stops_sell_usd",
    "stops_buy_usd",
    "n_stops",
    "insurance_fund_end",
    "bad_debt_usd",
    "liquidation_surplus_usd",
    "book_exhausted",
    "unfilled_base",
    "trace",
    "amplification",
)


@dataclass(frozen=True, eq=False)
class CascadeResult(SummaryDict):
    """One cascade: docs/design.md's results as attributes, with per-round and per-order detail.

    Attributes
    ----------
    initial_price, shock_price, final_price : float
        Mid before, price right after the exogenous shock, price when the cascade
        stops (USD).
    rounds : int
        Rounds in which something triggered.
    liquidated_long_usd, liquidated_short_usd : float
        Liquidated notional closed, USD: what the book filled plus what it could not
        absorb, at the price reached (docs/design.md, "Fills" and "Settlement").
    n_liquidated, n_stops : int
        Positions / stops closed (the settlement at the exhaustion price included).
    stops_sell_usd, stops_buy_usd : float
        Stop notional closed, USD.
    insurance_fund_end, bad_debt_usd : float
        Fund at the end and the shortfall it could not cover, USD. Shortfalls (closes
        beyond bankruptcy) draw on the opening fund only; surpluses and fees are
        credited after the cascade (the static book's conservative rule, issue 17):
        ``insurance_fund_end = max(0, F0 − shortfall_usd) + liquidation_surplus_usd``,
        ``bad_debt_usd = max(0, shortfall_usd − F0)``.
    book_exhausted : bool
        The moving side of the book ran out.
    unfilled_base : float
        Base units closed at the exhaustion price ``P_x``: the part of the last
        round's order the book could not absorb plus the positions and stops settled
        there (0 when the book lasted).
    direction : {"down", "up"}
        Which way the shock moved price: ``"down"`` for a target at or below mid or a
        market sell, ``"up"`` otherwise; the cascade runs on that side only (longs and
        sell stops for a fall, shorts and buy stops for a rise).
    insurance_fund_start : float
        ``F0``, USD.
    liquidation_surplus_usd, shortfall_usd : float
        Gross surpluses (margin left on liquidated positions, plus fees) credited after
        the cascade, and gross shortfalls, USD.
    config : CascadeConfig
        The extensions the cascade ran with (all off by default); the per-position
        detail (:meth:`position_outcomes`) reads its partial-liquidation chunks.
    """

    initial_price: float
    shock_price: float
    final_price: float
    rounds: int
    liquidated_long_usd: float
    liquidated_short_usd: float
    n_liquidated: int
    stops_sell_usd: float
    stops_buy_usd: float
    n_stops: int
    insurance_fund_end: float
    bad_debt_usd: float
    book_exhausted: bool
    unfilled_base: float
    direction: str
    insurance_fund_start: float
    liquidation_surplus_usd: float
    shortfall_usd: float
    config: CascadeConfig
    _trace: FloatArray = field(repr=False)
    _prepared: PreparedMarket = field(repr=False)
    _book_state: tuple[int, float, float] = field(repr=False)
    # per sorted position / stop: USD closed and base the book filled, computed when
    # first asked (the block kernel does not visit every order; see _engine)
    _closes_fn: Callable[[], tuple[Any, ...]] = field(repr=False)

    @cached_property
    def _closes(self) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """Per sorted position / stop: USD closed and base the book filled."""
        pv, pb, sv, sb = self._closes_fn()
        return pv, pb, sv, sb

    # ------------------------------------------------------------------ headline
    @property
    def amplification(self) -> float:
        """``(initial − final) / (initial − shock_price)``; nan if the shock left price as is."""
        d = self.initial_price - self.shock_price
        if d == 0:
            return math.nan
        return (self.initial_price - self.final_price) / d

    @property
    def move(self) -> float:
        """Total move, fraction of the initial price (negative for a fall)."""
        return self.final_price / self.initial_price - 1.0

    @property
    def liquidated_usd(self) -> float:
        """Liquidated notional of both sides, USD."""
        return self.liquidated_long_usd + self.liquidated_short_usd

    @property
    def forced_usd(self) -> float:
        """Liquidations plus stops filled, USD (everything force-sold or force-bought)."""
        return self.liquidated_usd + self.stops_sell_usd + self.stops_buy_usd

    @property
    def trace(self) -> list[dict[str, float]]:
        """Per round: ``{round, price, filled_base, vwap}``.

        ``price`` after the round (the exhaustion price ``P_x`` when it ran the book
        out); ``filled_base`` and ``vwap`` of the part the book filled (``vwap`` is
        ``P_x`` when the book filled nothing).
        """
        return [
            {
                "round": i + 1,
                "price": float(r[0]),
                "filled_base": float(r[1]),
                "vwap": float(r[2]),
            }
            for i, r in enumerate(self._trace)
        ]

    def summary(self) -> dict[str, Any]:
        """The keys of docs/design.md (and of ``liqcascade cascade --json``) + ``amplification``."""
        return {
            "initial_price": float(self.initial_price),
            "shock_price": float(self.shock_price),
            "final_price": float(self.final_price),
            "rounds": int(self.rounds),
            "liquidated_long_usd": float(self.liquidated_long_usd),
            "liquidated_short_usd": float(self.liquidated_short_usd),
            "n_liquidated": int(self.n_liquidated),
            "stops_sell_usd": float(self.stops_sell_usd),
            "stops_buy_usd": float(self.stops_buy_usd),
            "n_stops": int(self.n_stops),
            "insurance_fund_end": float(self.insurance_fund_end),
            "bad_debt_usd": float(self.bad_debt_usd),
            "liquidation_surplus_usd": float(self.liquidation_surplus_usd),
            "book_exhausted": bool(self.book_exhausted),
            "unfilled_base": float(self.unfilled_base),
            "trace": self.trace,
            "amplification": float(self.amplification),
        }

    def to_frame(self) -> pd.DataFrame:
        """The per-round trace, one row per round.

        Columns: ``price`` after the round (USD; the exhaustion price ``P_x`` in a
        round that ran the book out), ``filled_base`` (base the book filled),
        ``vwap`` of that part (USD; ``P_x`` when the book filled nothing),
        ``ordered_base`` (base the round's triggers ordered), ``fill_ratio``
        (filled / ordered), ``close_price`` (USD: the average close of the round's
        orders; each order closes at the VWAP of its own slice), ``settled_base``
        (base of the positions and stops settled at ``P_x``), ``liquidation_base`` and
        ``stop_base`` (of the round's orders), cumulative counts of closed positions
        and stops, ``insurance_fund`` after the round (USD: opening balance left plus
        the gains so far), ``book_exhausted`` (the round ran the book out) and
        ``notional_usd`` (everything closed in the round, USD).
        """
        t = self._trace
        df = pd.DataFrame(
            {
                "round": np.arange(1, t.shape[0] + 1),
                "price": t[:, T_PRICE],
                "filled_base": t[:, T_FILLED],
                "vwap": t[:, T_VWAP],
                "ordered_base": t[:, T_Q],
                "fill_ratio": t[:, T_FR],
                "close_price": t[:, T_CLOSE],
                "settled_base": t[:, T_SETTLED],
                "liquidation_base": t[:, T_QPOS],
                "stop_base": t[:, T_QSTOP],
                "n_liquidated_cum": t[:, T_POS_SET].astype(np.int64),
                "n_stops_cum": t[:, T_STOP_SET].astype(np.int64),
                "insurance_fund": t[:, T_FUND],
                "book_exhausted": t[:, T_RAN_OUT] > 0,
            }
        )
        df["notional_usd"] = (
            df["ordered_base"] * df["close_price"] + df["settled_base"] * df["price"]
        )
        return df.set_index("round")

    # ------------------------------------------------------------------ detail
    @cached_property
    def _position_detail(self) -> tuple[np.ndarray, FloatArray, FloatArray, FloatArray]:
        """Per position: round closed (0 never), base closed, base the book filled, USD."""
        pm = self._prepared
        side = pm.side(1.0 if self.direction == "down" else -1.0)
        n = len(pm.positions)
        rnd = np.zeros(n, dtype=np.int64)
        closed = np.zeros(n)
        book = np.zeros(n)
        notional = np.zeros(n)
        t = self._trace
        n_rounds = t.shape[0]
        if n_rounds == 0:
            return rnd, closed, book, notional
        # USD and book fills come from the kernel, order by order (fills by priority)
        pos_val, pos_book = self._closes[0], self._closes[1]
        notional[side.pos_index] = pos_val
        book[side.pos_index] = pos_book
        ends = t[:, T_POS_END].astype(np.int64)
        set_ends = t[:, T_POS_SET].astype(np.int64)
        starts = np.concatenate([[0], set_ends[:-1]])
        ran_out = t[:, T_RAN_OUT] > 0
        chunks = np.asarray(self.config.chunk_fractions())
        rest = np.concatenate([np.cumsum(chunks[::-1])[::-1][1:], [0.0]])
        for k in range(n_rounds):
            sl = slice(int(starts[k]), int(ends[k]))
            idx = side.pos_index[sl]
            rnd[idx] = k + 1
            size = side.pos_size[sl]
            large = side.pos_large[sl] if self.config.partial_liquidation else np.zeros(0, bool)
            if large.size == 0 or not large.any():
                large = np.zeros(size.size, bool)
            small = ~large
            closed[idx[small]] = size[small]
            if large.any():
                il, sz = idx[large], size[large]
                for j, c in enumerate(chunks):
                    r = k + j
                    if r >= n_rounds:
                        break
                    closed[il] += c * sz
                    if ran_out[r]:  # the chunks still open settle at P_x
                        closed[il] += rest[j] * sz
                        break
            # settlement at the exhaustion price: whole positions
            ss = slice(int(ends[k]), int(set_ends[k]))
            sidx = side.pos_index[ss]
            rnd[sidx] = k + 1
            closed[sidx] = side.pos_size[ss]
        return rnd, closed, book, notional

    def position_outcomes(self) -> pd.DataFrame:
        """Per position (original order): what the cascade did to it.

        Columns: ``round`` it closed in (0 = not), ``liquidated``, ``settled`` (closed
        by the settlement at the exhaustion price ``P_x``), ``closed_base``,
        ``book_base`` (the part the order book filled; the rest closed at ``P_x``),
        ``notional_usd`` and ``close_price`` (USD, average).
        """
        rnd, closed, book, notional = self._position_detail
        return _outcomes(rnd, closed, book, notional, self._settled_mask(positions=True))

    def _settled_mask(self, *, positions: bool) -> np.ndarray:
        pm = self._prepared
        side = pm.side(1.0 if self.direction == "down" else -1.0)
        n = len(pm.positions) if positions else len(pm.stops)
        out = np.zeros(n, bool)
        t = self._trace
        if t.shape[0] == 0:
            return out
        end, set_end = (T_POS_END, T_POS_SET) if positions else (T_STOP_END, T_STOP_SET)
        index = side.pos_index if positions else side.stop_index
        out[index[int(t[-1, end]) : int(t[-1, set_end])]] = True
        return out

    @property
    def liquidated_mask(self) -> np.ndarray:
        """Boolean mask over the input positions: closed in this cascade."""
        return self._position_detail[0] > 0

    @cached_property
    def _stop_detail(self) -> tuple[np.ndarray, FloatArray, FloatArray, FloatArray]:
        pm = self._prepared
        side = pm.side(1.0 if self.direction == "down" else -1.0)
        n = len(pm.stops)
        rnd = np.zeros(n, dtype=np.int64)
        closed = np.zeros(n)
        book = np.zeros(n)
        notional = np.zeros(n)
        t = self._trace
        if t.shape[0]:
            notional[side.stop_index] = self._closes[2]
            book[side.stop_index] = self._closes[3]
        start = 0
        for k in range(t.shape[0]):
            set_end = int(t[k, T_STOP_SET])
            idx = side.stop_index[start:set_end]
            rnd[idx] = k + 1
            closed[idx] = side.stop_size[start:set_end]
            start = set_end
        return rnd, closed, book, notional

    def stop_outcomes(self) -> pd.DataFrame:
        """Per stop (original order), columns as :meth:`position_outcomes` (``fired``)."""
        rnd, closed, book, notional = self._stop_detail
        out = _outcomes(rnd, closed, book, notional, self._settled_mask(positions=False))
        return out.rename(columns={"liquidated": "fired"})

    def book_after(self) -> tuple[FloatArray, FloatArray]:
        """Prices (USD) and remaining sizes (base) of the moving side's levels after the cascade."""
        pm = self._prepared
        side = pm.side(1.0 if self.direction == "down" else -1.0)
        ib, cur, scale = self._book_state
        rem = side.lvl_q * scale
        rem[:ib] = 0.0
        if ib < rem.size:
            rem[ib] = cur
        return side.lvl_abs.copy(), rem

    # ------------------------------------------------------------------ display
    def plot(self) -> Any:
        """Plotly figure: price by round, volume by round, book before and after."""
        import plotly.graph_objects as go
        from plotly.subplots import make_subplots

        df = self.to_frame()
        fig = make_subplots(
            rows=1,
            cols=3,
            subplot_titles=("price by round", "closed by round (M USD)", "book before / after"),
        )
        x = np.concatenate([[0], df.index.to_numpy()])
        y = np.concatenate([[self.shock_price], df["price"].to_numpy()])
        fig.add_trace(
            go.Scatter(x=x, y=y, mode="lines+markers", name="price", line={"color": "#2c3e50"}),
            row=1,
            col=1,
        )
        fig.add_hline(y=self.initial_price, line_dash="dot", row=1, col=1)
        for key, name, colour in (
            ("liquidation_base", "liquidations", "#c0392b"),
            ("stop_base", "stops", "#e67e22"),
            ("settled_base", "settled at the price reached", "#8e44ad"),
        ):
            at = df["price"] if key == "settled_base" else df["close_price"]
            fig.add_trace(
                go.Bar(
                    x=df.index,
                    y=df[key] * at / 1e6,
                    name=name,
                    marker_color=colour,
                ),
                row=1,
                col=2,
            )
        p, after = self.book_after()
        side = self._prepared.side(1.0 if self.direction == "down" else -1.0)
        before = side.lvl_q
        lo, hi = sorted((self.initial_price, self.final_price))
        span = max(hi - lo, 0.01 * self.initial_price)
        keep = (p >= lo - span) & (p <= hi + span)
        step = max(1, int(keep.sum()) // 1500)
        pk = p[keep][::step]
        for q, when, colour in ((before, "before", "#7f8c8d"), (after, "after", "#27ae60")):
            fig.add_trace(
                go.Scatter(
                    x=pk,
                    y=np.cumsum(q * p)[keep][::step] / 1e6,
                    name=f"book {when} (cum. M USD)",
                    line={"color": colour, "shape": "hv"},
                ),
                row=1,
                col=3,
            )
        fig.update_layout(
            title=(
                f"Cascade {self.initial_price:,.2f} → shock {self.shock_price:,.2f} → "
                f"final {self.final_price:,.2f} ({self.rounds} rounds)"
            ),
            barmode="stack",
            height=380,
        )
        fig.update_xaxes(title_text="round", row=1, col=1)
        fig.update_xaxes(title_text="round", row=1, col=2)
        fig.update_xaxes(title_text="price (USD)", row=1, col=3)
        return fig

    def _repr_html_(self) -> str:
        s = self.summary()
        s.pop("trace")
        rows = "".join(
            f"<tr><th style='text-align:left'>{k}</th><td>{_fmt(v)}</td></tr>" for k, v in s.items()
        )
        return f"<table><caption>CascadeResult ({self.direction})</caption>{rows}</table>"

    def __repr__(self) -> str:
        return (
            f"CascadeResult({self.direction}: {self.initial_price:g} -> shock {self.shock_price:g}"
            f" -> final {self.final_price:g}, {self.rounds} rounds, liquidated "
            f"{self.liquidated_usd:,.0f} USD, "
            f"stops {self.stops_sell_usd + self.stops_buy_usd:,.0f} USD)"
        )


def _outcomes(
    rnd: np.ndarray, closed: FloatArray, book: FloatArray, notional: FloatArray, settled: np.ndarray
) -> pd.DataFrame:
    with np.errstate(invalid="ignore", divide="ignore"):
        price = np.where(closed > 0, notional / np.where(closed > 0, closed, 1.0), np.nan)
    return pd.DataFrame(
        {
            "round": rnd,
            "liquidated": rnd > 0,
            "settled": settled,
            "closed_base": closed,
            "book_base": book,
            "notional_usd": notional,
            "close_price": price,
        }
    )


def _fmt(v: Any) -> str:
    """A summary value of the notebook table: a float compact, or n/a (never nan)."""
    if isinstance(v, float):
        return fmt_or_na(v, lambda x: f"{x:,.2f}" if abs(x) >= 1000 else f"{x:.6g}")
    return str(v)
