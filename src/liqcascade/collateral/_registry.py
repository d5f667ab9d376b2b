"""The collateral registry: pricing methods, tiered collateral ratios and their calendar.

A collateral asset on a venue is valued, for unified margin, at
``index · qty`` cut by a tiered ratio (tax-bracket style: the first $1.2 M at 99.9 %,
the next $0.8 M at 97.5 %, nothing above), and its ``index`` comes from one of the
registered pricing methods (:data:`PRICING_METHODS`), each a weight on the asset's own
order book:

``index = fair · (w · book_ratio + (1 − w))``

where ``fair`` is the asset's fair value (redemption ratio × underlying, or issuer NAV),
``book_ratio = book price / fair`` on the venue's own book and ``w`` the weight the
method gives the own book. Binance before 2025-10-14: USDe ``w = 1`` (own USDe/USDT
book), wBETH ``w = 0.2``, BNSOL ``w = 0.3`` (issue 19). Redemption-ratio pricing and
issuer NAV: ``w = 0``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from liqcascade._limits import percent_hint
from liqcascade.errors import InputError

__all__ = [
    "PRICING_METHODS",
    "CollateralAsset",
    "PricingMethod",
    "RatioChange",
    "TierSchedule",
    "register_pricing",
    "tiered_value",
]


@dataclass(frozen=True)
class PricingMethod:
    """One way a venue values a collateral asset.

    Parameters
    ----------
    name : str
        Registry key (``"own-book"``).
    description : str
        One line for docs and ``--help``.
    weight : callable
        ``weight(asset) -> w`` in [0, 1]: the share of the asset's own book in its index.
    """

    name: str
    description: str
    weight: Callable[[CollateralAsset], float]


PRICING_METHODS: dict[str, PricingMethod] = {}


def register_pricing(
    name: str, description: str, weight: Callable[[CollateralAsset], float]
) -> None:
    """Register a pricing method (``weight(asset)`` is the own book's share of the index).

    Parameters
    ----------
    name : str
        Registry key (``"own-book"``); an existing key is replaced.
    description : str
        One line for docs and ``--help``.
    weight : callable
        ``weight(asset) -> w`` in [0, 1], dimensionless: the own book's share of the
        index.
    """
    PRICING_METHODS[name] = PricingMethod(name, description, weight)


register_pricing(
    "own-book",
    "the venue's own spot book mixed with the redemption ratio (asset.own_book_weight)",
    lambda a: a.own_book_weight,
)
register_pricing(
    "index",
    "an external multi-venue index in which the venue's own book has asset.index_weight",
    lambda a: a.index_weight,
)
register_pricing("redemption", "the redemption ratio x the underlying (fair value)", lambda a: 0.0)
register_pricing("nav", "the issuer's NAV, clamped to [nav_floor, nav_cap]", lambda a: 0.0)


@dataclass(frozen=True)
class TierSchedule:
    """Tax-bracket collateral ratios: ``ratios[k]`` on the USD value in bracket ``k``.

    Parameters
    ----------
    bounds : sequence of float
        Upper bounds of the brackets, USD, strictly increasing; the last may be ``inf``.
        Value above the last bound counts 0.
    ratios : sequence of float
        Ratio of each bracket, in [0, 1].
    """

    bounds: tuple[float, ...]
    ratios: tuple[float, ...]

    def __post_init__(self) -> None:
        check_tiers(self.bounds, self.ratios, "tiers")


def check_tiers(bounds: Sequence[float], ratios: Sequence[float], where: str) -> None:
    """Raise :class:`InputError` naming ``where`` unless the brackets are valid."""
    if len(bounds) == 0 or len(bounds) != len(ratios):
        raise InputError(f"{where}: give one ratio per bracket (at least one)", param=where)
    b = np.asarray(bounds, float)
    r = np.asarray(ratios, float)
    if not np.all(np.isfinite(r)) or np.any(r < 0) or np.any(r > 1):
        over = r[np.isfinite(r) & (r > 1)]  # 95 meant as 95 %
        hint = percent_hint(float(over[0]), most=100.0 + 1e-9) if len(over) else ""
        raise InputError(
            f"{where}: ratios must be in [0, 1] (got {list(ratios)}{hint})", param=where
        )
    if np.any(np.isnan(b)) or b[0] <= 0 or np.any(np.diff(b) <= 0):
        raise InputError(
            f"{where}: bracket bounds must be > 0 and strictly increasing (got {list(bounds)})",
            param=where,
        )


def tiered_value(value_usd: float, tiers: TierSchedule) -> float:
    """Collateral value after tiered ratios, USD (``Σ_k ratio_k · part of value in bracket k``).

    >>> t = TierSchedule((1.2e6, 2e6), (0.999, 0.975))
    >>> round(tiered_value(1.5e6, t), 2)
    1491300.0

    Parameters
    ----------
    value_usd : float
        Collateral value before the ratios (``index · qty``), USD.
    tiers : TierSchedule
        The brackets (upper bounds in USD) and their ratios (fractions).

    Returns
    -------
    float
        Value counted as collateral, USD.
    """
    out, lo = 0.0, 0.0
    for hi, r in zip(tiers.bounds, tiers.ratios, strict=True):
        if value_usd <= lo:
            break
        out += r * (min(value_usd, hi) - lo)
        lo = hi
    return out


@dataclass(frozen=True)
class RatioChange:
    """A change of an asset's tiers taking effect at ``at`` (a venue's short-notice cut).

    Parameters
    ----------
    at : pandas.Timestamp
        When the new tiers take effect (UTC).
    tiers : TierSchedule
        The tiers from then on.
    """

    at: pd.Timestamp
    tiers: TierSchedule


@dataclass(frozen=True)
class CollateralAsset:
    """One collateral asset on one venue.

    Parameters
    ----------
    name : str
        Asset (``"USDE"``).
    venue : str
        Venue (``"binance"``).
    tiers : TierSchedule
        Collateral ratios in force at the start.
    calendar : tuple of RatioChange
        Later changes, sorted by time.
    own_book_weight : float
        Own-book share of the index under ``own-book`` pricing, in [0, 1].
    index_weight : float
        Own-book share of an external index under ``index`` pricing, in [0, 1].
    underlying : str
        What the fair value follows: ``"usd"`` (constant 1 per unit) or ``"eth"``
        (redemption ratio × ETH price, units normalised to 1 USD at the start).
    depth_usd_per_pct : float
        Own book: USD sold that moves the book price 1 % below fair (linear book).
    half_life_min : float
        Own book: half-life of the price impact, minutes (``inf``: no recovery).
    stress_impact_multiplier : float
        Impact multiplier while the ETH market is stressed (depth withdrawn), >= 1.
    floor : float
        Lowest book price as a fraction of fair, in (0, 1].
    redemption_lag_min : float
        Minutes from a redemption request to the cash.
    daily_cap_usd, min_lot_usd : float
        Redemption: daily cap and minimum lot, USD (``inf`` / 0 when none).
    liquidators : tuple of str
        Allow-listed liquidators (empty: the venue or anyone liquidates).
    liquidator_capacity_usd_per_min : float
        USD each allow-listed liquidator can take per minute.
    nav_floor, nav_cap : float
        Bounds on the NAV feed as a fraction of fair (``nav`` pricing).
    sources : dict of str to str, optional
        Where figures came from (key -> source); informative, not compared.
    """

    name: str
    venue: str
    tiers: TierSchedule
    calendar: tuple[RatioChange, ...] = ()
    own_book_weight: float = 1.0
    index_weight: float = 0.0
    underlying: str = "usd"
    depth_usd_per_pct: float = 1e7
    half_life_min: float = float("inf")
    stress_impact_multiplier: float = 1.0
    floor: float = 0.01
    redemption_lag_min: float = 0.0
    daily_cap_usd: float = float("inf")
    min_lot_usd: float = 0.0
    liquidators: tuple[str, ...] = ()
    liquidator_capacity_usd_per_min: float = float("inf")
    nav_floor: float = 0.0
    nav_cap: float = float("inf")
    sources: dict[str, str] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        p = self.name
        for k in ("own_book_weight", "index_weight"):
            v = getattr(self, k)
            if not 0.0 <= v <= 1.0:
                raise InputError(f"{p}.{k} must be in [0, 1] (got {v})", param=k)
        if self.underlying not in UNDERLYINGS:
            raise InputError(
                f"{p}.underlying must be one of {', '.join(UNDERLYINGS)} (got {self.underlying!r})",
                param="underlying",
            )
        if not self.depth_usd_per_pct > 0:
            raise InputError(f"{p}.depth_usd_per_pct must be > 0", param="depth_usd_per_pct")
        if not self.half_life_min > 0:
            raise InputError(f"{p}.half_life_min must be > 0", param="half_life_min")
        if not self.stress_impact_multiplier >= 1:
            raise InputError(
                f"{p}.stress_impact_multiplier must be >= 1", param="stress_impact_multiplier"
            )
        if not 0 < self.floor <= 1:
            raise InputError(f"{p}.floor must be in (0, 1]", param="floor")
        for k in ("redemption_lag_min", "min_lot_usd", "nav_floor"):
            if not getattr(self, k) >= 0:
                raise InputError(f"{p}.{k} must be >= 0", param=k)
        for k in ("daily_cap_usd", "liquidator_capacity_usd_per_min"):
            if not getattr(self, k) > 0:
                raise InputError(f"{p}.{k} must be > 0", param=k)
        if not self.nav_cap > self.nav_floor:
            raise InputError(f"{p}.nav_cap must be > nav_floor", param="nav_cap")
        times = [c.at for c in self.calendar]
        if times != sorted(times):
            raise InputError(f"{p}.calendar must be sorted by time", param="calendar")

    def tiers_at(self, t: pd.Timestamp) -> TierSchedule:
        """The tiers in force at ``t`` (the last calendar change at or before it).

        Parameters
        ----------
        t : pandas.Timestamp
            The instant (UTC).

        Returns
        -------
        TierSchedule
        """
        out = self.tiers
        for c in self.calendar:
            if c.at <= t:
                out = c.tiers
        return out

    def sell_capacity_usd_per_min(self) -> float:
        """USD of this asset liquidators can sell per minute (``inf`` when not allow-listed)."""
        if not self.liquidators:
            return float("inf")
        return len(self.liquidators) * self.liquidator_capacity_usd_per_min


UNDERLYINGS: tuple[str, ...] = ("usd", "eth")
