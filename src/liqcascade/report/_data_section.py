"""Report section: the real market data behind every figure."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from liqcascade import datasets
from liqcascade.report._section import ReportContext, Section


def _range(df: pd.DataFrame) -> dict[str, object]:
    idx = df.index
    return {"first": idx.min().isoformat(), "last": idx.max().isoformat(), "rows": len(df)}


def section(ctx: ReportContext) -> Section:
    """ETH price and volume history, open interest, funding and recorded liquidations."""
    eth = datasets.load_ohlcv("ETH", "1d")
    oi = datasets.load_open_interest()
    liq = datasets.load_liquidations()
    fund = datasets.load_funding()

    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, row_heights=[0.72, 0.28], vertical_spacing=0.03
    )
    fig.add_trace(
        go.Scatter(
            x=eth.index,
            y=eth["close"],
            mode="lines",
            name="ETHUSDT daily close",
            showlegend=False,
            hovertemplate="%{x|%Y-%m-%d}: $%{y:,.0f}<extra></extra>",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Bar(
            x=eth.index,
            y=eth["volume"] * eth["close"] / 1e9,
            name="volume (bn USD)",
            marker_color="#7f8c8d",
        ),
        row=2,
        col=1,
    )
    fig.update_layout(
        title=f"ETH price (log scale) and volume, Binance spot, daily, "
        f"{eth.index[0]:%Y-%m} to {eth.index[-1]:%Y-%m}",
        xaxis_rangeslider_visible=False,
        height=560,
        margin={"t": 50, "l": 60, "r": 20, "b": 30},
    )
    fig.update_yaxes(title_text="price (USDT)", type="log", row=1, col=1)
    fig.update_yaxes(title_text="volume (bn USD)", row=2, col=1)

    fig2 = make_subplots(
        rows=3,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.04,
        row_heights=[0.45, 0.3, 0.25],
        subplot_titles=(
            "recorded ETH liquidations, Binance, 4-hourly (million USD)",
            "open interest, all venues (bn USD)",
            "funding, OI-weighted (% per 8 h)",
        ),
    )
    fig2.add_trace(
        go.Bar(
            x=liq.index, y=liq["long_usd"] / 1e6, name="longs liquidated", marker_color="#c0392b"
        ),
        row=1,
        col=1,
    )
    fig2.add_trace(
        go.Bar(
            x=liq.index, y=-liq["short_usd"] / 1e6, name="shorts liquidated", marker_color="#27ae60"
        ),
        row=1,
        col=1,
    )
    fig2.add_trace(
        go.Scatter(
            x=oi.index, y=oi["oi_usd"] / 1e9, name="open interest", line={"color": "#2c3e50"}
        ),
        row=2,
        col=1,
    )
    fig2.add_trace(
        go.Scatter(x=fund.index, y=fund["rate"] * 100, name="funding", line={"color": "#8e44ad"}),
        row=3,
        col=1,
    )
    fig2.update_layout(height=640, barmode="relative", margin={"t": 60, "l": 60, "r": 20, "b": 30})

    top = liq.assign(total=liq["long_usd"] + liq["short_usd"]).nlargest(5, "total")
    top_table = pd.DataFrame(
        {
            "bar (UTC)": [t.strftime("%Y-%m-%d %H:%M") for t in top.index],
            "longs (M USD)": (top["long_usd"] / 1e6).round(1).values,
            "shorts (M USD)": (top["short_usd"] / 1e6).round(1).values,
        }
    )
    tot_long = float(liq["long_usd"].sum())
    tot_short = float(liq["short_usd"].sum())
    summary = {
        "eth_1d": _range(eth),
        "eth_1h": _range(datasets.load_ohlcv("ETH", "1h")),
        "open_interest_4h": _range(oi),
        "liquidations_4h": _range(liq),
        "funding_4h": _range(fund),
        "recorded_long_liquidations_usd": tot_long,
        "recorded_short_liquidations_usd": tot_short,
        "largest_liquidation_bar": top.index[0].isoformat(),
        "largest_liquidation_bar_usd": float(top["total"].iloc[0]),
        "eth_all_time_high_close": float(eth["close"].max()),
        "eth_last_close": float(eth["close"].iloc[-1]),
    }
    finding = (
        f"The analysis runs on real Binance ETH prices from {eth.index[0]:%Y-%m-%d} to "
        f"{eth.index[-1]:%Y-%m-%d} ({len(eth):,} daily bars) and on CoinGlass derivatives data "
        f"from {liq.index[0]:%Y-%m-%d} to {liq.index[-1]:%Y-%m-%d}. Over that window Binance "
        f"recorded ${tot_long / 1e9:.2f} bn of ETH long liquidations and ${tot_short / 1e9:.2f} bn "
        f"of short liquidations; the largest 4-hour bar ({top.index[0]:%Y-%m-%d %H:%M} UTC) "
        f"liquidated ${top['total'].iloc[0] / 1e6:,.0f} M. Liquidations arrive in bursts: the five "
        f"largest bars hold {top['total'].sum() / (tot_long + tot_short):.1%} of the total."
    )
    provenance = datasets.provenance()[["name", "interval", "range", "rows", "source", "caveats"]]
    return Section(
        id="data",
        title="The data",
        finding=finding,
        figures=[fig, fig2],
        tables=[
            ("Largest recorded liquidation bars (Binance, 4 h)", top_table),
            ("Bundled datasets and provenance", provenance),
        ],
        summary=summary,
    )
