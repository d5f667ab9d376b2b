"""Position-level check of the leverage mix against real Hyperliquid positions.

Hyperliquid publishes every account's positions. For each position the distance to
liquidation is ``(mark - liq) / mark`` for a long and ``(liq - mark) / mark`` for a
short; a position with no liquidation price (a cross account that cannot be
liquidated at any price) has none. The model's book at its last bar gives the same
distribution: each grid bin's distance from the last close, weighted by notional, plus
the safe share (no liquidation on the path). Both are notional-weighted.

The data are large accounts of another venue in Feb 2026 (after the bundled record);
the check is a comparison, never a fit input.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from liqcascade.errors import InputError
from liqcascade.positions._model import BookRun

#: Distance-to-liquidation buckets (fractions of the mark price).
EDGES: tuple[float, ...] = (0.0, 0.02, 0.05, 0.10, 0.20, 0.50, np.inf)
LABELS: tuple[str, ...] = ("<2%", "2-5%", "5-10%", "10-20%", "20-50%", ">50%", "none")


def _bucket(dist: np.ndarray, weight: np.ndarray, none_weight: float) -> np.ndarray:
    d = np.clip(dist, 0.0, None)
    idx = np.searchsorted(np.asarray(EDGES[1:-1]), d, side="right")
    out = np.bincount(idx, weights=weight, minlength=len(EDGES) - 1).astype(np.float64)
    out = np.append(out, none_weight)
    tot = out.sum()
    return out / tot if tot > 0 else out


def data_distances(positions: pd.DataFrame, asset: str | None = None) -> pd.DataFrame:
    """Distance to liquidation of each real position (fraction of mark; NaN = none).

    Parameters
    ----------
    positions : DataFrame
        ``liqcascade.datasets.load_hyperliquid_positions()`` layout: ``asset``, ``side``,
        ``mark_price``, ``liq_price`` (NaN: cannot be liquidated), ``position_value``,
        ``leverage`` (set).
    asset : str, optional
        Keep one asset.
    """
    need = {"side", "mark_price", "liq_price", "position_value", "leverage"}
    if not need <= set(positions.columns):
        raise InputError(f"positions need columns {sorted(need)}")
    p = positions
    if asset is not None:
        p = p[p["asset"].str.upper() == asset.upper()]
    sign = np.where(p["side"].str.lower() == "long", 1.0, -1.0)
    dist = sign * (p["mark_price"] - p["liq_price"]) / p["mark_price"]
    return pd.DataFrame(
        {
            "distance": dist.to_numpy(np.float64),
            "notional_usd": p["position_value"].abs().to_numpy(np.float64),
            "set_leverage": p["leverage"].to_numpy(np.float64),
        },
        index=p.index,
    )


def distance_check(positions: pd.DataFrame, run: BookRun, asset: str) -> pd.DataFrame:
    """Notional share per distance-to-liquidation bucket: model book vs real positions.

    Parameters
    ----------
    positions : DataFrame
        Real positions (see :func:`data_distances`).
    run : BookRun
        The model's walk; its book after the last bar is compared.
    asset : str
        Asset compared.

    Returns
    -------
    DataFrame
        Index :data:`LABELS`; columns ``data`` and ``model`` (shares summing to 1),
        and the data's median set leverage and median effective leverage
        (``1 / (distance + 0.004)``) in ``attrs``.
    """
    d = data_distances(positions, asset)
    if d.empty:
        raise InputError(f"no Hyperliquid positions for {asset}")
    has = np.isfinite(d["distance"].to_numpy())
    data = _bucket(
        d["distance"].to_numpy()[has], d["notional_usd"].to_numpy()[has],
        float(d["notional_usd"].to_numpy()[~has].sum()),
    )  # fmt: skip
    last = float(run.prep.close[-1])
    lsz, ssz, _, _, safe = run.state
    prices = np.exp(run.prep.log_p0 + np.arange(lsz.shape[0]) * run.params.grid_step)
    dist = np.concatenate([(last - prices) / last, (prices - last) / last])
    w = np.concatenate([lsz, ssz]) * last
    model = _bucket(dist[w > 0], w[w > 0], float((safe[0] + safe[1]) * last))
    out = pd.DataFrame({"data": data, "model": model}, index=list(LABELS))
    eff = 1.0 / (np.clip(d["distance"].to_numpy()[has], 0, None) + 0.004)
    out.attrs = {
        "asset": asset.upper(),
        "n_positions": len(d),
        "share_none_data": float(data[-1]),
        "share_none_model": float(model[-1]),
        # like for like: the model's safe mass is the mass beyond ``delta_max`` (0.7 log
        # units, a 50.3 % fall for a long), so it belongs with the data's ">50%" and
        # "none" together
        "share_beyond_50pct_data": float(data[-2] + data[-1]),
        "share_beyond_50pct_model": float(model[-2] + model[-1]),
        "median_set_leverage": float(np.median(d["set_leverage"])),
        "median_effective_leverage_liquidatable": float(np.median(eff)) if eff.size else None,
        "model_as_of": str(run.ts[-1]) if len(run.ts) else None,
    }
    return out


def distance_figure(checks: dict[str, pd.DataFrame]) -> go.Figure:
    """Grouped bars: notional share per distance bucket, data vs model, per asset."""
    fig = go.Figure()
    for asset, df in checks.items():
        fig.add_bar(x=list(df.index), y=df["data"], name=f"{asset} Hyperliquid positions")
        fig.add_bar(x=list(df.index), y=df["model"], name=f"{asset} model book")
    fig.update_layout(
        title="Distance to liquidation (notional share): model book vs real positions",
        barmode="group",
        yaxis_title="share of notional",
        xaxis_title="distance from mark to liquidation price",
    )
    return fig


__all__ = ["EDGES", "LABELS", "data_distances", "distance_check", "distance_figure"]
