"""Stress results: VaR/ES, liquidation probabilities, market liquidations, price ranges."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import pandas as pd

from liqcascade._json import SummaryDict
from liqcascade._limits import check_level, check_whole, real_array
from liqcascade._plotly_text import plain
from liqcascade._prices import percent_text, shock_name
from liqcascade._typing import FloatArray
from liqcascade.stress._portfolio import Portfolio

__all__ = [
    "DETERMINISTIC",
    "DISTRIBUTION_KEYS",
    "FailedScenario",
    "StressResult",
    "TailBound",
    "es_interval",
    "expected_shortfall",
    "loss_array",
    "min_paths",
    "quantile_interval",
    "same_loss",
    "tail_bound",
    "value_at_risk",
]

#: Scenarios whose paths are hand-picked what-ifs, not draws of a distribution.
DETERMINISTIC: tuple[str, ...] = ("shock", "replay")
#: Summary keys that describe a distribution of paths (None for a deterministic scenario).
DISTRIBUTION_KEYS: tuple[str, ...] = (
    "var_95", "var_99", "es_95", "es_99", "expected_loss", "expected_pnl",
    "var_95_interval", "var_99_interval", "es_95_interval", "es_99_interval",
    "p_liquidation", "market_liquidations_usd", "market_liquidations_whole_book",
    "price_quantiles", "price_quantiles_by_asset", "min_paths",
)  # fmt: skip

#: The VaR / ES figures of a Monte Carlo, in the summary's order.
_TAIL_KEYS: tuple[str, ...] = ("var_95", "var_99", "es_95", "es_99")

#: Coverage of the VaR's order-statistic interval (:func:`quantile_interval`).
INTERVAL_CONFIDENCE: float = 0.95

#: Bootstrap resamples of an ES interval.
ES_BOOT: int = 200


def loss_array(loss: Any, name: str = "loss") -> FloatArray:
    """Losses per path as a flat float64 array: at least one, each finite (USD).

    Parameters
    ----------
    loss : array-like
        Loss per path.
    name : str, default "loss"
        The parameter's name, for the error and its ``param``.

    Returns
    -------
    array of float64

    Raises
    ------
    InputError
        Empty, not numbers, or an entry NaN or infinite (a NaN loss made the VaR NaN; an
        empty sample raised numpy's IndexError or gave an ES of 0).
    """
    return real_array(
        loss, name, shape="flat", cast=True, rule="a finite number, USD",
        empty="a VaR or ES needs at least one path", numbers="{name} must be numbers, USD",
    )  # fmt: skip


def value_at_risk(loss: FloatArray, level: float) -> float:
    """VaR at ``level`` (e.g. 0.99): the ``level`` quantile of the loss, USD (positive = loss).

    numpy's default (linear-interpolation) quantile.

    Parameters
    ----------
    loss : array of float
        Loss per path, USD (positive = loss, i.e. minus the PnL).
    level : float
        Confidence level as a fraction in (0, 1), e.g. 0.99 (not 99).

    Returns
    -------
    float
        The VaR, USD (in the units of ``loss``).

    Raises
    ------
    InputError
        ``loss`` empty or with a NaN or infinite entry, ``level`` not in (0, 1).
    """
    x = loss_array(loss)
    return float(np.quantile(x, check_level(level)))


def expected_shortfall(loss: FloatArray, level: float) -> float:
    """ES at ``level``: the mean of the worst ``ceil(n·(1 − level))`` losses, USD.

    Parameters
    ----------
    loss : array of float
        Loss per path, USD (positive = loss, i.e. minus the PnL).
    level : float
        Confidence level as a fraction in (0, 1), e.g. 0.99 (not 99).

    Returns
    -------
    float
        The ES, USD (in the units of ``loss``).

    Raises
    ------
    InputError
        ``loss`` empty or with a NaN or infinite entry, ``level`` not in (0, 1).
    """
    x = np.sort(loss_array(loss))
    level = check_level(level)
    k = max(1, math.ceil(x.size * (1.0 - level) - 1e-9))
    return math.fsum(x[-k:].tolist()) / k


def min_paths(level: float, confidence: float = INTERVAL_CONFIDENCE) -> int:
    """Fewest paths that estimate a VaR / ES at ``level``: 72 at 95 %, 368 at 99 %.

    The distribution-free interval of the ``level`` quantile (:func:`quantile_interval`)
    ends at the sample's largest path only while ``level**n > (1 − confidence)/2``:
    with fewer paths the true quantile lies above every path more often than the
    interval allows, so the sample cannot say where the VaR is (one path gives its own
    P&L as "the VaR"). At this minimum the tail beyond the VaR holds
    ``ceil(n·(1 − level))`` = 4 paths, the fewest an ES averages.

    Parameters
    ----------
    level : float
        Confidence level of the VaR / ES, a fraction in (0, 1).
    confidence : float, default 0.95
        Coverage of the VaR's interval, a fraction.

    Returns
    -------
    int
        Paths.

    Raises
    ------
    InputError
        ``level`` or ``confidence`` not a fraction in (0, 1).
    """
    level = check_level(level)
    confidence = check_level(confidence, "confidence")
    return math.ceil(math.log((1.0 - confidence) / 2.0) / math.log(level) - 1e-9)


def quantile_interval(x: FloatArray, q: float, confidence: float = 0.95) -> tuple[float, float]:
    """Distribution-free interval of the ``q`` quantile of the sample ``x`` (order statistics).

    The ranks ``l = B⁻¹((1 − c)/2)`` and ``u = B⁻¹((1 + c)/2) + 1`` of the binomial
    ``B(n, q)`` give ``P(x_(l) <= ξ_q <= x_(u)) >= c`` whatever the distribution
    (ranks 1-based, clipped to the sample). Sampling error only, not model error.

    Parameters
    ----------
    x : array
        The Monte Carlo sample (e.g. losses, USD).
    q : float
        Quantile level in (0, 1).
    confidence : float, default 0.95

    Returns
    -------
    (float, float)
        Low and high ends, in the units of ``x``.

    Raises
    ------
    InputError
        ``x`` empty or with a NaN or infinite entry, ``q`` or ``confidence`` not in
        (0, 1).
    """
    s = np.sort(loss_array(x, "x"))
    q = check_level(q, "q")
    confidence = check_level(confidence, "confidence")
    return sorted_interval(s, q, confidence)


def sorted_interval(s: FloatArray, q: float, confidence: float = 0.95) -> tuple[float, float]:
    """:func:`quantile_interval` of a sample already sorted ascending, unchecked.

    The VaR back-test's forecasts (hundreds of samples of one size) sort each once for
    its quantile and its interval; the ranks come from :func:`_interval_ranks`.

    Parameters
    ----------
    s : 1-d array of float
        The sample sorted ascending, non-empty and finite (e.g. losses, USD).
    q, confidence : float
        Quantile level and coverage, fractions in (0, 1).

    Returns
    -------
    (float, float)
        Low and high ends, in the units of ``s``.
    """
    lo, hi = _interval_ranks(int(s.size), float(q), float(confidence))
    return float(s[lo - 1]), float(s[hi - 1])


def quantiles_with_intervals(
    x: FloatArray, levels: Sequence[float]
) -> list[tuple[float, float, float]]:
    """Per level: the ``level`` quantile of ``x`` and its :func:`quantile_interval`, one sort.

    The back-tests' Monte Carlo VaRs (thousands of samples): ``numpy.quantile``'s value
    (linear method, to the last bit: :func:`~liqcascade.stress._quantiles.sorted_quantile`)
    and the ends of its 95 % order-statistic interval, all from one sorted copy of ``x``.

    Parameters
    ----------
    x : array
        The sample (e.g. losses, USD or fractions).
    levels : sequence of float
        Quantile levels, fractions in (0, 1), checked by the caller.

    Returns
    -------
    list of (float, float, float)
        Per level: the quantile, the interval's low and high ends, in the units of ``x``.

    Raises
    ------
    InputError
        ``x`` empty or with a NaN or infinite entry (as :func:`quantile_interval`).
    """
    from liqcascade.stress._quantiles import sorted_quantile

    s = np.sort(loss_array(x, "x"))
    return [(sorted_quantile(s, q), *sorted_interval(s, q)) for q in levels]


@lru_cache(maxsize=64)
def _interval_ranks(n: int, q: float, confidence: float) -> tuple[int, int]:
    """The 1-based ranks of :func:`quantile_interval`'s ends in a sample of ``n``.

    Depend only on ``n``, ``q`` and ``confidence`` (binomial quantiles, clipped to the
    sample): computed once per set (scipy's ``binom.ppf`` costs ~0.3 ms a call).
    """
    from scipy import stats

    lo = int(stats.binom.ppf((1.0 - confidence) / 2.0, n, q))
    hi = int(stats.binom.ppf((1.0 + confidence) / 2.0, n, q)) + 1
    return min(max(lo, 1), n), min(max(hi, 1), n)


def es_interval(
    loss: FloatArray,
    level: float,
    *,
    confidence: float = 0.95,
    n_boot: int = ES_BOOT,
    seed: int = 0,
) -> tuple[float, float]:
    """Bootstrap (over paths) percentile interval of :func:`expected_shortfall`, USD.

    ``n_boot`` resamples of the paths with replacement (seeded: reruns agree);
    sampling error only, not model error.

    Parameters
    ----------
    loss : array of float
        Loss per path, USD (positive = loss, i.e. minus the PnL).
    level : float
        Confidence level as a fraction in (0, 1), e.g. 0.99 (not 99).
    confidence : float, default 0.95
        Coverage of the interval, a fraction.
    n_boot : int, default ES_BOOT (200)
        Bootstrap resamples.
    seed : int, default 0
        Seed of the resampling.

    Returns
    -------
    (float, float)
        Low and high ends, USD (in the units of ``loss``).

    Raises
    ------
    InputError
        ``loss`` empty or with a NaN or infinite entry, ``level`` or ``confidence`` not
        in (0, 1), ``n_boot`` not a whole number >= 1, ``seed`` not one >= 0.
    """
    from liqcascade._limits import check_seed

    x = loss_array(loss)
    level = check_level(level)
    confidence = check_level(confidence, "confidence")
    n_boot = check_whole(n_boot, "n_boot")
    n = x.size
    k = max(1, math.ceil(n * (1.0 - level) - 1e-9))
    rng = np.random.default_rng(check_seed(seed))
    es = np.empty(n_boot)
    for b in range(n_boot):
        y = x[rng.integers(0, n, size=n)]
        es[b] = float(np.mean(np.partition(y, n - k)[n - k :]))
    a = (1.0 - confidence) / 2.0
    return float(np.quantile(es, a)), float(np.quantile(es, 1.0 - a))


#: Relative difference under which two USD figures of a summary are the same loss (float
#: rounding: a VaR interpolated between two equal paths, the equity summed in another order).
SAME_LOSS_RTOL: float = 1e-9

#: What a flat tail is (:func:`tail_bound`).
TailBound = Literal["whole_margin", "worst_loss"]


def same_loss(a: float, b: float) -> bool:
    """Whether two USD figures are the same loss, to :data:`SAME_LOSS_RTOL` relative.

    Parameters
    ----------
    a, b : float
        Losses (or any two figures of a summary), USD.

    Returns
    -------
    bool
    """
    return abs(a - b) <= SAME_LOSS_RTOL * max(abs(a), abs(b), 1.0)


def tail_bound(summary: Mapping[str, Any], level: float) -> TailBound | None:
    """Whether a Monte Carlo's tail at ``level`` is a bound, and which: the one rule.

    The command line (``stress``) and the report's stress section both say a VaR / ES
    through this rule:

    - The tail is **flat** when the level's VaR and ES are the same loss (> 0 USD, equal
      to :data:`SAME_LOSS_RTOL` relative): the ES averages the paths beyond the VaR, so
      every one of them loses exactly that much and none loses more. The figure is then
      the paths' worst loss, a bound, not an estimate of a quantile.
    - A flat tail is ``"whole_margin"`` when that loss is the portfolio's equity at the
      start prices (``whole_margin_usd``, same tolerance): every position's whole isolated
      margin is lost, the most the portfolio can lose.
    - Otherwise a flat tail is ``"worst_loss"``: the paths' worst loss is below the whole
      margin (stops keep part of it), or the summary has no ``whole_margin_usd``.
    - None when the tail is not flat (an estimate: say it with its sampling interval),
      when the VaR or ES is None (fewer paths than :func:`min_paths`; a deterministic
      scenario) and when the flat figure is not a loss (a gain or zero).

    The sampling intervals play no part: a collapsed interval alone says the paths near
    the quantile tie, not that no path loses more.

    Parameters
    ----------
    summary : mapping
        :meth:`StressResult.summary` or the JSON of ``liqcascade stress --json``: the keys
        ``var_<pct>``, ``es_<pct>`` (USD, positive = a loss) and ``whole_margin_usd``.
    level : float
        Confidence level as a fraction, 0.95 or 0.99 (the summary's levels).

    Returns
    -------
    {"whole_margin", "worst_loss"} or None
    """
    pct = round(level * 100)
    var, es = summary.get(f"var_{pct}"), summary.get(f"es_{pct}")
    if var is None or es is None or not (var > 0 and same_loss(var, es)):
        return None
    whole = summary.get("whole_margin_usd")
    if whole is not None and whole > 0 and same_loss(var, whole):
        return "whole_margin"
    return "worst_loss"


def _plain(v: Any) -> Any:
    """A table cell as JSON takes it: numpy scalars as Python's, lists and dicts as they are."""
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, np.floating):
        return float(v)
    return v


def _q(x: FloatArray, qs: dict[str, float]) -> dict[str, float]:
    return {k: float(np.quantile(x, v)) for k, v in qs.items()}


PLOT_QUANTILES: tuple[float, float] = (0.005, 0.995)
"""The quantiles between which :meth:`StressResult.plot` draws the paths (fractions)."""

MAX_PLOT_SAMPLES = 20_000
"""Most samples handed to a histogram (every ``k``-th of the sorted kept paths beyond)."""


def _central(x: FloatArray) -> FloatArray:
    """The finite values of ``x`` between the :data:`PLOT_QUANTILES`, sorted.

    At most :data:`MAX_PLOT_SAMPLES` of them: an even thinning of the sorted values.
    """
    v = np.sort(np.asarray(x, dtype=float)[np.isfinite(x)])
    if v.size == 0:
        return v
    lo, hi = np.quantile(v, PLOT_QUANTILES)
    v = v[(v >= lo) & (v <= hi)]
    step = max(1, v.size // MAX_PLOT_SAMPLES)
    out: FloatArray = v[::step]
    return out


@dataclass(frozen=True, eq=False)
class FailedScenario(SummaryDict):
    """A scenario of a batch that could not run (the batch goes on).

    Attributes
    ----------
    scenario : str
        ``"shock"``, ``"replay"`` or ``"montecarlo"``: the scenario whose function
        raised; ``"?"`` when the failure came from outside them.
    label : str
    error : str
        The message (``InputError`` text or ``Type: message``).
    error_type : str, default ""
        The exception's class name (``"InputError"``, ``"ZeroDivisionError"``).
    """

    scenario: str
    label: str
    error: str
    error_type: str = ""

    def summary(self) -> dict[str, Any]:
        """``{"scenario", "label", "error", "error_type"}``."""
        return {"scenario": self.scenario, "label": self.label, "error": self.error,
                "error_type": self.error_type}  # fmt: skip


@dataclass(frozen=True, eq=False)
class StressResult(SummaryDict):
    """The outcome of one stress scenario on a portfolio and on the market.

    Attributes
    ----------
    scenario : {"shock", "replay", "montecarlo"}
    label : str
        Shock grid, window or model description.
    seed : int or None
    pnl : array (paths,)
        Portfolio PnL per path (or per shock), USD.
    liquidated, stopped : bool arrays (paths, positions)
    market_liq_usd : array (paths,)
        Market-wide liquidations of the market's estimated book (long + short
        notional), USD.
    final_price : dict of arrays
        Post-cascade price per asset at the horizon, USD.
    portfolio : Portfolio
    prices : dict
        Start prices, USD.
    details : dict
        Scenario-specific facts (model, window, source bars, as-of date).
    table : pandas.DataFrame, optional
        Per-shock rows (shock scenario) or the path (replay).
    exhausted : bool array (paths,), optional
        Per path (shock, replay): the market liquidations are the whole position book
        of a side (the figure saturates because the book truly ran out).
    asset : str, default "ETH"
        The market whose book cascades (``"ETH"`` or ``"BTC"``): the price figures
        of the summary are its own.
    mu_fitted : dict of str to float, optional
        Monte Carlo: each modelled asset's fitted constant mean, percent a day (kept for
        the record; the paths use ``mu``, 0 under the default zero drift). Empty for the
        other scenarios.
    """

    scenario: str
    label: str
    seed: int | None
    pnl: FloatArray
    liquidated: np.ndarray
    stopped: np.ndarray
    market_liq_usd: FloatArray
    final_price: dict[str, FloatArray]
    portfolio: Portfolio
    prices: dict[str, float]
    details: dict[str, Any] = field(default_factory=dict)
    table: pd.DataFrame | None = None
    exhausted: np.ndarray | None = None
    asset: str = "ETH"
    mu_fitted: dict[str, float] = field(default_factory=dict)
    _intervals: dict[tuple[str, float], tuple[float, float]] = field(
        default_factory=dict, repr=False
    )

    @property
    def loss(self) -> FloatArray:
        """Portfolio loss per path, USD (positive = loss)."""
        return -self.pnl

    @property
    def n_paths(self) -> int:
        """Paths (or shocks, or 1 for a replay)."""
        return int(self.pnl.size)

    def var(self, level: float) -> float:
        """Value at risk at ``level``, USD.

        Parameters
        ----------
        level : float
            Confidence level as a fraction in (0, 1), e.g. 0.99.
        """
        return value_at_risk(self.loss, level)

    def es(self, level: float) -> float:
        """Expected shortfall at ``level``, USD.

        Parameters
        ----------
        level : float
            Confidence level as a fraction in (0, 1), e.g. 0.99.
        """
        return expected_shortfall(self.loss, level)

    def var_interval(self, level: float) -> tuple[float, float]:
        """95 % order-statistic interval of :meth:`var` (Monte Carlo sampling), USD.

        Parameters
        ----------
        level : float
            Confidence level as a fraction in (0, 1), e.g. 0.99.
        """
        key = ("var", float(level))
        if key not in self._intervals:
            self._intervals[key] = quantile_interval(self.loss, level)
        return self._intervals[key]

    def es_interval(self, level: float) -> tuple[float, float]:
        """95 % bootstrap interval of :meth:`es` over the paths (seeded), USD.

        Parameters
        ----------
        level : float
            Confidence level as a fraction in (0, 1), e.g. 0.99.
        """
        key = ("es", float(level))
        if key not in self._intervals:
            self._intervals[key] = es_interval(self.loss, level)
        return self._intervals[key]

    def p_liquidation(self) -> dict[str, float]:
        """Probability each position is liquidated or stopped over the horizon.

        A spot holding is never liquidated: it is listed only when it has a stop.
        """
        hit = self.liquidated | self.stopped
        pf = self.portfolio
        spot = pf.is_spot
        return {
            n: float(hit[:, i].mean())
            for i, n in enumerate(pf.names)
            if not spot[i] or math.isfinite(pf.stop_price[i])
        }

    @property
    def deterministic(self) -> bool:
        """Whether the paths are hand-picked scenarios (shock grid, replay), not draws.

        Quantiles, VaR, ES and probabilities over them mean nothing: :meth:`summary`
        gives them as None and lists each scenario (:meth:`per_scenario`) instead.
        """
        return self.scenario in DETERMINISTIC

    def _main(self) -> str:
        return self.asset if self.asset in self.final_price else next(iter(self.final_price))

    def per_scenario(self) -> list[dict[str, Any]]:
        """One dict per deterministic scenario (a shock of the grid, or the replay).

        Keys: ``scenario`` (label), ``pnl_usd`` (portfolio P&L, USD; positive = a
        gain), ``loss_usd`` (= -pnl), ``market_liquidations_usd``, ``whole_book``
        (the figure is a whole side of the book), ``price_after`` (the market
        asset's price at the end, USD), ``prices_after`` (every asset's price the P&L
        marks, USD), ``liquidated`` and ``stopped`` (the names of the positions
        liquidated / stopped in that scenario). A shock adds its P&L split
        (``pnl_at_shock_usd``, ``pnl_cascade_carry_usd``, ``pnl_continuation_usd``),
        ``held_at_shock`` and ``at_book_edge``; a replay ``recorded_move`` and
        ``recorded_low_move`` (per asset, fractions of the first open), ``window_span``
        (per asset, its bars' first open and last close, UTC) and ``price_after_is``.
        """
        main = self._main()
        labels = [self.label] * self.n_paths
        if self.scenario == "shock" and self.table is not None and "shock" in self.table:
            labels = [f"shock {shock_name(x)}" for x in self.table["shock"].to_numpy(np.float64)]
        names = self.portfolio.names
        out = []
        for i in range(self.n_paths):
            whole = bool(self.exhausted[i]) if self.exhausted is not None else False
            out.append(
                {
                    "scenario": labels[i],
                    "pnl_usd": float(self.pnl[i]),
                    "loss_usd": float(-self.pnl[i]),
                    "market_liquidations_usd": float(self.market_liq_usd[i]),
                    "whole_book": whole,
                    "price_after": float(self.final_price[main][i]),
                    "liquidated": [n for j, n in enumerate(names) if self.liquidated[i, j]],
                    "stopped": [n for j, n in enumerate(names) if self.stopped[i, j]],
                    "prices_after": {a: float(p[i]) for a, p in self.final_price.items()},
                    **self._scenario_extra(i),
                }
            )
        return out

    #: A shock row's keys copied into its scenario (:meth:`per_scenario`).
    _SHOCK_KEYS = ("pnl_at_shock_usd", "pnl_cascade_carry_usd", "pnl_continuation_usd",
                   "held_at_shock", "at_book_edge")  # fmt: skip

    def _scenario_extra(self, i: int) -> dict[str, Any]:
        """A shock's P&L split, or a replay's recorded moves and span (:meth:`per_scenario`)."""
        if self.scenario == "shock" and self.table is not None:
            row = self.table.iloc[i]
            return {k: _plain(row[k]) for k in self._SHOCK_KEYS if k in self.table}
        if self.scenario == "replay":
            d = self.details
            assets = list(self.final_price)
            return {
                "recorded_move": {a: d.get(f"{a}_recorded_move") for a in assets},
                "recorded_low_move": {a: d.get(f"{a}_recorded_low_move") for a in assets},
                "window_span": {a: d.get(f"{a}_span") for a in assets},
                "price_after_is": d.get("price_after_is"),
            }
        return {}

    def summary(self) -> dict[str, Any]:
        """The CLI's JSON keys (USD; probabilities as fractions).

        ``expected_loss`` is the mean loss (positive = a loss; ``expected_pnl`` is its
        negative, positive = a gain). For the deterministic scenarios (shock grid,
        replay) the distribution keys (:data:`DISTRIBUTION_KEYS`: VaR, ES, their
        intervals, the expected loss / P&L, probabilities and quantiles) are None:
        a few hand-picked what-ifs are not a distribution; ``scenarios`` lists each
        one (:meth:`per_scenario`). A Monte Carlo of fewer paths than a level needs
        (``min_paths``, :func:`min_paths`: 72 at 95 %, 368 at 99 %) gives that level's
        VaR, ES and intervals as None. ``whole_margin_usd`` is the most the portfolio
        can lose (:attr:`whole_margin`).
        """
        out = self._summary()
        out["deterministic"] = self.deterministic
        if self.deterministic:
            out.update(dict.fromkeys(DISTRIBUTION_KEYS))
            out["scenarios"] = self.per_scenario()
        return out

    @property
    def whole_margin(self) -> float:
        """The margined positions' equity at the start prices, USD: the margin at risk.

        Every position liquidated loses its whole isolated margin (plus its unrealised
        P&L at the start): a VaR or ES equal to it is a bound, not an estimate. Spot
        holdings have no margin and are left out (:attr:`spot_value`).
        """
        return self.portfolio.margin_equity(self.prices)

    @property
    def spot_value(self) -> float:
        """The spot holdings' value at the start prices, USD (0 without one)."""
        eq = self.portfolio.equity(self.prices)
        return math.fsum(eq[self.portfolio.is_spot].tolist())

    def tail_bound(self, level: float) -> TailBound | None:
        """Whether the tail at ``level`` is the whole margin, the paths' worst loss or neither.

        :func:`tail_bound` on :meth:`summary` (the rule is stated there).

        Parameters
        ----------
        level : float
            Confidence level as a fraction, 0.95 or 0.99.

        Returns
        -------
        {"whole_margin", "worst_loss"} or None
            None: the VaR / ES is an estimate with an interval (or n/a).
        """
        return tail_bound(self.summary(), level)

    def _tail(self) -> dict[str, Any]:
        """VaR / ES at 95 and 99 % and their intervals; None below :func:`min_paths`."""
        out: dict[str, Any] = {}
        for pct, level in (("95", 0.95), ("99", 0.99)):
            ok = self.n_paths >= min_paths(level)
            out[f"var_{pct}"] = self.var(level) if ok else None
            out[f"es_{pct}"] = self.es(level) if ok else None
            out[f"var_{pct}_interval"] = list(self.var_interval(level)) if ok else None
            out[f"es_{pct}_interval"] = list(self.es_interval(level)) if ok else None
        out["min_paths"] = {f"{k}_{pct}": min_paths(level) for pct, level in
                            (("95", 0.95), ("99", 0.99)) for k in ("var", "es")}  # fmt: skip
        return out

    def _summary(self) -> dict[str, Any]:
        main = self._main()
        tail = self._tail()
        return {
            "asset": self.asset,
            "scenario": self.scenario,
            "label": self.label,
            "paths": self.n_paths,
            "seed": self.seed,
            **{k: tail[k] for k in _TAIL_KEYS},
            "expected_loss": float(self.loss.mean()),
            "expected_pnl": float(self.pnl.mean()),
            **{f"{k}_interval": tail[f"{k}_interval"] for k in _TAIL_KEYS},
            "min_paths": tail["min_paths"],
            "whole_margin_usd": self.whole_margin,
            "spot_value_usd": self.spot_value,
            "p_liquidation": self.p_liquidation(),
            "market_liquidations_usd": _q(
                self.market_liq_usd, {"p50": 0.5, "p95": 0.95, "p99": 0.99}
            ),
            "market_liquidations_whole_book": self.whole_book_flags(),
            "price_quantiles": _q(self.final_price[main], {"p05": 0.05, "p50": 0.5, "p95": 0.95}),
            "price_asset": main,
            # every asset's (a portfolio's other assets move on their own paths)
            "price_quantiles_by_asset": {
                a: _q(p, {"p05": 0.05, "p50": 0.5, "p95": 0.95})
                for a, p in self.final_price.items()
            },
            "start_prices": dict(self.prices),
            "details": self.details,
        }

    def whole_book_flags(self) -> dict[str, bool]:
        """Whether each market-liquidation figure (p50, p95, p99) is the whole book of a side.

        A quantile figure is flagged when the paths at or beyond it exhausted the
        book (the share of exhausted paths exceeds ``1 − level``); False everywhere
        when no path did.
        """
        levels = {"p50": 0.5, "p95": 0.95, "p99": 0.99}
        if self.exhausted is None or self.exhausted.size == 0:
            return dict.fromkeys(levels, False)
        share = float(np.mean(self.exhausted))
        return {k: bool(share > 0 and share >= 1.0 - v - 1e-12) for k, v in levels.items()}

    def to_frame(self) -> pd.DataFrame:
        """One row per position: probabilities of liquidation and stop, mean PnL share."""
        df = self.portfolio.to_frame()
        df["p_liquidated"] = self.liquidated.mean(axis=0)
        df["p_stopped"] = self.stopped.mean(axis=0)
        return df

    def plot(self) -> Any:
        """Loss distribution with VaR marks, and market liquidations (plotly).

        Each histogram shows the paths between the 0.5 % and 99.5 % quantiles
        (:data:`PLOT_QUANTILES`), binned over that range: a levered portfolio's rare large
        gains (negative losses) otherwise stretch the axis to several times the losses
        and squeeze every loss into one bar. The axis titles say so; the VaR and
        expected shortfall are computed on every path.
        """
        import plotly.graph_objects as go
        from plotly.subplots import make_subplots

        lo_q, hi_q = PLOT_QUANTILES
        kept = f"paths {100 * lo_q:g}–{100 * hi_q:g} % shown"
        fig = make_subplots(
            rows=1,
            cols=2,
            subplot_titles=("Portfolio loss (USD)", "Market liquidations (USD)"),
        )
        loss, liq = _central(self.loss), _central(self.market_liq_usd)
        fig.add_trace(go.Histogram(x=loss, nbinsx=80, name="loss"), row=1, col=1)
        for lvl, dash, pos, shift in (
            (0.95, "dash", "top left", 0),
            (0.99, "dot", "top right", -14),
        ):
            fig.add_vline(
                x=self.var(lvl), line_dash=dash, annotation_text=f"VaR {percent_text(lvl, 0)}",
                annotation_position=pos, annotation_yshift=shift, row=1, col=1,
            )  # fmt: skip
        fig.add_trace(go.Histogram(x=liq, nbinsx=80, name="liquidations"), row=1, col=2)
        fig.update_xaxes(title_text=f"negative: a gain; {kept}", row=1, col=1)
        fig.update_xaxes(title_text=kept, row=1, col=2)
        fig.update_yaxes(title_text="paths", row=1, col=1)
        fig.update_layout(
            title=f"Stress: {plain(self.scenario)} ({plain(self.label)}), {self.n_paths:,} paths",
            showlegend=False,
            template="plotly_white",
        )
        return fig

    def _repr_html_(self) -> str:
        s = self.summary()
        rows = "".join(
            f"<tr><td>{html.escape(k)}</td><td>"
            f"{'n/a' if s[k] is None else format(s[k], ',.0f')}</td></tr>"
            for k in ("var_95", "var_99", "es_95", "es_99", "expected_loss")
        )
        return f"<b>StressResult {html.escape(self.scenario)}</b><table>{rows}</table>"

    def __repr__(self) -> str:
        """One line of what :meth:`summary` has.

        VaR and ES at 99 % for draws (``n/a`` below :func:`min_paths`); for hand-picked
        scenarios, whose VaR is None, the replay's loss or the grid's worst (a replay
        showed its one loss as ``var_99``).
        """
        head = f"StressResult(scenario={self.scenario!r}, paths={self.n_paths}"
        if self.deterministic:
            loss = -np.asarray(self.pnl, dtype=np.float64)
            if loss.size == 1:
                return f"{head}, label={self.label!r}, loss={loss[0]:,.0f} USD)"
            return f"{head}, worst loss={loss.max():,.0f} USD)"
        if self.n_paths < min_paths(0.99):
            return f"{head}, var_99=n/a, es_99=n/a: fewer than {min_paths(0.99)} paths)"
        return f"{head}, var_99={self.var(0.99):,.0f} USD, es_99={self.es(0.99):,.0f} USD)"
