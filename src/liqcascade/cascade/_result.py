"""The result of one cascade."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from liqcascade._typing import FloatArray
from liqcascade.cascade._config import CascadeConfig
from liqcascade.cascade._prepare import PreparedMarket

__all__ = ["SUMMARY_KEYS", "CascadeResult"]

#: Keys of :meth:`CascadeResult.summary` (DESIGN.md's, plus ``amplification``).
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
    "book_exhausted",
    "unfilled_base",
    "trace",
    "amplification",
)


@dataclass(frozen=True, eq=False)
class CascadeResult:
    """One cascade: DESIGN.md's results as attributes, with per-round and per-order detail.

    Attributes
    ----------
    initial_price, shock_price, final_price : float
        Mid before, price right after the exogenous shock, price when the cascade
        stops (USD).
    rounds : int
        Rounds in which something triggered.
    liquidated_long_usd, liquidated_short_usd : float
        Liquidated notional filled, USD.
    n_liquidated, n_stops : int
        Positions / stops triggered (including those only partly filled).
    stops_sell_usd, stops_buy_usd : float
        Stop notional filled, USD.
    insurance_fund_end, bad_debt_usd : float
        Fund at the end and the shortfall it could not cover, USD.
    book_exhausted : bool
        The moving side of the book ran out.
    unfilled_base : float
        Cascade order quantity (base units) left unfilled when the book ran out.
    direction : {"down", "up"}
    insurance_fund_start : float
        ``F0``, USD.
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
    config: CascadeConfig
    _trace: FloatArray = field(repr=False)
    _prepared: PreparedMarket = field(repr=False)
    _book_state: tuple[int, float, float] = field(repr=False)

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
        """Per round: ``{round, price, filled_base, vwap}`` (vwap nan when nothing filled)."""
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
        """DESIGN.md's keys (also those of ``liqcascade cascade --json``) plus ``amplification``."""
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
            "book_exhausted": bool(self.book_exhausted),
            "unfilled_base": float(self.unfilled_base),
            "trace": self.trace,
            "amplification": float(self.amplification),
        }

    def to_frame(self) -> pd.DataFrame:
        """The per-round trace, one row per round.

        Columns: price, filled and ordered base, vwap, fill ratio, liquidation and
        stop quantities (base), cumulative counts, notional (USD), fund after the round.
        """
        t = self._trace
        df = pd.DataFrame(
            {
                "round": np.arange(1, t.shape[0] + 1),
                "price": t[:, 0],
                "filled_base": t[:, 1],
                "vwap": t[:, 2],
                "ordered_base": t[:, 3],
                "fill_ratio": t[:, 4],
                "liquidation_base": t[:, 7],
                "stop_base": t[:, 8],
                "n_liquidated_cum": t[:, 5].astype(np.int64),
                "n_stops_cum": t[:, 6].astype(np.int64),
                "insurance_fund": t[:, 9],
            }
        )
        df["notional_usd"] = np.where(df["filled_base"] > 0, df["filled_base"] * df["vwap"], 0.0)
        return df.set_index("round")

    # ------------------------------------------------------------------ detail
    @cached_property
    def _position_detail(self) -> tuple[np.ndarray, FloatArray, FloatArray]:
        pm = self._prepared
        side = pm.side(1.0 if self.direction == "down" else -1.0)
        n = len(pm.positions)
        rnd = np.zeros(n, dtype=np.int64)
        filled = np.zeros(n)
        notional = np.zeros(n)
        t = self._trace
        if t.shape[0] == 0:
            return rnd, filled, notional
        ends = t[:, 5].astype(np.int64)
        starts = np.concatenate([[0], ends[:-1]])
        fr = t[:, 4]
        vw = np.where(t[:, 1] > 0, t[:, 2], 0.0)
        chunks = np.asarray(self.config.chunk_fractions())
        for k in range(t.shape[0]):
            sl = slice(int(starts[k]), int(ends[k]))
            idx = side.pos_index[sl]
            rnd[idx] = k + 1
            size = side.pos_size[sl]
            large = side.pos_large[sl] if self.config.partial_liquidation else np.zeros(0, bool)
            if large.size == 0 or not large.any():
                filled[idx] = size * fr[k]
                notional[idx] = size * fr[k] * vw[k]
                continue
            small = ~large
            filled[idx[small]] = size[small] * fr[k]
            notional[idx[small]] = size[small] * fr[k] * vw[k]
            for j, c in enumerate(chunks):
                r = k + j
                if r >= t.shape[0]:
                    break
                filled[idx[large]] += c * size[large] * fr[r]
                notional[idx[large]] += c * size[large] * fr[r] * vw[r]
        return rnd, filled, notional

    def position_outcomes(self) -> pd.DataFrame:
        """Per position (original order): what the cascade did to it.

        Columns: ``round`` triggered (0 = not), ``liquidated``, ``filled_base``,
        ``fill_ratio`` (filled / size), ``notional_usd`` filled and ``vwap`` (USD).
        """
        rnd, filled, notional = self._position_detail
        size = self._prepared.positions.size
        with np.errstate(invalid="ignore", divide="ignore"):
            vwap = np.where(filled > 0, notional / np.where(filled > 0, filled, 1.0), np.nan)
        return pd.DataFrame(
            {
                "round": rnd,
                "liquidated": rnd > 0,
                "filled_base": filled,
                "fill_ratio": filled / size if size.size else filled,
                "notional_usd": notional,
                "vwap": vwap,
            }
        )

    @property
    def liquidated_mask(self) -> np.ndarray:
        """Boolean mask over the input positions: triggered in this cascade."""
        return self._position_detail[0] > 0

    @cached_property
    def _stop_detail(self) -> tuple[np.ndarray, FloatArray]:
        pm = self._prepared
        side = pm.side(1.0 if self.direction == "down" else -1.0)
        n = len(pm.stops)
        rnd = np.zeros(n, dtype=np.int64)
        filled = np.zeros(n)
        t = self._trace
        ends = t[:, 6].astype(np.int64)
        start = 0
        for k in range(t.shape[0]):
            idx = side.stop_index[start : int(ends[k])]
            rnd[idx] = k + 1
            filled[idx] = side.stop_size[start : int(ends[k])] * t[k, 4]
            start = int(ends[k])
        return rnd, filled

    def stop_outcomes(self) -> pd.DataFrame:
        """Per stop (original order): ``round`` fired (0 = not), ``filled_base``, ``fill_ratio``."""
        rnd, filled = self._stop_detail
        size = self._prepared.stops.size
        return pd.DataFrame(
            {
                "round": rnd,
                "fired": rnd > 0,
                "filled_base": filled,
                "fill_ratio": filled / size if size.size else filled,
            }
        )

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
            subplot_titles=("price by round", "filled by round (M USD)", "book before / after"),
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
        ):
            fig.add_trace(
                go.Bar(
                    x=df.index,
                    y=df[key] * df["fill_ratio"] * df["vwap"].fillna(0) / 1e6,
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


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:,.2f}" if abs(v) >= 1000 else f"{v:.6g}"
    return str(v)
