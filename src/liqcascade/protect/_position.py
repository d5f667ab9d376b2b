"""The position and settings of a stop recommendation, checked before any market is built.

:func:`check_position` and :class:`RecommendSettings` refuse bad values with
:class:`~liqcascade.errors.InputError` naming the parameter, importing neither the
market nor the cascade engine (``liqcascade stops recommend`` checks its options with
them before those imports: a bad ``--side`` is refused in about a second, not after
the ten seconds the market's packages take to load). Only the tier-table check of
:func:`check_position` (``asset`` given) loads :mod:`liqcascade.margin`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from liqcascade._limits import MAX_HORIZON_DAYS, MAX_USD, check_real, check_whole
from liqcascade._sides import SIDE_RULE, side_sign
from liqcascade.errors import InputError

__all__ = [
    "DEFAULT_HORIZON_DAYS",
    "LIQUIDITY",
    "MAX_K",
    "VENUE_NAMES",
    "RecommendSettings",
    "check_position",
    "check_venue",
    "liquidation_price",
]

#: The venues whose margin rules price a position's liquidation (``venue`` of
#: :func:`check_position`), by their names in the rationale and the command's text.
VENUE_NAMES: dict[str, str] = {"binance": "Binance", "bybit": "Bybit", "hyperliquid": "Hyperliquid"}

#: Liquidity models of :func:`expected_slippage` and :func:`recommend_stop`.
LIQUIDITY: tuple[str, ...] = ("calibrated", "static")

#: The holding horizon of the volatility, days, when not given: the default of
#: :class:`RecommendSettings` and so of :class:`StopRecommendation`'s.
DEFAULT_HORIZON_DAYS = 5

#: Largest volatility multiple ``k`` (:class:`BacktestSettings`, and
#: :class:`~liqcascade.protect.RecommendSettings`' horizon volatilities): a distance of
#: 1000 sigmas is past the liquidation cap of any asset (ETH's 5-day sigma is about 8 %);
#: the recommendation's rationale printed 1e300 as a 300-digit percentage, and the
#: back-test ran every ``vol`` stop at its cap without a word.
MAX_K: float = 1000.0


@dataclass(frozen=True)
class RecommendSettings:
    """Settings of :func:`recommend_stop`.

    Parameters
    ----------
    horizon_days : int, default 5
        Holding horizon, days, in [1, :data:`MAX_HORIZON_DAYS`]: the volatility is the
        forecast over it.
    k : float, default 1.0
        Stop distance in units of the horizon volatility (1.0: a one-sigma move over
        the horizon, about 8 % for ETH at a 3.5 % daily volatility and 5 days); at most
        :data:`MAX_K` (1000).
    vol_source : {"garch", "atr"}
        GJR-GARCH(1,1)-t forecast, or Wilder ATR(14) of daily bars × √horizon.
    band : float, default 0.005
        Half-width added around each cluster / round-number zone, fraction (0.5 %,
        the liquidation map's bucket).
    round_zone : float, default 0.004
        Width of the crowded zone just beyond a round number (stops just below it for
        sells), fraction.
    max_liq_fraction : float, default 0.8
        The stop never lies more than this fraction of the way from the mid to the
        liquidation price (for a long without one, at 1x: to a price of zero), in
        (0, 1].
    vol_days : int, default 1000
        Daily returns used to fit the GARCH model (ending at ``as_of``).
    window : float, default 0.005
        Orders triggered within this fraction beyond a stop fill in its round
        (:func:`expected_slippage`).
    """

    horizon_days: int = DEFAULT_HORIZON_DAYS
    k: float = 1.0
    vol_source: str = "garch"
    band: float = 0.005
    round_zone: float = 0.004
    max_liq_fraction: float = 0.8
    vol_days: int = 1000
    window: float = 0.005

    def __post_init__(self) -> None:
        if not (
            isinstance(self.horizon_days, int | np.integer)
            and 1 <= self.horizon_days <= MAX_HORIZON_DAYS
        ):
            raise InputError(
                f"horizon_days must be an integer in [1, {MAX_HORIZON_DAYS}] "
                f"(got {self.horizon_days})",
                param="horizon_days",
            )
        k = check_real(self.k, "k", least=0.0, strict=True, most=MAX_K)  # 1e300, text, True
        object.__setattr__(self, "k", k)  # the checked float (a Decimal would stay one)
        if self.vol_source not in ("garch", "atr"):
            raise InputError(
                f"vol_source must be garch or atr (got {self.vol_source!r})", param="vol_source"
            )
        for nm in ("band", "round_zone"):
            v = getattr(self, nm)
            if not (math.isfinite(v) and 0 <= v < 0.2):
                raise InputError(f"{nm} must be in [0, 0.2) (got {v})")
        if not 0 < self.max_liq_fraction <= 1:
            raise InputError(
                f"max_liq_fraction must be in (0, 1] (got {self.max_liq_fraction})",
                param="max_liq_fraction",
            )
        check_whole(self.vol_days, "vol_days", 200)  # NaN and inf passed "< 200"
        if not (math.isfinite(self.window) and 0 <= self.window < 0.5):  # expected_slippage's
            raise InputError(f"window must be in [0, 0.5) (got {self.window})", param="window")


def check_position(
    side: str | int,
    entry: float,
    size: float,
    leverage: float,
    liquidity: str = "calibrated",
    asset: str | None = None,
    venue: str = "binance",
) -> int:
    """Check the position of :func:`recommend_stop` before any market is built.

    One message for every leverage out of range ("in [1, 125]", 0 and 0.5 alike);
    with ``asset``, also the venue's maximum for the position's notional (the tier
    table's, :func:`liquidation_price`), which needs no market.

    Parameters
    ----------
    side : {"long", "short"} or ±1
        Position side.
    entry : float
        Entry price, USD (> 0).
    size : float
        Position size, base units (> 0).
    leverage : float
        Leverage at entry, in [1, 125] (below 1 the position is not levered).
    liquidity : {"calibrated", "static"}
        The slippage model.
    asset : str, optional
        The market's asset, whose tier table bounds the leverage (else not checked
        here: :func:`recommend_stop` checks it with the market's asset).
    venue : {"binance", "bybit", "hyperliquid"}, default "binance"
        Whose margin rules price the liquidation (:func:`liquidation_price`); an
        unknown venue is refused (``param="venue"``) whether or not ``asset`` is given.

    Returns
    -------
    int
        The side as +1 (long) or −1 (short).

    Raises
    ------
    InputError
        Naming the parameter at fault (``param="entry"``, ...); a notional ``size x
        entry`` past 1e15 USD (:data:`~liqcascade._limits.MAX_USD`) names both.
    """
    sd = _side(side)
    if not (math.isfinite(float(leverage)) and 1 <= float(leverage) <= 125):
        raise InputError(f"leverage must be in [1, 125] (got {leverage:g})", param="leverage")
    for nm, v in (("entry", entry), ("size", size)):
        if not math.isfinite(float(v)):
            raise InputError(f"{nm} must be a finite number (got {v})", param=nm)
        if not float(v) > 0:
            raise InputError(f"{nm} must be > 0 (got {v:g})", param=nm)
    if float(size) * float(entry) > MAX_USD:  # the margin's refusal wrote 1e300 in 301 digits
        raise InputError(
            f"size x entry must be at most {MAX_USD:.0e} USD (got {float(size) * float(entry):g})",
            param=("size", "entry"),
        )
    if liquidity not in LIQUIDITY:
        raise InputError(_liquidity_message(liquidity), param="liquidity")
    check_venue(venue)
    if asset is not None:  # the venue's maximum for this notional (Binance: its tier table)
        try:
            liquidation_price(sd, float(entry), float(size), float(leverage), asset.upper(), venue)
        except InputError as exc:
            if exc.param == "leverage":
                raise
    return sd


def check_venue(venue: str) -> str:
    """``venue`` as a registered margin venue's name (lower case), else an ``InputError``.

    The venues of :data:`liqcascade.margin.VENUES` (``binance``, ``bybit``,
    ``hyperliquid``), read from the margin package's registry without importing it
    when the name is one of the three.

    Parameters
    ----------
    venue : str
        A venue's name, any case (``"Hyperliquid"``).

    Returns
    -------
    str
        The name in lower case.

    Raises
    ------
    InputError
        ``param="venue"``, naming the venues.
    """
    v = str(venue).strip().lower()
    if v in VENUE_NAMES:
        return v
    from liqcascade.margin import VENUES

    if v in VENUES:
        return v
    raise InputError(f"venue must be one of {', '.join(VENUES)} (got {venue!r})", param="venue")


def liquidation_price(
    side: int,
    entry: float,
    size: float,
    leverage: float,
    asset: str = "ETH",
    venue: str = "binance",
) -> float:
    """Isolated liquidation price of the position on ``venue``, USD.

    Binance USDⓈ-M by default (tiered MMR); Bybit (one rate) or Hyperliquid (the coin's
    maintenance leverage) on request, by :func:`liqcascade.margin.liq_price`'s rules.

    Parameters
    ----------
    side : int
        ``+1`` long, ``-1`` short.
    entry : float
        Entry price, USD.
    size : float
        Position size, base units.
    leverage : float
        Leverage at entry (x); margin is ``size * entry / leverage``.
    asset : str, default "ETH"
        Base asset: its own contract's tier table (``BTCUSDT`` for BTC), else the
        fallback table (:func:`liqcascade.margin.symbol_tiers`, which
        :func:`liqcascade.margin.liq_price` applies to a bare asset).
    venue : {"binance", "bybit", "hyperliquid"}, default "binance"
        Whose margin rules; leverage above the venue's maximum for the notional is an
        ``InputError`` (``param="leverage"``: Hyperliquid's ETH at most 25x).

    Returns
    -------
    float
        Liquidation price, USD (0 for a long that cannot be liquidated).
    """
    from liqcascade.margin import liq_price

    r = liq_price(check_venue(venue), side, size, entry, leverage=leverage, symbol=asset)
    return float(np.asarray(r.liq_price, dtype=float).ravel()[0])


def _liquidity_message(liquidity: str) -> str:
    return f"liquidity must be {' or '.join(LIQUIDITY)} (got {liquidity!r})"


def _side(side: str | int) -> int:
    if isinstance(side, str):
        v = side.strip().lower()
        sign = side_sign(v) or {"+1": 1, "1": 1, "-1": -1}.get(v)
        if sign is not None:
            return sign
    elif side in (1, -1):
        return int(side)
    raise InputError(f"side must be {SIDE_RULE} (got {side!r})", param="side")
