"""The lending markets over the day: the calibrated cascade's 24-hour move as the oracle's low.

The contagion loop ends when nothing moves (the preset's last activity is 240 s after the
shock), so its DeFi leg is the first minutes' — after which the venues recover. A lending
market's risk is the day's: the calibrated single-venue cascade
(:func:`liqcascade.cascade.market_answer`, what ``liqcascade cascade --shock`` prints) gives
the extreme move within 24 h of the same first shock, median and 80 % interval, over
index paths and liquidity and book draws. Each of the three figures is applied to every
lending market of the configuration as the oracle's low (the collateral moves ``beta``
times it, as in the loop) and held while liquidators call
(:func:`~liqcascade.contagion._lending.liquidate_at_price`). No venue, arbitrage or DEX
is re-simulated: the path is the cascade's, the lending rules the loop's.
"""

from __future__ import annotations

from typing import Any

from liqcascade._time import utc_time
from liqcascade.contagion._lending import PRICE_FLOOR, LendingMarket, liquidate_at_price
from liqcascade.errors import InputError

__all__ = ["lending_over_the_day"]

#: The cascade figures applied, in the order printed: the interval's shallow end, the
#: median, the deep end (for a fall the 10th percentile is the deeper move).
FIGURES: tuple[str, ...] = ("move_p90", "move_median", "move_p10")


def lending_over_the_day(
    lending: list[LendingMarket],
    shock: float,
    asset: str = "ETH",
    as_of: Any = None,
    by: Any = None,
) -> dict[str, Any]:
    """Each lending market at the calibrated cascade's 24-hour extreme move after ``shock``.

    Parameters
    ----------
    lending : list of LendingMarket
        The configuration's lending markets (their accounts before any liquidation).
    shock : float
        The first shock, a fraction of price (−0.12 is a 12 % fall), as
        ``liqcascade cascade --shock`` reads it.
    asset : str, default "ETH"
        The asset whose estimated market and liquidity calibration the cascade runs on
        (the venues' asset).
    as_of : str or datetime-like, optional
        The market's date (``cascade --as-of``); None: the last the data hold.
    by : datetime-like, optional
        Without ``as_of``: the instant the venues' mids are read (the configuration's
        latest ``mid_at``, :attr:`ContagionSetup.liquidity_as_of`). The market is the
        last one closed by it, so a store whose data run past the replayed crash does not
        give its day a later market and calibration; ``as_of`` in the result is then
        that market's close and ``by_mid_at`` is True.

    Returns
    -------
    dict
        ``asset``, ``as_of`` (the market's close, ISO UTC), ``bar_open`` and
        ``bar_close`` (its bar by both ends, :func:`liqcascade.market.market_times`),
        ``by_mid_at`` (whether ``by`` cut the market), ``shock``, ``horizon_hours``,
        ``cascade`` (the :class:`~liqcascade.cascade.CalibratedCascade` move figures:
        ``move_median``, ``move_p10``, ``move_p90``, fractions of mid, and ``n_paths``),
        and ``markets``: per market, per figure of :data:`FIGURES`, the collateral price held
        (``P0 · (1 + beta · move)``, USD) and :func:`liquidate_at_price`'s outcome.
    """
    from liqcascade.cascade import cascade_answer, market_times
    from liqcascade.market import MarketSpec, estimated_market, market_close_time

    if not -1 < shock < 0:
        raise InputError(
            f"shock must be a fall, a fraction in (-1, 0), for the day's lending leg "
            f"(got {shock:g})",
            param="shock",
        )
    # the data run past the mids: the market closed by them (the close read, not estimated)
    cut = as_of is None and by is not None and market_close_time(asset) > utc_time(by)
    state = estimated_market(MarketSpec(asset=asset, as_of=utc_time(by) if cut else as_of))
    assert state.close_time is not None  # an estimated market closes on its last bar
    ans = cascade_answer(state, shock=shock)  # `liqcascade cascade`'s route and figures
    markets: dict[str, Any] = {}
    for m in lending:
        out = {}
        for key in FIGURES:
            price = max(m.collateral_price * (1.0 + m.beta * ans[key]), PRICE_FLOOR)
            out[key] = liquidate_at_price(m, price)
        markets[m.name] = out
    return {
        "asset": state.asset,
        **market_times(state, iso=True),
        "by_mid_at": bool(cut),
        "shock": shock,
        "horizon_hours": ans["horizon_hours"],
        "cascade": {k: ans[k] for k in ("move_median", "move_p10", "move_p90", "n_paths")},
        "markets": markets,
    }
