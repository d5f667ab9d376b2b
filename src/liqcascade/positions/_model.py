"""The identified position book: a continuous leverage mix on a price grid.

Open interest and prices go in; the book of leveraged positions and the liquidations
it predicts bar by bar come out (kernel: :mod:`liqcascade.positions._grid_kernels`).

**Leverage mix.** A position's *distance to liquidation* is carried as a log-distance
``delta``: a long is liquidated at ``entry * exp(-delta)`` (distance
``1 - exp(-delta)``), a short at ``entry * exp(delta)``. Newly opened size spreads
over ``delta`` by a log-normal density (median ``dist_median``, log-sd
``dist_sigma``) truncated below at the venue's maximum leverage
(``delta_min = 1 / max_leverage - mmr`` … the nearest a position can sit); the mass
beyond ``delta_max`` (a move the path never makes within a position's life) is the
**safe** share: low leverage, hedged books and well-funded cross accounts that are
effectively never liquidated. The *effective* leverage of a position is
``1 / (distance + mmr)`` (what its margin, wallet and hedges give it), not the leverage
it *set* on the venue (a 20x setting on a well-funded cross account can be 3x
effective): the mix is over effective leverage, continuous from ``~1/delta_max`` to
the venue maximum.

**Sides.** The long share of a bar's openings is
``logistic(theta0 + theta_funding * x_f + theta_move * x_m + theta_ls * x_ls)``
with, all known at the bar's open: ``x_f`` the previous bar's funding rate in units of
0.01 % per 8 h, clipped to [-3, 3] / 3; ``x_m = tanh(r / 1 %)`` the previous bar's
log return times the sign of its change of open interest (a rise of open interest in
a rising bar opens longs); ``x_ls`` the venue's global long/short account ratio
``(long % - 50) / 25`` clipped to [-1, 1] where it is recorded (0 and its coefficient
fixed at 0 where it is not). Taker flow is not a signal (see :class:`MarketFrames`).

**Observation.** The recorded 4-hour liquidations of one venue are, per side,
hurdle log-normal: zero with probability ``p_zero``, else
``log y ~ N(log(scale * mu + intrabar * x + floor), sigma^2)``, ``mu`` the book's
predicted liquidations (USD, aggregated open interest), ``x`` the bar's intrabar
exposure (open interest at the open times the bar's move against the side, USD;
:func:`intrabar_exposure`; ``intrabar`` is 0 unless the fit asked for it).
``scale`` is the product of the venue's share of open interest and the feed's
under-reporting (Binance pushes at most one liquidation per symbol per second); only
the product is identified by the record.
Predicted (mean) liquidations of :class:`BookRun`: the law's mean without its zeros,
``median * exp(sigma^2 / 2)``. The expanding-window back-test predicts with the
fitting window's level instead (:func:`liqcascade.positions._expanding.level_factor`:
the one ``sigma`` overstates the mean of the large bars).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr

from liqcascade._prices import names_text
from liqcascade._typing import FloatArray
from liqcascade.errors import InputError
from liqcascade.positions._book import PositionBook
from liqcascade.positions._grid_kernels import grid_walk_nb, grid_walk_py

#: Names of the fitted continuous parameters, in the optimiser's order.
SHAPE_KEYS: tuple[str, ...] = (
    "dist_median",
    "dist_sigma",
    "turnover",
    "theta0",
    "theta_funding",
    "theta_move",
    "theta_ls",
)
OBS_KEYS: tuple[str, ...] = ("scale", "floor_usd", "sigma", "p_zero", "intrabar")


@dataclass(frozen=True)
class BookParams:
    """Parameters of the identified book (see the module docstring).

    Parameters
    ----------
    dist_median : float
        Median log-distance to liquidation of newly opened size (log units; 0.05 is
        about 5 % from entry, ~17x effective leverage).
    dist_sigma : float
        Log-sd of the log-distance (> 0).
    turnover : float
        Share of the book closed and reopened each bar, in [0, 1).
    theta0, theta_funding, theta_move, theta_ls : float
        Side split coefficients (logit of the long share of openings).
    scale : float
        Venue share x reporting rate (recorded / predicted aggregated liquidations), > 0.
    floor_usd : float
        Background recorded liquidations per bar and side not explained by the book, USD.
    sigma : float
        Log-sd of the recorded 4-hour amounts around their median.
    p_zero : float
        Probability that a bar records no liquidation on a side.
    intrabar : float
        Recorded liquidations per USD of the bar's *intrabar exposure* (open interest
        at the open, base units, times the bar's move against the side: ``open - low``
        for longs, ``high - open`` for shorts), >= 0. The grid opens a bar's positions
        at its open, so it cannot hold the positions opened and liquidated *within* a
        bar; this term carries them in the observation law (it holds no position at
        the bar's close, so the book is unchanged). 0: not used.
    max_leverage : float
        Venue maximum leverage (x); sets the nearest distance to liquidation.
    mmr : float
        Maintenance margin rate used for effective leverage and bankruptcy prices.
    delta_max : float
        Log-distance beyond which size is safe (never liquidated).
    grid_step : float
        Grid step, log units (0.0025 = 0.25 %).
    seed_days : float
        Warm-up days of prices before the first open interest (the book is held at
        the first open interest over them).
    """

    dist_median: float = 0.05
    dist_sigma: float = 1.0
    turnover: float = 0.1
    theta0: float = 0.0
    theta_funding: float = 0.0
    theta_move: float = 0.0
    theta_ls: float = 0.0
    scale: float = 0.01
    floor_usd: float = 0.0
    sigma: float = 1.0
    p_zero: float = 0.0
    intrabar: float = 0.0
    max_leverage: float = 125.0
    mmr: float = 0.004
    delta_max: float = 0.7
    grid_step: float = 0.0025
    seed_days: float = 30.0

    def __post_init__(self) -> None:
        checks = {
            "dist_median": self.dist_median > 0,
            "dist_sigma": self.dist_sigma > 0,
            "turnover": 0.0 <= self.turnover < 1.0,
            "scale": self.scale > 0,
            "floor_usd": self.floor_usd >= 0,
            "sigma": self.sigma > 0,
            "p_zero": 0.0 <= self.p_zero < 1.0,
            "intrabar": self.intrabar >= 0.0,
            "max_leverage": self.max_leverage > 1,
            "mmr": 0.0 <= self.mmr < 0.5,
            "grid_step": 0.0 < self.grid_step <= 0.05,
            "seed_days": self.seed_days >= 0,
        }
        for name, ok in checks.items():
            v = getattr(self, name)
            if not (ok and math.isfinite(float(v))):
                raise InputError(f"{name} out of range (got {v!r})")
        if not self.delta_max > self.delta_min + self.grid_step:
            raise InputError(
                f"delta_max must exceed the nearest distance (got {self.delta_max})",
                param="delta_max",
            )

    @property
    def delta_min(self) -> float:
        """Nearest log-distance to liquidation: ``-log(1 - (1/max_leverage - mmr))``."""
        d = max(1.0 / self.max_leverage - self.mmr, 0.5 * self.grid_step)
        return -math.log(1.0 - d)

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON parameters."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any], where: str = "params") -> BookParams:
        """Parameters from a dict (unknown keys are an error naming ``where``)."""
        unknown = sorted(set(d) - {f.name for f in fields(cls)})
        if unknown:
            raise InputError(f"{where}: unknown {names_text('parameter', unknown)}")
        try:
            return cls(**{k: float(v) for k, v in d.items()})
        except InputError as exc:
            raise InputError(f"{where}: {exc}") from None
        except (TypeError, ValueError) as exc:
            raise InputError(f"{where}: {exc}") from None

    def with_(self, **changes: Any) -> BookParams:
        """A copy with some parameters changed."""
        return replace(self, **changes)

    def to_json(self) -> str:
        """JSON text."""
        return json.dumps(self.to_dict(), indent=2)


# ----------------------------------------------------------------- leverage mix
def distance_weights(params: BookParams) -> tuple[FloatArray, float, int]:
    """Share of openings per distance bin, the safe share, and the first bin's offset.

    Returns
    -------
    (weights, safe_share, j0)
        ``weights[j]`` is the share at log-distance ``(j0 + j) * grid_step``;
        ``weights.sum() + safe_share == 1``.
    """
    h = params.grid_step
    j0 = max(1, round(params.delta_min / h))
    j_end = math.ceil(params.delta_max / h)
    centres = np.arange(j0, j_end + 1, dtype=np.float64)
    lo_edges = np.maximum(centres - 0.5, 1e-9) * h
    hi_edges = (centres + 0.5) * h
    m = math.log(params.dist_median)
    s = params.dist_sigma
    cdf_lo = ndtr((np.log(lo_edges) - m) / s)
    cdf_hi = ndtr((np.log(hi_edges) - m) / s)
    below = float(cdf_lo[0])
    mass = 1.0 - below
    if mass <= 1e-300:
        w = np.zeros_like(centres)
        w[0] = 1.0
        return w, 0.0, j0
    w = (cdf_hi - cdf_lo) / mass
    safe = max(0.0, (1.0 - float(cdf_hi[-1])) / mass)
    return np.ascontiguousarray(w), safe, j0


def leverage_mix(params: BookParams) -> pd.DataFrame:
    """The leverage mix of new openings: one row per distance bin, plus the safe share.

    Columns: ``log_distance``, ``distance_long`` (fraction of entry), ``effective_leverage``
    (``1 / (distance + mmr)``), ``share``; the last row (``log_distance = inf``) is the safe share.
    """
    w, safe, j0 = distance_weights(params)
    delta = (j0 + np.arange(w.shape[0])) * params.grid_step
    dist = 1.0 - np.exp(-delta)
    df = pd.DataFrame(
        {
            "log_distance": np.append(delta, np.inf),
            "distance_long": np.append(dist, 1.0),
            "effective_leverage": np.append(1.0 / (dist + params.mmr), 1.0),
            "share": np.append(w, safe),
        }
    )
    return df


# ----------------------------------------------------------------- inputs
@dataclass(frozen=True, eq=False)
class MarketFrames:
    """The series the book reads, all as frames (loading happens in the CLI/report layer).

    Attributes
    ----------
    oi : DataFrame
        ``oi_usd`` per bar (USD at the bar's close, aggregated over venues), indexed by
        bar open (UTC).
    ohlc : DataFrame
        ``open, high, low, close`` per bar (USD) at the same interval; may start before
        ``oi`` (warm-up).
    funding : DataFrame, optional
        ``rate`` (fraction per 8 h).
    long_short : DataFrame, optional
        ``global_account_long_pct`` (percent of accounts net long).
    taker : DataFrame, optional
        ``buy_usd``, ``sell_usd`` (kept for reports; not a model input: the bundled
        futures taker series of both assets ends 2025-05-12, inside the test window,
        and on the calibration window its imbalance adds about one point of R² to the
        liquidations' side beyond the bar's move, mostly the previous bar's
        liquidations, which are taker orders; docs/validation.md, "Sides: why taker
        flow is not an input").
    liquidations : DataFrame, optional
        Recorded ``long_usd``, ``short_usd`` per bar (one venue).
    asset : str
        Asset name (for messages).
    sources : dict
        Where each series came from.
    """

    oi: pd.DataFrame
    ohlc: pd.DataFrame
    funding: pd.DataFrame | None = None
    long_short: pd.DataFrame | None = None
    taker: pd.DataFrame | None = None
    liquidations: pd.DataFrame | None = None
    asset: str = "ETH"
    sources: dict[str, str] = field(default_factory=dict)
    cache: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if "oi_usd" not in self.oi.columns:
            raise InputError("open interest needs an 'oi_usd' column (USD)")
        for col in ("open", "high", "low", "close"):
            if col not in self.ohlc.columns:
                raise InputError(f"prices need a {col!r} column (USD)")
        if self.liquidations is not None and not {"long_usd", "short_usd"} <= set(
            self.liquidations.columns
        ):
            raise InputError("recorded liquidations need 'long_usd' and 'short_usd' columns (USD)")

    @property
    def has_long_short(self) -> bool:
        """Whether a long/short account ratio is recorded for the asset."""
        return (
            self.long_short is not None
            and "global_account_long_pct" in self.long_short.columns
            and bool(self.long_short["global_account_long_pct"].notna().any())
        )

    def until(self, end: pd.Timestamp) -> MarketFrames:
        """The same frames cut at ``end`` (inclusive): what was known by then."""

        def cut(f: pd.DataFrame | None) -> pd.DataFrame | None:
            return None if f is None else f[f.index <= end]

        return MarketFrames(
            oi=self.oi[self.oi.index <= end],
            ohlc=self.ohlc[self.ohlc.index <= end],
            funding=cut(self.funding),
            long_short=cut(self.long_short),
            taker=cut(self.taker),
            liquidations=cut(self.liquidations),
            asset=self.asset,
            sources=dict(self.sources),
        )


@dataclass(frozen=True, eq=False)
class Prepared:
    """Bar-aligned inputs of the walk (warm-up bars first)."""

    index: pd.DatetimeIndex
    n_seed: int
    open: FloatArray
    low: FloatArray
    high: FloatArray
    close: FloatArray
    target: FloatArray
    x_funding: FloatArray
    x_move: FloatArray
    x_ls: FloatArray
    log_p0: float
    n_grid: int
    #: The last bar's own values, for a walk continued past it
    #: (:class:`liqcascade.positions._incremental.BookState`): ``(close, oi_base,
    #: x_funding, x_move, x_ls)`` (signals not lagged: what the next bar reads).
    last: tuple[float, float, float, float, float] = (math.nan,) * 5


def _aligned(frame: pd.DataFrame | None, col: str, index: pd.DatetimeIndex) -> FloatArray:
    if frame is None or col not in frame.columns or frame.empty:
        return np.full(len(index), np.nan)
    f = frame[~frame.index.duplicated(keep="last")].sort_index()[col]
    return f.reindex(index, method="ffill", tolerance=pd.Timedelta(hours=8)).to_numpy(np.float64)


def prepare(frames: MarketFrames, params: BookParams) -> Prepared:
    """Join open interest, prices and side signals bar by bar, warm-up bars first.

    The target of bar ``i`` is the previous bar's closing open interest at bar ``i``'s
    open (base units); signals are the previous bar's values (known at the open).

    Raises
    ------
    InputError
        No bar with both open interest and prices.
    """
    key = ("prepare", params.seed_days, params.grid_step, params.delta_max)
    if key in frames.cache:
        return frames.cache[key]  # type: ignore[no-any-return]
    oi = frames.oi[~frames.oi.index.duplicated(keep="last")].sort_index()
    px = frames.ohlc[~frames.ohlc.index.duplicated(keep="last")].sort_index()
    px = px[["open", "high", "low", "close"]].dropna()
    px = px[(px > 0).all(axis=1)]
    if oi.empty:
        raise InputError("no open interest")
    df = oi[["oi_usd"]].join(px, how="inner").dropna()
    df = df[df["oi_usd"] > 0]
    if df.empty:
        raise InputError("no bar has both open interest and prices")
    # the series' own step; one bar alone cannot show it: the bundled open interest's 4 h
    step = pd.Series(df.index).diff().median() if len(df) > 1 else pd.Timedelta(hours=4)
    n_seed = 0
    if params.seed_days > 0:
        n_want = int(np.rint(pd.Timedelta(days=params.seed_days) / pd.Timedelta(step)))
        before = px[px.index < df.index[0]].iloc[-n_want:] if n_want > 0 else px.iloc[:0]
        n_seed = len(before)
        if n_seed:
            before = before.assign(oi_usd=float(df["oi_usd"].iloc[0] / df["close"].iloc[0]))
            before["oi_usd"] = before["oi_usd"] * before["close"]
            df = pd.concat([before, df])
    idx = pd.DatetimeIndex(df.index)
    o = df["open"].to_numpy(np.float64)
    c = df["close"].to_numpy(np.float64)
    oi_base = df["oi_usd"].to_numpy(np.float64) / c
    target = np.empty(len(df))
    target[0] = oi_base[0]
    target[1:] = oi_base[:-1]
    # signals known at the open: previous bar's funding, move x OI change, long/short
    rate = _aligned(frames.funding, "rate", idx)
    xf = np.clip(np.nan_to_num(rate, nan=0.0) / 1e-4, -3.0, 3.0) / 3.0
    ret = np.zeros(len(df))
    ret[1:] = np.log(c[1:] / c[:-1])
    d_oi = np.zeros(len(df))
    d_oi[1:] = np.sign(oi_base[1:] - oi_base[:-1])
    xm_now = np.tanh(ret / 0.01) * d_oi
    ls = _aligned(frames.long_short, "global_account_long_pct", idx)
    xls_now = np.clip((np.nan_to_num(ls, nan=50.0) - 50.0) / 25.0, -1.0, 1.0)
    lag = lambda a: np.concatenate([[0.0], a[:-1]])  # noqa: E731
    # the grid is anchored at multiples of the step (bins do not depend on the data range)
    log_lo = math.log(float(df["low"].min())) - params.delta_max - 4 * params.grid_step
    log_lo = math.floor(log_lo / params.grid_step) * params.grid_step
    log_hi = math.log(float(df["high"].max())) + params.delta_max + 4 * params.grid_step
    n_grid = math.ceil((log_hi - log_lo) / params.grid_step) + 1
    out = Prepared(
        index=idx,
        n_seed=n_seed,
        open=np.ascontiguousarray(o),
        low=np.ascontiguousarray(df["low"].to_numpy(np.float64)),
        high=np.ascontiguousarray(df["high"].to_numpy(np.float64)),
        close=np.ascontiguousarray(c),
        target=np.ascontiguousarray(target),
        x_funding=np.ascontiguousarray(lag(xf)),
        x_move=np.ascontiguousarray(lag(xm_now)),
        x_ls=np.ascontiguousarray(lag(xls_now)),
        log_p0=log_lo,
        n_grid=n_grid,
        last=(float(c[-1]), float(oi_base[-1]), float(xf[-1]), float(xm_now[-1]),
              float(xls_now[-1])),
    )  # fmt: skip
    frames.cache[key] = out
    return out


def intrabar_exposure(prep: Prepared) -> tuple[FloatArray, FloatArray]:
    """Each bar's intrabar exposure per side, long and short (USD).

    ``target * (open - low)`` for longs, ``target * (high - open)`` for shorts
    (``target``: open interest at the open, base units; warm-up bars included).
    """
    return prep.target * (prep.open - prep.low), prep.target * (prep.high - prep.open)


def long_share(prep: Prepared, params: BookParams) -> FloatArray:
    """Long share of each bar's openings (logistic of the side signals)."""
    z = (
        params.theta0
        + params.theta_funding * prep.x_funding
        + params.theta_move * prep.x_move
        + params.theta_ls * prep.x_ls
    )
    return np.ascontiguousarray(1.0 / (1.0 + np.exp(-z)))


# ----------------------------------------------------------------- run
@dataclass(frozen=True, eq=False)
class BookRun:
    """The book walked bar by bar (warm-up bars excluded from the series).

    Attributes
    ----------
    ts : DatetimeIndex
        Bar open times (UTC).
    mu_long_usd, mu_short_usd : array
        Liquidations of the aggregated book per bar, USD (before ``scale``).
    predicted_long_usd, predicted_short_usd : array
        Predicted recorded liquidations (mean of the observation law), USD.
    open_long_base, open_short_base : array
        Book size per side at each bar's end, base units (aggregated open interest).
    long_share : array
        Long share of each bar's openings.
    state : tuple
        Final grid state (long/short sizes and entry sums per bin, safe sizes).
    params : BookParams
    prep : Prepared
    """

    ts: pd.DatetimeIndex
    mu_long_usd: FloatArray
    mu_short_usd: FloatArray
    open_long_base: FloatArray
    open_short_base: FloatArray
    long_share: FloatArray
    state: tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]
    params: BookParams
    prep: Prepared

    def median(self, mu: FloatArray, exposure: FloatArray | float = 0.0) -> FloatArray:
        """Median recorded liquidations (USD) for book liquidations and intrabar exposure (USD)."""
        p = self.params
        return p.scale * mu + p.intrabar * np.asarray(exposure) + p.floor_usd

    def exposure(self) -> tuple[FloatArray, FloatArray]:
        """Intrabar exposure of the run's bars, long and short, USD (:func:`intrabar_exposure`)."""
        xl, xs = intrabar_exposure(self.prep)
        return xl[self.prep.n_seed :], xs[self.prep.n_seed :]

    def medians(self) -> tuple[FloatArray, FloatArray]:
        """Median recorded liquidations per bar, long and short (USD)."""
        xl, xs = self.exposure()
        return self.median(self.mu_long_usd, xl), self.median(self.mu_short_usd, xs)

    @property
    def predicted_long_usd(self) -> FloatArray:
        return self.medians()[0] * math.exp(0.5 * self.params.sigma**2)

    @property
    def predicted_short_usd(self) -> FloatArray:
        return self.medians()[1] * math.exp(0.5 * self.params.sigma**2)

    def to_frame(self) -> pd.DataFrame:
        """One row per bar: predicted liquidations (USD), book sizes (base), long share."""
        return pd.DataFrame(
            {
                "predicted_long_usd": self.predicted_long_usd,
                "predicted_short_usd": self.predicted_short_usd,
                "book_long_usd": self.mu_long_usd,
                "book_short_usd": self.mu_short_usd,
                "open_long_base": self.open_long_base,
                "open_short_base": self.open_short_base,
                "long_share": self.long_share,
            },
            index=self.ts,
        )

    def book(self, venue_share: float | None = None, symbol: str = "ETHUSDT") -> PositionBook:
        """The open positions after the last bar: one position per non-empty grid bin.

        Sizes are the aggregated book times ``venue_share`` (default ``scale``: the
        book implied by the venue's record). Safe size is left out (it cannot be
        liquidated on any path the book sees); see :meth:`safe_size`. Margin is
        ``size * entry * (distance + mmr)`` (effective leverage), bankruptcy price
        ``liq -/+ mmr * entry``.
        """
        v = self.params.scale if venue_share is None else venue_share
        return book_from_grid(self.state, self.prep.log_p0, self.params, v, symbol)

    def safe_size(self) -> tuple[float, float]:
        """Safe (never-liquidated) long and short size at the end, aggregated, base units."""
        safe = self.state[4]
        return float(safe[0]), float(safe[1])


def book_from_grid(
    state: tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray],
    log_p0: float,
    params: BookParams,
    venue_share: float,
    symbol: str = "ETHUSDT",
) -> PositionBook:
    """The open positions of a grid state: one position per non-empty bin (see ``BookRun.book``).

    Parameters
    ----------
    state : tuple
        ``long_size, short_size, long_entry_sum, short_entry_sum`` per bin (base units,
        USD) and the safe sizes (left out).
    log_p0 : float
        Grid origin, natural log of USD.
    params : BookParams
    venue_share : float
        Multiplies the aggregated sizes.
    symbol : str
        Symbol of the positions.
    """
    lsz, ssz, lent, sent, _ = state
    p = params
    prices = np.exp(log_p0 + np.arange(lsz.shape[0]) * p.grid_step)
    parts = []
    for side, sz, ent in ((1, lsz, lent), (-1, ssz, sent)):
        m = sz > 1e-12 * max(float(sz.sum()), 1e-300)
        m &= sz > 0
        size = sz[m] * venue_share
        entry = ent[m] / sz[m]
        liq = prices[m]
        dist = np.abs(entry - liq) / entry
        parts.append(
            PositionBook(
                side=np.full(size.shape[0], side, np.int8),
                size=size,
                entry_price=entry,
                margin=size * entry * (dist + p.mmr),
                liq_price=liq,
                bankruptcy_price=liq - side * p.mmr * entry,
                venue="binance",
                symbol=symbol,
            )
        )
    return PositionBook.concat(parts)


def walk(frames: MarketFrames | Prepared, params: BookParams, *, use_numba: bool = True) -> BookRun:
    """Walk the book along the real path (see the module docstrings).

    Parameters
    ----------
    frames : MarketFrames or Prepared
        Inputs (open interest, prices, side signals).
    params : BookParams
    use_numba : bool
        ``False``: the plain-Python twin (slow).
    """
    prep = frames if isinstance(frames, Prepared) else prepare(frames, params)
    w, safe, j0 = distance_weights(params)
    share = long_share(prep, params)
    fn = grid_walk_nb if use_numba else grid_walk_py
    out = fn(
        prep.open, prep.low, prep.high, prep.target, share, w, float(safe), int(j0),
        float(prep.log_p0), float(params.grid_step), int(prep.n_grid), float(params.turnover),
    )  # fmt: skip
    s = slice(prep.n_seed, len(prep.index))
    return BookRun(
        ts=prep.index[s],
        mu_long_usd=np.asarray(out[0])[s],
        mu_short_usd=np.asarray(out[1])[s],
        open_long_base=np.asarray(out[2])[s],
        open_short_base=np.asarray(out[3])[s],
        long_share=share[s],
        state=(out[4], out[5], out[6], out[7], out[8]),
        params=params,
        prep=prep,
    )


__all__ = [
    "OBS_KEYS",
    "SHAPE_KEYS",
    "BookParams",
    "BookRun",
    "MarketFrames",
    "Prepared",
    "book_from_grid",
    "distance_weights",
    "intrabar_exposure",
    "leverage_mix",
    "long_share",
    "prepare",
    "walk",
]
