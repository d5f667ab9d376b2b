"""Realised volatility from intraday bars (the model-free yardstick beside the GARCH fit)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from liqcascade._tables import number_series
from liqcascade._time import check_time_order
from liqcascade.errors import InputError
from liqcascade.volatility._returns import DAYS_PER_YEAR


def realized_volatility(
    intraday_close: pd.Series, *, min_bars: int = 20, annualize: bool = True
) -> pd.Series:
    """Daily realised volatility from intraday closes, in percent.

    ``RV_d = sqrt(Σ r²)`` over the intraday percent log returns ``r = 100 Δlog close``
    stamped inside UTC day ``d`` (the first return of a day runs from the previous
    day's last close). Annualised by ``√365`` (crypto trades every day).

    Parameters
    ----------
    intraday_close : pandas.Series
        Intraday closes (e.g. hourly, USDT), UTC DatetimeIndex (a naive one is read as
        UTC); a DataFrame gives its ``close`` column.
    min_bars : int, default 20
        Days with fewer intraday returns (exchange outages, data gaps) are NaN rather
        than biased low.
    annualize : bool, default True
        Multiply by √365; otherwise the daily figure (percent per day).

    Returns
    -------
    pandas.Series
        Indexed by UTC day, named ``"realized_vol_pct"``.

    Raises
    ------
    InputError
        ``param="intraday_close"``: a close that is not a finite price > 0 (a NaN or
        negative close dropped two returns from its day without a word, biasing it low;
        a zero one made it infinite), naming its time; timestamps not strictly
        increasing (unsorted or duplicated, as :func:`fit_volatility` refuses them: a
        repeated time made a return of two closes of one time), naming the first one
        out of order.
    """
    s = number_series(intraday_close, "intraday_close", column="close").astype(float)
    check_time_order(s.index, "intraday_close")  # was sorted here, duplicates kept
    values = s.to_numpy()
    bad = ~np.isfinite(values) | (values <= 0)
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(
            f"intraday_close must be a positive price (got {values[i]} at {s.index[i]})",
            param="intraday_close",
        )
    r = pd.Series(100.0 * np.diff(np.log(s.to_numpy())), index=s.index[1:])
    day = pd.DatetimeIndex(r.index).floor("D")
    g = (r**2).groupby(day)
    rv = g.sum().pow(0.5)
    rv[g.count() < min_bars] = np.nan
    if annualize:
        rv = rv * math.sqrt(DAYS_PER_YEAR)
    rv.index.name = "ts"
    return rv.rename("realized_vol_pct")
