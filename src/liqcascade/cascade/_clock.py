"""The calibrated liquidity response: a cascade on a clock (``liquidity="calibrated"``).

:func:`simulate_clock` runs one cascade through the liquidity response of
:mod:`liqcascade.cascade._clock_kernels` (resilience, latent depth, withdrawal,
arbitrage, mark-price triggers, a finite liquidation rate, partial liquidation,
fees) along an index path. :func:`calibrated_cascade` is the market-level answer:
many index paths (the next 24 hours' volatility) times draws of the calibrated
parameters, summarised as a median with a 10–90 % interval. The parameters of each
mechanism are :class:`LiquidityParams`; the calibrated values ship per asset in
``liqcascade/cascade/calibrated/<ASSET>.json`` (see ``docs/liquidity.md``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

import numpy as np
import pandas as pd

from liqcascade._calibrations import in_force
from liqcascade._json import JsonDict, SummaryDict
from liqcascade._limits import (
    MAX_HORIZON_DAYS,
    check_fraction,
    check_number,
    check_real,
    check_seed,
)
from liqcascade._numba import numba_threads
from liqcascade._prices import names_text
from liqcascade._symbols import check_same_asset
from liqcascade._time import utc_time
from liqcascade._typing import FloatArray
from liqcascade.cascade._clock_kernels import (
    N_PARAMS,
    P_ARB,
    P_CHUNK,
    P_CHUNK_S,
    P_FEE,
    P_LATENT,
    P_MARKW,
    P_RATE,
    P_RESIL,
    P_SHARE,
    P_VISIBLE,
    P_WMAX,
    P_WSPEED,
    clock_kernel,
    clock_paths_kernel,
    effective_depth,
)
from liqcascade.cascade._kernels import BLOCK
from liqcascade.cascade._prepare import PreparedMarket, PreparedSide
from liqcascade.errors import InputError

__all__ = [
    "FINE_STEP_S",
    "LIQUIDITY_MODES",
    "CalibratedCascade",
    "ClockResult",
    "LiquidityParams",
    "LiquidityResponse",
    "backtest_score",
    "calibrated_cascade",
    "deepest_draw",
    "default_grid",
    "liquidity_document",
    "liquidity_document_if_any",
    "load_liquidity",
    "market_answer",
    "post_shock_sigma",
    "regime_scales",
    "simulate_clock",
    "static_bound",
]

LIQUIDITY_MODES: tuple[str, ...] = ("static", "calibrated")


#: Half-life of the EWMA of squared hourly log returns (hours): one day, the
#: RiskMetrics-style memory for intraday volatility (chosen, not fitted).
EWMA_HALFLIFE_HOURS: float = 24.0


#: The weight of the shock's squared log return in the EWMA update (``1 − λ``,
#: ``λ = 2^(−1 / EWMA_HALFLIFE_HOURS)``): the volatility rule's default shock response.
EWMA_SHOCK_WEIGHT: float = 1.0 - 2.0 ** (-1.0 / EWMA_HALFLIFE_HOURS)


def post_shock_sigma(
    sigma: FloatArray | float, move: FloatArray | float, weight: float | None = None
) -> Any:
    """The hourly volatility once the shock itself is observed.

    ``sqrt(sigma² + γ · log(1 + move)²)``. With the default ``γ`` =
    :data:`EWMA_SHOCK_WEIGHT` this is the EWMA taking the shock in as one hourly
    return; the calibrations fit ``γ`` (``Calibration.shock_weight``) on real falls of
    several sizes before their date, so a larger shock is followed by a day as
    volatile as history's were after shocks of that size.
    """
    g = EWMA_SHOCK_WEIGHT if weight is None else float(weight)
    return np.sqrt(np.square(sigma) + g * np.square(np.log1p(move)))


def regime_scales(rng: np.random.Generator, n: int, dispersion: float) -> FloatArray:
    """Per-path volatility-regime multipliers ``exp(η · N(0, 1))`` (median 1).

    The volatility after a shock is not known from the volatility before it: each
    path draws its own regime. ``η`` (``Calibration.vol_dispersion``) is fitted on
    the spread of real further moves around the rule's median; 0 gives ones without
    drawing (the random stream of a calibration without it is unchanged).
    """
    if dispersion <= 0.0:
        return np.ones(n)
    return np.exp(dispersion * rng.standard_normal(n))


#: Largest ``LiquidityParams.latent_depth``: the calibration's grid stops at 32; from
#: about 1e8 the clock's sums of depth round the cascade's own amounts away (1e16
#: liquidated 11 positions of a test market for 0 USD and booked all as bad debt).
MAX_LATENT_DEPTH: float = 1e4


#: ``LiquidityParams``' rules but ``latent_depth``'s and ``liquidation_fee``'s (the package's
#: one fee rule, :func:`~liqcascade._limits.check_fraction`, as ``CascadeConfig`` and
#: ``Exchange`` read it): (name, rule, test of the value).
#: NaN fails each test; ``inf`` passes only the seconds' and the rate's (off, unlimited).
_LIQUIDITY_RULES: tuple[tuple[str, str, Callable[[float], bool]], ...] = (
    ("resilience_half_life_s", "> 0 seconds (inf: off)", lambda v: v > 0),
    ("arbitrage_half_life_s", "> 0 seconds (inf: off)", lambda v: v > 0),
    ("partial_interval_s", "> 0 seconds (inf: off)", lambda v: v > 0),
    ("visible_distance", "in (0, 1)", lambda v: 0 < v < 1),
    ("withdrawal_per_speed", ">= 0", lambda v: 0 <= v < math.inf),
    ("withdrawal_max", "in [0, 1)", lambda v: 0 <= v < 1),
    ("venue_share", "in (0, 1]", lambda v: 0 < v <= 1),
    ("mark_price_weight", "in [0, 1]", lambda v: 0 <= v <= 1),
    ("liquidation_rate_usd_s", "> 0 USD/s (inf: unlimited)", lambda v: v > 0),
    ("partial_chunk", "in (0, 1]", lambda v: 0 < v <= 1),
)


@dataclass(frozen=True)
class LiquidityParams:
    """The mechanisms of the liquidity response, one documented parameter each.

    The defaults switch every mechanism off: a run is then the static semantics,
    one round per step (:meth:`static`).

    Parameters
    ----------
    resilience_half_life_s : float
        Seconds for the depth a forced order took to be half restored (providers
        re-quote toward the resting book); ``inf``: never (the static book).
    latent_depth : float
        Depth beyond ``visible_distance`` that appears as price reaches it: a level
        at distance ``δ`` holds ``1 + latent_depth · (δ / visible_distance − 1)``
        times its displayed size (0: the displayed book extrapolated, as in static), at
        most :data:`MAX_LATENT_DEPTH`.
    visible_distance : float
        Distance from mid (fraction) the displayed book is measured to (CoinGlass's
        ±1 %).
    withdrawal_per_speed : float
        Providers withdraw ``withdrawal_per_speed · speed`` of the depth, ``speed``
        being the fractional price change of the last step per minute (0: never).
    withdrawal_max : float
        Ceiling on the withdrawn fraction, in [0, 1).
    arbitrage_half_life_s : float
        Seconds for half of this venue's displacement to be arbitraged to the other
        venues, where the whole market's depth absorbs it (``inf``: no arbitrage).
    venue_share : float
        This venue's share of the whole market's depth, in (0, 1].
    mark_price_weight : float
        Liquidations trigger on ``w · trade price + (1 − w) · index`` (1: the trade
        price, as in static; Binance's mark is index-anchored).
    liquidation_rate_usd_s : float
        USD of liquidations the venue's engine sends to the book per second
        (``inf``: all at once).
    partial_chunk : float
        Share of a large position's remaining size released per
        ``partial_interval_s`` (1: whole positions; Hyperliquid: 0.2). Only positions
        marked large when the market was prepared (``partial_threshold_usd``).
    partial_interval_s : float
        Seconds between chunks.
    liquidation_fee : float
        Fee to the insurance fund, fraction of liquidated notional, in [0, 1).
    """

    resilience_half_life_s: float = math.inf
    latent_depth: float = 0.0
    visible_distance: float = 0.01
    withdrawal_per_speed: float = 0.0
    withdrawal_max: float = 0.0
    arbitrage_half_life_s: float = math.inf
    venue_share: float = 1.0
    mark_price_weight: float = 1.0
    liquidation_rate_usd_s: float = math.inf
    partial_chunk: float = 1.0
    partial_interval_s: float = 30.0
    liquidation_fee: float = 0.0

    def __post_init__(self) -> None:
        # each value one real number (text such as "5" went through float(), a bool
        # read as 1 or 0, other text raised Python's TypeError), then in its range
        for name, rule, ok in _LIQUIDITY_RULES:
            raw = getattr(self, name)
            v = check_number(raw, name)
            if not ok(v):
                raise InputError(f"{name} must be {rule} (got {raw})", param=name)
            object.__setattr__(self, name, v)  # the float: a Decimal kept failed in the kernels
        depth = check_real(self.latent_depth, "latent_depth", least=0.0, most=MAX_LATENT_DEPTH)
        object.__setattr__(self, "latent_depth", depth)
        fee = check_fraction(self.liquidation_fee, "liquidation_fee")
        object.__setattr__(self, "liquidation_fee", fee)

    @classmethod
    def static(cls) -> LiquidityParams:
        """Every mechanism off: the static book, one round per step."""
        return cls()

    def vector(self) -> FloatArray:
        """The flat parameter vector the kernels read."""
        v = np.zeros(N_PARAMS)
        v[P_RESIL] = self.resilience_half_life_s
        v[P_LATENT] = self.latent_depth
        v[P_VISIBLE] = self.visible_distance
        v[P_WSPEED] = self.withdrawal_per_speed
        v[P_WMAX] = self.withdrawal_max
        v[P_ARB] = self.arbitrage_half_life_s
        v[P_SHARE] = self.venue_share
        v[P_MARKW] = self.mark_price_weight
        v[P_RATE] = self.liquidation_rate_usd_s
        v[P_CHUNK] = self.partial_chunk
        v[P_CHUNK_S] = self.partial_interval_s
        v[P_FEE] = self.liquidation_fee
        return v

    def to_dict(self) -> dict[str, float]:
        """JSON-safe dict (``inf`` written as ``null``)."""
        return {k: (None if math.isinf(v) else v) for k, v in asdict(self).items()}  # type: ignore[misc]

    @classmethod
    def from_dict(cls, d: dict[str, Any], where: str = "liquidity params") -> LiquidityParams:
        """Inverse of :meth:`to_dict` (``null`` read as ``inf``); unknown keys are errors.

        Parameters
        ----------
        d : dict
            Field name → value in the fields' units (seconds, fractions, USD per
            second); ``None`` is ``inf``; a missing field takes its default.
        where : str, default "liquidity params"
            What ``d`` was read from (a file, a calibration), the start of the error
            message.

        Raises
        ------
        InputError
            An unknown field, or a value the constructor refuses.
        """
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - names)
        if unknown:
            raise InputError(f"{where}: unknown {names_text('parameter', unknown)}")
        return cls(**{k: (math.inf if v is None else float(v)) for k, v in d.items()})

    def with_(self, **changes: Any) -> LiquidityParams:
        """A copy with some fields changed (checked again, as by the constructor).

        Parameters
        ----------
        **changes : Any
            Field name → new value, in the field's unit (see the class).
        """
        return replace(self, **changes)


#: Seconds per step while the cascade itself plays out (the first hour of
#: :func:`default_grid`); the contagion loop's rounds on the clock last this long.
FINE_STEP_S: float = 30.0


def default_grid(
    horizon_hours: float = 24.0, fine_s: float = FINE_STEP_S, fine_hours: float = 1.0
) -> FloatArray:
    """Step lengths (s): ``fine_s`` steps for the first ``fine_hours``, then hourly.

    The cascade itself plays out in seconds to minutes (fine steps); the rest of the
    horizon is where volatility moves the index (hourly steps). The first step has
    length 0 (the shock).

    Raises
    ------
    InputError
        ``horizon_hours`` not finite, > 0 and at most a year
        (:data:`~liqcascade._limits.MAX_HORIZON_DAYS` days: past it the hourly steps are
        no forecast, and an infinite one allocated without end), or the fine steps
        outside it.
    """
    if not (math.isfinite(horizon_hours) and 0 < horizon_hours <= 24 * MAX_HORIZON_DAYS):
        raise InputError(
            f"horizon_hours must be a finite number of hours in (0, {24 * MAX_HORIZON_DAYS}] "
            f"(got {horizon_hours})",
            param="horizon_hours",
        )
    if not (fine_s > 0 and 0 <= fine_hours <= horizon_hours):
        raise InputError("need horizon_hours > 0, fine_s > 0 and 0 <= fine_hours <= horizon")
    n_fine = round(fine_hours * 3600 / fine_s)
    n_coarse = math.ceil((horizon_hours - fine_hours) - 1e-9)
    return np.concatenate([[0.0], np.full(n_fine, fine_s), np.full(n_coarse, 3600.0)])


@dataclass(frozen=True, eq=False)
class LiquidityResponse:
    """A prepared side plus the effective depth arrays of one parameter set.

    Build with :meth:`of`; reuse for many paths (the 1 ms target is one
    :meth:`run` after preparation).

    Attributes
    ----------
    side : PreparedSide
        The side of the market the move takes (:meth:`PreparedMarket.side`): its
        levels, positions and stops sorted in the down frame.
    params : LiquidityParams
        The mechanisms this response runs with.
    qc, nc : numpy.ndarray of float, shape (levels + 1,)
        Cumulative effective size (base units) and notional (USD) of the side's levels,
        best first, with ``params``' latent depth (:func:`effective_depth`).
    pars : numpy.ndarray of float
        ``params`` as the flat vector the kernels read (:meth:`LiquidityParams.vector`).
    """

    side: PreparedSide
    params: LiquidityParams
    qc: FloatArray = field(repr=False)
    nc: FloatArray = field(repr=False)
    pars: FloatArray = field(repr=False)

    @classmethod
    def of(
        cls, prepared: PreparedMarket, dirsign: float, params: LiquidityParams
    ) -> LiquidityResponse:
        """The response of ``prepared``'s down (+1) or up (−1) side under ``params``.

        Parameters
        ----------
        prepared : PreparedMarket
            The market (:func:`liqcascade.cascade.prepare_cascade`).
        dirsign : float
            +1 for a fall (bids, longs, sell stops), −1 for a rise (asks, shorts, buy
            stops).
        params : LiquidityParams
            The mechanisms.
        """
        s = prepared.side(dirsign)
        qc, nc = effective_depth(
            s.mid_x, s.lvl_x, s.lvl_abs, s.lvl_q, params.latent_depth, params.visible_distance
        )
        return cls(s, params, qc, nc, params.vector())

    def args(self) -> tuple[Any, ...]:
        s = self.side
        return (
            s.mid_x,
            s.lvl_x,
            s.lvl_abs,
            s.lvl_key,
            self.qc,
            self.nc,
            s.pos_key,
            s.cum_size,
            s.cum_bkr,
            s.large_rank,
            s.large_cum_size,
            s.large_cum_bkr,
            s.pos_size,
            s.pos_bkr_x,
            s.pos_large,
            s.blk_max,
            s.blk_min,
            s.clock_sorted(),
            BLOCK,
            s.stop_key,
            s.cum_stop,
        )

    def run(
        self,
        index_path: FloatArray,
        dt: FloatArray,
        insurance_fund: float = 0.0,
        record: bool = False,
    ) -> tuple[Any, ...]:
        """The kernel on one index path (USD; converted to the frame here).

        Parameters
        ----------
        index_path : array of float, shape (steps,)
            The index price at each step, USD; its first value is the shock price.
        dt : array of float, shape (steps,)
            Length of each step, seconds (:func:`default_grid`: the first is 0).
        insurance_fund : float, default 0.0
            Fund at the start, USD.
        record : bool, default False
            Keep the per-step trace (element 12 of the result; empty otherwise).

        Returns
        -------
        tuple
            :func:`~liqcascade.cascade._clock_kernels.clock_kernel`'s: ``(extreme_x,
            price_x, active_steps, liq_usd, stop_usd, n_liq, n_stop, fund, bad_debt,
            exhausted, unfilled, queue_left, trace, shortfalls, gains)``, prices in the
            down frame (``dirsign · price``, USD), amounts in USD, sizes in base units.
        """
        d = self.side.dirsign
        return clock_kernel(
            *self.args(),
            np.ascontiguousarray(d * np.asarray(index_path, dtype=np.float64)),
            np.ascontiguousarray(dt, dtype=np.float64),
            d,
            float(insurance_fund),
            self.pars,
            record,
        )

    def paths(
        self,
        shock_price: float,
        sigma: FloatArray,
        z: FloatArray,
        dt: FloatArray,
        insurance_fund: float = 0.0,
    ) -> FloatArray:
        """Many paths (see :func:`clock_paths_kernel`), columns in USD.

        The index of each path starts at ``shock_price`` and moves as a zero-drift log
        walk, ``x_t = x_(t−1) · exp(sigma[t] · z[p, t])``.

        Parameters
        ----------
        shock_price : float
            The index right after the shock, USD.
        sigma : array of float, shape (steps,)
            Standard deviation of the index's log return over each step (a fraction
            per step, not per hour; ``sigma[0]`` unused).
        z : array of float, shape (paths, steps)
            Standardised innovations, one row per path.
        dt : array of float, shape (steps,)
            Length of each step, seconds.
        insurance_fund : float, default 0.0
            Fund at the start, USD.

        Returns
        -------
        numpy.ndarray of float, shape (paths, 6)
            Per path: the extreme price reached in the direction of the move (USD), the
            final price (USD), liquidated notional (USD), the index's furthest price
            against the move (USD), bad debt (USD) and whether the book ran out (0/1).
        """
        d = self.side.dirsign
        zs = np.ascontiguousarray(z, dtype=np.float64)
        small = zs.shape[0] < PARALLEL_MIN_PATHS
        with numba_threads(1) if small else nullcontext():
            return clock_paths_kernel(
                *self.args(),
                d * float(shock_price),
                np.ascontiguousarray(sigma, dtype=np.float64),
                zs,
                np.ascontiguousarray(dt, dtype=np.float64),
                d,
                float(insurance_fund),
                self.pars,
            )


#: Fewest index paths that :meth:`LiquidityResponse.paths` spreads over numba's threads;
#: a smaller batch runs on the calling thread alone. A path takes about 50 µs on one
#: core, so a batch below this is a few milliseconds of work: a parallel launch saves
#: little of it on an idle machine, and on one whose cores are busy (a second job, the
#: test suite's two workers) it waits for a descheduled worker thread while the others
#: spin, up to tens of milliseconds of wall and several of CPU per launch. The callers
#: run many small batches (one per pair of draws: ``calibrated_cascade``'s 2 to 30
#: paths, an event back-test's 10 to 20). On a busy 2-core machine ``calibrated_fragility``
#: of ETH 2024-11-25 took 24.6 s of CPU against 1.9 s with small batches on one thread,
#: and the refit of the shipped 2025-07 month 47.6 s against 25.2 s. The paths are
#: independent (one row of the output each), so the figures do not depend on the count.
PARALLEL_MIN_PATHS: int = 256


@dataclass(frozen=True)
class ClockResult(SummaryDict):
    """One cascade on a clock.

    Attributes
    ----------
    initial_price, shock_price, extreme_price, final_price : float
        USD; ``extreme_price`` is the furthest price reached in the direction of the
        move, ``final_price`` the price at the end of the horizon (after recovery).
    liquidated_usd, stops_usd : float
        Forced notional on the moving side, USD: liquidations the venue released to the
        book (what is still queued at the end is not counted) and stops.
    n_liquidated, n_stops : int
        Positions whose liquidation was triggered (released or still queued) and stops
        triggered.
    active_steps : int
        Steps in which some order (a released liquidation or a stop) reached the book.
    insurance_fund_end, bad_debt_usd : float
        USD: ``max(0, F0 − shortfall_usd) + liquidation_surplus_usd`` and
        ``max(0, shortfall_usd − F0)`` (issue 17's rule, step by step: no netting).
    shortfall_usd, liquidation_surplus_usd : float
        Σ shortfall of the closes beyond bankruptcy and Σ surplus (margin left and
        fees, credited after the run), USD.
    book_exhausted : bool
        The moving side of the book ran out (the run then ends).
    unfilled_base, queue_base : float
        Base units closed at the price reached when the book ran out (the part of the
        step's orders it could not absorb plus the positions and stops settled there);
        base units still in the venue's liquidation queue at the end.
    direction : {"down", "up"}
        ``"down"`` for a shock price at or below mid, else ``"up"``.
    trace : pandas.DataFrame
        Per step: ``t_s`` (seconds from the shock), ``price`` and ``index`` (USD, the
        index with the permanent impact arbitrage carried), ``filled_base`` and
        ``ordered_base`` (base units), ``liquidated_usd`` (cumulative, USD),
        ``queue_base`` (base units queued after the step), ``withdrawn`` (fraction of
        depth withdrawn in the step).
    """

    initial_price: float
    shock_price: float
    extreme_price: float
    final_price: float
    liquidated_usd: float
    stops_usd: float
    n_liquidated: int
    n_stops: int
    active_steps: int
    insurance_fund_end: float
    bad_debt_usd: float
    shortfall_usd: float
    liquidation_surplus_usd: float
    book_exhausted: bool
    unfilled_base: float
    queue_base: float
    direction: str
    trace: pd.DataFrame = field(repr=False)

    @property
    def extreme_move(self) -> float:
        """``extreme_price / initial_price − 1``."""
        return self.extreme_price / self.initial_price - 1.0

    def summary(self) -> dict[str, Any]:
        """The scalar fields and the extreme move."""
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "trace"}
        out["extreme_move"] = self.extreme_move
        return out


def _shock_price(mid: float, shock: float | None, shock_price: float | None) -> float:
    """The shock's target price (USD); its value's rule is :func:`~._engine.check_shock`."""
    from liqcascade.cascade._engine import check_shock

    if (shock is None) == (shock_price is None):
        raise InputError("give exactly one of shock, shock_price (the calibrated response)")
    if shock is not None:
        return mid * (1.0 + check_shock("shock", shock))
    assert shock_price is not None
    return check_shock("shock_price", shock_price)


def simulate_clock(
    prepared: PreparedMarket,
    *,
    shock: float | None = None,
    shock_price: float | None = None,
    params: LiquidityParams | None = None,
    index_path: FloatArray | None = None,
    dt: FloatArray | None = None,
    insurance_fund: float = 0.0,
) -> ClockResult:
    """One cascade through the liquidity response on a clock.

    Parameters
    ----------
    prepared : PreparedMarket
        From :func:`liqcascade.cascade.prepare_cascade` (``partial_threshold_usd``
        marks the positions liquidated in chunks).
    shock, shock_price : float
        Exactly one: a fractional move of the index (``-0.05``) or its target, USD.
    params : LiquidityParams, optional
        Default: every mechanism off (:meth:`LiquidityParams.static`).
    index_path : array, optional
        The index price at each step (USD); default: the shock price held
        (no volatility). Its first value is the shock price.
    dt : array, optional
        Step lengths, seconds; default :func:`default_grid` (24 h).
    insurance_fund : float
        Fund at the start, USD.

    Returns
    -------
    ClockResult
    """
    if not isinstance(prepared, PreparedMarket):
        raise InputError(
            f"prepared must be a PreparedMarket (got {type(prepared).__name__})", param="prepared"
        )
    p = params if params is not None else LiquidityParams.static()
    mid = prepared.book.mid
    p1 = _shock_price(mid, shock, shock_price)
    from liqcascade.cascade._engine import check_insurance_fund

    insurance_fund = check_insurance_fund(insurance_fund)
    steps = default_grid() if dt is None else np.asarray(dt, dtype=np.float64)
    if steps.ndim != 1 or steps.size == 0:  # 2-D failed numba's typing; none ran no shock
        raise InputError(
            f"dt must be a one-dimensional array of at least one step (got shape {steps.shape})",
            param="dt",
        )
    if index_path is None:
        path = np.full(steps.size, p1)
    else:
        path = np.asarray(index_path, dtype=np.float64)
        if path.shape != steps.shape:
            raise InputError(
                f"index_path has {path.size} steps, dt has {steps.size}", param="index_path"
            )
        if not (np.all(np.isfinite(path)) and np.all(path > 0)):
            raise InputError("index_path must be finite and > 0 USD", param="index_path")
    if np.any(~np.isfinite(steps)) or np.any(steps < 0):
        raise InputError("dt must be finite and >= 0 seconds", param="dt")
    d = 1.0 if p1 <= mid else -1.0
    resp = LiquidityResponse.of(prepared, d, p)
    r = resp.run(path, steps, insurance_fund, record=True)
    tr = np.asarray(r[12])
    t_s = np.cumsum(steps)[: tr.shape[0]]
    trace = pd.DataFrame(
        tr,
        columns=[
            "price",
            "index",
            "filled_base",
            "ordered_base",
            "liquidated_usd",
            "queue_base",
            "withdrawn",
        ],
    )
    trace.insert(0, "t_s", t_s)
    return ClockResult(
        initial_price=mid,
        shock_price=p1,
        extreme_price=d * float(r[0]),
        final_price=d * float(r[1]),
        liquidated_usd=float(r[3]),
        stops_usd=float(r[4]),
        n_liquidated=int(r[5]),
        n_stops=int(r[6]),
        active_steps=int(r[2]),
        insurance_fund_end=float(r[7]),
        bad_debt_usd=float(r[8]),
        shortfall_usd=float(r[13]),
        liquidation_surplus_usd=float(r[14]),
        book_exhausted=bool(r[9]),
        unfilled_base=float(r[10]),
        queue_base=float(r[11]),
        direction="down" if d > 0 else "up",
        trace=trace,
    )


# --------------------------------------------------------------------------- calibration files


@dataclass(frozen=True)
class Calibration:
    """A calibrated liquidity response: central parameters, draws and the volatility rule.

    Attributes
    ----------
    asset : str
    as_of : pandas.Timestamp or None
        Fitted on the events whose 24 hours had ended by this time (UTC). None: no
        date (a prior fitted on nothing); a prior at a date (too few events before
        it) has a date and a ``note`` starting "prior".
    params : LiquidityParams
        Central (best-fit) parameters.
    draws : tuple of LiquidityParams
        Bootstrap draws (events resampled), the parameter uncertainty; for the prior,
        six values around it (latent depth 0.5, 1 or 2; resilience half-life 120 or
        600 s).
    vol_multiplier : float
        ``k`` of the post-trigger volatility rule: hourly volatility
        ``k · s^vol_exponent``, ``s`` the EWMA volatility after the shock (fractions
        per hour).
    vol_multiplier_draws : tuple of float
        Draws of ``k``, taken in turn with the parameter draws by
        :func:`calibrated_cascade` (the fits store one: ``(vol_multiplier,)``).
    n_events : int
        Events the fit used.
    note : str, default ""
        How it was fitted, for a reader: ``"grid MAE … pp over N events"``, or
        ``"prior: …"`` for the prior (:func:`is_prior` reads that prefix).
    vol_exponent : float
        ``b`` of the volatility rule.
    shock_weight : float
        ``γ``: the weight of the shock's squared log return in the post-shock
        volatility (:func:`post_shock_sigma`).
    vol_dispersion : float
        ``η``: per-path regime multipliers ``exp(η · N(0, 1))`` of the post-shock
        volatility (:func:`regime_scales`).
    source : str
        Where it was read: ``"store:PATH"`` or ``"package:calibrated/ASSET.json"``
        (empty for a calibration fitted in memory; not compared).
    rule_events : (int, float, float) or None
        The events the volatility rule was fitted on, as ``(count, Σ |trigger move|,
        Σ realised move)`` (fractions): the back-test takes the stored rule instead of
        refitting it when its own events before ``as_of`` are these
        (:func:`liqcascade.cascade._backtest.rule_before`). None: not stored.
    """

    asset: str
    as_of: pd.Timestamp | None
    params: LiquidityParams
    draws: tuple[LiquidityParams, ...]
    vol_multiplier: float
    vol_multiplier_draws: tuple[float, ...]
    n_events: int
    note: str = ""
    vol_exponent: float = 1.0
    shock_weight: float = EWMA_SHOCK_WEIGHT
    vol_dispersion: float = 0.0
    source: str = field(default="", compare=False)
    rule_events: tuple[int, float, float] | None = field(default=None, compare=False)

    def post_sigma(self, sigma_hourly: Any, move: Any) -> Any:
        """:func:`post_shock_sigma` with this calibration's shock weight.

        Parameters
        ----------
        sigma_hourly : float or array of float
            Hourly volatility before the shock (EWMA of hourly log returns), fraction.
        move : float or array of float
            The shock, fraction of the price before it (−0.05: a 5 % fall).

        Returns
        -------
        float or numpy.ndarray
            Hourly volatility once the shock is observed, fraction.
        """
        return post_shock_sigma(sigma_hourly, move, self.shock_weight)

    def multiplier(self, sigma_post: float, k: float | None = None) -> float:
        """The multiplier of ``sigma_post`` the volatility rule gives.

        ``k · sigma_post^(b − 1)`` (``b`` = :attr:`vol_exponent`), so that the path's
        hourly volatility is ``multiplier · sigma_post = k · sigma_post^b``.

        Parameters
        ----------
        sigma_post : float
            Hourly volatility after the shock (:meth:`post_sigma`), fraction.
        k : float, optional
            The rule's ``k`` (default :attr:`vol_multiplier`; one of
            :attr:`vol_multiplier_draws`).
        """
        kk = self.vol_multiplier if k is None else k
        return float(kk * sigma_post ** (self.vol_exponent - 1.0))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict, as stored in a calibration file (``source`` is not stored)."""
        return {
            "asset": self.asset,
            "as_of": None if self.as_of is None else self.as_of.isoformat(),
            "params": self.params.to_dict(),
            "draws": [d.to_dict() for d in self.draws],
            "vol_multiplier": self.vol_multiplier,
            "vol_multiplier_draws": list(self.vol_multiplier_draws),
            "vol_exponent": self.vol_exponent,
            "shock_weight": self.shock_weight,
            "vol_dispersion": self.vol_dispersion,
            "n_events": self.n_events,
            "note": self.note,
        } | ({} if self.rule_events is None else {"rule_events": list(self.rule_events)})

    @classmethod
    def from_dict(cls, d: dict[str, Any], where: str) -> Calibration:
        """Inverse of :meth:`to_dict` (``source`` is left empty).

        Parameters
        ----------
        d : dict
            One entry of a calibration file's ``calibrations`` list; ``vol_exponent``,
            ``shock_weight``, ``vol_dispersion``, ``note`` and ``rule_events`` may be
            missing (older files: their defaults).
        where : str
            The file it was read from, the start of the error messages.

        Raises
        ------
        InputError
            A required key is missing, or a parameter is unknown or out of range.
        """
        try:
            as_of = None if d.get("as_of") is None else pd.Timestamp(d["as_of"])
            return cls(
                asset=str(d["asset"]),
                as_of=as_of,
                params=LiquidityParams.from_dict(d["params"], where),
                draws=tuple(LiquidityParams.from_dict(x, where) for x in d["draws"]),
                vol_multiplier=float(d["vol_multiplier"]),
                vol_multiplier_draws=tuple(float(x) for x in d["vol_multiplier_draws"]),
                n_events=int(d["n_events"]),
                vol_exponent=float(d.get("vol_exponent", 1.0)),
                shock_weight=float(d.get("shock_weight", EWMA_SHOCK_WEIGHT)),
                vol_dispersion=float(d.get("vol_dispersion", 0.0)),
                note=str(d.get("note", "")),
                rule_events=_rule_events(d.get("rule_events"), where),
            )
        except KeyError as exc:
            raise InputError(f"{where}: missing key {exc.args[0]!r}") from None


def _rule_events(v: Any, where: str) -> tuple[int, float, float] | None:
    """A stored ``rule_events`` (``[count, Σ|trigger move|, Σ realised move]``) or None."""
    if v is None:
        return None
    try:
        n, a, r = v
        return int(n), float(a), float(r)
    except (TypeError, ValueError):
        raise InputError(f"{where}: rule_events must be [count, sum, sum] (got {v!r})") from None


def liquidity_document(asset: str, store: Any = None) -> tuple[dict[str, Any], str]:
    """``(document, source)`` of ``asset``'s liquidity calibration: the store's, else the package's.

    Read through :func:`liqcascade._calibrations.find_calibration` (kind
    ``"liquidity"``): a store's own ``<stem>.calibrations/liquidity/ASSET.json``
    (``liqcascade cascade calibrate``) before the shipped ``calibrated/ASSET.json``.
    ``source`` is ``"store:PATH"`` or ``"package:calibrated/ASSET.json"``.

    Parameters
    ----------
    asset : str
    store : str, Path, Store, bool, optional
        As in :func:`liqcascade.data.load_series` (``None``: the default store if it
        has one; ``False``: the package only).
    """
    from liqcascade._calibrations import find_calibration

    found = find_calibration("liquidity", asset, store)
    return found.doc, found.source


def liquidity_document_if_any(asset: str, store: Any = None) -> tuple[dict[str, Any], str] | None:
    """:func:`liquidity_document`, or None when neither the store nor the package has one.

    Only an asset without a calibration reads as none
    (:class:`~liqcascade.errors.CalibrationNotFound`): a calibration file that cannot
    be read or parsed raises (naming the file), it is not "no calibration".

    Parameters
    ----------
    asset : str
    store : str, Path, Store, bool, optional
        As in :func:`liquidity_document`.

    Returns
    -------
    tuple of (dict, str) or None
        ``(document, source)``.
    """
    from liqcascade.errors import CalibrationNotFound

    try:
        return liquidity_document(asset, store)
    except CalibrationNotFound:
        return None


#: Fewest stored back-test events after a market's date for a score of those alone.
MIN_SCORE_EVENTS = 10


def is_prior(cal: Calibration) -> bool:
    """Whether ``cal`` is the prior (too few events before its date to fit anything)."""
    return str(cal.note).startswith("prior")


def backtest_score(
    asset: str, store: Any = None, after: Any = None, *, before: Any = None
) -> dict[str, Any] | None:
    """The out-of-sample score stored with ``asset``'s calibrated response (event back-test).

    Keys: ``start``, ``end``, ``n_events``, the back-test metrics and ``scope``; None
    when the calibration carries none (or there is none; a calibration file that cannot
    be read raises). ``store``: as in :func:`load_liquidity`. Every event of the
    back-test is predicted by the liquidity calibration fitted before it; its position
    book, though, is in sample for the events before the book calibration's first fit
    (trained on data after them). With the stored per-event record the score also carries
    ``n_book_in_sample``, ``book_out_of_sample_from`` and the same scores on those
    events (``metrics_book_in_sample``: liquidity out of sample, book in sample) and
    on the others (``metrics_book_out_of_sample``: both out of sample), over the same
    events as the pooled figures; the flag is the stored one, or, for a back-test
    stored without it (the shipped files), derived from each event's time and the
    book calibration's fits (exact: :mod:`liqcascade.cascade._insample`). Likewise
    ``n_beta_assumed``, the events whose market used the assumed depth exponent (stored,
    or derived from each event's time and the asset's book totals).

    With ``after`` (a market's date) and the stored per-event record, the scores are
    those of the events at or after ``after`` only (``scope`` "events after the market
    date") when there are at least :data:`MIN_SCORE_EVENTS`; otherwise the whole
    back-test (``scope`` "package score", or "store score" for a calibration fitted on a
    store's data: its period is ``start`` → ``end``, mostly not the market's). For the
    events after a date, the liquidation diagnostics beside ``liq_corr`` (the
    background baseline, the static book + background, the ceilings) are re-scored
    only when their per-event columns are stored (``liqcascade cascade calibrate``
    stores them with the back-test it writes); the shipped ETH and BTC files
    do not have them, so their scores after a date carry ``liq_corr`` and
    ``liq_within_2x_share`` alone (the whole back-test's diagnostics stay in its
    stored metrics).

    With ``before`` (a market's time: what a report at that date could know), the
    scores are those of the events whose 24 h ended by ``before`` (``scope`` "events
    closed by the market date", ``scored_by`` the time, ``package_score`` the whole
    back-test beside them: it reads later data) when at least :data:`MIN_SCORE_EVENTS`
    of them are and some events are not; with every event closed by then, the whole
    back-test as without ``before``; with fewer, the whole back-test flagged
    ``reads_after_market_date`` (with ``n_events_by_market_date``). Each event was
    predicted by the calibration fitted before it, so ``liqcascade cascade backtest
    --start START --end (before − 24 h)`` re-runs exactly these events.
    """
    found = liquidity_document_if_any(asset, store)
    if found is None:
        return None
    doc, source = found
    bt = doc.get("backtest")
    if not isinstance(bt, dict):
        return None
    out = {k: v for k, v in bt.items() if k != "per_event"}
    # the whole stored back-test: the package's, or the one fitted on a store's data
    is_store = str(source).startswith("store:")
    out["scope"] = "store score" if is_store else "package score"
    pe = bt.get("per_event")
    if not isinstance(pe, dict):
        return out
    from liqcascade.cascade._insample import stored_beta_assumed, stored_book_in_sample
    from liqcascade.cascade._scores import move_scores

    flags, first = stored_book_in_sample(asset, pe, store if is_store else False)
    if "n_beta_assumed" not in out:  # a record stored before the count was
        assumed = stored_beta_assumed(asset, pe, store if is_store else False)
        if assumed is not None:
            out["n_beta_assumed"] = int(sum(assumed))
    if before is not None:
        return _score_before(out, pe, before, flags, first)
    if after is not None:
        sub = move_scores(pe, after, in_sample=flags, first_oos=first)
        if sub["n_events"] >= MIN_SCORE_EVENTS:
            sub["end"] = out["end"]
            return {**sub, "scope": "events after the market date", "package_n_events":
                    out.get("n_events")}  # fmt: skip
    return _whole(out, pe, flags, first)


def _whole(out: dict[str, Any], pe: dict[str, Any], flags: Any, first: Any) -> dict[str, Any]:
    """The whole stored back-test ``out`` with the book split of its stored events."""
    from liqcascade.cascade._scores import move_scores

    if flags is not None:  # the split of the whole back-test, over its stored events
        whole = move_scores(pe, in_sample=flags, first_oos=first)
        for k in ("n_book_in_sample", "book_out_of_sample_from", "metrics_book_in_sample",
                  "metrics_book_out_of_sample"):  # fmt: skip
            out[k] = whole[k]
    return out


def _score_before(
    out: dict[str, Any], pe: dict[str, Any], before: Any, flags: Any, first: Any
) -> dict[str, Any]:
    """:func:`backtest_score` with ``before``: the events whose 24 h ended by ``before``."""
    from liqcascade.cascade._scores import move_scores

    whole = _whole(dict(out), pe, flags, first)
    sub = move_scores(pe, in_sample=flags, first_oos=first, before=before)
    by = utc_time(before)
    n, n_all = int(sub["n_events"]), int(whole.get("n_events") or 0)
    if n >= n_all:  # every event closed by then: the whole back-test
        return whole
    if n < MIN_SCORE_EVENTS:
        return {**whole, "reads_after_market_date": True, "n_events_by_market_date": n,
                "scored_by": by.isoformat()}  # fmt: skip
    sub["start"] = whole["start"]  # the back-test's window starts there (not the first event)
    for k in ("covered_start", "n_skipped"):  # what the window could not score, and why
        if k in whole:
            sub[k] = whole[k]
    return {**sub, "scope": "events closed by the market date", "scored_by": by.isoformat(),
            "package_n_events": n_all, "package_score": whole}  # fmt: skip


#: source -> (the document parsed, its calibrations): parsed once per document read.
_PARSED: dict[str, tuple[dict[str, Any], tuple[Calibration, ...]]] = {}


def _calibrations(asset: str, store: Any = None) -> tuple[Calibration, ...]:
    """Every calibration of ``asset`` (ascending as-of), from the store or the package."""
    doc, source = liquidity_document(asset, store)
    hit = _PARSED.get(source)
    if hit is not None and hit[0] is doc:  # the same document object: parsed already
        return hit[1]
    where = source.split(":", 1)[-1]
    raw = doc.get("calibrations")
    if not isinstance(raw, list) or not raw:
        raise InputError(f"{where}: no calibrations in the document")
    if not all(isinstance(c, dict) for c in raw):
        raise InputError(f"{where}: each calibration is a JSON object")
    cals = tuple(
        replace(Calibration.from_dict(c, where), source=source)
        for c in raw  # each carries where it came from
    )
    _PARSED[source] = (doc, cals)
    return cals


def load_liquidity(asset: str = "ETH", as_of: Any = None, store: Any = None) -> Calibration:
    """The calibration of ``asset`` fitted on events strictly before ``as_of``.

    Parameters
    ----------
    asset : str
        Any asset with a calibration: the package ships ETH and BTC; a store holds
        those fitted on its data (``liqcascade cascade calibrate``), read first.
    as_of : datetime-like, optional
        Default: the latest calibration (all events of the data).
    store : str, Path, Store, bool, optional
        The store whose calibrations are looked at first (``None``: the default
        store; ``False``: the package only).

    Returns
    -------
    Calibration
        The latest calibration whose ``as_of`` is at or before ``as_of`` (the prior
        when none is); its ``source`` says where it was read.

    Raises
    ------
    InputError
        When neither the store nor the package has one for ``asset``.
    """
    cals = _calibrations(asset.upper(), store)
    if as_of is None:
        return cals[-1]
    return cals[in_force([c.as_of for c in cals], as_of)]


# --------------------------------------------------------------------------- market-level answer

MAX_SIGMA_HOURLY = 0.2
"""Hourly volatility (fraction) at and above which ``sigma_hourly`` is refused as a
percent: 20 % an hour is past any hour of the data (0.6 was 0.6 %, read as 60 %)."""

BOOK_EDGE_SHARE = 0.5
"""Share of paths whose order book ran out (``book_exhausted_share``) at or above which a
price is shown as sitting at the modelled order book's edge: on most paths the price
reached the end of the modelled depth (±40 % of mid), so the figure is a bound, not a
forecast. The report and the ``stress`` command mark such figures with this one
threshold."""


@dataclass(frozen=True)
class CalibratedCascade(SummaryDict):
    """The calibrated answer to a shock: medians with 10–90 % intervals over paths and draws.

    Attributes
    ----------
    mid, shock_price : float
        USD.
    move_median, move_p10, move_p90 : float
        Extreme move within the horizon (fraction of mid; for a fall the p10 is the
        deeper one: ``move_p10 <= move_median <= move_p90``).
    liquidated_median, liquidated_p10, liquidated_p90 : float
        Liquidated notional on the moving side, USD.
    book_exhausted_share : float
        Share of paths whose book ran out (at or above :data:`BOOK_EDGE_SHARE` the
        figures sit at the modelled book's edge: a bound).
    carry_median, carry_p10, carry_p90 : float
        The cascade's own carry: the extreme move (fraction of mid) of the clock
        cascade with the index held at the shock price for the horizon (no
        continuation of price), median and 10–90 % over the parameter draws. This is
        what the static book bounds (it carries the same forced orders through a book
        that never refills, at once); the 24-hour move is this carry plus the
        ordinary continuation of price after the shock, which the static book does
        not model. (The static book's own result, the upper bound, is
        :func:`static_bound`; :func:`market_answer` reports it beside these figures.)
    n_paths : int
        Paths run: the requested number split evenly over the liquidity draws times
        the book draws, rounded down, at least one per pair.
    horizon_hours : float
        Hours the index moves after the shock.
    moves : numpy.ndarray of float, shape (n_paths,)
        Per path: the extreme move within the horizon, fraction of mid.
    liquidated : numpy.ndarray of float, shape (n_paths,)
        Per path: liquidated notional on the moving side, USD.
    """

    mid: float
    shock_price: float
    move_median: float
    move_p10: float
    move_p90: float
    liquidated_median: float
    liquidated_p10: float
    liquidated_p90: float
    book_exhausted_share: float
    carry_median: float
    carry_p10: float
    carry_p90: float
    n_paths: int
    horizon_hours: float
    moves: FloatArray = field(repr=False)
    liquidated: FloatArray = field(repr=False)

    def summary(self) -> dict[str, Any]:
        """The scalar fields (not the per-path ``moves`` and ``liquidated``)."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name not in ("moves", "liquidated")
        }


def check_market_asset(asset: str, prepared: PreparedMarket, *, param: str, what: str) -> None:
    """Refuse ``asset`` given beside a market of another asset, naming both.

    The market's asset is ``prepared.asset`` when it is known (a market prepared from a
    :class:`~liqcascade.market.MarketState` by :func:`prepare_market`), then the
    positions' symbol (:func:`liqcascade._symbols.check_same_asset`: a book of the
    default symbol says nothing, so only the first check sees an ETH market given a BTC
    calibration).

    Parameters
    ----------
    asset : str
        The asset given (any case).
    prepared : PreparedMarket
        The market it is used on.
    param : str
        The parameter that gave ``asset`` (the error's ``param``).
    what : str
        How the message names it (``"calibration"``, ``"asset"``).

    Raises
    ------
    InputError
        ``WHAT (BTC) is not the market's asset (ETH): ...``, ``param=param``.
    """
    given = str(asset).strip().upper()
    own = prepared.asset
    if own is not None and given != own.upper():
        fix = f"load_liquidity({own.upper()!r}, as_of)" if param == "calibration" else (
            f"{param}={own.upper()!r}")  # fmt: skip
        raise InputError(
            f"{what} ({given}) is not the market's asset ({own.upper()}): give {fix}, or "
            f"prepare {given}'s market",
            param=param,
        )
    check_same_asset(given, prepared.positions.symbol, param=param, what=what)


def calibrated_cascade(
    prepared: PreparedMarket,
    *,
    shock: float | None = None,
    shock_price: float | None = None,
    calibration: Calibration,
    sigma_hourly: float,
    n_paths: int = 400,
    seed: int = 0,
    horizon_hours: float = 24.0,
    insurance_fund: float = 0.0,
    residuals: FloatArray | None = None,
    books: Sequence[PreparedMarket] = (),
    impact: bool = True,
) -> CalibratedCascade:
    """The calibrated market-level answer to a shock, with its interval.

    The index starts at the shock price and moves for ``horizon_hours`` with hourly
    volatility ``V · k · s^b`` (``calibration.vol_multiplier``, ``.vol_exponent``;
    ``s = post_shock_sigma(sigma_hourly, shock, calibration.shock_weight)``, the
    shock taken in with its fitted weight; ``V`` a per-path regime multiplier,
    :func:`regime_scales` with ``calibration.vol_dispersion``; innovations from
    ``residuals`` when given, else normal);
    every path runs the clock cascade under one of the calibration's parameter
    draws (paths are spread evenly over the draws, so the interval carries both
    the market's and the parameters' uncertainty). With ``books`` — the position
    book's own parameter draws (:func:`liqcascade.cascade.prepared_draws`)
    — paths are spread evenly over every pair of a liquidity draw and a book draw, so
    the interval carries the book's uncertainty (its size and leverage mix) too; the
    central ``prepared`` book then only fixes the price and the order book.

    Parameters
    ----------
    prepared : PreparedMarket
    shock, shock_price : float
        Exactly one.
    calibration : Calibration
        From :func:`load_liquidity` or a fit; of the market's asset: another is refused
        (:func:`check_market_asset`: the asset of a :func:`prepare_market` market, else
        the positions' symbol, a book of the default symbol saying nothing).
    sigma_hourly : float
        Pre-shock hourly volatility (EWMA of hourly log returns), fraction (0.006, not
        0.6: a value of 0.5 or more, 50 % an hour, is refused as a percent).
    residuals : array, optional
        Standardised hourly residuals before the date (filtered historical simulation;
        used when more than 100 are finite, rescaled to unit variance; else normal
        innovations).
    n_paths : int
        Paths (split over the draws).
    seed : int
    horizon_hours : float
    insurance_fund : float
        USD.
    books : sequence of PreparedMarket, optional
        The book's parameter draws, each prepared on the same order book and price as
        ``prepared`` (positions and stops differ). Empty: every path runs on
        ``prepared``.
    impact : bool, default True
        False: the same paths (the same index walks and draws) without the book's
        impact: each run's market is its order book with no positions and no stops, so
        the price is the index path and the carry the shock price; the liquidations are
        counted along each path (every position of the run's book whose liquidation
        price the path's extreme crosses, USD at that price:
        :mod:`liqcascade.cascade._no_impact`).
    """
    from liqcascade.cascade._engine import check_insurance_fund
    from liqcascade.cascade._no_impact import without_forced_orders

    check_market_asset(calibration.asset, prepared, param="calibration", what="calibration")
    check_fraction(sigma_hourly, "sigma_hourly", most=MAX_SIGMA_HOURLY)
    if n_paths < 1:
        raise InputError(f"n_paths must be >= 1 (got {n_paths})", param="n_paths")
    seed = check_seed(seed)
    insurance_fund = check_insurance_fund(insurance_fund)
    mid = prepared.book.mid
    for j, b in enumerate(books):
        if b.book.mid != mid:
            raise InputError(
                f"books[{j}]: a book draw must share the market's price "
                f"(mid {b.book.mid} vs {mid})",
                param="books",
            )
    runs = tuple(books) or (prepared,)
    p1 = _shock_price(mid, shock, shock_price)
    d = 1.0 if p1 <= mid else -1.0
    dt = default_grid(horizon_hours)
    rng = np.random.default_rng(seed)
    draws = calibration.draws or (calibration.params,)
    mults = calibration.vol_multiplier_draws or (calibration.vol_multiplier,)
    per = max(1, n_paths // (len(draws) * len(runs)))
    s_post = float(calibration.post_sigma(sigma_hourly, p1 / mid - 1.0))
    pool = None
    if residuals is not None:
        pool = residuals[np.isfinite(residuals)]
        pool = pool / pool.std() if pool.size > 100 else None
    walked = runs if impact else tuple(without_forced_orders(r) for r in runs)
    outs = []
    carry = np.empty(len(draws) * len(runs))
    flat = np.zeros(dt.size)
    g = 0
    for k, pdraw in enumerate(draws):
        m = calibration.multiplier(s_post, mults[k % len(mults)])
        sig = m * s_post * np.sqrt(dt / 3600.0)
        for run_i, run in enumerate(runs):
            if pool is None:
                z = rng.standard_normal((per, dt.size))
            else:
                z = pool[rng.integers(0, pool.size, (per, dt.size))]
            z = z * regime_scales(rng, per, calibration.vol_dispersion)[:, None]
            resp = LiquidityResponse.of(walked[run_i], d, pdraw)
            out = resp.paths(p1, sig, z, dt, insurance_fund)
            if not impact:  # counted along the path, not forced
                out[:, 2] = run.side(d).crossed_usd(out[:, 0], mid=mid)
            outs.append(out)
            held = resp.paths(p1, flat, np.zeros((1, dt.size)), dt, insurance_fund)
            carry[g] = held[0, 0] / mid - 1.0
            g += 1
    allp = np.vstack(outs)
    moves = allp[:, 0] / mid - 1.0
    liq = allp[:, 2]
    return CalibratedCascade(
        mid=mid,
        shock_price=p1,
        move_median=float(np.median(moves)),
        move_p10=float(np.quantile(moves, 0.10)),
        move_p90=float(np.quantile(moves, 0.90)),
        liquidated_median=float(np.median(liq)),
        liquidated_p10=float(np.quantile(liq, 0.10)),
        liquidated_p90=float(np.quantile(liq, 0.90)),
        book_exhausted_share=float(allp[:, 5].mean()),
        carry_median=float(np.median(carry)),
        carry_p10=float(np.quantile(carry, 0.10)),
        carry_p90=float(np.quantile(carry, 0.90)),
        n_paths=int(allp.shape[0]),
        horizon_hours=horizon_hours,
        moves=moves,
        liquidated=liq,
    )


def deepest_draw(values: Any, fall: Any) -> np.ndarray:
    """Index of the deepest book draw per shock: THE definition of "deepest over draws".

    The static bound beside a calibrated carry spread over the position book's draws is
    the deepest static run over them: each draw's carry is bounded by the static
    cascade on the same draw. Deepest is the lowest on a fall, the highest on a rise.
    :func:`static_bound` (one shock, the whole :class:`CascadeResult` of the deepest
    draw) and :func:`~liqcascade.cascade._calibrated_fragility.static_envelope` (a
    curve of final moves over a shock grid) both pick their draw here.

    Parameters
    ----------
    values : array, shape (n_draws, n_shocks)
        A quantity increasing with the final price per draw and shock: final prices
        (USD) or final moves (fractions of mid).
    fall : array of bool, shape (n_shocks,)
        Whether each shock is a fall (its price at or below mid).

    Returns
    -------
    numpy.ndarray of int, shape (n_shocks,)
        The row of the deepest draw per shock (the first on ties; NaN wins, as in
        ``min`` / ``max``).
    """
    v = np.atleast_2d(np.asarray(values, dtype=np.float64))
    f = np.asarray(fall, dtype=bool).reshape(-1)
    if v.shape[1] != f.size:
        raise InputError(f"values have {v.shape[1]} shocks, fall has {f.size}", param="fall")
    return np.where(f, v.argmin(axis=0), v.argmax(axis=0))


def static_bound(
    prepared: PreparedMarket,
    books: Sequence[PreparedMarket] = (),
    *,
    shock: float | None = None,
    shock_price: float | None = None,
    insurance_fund: float = 0.0,
) -> Any:
    """The static book's cascade (instant, no refill) that bounds the calibrated carry.

    Without ``books`` it is the static cascade on ``prepared``. With the book's
    parameter draws, the calibrated carry runs on every draw, and each draw's carry is
    bounded by the static cascade on that draw; the bound over all of them is the
    deepest static run (lowest final price on a fall, highest on a rise).

    The deepest is picked by :func:`deepest_draw`, as the fragility's static curve
    (:func:`~liqcascade.cascade._calibrated_fragility.static_envelope`, the same
    bound over a grid of shocks, from the vectorised static curve) picks it.

    Parameters
    ----------
    prepared : PreparedMarket
        The central market: its mid (USD) places the shock; without ``books`` the
        cascade runs on it.
    books : sequence of PreparedMarket, optional
        The position book's parameter draws (:func:`liqcascade.cascade.prepared_draws`),
        each on the same order book and price as ``prepared``.
    shock, shock_price : float
        Exactly one: a fractional move of mid (−0.05: a 5 % fall) or its target, USD.
    insurance_fund : float, default 0.0
        Fund at the start, USD.

    Returns
    -------
    CascadeResult
        The deepest run over ``books`` (or the run on ``prepared`` without them).
    """
    from liqcascade.cascade._engine import simulate_cascade

    runs = [
        simulate_cascade(b, shock=shock, shock_price=shock_price, insurance_fund=insurance_fund)
        for b in (tuple(books) or (prepared,))
    ]
    fall = _shock_price(prepared.book.mid, shock, shock_price) <= prepared.book.mid
    finals = np.array([[r.final_price] for r in runs])
    return runs[int(deepest_draw(finals, [fall])[0])]


def market_answer(
    prepared: PreparedMarket,
    *,
    asset: str,
    as_of: pd.Timestamp,
    shock: float | None = None,
    shock_price: float | None = None,
    sigma_hourly: float,
    residuals: FloatArray | None = None,
    insurance_fund: float = 0.0,
    n_paths: int = 400,
    books: Sequence[PreparedMarket] = (),
    store: Any = None,
    cascade: CalibratedCascade | None = None,
) -> JsonDict:
    """The market-level answer to a shock, as ``liqcascade cascade`` prints it.

    The calibrated cascade (:func:`calibrated_cascade` with the calibration of
    ``asset`` fitted before ``as_of``) with its interval, the calibration used, its
    shipped out-of-sample score and the static book's result as the upper bound it is.
    The score is what was knowable at ``as_of``: :func:`backtest_score` with
    ``before=as_of``, the events whose 24 h closed by then (each predicted by the
    calibration fitted before it), with the whole back-test beside them as
    ``package_score`` (it reads data after ``as_of``); with too few such events, the
    whole back-test flagged ``reads_after_market_date``.

    Parameters
    ----------
    prepared : PreparedMarket
        The market at ``as_of`` (:func:`liqcascade.cascade.prepare_market`): its order
        book, central position book and stops.
    asset : str
        Whose liquidity calibration is used (any case; reported upper-case): the
        market's own, another is refused (:func:`check_market_asset`).
    as_of : pandas.Timestamp
        The market's time (UTC): the calibration in force then
        (:func:`load_liquidity`) and the score knowable then.
    shock, shock_price : float
        Exactly one: a fractional move of mid (−0.05: a 5 % fall) or its target, USD.
    sigma_hourly : float
        Hourly volatility before the shock, fraction: the EWMA of the hourly log
        returns closed by ``as_of`` (:func:`~liqcascade.cascade._backtest.volatility_at`).
    residuals : array of float, optional
        Standardised hourly residuals before ``as_of`` (filtered historical
        simulation, as in :func:`calibrated_cascade`).
    insurance_fund : float, default 0.0
        Fund at the start, USD.
    n_paths : int, default 400
        Monte Carlo paths, split over the calibration's draws (and the book draws).
    books : sequence of PreparedMarket, optional
        The position book's parameter draws
        (:func:`liqcascade.cascade.prepared_draws`): the interval then
        carries the book's uncertainty as well as the liquidity calibration's and the
        paths', and the static bound is the deepest over the draws (:func:`static_bound`).
    store : str, Path, Store, bool, optional
        Where the calibration is looked for first (:func:`load_liquidity`).
    cascade : CalibratedCascade, optional
        The :func:`calibrated_cascade` of these same inputs (``prepared``, the shock,
        the calibration :func:`load_liquidity` gives, ``sigma_hourly``, ``residuals``,
        ``insurance_fund``, ``n_paths``, ``books``, seed 0), already computed by the
        caller (the report's fragility curve holds this run): it is used instead of
        running it again. Only its price and shock are checked.

    Returns
    -------
    JsonDict
        A ``dict`` (its ``to_dict()`` / ``to_json()`` give plain JSON: times as ISO
        strings) of ``liquidity``, ``asset``, ``as_of`` (``as_of`` as given: the bar's
        close for the market of a date), the :class:`CalibratedCascade` summary,
        ``book_edge_move`` with ``move_median_at_book_edge``, ``move_p10_at_book_edge``,
        ``move_p90_at_book_edge`` (a figure at the order book's last level is the
        book's edge, not a modelled move),
        ``sigma_hourly``, ``calibration`` (with ``n_book_draws``), ``out_of_sample``,
        ``static_upper_bound``.
    """
    from liqcascade.cascade._engine import check_shock_scale

    check_market_asset(asset, prepared, param="asset", what="asset")
    check_shock_scale(shock_price, prepared.book.mid, f"the {asset.upper()} market's mid")
    cal = load_liquidity(asset, as_of, store)
    if cascade is None:
        cc = calibrated_cascade(
            prepared,
            shock=shock,
            shock_price=shock_price,
            calibration=cal,
            sigma_hourly=sigma_hourly,
            residuals=residuals,
            insurance_fund=insurance_fund,
            n_paths=n_paths,
            books=books,
        )
    else:
        mid = prepared.book.mid
        p1 = _shock_price(mid, shock, shock_price)
        if cascade.mid != mid or not math.isclose(cascade.shock_price, p1, rel_tol=1e-12):
            raise InputError(
                f"cascade: computed at mid {cascade.mid} and shock price "
                f"{cascade.shock_price}, not this market's ({mid}, {p1})",
                param="cascade",
            )
        cc = cascade
    static = static_bound(
        prepared, books, shock=shock, shock_price=shock_price, insurance_fund=insurance_fund
    )
    from liqcascade.cascade._prepare import at_book_edge, book_edge

    out = JsonDict(liquidity="calibrated", asset=asset.upper(), as_of=as_of)
    out.update(cc.summary())
    edge = book_edge(prepared, cc.shock_price <= prepared.book.mid)
    out["book_edge_move"] = edge
    for k in ("move_median", "move_p10", "move_p90"):
        out[f"{k}_at_book_edge"] = bool(at_book_edge(out[k], edge))
    out["sigma_hourly"] = sigma_hourly
    out["calibration"] = {
        "as_of": cal.as_of,
        "n_events": cal.n_events,
        "latent_depth": cal.params.latent_depth,
        "resilience_half_life_s": cal.params.resilience_half_life_s,
        "vol_multiplier": cal.vol_multiplier,
        "vol_exponent": cal.vol_exponent,
        "n_draws": len(cal.draws),
        "n_book_draws": len(books),
        "source": cal.source,
        "note": cal.note,
        "prior": is_prior(cal),
    }
    # what a market at ``as_of`` could know: the events whose 24 h closed by then (the
    # whole back-test beside them, labelled as reading later data)
    out["out_of_sample"] = backtest_score(asset, store, before=as_of)
    out["static_upper_bound"] = {
        "final_price": static.final_price,
        "final_move": static.final_price / static.initial_price - 1.0,
        "liquidated_usd": static.liquidated_long_usd + static.liquidated_short_usd,
        "book_exhausted": static.book_exhausted,
        "n_books": max(1, len(books)),
    }
    return out
