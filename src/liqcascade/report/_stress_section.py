"""Report section: stress of a sample leveraged portfolio and of an asset's estimated market.

compute (library calls → :class:`StressView`) → figures → prose. The section runs once per
asset of the report (ETH, BTC): the same sample portfolio, the market of that asset (its
own estimated book, depth, liquidity calibration and crash bars) is the one that cascades.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from liqcascade._plotly_text import plain
from liqcascade._prices import percent_label, shock_name
from liqcascade._significance import verdict as significance_verdict
from liqcascade.report._format import (
    MINUS,
    dec,
    interval,
    join_words,
    p_text,
    pct,
    pp,
    pvalue,
    signed_num,
    usd,
)
from liqcascade.report._october import (
    OCTOBER_WINDOWS,
    after_note,
    day_window_name,
    replay_window_name,
)
from liqcascade.report._section import (
    CHECK_MARKS,
    VERDICT_CHECK,
    Claim,
    Headline,
    Prose,
    ReportContext,
    Section,
    Table,
    assemble,
    check_mark,
)
from liqcascade.report._units import book_share, carry_bound_text, feed_unit
from liqcascade.stress import (
    METHOD_NAMES,
    PINBALL_RESAMPLES,
    SAMPLE_POSITIONS,
    kupiec_coverage,
)

HORIZON_DAYS = 30
LIQ_COLUMN = f"liquidations ({feed_unit(unit='USD')})"
"""The tables' column of the book's liquidations: Binance-feed dollars, not the market's."""
SAMPLE = SAMPLE_POSITIONS
"""The sample portfolio (asset, side, size in base units, leverage): 10 ETH long 20×,
1 BTC long 10×, 5 ETH short 5× (:func:`liqcascade.stress.sample_portfolio`)."""
SAMPLE_TEXT = ", ".join(f"{size:g} {a} {side} {lev:g}×" for a, side, size, lev in SAMPLE)
"""The sample portfolio in words, from :data:`SAMPLE`: "10 ETH long 20×, 1 BTC long 10×,
5 ETH short 5×"."""
SHOCKS: tuple[float, ...] = (-0.02, -0.05, -0.1, -0.2, 0.05, 0.1)
"""The instant shocks of the section (fractions)."""
SHOCK_PATHS = 200
"""Paths per instant shock (``stress.shock_grid``'s default): fewer than the cascade
section's 5 % fall, which is the report's answer to that question."""


@dataclass(frozen=True)
class StressView:
    """The Monte Carlo, crash replays and instant shocks on an asset's estimated market.

    The Monte Carlo adds no cascade to its paths (the residuals already hold history's
    cascades; the book's liquidations are counted along each path), so it runs once.
    """

    market: Any  # StressMarket
    portfolio: Any
    mc: Any  # StressResult
    replays: dict[tuple[str, bool], Any]
    shocks: Any  # StressResult of the shock grid
    backtest: Any = None  # VarBacktest of the stress model (GJR-t) the card scores (scored_at)
    egarch: Any = None  # VarBacktest of EGARCH-t (sensitivity; the report leaves it to the docs)
    draw_sides: tuple[tuple[float, float], ...] = ()  # (long, short) USD per book draw
    replay_skipped: str = ""  # why the crash replays did not run (no recorded bars)
    portfolio_text: str = SAMPLE_TEXT  # which sample portfolio, in words
    backtest_whole: Any = None  # the whole VaR back-test when it reads data after the market date
    leverage: tuple[float, float, str, float] | None = None  # γ, p, verdict, skew: _leverage
    leverage_at_bound: bool = False  # the fit sits on the stationarity bound: p not standard
    report_assets: tuple[str, ...] = ("ETH", "BTC")  # the run's assets: whose sections ran
    book_share: float = math.nan  # the book's notional over open interest (feed scale)

    @property
    def backtest_reads_after(self) -> bool:
        """True when the card's back-test is the whole one and reads data after the market date.

        Too few windows had closed by the market date to score them alone
        (:data:`~liqcascade.stress.MIN_SCORE_WINDOWS`): the card says so.
        """
        return self.backtest is not None and self.backtest is self.backtest_whole

    @property
    def own_portfolio(self) -> bool:
        """True when the sample portfolio is in the section's asset (not ETH/BTC's sample).

        Another asset's section, and BTC's in a report without ETH (:func:`own_sample`).
        """
        return own_sample(self.asset, self.report_assets)

    @property
    def asset(self) -> str:
        """The market's asset (``"ETH"`` or ``"BTC"``): its book cascades."""
        return str(self.market.asset)

    @property
    def price(self) -> float:
        """The market's asset at the as-of date, USD."""
        return float(self.market.prices[self.asset])

    def whole_book(self) -> dict[str, bool]:
        """Which market-liquidation figures are the whole position book of a side.

        True only when the book truly ran out: a shock's median path or a replay's
        path passed the farthest liquidation price of the moving side, or the Monte
        Carlo paths at or beyond a quantile did (:meth:`StressResult.whole_book_flags`).
        """
        t = self.shocks.table
        out = {
            f"shock {shock_name(x)}": bool(f)
            for x, f in zip(t["shock"], t["whole_book_liquidated"], strict=True)
        }
        for (w, on), r in self.replays.items():
            out[f"replay {w}" + ("" if on else " (recorded path)")] = bool(
                r.details.get("whole_book_liquidated", False)
            )
        for q, f in self.mc.whole_book_flags().items():
            out[f"Monte Carlo {q}"] = bool(f)
        return out


def _times(n: Any) -> str:
    """``"once"``, ``"2 times"``: how often a VaR was exceeded."""
    return "once" if int(n) == 1 else f"{int(n)} times"


def _near_text(row: Any, short: bool = False) -> str:
    """``"; 1 window within its VaR's sampling error"``: how firm a row's exceedance count is.

    ``within_sampling_error`` of a model row (:func:`liqcascade.stress.var_backtest`): the
    windows whose loss lies within their VaR's 95 % Monte Carlo sampling interval, which
    another seed could move across the VaR. Empty for a row without it (no Monte Carlo).
    ``short``: the front card's words (``"; 1 within sampling error"``: the front page
    shows every card in one 1440 × 900 screen).
    """
    n = row.get("within_sampling_error") if hasattr(row, "get") else None
    if n is None or not math.isfinite(float(n)):
        return ""
    k = int(n)
    if short:
        return f"; {k} within sampling error"
    what = "no window" if k == 0 else "1 window" if k == 1 else f"{k} windows"
    return f"; {what} within its VaR's sampling error"


def _quantile_interval(x: np.ndarray, q: float) -> tuple[float, float]:
    """Distribution-free 95 % interval of the ``q`` quantile of ``x`` (order statistics)."""
    from liqcascade.stress import quantile_interval

    return quantile_interval(np.asarray(x, dtype=float), q)


def _backtest_closes(asset: str) -> pd.Series:
    """Every bundled daily close of ``asset``, for the VaR back-test.

    The whole back-test reads past the report's date: each month is forecast by a fit
    on the days before it only, but the windows after the market date were not
    knowable then. The card scores the windows closed by the market date
    (:func:`scored_at`); the whole back-test is shown beside them, labelled.
    """
    from liqcascade.report._data import series

    return series("ohlcv", asset, "1d")["close"]


def scored_at(whole: Any, ts: Any) -> tuple[Any, Any]:
    """The VaR back-test the card scores at the market time ``ts``, and the whole one beside it.

    :meth:`VarBacktest.knowable_at` at the card's horizon (:func:`_card_horizon`): the
    whole back-test when it reads nothing after ``ts``; else the windows closed by ``ts``
    beside the whole one; with fewer than :data:`~liqcascade.stress.MIN_SCORE_WINDOWS`
    of them, the whole back-test, labelled as reading data after the market date.

    Parameters
    ----------
    whole : VarBacktest
        :func:`liqcascade.stress.var_backtest` on every daily close.
    ts : Timestamp
        The market's time (UTC; a bare date: the end of that day).
    """
    return whole.knowable_at(ts, _card_horizon(whole))  # type: ignore[no-any-return]


def _card_horizon(bt: Any) -> int:
    """The horizon the card scores: :data:`HORIZON_DAYS`, or 1 day when not back-tested."""
    return HORIZON_DAYS if HORIZON_DAYS in bt.settings["horizons"] else 1


def _fits(ctx: ReportContext, assets: Any, as_of: Any) -> dict[str, Any]:
    """GJR-t fits of every asset of the stress market, on daily returns to ``as_of``.

    Read through the report's loader (the store when it holds the asset, else the
    bundle), so an asset the package does not bundle is fitted on its own prices; each
    fit made once per run (:meth:`ReportContext.volatility_fit`).
    """
    from liqcascade.report._data import series
    from liqcascade.volatility import log_returns

    out = {}
    for a in assets:
        r = log_returns(series("ohlcv", a, "1d")["close"], "2017-08-17", as_of)
        out[a] = ctx.volatility_fit(r, "gjr", "t", asset=a)
    return out


def _sizing_prices(close: Any) -> tuple[dict[str, float], str]:
    """ETH's and BTC's last hourly closes by ``close`` and when: the sample's notionals.

    Only sizes another asset's sample portfolio (:func:`sample_portfolio`); where an
    asset's hourly prices end more than a day before ``close`` (a store asset in a later
    period), its last close in the data is used and the words say its date.
    """
    from liqcascade.report._data import series

    out, when = {}, "at the market date"
    t = pd.Timestamp(close)
    for a in ("ETH", "BTC"):
        h = series("ohlcv", a, "1h")
        h = h[pd.DatetimeIndex(h.index) + pd.Timedelta(hours=1) <= t]
        if not h.empty:
            out[a] = float(h["close"].iloc[-1])
            if h.index[-1] + pd.Timedelta(days=1) < t:
                when = f"at their last prices in the data ({h.index[-1]:%Y-%m-%d})"
    return out, when


def own_sample(asset: str, report_assets: tuple[str, ...]) -> bool:
    """Whether ``asset``'s section stresses a sample portfolio in ``asset`` alone.

    The ETH+BTC sample (:data:`SAMPLE`, two thirds ETH) stays wherever the report has an
    ETH section; a report without ETH (``report --asset BTC``) and any other asset get
    the sample's three positions in their own asset (:func:`sample_portfolio`).

    Parameters
    ----------
    asset : str
        The section's asset.
    report_assets : tuple of str
        Every asset of the report.
    """
    return asset.upper() not in ("ETH", "BTC") or "ETH" not in report_assets


def sample_portfolio(
    prices: dict[str, float], asset: str, when: str = "at the market date", own: bool = False
) -> tuple[Any, str]:
    """The section's sample portfolio at ``prices`` (USD at the market's close) and its name.

    ETH and BTC: :data:`SAMPLE` as it is (:func:`liqcascade.stress.sample_portfolio`).
    Any other asset, or BTC with ``own`` (:func:`own_sample`): the same three positions in
    ``asset``, notional-matched: each position's USD notional is the sample's at the
    market date (10 ETH, 1 BTC, 5 ETH at their prices then), its size that notional over
    ``asset``'s price, with the same sides and leverages; so a single-asset report
    stresses positions in its own asset. ``when`` says when ``prices``' ETH and BTC
    closes are from (words of the text).
    """
    from liqcascade.stress import sample_portfolio_for

    a = asset.upper()
    # the library's: `stress --portfolio sample`
    pf = sample_portfolio_for(prices, a, single_asset=own)
    if a in ("ETH", "BTC") and not own:
        return pf, SAMPLE_TEXT
    p = prices[a]
    words = ", ".join(
        f"{size * prices[src] / p:,.4g} {a} {side} {lev:g}× (${size * prices[src]:,.0f}, "
        f"as {size:g} {src})"
        for src, side, size, lev in SAMPLE
    )
    when = when or "at the market date"
    text = f"in {a} — the ETH/BTC sample's dollar notionals {when}: {words} —"
    return pf, text


def compute(ctx: ReportContext) -> StressView:
    """Run the stress library on the estimated market of ``ctx.asset`` at the as-of date."""
    from liqcascade import stress
    from liqcascade.errors import InputError

    ctx.step("stress", "market and portfolio")
    own = own_sample(ctx.market.asset, tuple(ctx.assets))  # stresses its own asset only
    market = stress.stress_market(state=ctx.market, assets=(ctx.market.asset,) if own else None)
    sizing, when = _sizing_prices(market.state.close_time) if own else ({}, "")
    pf, pf_text = sample_portfolio({**sizing, **market.prices}, market.asset, when, own)
    _share_markets(ctx, market, pf.assets)
    held = {market.asset, *pf.assets}
    fits = _fits(ctx, tuple(a for a in market.prices if a in held), market.last_daily)
    ctx.step("stress", "Monte Carlo")
    mc = stress.monte_carlo(
        pf,
        market,
        paths=2000 if ctx.quick else 20000,
        horizon_days=HORIZON_DAYS,
        method="fhs",
        seed=20251010,
        fits=fits,
    )
    replays: dict[tuple[str, bool], Any] = {}
    skipped = ""
    runs = [(w, on) for w in stress.WINDOWS for on in (True, False)]
    try:
        for i, (w, on) in enumerate(runs, start=1):
            ctx.step("stress", "crash replay", i, len(runs))
            replays[w, on] = stress.replay(pf, market, w, cascade=on)
    except InputError as exc:  # the asset's recorded bars do not cover the windows
        replays, skipped = {}, str(exc)
    ctx.step("stress", "shock grid")
    shocks = stress.shock_grid(pf, market, list(SHOCKS), n_paths=SHOCK_PATHS)
    close = _backtest_closes(market.asset)
    paths = 500 if ctx.quick else 2000
    ctx.step("stress", "VaR back-test")
    whole = stress.var_backtest(close, asset=market.asset, paths=paths)
    bt, whole = scored_at(whole, market.state.close_time)  # what was knowable at the date
    # EGARCH-t's back-test (a sensitivity) is left to the stress documentation (time budget)
    eg = None
    sides = tuple(market.draw_sides())
    fit = fits.get(market.asset)
    return StressView(market, pf, mc, replays, shocks, bt, eg, sides, skipped, pf_text, whole,
                      leverage=_leverage(fit),
                      leverage_at_bound=fit is not None and fit.at_stationarity_bound,
                      report_assets=tuple(ctx.assets),
                      book_share=book_share(ctx))  # fmt: skip


def _share_markets(ctx: ReportContext, market: Any, assets: Any) -> None:
    """Give the stress market the report's own markets of the portfolio's other assets.

    The shock grid cascades every asset of the portfolio on its own market
    (:meth:`~liqcascade.stress.StressMarket.asset_market`, the default market at the same
    close); the report has already estimated each of its assets' (with its book draws,
    before its lanes fork), so the grid takes those instead of estimating them again
    (:meth:`~liqcascade.stress.StressMarket.adopt_market`: the same market). An asset
    outside the report, or whose market the report cannot estimate, is left to the grid.
    """
    from liqcascade.errors import InputError

    for a in sorted(set(assets) - {market.asset}):
        if a not in ctx.assets:
            continue
        try:
            market.adopt_market(ctx.for_asset(a).market)
        except InputError:
            continue  # the grid says why (its no-market note)


def _leverage(fit: Any) -> tuple[float, float, str, float] | None:
    """The daily GJR-t fit's γ, p-value, trusted verdict and residuals' skewness, or None."""
    from scipy import stats

    lev = None if fit is None else fit.leverage
    if lev is None:
        return None
    z = fit.std_resid.dropna().to_numpy(dtype=float)
    skew = float(stats.skew(z)) if len(z) > 2 else 0.0  # the population (biased) skewness
    return float(lev.gamma), float(lev.pvalue), str(fit.leverage_verdict), skew


def figures(v: StressView) -> list[go.Figure]:
    """Loss and liquidation distributions (binned), the 30-day price distribution."""
    fig = v.mc.plot()
    fig.update_layout(
        title=f"Sample portfolio, {HORIZON_DAYS} days: loss and {plain(v.asset)} book "
        f"liquidations ({feed_unit(unit='USD')})"
    )
    for k, ann in enumerate(a for a in fig.layout.annotations if str(a.text).startswith("VaR")):
        ann.update(xanchor="right" if k == 0 else "left", yshift=-14 * k)  # apart, not on top
    for tr in fig.data:
        if tr.name == "liquidations" and tr.x is not None:
            tr.x = np.asarray(tr.x, dtype=float) / 1e6
    for ann in fig.layout.annotations:
        if str(ann.text).startswith("Market liquidations"):  # the book's: feed dollars
            ann.text = f"Liquidations ({feed_unit()})"
    # each axis names its unit (the library's titles said only the paths shown)
    loss_t, liq_t = (str(a.title.text or "") for a in (fig.layout.xaxis, fig.layout.xaxis2))
    fig.update_xaxes(title_text=f"loss (USD; {loss_t})", row=1, col=1)
    fig.update_xaxes(title_text=f"liquidations ({feed_unit()}; {liq_t})", row=1, col=2)
    fig.update_yaxes(title_text="paths (count)", row=1, col=1)
    fig2 = go.Figure()
    a = plain(v.asset)  # in a hover template: its %{...} and tags shown as typed
    x = np.sort(v.mc.final_price[v.asset])
    step = max(1, x.size // 600)
    fig2.add_trace(
        go.Scatter(
            x=x[::step],
            y=np.arange(x.size)[::step] / x.size,
            name="FHS paths",
            mode="lines",
            hovertemplate=a + " $%{x:,.0f}: %{y:.1%} of paths below<extra></extra>",
        )
    )
    fig2.add_vline(x=v.price, line_dash="dot", annotation_text=f"today ${v.price:,.0f}")
    fig2.update_layout(
        title=f"{a} after {HORIZON_DAYS} days (FHS GJR-t paths): share of paths below each price",
        xaxis_title=f"{a} price (USD; the 0.5–99.5 % of paths)",
        yaxis_title="share of paths below (%)",
        yaxis_tickformat=".0%",
        # the axis spans the bulk of the paths (as the histograms do): a few far paths
        # stretched it to $16,000 and squeezed the curve into a sliver
        xaxis_range=[float(np.quantile(x, 0.005)), float(np.quantile(x, 0.995))],
    )
    figs = [fig, fig2]
    if v.backtest is not None:
        figs.append(_backtest_figure(v))
    return figs


def _weekly(frame: pd.DataFrame) -> pd.Series:
    """A method's daily 99 % VaR forecasts as weekly means (fractions), indexed by week."""
    sr = pd.Series(frame["var_99"].to_numpy(), index=pd.DatetimeIndex(frame["start"]))
    return sr.resample("7D").mean().dropna()


def _backtest_figure(v: StressView) -> go.Figure:
    """Realised 1-day losses against the out-of-sample 99 % VaR, exceedances marked."""
    fc = v.backtest.forecasts
    d = fc[fc["horizon"] == 1]
    mod = d[d["method"] == "model"]
    best = v.backtest.best_baseline(1, 0.99)
    base = d[d["method"] == best]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(x=mod["start"], y=100 * mod["loss"], name="realised loss, next day",
                   mode="lines", line={"width": 0.6, "color": "#9aa5b1"})
    )  # fmt: skip
    # the forecasts as weekly means (the page's weight; the exceedances below are daily)
    wm, wb = _weekly(mod), _weekly(base)
    fig.add_trace(
        go.Scatter(x=wm.index, y=100 * wm.to_numpy(), name="GJR-t FHS VaR 99 % (weekly mean)",
                   mode="lines", line={"width": 1.2})
    )  # fmt: skip
    fig.add_trace(
        go.Scatter(x=wb.index, y=100 * wb.to_numpy(),
                   name=f"baseline {_BASE_NAMES[best]} VaR 99 % (weekly mean)", mode="lines",
                   line={"width": 1.0, "dash": "dot"})
    )  # fmt: skip
    hit = mod[mod["loss"] > mod["var_99"]]
    fig.add_trace(
        go.Scatter(x=hit["start"], y=100 * hit["loss"], name="model exceedances", mode="markers",
                   marker={"symbol": "x", "size": 8, "color": "#c0392b"})
    )  # fmt: skip
    fig.update_layout(
        title=(
            f"{v.asset}, unit long: next-day loss against the 99 % VaR forecast the day before "
            "(out of sample, monthly refits)"
        ),
        xaxis_title="day before the loss (UTC)",
        yaxis_title="loss, % of the position",
        template="plotly_white",
    )
    return fig


def _liq_text(x: float, whole: bool) -> str:
    return f"{usd(x)} (a whole side of the book: it ran out)" if whole else usd(x)


def _mc_liq_text(x: float, whole: bool) -> str:
    """A Monte Carlo liquidation figure: both sides over the horizon, so no one side's size."""
    return f"{usd(x)} (a side ran out on these paths)" if whole else usd(x)


def _price_iv(t: pd.DataFrame, key: str) -> list[str]:
    """``median (p10 – p90)`` per row; one figure when the interval is a point."""
    out = []
    for m, lo, hi in zip(t[key], t[key + "_p10"], t[key + "_p90"], strict=True):
        same = abs(hi - lo) <= 1e-9 * abs(m)
        out.append(usd(m) if same else f"{usd(m)} ({interval(lo, hi, usd)})")
    return out


def _shock_table(v: StressView) -> pd.DataFrame:
    """The calibrated 24-h extreme and liquidations lead; the carry and its static bound."""
    from liqcascade.cascade import BOOK_EDGE_SHARE

    sh = v.shocks.table
    ext = _price_iv(sh, "price_after")
    edge = sh["book_exhausted_share"].to_numpy() >= BOOK_EDGE_SHARE
    ext = [
        e + (" (order book ran out: a bound)" if x else "") for e, x in zip(ext, edge, strict=True)
    ]
    liq = [
        f"{_liq_text(m, w)} ({interval(lo, hi, usd)})"
        for m, lo, hi, w in zip(sh["market_liquidations_usd"], sh["market_liquidations_p10_usd"],
                                sh["market_liquidations_p90_usd"], sh["whole_book_liquidated"],
                                strict=True)
    ]  # fmt: skip
    return pd.DataFrame(
        {
            "shock": [pct(x, 0, signed=True) for x in sh["shock"]],
            f"{v.asset} extreme within 24 h (80 %)": ext,
            LIQ_COLUMN + ", 24 h (80 %)": liq,
            "cascade's own carry (index held)": _price_iv(sh, "carry_price_after"),
            "static book (bounds the carry)": [usd(x) for x in sh["static_price_after"]],
            "portfolio PnL": [usd(x, signed=True) for x in sh["portfolio_pnl_usd"]],
        }
    )


def tables(v: StressView) -> list[Table]:
    """Monte Carlo, positions, replays and instant shocks; whole-book figures said so."""
    from liqcascade import stress

    s = v.mc.summary()
    flags = v.whole_book()

    def iv(key: str) -> str:
        lo, hi = s[key + "_interval"]
        return f"{usd(s[key])} ({interval(lo, hi, usd)})"

    mc = pd.DataFrame(
        [
            {
                "VaR 95 % (95 % interval)": iv("var_95"),
                "VaR 99 % (95 % interval)": iv("var_99"),
                "ES 95 % (95 % interval)": iv("es_95"),
                "ES 99 % (95 % interval)": iv("es_99"),
                "expected loss": usd(s["expected_loss"]),
                f"{v.asset} 5 % quantile": usd(s["price_quantiles"]["p05"]),
                f"{v.asset} 95 % quantile": usd(s["price_quantiles"]["p95"]),
                LIQ_COLUMN + ", both sides, median": _mc_liq_text(
                    s["market_liquidations_usd"]["p50"], flags["Monte Carlo p50"]
                ),
                "p99": _mc_liq_text(s["market_liquidations_usd"]["p99"], flags["Monte Carlo p99"]),
            }
        ]
    )
    pos = pd.DataFrame(
        {
            "position": [re.sub(r"(?<=\d)x\b", "×", str(n)) for n in v.mc.p_liquidation()],
            "liquidation price": [usd(x) for x in v.portfolio.liq_price],
            "P(liquidated or stopped)": [pct(x) for x in v.mc.p_liquidation().values()],
        }
    )
    rows = []
    for w, win in ((w, x) for w, x in stress.WINDOWS.items() if (w, True) in v.replays):
        on, off = v.replays[(w, True)], v.replays[(w, False)]
        rows.append(
            {
                "window": w,
                "recorded move (last close / first open)": pct(
                    on.details[f"{v.asset}_recorded_move"], signed=True
                ),
                "low, recorded path": pct(
                    off.details[f"{v.asset}_min_price"] / v.price - 1, signed=True
                ),
                "calibrated cascade below the recorded low": pct(
                    on.details[f"{v.asset}_min_price"] / off.details[f"{v.asset}_min_price"] - 1,
                    3,
                    signed=True,
                ),
                LIQ_COLUMN + ", recorded path": _liq_text(
                    off.market_liq_usd[0], flags[f"replay {w} (recorded path)"]
                ),
                "calibrated response": _liq_text(on.market_liq_usd[0], flags[f"replay {w}"]),
                "portfolio loss": usd(-float(on.pnl[0])),
                "note": win.note if v.asset == "ETH" else _hourly_note(win.note, v.asset),
            }
        )
    out = [
        Table(f"Monte Carlo, {HORIZON_DAYS} days, sample portfolio (zero drift)", mc),
        Table("Probability each position is liquidated or stopped", pos),
        Table("Recorded crashes replayed on today's book (moves in % of the start price)",
              pd.DataFrame(rows)),
        Table("Instantaneous shocks: the calibrated response, its own carry, the static bound",
              _shock_table(v)),
    ]  # fmt: skip
    if v.backtest is not None:
        out.append(Table(_backtest_title(v), _backtest_table(v)))
    return out


def _backtest_title(v: StressView) -> str:
    """The VaR back-test table's title: the period and which windows (closed by the date)."""
    st = v.backtest.settings
    span = f"{st['first_fit'][:10]} to {st['last_day'][:10]}"
    if v.backtest_reads_after:
        which = (
            f"{span}; it reads data after the market date and was not knowable then: too few "
            "windows had closed by that date to score them alone"
        )
    elif v.backtest_whole is not None:
        which = f"the windows closed by the market date, {span}"
    else:
        which = span
    return (
        f"VaR back-test, unit long {v.asset}, out of sample (month-end refits, {which}; "
        "each window forecast by a fit on the days before it)"
    )


_BASE_NAMES = METHOD_NAMES  # the library's words, as the command line prints them
_CARD_NAMES = {**_BASE_NAMES, "ewma": "normal EWMA"}
"""The baselines as the front card names them (the glossary says what EWMA is)."""


def _backtest_table(v: StressView) -> pd.DataFrame:
    """Model and baselines per horizon and level; EGARCH-t rows labelled a sensitivity."""
    from liqcascade.stress import BASELINES

    rows = []
    runs = [(v.backtest, ("model", *BASELINES), "")]
    if v.egarch is not None:
        runs.append((v.egarch, ("model",), "EGARCH-t FHS (sensitivity, not used)"))
    for h in v.backtest.settings["horizons"]:
        for lv in v.backtest.settings["levels"]:
            for bt, methods, label in runs:
                for m in methods:
                    r = bt.row(h, lv, m)
                    rows.append(
                        {
                            "horizon": f"{h} d",
                            "level": pct(lv, 0),
                            "forecast": label or _BASE_NAMES[m],
                            "windows": r["n"],
                            "exceedances": f"{r['exceedances']} ({pct(r['rate'], 2)}; "
                            f"nominal {pct(r['expected'], 0)}"
                            f"{_near_text(r) if m == 'model' and h > 1 else ''})",
                            "Kupiec p": pvalue(r["kupiec_p"]),
                            "Christoffersen p": pvalue(r["christoffersen_p"]),
                            "pinball loss (bp)": f"{1e4 * r['pinball']:.2f}",
                        }
                    )
    return pd.DataFrame(rows)


VERDICT_HORIZONS: tuple[tuple[int, float], ...] = ((1, 0.99), (10, 0.95), (30, 0.95))
"""The horizons (days) and levels the section's back-test takeaway scores."""

_PINBALL_WORDS = {"beats": "beats it", "loses": "loses to it", "ties": "ties"}


def _backtest_takeaway(v: StressView) -> str:
    """The VaR back-test in one takeaway: the verdict first, then each horizon's scores.

    The lead says, over :data:`VERDICT_HORIZONS`, where the model beats, ties with or
    loses to its best baseline on pinball loss (the verdict of the 90 % interval of the
    paired difference) and where it fails Kupiec's coverage test at 5 %; each horizon
    then gives its windows, the model's exceedance rate and Kupiec p, the baseline's rate,
    both pinball losses (bp) and the difference's 90 % interval. The whole back-test,
    when it reads later data, follows (:func:`_whole_backtest_text`).
    """
    bt = v.backtest
    st = bt.settings
    rows = []
    for h, lv in (
        (h, lv) for h, lv in VERDICT_HORIZONS if h in st["horizons"] and lv in st["levels"]
    ):
        best = bt.best_baseline(h, lv)
        _, lo, hi = pinball_interval(bt, h, lv, best)
        word = str(significance_verdict(lo, hi))
        rows.append((f"{h}-day {pct(lv, 0)}", bt.row(h, lv, "model"), best, bt.row(h, lv, best),
                     lo, hi, word if word in _PINBALL_WORDS else "ties"))  # fmt: skip
    by_word: dict[str, list[str]] = {}
    for label, *_, word in rows:
        by_word.setdefault(word, []).append(label)
    pin = "; ".join(f"{_PINBALL_WORDS[w]} at {join_words(ls)}" for w, ls in by_word.items())
    pin = (
        f"the model does not beat its best baseline on pinball loss at any horizon: it {pin}"
        if "beats" not in by_word
        else f"against its best baseline on pinball loss, the model {pin}"
    )
    lead = (
        f"VaR back-test of a unit long {v.asset}, out of sample{_card_scope(v)}: {pin}; "
        f"{_kupiec_words([(label, m) for label, m, *_ in rows])}."
    )
    detail = " ".join(
        f"{label}, {m['n']:,} windows: exceeded {_times(m['exceedances'])} "
        f"({pct(m['rate'], 2)}, nominal "
        f"{pct(m['expected'], 0)}{_near_text(m) if int(m.get('horizon', 1)) > 1 else ''}; "
        f"{p_text(m['kupiec_p'], 'Kupiec p')}) against "
        f"{pct(b['rate'], 2)} "
        f"for {_CARD_NAMES[best]}; pinball {1e4 * m['pinball']:.2f} vs "
        f"{1e4 * b['pinball']:.2f} bp (difference, 90 %: {signed_num(1e4 * lo, 1)} … "
        f"{signed_num(1e4 * hi, 1)})."  # as the VaR card writes it (test: one interval)
        for label, m, best, b, lo, hi, _ in rows
    )
    return " ".join(x for x in (lead, detail, _whole_backtest_text(v)) if x)


def _kupiec_words(rows: list[tuple[str, dict[str, Any]]]) -> str:
    """Where the model fails Kupiec's coverage test at 5 % (and on which side), where it passes.

    ``rows``: a label (``"1-day 99 %"``) and the model's score row per horizon; each
    verdict is :func:`liqcascade.stress.kupiec_coverage`'s (the command line's), so a row
    whose windows expect under one exceedance is "not testable", neither passed nor failed.
    """
    by: dict[str, list[str]] = {}
    for label, m in rows:
        by.setdefault(kupiec_coverage(m), []).append(label)
    sides = {side: by[c] for c, side in _KUPIEC_SIDES.items() if c in by}
    passes, untested = by.get("passes", []), by.get("not testable", [])
    why = " (under one exceedance expected)"
    untested_text = f"; {join_words(untested)} cannot test it{why}" if untested else ""
    if not sides and not untested:
        return "it passes Kupiec's coverage test at every horizon"
    if not sides and not passes:
        return f"{join_words(untested)} cannot test Kupiec's coverage{why}"
    if not sides:
        return f"it passes Kupiec's coverage test at {join_words(passes)}{untested_text}"
    fails = "; ".join(f"{join_words(ls)} ({side})" for side, ls in sides.items())
    out = f"it fails Kupiec's coverage test at {fails}"
    return out + (f" and passes it at {join_words(passes)}" if passes else "") + untested_text


_KUPIEC_SIDES = {
    "fails: too few": "too few exceedances: over-cautious",
    "fails: too many": "too many exceedances",
}
"""The side of each failing :func:`liqcascade.stress.kupiec_coverage`, in the section's words."""

_KUPIEC_CARD = {
    "passes": "passes Kupiec",
    "fails: too few": "fails Kupiec, over-cautious",
    "fails: too many": "fails Kupiec, too many",
    "not testable": "Kupiec not testable: under one exceedance expected",
    "n/a": "no Kupiec p",
}
"""The card's words for each :func:`liqcascade.stress.kupiec_coverage` verdict."""


def pinball_interval(bt: Any, h: int, level: float, baseline: str) -> tuple[float, float, float]:
    """The model's pinball loss minus ``baseline``'s: mean and 90 % interval, one rule.

    Every text of the report that quotes this difference (the card, the section's
    verdicts, the whole back-test's line) reads it here, with
    :data:`PINBALL_RESAMPLES` and the bootstrap's seed
    (:meth:`VarBacktest.pinball_difference`), so that one horizon and level never
    print two intervals (the back-test computes each once). Fractions of the
    position's value (× 1e4 for bp).
    """
    return bt.pinball_difference(  # type: ignore[no-any-return]
        h, level, baseline, n_resamples=PINBALL_RESAMPLES
    )


def _scope_words(v: StressView) -> str:
    """Which windows a score covers, for a sentence (empty when the whole back-test is knowable)."""
    if v.backtest_reads_after:
        return " (reading data after the market date: too few windows had closed by then)"
    return " closed by the market date" if v.backtest_whole is not None else ""


def _whole_backtest_text(v: StressView) -> str:
    """The whole VaR back-test beside the windows closed by the market date: it reads later data.

    The card's horizon and level only; empty when the card scores the whole back-test.
    """
    bt = v.backtest_whole
    if bt is None or v.backtest_reads_after:
        return ""
    levels = bt.settings["levels"]
    h, lv = _card_horizon(bt), VAR_LEVEL if VAR_LEVEL in levels else max(levels)
    m = bt.row(h, lv, "model")
    best = bt.best_baseline(h, lv)
    _, lo, hi = pinball_interval(bt, h, lv, best)
    word = {"beats": "beats", "loses": "loses to", "ties": "ties with"}.get(
        str(significance_verdict(lo, hi)), "ties with"
    )
    return (
        f"The whole back-test ({bt.settings['first_fit'][:7]} → {bt.settings['last_day'][:7]}, "
        f"{m['n']:,} {h}-day windows) reads data after the market date and was not knowable "
        f"then: the {h}-day {pct(lv, 0)} VaR exceeded {_times(m['exceedances'])} "
        f"({pct(m['rate'], 2)}; {p_text(m['kupiec_p'], 'Kupiec p')}) and {word} the best baseline, "
        f"{_BASE_NAMES[best]}, on pinball loss ({1e4 * m['pinball']:.2f} vs "
        f"{1e4 * bt.row(h, lv, best)['pinball']:.2f} bp)."
    )


def _hourly_note(note: str, asset: str) -> str:
    """A window's note for an asset replayed on its hourly bars (the event, the bars)."""
    return f"{note.split(';')[0]}; {asset} hourly bars"


VAR_LEVEL = 0.95
"""The VaR level every asset's card leads with: the one the 30-day back-test can test
(72 windows closed by 2025-07-31 hold about four 95 % exceedances, under one 99 % one); the
99 % VaR is said beside it (a bound when it is the whole margin)."""


def _worst_words(s: dict[str, Any]) -> str | None:
    """What a flat 99 % tail is: "the whole margin", "the paths' worst loss", or None.

    :func:`liqcascade.stress.tail_bound`'s rule (the ``stress`` command's too):
    the tail is flat when the 99 % VaR and ES are the same loss (every bad path loses
    it); that loss is the whole margin when it is the portfolio's equity
    (``whole_margin_usd``), else the most the paths lose (stops keep part of the margin).
    None: the 99 % figures are estimates.
    """
    from liqcascade.stress import tail_bound

    bound = tail_bound(s, 0.99)
    if bound is None:
        return None
    if bound == "whole_margin":
        return "the whole margin"
    return "the paths' worst loss (stops keep part of the margin)"


def _var99_text(s: dict[str, Any]) -> str:
    """The card's secondary 99 % figure: an estimate, or the bound it is."""
    words = _worst_words(s)
    if words == "the whole margin":
        return f"at 99 % the whole margin is lost ({usd(s['var_99'])}, a bound)"
    if words is not None:
        return f"at 99 %: {usd(s['var_99'])}, {words}: a bound"
    lo, hi = s["var_99_interval"]
    return f"99 %: {usd(s['var_99'])} ({interval(lo, hi, usd)}; untestable on 30-day windows)"


OWN_BOOK_COMMAND = "liqcascade stress --portfolio FILE --horizon-days 3"
"""The command that stresses a reader's own portfolio over a weekend (3 days)."""


def own_book_text(asset: str, horizons: Any = None) -> str:
    """Why the report has no weekend (3-day) VaR, and the command that gives one.

    ``horizons``: the VaR back-test's window lengths, days (None: no back-test ran).
    """
    why = (
        "its VaR back-test scores "
        + join_words([f"{int(h)}-day" for h in sorted(horizons)])
        + " windows, so a 3-day figure here would be untested"
        if horizons
        else "no VaR back-test ran, so no horizon of it is tested"
    )
    return (
        f"Your own portfolio, or a weekend: {OWN_BOOK_COMMAND} --asset {asset} (a CSV of "
        "symbol, side, size, entry price, margin or leverage). The report's sample runs "
        f"{HORIZON_DAYS} days only: {why}."
    )


def _same_sample_text(v: StressView) -> str:
    """``"; same in the ETH and BTC sections"`` where both ran; nothing for one section.

    The ETH+BTC sample is one portfolio in each of its assets' sections: the card says
    so only where more than one of those sections is in the report (a BTC-only report
    has no ETH section to name).
    """
    ran = [a for a in ("ETH", "BTC") if a in v.report_assets]
    if v.own_portfolio or len(ran) < 2:
        return ""
    return f"; same in the {' and '.join(ran)} sections"


def _var_label(v: StressView, es: str) -> str:
    """What the VaR card's portfolio is: the ETH+BTC sample (ETH, BTC) or the asset's own.

    The ETH+BTC sample is the same in the ETH and BTC sections: the card's interval says
    so where both ran (:func:`_same_sample_text`).
    """
    what = f"sample {v.asset} portfolio" if v.own_portfolio else "ETH+BTC sample"
    return f"{HORIZON_DAYS}-day 95 % VaR, {what} ({es})"


def _headlines(v: StressView) -> list[Headline]:
    s = v.mc.summary()
    plo, phi = _quantile_interval(v.mc.final_price[v.asset], 0.05)
    p05 = s["price_quantiles"]["p05"]
    lo, hi = s["var_95_interval"]
    return [
        Headline(
            key="var95_30d",
            label=_var_label(v, f"ES {usd(s['es_95'])}"),
            value=float(s["var_95"]),
            text=usd(s["var_95"]),
            interval=f"{interval(lo, hi, usd)} (95 %, sampling error only); {_var99_text(s)}"
            + _same_sample_text(v),
            evidence=_headline_evidence(v, VAR_LEVEL),
            unit="usd",
            check=_var_check(v),
            check_label=_var_check_label(v),
            low=lo,
            high=hi,
            scope="" if v.own_portfolio else "ETH+BTC",
            interval_kind="95 % sampling",
            dollar_scale="real",
            portfolio=portfolio_words(v.portfolio),
        ),
        Headline(
            key="eth_p05_30d" if v.asset == "ETH" else "price_p05_30d",
            label=f"{v.asset} in {HORIZON_DAYS} days, 5 % quantile",
            value=float(p05),
            text=usd(p05),
            interval=f"{interval(plo, phi, usd)} (95 %, sampling error only)",
            evidence="Model only: history's cascades are in the FHS residuals; none is added",
            unit="usd",
            low=plo,
            high=phi,
            interval_kind="95 % sampling",
            dollar_scale="real",
        ),
    ]


def portfolio_words(pf: Any) -> str:
    """A portfolio's positions in a few words, from the portfolio itself.

    Parameters
    ----------
    pf : liqcascade.stress.Portfolio
        Its positions: asset, side (+1 long, −1 short), size in base units, entry price
        and margin in USD; the leverage is notional over margin.

    Returns
    -------
    str
        ``"10 ETH long 20×, 1 BTC long 10×, 5 ETH short 5×"``.
    """
    return ", ".join(
        f"{float(z):,.4g} {a} {'long' if int(sd) > 0 else 'short'} {float(z) * e / m:.3g}×"
        for a, sd, z, e, m in zip(
            pf.asset, pf.side, pf.size, pf.entry_price, pf.margin, strict=True
        )
    )


def _headline_evidence(v: StressView, level: float = VAR_LEVEL) -> str:
    """The back-test behind the VaR headline: the unit long, at the headline's horizon and level.

    The card's figure and its score are for the same horizon (:data:`HORIZON_DAYS`) and
    level; when the back-test has no such row, the nearest it has (1 day) is scored and
    the text says so. Where the model loses to its best baseline on pinball loss, the
    text says "loses to" only when the 90 % interval of the per-window difference lies
    above zero (:meth:`VarBacktest.pinball_difference`), "ties with" when it holds zero.
    """
    if v.backtest is None:
        return "Model only: FHS paths through a GJR-t fit; no VaR back-test in this run"
    bt, h, lv, best = _card_scored(v, level)
    m, b = bt.row(h, lv, "model"), bt.row(h, lv, best)
    coverage = kupiec_coverage(m)
    verdict = _KUPIEC_CARD[coverage]
    others = kupiec_fails(bt, skip=(h, lv))
    if others:
        also = "; also fails at " if coverage.startswith("fails") else "; fails at "
        verdict += also + ", ".join(others)  # short: the front page is one A4 page
    d, lo, hi = pinball_interval(bt, h, lv, best)
    better = {"beats": "beats", "loses": "loses to", "ties": "ties with"}.get(
        str(significance_verdict(lo, hi)), "ties with"
    )
    span = (
        f"{pd.Timestamp(bt.settings['first_fit']):%Y-%m} → "
        f"{pd.Timestamp(bt.settings['last_day']):%Y-%m}"
    )

    def signed(x: float) -> str:
        return signed_num(1e4 * x, 1)

    out = (
        f"Out of sample{_card_scope(v)} (unit long {v.asset}, {h}-day {pct(lv, 0)}, {m['n']:,} "
        f"windows {span}): exceeded {pct(m['rate'], 2)} (nominal {pct(m['expected'], 0)}"
        f"{_near_text(m, short=True) if h > 1 else ''}), "
        f"{p_text(m['kupiec_p'], 'Kupiec p')} ({verdict}); the model {better} the best baseline "
        f"({_CARD_NAMES[best]}) on pinball loss, {1e4 * m['pinball']:.2f} vs "
        f"{1e4 * b['pinball']:.2f} bp ({signed(d)} bp, 90 %: {signed(lo)} … {signed(hi)})"
    )
    if h != HORIZON_DAYS:
        out += f" ({HORIZON_DAYS}-day windows not in this back-test)"
    return out


def _card_scored(v: StressView, level: float = VAR_LEVEL) -> tuple[Any, int, float, str]:
    """The VaR card's back-test row: (back-test, horizon in days, level, best baseline).

    The card's horizon (:func:`_card_horizon`) and ``level`` (the back-test's highest
    when it has not that one). Only with a back-test (``v.backtest``).
    """
    bt = v.backtest
    h = _card_horizon(bt)
    lv = level if level in bt.settings["levels"] else max(bt.settings["levels"])
    return bt, h, lv, bt.best_baseline(h, lv)


def _var_check_label(v: StressView) -> str:
    """The VaR card's mark, naming what was checked: a unit long, not the card's portfolio.

    The back-test scores the VaR of an unlevered unit long position (the portfolio's own VaR
    is not back-tested), so the mark says whose back-test it is: ``"back-test of unit long
    ETH: ties its baseline"``.
    ``""`` without a check.
    """
    c = _var_check(v)
    return f"back-test of unit long {v.asset}: {CHECK_MARKS[c]}" if c else ""


def _var_check(v: StressView) -> str:
    """The VaR card's mark: Kupiec's test and pinball loss against the best baseline.

    At the card's horizon and level; the baseline by the 90 % interval of the pinball
    difference. The figures :func:`_headline_evidence` says; ``""`` without a back-test.
    A check whose figure is not finite (no pinball interval, a NaN Kupiec p) is left
    out, and so is a Kupiec verdict that is not a pass or a fail (not testable).
    """
    if v.backtest is None:
        return ""
    bt, h, lv, best = _card_scored(v)
    _, lo, hi = pinball_interval(bt, h, lv, best)
    coverage = kupiec_coverage(bt.row(h, lv, "model"))
    kupiec = coverage.split(":")[0] if coverage.startswith(("fails", "passes")) else None
    return check_mark(kupiec, VERDICT_CHECK.get(str(significance_verdict(lo, hi))))


def kupiec_fails(bt: Any, skip: tuple[int, float] | None = None) -> list[str]:
    """The horizons of :data:`VERDICT_HORIZONS` where the model fails Kupiec's test at 5 %.

    By :func:`liqcascade.stress.kupiec_coverage` (a horizon that cannot test its level
    does not fail).

    Parameters
    ----------
    bt : VarBacktest
        The back-test the card scores (its ``settings`` and ``row``).
    skip : tuple of (int, float), optional
        A (horizon in days, level) left out: the card's own, which it names apart.

    Returns
    -------
    list of str
        Labels such as ``"1-day 99 %"``, in the order of :data:`VERDICT_HORIZONS`.
    """
    st = bt.settings
    return [
        f"{h}-day {pct(lv, 0)}"
        for h, lv in VERDICT_HORIZONS
        if (h, lv) != skip and h in st["horizons"] and lv in st["levels"]
        and kupiec_coverage(bt.row(h, lv, "model")).startswith("fails")
    ]  # fmt: skip


def _card_scope(v: StressView) -> str:
    """Which windows the card scores, in a few words (empty: the whole, all knowable)."""
    if v.backtest_reads_after:
        return ", reading data after the market date (too few windows closed by then)"
    return ", windows closed by the market date" if v.backtest_whole is not None else ""


def _shock_takeaway(v: StressView) -> str:
    """The instant shocks, pointing to the cascade section for the 5 % fall's 24-h answer.

    The shock table runs the cascade section's engine (the calibrated response, the same
    liquidity and book draws) on :data:`SHOCK_PATHS` paths per shock; the cascade
    section's 5 % fall runs on its own paths (:data:`liqcascade.report._calibrated.N_PATHS`),
    so the two differ by Monte Carlo sampling: the report's answer to "a 5 % fall" is
    the cascade section's, and this takeaway does not repeat a second figure for it.
    """
    from liqcascade.report._calibrated import N_PATHS

    return (
        f"A 5 % fall: the 24-h answer (lowest price and liquidations, with its interval) is "
        f"the cascade section's. The table's −5 % row runs the same engine on "
        f"{SHOCK_PATHS} paths per shock, against that section's {N_PATHS}, so its figures "
        f"differ from it by sampling alone. The cascade's own carry (the index held at the "
        f"shock) goes {pp(_carry_beyond(v, -0.05))} beyond the shock "
        f"({usd(_shock_row(v, -0.05)['carry_price_after'])}); the static book (instant, no "
        f"refill) bounds that carry at {usd(_shock_row(v, -0.05)['static_price_after'])} "
        f"({pp(_static_beyond(v, -0.05))} beyond the shock). The rest of the 24-h fall is "
        "the ordinary continuation of price, which the static book does not model."
    )


def _shock_row(v: StressView, shock: float) -> Any:
    t = v.shocks.table
    return t[np.isclose(t["shock"], shock)].iloc[0]


def _carry_beyond(v: StressView, shock: float) -> float:
    """How far the cascade's own carry goes beyond the shock: its move minus the shock.

    A difference of two moves (fractions of the price): print it in pp (:func:`pp`).
    """
    return float(_shock_row(v, shock)["carry_price_after"]) / v.price - (1.0 + shock)


def _static_beyond(v: StressView, shock: float) -> float:
    """How far the static book goes beyond the shock: its move minus the shock (print in pp)."""
    return float(_shock_row(v, shock)["static_price_after"]) / v.price - (1.0 + shock)


def _flag_label(key: str) -> str:
    """A whole-book flag's key as the page writes it: ``shock -10%`` → ``shock −10 %``.

    summary.json keeps the keys as :meth:`StressView.whole_book` writes them; the text
    spaces the percent (:func:`~liqcascade._prices.percent_label`) and writes the minus
    sign of the page. Replays (``replay 2022-06-13``) keep their dates' hyphens.
    """
    if not key.startswith("shock "):
        return key
    return "shock " + percent_label(key.removeprefix("shock ")).replace("-", MINUS)


def _whole_book_takeaway(v: StressView) -> str:
    flags = v.whole_book()
    hit = [_flag_label(k) for k, f in flags.items() if f]
    long_usd, short_usd = v.market.side_notional()
    book = f"central book: longs {usd(long_usd)}, shorts {usd(short_usd)}"
    if hit:
        text = (
            f"The book truly runs out in: {', '.join(hit)} — there the paths pass the "
            f"farthest liquidation price of a side, so the whole book of that side ({book}) "
            "is liquidated: a ceiling set by the book, not an estimate."
        )
    else:
        text = (
            f"No shock, replay or Monte Carlo quantile liquidates the whole position book of a "
            f"side ({book}): no liquidation figure here is a ceiling set by the book."
        )
    above = _above_central(v)
    return text + (" " + above if above else "")


def _above_central(v: StressView) -> str:
    """Which liquidation figures exceed the central book's side, and why (same-draw books)."""
    long_usd, short_usd = v.market.side_notional()
    out = []
    sh = v.shocks.table
    over = []
    for x, p90 in zip(sh["shock"], sh["market_liquidations_p90_usd"], strict=True):
        side = long_usd if x < 0 else short_usd
        if p90 > side:
            over.append(f"the {pct(x, 0, signed=True)} shock's 90th percentile {usd(p90)}")
    if over:
        if v.draw_sides:
            lo_l = min(d[0] for d in v.draw_sides)
            hi_l = max(d[0] for d in v.draw_sides)
            lo_s = min(d[1] for d in v.draw_sides)
            hi_s = max(d[1] for d in v.draw_sides)
            why = (
                f"the shocks' intervals spread over the {len(v.draw_sides)} position-book "
                f"draws, whose sides are longs {interval(lo_l, hi_l, usd)} and shorts "
                f"{interval(lo_s, hi_s, usd)}, so a draw's liquidations can exceed the central "
                "book's side without exceeding its own"
            )
        else:
            why = "the shocks' intervals spread over the position book's draws"
        out.append(f"Above the central book's side: {', '.join(over)} — {why}.")
    p99 = float(v.mc.summary()["market_liquidations_usd"]["p99"])
    if p99 > max(long_usd, short_usd):
        out.append(
            f"The Monte Carlo's p99 ({usd(p99)}) exceeds either side of the central book it runs "
            f"on: it counts both sides over {HORIZON_DAYS} days (a path can liquidate longs on "
            f"its way down and shorts on its way up); its ceiling is both sides together, "
            f"{usd(long_usd + short_usd)}."
        )
    return " ".join(out)


def prose(v: StressView) -> Prose:
    """Takeaways, method, the claim and the headline numbers."""
    on = v.mc.summary()
    q = on["price_quantiles"]
    worst = float(on["es_99"])
    flat = _worst_words(on)  # the tail is flat: every bad path loses the same
    take = [
        "A sample portfolio "
        + (v.portfolio_text if v.own_portfolio else f"({v.portfolio_text})")
        + " has a "
        f"{HORIZON_DAYS}-day 95 % VaR of {usd(on['var_95'])} (ES {usd(on['es_95'])})"
        + (
            f"; at 99 % VaR and ES both equal {usd(worst)}, {flat}: a bound, not an estimate."
            if flat
            else f"; 99 % VaR {usd(on['var_99'])}, ES {usd(on['es_99'])}."
        ),
        f"{v.asset}'s 5–95 % range after {HORIZON_DAYS} days is "
        f"{interval(q['p05'], q['p95'], usd)}, "
        f"median {usd(q['p50'])} ({pct(q['p50'] / v.price - 1, 1, signed=True)} on today's "
        f"{usd(v.price)}) with zero drift. " + median_words(v.leverage, v.leverage_at_bound),
        _shock_takeaway(v),
        _whole_book_takeaway(v),
        own_book_text(v.asset, None if v.backtest is None else v.backtest.settings["horizons"]),
    ]
    if v.backtest is not None:
        take.insert(2, _backtest_takeaway(v))
    claim = Claim(
        claim="Liquidation cascades turn ordinary moves into crashes.",
        computed=(
            f"Model only: after a 5 % fall the calibrated cascade's own carry goes "
            f"{pp(_carry_beyond(v, -0.05))} beyond the shock (index held; the static book, "
            f"its bound, {pp(_static_beyond(v, -0.05))}), {carry_bound_text(v.book_share)}; "
            "the cascade section's event back-test and history check test the 24-h move "
            "after real falls."
        ),
        front=(
            f"Model only: after a 5 % fall the cascade's own carry adds "
            f"{pp(_carry_beyond(v, -0.05))} beyond the shock, "
            f"{carry_bound_text(v.book_share, short=True)}."
        ),
        verdict="not testable with these data",
        would_test=(
            "order-book depth and liquidation prints through past crashes, to tell forced "
            "selling from the move that would have happened anyway."
        ),
        section="cascade",  # its text cites the cascade section's tests: the link goes there
    )
    if v.replay_skipped:
        take.append(f"Crash replays not run for {v.asset}: {v.replay_skipped}.")
    if v.own_portfolio:
        take[0] = (
            f"Here {v.asset}'s estimated book, from {v.asset}'s own data, is the market that "
            f"cascades, and the sample portfolio is in {v.asset}: its VaR, ES and position "
            f"probabilities follow {v.asset}'s own paths. " + take[0]
        )
    elif v.asset != "ETH":
        take[0] = (
            f"Here {v.asset}'s estimated book, from {v.asset}'s own data, is the market that "
            "cascades. The Monte Carlo adds no impact to its paths, so the portfolio's VaR, ES "
            "and position probabilities do not depend on which book is stressed; the market "
            f"liquidations, shocks and replays are {v.asset}'s own. " + take[0]
        )
    bt_paths = None if v.backtest is None else int(v.backtest.settings["paths"])
    method = _method(v.asset, _mu_fitted(v), v.market.as_of, own=v.own_portfolio,
                     n_paths=len(v.mc.pnl), day_window=day_window_name(v.asset),
                     backtest_paths=bt_paths)  # fmt: skip
    return Prose(take, method, [claim], _headlines(v))


def median_words(leverage: tuple[float, float, str, float] | None, at_bound: bool = False) -> str:
    """Why the zero-drift 30-day median is not today's price, from the paths' fit.

    ``leverage`` is the daily GJR-t fit's γ, its p-value, its verdict and the skewness
    of its standardised residuals (:func:`_leverage`); ``at_bound``: the fit sits on the
    stationarity bound, where the p-value is not standard (said beside it, by
    :func:`liqcascade.volatility.bound_note`). The paths resample those
    residuals (FHS) with zero drift; the median price is today's price × e^(the median
    30-day log return), so it moves only with the skew of that sum. A significant
    γ > 0 (falls raise volatility more) skews it left and lifts the median; otherwise
    the leverage term is not the cause, and the residuals' own skew is named.

    >>> median_words((-0.006, 0.76, "not significant", -0.9))[:63]
    "The daily fit's leverage term (GJR γ = −0.006, p = 0.76) is not"
    """
    if leverage is None:
        return "The median moves with the skew of the resampled residuals, not with a drift."
    from liqcascade.volatility import bound_note

    gamma, p, verdict, skew = leverage
    note = bound_note("gamma[1]", at_bound)
    fitted = f"GJR γ = {dec(gamma, 3)}, {p_text(p)}" + (f", {note}" if note else "")
    if verdict == "significant":
        return (
            f"The daily fit's leverage term ({fitted}) makes falls more volatile, which skews "
            "the 30-day log return to the left and puts its median above its mean."
        )
    said = {"not significant": "not significant",
            "inverted": "inverted (rises raise volatility more)"}.get(verdict)  # fmt: skip
    left = skew < 0
    rare, common = ("falls", "rises") if left else ("rises", "falls")
    return (
        f"The daily fit's leverage term ({fitted}) is {said or f'not reliable ({verdict})'}, so "
        "the median's shift is not a leverage effect: the paths resample the fit's "
        "standardised residuals (past returns over their fitted volatility), skewed to the "
        f"{'left' if left else 'right'} ({rare} rarer but larger than {common}), which "
        f"{'lifts' if left else 'lowers'} the 30-day log return's median against its mean."
    )


def _mu_fitted(v: StressView) -> float:
    """The constant daily mean the GJR-t fit found (percent), not used by the paths."""
    return float(v.mc.mu_fitted[v.asset])


def backtest_command(asset: str, as_of: Any = None, paths: int | None = None) -> str:
    """The ``stress --scenario backtest`` command that prints the section's VaR back-test.

    ``as_of``: the market's bar (its open time, UTC; None: the command's default, the
    last bar); a bar that is the day's last (20:00) is named by its date (the command
    reads a bare date as that bar), another by its close. ``paths``: the back-test's
    paths per multi-day forecast, named when not the command's default (``--quick``'s
    500).
    """
    from liqcascade.market import MARKET_BAR
    from liqcascade.stress import BACKTEST_DEFAULTS

    cmd = f"liqcascade stress --scenario backtest --asset {asset}"
    if as_of is not None:
        t = pd.Timestamp(as_of)
        close = t + MARKET_BAR
        cmd += f" --as-of {t:%Y-%m-%d}" if close.hour == 0 else f" --as-of {close:%Y-%m-%dT%H:%M}"
    if paths is not None and paths != BACKTEST_DEFAULTS["paths"]:
        cmd += f" --paths {paths}"
    return cmd


def _legs_and_replays(asset: str, own: bool) -> tuple[str, str]:
    """The method's words on the sample portfolio's legs and on the replays' bars.

    Parameters
    ----------
    asset : str
        The section's asset.
    own : bool
        Whether every leg of the sample portfolio is ``asset``'s.
    """
    other = "BTC" if asset == "ETH" else "ETH"
    legs = (
        f"Every leg of the sample portfolio is {asset}'s."
        if own
        else f"{other} legs follow {other} paths without a modelled cascade."
    )
    replays = (
        "2022-06 and 2022-11 hourly, 2024-08-05 Binance 30-minute, 2025-10-10 Bybit 15-minute bars."
        if asset == "ETH"
        else f"{asset}'s hourly bars of each window (the finer ETH sources hold no {asset})."
    )
    return legs, replays


def _pf_arg(asset: str, own: bool) -> str:
    """``stress --portfolio``'s argument that holds the section's sample portfolio.

    ``sample`` (the library's :func:`~liqcascade.stress.sample_portfolio_for`) except for
    ETH's or BTC's own sample (:func:`own_sample`), which that name does not hold: a file.
    """
    return "FILE" if own and asset in ("ETH", "BTC") else "sample"


def _own_file_words(asset: str, own: bool) -> str:
    """What ``FILE`` is when :func:`_pf_arg` gives it, else nothing."""
    if _pf_arg(asset, own) == "sample":
        return ""
    return (
        f", FILE holding the section's three {asset} positions (summary.json's "
        "portfolio.positions: their sizes, entry prices and leverages); --portfolio sample "
        "is the ETH+BTC sample"
    )


def _method(
    asset: str,
    mu_fitted: float = float("nan"),
    as_of: Any = None,
    *,
    own: bool = False,
    n_paths: int = 20000,
    day_window: str = OCTOBER_WINDOWS["day"].name,
    backtest_paths: int | None = None,
) -> list[str]:
    legs, replays = _legs_and_replays(asset, own)
    return [
        "Monte Carlo: daily steps from a GJR-t fitted on daily returns before the as-of "
        "date, filtered historical simulation. The residuals already hold history's "
        "cascades, so no cascade is added to the paths (it would count them twice); the "
        "estimated book's liquidations are counted along each path.",
        "Shocks and replays: the calibrated liquidity response (the cascade section's "
        "engine, calibrated on real events before the date). A shock's figures are the "
        "median and 10–90 % over 24-h paths and parameter draws; the cascade's own carry "
        "holds the index at the shock price; the static book (instant, no refill) is shown "
        "only as the bound of that carry.",
        "A liquidation figure is marked as the whole book only when the path passed the "
        "farthest liquidation price of the moving side; a price marked 'order book ran out' "
        "reached the edge of the modelled depth on most paths.",
        "Daily closes: intraday extremes are not simulated in the Monte Carlo, which "
        f"understates liquidations of the portfolio's positions. {legs}",
        "Zero drift: the paths' daily mean is 0 (the risk convention); the constant mean "
        f"fitted on the returns ({signed_num(mu_fitted, 3)} % a day, about "
        f"{pct(math.expm1(30 * mu_fitted / 100), 0, signed=True)} over 30 days) is not "
        "used: it would put the 30-day median above today's price on the strength of past "
        "rallies. The library keeps it on request (monte_carlo(..., drift='fitted')).",
        "The VaR card leads with the 95 % level on every asset (the level the 30-day "
        "back-test can test) and gives the 99 % beside it. It is reproduced by liqcascade "
        f"stress --asset {asset} --portfolio {_pf_arg(asset, own)} --paths {n_paths} "
        "--seed 20251010"
        + (f" --as-of {pd.Timestamp(as_of):%Y-%m-%d}" if as_of is not None else "")
        + f" (the report's sample portfolio at the market date, on this report's {n_paths:,} "
        "paths), which prints the same VaR, ES and the VaR's 95 % interval"
        + _own_file_words(asset, own)
        + ".",
        "VaR and ES intervals: for VaR the distribution-free 95 % interval of the quantile "
        "from the Monte Carlo order statistics (binomial ranks); for ES a 95 % bootstrap "
        "over the paths (200 resamples). Sampling error only, not model error: the "
        "back-test measures that.",
        "Back-test: at every month-end from two years after the first bundled day, GJR-t "
        "is refitted on the daily returns up to that day only (expanding window) and "
        "forecasts the VaR of a unit long position in the asset over 1, 10 and 30 days "
        "(consecutive, non-overlapping windows; FHS paths, a few thousand per multi-day "
        "forecast, zero drift) without the cascade — the position book cannot be estimated before "
        "2024-11, so neither can the sample portfolio's VaR. Baselines on the same data: "
        "historical simulation (all past h-day losses; the last year's) and a normal "
        "EWMA (RiskMetrics, lambda 0.94). Scores: exceedances, Kupiec's coverage and "
        "Christoffersen's independence tests (p-values, chi-square with 1 d.f.) and the "
        "pinball loss (lower is better). 30-day windows are too few to test a 99 % VaR "
        "(under one exceedance expected). The card, the table and the verdicts score only "
        "the windows whose last daily close had closed by the market's time (what was "
        "knowable then); the whole back-test, which reads the bundled closes after that "
        "date, is given beside them, labelled as such. The back-test's figures are "
        f"reproduced by {backtest_command(asset, as_of, backtest_paths)}.",
        "Why GJR-t and not the AIC-best EGARCH-t of the volatility section: GJR-t was the "
        "stress engine's model before the back-test existed, and choosing the model by its "
        "back-test would tune it on the test window. AIC ranks one-day in-sample densities, "
        "not multi-day VaR; EGARCH-t's back-test (a sensitivity, not used: within one or two "
        "exceedances of GJR-t, pinball up to 5 % lower) is in the stress documentation.",
        "Replays rebase recorded bars to today's price: " + replays,
        "Replays, the calibrated cascade: the recorded lows are the cascade's index, so "
        "the replay's low is the recorded low plus only the cascade's own displacement "
        "beyond it, which the calibrated depth refills within a bar or two; the column "
        "'calibrated cascade below the recorded low' prints that difference (hundredths "
        "of a percent). The recorded lows already hold whatever cascade happened then.",
        "The 2025-10-10 replay's window: "
        f"{replay_window_name(asset)} ({OCTOBER_WINDOWS['replay'].definition}); the "
        "solvency section's 2025-10-10 scenario is a different window, "
        f"{day_window}. " + after_note(as_of),
    ]


def _replay_summary(v: StressView, w: str) -> dict[str, Any]:
    on, off = v.replays[(w, True)], v.replays[(w, False)]
    a = v.asset
    return {
        "recorded_move": on.details[f"{a}_recorded_move"],
        "min_price_recorded_path": off.details[f"{a}_min_price"],
        "min_price_with_cascade": on.details[f"{a}_min_price"],
        "liquidations_recorded_path_usd": float(off.market_liq_usd[0]),
        "liquidations_with_cascade_usd": float(on.market_liq_usd[0]),
        "whole_book_liquidated": bool(on.details.get("whole_book_liquidated", False)),
        "portfolio_loss_usd": -float(on.pnl[0]),
        "source": on.details[f"{a}_source"],
    }


def summary(v: StressView) -> dict[str, Any]:
    """Every number of the section for summary.json (``eth_price`` kept for ETH)."""
    on = v.mc.summary()
    keys = ("var_95", "var_99", "es_95", "es_99", "expected_loss")
    sh = v.shocks.table
    cols = [c for c in sh.columns if c not in ("asset",)]
    return {
        "as_of": v.market.as_of.isoformat(),
        "asset": v.asset,
        "price": v.price,
        **({"eth_price": v.price} if v.asset == "ETH" else {}),
        "paths": on["paths"],
        "horizon_days": HORIZON_DAYS,
        "montecarlo": {k: on[k] for k in keys},
        "var99_interval": list(on["var_99_interval"]),
        "var95_interval": list(on["var_95_interval"]),
        "es95_interval": list(on["es_95_interval"]),
        "es99_interval": list(on["es_99_interval"]),
        "drift": v.mc.details.get("drift", "zero"),
        "mu_fitted_pct_per_day": _mu_fitted(v),
        "backtest": _backtest_summary(v),
        "backtest_whole": None
        if v.backtest_whole is None
        else {**v.backtest_whole.summary(), "reads_after_market_date": True},
        "backtest_egarch": None if v.egarch is None else v.egarch.summary(),
        "book_draw_sides_usd": [list(d) for d in v.draw_sides],
        "price_quantiles": on["price_quantiles"],
        "market_liquidations_usd": on["market_liquidations_usd"],
        "p_liquidation": on["p_liquidation"],
        "book_long_usd": v.market.side_notional()[0],
        "book_short_usd": v.market.side_notional()[1],
        "whole_book": v.whole_book(),
        "shocks": sh[cols].to_dict(orient="records"),
        "replays": {w: _replay_summary(v, w) for (w, on_) in v.replays if on_},
        "replays_skipped": v.replay_skipped,
        "portfolio": {
            "text": v.portfolio_text,
            "positions": [
                {
                    "name": str(n),
                    "asset": str(a),
                    "side": "long" if int(sd) > 0 else "short",
                    "size": float(z),
                    "entry_price": float(e),
                    "margin_usd": float(m),
                    "liq_price": float(lq),
                }
                for n, a, sd, z, e, m, lq in zip(
                    v.portfolio.names,
                    v.portfolio.asset,
                    v.portfolio.side,
                    v.portfolio.size,
                    v.portfolio.entry_price,
                    v.portfolio.margin,
                    v.portfolio.liq_price,
                    strict=True,
                )
            ],
        },
    }


def _backtest_summary(v: StressView) -> dict[str, Any] | None:
    """The card's VaR back-test for summary.json, with which windows it scores (``scope``)."""
    if v.backtest is None:
        return None
    out = v.backtest.summary()
    out.setdefault("scope", "whole back-test")
    out["reads_after_market_date"] = v.backtest_reads_after
    return out


def section(ctx: ReportContext) -> Section:
    """Crash replays, Monte Carlo VaR/ES, the shocks' carry and its static bound."""
    v = compute(ctx)
    return assemble("stress", prose(v), figures(v), tables(v), summary(v))
