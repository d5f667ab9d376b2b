"""The VaR back-test as ``liqcascade stress --scenario backtest`` runs it: the report's settings.

:func:`run_var_backtest_request` runs :func:`liqcascade.stress.var_backtest` on every
daily close of the asset (the store's where it holds them, else the bundle's: the
report's loader) with the report's settings (GJR-t, 2,000 paths per multi-day forecast,
seed 0, horizons 1, 10 and 30 days, levels 95 % and 99 %), then scores what the report's
VaR card scores at the market's date (:meth:`VarBacktest.knowable_at` at the close of the
estimated market: the windows closed by then, or the whole back-test, labelled, when too
few had closed). :class:`VarBacktestRun` ``.to_dict()`` gives the JSON of the command:
the ``backtest`` entry of the report's summary.json plus one verdict row per horizon and
level.

With a portfolio (a file, or ``"sample"``: the report's sample portfolio at the market
date) it back-tests that portfolio's VaR instead
(:func:`liqcascade.stress._portfolio_backtest.portfolio_var_backtest`: the Monte Carlo's
joint model, the linear P&L of the positions held at constant size, USD), on the daily
closes of every asset held (recorded daily bars, else the hours resampled, as the Monte
Carlo's), with the same settings and the same scoring at the market's date.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from liqcascade.errors import InputError
from liqcascade.stress._days import whole_day_closes as _whole_day_closes
from liqcascade.stress._var_backtest import (
    BASELINES,
    PINBALL_RESAMPLES,
    VarBacktest,
    kupiec_coverage,
    var_backtest,
)

__all__ = [
    "BACKTEST_DEFAULTS",
    "VarBacktestRun",
    "run_var_backtest_request",
]

#: The back-test's settings when not given: the report's (``report`` runs 500 paths with
#: ``--quick``).
BACKTEST_DEFAULTS: dict[str, Any] = {"paths": 2000, "seed": 0, "model": "gjr", "dist": "t"}


def _verdict_row(bt: VarBacktest, h: int, lv: float) -> dict[str, Any]:
    """One horizon and level: the model's scores, its coverage, and its best baseline's."""
    from liqcascade._significance import verdict

    m = bt.row(h, lv, "model")
    out: dict[str, Any] = {
        "horizon_days": int(h),
        "level": float(lv),
        "windows": int(m["n"]),
        "exceedances": int(m["exceedances"]),
        "rate": m["rate"] if m["n"] else None,
        "expected": float(m["expected"]),
        "expected_exceedances": float(m["n"]) * float(m["expected"]),
        "within_sampling_error": int(m.get("within_sampling_error", 0)),
        "kupiec_p": m["kupiec_p"] if m["n"] else None,
        "coverage": kupiec_coverage(m),
        "pinball": m["pinball"] if m["n"] else None,
        "best_baseline": None,
        "best_baseline_pinball": None,
        "pinball_difference": None,
        "pinball_difference_interval": None,
        "pinball_verdict": None,
    }
    if not m["n"]:
        return out
    best = bt.best_baseline(h, lv)
    mean, lo, hi = bt.pinball_difference(h, lv, best, n_resamples=PINBALL_RESAMPLES)
    word = verdict(lo, hi)
    out.update(
        best_baseline=best,
        best_baseline_pinball=bt.row(h, lv, best)["pinball"],
        pinball_difference=mean,
        pinball_difference_interval=[lo, hi],
        pinball_verdict=None if word is None else str(word),
    )
    return out


@dataclass(frozen=True, eq=False)
class VarBacktestRun:
    """The result of :func:`run_var_backtest_request`.

    Attributes
    ----------
    backtest : VarBacktest
        What is scored at the market's date (the report's card: :meth:`VarBacktest.knowable_at`).
    whole : VarBacktest or None
        The whole back-test when it reads data after the market's date (it is
        ``backtest`` itself when too few windows had closed by then).
    close_time : pandas.Timestamp
        The close of the estimated market at the date asked (UTC).
    portfolio_file : str, default ""
        A portfolio's back-test: the portfolio as given (a file, or the sample's words);
        empty for a unit long's.
    n_positions : int, default 0
        The portfolio's positions (0 for a unit long).
    market_asset : str, default ""
        A portfolio's back-test: the market whose date scores it (``asset`` of the
        request); empty for a unit long's.
    notes : tuple of str, default ()
        What was left out of the closes before the back-test read them (an asset's days
        whose hourly bars stop before the day's end); the back-test's own notes (returns
        across a missing day, ``settings["notes"]``) follow them in :meth:`to_dict`.
    """

    backtest: VarBacktest
    whole: VarBacktest | None
    close_time: pd.Timestamp
    portfolio_file: str = ""
    n_positions: int = 0
    market_asset: str = ""
    notes: tuple[str, ...] = ()

    @property
    def reads_after_market_date(self) -> bool:
        """True when the scored back-test is the whole one and reads data after the date."""
        return self.whole is self.backtest

    def market_times(self) -> dict[str, str]:
        """The market's times as the other commands' JSON gives them, ISO UTC.

        As ``liqmap``, ``cascade``, ``stress`` and ``solvency --json``
        (:func:`liqcascade.market.market_times`): ``as_of`` and ``bar_close`` are
        :attr:`close_time` (the instant the market is known), ``bar_open`` its 4-hour
        open-interest bar's open
        (:data:`liqcascade.market.MARKET_BAR` before it): read from the open interest
        alone, the market's book is not estimated for the back-test.
        """
        from liqcascade.market import MARKET_BAR

        close = pd.Timestamp(self.close_time)
        return {
            "as_of": close.isoformat(),
            "bar_open": (close - MARKET_BAR).isoformat(),
            "bar_close": close.isoformat(),
        }

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``liqcascade stress --scenario backtest --json``.

        The keys of the report's summary.json ``backtest`` entry (``asset``, the settings,
        ``scores`` of every horizon, level and method, ``scope``,
        ``reads_after_market_date``), then the market's times as the other commands' JSON
        gives them (:meth:`market_times`: ``as_of``, the instant the market is known, its
        bar's close; ``bar_open``, ``bar_close``), ``market_close`` (the same close, kept
        for its readers), ``baselines``, ``verdicts`` (one row per horizon and level:
        windows, exceedances, rate, the exceedances expected, ``within_sampling_error``
        (the windows whose loss lies within their VaR's 95 % Monte Carlo sampling
        interval: the exceedance count another seed could move, 0 at 1 day), Kupiec p,
        ``coverage``
        (Kupiec's verdict at 5 %, :func:`~liqcascade.stress.kupiec_coverage`: passes, fails:
        too few / too many, not testable under one exceedance expected), the model's pinball
        loss and its best baseline's, the difference and its 90 % interval, fractions of the
        position's value) and ``whole`` (the whole back-test's summary beside, or None).

        A portfolio's back-test adds ``portfolio_file`` (as given), ``n_positions`` and
        ``market_asset`` (the market whose date scores it); its ``asset`` is the assets
        held (``"ETH+BTC"``), its losses, VaRs and pinball losses are USD (settings
        ``loss_units``), and its settings say what its P&L leaves out (``not_in_pnl``)
        and hold each asset's net size (``net_sizes``, base units).

        ``notes`` (a list of lines) says what was left out of the data: days resampled
        from hours whose bars stop before the day's end (:attr:`notes`), then returns
        across a missing day (the back-test's ``settings["notes"]``). A portfolio's
        back-test always has the key (an empty list when nothing was left out); a unit
        long's only when something was.
        """
        bt = self.backtest
        out: dict[str, Any] = bt.summary()
        notes = [*self.notes, *bt.settings.get("notes", ())]
        if notes or self.portfolio_file:
            out["notes"] = notes
        out.setdefault("scope", "whole back-test")
        out["reads_after_market_date"] = self.reads_after_market_date
        out.update(self.market_times())
        out["market_close"] = self.close_time.isoformat()
        out["baselines"] = list(BASELINES)
        if self.portfolio_file:
            out["portfolio_file"] = self.portfolio_file
            out["n_positions"] = self.n_positions
            out["market_asset"] = self.market_asset
        out["verdicts"] = [
            _verdict_row(bt, h, lv) for h in bt.settings["horizons"] for lv in bt.settings["levels"]
        ]
        beside = self.whole is not None and not self.reads_after_market_date
        out["whole"] = self.whole.summary() if beside and self.whole is not None else None
        return out


def run_var_backtest_request(
    asset: str = "ETH",
    *,
    as_of: Any = None,
    paths: int | None = None,
    seed: int | None = None,
    model: str | None = None,
    dist: str | None = None,
    portfolio: str | Path | None = None,
    advance: Callable[[float], None] | None = None,
) -> VarBacktestRun:
    """The stress model's VaR back-test of ``asset``, scored as the report's card scores it.

    Parameters
    ----------
    asset : str, default "ETH"
        Any asset with daily closes and open interest (store or bundle): a unit long in
        it is back-tested, or, with ``portfolio``, the market whose date scores it.
    as_of : datetime-like, optional
        The market's date (UTC; a bare date: that day's close; default the last bar of
        the open interest, as the report's): the windows closed by the estimated
        market's close there are scored (:func:`liqcascade.market.market_close_time`).
    paths : int, optional
        Monte Carlo paths per multi-day forecast (default 2,000, the report's).
    seed : int, optional
        Random seed (default 0, the report's).
    model : {"gjr", "egarch", "garch"}, optional
        Variance model (default "gjr").
    dist : {"t", "normal", "skewt"}, optional
        Residual distribution (default "t").
    portfolio : str or Path, optional
        A portfolio file (:func:`liqcascade.stress.read_portfolio`), or ``"sample"`` (no
        such file): the report's sample portfolio at the market's prices
        (:func:`liqcascade.stress.sample_portfolio_for`). Its VaR is back-tested instead
        of a unit long's (:func:`~liqcascade.stress._portfolio_backtest.portfolio_var_backtest`).
    advance : callable, optional
        Progress of a portfolio's back-test: the fraction of the month-end fits done.

    Returns
    -------
    VarBacktestRun

    Raises
    ------
    InputError
        A bad asset, date, path count, seed, model or distribution (``param=`` names
        it), or too few daily closes (``param="close"``); a portfolio file that does
        not exist (``param="portfolio"``), a bad row, or a row on an asset without
        daily or hourly prices (the message names the file and the row).
    """
    from liqcascade.market import bars_until, market_close_time

    a = str(asset).strip().upper()
    if not a:
        raise InputError("asset: give an asset (ETH, BTC or one in the store)", param="asset")
    given = {"paths": paths, "seed": seed, "model": model, "dist": dist}
    s: dict[str, Any] = {k: BACKTEST_DEFAULTS[k] if v is None else v for k, v in given.items()}
    close_time = market_close_time(a, as_of)  # the date is checked before the long run
    if portfolio is not None:
        return _portfolio_run(portfolio, a, close_time, s, advance)
    close = bars_until(a, "1d")["close"]  # every daily close: the report's back-test
    # paths, seed, model and dist are checked by var_backtest before its first fit
    whole = var_backtest(
        close, asset=a, paths=s["paths"], seed=s["seed"],
        model=str(s["model"]).lower(), dist=str(s["dist"]).lower(),
    )  # fmt: skip
    bt, beside = whole.knowable_at(close_time)
    return VarBacktestRun(bt, beside, close_time)


def _read(portfolio: str | Path, asset: str, close_time: pd.Timestamp) -> tuple[Any, str]:
    """The portfolio and its name as the outputs give it (a file, or the sample)."""
    from liqcascade.market import bars_until, price_at
    from liqcascade.stress._portfolio import read_portfolio, sample_portfolio_for
    from liqcascade.stress._request import SAMPLE, _sample_hint

    p = Path(portfolio)
    if str(portfolio) == SAMPLE and not p.is_file():
        prices = {x: price_at(x, close_time, prices=bars_until(x, "1h"))
                  for x in dict.fromkeys(("ETH", "BTC", asset))}  # fmt: skip
        name = f"{SAMPLE} (the report's sample portfolio at the market date)"
        return sample_portfolio_for(prices, asset), name
    if not p.is_file():
        raise InputError(f"portfolio: {p}: no such file{_sample_hint(p)}", param="portfolio")
    return read_portfolio(p), str(p)


def _daily_closes(pf: Any, asset: str) -> tuple[pd.Series, list[str]]:
    """``asset``'s daily closes (USD): recorded daily bars, else its whole hours' days.

    The Monte Carlo's daily bars (``StressMarket.daily``), but a day resampled from
    hours whose bars stop before its end is left out (:func:`_whole_day_closes`); the
    notes say which. An asset with neither is refused naming the portfolio's first row
    on it.
    """
    from liqcascade.data import SeriesNotFound
    from liqcascade.market import bars_until
    from liqcascade.stress._request import _row_without_prices

    try:
        return bars_until(asset, "1d")["close"], []
    except SeriesNotFound:
        pass
    try:
        hourly = bars_until(asset, "1h")
    except SeriesNotFound:
        raise _row_without_prices(pf, asset, "daily or hourly") from None
    return _whole_day_closes(hourly, asset)


def _portfolio_run(
    portfolio: str | Path,
    asset: str,
    close_time: pd.Timestamp,
    s: dict[str, Any],
    advance: Callable[[float], None] | None,
) -> VarBacktestRun:
    """:func:`run_var_backtest_request` of a portfolio (settings ``s`` filled)."""
    from liqcascade.stress._portfolio_backtest import portfolio_var_backtest

    pf, name = _read(portfolio, asset, close_time)
    got = {a: _daily_closes(pf, a) for a in pf.assets}
    closes = {a: c for a, (c, _) in got.items()}
    whole = portfolio_var_backtest(
        pf, closes, paths=s["paths"], seed=s["seed"], model=str(s["model"]).lower(),
        dist=str(s["dist"]).lower(), advance=advance,
    )  # fmt: skip
    bt, beside = whole.knowable_at(close_time)
    notes = tuple(n for _, ns in got.values() for n in ns)
    return VarBacktestRun(bt, beside, close_time, name, len(pf), asset, notes)
