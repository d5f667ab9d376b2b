"""Result of a liquidation-price computation: flat arrays, one entry per position."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from liqcascade._json import SummaryDict
from liqcascade._typing import FloatArray, Int8Array, IntArray

if TYPE_CHECKING:
    import plotly.graph_objects as go

RESULT_KEYS: tuple[str, ...] = (
    "liq_price",
    "bankruptcy_price",
    "mmr",
    "maintenance_amount",
    "tier",
    "notional",
)


@dataclass(frozen=True, eq=False)
class LiqResult(SummaryDict):
    """Liquidation and bankruptcy prices of positions, with the maintenance terms used.

    Parameters
    ----------
    liq_price : array of float
        Liquidation price, USD (``0`` for a long that cannot be liquidated).
    bankruptcy_price : array of float
        Price at which equity is zero, USD (long ``EP - margin/size`` floored at 0,
        short ``EP + margin/size``).
    mmr : array of float
        Maintenance margin rate applied, fraction of notional: on Binance the rate of
        the tier of the notional at the liquidation price (``size * liq_price``), the
        one the liquidation is priced on.
    maintenance_amount : array of float
        Binance ``cum`` of the tier applied, USD (0 on venues without it).
    tier : array of int64
        0-based tier applied (the tier of the notional at the liquidation price on
        Binance; 0 on venues priced with one rate).
    notional : array of float
        Notional at entry, ``size * entry_price``, USD.
    side : array of int8
        ``+1`` long, ``-1`` short.
    size : array of float
        Size, base units.
    entry_price : array of float
        Entry price, USD.
    margin : array of float
        Margin (isolated) or wallet balance (cross), USD.
    venue : str
        ``"binance"``, ``"bybit"`` or ``"hyperliquid"``.
    status : array of int8
        0 normal; 1 Binance tier re-evaluation found no self-consistent tier (only
        possible with an inconsistent user table).
    tier_at_entry, mmr_at_entry, maintenance_amount_at_entry : arrays
        The tier (0-based), rate (fraction) and ``cum`` (USD) of the notional at entry,
        the terms of the margin Binance's position screen shows at that price. Empty
        (the default): the applied ones (venues priced with one rate).
    tiers : str
        The Binance tier table's contract the prices used (``"ETHUSDT"``); ``""`` on
        venues without tiers.
    caveats : tuple of str
        What the reader must know of the figures: a contract priced with another's tier
        table (:func:`~liqcascade.margin.tiers_caveat`); empty when none.
    """

    liq_price: FloatArray
    bankruptcy_price: FloatArray
    mmr: FloatArray
    maintenance_amount: FloatArray
    tier: IntArray
    notional: FloatArray
    side: Int8Array
    size: FloatArray
    entry_price: FloatArray
    margin: FloatArray
    venue: str = "binance"
    status: Int8Array = field(default_factory=lambda: np.empty(0, dtype=np.int8))
    tier_at_entry: IntArray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    mmr_at_entry: FloatArray = field(default_factory=lambda: np.empty(0))
    maintenance_amount_at_entry: FloatArray = field(default_factory=lambda: np.empty(0))
    tiers: str = ""
    caveats: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        n = self.side.shape[0]
        if self.status.shape[0] != n:
            object.__setattr__(self, "status", np.zeros(n, dtype=np.int8))
        for name, applied in (
            ("tier_at_entry", self.tier),
            ("mmr_at_entry", self.mmr),
            ("maintenance_amount_at_entry", self.maintenance_amount),
        ):
            if getattr(self, name).shape[0] != n:  # one rate: the applied terms
                object.__setattr__(self, name, applied)

    def __len__(self) -> int:
        return int(self.liq_price.shape[0])

    @property
    def maintenance_margin(self) -> FloatArray:
        """Maintenance margin at the liquidation price, USD: ``size*LP*mmr - cum``."""
        return self.notional_at_liq * self.mmr - self.maintenance_amount

    @property
    def notional_at_liq(self) -> FloatArray:
        """Notional at the liquidation price, ``size * liq_price``, USD."""
        return self.size * self.liq_price

    @property
    def maintenance_margin_at_entry(self) -> FloatArray:
        """Maintenance margin at the entry notional, USD: ``notional*mmr_at_entry - cum``.

        What Binance's position screen shows at the entry price (its tier may differ from
        :attr:`tier`, the liquidation price's).
        """
        return self.notional * self.mmr_at_entry - self.maintenance_amount_at_entry

    @property
    def leverage(self) -> FloatArray:
        """Effective leverage at entry, ``notional / margin`` (inf where margin is 0)."""
        with np.errstate(divide="ignore"):
            return self.notional / self.margin

    @property
    def distance(self) -> FloatArray:
        """Signed distance of the liquidation price from entry, fraction (``LP/EP - 1``)."""
        return self.liq_price / self.entry_price - 1.0

    def item(self, i: int = 0) -> dict[str, Any]:
        """Position ``i`` as a dict with the keys of ``liqcascade margin liq-price --json``.

        Parameters
        ----------
        i : int, default 0
            0-based position index.

        Returns
        -------
        dict
            ``liq_price``, ``bankruptcy_price`` (USD), ``mmr`` (fraction),
            ``maintenance_amount`` (USD), ``tier`` (0-based), all at the liquidation
            price's notional, and ``notional`` (USD, at entry); ``notional_at_liq``
            and ``maintenance_margin`` (USD, at the liquidation price);
            ``tier_at_entry``, ``mmr_at_entry``, ``maintenance_amount_at_entry`` and
            ``maintenance_margin_at_entry`` (at the entry notional); ``tiers``, the
            tier table's contract (None on venues without tiers), and ``caveats``
            (list of str).
        """
        return {
            "liq_price": float(self.liq_price[i]),
            "bankruptcy_price": float(self.bankruptcy_price[i]),
            "mmr": float(self.mmr[i]),
            "maintenance_amount": float(self.maintenance_amount[i]),
            "tier": int(self.tier[i]),
            "notional": float(self.notional[i]),
            "notional_at_liq": float(self.notional_at_liq[i]),
            "maintenance_margin": float(self.maintenance_margin[i]),
            "tier_at_entry": int(self.tier_at_entry[i]),
            "mmr_at_entry": float(self.mmr_at_entry[i]),
            "maintenance_amount_at_entry": float(self.maintenance_amount_at_entry[i]),
            "maintenance_margin_at_entry": float(self.maintenance_margin_at_entry[i]),
            "tiers": self.tiers or None,
            "caveats": list(self.caveats),
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per position: side, size, entry, margin, leverage and the result columns."""
        return pd.DataFrame(
            {
                "side": np.where(self.side > 0, "long", "short"),
                "size": self.size,
                "entry_price": self.entry_price,
                "margin": self.margin,
                "leverage": self.leverage,
                "liq_price": self.liq_price,
                "bankruptcy_price": self.bankruptcy_price,
                "mmr": self.mmr,
                "maintenance_amount": self.maintenance_amount,
                "tier": self.tier,
                "notional": self.notional,
            }
        )

    def summary(self) -> pd.Series:
        """Counts, notional (USD) and median distance to liquidation (fraction) by side."""
        lo = self.side > 0
        d = self.distance
        out: dict[str, Any] = {
            "venue": self.venue,
            "n_positions": len(self),
            "n_long": int(lo.sum()),
            "n_short": int((~lo).sum()),
            "notional_usd": float(self.notional.sum()),
            "median_long_distance": float(np.median(d[lo])) if lo.any() else np.nan,
            "median_short_distance": float(np.median(d[~lo])) if (~lo).any() else np.nan,
            "n_unsettled": int(np.count_nonzero(self.status)),
        }
        return pd.Series(out)

    def plot(self, max_points: int = 2000) -> go.Figure:
        """Liquidation distance (fraction from entry) against leverage, longs and shorts.

        Parameters
        ----------
        max_points : int, default 2000
            At most this many positions are drawn (a fixed-seed random sample beyond it).

        Returns
        -------
        plotly.graph_objects.Figure
        """
        import plotly.graph_objects as go

        fig = go.Figure()
        idx = np.arange(len(self))
        if len(self) > max_points:
            idx = np.random.default_rng(0).choice(len(self), max_points, replace=False)
        lev, d, side = self.leverage[idx], self.distance[idx], self.side[idx]
        for sgn, name, color in ((1, "long", "#c0392b"), (-1, "short", "#2471a3")):
            m = side == sgn
            fig.add_trace(
                go.Scatter(
                    x=lev[m], y=d[m], mode="markers", name=name, marker={"color": color, "size": 5}
                )
            )
        fig.update_layout(
            title=f"Liquidation distance from entry ({self.venue})",
            xaxis_title="leverage (notional / margin)",
            yaxis_title="LP / entry - 1",
            xaxis_type="log",
        )
        return fig

    def _repr_html_(self) -> str:
        head = self.to_frame().head(20).to_html(index=False)
        return f"<b>LiqResult</b> ({html.escape(str(self.venue))}, {len(self)} positions){head}"
