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

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from liqcascade._plotly_text import plain
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


def leverage_gap(positions: pd.DataFrame, asset: str | None = None) -> pd.DataFrame:
    """Set against effective leverage of each real position (issue 14: the difference).

    The leverage *set* on the venue is a cap on the initial margin; what decides when a
    position is liquidated is how much margin actually stands behind it. Two effective
    leverages per position:

    - ``liq_leverage``: the leverage at which a fresh isolated position opened at the
      mark would be liquidated exactly where this one is: the inverse of Hyperliquid's
      isolated liquidation price (:func:`liqcascade.margin.hyperliquid_liq_price`),
      ``1 / (d (1 - s l) + l)`` for distance ``d`` from the mark, side ``s`` (+1 long,
      -1 short) and maintenance rate ``l = 1 / (2 max leverage)`` (ETH 25x -> 2 %, BTC
      40x -> 1.25 %). It equals the set leverage for an isolated position holding only
      its initial margin, and is lower the more margin (a cross account's equity) backs
      it. NaN when the position has no liquidation price (it cannot be liquidated at any
      price: effective leverage at most 1).
    - ``account_net_leverage``: the account's net exposure over its value,
      ``|sum of signed position values| / account_value``, over the account's positions
      in the same snapshot (``ts``: a column or the index name; one snapshot when
      absent), and ``account_gross_leverage`` with absolute values. Only the positions
      in ``positions`` count (the bundle holds ETH and BTC, not an account's other
      coins). NaN when ``account_value`` is not positive.

    Parameters
    ----------
    positions : DataFrame
        :func:`liqcascade.datasets.load_hyperliquid_positions` layout: ``address``,
        ``account_value`` (USD), ``asset``, ``side``, ``mark_price`` (USD), ``liq_price``
        (USD; NaN: none), ``position_value`` (USD) and ``leverage`` (set, x).
    asset : str, optional
        Keep one asset (after the accounts' exposures are summed over every asset).

    Returns
    -------
    DataFrame
        Per position (``positions``' index): ``asset``, ``side``, ``notional_usd``,
        ``set_leverage``, ``distance`` (fraction of the mark; NaN: none),
        ``liq_leverage``, ``account_net_leverage``, ``account_gross_leverage`` (x).
    """
    from liqcascade.margin import hyperliquid_max_leverage

    need = {"address", "account_value", "asset", "side", "mark_price", "liq_price",
            "position_value", "leverage"}  # fmt: skip
    if not need <= set(positions.columns):
        raise InputError(f"positions need columns {sorted(need)}")
    p = positions
    side = p["side"].astype(str).str.lower()
    if not side.isin(["long", "short"]).all():
        raise InputError("positions: side must be 'long' or 'short'")
    sign = np.where(side == "long", 1.0, -1.0)
    value = p["position_value"].abs().to_numpy(np.float64)
    # the snapshots as their own array (a tz-aware one as datetimes, not one Timestamp
    # object per row: 33,000 of them for the bundle, grouped as objects)
    snap: Any
    if "ts" in p.columns:
        snap = p["ts"].array
    elif p.index.name == "ts":
        snap = p.index.array
    else:
        snap = np.zeros(len(p))
    keys = pd.DataFrame({"ts": snap, "address": p["address"].to_numpy()})
    net = pd.Series(sign * value).groupby([keys["ts"], keys["address"]]).transform("sum")
    gross = pd.Series(value).groupby([keys["ts"], keys["address"]]).transform("sum")
    av = p["account_value"].to_numpy(np.float64)
    av = np.where(av > 0, av, np.nan)
    coins = p["asset"].astype(str).str.upper()
    codes, uniq = pd.factorize(coins)  # one rate per coin, not per row
    ell = np.array([0.5 / hyperliquid_max_leverage(c) for c in uniq], dtype=np.float64)[codes]
    dist = (
        sign
        * (p["mark_price"] - p["liq_price"]).to_numpy(np.float64)
        / p["mark_price"].to_numpy(np.float64)
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        liq_lev = 1.0 / (dist * (1.0 - sign * ell) + ell)
    out = pd.DataFrame(
        {
            "asset": coins.to_numpy(),
            "side": side.to_numpy(),
            "notional_usd": value,
            "set_leverage": p["leverage"].to_numpy(np.float64),
            "distance": dist,
            "liq_leverage": liq_lev,
            "account_net_leverage": np.abs(net.to_numpy()) / av,
            "account_gross_leverage": gross.to_numpy() / av,
        },
        index=p.index,
    )
    if asset is not None:
        out = out[out["asset"] == asset.upper()]
    return out


def _weighted_median(x: np.ndarray, w: np.ndarray) -> float | None:
    """The notional-weighted median: the smallest value holding half the weight."""
    ok = np.isfinite(x) & (w > 0)
    if not ok.any():
        return None
    order = np.argsort(x[ok], kind="stable")
    xs, cw = x[ok][order], np.cumsum(w[ok][order])
    return float(xs[int(np.searchsorted(cw, 0.5 * cw[-1]))])


def leverage_gap_summary(gap: pd.DataFrame) -> dict[str, float | int | None]:
    """Set vs effective leverage of :func:`leverage_gap`'s table, notional-weighted.

    Returns
    -------
    dict
        ``n_positions``; ``median_set_leverage``, ``median_liq_leverage`` (positions
        with a liquidation price), ``median_account_net_leverage`` (x, weighted
        medians); ``share_no_liq_price``; ``share_liq_below_quarter_set`` (liquidation-
        implied leverage below a quarter of the set one, positions without a
        liquidation price counted as below); ``share_account_net_below_quarter_set``
        (shares of notional, in [0, 1]; None on an empty table).
    """
    w = gap["notional_usd"].to_numpy(np.float64)
    tot = float(w.sum())
    if not len(gap) or tot <= 0:
        return {"n_positions": len(gap), "median_set_leverage": None,
                "median_liq_leverage": None, "median_account_net_leverage": None,
                "share_no_liq_price": None, "share_liq_below_quarter_set": None,
                "share_account_net_below_quarter_set": None}  # fmt: skip
    set_lev = gap["set_leverage"].to_numpy(np.float64)
    liq = gap["liq_leverage"].to_numpy(np.float64)
    net = gap["account_net_leverage"].to_numpy(np.float64)
    none = ~np.isfinite(gap["distance"].to_numpy(np.float64))
    quarter = set_lev / 4.0
    return {
        "n_positions": len(gap),
        "median_set_leverage": _weighted_median(set_lev, w),
        "median_liq_leverage": _weighted_median(liq, w),
        "median_account_net_leverage": _weighted_median(net, w),
        "share_no_liq_price": float(w[none].sum() / tot),
        "share_liq_below_quarter_set": float(w[none | (liq < quarter)].sum() / tot),
        "share_account_net_below_quarter_set": float(w[net < quarter].sum() / tot),
    }


def distance_figure(checks: dict[str, pd.DataFrame]) -> go.Figure:
    """Grouped bars: notional share per distance bucket, data vs model, per asset."""
    fig = go.Figure()
    for asset, df in checks.items():
        fig.add_bar(x=list(df.index), y=df["data"], name=f"{plain(asset)} Hyperliquid positions")
        fig.add_bar(x=list(df.index), y=df["model"], name=f"{plain(asset)} model book")
    fig.update_layout(
        title="Distance to liquidation (notional share): model book vs real positions",
        barmode="group",
        yaxis_title="share of notional",
        xaxis_title="distance from mark to liquidation price",
    )
    return fig


__all__ = [
    "EDGES",
    "LABELS",
    "data_distances",
    "distance_check",
    "distance_figure",
    "leverage_gap",
    "leverage_gap_summary",
]
