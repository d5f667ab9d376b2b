"""The calibrated liquidity response as the report shows it: a 5 % fall, the critical shock.

The report leads with these figures; the static book (instant, no refill) is shown
beside them as the bound on the cascade's own carry. :func:`calibrated_response` is the
one place that calls the library: when
``liqcascade.cascade`` ships a calibrated fragility curve / critical shock, switch it
there (today it runs :func:`liqcascade.cascade.calibrated_cascade` on a grid of first
falls that holds −5 %, every run with :data:`N_PATHS` paths, seed 0 and the same book
draws, and :func:`liqcascade.cascade.market_answer` for the 5 % fall from the curve's −5 %
run: the headline's 5 % fall and the curve's −5 % point are one run, computed once, and
the critical shock is read off that curve).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from liqcascade._plotly_text import plain
from liqcascade.market import MARKET_BAR
from liqcascade.report._figures import LONG, RECORDED, vline
from liqcascade.report._format import dec, p_text, pct

TOTAL_MOVE = -0.10
"""The fall that defines the critical shock (fraction)."""

FALL = -0.05
"""The headline's first fall (fraction): a point of the curve's grid."""

N_PATHS = 400
"""Paths of every calibrated run: the 5 % fall and each point of the curve (same seed 0
and book draws), so the headline's 5 % fall *is* the curve's −5 % point."""


@dataclass(frozen=True)
class Calibrated:
    """The calibrated answer: the 5 % fall and the fragility curve with 80 % intervals.

    Attributes
    ----------
    answer : dict
        :func:`liqcascade.cascade.market_answer` for a 5 % fall (moves are fractions of
        mid, amounts USD; ``out_of_sample`` is the shipped event back-test scored on
        the events whose 24 h closed by the market's time,
        :func:`liqcascade.cascade._clock.backtest_score` with ``before``): the same run
        as the curve's −5 % point.
    shocks : array
        First falls of the curve (negative fractions, −5 % among them).
    median, p10, p90 : array
        Extreme move within 24 h after each first fall (fractions; p10 the deeper).
    carry : array
        The cascade's own carry after each first fall: the extreme move with the index
        held at the shock price, median over the parameter draws (fractions). The
        static book bounds this, not the 24-h move.
    reach : array
        Share of each first fall's paths whose 24-h move reaches :data:`TOTAL_MOVE`
        (fractions; the critical shock's history check reads it:
        :func:`liqcascade.cascade.critical_history_check`).
    n_paths : int
        Paths behind each point of the curve (every point runs the same ones: seed 0,
        the same draws), what ``reach``'s Monte Carlo error rests on.
    static_shocks, static_bound : array
        The static book's final move (instant, no refill) on a fine grid of first falls
        — the deepest over the position book's draws, the bound of the carry.
    n_book_draws : int
        Position-book parameter draws the intervals spread over (0: central fit only).
    """

    answer: dict[str, Any]
    shocks: np.ndarray
    median: np.ndarray
    p10: np.ndarray
    p90: np.ndarray
    carry: np.ndarray
    reach: np.ndarray
    n_paths: int
    static_shocks: np.ndarray
    static_bound: np.ndarray
    n_book_draws: int = 0

    def _crossing(self, y: np.ndarray) -> float:
        """First fall whose move reaches :data:`TOTAL_MOVE` (:func:`crossing`)."""
        return crossing(self.shocks, y)

    @property
    def static_critical(self) -> float:
        """First fall whose static bound (deepest over the book draws) reaches −10 % (or NaN)."""
        y, x = self.static_bound, self.static_shocks
        hit = np.nonzero(y <= TOTAL_MOVE)[0]
        if hit.size == 0:
            return float("nan")
        i = int(hit[0])
        if i == 0:
            return float(x[0])
        return float(x[i - 1] + (TOTAL_MOVE - y[i - 1]) * (x[i] - x[i - 1]) / (y[i] - y[i - 1]))

    @property
    def critical(self) -> float:
        """Smallest first fall whose median 24-h path reaches −10 % (negative fraction)."""
        return self._crossing(self.median)

    @property
    def critical_range(self) -> tuple[float, float]:
        """Where the deeper (p10) and the shallower (p90) paths reach −10 %."""
        return self._crossing(self.p10), self._crossing(self.p90)

    @property
    def oos(self) -> dict[str, Any] | None:
        """The shipped event back-test of the calibrated response, scored to the market date."""
        o = self.answer.get("out_of_sample")
        return dict(o) if isinstance(o, dict) else None

    def beats_baselines(self) -> bool | None:
        """Is the back-test's move error below both baselines'? None without a score.

        Strict comparison of the means (the issue's target); :meth:`verdicts` says
        whether each difference is real.
        """
        o = self.oos
        if not o:
            return None
        base = min(o["trigger_baseline_move_mae_pp"], o["empirical_baseline_move_mae_pp"])
        return bool(o["move_mae_pp"] < base)

    def verdicts(self) -> dict[str, str | None] | None:
        """``{baseline: "beats" | "ties" | "loses"}``: the error difference's 90 % interval."""
        from liqcascade.cascade import move_verdicts

        o = self.oos
        return move_verdicts(o) if o else None

    def summary(self) -> dict[str, Any]:
        """JSON-ready numbers."""
        lo, hi = self.critical_range
        return {
            "fall_5pct": {k: v for k, v in self.answer.items() if k != "as_of"},
            "critical_shock": self.critical,
            "critical_shock_range": [lo, hi],
            "curve": {
                "shock": self.shocks.tolist(),
                "move_median": self.median.tolist(),
                "move_p10": self.p10.tolist(),
                "move_p90": self.p90.tolist(),
                "carry_median": self.carry.tolist(),
                "share_reaching_total_move": self.reach.tolist(),
                "n_paths": self.n_paths,
            },
            "n_book_draws": self.n_book_draws,
            "beats_baselines": self.beats_baselines(),
            "verdicts_vs_baselines": self.verdicts(),
        }


def curve_shocks(quick: bool = False) -> np.ndarray:
    """The first falls of the report's calibrated curve (negative fractions, −1 % first).

    −1 … −10 % by 1 % (quick: −1, −3, −5, −7, −10 %); :data:`FALL` and
    :data:`TOTAL_MOVE` are points of it. The critical shock is read off this grid
    (:func:`crossing`).
    """
    grid = [-0.01, -0.03, FALL, -0.07, TOTAL_MOVE] if quick else np.linspace(-0.01, TOTAL_MOVE, 10)
    return np.union1d(np.round(grid, 6), [FALL])[::-1]


def curve_runs(
    prepared: Any,
    *,
    calibration: Any,
    sigma_hourly: float,
    residuals: Any,
    books: Any,
    shocks: np.ndarray,
) -> list[Any]:
    """One calibrated cascade per first fall: :data:`N_PATHS` paths, seed 0, the same book draws.

    Parameters
    ----------
    prepared : PreparedMarket
    calibration : Calibration
        :func:`liqcascade.cascade.load_liquidity` at the market's time.
    sigma_hourly : float
        Hourly volatility before the shock, fraction.
    residuals : array
        Standardised hourly residuals before the market's time.
    books : sequence of PreparedMarket
        The position book's parameter draws.
    shocks : array
        First falls (fractions of mid), :func:`curve_shocks`.

    Returns
    -------
    list of CalibratedCascade
        In the order of ``shocks``.
    """
    from liqcascade.cascade import calibrated_cascade

    return [
        calibrated_cascade(
            prepared, shock=float(s), calibration=calibration, sigma_hourly=sigma_hourly,
            residuals=residuals, n_paths=N_PATHS, seed=0, books=books,
        )
        for s in shocks
    ]  # fmt: skip


def crossing(shocks: np.ndarray, y: np.ndarray) -> float:
    """First fall whose move reaches :data:`TOTAL_MOVE`, linear between grid points.

    Parameters
    ----------
    shocks : array
        First falls, −1 % first (fractions of mid; :func:`curve_shocks`).
    y : array
        The move within 24 h after each (fractions of mid).

    Returns
    -------
    float
        The crossing (negative fraction); the last fall when no point reaches it.
    """
    hit = np.nonzero(y <= TOTAL_MOVE)[0]
    if hit.size == 0:
        return float(shocks[-1])
    i = int(hit[0])
    if i == 0:
        return float(shocks[0])
    x0, x1, y0, y1 = shocks[i - 1], shocks[i], y[i - 1], y[i]
    return float(x0 + (TOTAL_MOVE - y0) * (x1 - x0) / (y1 - y0))


def history_span(chk: Any) -> str:
    """``"4-hour falls 2017-08-17 → 2025-07-31"``: the hourly bars the check read."""
    if chk.span is None:
        return "4-hour falls"
    a, b = (pd.Timestamp(t) for t in chk.span)
    return f"4-hour falls {a:%Y-%m-%d} → {b:%Y-%m-%d}"


def history_text(chk: Any) -> str:
    """The critical shock's history check in words: the count, both shares, p, the verdict.

    ``chk`` is the :class:`~liqcascade.cascade.CriticalHistoryCheck` of the real falls at
    least as deep as the critical shock: history's share that reached −10 % within a day
    against the model's share for the same mix of depths (Poisson-binomial test over the
    curve's Monte Carlo error).
    The pooled share is said as what it is, not set against the model's one half.
    """
    x, span = pct(abs(chk.critical)), history_span(chk)
    law = (
        "Poisson-binomial"
        if chk.n_paths is None
        else f"Poisson-binomial, the curve's {chk.n_paths}-path error included,"
    )
    if chk.n == 0:
        return (
            f"History ({span}): no real 4-hour fall of {x} or more: the critical shock "
            "cannot be checked"
        )
    head = (
        f"History ({span}, in sample): {chk.k} of {chk.n} real falls of {x} or more reached "
        f"−10 % within a day ({pct(chk.history_share)}; deeper falls reach it more often); "
        f"the model expects {pct(chk.model_share)} for the same depths ({law} "
        f"{p_text(chk.p_value)})"
    )
    if chk.verdict == "consistent":
        return head + ": consistent with the model"
    if chk.verdict == "too few falls":
        return head + f": too few falls to test (no count of {chk.n} could contradict the model)"
    side = (
        "more often than the model expects: the critical shock is too deep"
        if chk.direction == "more"
        else "less often than the model expects: the critical shock is too shallow"
    )
    return head + f": history contradicts the model (falls of these depths reach −10 % {side})"


def critical_check(
    hourly: pd.DataFrame, critical: float, shocks: Any, reach: Any, n_paths: int
) -> tuple[Any, Any]:
    """The critical shock against history: real falls at least as deep, at their depths.

    :func:`liqcascade.cascade.follow_through` of ``hourly``'s 4-hour falls of at least
    ``critical`` (at least 0.5 %), then :func:`liqcascade.cascade.critical_history_check`
    of how many reached :data:`TOTAL_MOVE` within a day against the model's share after
    falls of the same depths. The report's card and ``liqcascade cascade --fragility``
    (through :func:`report_critical_shock`) print it with :func:`history_text`.

    Parameters
    ----------
    hourly : DataFrame
        Hourly OHLC of the asset closed by the market's time, indexed by bar open (UTC).
    critical : float
        The critical shock (negative fraction).
    shocks, reach : array of float
        The calibrated curve's first falls (negative fractions) and the share of each
        one's paths reaching :data:`TOTAL_MOVE`.
    n_paths : int
        Paths behind each point of the curve (:attr:`Calibrated.n_paths`): the
        check's p-value carries the curve's Monte Carlo error.

    Returns
    -------
    (FollowThrough, CriticalHistoryCheck)
    """
    from liqcascade.cascade import critical_history_check, follow_through

    hc = follow_through(hourly, drop=min(critical, -0.005))
    check = critical_history_check(
        hc.events["fall"], hc.events["total"], critical=hc.drop, shocks=shocks,
        reach=reach, n_paths=n_paths, total_move=TOTAL_MOVE,
        span=(hourly.index[0], hourly.index[-1]) if len(hourly) else None,
    )  # fmt: skip
    return hc, check


def report_critical_shock(
    prepared: Any,
    *,
    calibration: Any,
    hourly: pd.DataFrame,
    close_time: pd.Timestamp,
    books: Any,
) -> dict[str, Any]:
    """The report's critical shock on a market: the pooled median path's crossing of −10 %.

    The statistic and every input of :func:`calibrated_response` (full grid): its
    grid, path count, seed and volatility (:func:`liqcascade.cascade.volatility_at` of
    the hours closed by ``close_time``, as :func:`calibrated_response`), without the
    rest of the report's run. ``liqcascade cascade --fragility`` prints it as "the
    report's statistic".

    Parameters
    ----------
    prepared, calibration, books
        As :func:`curve_runs`.
    hourly : DataFrame
        Hourly OHLC of the asset (bars opened before ``close_time`` are read).
    close_time : Timestamp
        The market's time (its 4-hour bar's close).

    Returns
    -------
    dict
        ``critical_shock`` (negative fraction), ``total_move`` (:data:`TOTAL_MOVE`),
        ``shocks`` (the grid, fractions), ``n_paths`` (paths per first fall, pooled
        over every pair of a liquidity and a book draw), ``seed``, and the critical
        shock's history check (:func:`critical_check` over the hourly bars closed by
        ``close_time``): ``history_check`` (its figures) and ``history_text`` (the
        report card's sentence, :func:`history_text`).
    """
    from liqcascade.cascade import reached, volatility_at

    shocks = curve_shocks()
    sigma, resid = volatility_at(hourly, close_time)
    runs = curve_runs(prepared, calibration=calibration, sigma_hourly=sigma, residuals=resid,
                      books=books, shocks=shocks)  # fmt: skip
    critical = crossing(shocks, np.array([r.move_median for r in runs]))
    reach = np.array([float(reached(r.moves, TOTAL_MOVE).mean()) for r in runs])
    closed = hourly[hourly.index <= close_time - pd.Timedelta(hours=1)]  # closed by then
    _, check = critical_check(closed, critical, shocks, reach, int(runs[0].n_paths))
    return {
        "critical_shock": critical,
        "total_move": TOTAL_MOVE,
        "shocks": [float(s) for s in shocks],
        "n_paths": int(runs[0].n_paths),
        "seed": 0,
        "history_check": check.summary(),
        "history_text": history_text(check),
    }


def calibrated_response(state: Any, hourly: pd.DataFrame, *, quick: bool = False) -> Calibrated:
    """The calibrated liquidity response on ``state``'s market (the one function to switch).

    Parameters
    ----------
    state : MarketState
        The estimated market (its ``as_of``, ``asset`` and prepared book).
    hourly : DataFrame
        Hourly OHLC of the asset up to the as-of date (volatility and residuals).
    quick : bool
        Fewer paths and grid points.
    """
    from liqcascade.cascade import (
        load_liquidity,
        market_answer,
        prepare_market,
        prepared_draws,
        reached,
        static_envelope,
        volatility_at,
    )

    pm = prepare_market(state)
    books = prepared_draws(state)
    t = state.close_time if state.close_time is not None else state.as_of + MARKET_BAR
    # the hours closed by the market's time (no look-ahead): the one rule of cascade,
    # contagion --day and the stress market (liqcascade.cascade.market_volatility)
    sigma, resid = volatility_at(hourly, t)
    asset = str(state.asset).upper()
    cal = load_liquidity(asset, t)
    # one calibrated run per first fall, the -5 % fall among them: the headline's answer
    # is built from the curve's -5 % run (the same paths, seed 0 and book draws that
    # market_answer would run), so it is computed once and the critical shock
    # interpolated on the curve and the headline's 5 % fall cannot disagree
    shocks = curve_shocks(quick)
    runs = curve_runs(pm, calibration=cal, sigma_hourly=sigma, residuals=resid, books=books,
                      shocks=shocks)  # fmt: skip
    ans = market_answer(
        pm, asset=asset, as_of=t, shock=FALL, sigma_hourly=sigma, residuals=resid,
        n_paths=N_PATHS, books=books, cascade=runs[int(np.flatnonzero(shocks == FALL)[0])],
    )  # fmt: skip
    # its out_of_sample is what the report could know at its date: the events whose 24 h
    # closed by then (``market_answer`` scores with ``before=t``, as ``cascade`` does)
    fine = np.round(np.linspace(0.0, TOTAL_MOVE, 41 if quick else 201), 6)
    return Calibrated(
        answer=ans,
        shocks=shocks,
        median=np.array([r.move_median for r in runs]),
        p10=np.array([r.move_p10 for r in runs]),
        p90=np.array([r.move_p90 for r in runs]),
        carry=np.array([r.carry_median for r in runs]),
        reach=np.array([float(reached(r.moves, TOTAL_MOVE).mean()) for r in runs]),
        n_paths=int(runs[0].n_paths),
        static_shocks=fine,
        static_bound=static_envelope(pm, books, fine),
        n_book_draws=len(books),
    )


def fragility_figure(c: Calibrated, asset: str) -> go.Figure:
    """Move within 24 h against the first fall (calibrated, 80 % band); the carry and its bound.

    The calibrated 24-h median and band lead; the cascade's own carry (index held at the
    shock) is drawn beside the static book, which bounds the carry (not the 24-h move):
    with the position book's draws, the deepest static run over them.
    """
    x = c.shocks * 100
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(x=np.concatenate([x, x[::-1]]), y=np.concatenate([c.p90, c.p10[::-1]]) * 100,
                   fill="toself", mode="lines", line={"width": 0}, fillcolor="rgba(0,114,178,0.18)",
                   name="calibrated: 80 % interval", hoverinfo="skip")
    )  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=x, y=c.median * 100, mode="lines+markers", name="calibrated: median",
            line={"color": "#0072B2", "width": 2},
            hovertemplate="first fall %{x:.1f} %: median move %{y:.1f} %<extra></extra>",
        )
    )  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=x, y=c.carry * 100, mode="lines+markers", name="cascade's own carry (index held)",
            line={"color": "#009E73", "width": 1.5, "dash": "dot"},
            hovertemplate="first fall %{x:.1f} %: own carry %{y:.2f} %<extra></extra>",
        )
    )  # fmt: skip
    over = f", deepest of {c.n_book_draws} book draws" if c.n_book_draws else ""
    fig.add_trace(
        go.Scatter(
            x=c.static_shocks * 100, y=c.static_bound * 100, mode="lines",
            name=f"static book (instant, no refill{over}): bounds the carry",
            line={"color": RECORDED, "dash": "dash"},
            hovertemplate="first fall %{x:.1f} %: static book %{y:.1f} %<extra></extra>",
        )
    )  # fmt: skip
    cs = c.critical * 100
    vline(fig, cs, f"critical shock {dec(cs, 1)} %", color=LONG)  # the minus sign, not "-"
    fig.update_layout(
        title=f"{plain(asset)}: how far a first fall carries price within 24 h — "
        "calibrated response, its own carry and the static bound",
        xaxis_title="first fall (%)",
        yaxis_title="lowest price within 24 h (% from start)",
        height=400,
    )
    return fig
