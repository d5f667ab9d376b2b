"""The headline answer of ``liqcascade cascade --asset A --shock S`` in one call.

:func:`cascade_answer` is the command's route, written once: the estimated market of a
date (:func:`liqcascade.market.estimated_market`), the hourly volatility and residuals
its cascade starts from (:func:`~liqcascade.cascade._backtest.market_volatility`), then
:func:`~liqcascade.cascade._clock.market_answer` on the prepared market and its
position-book draws, with the market's times and fingerprint. The command calls it, so
the library's figure is the command's.
"""

from __future__ import annotations

from typing import Any

from liqcascade._json import JsonDict
from liqcascade.errors import InputError

__all__ = ["cascade_answer"]


def cascade_answer(
    market: Any = "ETH",
    as_of: Any = None,
    *,
    shock: float | None = None,
    shock_price: float | None = None,
    insurance_fund: float = 0.0,
) -> JsonDict:
    """The calibrated cascade's answer to a shock on the market of a date, as the CLI gives it.

    ``cascade_answer("ETH", "2025-07-31", shock=-0.05)`` is ``liqcascade cascade --asset
    ETH --as-of 2025-07-31 --shock -0.05 --json`` (without the ``units`` note): the median
    24-hour move and its 10–90 % interval, the liquidated notional (feed-scale USD:
    :func:`liqcascade.market.book_units`), the calibration in force, its out-of-sample
    score and the static book's bound.

    Parameters
    ----------
    market : str or MarketState, default "ETH"
        A base asset (its estimated market at ``as_of`` is built), or a market already
        built (:func:`liqcascade.market.estimated_market`; then ``as_of`` is not given).
    as_of : datetime-like, optional
        The date (UTC; a bare date is the last 4-hour bar closed by that day's end, the
        rule of every command); default the last market date of the data.
    shock, shock_price : float
        Exactly one: a fractional move of mid (-0.05: a 5 % fall) or its target, USD.
    insurance_fund : float, default 0.0
        Fund at the start, USD.

    Returns
    -------
    JsonDict
        :func:`~liqcascade.cascade.market_answer`'s keys (``move_median``, ``move_p10``,
        ``move_p90``: fractions of mid; ``liquidated_median``...: USD), with ``as_of``,
        ``bar_open`` and ``bar_close`` (:func:`liqcascade.market.market_times`: ``as_of``
        is the bar's close) and ``market`` (the state's fingerprint, whose own
        ``as_of`` is the bar's open, :attr:`MarketState.bar_open`). ``to_dict()`` gives
        plain JSON.

    Raises
    ------
    InputError
        ``as_of`` given with a built market (``param="as_of"``); the market's and the
        shock's own refusals (:func:`~liqcascade.market.estimated_market`,
        :func:`~liqcascade.cascade.market_answer`).
    """
    from liqcascade.cascade._backtest import market_volatility
    from liqcascade.cascade._clock import market_answer
    from liqcascade.cascade._prepare import prepare_market, prepared_draws
    from liqcascade.market import MarketSpec, MarketState, estimated_market, market_times

    if isinstance(market, MarketState):
        if as_of is not None:
            raise InputError(
                "as_of is given with an asset; a market already built has its date "
                f"(bar open {market.bar_open:%Y-%m-%d %H:%M} UTC)",
                param="as_of",
            )
        state = market
    else:
        state = estimated_market(MarketSpec(asset=market, as_of=as_of))
    ts, sigma, resid = market_volatility(state)
    out = market_answer(
        prepare_market(state),
        asset=state.asset,
        as_of=ts,
        shock=shock,
        shock_price=shock_price,
        sigma_hourly=sigma,
        residuals=resid,
        insurance_fund=insurance_fund,
        books=prepared_draws(state),
    )
    out.update(market_times(state))  # as_of: the bar's close, as every cascade view
    out["market"] = state.fingerprint()
    return out
