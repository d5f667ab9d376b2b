"""Out-of-sample back-test of a portfolio's VaR: the stress Monte Carlo's joint model.

The unit-long back-test (:func:`liqcascade.stress.var_backtest`) generalised to a
portfolio of perpetual positions on one or several assets. At every month-end from the
first with ``min_days`` of common daily returns (to the last with a window left to
forecast), each asset's variance model (GJR-t by default) is refitted with ``arch`` on
its own daily percent log returns up to that day only (expanding window; the previous
month's parameters start the optimiser), and the fits are joined as the stress Monte
Carlo joins them (:func:`liqcascade.stress._model.join_models`): filtered historical
simulation, one day of standardised residuals bootstrapped for every asset at once, so
the dependence between the assets is the recorded one. Each window's paths are drawn by
the Monte Carlo's own path code (:func:`liqcascade.stress._runner.simulate`: empty books,
no impact, zero drift by default), each asset's variance at the start filtered with the
month-end parameters through its returns before the window. The 1-day forecast is the
bootstrap's quantile exactly: the portfolio's loss on every day of the residual pool.

The days are those all the assets hold; a return across a day one of them lacks is left
out as the unit-long back-test leaves it (no fit, baseline or scored window reads it;
``settings["notes"]`` names the days).

What is scored: the **linear P&L of the portfolio held at constant size**, USD:
``Σ side·size·(C(end) − C(start))`` over its positions, ``C`` the assets' daily closes.
Forecast and realised P&L leave out the same things: the liquidation of the portfolio's
own positions (losses beyond a position's margin are kept), its stops, funding and fees
(:data:`NOT_IN_PNL`). The Monte Carlo's VaR (``stress --scenario montecarlo``) applies
liquidations and stops on the same paths; this back-test scores the paths.

Baselines, on the same data before each window, the unit-long back-test's, applied to
today's positions (each window's exposure ``side·size·C(start)`` per asset):

- ``hs``: historical simulation, the portfolio revalued under every past ``h``-day
  price ratio of its assets (overlapping) since the first common day;
- ``hs_1y``: the same on the last 365 days only;
- ``ewma``: RiskMetrics, the assets' log returns normal with the EWMA (lambda 0.94)
  daily covariance scaled by ``h`` and zero mean; the loss quantile in closed form when
  the portfolio's net exposure is in one asset (the unit-long baseline's), else over
  :data:`EWMA_POINTS` fixed Sobol points (deterministic: no seed, no sampling interval).

A portfolio of one unit long in one asset gives the unit-long back-test's windows,
forecasts and exceedances times each window's start price (the same random draws).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from liqcascade._limits import check_seed
from liqcascade._tables import number_series
from liqcascade._typing import FloatArray
from liqcascade.errors import InputError
from liqcascade.stress._market import StressBook
from liqcascade.stress._model import SIGMA2_CAP, AssetModel, join_models, result_model
from liqcascade.stress._result import quantiles_with_intervals
from liqcascade.stress._runner import PathSpec, simulate
from liqcascade.stress._var_backtest import (
    VarBacktest,
    _backtest_result,
    _check_settings,
    _col,
    _Days,
    _fit,
)

__all__ = ["EWMA_POINTS", "NOT_IN_PNL", "net_sizes", "portfolio_pnl", "portfolio_var_backtest"]

#: What the back-test's P&L (realised and forecast) leaves out, in words.
NOT_IN_PNL = (
    "P&L scored: the positions' linear P&L at constant size from the daily closes (USD); "
    "not in it: the liquidation of the portfolio's own positions (a loss beyond a "
    "position's margin is kept), its stops, funding and fees"
)

#: Fixed Sobol points of the EWMA baseline's loss quantile when the portfolio is exposed
#: to several assets (2^14: the 99 % quantile within 0.6 % of a 4-million-draw Monte Carlo's,
#: docs/stress.md).
EWMA_POINTS = 2**14


#: A net size this small relative to the asset's gross size (base units) is 0: the
#: rounding of decimal sizes in binary floats, not a position.
NET_ZERO_RTOL = 1e-9


def net_sizes(portfolio: Any) -> dict[str, float]:
    """Each asset's net size: ``Σ side·size`` over the portfolio's positions, base units.

    Parameters
    ----------
    portfolio : Portfolio
        The positions (:class:`liqcascade.stress.Portfolio`).

    Returns
    -------
    dict of str to float
        Asset -> net base units (positive long), in :attr:`Portfolio.assets` order. A net
        within :data:`NET_ZERO_RTOL` of the asset's gross size (``Σ size``) is 0: sizes
        written in decimals (0.1 + 0.2 long, 0.3 short) net to 5.6e-17 in binary floats,
        a flat book, not an exposure to back-test.
    """
    side = np.asarray(portfolio.side, np.float64)
    size = np.asarray(portfolio.size, np.float64)
    asset = np.asarray(portfolio.asset).astype(str)
    out: dict[str, float] = {}
    for a in portfolio.assets:
        held = asset == a
        net = math.fsum((side[held] * size[held]).tolist())
        gross = math.fsum(size[held].tolist())
        out[a] = 0.0 if abs(net) <= NET_ZERO_RTOL * gross else net
    return out


def nets_to_zero(portfolio: Any) -> bool:
    """Whether the positions net to zero in every asset: a linear P&L of 0, nothing to score.

    The rule :func:`portfolio_var_backtest` refuses by, and the one the Monte Carlo's
    output reads before it names the back-test's command (a command that would be
    refused is not offered).

    Parameters
    ----------
    portfolio : Portfolio
        The positions (:class:`liqcascade.stress.Portfolio`).

    Returns
    -------
    bool
        True when every asset's net size (:func:`net_sizes`, base units) is 0.
    """
    return all(v == 0.0 for v in net_sizes(portfolio).values())


def portfolio_pnl(
    net: Mapping[str, float], start: Mapping[str, Any], end: Mapping[str, Any]
) -> Any:
    """Linear P&L of positions held at constant size: ``Σ net·(end − start)``, USD.

    Parameters
    ----------
    net : mapping of str to float
        Asset -> net size, base units (positive long).
    start, end : mapping of str to float or array
        Asset -> price at the start and at the end, USD (arrays: one per path or window).

    Returns
    -------
    float or array of float
        USD; positive a gain.
    """
    return sum(n * (np.asarray(end[a], np.float64) - np.asarray(start[a], np.float64))
               for a, n in net.items())  # fmt: skip


def _closes(closes: Mapping[str, Any], assets: Sequence[str]) -> pd.DataFrame:
    """The assets' positive daily closes on the days all of them hold (USD), sorted."""
    cols = {}
    for a in assets:
        if a not in closes:
            raise InputError(f"closes: no daily closes of {a}", param="closes")
        s = pd.Series(number_series(closes[a], "closes"), dtype=np.float64).dropna()
        cols[a] = s[s > 0].sort_index()
    return pd.concat(cols, axis=1, join="inner").dropna()


def _sqrt_psd(cov: FloatArray) -> FloatArray:
    """A matrix ``L`` with ``L Lᵀ = cov`` (eigenvalues below 0 clipped)."""
    w, v = np.linalg.eigh(cov)
    return np.asarray(v * np.sqrt(np.clip(w, 0.0, None)), np.float64)


def _ewma_var(
    w: FloatArray, cov: FloatArray, horizon: int, levels: Sequence[float], z: FloatArray
) -> list[float]:
    """EWMA VaR (USD) of exposures ``w`` (USD per asset) over ``horizon`` days.

    Log returns normal, zero mean, covariance ``horizon·cov`` (percent²); the loss is
    ``−Σ w·(exp(x/100) − 1)``. One asset exposed: the closed form (the unit long's
    ``1 − exp(−z·σ√h)`` times its exposure; a short's ``exp(z·σ√h) − 1``); several: the
    quantile over the fixed normal points ``z``.
    """
    on = np.flatnonzero(w != 0.0)
    if on.size == 0:
        return [0.0 for _ in levels]
    if on.size == 1:
        j = int(on[0])
        sd = math.sqrt(cov[j, j] * horizon)
        if w[j] > 0:
            return [float(w[j] * (1.0 - math.exp(-stats.norm.ppf(x) * sd / 100.0))) for x in levels]
        return [float(-w[j] * (math.exp(stats.norm.ppf(x) * sd / 100.0) - 1.0)) for x in levels]
    x = z @ _sqrt_psd(cov * horizon).T
    loss = -(np.expm1(x / 100.0) @ w)
    return [float(v) for v in np.quantile(loss, levels)]


def portfolio_var_backtest(
    portfolio: Any,
    closes: Mapping[str, pd.Series],
    *,
    label: str = "",
    horizons: Sequence[int] = (1, 10, 30),
    levels: Sequence[float] = (0.95, 0.99),
    model: str = "gjr",
    dist: str = "t",
    drift: str = "zero",
    min_days: int = 730,
    paths: int = 2000,
    seed: int = 0,
    advance: Callable[[float], None] | None = None,
) -> VarBacktest:
    """Expanding-window out-of-sample back-test of a portfolio's VaR and its baselines.

    Parameters
    ----------
    portfolio : Portfolio
        The positions (:class:`liqcascade.stress.Portfolio`); only each asset's net size
        (:func:`net_sizes`, base units) enters the P&L, held constant.
    closes : mapping of str to pandas.Series
        Asset -> daily closes, USD, UTC DatetimeIndex, for every asset held (e.g.
        ``liqcascade.market.bars_until(a, "1d")["close"]``); the windows run on the days
        all of them hold.
    label : str, optional
        The result's ``asset`` label (default the assets held, joined by ``+``).
    horizons : sequence of int, default (1, 10, 30)
        Days; the windows of a horizon are consecutive, non-overlapping blocks.
    levels : sequence of float, default (0.95, 0.99)
    model : {"gjr", "egarch", "garch"}, default "gjr"
    dist : {"t", "normal", "skewt"}, default "t"
    drift : {"zero", "fitted"}, default "zero"
    min_days : int, default 730
        Common daily returns before the first month-end fit.
    paths : int, default 2,000
        Monte Carlo paths per multi-day forecast.
    seed : int, default 0
        Each horizon draws from its own stream, the child ``h`` of
        ``numpy.random.SeedSequence(seed)`` (the unit-long back-test's streams).
    advance : callable, optional
        Progress: called after each month-end fit with the fraction of the fits it was.

    Returns
    -------
    VarBacktest
        Losses and VaRs in USD (``settings["loss_units"]``); ``settings["net_sizes"]``
        the net size per asset and ``settings["not_in_pnl"]`` :data:`NOT_IN_PNL`.

    Raises
    ------
    InputError
        Bad horizon, level, drift, seed or path count, an asset without closes
        (``param="closes"``), too little common history, or positions that net to zero
        in every asset (``param="portfolio"``: no P&L, every VaR 0, and Kupiec's test
        would call its zero exceedances too few).
    """
    from liqcascade.volatility import check_dist, check_model, ewma_covariance

    model, dist = check_model(model), check_dist(dist)
    net = net_sizes(portfolio)
    if nets_to_zero(portfolio):  # no P&L: Kupiec would fail a VaR of 0 as too few
        raise InputError(
            f"{getattr(portfolio, 'source', 'portfolio')}: its positions net to zero in every "
            "asset: no P&L to back-test",
            param="portfolio",
        )
    assets = list(net)
    hs, lv = _check_settings(horizons, levels, drift, paths, len(assets))
    seed = check_seed(seed)
    c = _closes(closes, assets)
    logc = 100.0 * np.log(c.to_numpy(np.float64))  # the unit-long back-test's returns
    r_all = pd.DataFrame(np.diff(logc, axis=0), index=c.index[1:], columns=assets)
    if len(r_all) < min_days + 60:
        raise InputError(
            f"closes: {len(r_all)} common daily returns of {', '.join(assets)}; the back-test "
            f"needs more than {min_days + 60}",
            param="closes",
        )
    dates = pd.DatetimeIndex(r_all.index)
    days = _Days.of(pd.DatetimeIndex(c.index))  # a return across a missing day: left out
    px = c.loc[dates].to_numpy(np.float64)  # close on each return's day, (days, assets)
    n_vec = np.array([net[a] for a in assets])
    month_ends = pd.Series(dates, index=dates).resample("ME").last().dropna()
    pos = np.searchsorted(dates.to_numpy(), month_ends.to_numpy())
    fit_pos = [int(i) for i in pos if i >= min_days - 1]
    rngs = {h: np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(h,))) for h in hs}
    r1 = days.kept(r_all.to_numpy(np.float64))
    cov = ewma_covariance(r1, after=True)[days.kept_at]  # the next day's
    z = _sobol_normals(len(assets)) if len(assets) > 1 else np.zeros((1, 1))
    run = _Run(assets, n_vec, px, days, dates, hs, lv, model, dist, drift, int(paths), rngs, cov,
               z)  # fmt: skip
    run.next_start = dict.fromkeys(hs, fit_pos[0])  # the last day before each next window
    rows: list[dict[str, Any]] = []
    n_fits = 0
    for k in range(len(fit_pos)):
        if all(run.next_start[h] + h > len(dates) - 1 for h in hs):
            break  # no window is left to forecast: this fit and every later one forecast nothing
        n_fits += 1
        stop = fit_pos[k + 1] if k + 1 < len(fit_pos) else len(dates) - 1
        rows += run.month(r_all, fit_pos[k], stop)
        if advance is not None:
            advance(1.0 / len(fit_pos))
    if advance is not None and n_fits < len(fit_pos):  # the fits left with nothing to forecast
        advance((len(fit_pos) - n_fits) / len(fit_pos))
    return _backtest_result(
        label or "+".join(assets), f"{model}-{dist}", pd.DataFrame(rows), hs, lv,
        drift=drift, min_days=min_days, paths=paths, seed=seed,
        first_fit=dates[fit_pos[0]], last_day=dates[-1], fits=n_fits,
        loss_units="USD", net_sizes=dict(net), not_in_pnl=NOT_IN_PNL,
        **({"notes": days.notes(dates)} if not days.one.all() else {}),
    )  # fmt: skip


def _sobol_normals(k: int) -> FloatArray:
    """:data:`EWMA_POINTS` standard normal points in ``k`` dimensions (fixed Sobol)."""
    from scipy.stats import qmc

    u = qmc.Sobol(d=k, scramble=True, seed=0).random(EWMA_POINTS)
    return np.asarray(stats.norm.ppf(np.clip(u, 1e-12, 1 - 1e-12)), np.float64)


class _Run:
    """The back-test's state across month-end fits (streams, starts, start values)."""

    def __init__(
        self,
        assets: list[str],
        n_vec: FloatArray,
        px: FloatArray,
        days: _Days,
        dates: pd.DatetimeIndex,
        hs: list[int],
        lv: list[float],
        model: str,
        dist: str,
        drift: str,
        paths: int,
        rngs: dict[int, np.random.Generator],
        cov: FloatArray,
        z: FloatArray,
    ) -> None:
        self.assets, self.n_vec, self.px, self.dates = assets, n_vec, px, dates
        self.days = days  # which returns span one day (those across a gap are left out)
        self.hs, self.lv, self.model, self.dist, self.drift = hs, lv, model, dist, drift
        self.paths, self.rngs, self.cov, self.z = paths, rngs, cov, z
        self.starts: dict[str, FloatArray | None] = dict.fromkeys(assets)
        self.next_start: dict[int, int] = {}

    def month(self, r_all: pd.DataFrame, i: int, stop: int) -> list[dict[str, Any]]:
        """Fit at day ``i`` (every asset), forecast each window starting before ``stop``."""
        from liqcascade.volatility import arch_spec

        n_days = len(self.dates)
        last = min(n_days - 1, stop + max(self.hs))
        fits, resid, cond = [], [], []
        for j, a in enumerate(self.assets):
            res = _fit(
                self.days.kept(r_all.iloc[: i + 1, j]), self.model, self.dist, self.starts[a]
            )
            self.starts[a] = np.asarray(res.params, dtype=np.float64)
            fits.append(res)
            resid.append(pd.Series(res.std_resid, dtype=np.float64))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                kept = self.days.kept(r_all.iloc[: last + 1, j])
                fixed = arch_spec(kept, self.model, self.dist).fix(res.params)
            cond.append(np.asarray(fixed.conditional_volatility, dtype=np.float64))
        models = [
            result_model(res, a, self.model, 1.0, 1.0, self.drift)
            for res, a in zip(fits, self.assets, strict=True)
        ]
        jm = join_models(models, resid, method="fhs", drift=self.drift)
        pool_x = jm.resid  # (pool days, assets): the 1-day forecasts' exact bootstrap
        mus = np.array([m.mu for m in models])
        rows: list[dict[str, Any]] = []
        for h in self.hs:
            s = self.next_start[h]
            while s < stop and s + h <= n_days - 1:
                if not self.days.scored(s, h):  # a return across a missing day: not scored
                    s += h
                    continue
                s2 = np.array([float(cv[self.days.kept_at[s + 1]] ** 2) for cv in cond])
                w = self.n_vec * self.px[s]  # USD exposure per asset at the window's start
                if h == 1:
                    mvar = _exact_var(w, mus, s2, pool_x, self.lv)
                else:
                    spec = _spec(jm, models, s2, h)
                    mvar = _path_var(spec, w, self.paths, self.rngs[h], self.lv)
                rows += self._rows(h, s, i, w, mvar)
                s += h
            self.next_start[h] = s
        return rows

    def _rows(
        self, h: int, s: int, i: int, w: FloatArray, mvar: list[tuple[float, float, float]]
    ) -> list[dict[str, Any]]:
        """The window's rows: the model's and each baseline's VaR, the realised loss."""
        px, lv, dates = self.px, self.lv, self.dates
        loss = float(-(self.n_vec @ (px[s + h] - px[s])))
        ratio = px[h : s + 1] / px[: s + 1 - h]  # every past h-day price ratio
        ok = self.days.whole_spans(s, h)  # those across a missing day left out
        past = -((ratio - 1.0) @ w)
        recent = past[-(365 - h + 1) :][ok[-(365 - h + 1) :]]
        past = past[ok]
        base = {
            "hs": [float(v) for v in np.quantile(past, lv)],
            "hs_1y": [float(v) for v in np.quantile(recent, lv)],
            "ewma": _ewma_var(w, self.cov[s], h, lv, self.z),
        }
        common = {"horizon": h, "start": dates[s], "end": dates[s + h], "fit_date": dates[i],
                  "loss": loss}  # fmt: skip
        cols: dict[str, float] = {}
        for x, (v, v_lo, v_hi) in zip(lv, mvar, strict=True):
            cols.update({_col(x): v, f"{_col(x)}_lo": v_lo, f"{_col(x)}_hi": v_hi})
        out = [{**common, "method": "model", **cols}]
        for name, vals in base.items():
            out.append(
                {**common, "method": name, **{_col(x): v for x, v in zip(lv, vals, strict=True)}}
            )
        return out


def _spec(jm: Any, models: list[AssetModel], s2: FloatArray, horizon: int) -> PathSpec:
    """The Monte Carlo's paths of one window: each asset from its filtered variance ``s2``.

    No book and no impact (the position book cannot be estimated before 2024-11), one
    round: the unit-long back-test's kernel call.
    """
    start = tuple(
        replace(m, sigma2_0=min(float(v), SIGMA2_CAP)) for m, v in zip(models, s2, strict=True)
    )
    books = tuple(StressBook.empty() for _ in models)
    return PathSpec(model=replace(jm, models=start), books=books, horizon=horizon, impact=0.0,
                    max_rounds=1)  # fmt: skip


def _exact_var(
    w: FloatArray, mus: FloatArray, s2: FloatArray, pool: FloatArray, levels: Sequence[float]
) -> list[tuple[float, float, float]]:
    """1-day VaR (USD): the loss on every pool day, its quantile (exact: no paths drawn).

    With one asset exposed the loss is monotone in its residual: the residual's quantile
    mapped to the loss (the unit-long back-test's ``mu + sigma·q``), else the quantile of
    the losses of the pool's days.
    """
    sd = np.sqrt(np.minimum(s2, SIGMA2_CAP))
    on = np.flatnonzero(w != 0.0)
    if on.size == 1:
        j = int(on[0])
        q = np.quantile(pool[:, j], [1.0 - x if w[j] > 0 else x for x in levels])
        out = -w[j] * np.expm1((mus[j] + sd[j] * q) / 100.0)
    else:
        x = mus + sd * pool  # percent log returns, (days, assets)
        out = np.quantile(-(np.expm1(x / 100.0) @ w), levels)
    return [(float(v), float(v), float(v)) for v in out]


def _path_var(
    spec: Any, w: FloatArray, paths: int, rng: np.random.Generator, levels: Sequence[float]
) -> list[tuple[float, float, float]]:
    """Multi-day VaR (USD) over the joint paths, with its 95 % sampling interval."""
    out = simulate(spec, rng, paths)
    final = out[:, 0::5]  # each asset's final price, multiples of the start
    loss = -((final - 1.0) @ w)
    return quantiles_with_intervals(loss, levels)
