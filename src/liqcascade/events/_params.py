"""Settings of the support-level detector and of the event study."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from liqcascade._limits import check_number, check_whole
from liqcascade.data import bars_per_day
from liqcascade.errors import InputError

#: Forward horizons of the event study, in days.
HORIZONS_DAYS: tuple[int, ...] = (1, 2, 3, 5, 10, 15, 20, 30, 40, 60)
#: Horizons pooled into "the 1–10 day window" of the claim.
SHORT_HORIZONS: tuple[int, ...] = (1, 2, 3, 5, 10)
#: Horizons pooled into "beyond 20 days" (20 included).
LONG_HORIZONS: tuple[int, ...] = (20, 30, 40, 60)
#: Bars per day of each interval the study supports (:func:`liqcascade.data.bars_per_day`).
BARS_PER_DAY: dict[str, int] = {iv: int(bars_per_day(iv)) for iv in ("1d", "4h", "1h")}


@dataclass(frozen=True)
class SupportParams:
    """Rules that turn bars into support zones and support tests.

    Counts are in bars of the series analysed (the defaults are meant for daily bars);
    tolerances are fractions of the zone price (0.01 = 1 %, not bps).

    Parameters
    ----------
    pivot : int, default=5
        Swing-low half-window ``k``: bar ``i`` is a swing low when its low is strictly
        below the lows of the ``k`` bars on each side. It is known only at the close of
        bar ``i + k``, so a zone can be tested from bar ``i + k + 1`` on (no look-ahead).
        Five daily bars (a trading week each side) is the usual "short-term" swing.
    zone_tol : float, default=0.015
        A newly confirmed swing low within this fraction of an active zone's price is
        merged into that zone (the nearest one) instead of opening a new zone. 1.5 %
        is a third of ETH's median daily high–low range over 2022-01-01 → 2025-12-31
        (:data:`REFERENCE_RANGE`): lows closer than that are the same level for a trader.
    band : float, default=0.01
        A bar tests a zone when its low comes within this fraction above the zone
        (``low <= zone·(1 + band)``), or trades through it. 1 %, under a quarter of the
        median daily range: a "touch" near the level without requiring an exact print.
    break_tol : float, default=0.01
        A test is *broken* when the bar closes below ``zone·(1 − break_tol)``; otherwise
        it *held*. Any close below that line (test or not) ends the zone. 1 % keeps a
        close marginally under the level (noise) from counting as a break.
    min_away : int, default=3
        Bars the low must have stayed above ``zone·(1 + band)`` since the last touch
        (or since the pivot) before a new touch counts as a test: a test is a *return*
        to the level, not a bar that never left it. Three daily bars.
    max_age : int, default=90
        A zone expires when ``max_age`` bars pass without a new swing low merged into
        it (a merge refreshes it). 90 daily bars (about a quarter) keeps the levels
        "short-term"; older levels are forgotten.
    volume_weighted : bool, default=False
        Price of a merged zone: the volume-weighted mean of its swing lows (weights =
        the pivot bars' volumes, base units) instead of their plain mean.
    """

    pivot: int = 5
    zone_tol: float = 0.015
    band: float = 0.01
    break_tol: float = 0.01
    min_away: int = 3
    max_age: int = 90
    volume_weighted: bool = False

    def __post_init__(self) -> None:
        # the package's number checks: text such as "5" was told "must be >= 1 (got 5)"
        # numpy's numbers kept as Python's (the parameters go to JSON)
        for name, least in (("pivot", 1), ("min_away", 0), ("max_age", 1)):
            value = getattr(self, name)
            if isinstance(value, float) and value.is_integer():  # 5.0 (a grid row, JSON): 5
                value = int(value)
            object.__setattr__(self, name, check_whole(value, name, least))
        for name in ("zone_tol", "band", "break_tol"):
            value = getattr(self, name)
            v = check_number(value, name)
            if not 0 <= v < 1:  # NaN too
                raise InputError(f"{name} must be in [0, 1) (got {value})", param=name)
            object.__setattr__(self, name, v)
        if not isinstance(self.volume_weighted, (bool, np.bool_)):  # "no" was true
            raise InputError(
                f"volume_weighted must be True or False (got {self.volume_weighted!r})",
                param="volume_weighted",
            )
        object.__setattr__(self, "volume_weighted", bool(self.volume_weighted))

    def to_dict(self) -> dict[str, Any]:
        """The parameters as a plain dict."""
        return asdict(self)


REFERENCE_RANGE: float = 0.045
"""ETH's median daily high–low range over 2022-01-01 → 2025-12-31 (fraction of the close:
4.47 %, rounded; 4.41 % to the market date 2025-07-31): the range the default tolerances
of :class:`SupportParams` were set from. It is taken over the whole window, bars after
every test in it included, so the tolerances are not free of look-ahead (the scan is)."""

#: The tolerances :func:`params_for_asset` scales (fractions of price).
SCALED_TOLERANCES: tuple[str, ...] = ("zone_tol", "band", "break_tol")


def median_daily_range(bars: Any) -> float:
    """Median daily high–low range of OHLCV ``bars`` (any interval), fraction of the close.

    Intraday bars are first grouped into UTC days (high = max, low = min, close = last).

    Parameters
    ----------
    bars : DataFrame
        OHLCV bars (``high``, ``low``, ``close`` in USD) on a UTC DatetimeIndex.

    Returns
    -------
    float
        Median of ``(high − low) / close`` per day, fraction (0.04 is 4 %).
    """
    import pandas as pd

    from liqcascade.data import resample_ohlcv

    b = bars[["high", "low", "close"]]
    if len(b) > 1 and (b.index[1:] - b.index[:-1]).min() < pd.Timedelta(days=1):
        b = resample_ohlcv(b, "1d")
    return float(((b["high"] - b["low"]) / b["close"]).median())


def params_for_asset(
    asset: str, bars: Any, base: SupportParams | None = None
) -> tuple[SupportParams, float, float]:
    """Detection rules for ``asset``: the defaults, their tolerances scaled to its range.

    ETH keeps ``base`` (the defaults, set from its own 2022–2025 range,
    :data:`REFERENCE_RANGE`). Another asset's ``zone_tol``, ``band`` and ``break_tol``
    are multiplied by its median daily high–low range over ``bars``
    (:func:`median_daily_range`) divided by ETH's 4.5 %, rounded to 0.1 %, so a level
    means the same share of a typical day's move on each asset. The median is over every
    bar given, those after each test included: the scale uses the whole window.

    Parameters
    ----------
    asset : str
        Asset symbol (``"ETH"`` keeps the defaults).
    bars : DataFrame
        OHLCV bars (columns ``high``, ``low``, ``close``; a DatetimeIndex).
    base : SupportParams, optional
        The rules to scale (default :class:`SupportParams`).

    Returns
    -------
    params, daily_range, scale
        The rules, the median daily range (fraction) and the factor on the tolerances.
    """
    from dataclasses import replace

    rng = median_daily_range(bars)
    base = SupportParams() if base is None else base
    if asset.upper() == "ETH":
        return base, rng, 1.0
    k = rng / REFERENCE_RANGE
    tol = {n: round(getattr(base, n) * k, 3) for n in SCALED_TOLERANCES}
    return replace(base, **tol), rng, k
