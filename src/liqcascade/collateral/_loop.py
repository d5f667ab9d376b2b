"""Accounts with mixed collateral on unified margin, and the collateral loop on one clock.

:func:`simulate_collateral` runs the loop of :mod:`._kernels` minute by minute along
an ETH price path (the recorded path of 2025-10-10, or a shock path): ETH moves the
accounts' position losses; accounts at ``uniMMR <= threshold`` are liquidated; their
collateral is sold into its own book, which moves that asset's index under own-book
pricing and cuts every other account's margin.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from liqcascade._crashes import OCT_2025
from liqcascade._json import SummaryDict
from liqcascade._limits import MAX_USD, check_count, percent_hint, real_number
from liqcascade._time import to_utc, utc_index, utc_indexed
from liqcascade.collateral._kernels import collateral_loop_kernel
from liqcascade.collateral._registry import PRICING_METHODS, CollateralAsset
from liqcascade.errors import InputError

__all__ = [
    "Account",
    "CollateralResult",
    "CollateralSetup",
    "VenueRules",
    "eth_minute_path",
    "eth_shock_path",
    "simulate_collateral",
]

SELL_MODES = ("all", "debt")


#: Largest uniMMR liquidation threshold a venue rule may have. The ratio sits near 1
#: (Binance's unified margin: 1.05); a threshold above 5 would liquidate accounts holding
#: five times their maintenance margin, so it can only be a percent (105 for 1.05).
MAX_THRESHOLD = 5.0


@dataclass(frozen=True)
class Account:
    """One unified-margin account.

    Parameters
    ----------
    name : str
        Label.
    eth_size : float
        ETH perpetual position, ETH (> 0 long, < 0 short).
    eth_entry : float
        Entry price, USD.
    collateral : dict
        Asset name -> USD value at fair value at the start of the clock.
    usdt : float
        USDT balance, USD (may be < 0: borrowed).
    mmr : float
        Maintenance margin rate of the position (fraction of notional).
    topup_usd : float
        A top-up the owner sends when ETH has fallen ``VenueRules.topup_trigger_drop``.
    topup_source : str
        ``"transfer"`` (arrives after the venue's transfer lag) or the name of a
        collateral asset redeemed for it (its redemption lag, daily cap and minimum lot).
    """

    name: str
    eth_size: float
    eth_entry: float
    collateral: dict[str, float]
    usdt: float = 0.0
    mmr: float = 0.005
    topup_usd: float = 0.0
    topup_source: str = "transfer"

    def __post_init__(self) -> None:
        """Refuse a number the loop's kernel would carry as NaN or inf (``param`` = field).

        Amounts are also held to :data:`~liqcascade._limits.MAX_USD` (1e15 USD; the ETH
        position at ``eth_entry``): 1e300 overflowed the account's sums to inf.
        """

        def usd(v: Any) -> bool:
            return _finite(v) and abs(float(v)) <= MAX_USD

        entry_ok = usd(self.eth_entry) and self.eth_entry > 0
        size_ok = _finite(self.eth_size) and (
            not entry_ok or abs(float(self.eth_size) * float(self.eth_entry)) <= MAX_USD
        )
        most = f"at most {MAX_USD:.0e} USD"
        rules: tuple[tuple[str, Any, bool, str], ...] = (
            ("eth_size", self.eth_size, size_ok, f"a finite number of ETH, {most} at eth_entry"),
            ("eth_entry", self.eth_entry, entry_ok,
             f"a finite price > 0 USD, {most}"),
            ("usdt", self.usdt, usd(self.usdt), f"a finite number of USD, {most}"),
            ("mmr", self.mmr, _finite(self.mmr) and 0 <= self.mmr < 1,
             "a fraction in [0, 1)"),
            ("topup_usd", self.topup_usd, usd(self.topup_usd) and self.topup_usd >= 0,
             f"a finite number >= 0 USD, {most}"),
        )  # fmt: skip
        for key, value in self.collateral.items():
            ok = usd(value) and float(value) >= 0
            rules += ((f"collateral[{key!r}]", value, ok, f"a finite number >= 0 USD, {most}"),)
        for name, value, ok, rule in rules:
            if not ok:
                param = "collateral" if name.startswith("collateral") else name
                hint = percent_hint(float(value)) if name == "mmr" and _finite(value) else ""
                raise InputError(
                    f"account {self.name!r}: {name} must be {rule} (got {value!r}{hint})",
                    param=param,
                )


@dataclass(frozen=True)
class VenueRules:
    """The venue's liquidation rule and frictions.

    Parameters
    ----------
    name : str
        Venue.
    threshold : float
        Liquidation at ``uniMMR <= threshold`` (Binance unified margin: 1.05), a ratio
        in (0, :data:`MAX_THRESHOLD`]: a larger value can only be a percent.
    transfer_lag_min : float
        Minutes for a transfer top-up to arrive.
    topup_trigger_drop : float
        ETH fall from the start of the clock (fraction) at which owners send top-ups.
    deposit_halts, withdrawal_halts : list of (Timestamp, Timestamp)
        Deposits halted: top-ups due inside arrive at the halt's end. Withdrawals
        halted: arbitrage cannot take the asset out to redeem it, so its book does not
        recover (impact does not decay).
    stress_drawdown : float
        ETH below its 60-minute high by more than this fraction = stressed minute:
        own-book impact is multiplied by the asset's ``stress_impact_multiplier``.
    sell : {"all", "debt"}
        On liquidation, sell all collateral, or only what covers the negative balance.
    """

    name: str = "binance"
    threshold: float = 1.05
    transfer_lag_min: float = 0.0
    topup_trigger_drop: float = 0.05
    deposit_halts: tuple[tuple[pd.Timestamp, pd.Timestamp], ...] = ()
    withdrawal_halts: tuple[tuple[pd.Timestamp, pd.Timestamp], ...] = ()
    stress_drawdown: float = 0.03
    sell: str = "all"

    def __post_init__(self) -> None:
        if not 0 < self.threshold <= MAX_THRESHOLD:
            # the shared hint: 105 (meant 105 %) is told "for 105 % give 1.05"
            hint = percent_hint(self.threshold, MAX_THRESHOLD, most=100 * MAX_THRESHOLD)
            raise InputError(
                f"threshold must be a uniMMR ratio in (0, {MAX_THRESHOLD:g}] (got "
                f"{self.threshold:g}{hint}; Binance liquidates at 1.05)",
                param="threshold",
            )
        if self.sell not in SELL_MODES:
            raise InputError(
                f"sell must be one of {', '.join(SELL_MODES)} (got {self.sell!r})", param="sell"
            )
        if not self.transfer_lag_min >= 0:
            raise InputError("transfer_lag_min must be >= 0", param="transfer_lag_min")
        if not 0 < self.topup_trigger_drop < 1:
            raise InputError("topup_trigger_drop must be in (0, 1)", param="topup_trigger_drop")
        if not 0 < self.stress_drawdown < 1:
            raise InputError("stress_drawdown must be in (0, 1)", param="stress_drawdown")


@dataclass(frozen=True)
class CollateralSetup:
    """Assets, venue rules and accounts: everything the loop needs but the ETH path.

    Parameters
    ----------
    assets : tuple of CollateralAsset
        The collateral assets, names unique.
    venue : VenueRules
        The venue's margin and liquidation rules.
    accounts : tuple of Account
        The accounts; each collateral and ``topup_source`` must name an asset.
    assumptions : tuple of dict, optional
        ``what``, ``value``, ``source`` of each stated assumption (text, for reports).
    notes : dict, optional
        Build details; :func:`~liqcascade.collateral.build_setup` puts the own-book fits
        there (``"fits"``: asset -> :class:`OwnBookFit`, ``"books"``: their summaries).

    Raises
    ------
    InputError
        For a repeated asset name, or an account naming an unknown asset.
    """

    assets: tuple[CollateralAsset, ...]
    venue: VenueRules
    accounts: tuple[Account, ...]
    assumptions: tuple[dict[str, str], ...] = ()
    notes: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = [a.name for a in self.assets]
        if len(set(names)) != len(names):
            raise InputError("assets: repeated asset name", param="assets")
        for acc in self.accounts:
            for k in acc.collateral:
                if k not in names:
                    raise InputError(f"accounts: {acc.name}: unknown asset {k!r}", param="assets")
            if acc.topup_source != "transfer" and acc.topup_source not in names:
                raise InputError(
                    f"accounts: {acc.name}: unknown topup_source {acc.topup_source!r}",
                    param="topup_source",
                )

    def asset(self, name: str) -> CollateralAsset:
        """The asset called ``name``.

        Parameters
        ----------
        name : str
            Asset name (case-sensitive).

        Returns
        -------
        CollateralAsset

        Raises
        ------
        InputError
            If no asset has that name (``param="asset"``).
        """
        for a in self.assets:
            if a.name == name:
                return a
        raise InputError(f"unknown asset {name!r}", param="asset")

    def with_asset(self, asset: CollateralAsset) -> CollateralSetup:
        """A copy with ``asset`` replacing the asset of the same name.

        Parameters
        ----------
        asset : CollateralAsset
            The replacement; an unknown name changes nothing.

        Returns
        -------
        CollateralSetup
        """
        return replace(
            self, assets=tuple(asset if a.name == asset.name else a for a in self.assets)
        )

    def scaled(self, factor: float) -> CollateralSetup:
        """A copy with every account's positions, balances and collateral times ``factor``.

        Parameters
        ----------
        factor : float
            Multiplier, dimensionless.

        Returns
        -------
        CollateralSetup
            ETH sizes (ETH), USDT balances, top-ups and collateral (USD at fair value at
            the start) times ``factor``; assets and venue unchanged.

        Raises
        ------
        InputError
            ``param="factor"``, if ``factor`` is not a finite number > 0 (a negative one
            turned longs into shorts and collateral into debt), or takes an account's
            amounts past 1e15 USD.
        """
        if not (_finite(factor) and factor > 0):
            raise InputError(f"factor must be a finite number > 0 (got {factor!r})", param="factor")
        try:
            accs = tuple(
                replace(
                    a,
                    eth_size=a.eth_size * factor,
                    usdt=a.usdt * factor,
                    topup_usd=a.topup_usd * factor,
                    collateral={k: v * factor for k, v in a.collateral.items()},
                )
                for a in self.accounts
            )
        except InputError as exc:  # 1e300 passed, and overflowed the loop's sums to inf
            raise InputError(f"factor {factor:g} is too large: {exc}", param="factor") from None
        return replace(self, accounts=accs)


def _finite(value: Any) -> bool:
    """Whether ``value`` is a real number (not a bool or text) and finite."""
    v = real_number(value)
    return v is not None and math.isfinite(v)


def _bar_points(n: int) -> np.ndarray:
    """Minutes of a bar of ``n`` minutes on which its four prices sit (integers)."""
    return np.rint(np.linspace(0, n - 1, 4)).astype(np.int64)


def eth_minute_path(bars: pd.DataFrame, start: Any, end: Any) -> pd.Series:
    """An ETH price per minute from OHLC bars of any interval in ``[start, end)``.

    Inside a bar the path runs open -> high -> low -> close when the bar closes down
    (open -> low -> high -> close when up), linear between the four points, which sit
    on whole minutes a third of the bar apart (minutes 0, 10, 19, 29 of a 30-minute
    bar): each bar's open, high, low and close are minutes of the path, so its extremes
    are exact and their timing within the bar is not known. Bars of 2 or 3 minutes
    are too short for four points: they keep their extremes (in the same order, after
    the open for 3 minutes); a one-minute bar gives its close. Each bar's minutes start
    at its own open; a gap between bars (a missing bar) is bridged linearly, minute by
    minute, from the last price before it to the first after it.

    Parameters
    ----------
    bars : DataFrame
        ETH OHLC bars (USD) on a UTC index of bar open times.
    start, end : datetime-like
        Half-open window ``[start, end)`` of bar open times (UTC).

    Returns
    -------
    pandas.Series
        ETH price per minute, USD, named ``"eth"``.

    Raises
    ------
    InputError
        If no bar opens in the window (``param="eth_bars"``).
    """
    from liqcascade._tables import check_numeric

    check_numeric(bars, ("open", "high", "low", "close"), "eth_bars", param="eth_bars")
    bars = utc_indexed(bars)  # a naive index is UTC
    s, e = to_utc(start), to_utc(end)
    b = bars[(bars.index >= s) & (bars.index < e)]
    if b.empty:
        raise InputError(f"eth bars: none in [{s}, {e})", param="eth_bars")
    # the bar interval: the smallest spacing (a missing bar widens one spacing only)
    step = b.index.to_series().diff().min() if len(b) > 1 else pd.Timedelta(minutes=1)
    n = max(1, int(step / pd.Timedelta(minutes=1)))
    at = _bar_points(n)
    vals: list[float] = []
    times: list[pd.Timestamp] = []
    minute = pd.Timedelta(minutes=1)
    for t0, (o, h, lo, c) in zip(
        b.index, b[["open", "high", "low", "close"]].to_numpy(float), strict=True
    ):
        pts = [o, h, lo, c] if c < o else [o, lo, h, c]
        if n >= 4:
            bar = list(np.interp(np.arange(n), at, pts))
        elif n > 1:  # too short for four points: the extremes, in the bar's order
            bar = ([o] if n == 3 else []) + pts[1:3]
        else:
            bar = [c]
        vals.extend(bar)
        times.extend(t0 + k * minute for k in range(len(bar)))
    path = pd.Series(vals, index=pd.DatetimeIndex(times), name="eth")
    path = path[~path.index.duplicated(keep="first")]  # bars closer than their step
    full = pd.date_range(path.index[0], path.index[-1], freq="1min")
    if len(full) != len(path):  # missing bars: bridged linearly in time
        path = path.reindex(full).interpolate(method="time")
    return path.rename("eth")


def eth_shock_path(
    p0: float,
    shock: float,
    start: Any = OCT_2025.hour,
    fall_min: int = 30,
    total_min: int = 240,
) -> pd.Series:
    """ETH falling linearly to ``p0 · (1 + shock)`` over ``fall_min`` minutes, then flat, USD.

    Parameters
    ----------
    p0 : float
        ETH price at the start, USD, > 0 and at most :data:`~liqcascade._limits.MAX_USD`.
    shock : float
        Total fall, fraction in (-1, 0) (-0.2 is a 20 % fall).
    start : datetime-like, default 2025-10-10 21:00 UTC
        First minute (:data:`liqcascade._crashes.OCT_2025`'s crash hour).
    fall_min : int, default 30
        Minutes of the fall, in (0, ``total_min``).
    total_min : int, default 240
        Minutes of the path.

    Returns
    -------
    pandas.Series
        ``total_min`` prices, USD, one per minute from ``start``.

    Raises
    ------
    InputError
        For a ``p0`` that is not a finite price > 0, a ``shock`` or ``fall_min`` out of
        range, or a ``total_min`` that is not a whole number or too long for the memory.
    """
    if not (_finite(p0) and 0 < p0 <= MAX_USD):  # 1e300 passed
        raise InputError(
            f"p0 must be a finite price > 0 USD, at most {MAX_USD:.0e} USD (got {p0!r})",
            param="p0",
        )
    if not -1 < shock < 0:
        hint = percent_hint(shock, signed=True) if _finite(shock) else ""
        raise InputError(f"shock must be in (-1, 0) (got {shock}{hint})", param="shock")
    for name, value in (("fall_min", fall_min), ("total_min", total_min)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise InputError(
                f"{name} must be a whole number of minutes (got {value!r})", param=name
            )
    if not 0 < fall_min < total_min:
        raise InputError("fall_min must be in (0, total_min)", param="fall_min")
    check_count("total_min", int(total_min), _PATH_MINUTE_BYTES)
    t = np.arange(total_min)
    v = p0 * (1 + shock * np.minimum(t / fall_min, 1.0))
    return pd.Series(v, index=pd.date_range(to_utc(start), periods=total_min, freq="1min"))


def _fair(asset: CollateralAsset, eth: np.ndarray) -> np.ndarray:
    """Fair value per unit, USD: 1 for a USD asset, ETH's move from the start for ETH's."""
    return np.ones_like(eth) if asset.underlying == "usd" else eth / eth[0]


def _nav_scale(asset: CollateralAsset, fair: np.ndarray, pricing: str) -> np.ndarray:
    """What the margin counts over fair value: the NAV's clamp under ``nav`` pricing, else 1.

    The clamp moves the counted collateral only: the own book trades around fair value
    (before the 2026-12 release the clamped value replaced fair value everywhere, so a
    ``nav_cap`` of 0.8 also put USDe's own book, and its sales, at 0.8 USD).
    """
    if pricing != "nav":
        return np.ones_like(fair)
    return np.clip(fair, asset.nav_floor, asset.nav_cap) / fair


def _tier_arrays(setup: CollateralSetup, ts: pd.DatetimeIndex) -> tuple[np.ndarray, ...]:
    n_j = len(setup.assets)
    scheds = [[a.tiers, *[c.tiers for c in a.calendar]] for a in setup.assets]
    n_r = max(len(s) for s in scheds)
    n_k = max(len(t.bounds) for s in scheds for t in s) + 1
    hi = np.full((n_j, n_r, n_k), np.inf)
    ratio = np.zeros((n_j, n_r, n_k))
    regime = np.zeros((len(ts), n_j), np.int64)
    for j, (a, sc) in enumerate(zip(setup.assets, scheds, strict=True)):
        for r, t in enumerate(sc):
            hi[j, r, : len(t.bounds)] = t.bounds
            ratio[j, r, : len(t.ratios)] = t.ratios
        for r, c in enumerate(a.calendar, start=1):
            regime[ts >= c.at, j] = r
    return hi, ratio, regime


def _in_windows(
    ts: pd.DatetimeIndex, windows: tuple[tuple[pd.Timestamp, pd.Timestamp], ...]
) -> np.ndarray:
    m = np.zeros(len(ts), bool)
    for a, b in windows:
        m |= (ts >= a) & (ts < b)
    return m


def _topups(
    setup: CollateralSetup, ts: pd.DatetimeIndex, eth: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Top-up USD and arrival minute per account (``len(ts)`` = never)."""
    v = setup.venue
    n_t = len(ts)
    hit = np.nonzero(eth <= eth[0] * (1 - v.topup_trigger_drop))[0]
    usd = np.array([a.topup_usd for a in setup.accounts], float)
    at = np.full(len(setup.accounts), n_t, np.int64)
    if len(hit) == 0:
        return usd, at
    t0 = int(hit[0])
    halted = _in_windows(ts, v.deposit_halts)
    redeemed: dict[str, float] = {}
    for i, a in enumerate(setup.accounts):
        if a.topup_usd <= 0:
            continue
        if a.topup_source == "transfer":
            lag = v.transfer_lag_min
        else:
            src = setup.asset(a.topup_source)
            used = redeemed.get(src.name, 0.0)
            if a.topup_usd < src.min_lot_usd or used + a.topup_usd > src.daily_cap_usd:
                continue  # below the minimum lot or over the daily cap: never arrives
            redeemed[src.name] = used + a.topup_usd
            lag = src.redemption_lag_min
        if not np.isfinite(lag):
            continue
        t = t0 + int(np.ceil(lag))
        while t < n_t and halted[t]:
            t += 1
        at[i] = t
    return usd, at


#: A book price within this of its asset's floor is at the floor (fraction of fair value).
FLOOR_TOL = 1e-9


@dataclass
class CollateralResult(SummaryDict):
    """What one run of the loop did.

    Attributes
    ----------
    ts : pandas.DatetimeIndex
        The clock (minutes).
    eth : numpy.ndarray
        ETH price per minute, USD.
    assets : tuple of str
        Collateral assets, in order.
    book : numpy.ndarray
        (T, J) own-book price / fair value after each minute's sales.
    index : numpy.ndarray
        (T, J) margin index / fair value used at each minute.
    fair : numpy.ndarray
        (T, J) fair value per unit, USD.
    liq_t : numpy.ndarray
        Minute each account was liquidated (-1: never).
    sold_units, sold_usd : numpy.ndarray
        Collateral sold per asset (units; USD at the book price).
    unsold_units : numpy.ndarray
        Collateral still queued at the end (liquidator capacity), units.
    eth_sold_usd : numpy.ndarray
        ETH longs closed by liquidation per minute, USD.
    pricing : str
        The pricing method of the run.
    accounts : tuple of str
        Account names.
    floor : numpy.ndarray, optional
        (J,) each asset's book floor, fraction of fair value (the configuration's
        ``floor``); a ``min_price`` at it is the parameter, not a result of the loop.
    usdt_end : numpy.ndarray, optional
        (A,) each account's USD balance at the end, USD: a liquidated account's ETH
        loss and its collateral sold, credited at the book price of the minute it was
        queued (see :attr:`shortfall_usd`).
    """

    ts: pd.DatetimeIndex
    eth: np.ndarray
    assets: tuple[str, ...]
    book: np.ndarray
    index: np.ndarray
    fair: np.ndarray
    liq_t: np.ndarray
    sold_units: np.ndarray
    sold_usd: np.ndarray
    unsold_units: np.ndarray
    eth_sold_usd: np.ndarray
    pricing: str
    accounts: tuple[str, ...]
    floor: np.ndarray | None = None
    usdt_end: np.ndarray | None = None

    @property
    def accounts_liquidated(self) -> int:
        """Accounts liquidated."""
        return int(np.sum(self.liq_t >= 0))

    @property
    def collateral_liquidated_usd(self) -> float:
        """Collateral sold in liquidations, USD at the prices it fetched."""
        return float(np.sum(self.sold_usd))

    @property
    def shortfall_usd(self) -> float | None:
        """The venue's shortfall (bad debt), USD: liquidated accounts' negative balances.

        After its ETH position closes and its collateral is sold, a liquidated account
        whose balance is below 0 owes the venue that much. The collateral is credited at
        the book price of the minute it is queued; what it fetches when the liquidators
        sell it later (``sold_usd``) may be less, and that difference is not in this
        figure (a lower bound). ``None`` when the result carries no balances.
        """
        if self.usdt_end is None:
            return None
        liq = self.liq_t >= 0
        return float(np.sum(np.maximum(-self.usdt_end[liq], 0.0)))

    def depeg_start_minutes_after_low(self, level: float = 0.99) -> int | None:
        """Minutes from ETH's low to the first minute any own book is below ``level`` × fair.

        Negative: the depeg started before ETH's low; ``None``: no depeg that deep.

        Parameters
        ----------
        level : float, default 0.99
            Book price as a fraction of fair (0.99: 1 % below fair).

        Returns
        -------
        int or None
            Minutes (signed).
        """
        below = np.nonzero(np.any(self.book < level, axis=1))[0]
        if len(below) == 0:
            return None
        return int(below[0] - int(np.argmin(self.eth)))

    def at_floor(self, j: int, price: float) -> bool:
        """Whether ``price`` (fraction of fair value) is asset ``j``'s book floor.

        Parameters
        ----------
        j : int
            Asset index (the order of :attr:`assets`).
        price : float
            A book price of that asset, fraction of fair value.

        Returns
        -------
        bool
            ``False`` when the result carries no floors.
        """
        return self.floor is not None and price <= float(self.floor[j]) + FLOOR_TOL

    def summary(self) -> dict[str, Any]:
        """The keys of ``liqcascade collateral --json``."""
        per = {}
        for j, name in enumerate(self.assets):
            b = self.book[:, j]
            k = int(np.argmin(b))
            per[name] = {
                "min_price": float(b[k]),
                "min_price_at_floor": self.at_floor(j, float(b[k])),
                "min_price_usd": float(b[k] * self.fair[k, j]),
                "min_index": float(np.min(self.index[:, j])),
                "minutes_below_0_95": int(np.sum(b < 0.95)),
                "minutes_below_0_90": int(np.sum(b < 0.90)),
                "sold_usd": float(self.sold_usd[j]),
                "unsold_usd_at_fair": float(self.unsold_units[j] * self.fair[-1, j]),
            }
        k = int(np.argmin(self.eth))
        return {
            "pricing": self.pricing,
            "start": self.ts[0].isoformat(),
            "end": self.ts[-1].isoformat(),
            "eth_start": float(self.eth[0]),
            "eth_low": float(self.eth[k]),
            "eth_low_at": self.ts[k].isoformat(),
            "assets": per,
            "collateral_liquidated_usd": self.collateral_liquidated_usd,
            "accounts_liquidated": self.accounts_liquidated,
            "accounts": len(self.accounts),
            "eth_liquidated_usd": float(np.sum(self.eth_sold_usd)),
            "shortfall_usd": self.shortfall_usd,
            "depeg_start_minutes_after_low": self.depeg_start_minutes_after_low(),
        }


#: Bytes per minute of a shock path (the minutes, the prices and their time index).
_PATH_MINUTE_BYTES = 32


def _minute_path(eth_path: Any) -> tuple[np.ndarray, pd.DatetimeIndex]:
    """The prices (USD) and UTC minutes of an ETH path, checked (``param="eth_path"``).

    A naive index is read as UTC. The minutes must follow each other one minute apart:
    the loop's rates are per minute (liquidator capacity, impact decay), so a path out
    of order, with a repeated minute or on another interval ran silently at the wrong
    speed.
    """
    if (
        not isinstance(eth_path, pd.Series)
        or len(eth_path) < 2
        or not isinstance(eth_path.index, pd.DatetimeIndex)
    ):
        raise InputError("eth_path must be a series on a minute DatetimeIndex", param="eth_path")
    try:
        eth = eth_path.to_numpy(np.float64)
    except (TypeError, ValueError):
        raise InputError("eth_path must be prices (numbers), USD", param="eth_path") from None
    if not np.all(np.isfinite(eth)) or np.any(eth <= 0):
        raise InputError("eth_path must be finite and > 0", param="eth_path")
    ts = utc_index(eth_path.index)
    off = np.asarray((ts[1:] - ts[:-1]) != pd.Timedelta(minutes=1))
    if off.any():
        i = int(np.argmax(off)) + 1
        raise InputError(
            f"eth_path must hold one price per minute in time order (row {i + 1} at {ts[i]} "
            f"follows {ts[i - 1]})",
            param="eth_path",
        )
    return eth, ts


def simulate_collateral(
    setup: CollateralSetup, eth_path: pd.Series, pricing: str = "own-book"
) -> CollateralResult:
    """Run the collateral loop along ``eth_path``.

    Parameters
    ----------
    setup : CollateralSetup
        Assets, venue rules, accounts (collateral in USD at fair value at the start).
    eth_path : pandas.Series
        ETH price per minute, USD, on a one-minute UTC index.
    pricing : str, default "own-book"
        A key of :data:`~liqcascade.collateral.PRICING_METHODS`.

    Returns
    -------
    CollateralResult
    """
    if pricing not in PRICING_METHODS:
        raise InputError(
            f"pricing must be one of {', '.join(PRICING_METHODS)} (got {pricing!r})",
            param="pricing",
        )
    eth, ts = _minute_path(eth_path)
    n_t, assets, v = len(ts), setup.assets, setup.venue
    method = PRICING_METHODS[pricing]
    fair = np.column_stack([_fair(a, eth) for a in assets])
    nav_scale = np.column_stack([_nav_scale(a, fair[:, j], pricing) for j, a in enumerate(assets)])
    w = np.array([method.weight(a) for a in assets], float)
    run_hi = pd.Series(eth).rolling(60, min_periods=1).max().to_numpy()
    stressed = eth < run_hi * (1 - v.stress_drawdown)
    mult = np.ones((n_t, len(assets)))
    decay = np.ones((n_t, len(assets)))
    no_arb = _in_windows(ts, v.withdrawal_halts)
    for j, a in enumerate(assets):
        mult[stressed, j] = a.stress_impact_multiplier
        d = 0.5 ** (1.0 / a.half_life_min) if np.isfinite(a.half_life_min) else 1.0
        decay[:, j] = np.where(no_arb, 1.0, d)
    hi, ratio, regime = _tier_arrays(setup, ts)
    names = [a.name for a in assets]
    qty = np.array([[acc.collateral.get(n, 0.0) for n in names] for acc in setup.accounts], float)
    qty = qty.reshape(len(setup.accounts), len(assets))
    topup_usd, topup_at = _topups(setup, ts, eth)
    floor = np.array([a.floor for a in assets], float)
    out = collateral_loop_kernel(
        eth,
        fair,
        w,
        mult,
        decay,
        floor,
        np.array([a.depth_usd_per_pct * 100.0 for a in assets], float),
        np.array([a.sell_capacity_usd_per_min() for a in assets], float),
        regime,
        hi,
        ratio,
        np.array([a.eth_size for a in setup.accounts], float),
        np.array([a.eth_entry for a in setup.accounts], float),
        np.array([a.usdt for a in setup.accounts], float),
        qty,
        np.array([a.mmr for a in setup.accounts], float),
        topup_usd,
        topup_at,
        float(v.threshold),
        v.sell == "all",
        nav_scale,
    )
    liq_t, book, index, sold_u, sold_usd, eth_sold, pending, usdt_end = out
    return CollateralResult(
        ts=ts,
        eth=eth,
        assets=tuple(names),
        book=book,
        index=index,
        fair=fair,
        liq_t=liq_t,
        sold_units=sold_u,
        sold_usd=sold_usd,
        unsold_units=pending,
        eth_sold_usd=eth_sold,
        pricing=pricing,
        accounts=tuple(a.name for a in setup.accounts),
        floor=floor,
        usdt_end=usdt_end,
    )


def low_text(price: float, at_floor: bool, digits: int = 3) -> str:
    """A book low as the tables write it: ``0.050 (at floor)`` when it is the floor.

    Parameters
    ----------
    price : float
        The asset's lowest book price, fraction of fair value.
    at_floor : bool
        Whether that price is the asset's configured floor (a parameter, not a result:
        :meth:`CollateralResult.at_floor`).
    digits : int, default 3
        Decimals.

    Returns
    -------
    str
        ``"0.653"``, ``"0.050 (at floor)"``.
    """
    return f"{price:.{digits}f}" + (" (at floor)" if at_floor else "")
