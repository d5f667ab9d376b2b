"""Whole UTC days of hourly bars: one rule for every daily close the stress package resamples.

A day resampled from hourly bars that stop before its end (a partial last day, or the
hours before midnight missing) has no close of the day: :func:`whole_day_closes` leaves
it out and names it. The portfolio VaR back-test (``stress --scenario backtest
--portfolio``) and the Monte Carlo's daily bars (``StressMarket.daily`` where an asset
has no recorded daily bars) read their days through it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["whole_day_closes"]

#: An hourly bar's length: a day's hours reach its end when its last bar closes at midnight.
_HOUR = pd.Timedelta(hours=1)


def whole_day_closes(hourly: pd.DataFrame, asset: str = "") -> tuple[pd.Series, list[str]]:
    """Daily closes of hourly bars, each the close at the day's end (USD), and notes.

    A day whose hourly bars stop before its end (the data end inside it: a partial last
    day; or the hours before midnight are missing) has no close of the day: its last
    close is an earlier hour's, and a return to or from it would be scored as a day's.
    It is left out (the back-test then reads the return across it as a missing day's,
    :class:`~liqcascade.stress._var_backtest._Days`). A day with an hour missing before
    its last keeps its close, which is the day's.

    Parameters
    ----------
    hourly : pandas.DataFrame
        Hourly bars with a ``close`` column (USD), indexed by their UTC open.
    asset : str, optional
        The asset, as the note names it.

    Returns
    -------
    close : pandas.Series
        Daily closes (USD) indexed by the day (UTC midnight), the whole days only.
    notes : list of str
        One line naming the days left out, or none.
    """
    from liqcascade._prices import count_text
    from liqcascade._time import utc_indexed
    from liqcascade.market import ohlc_bars

    bars = utc_indexed(hourly)
    bars = bars[bars["close"].notna()]
    daily = ohlc_bars(bars, "1D")["close"]
    opens = pd.DatetimeIndex(bars.index)
    last = pd.Series(opens + _HOUR, index=opens).groupby(opens.floor("D")).max()  # bars' end
    ends, day = pd.DatetimeIndex(last.to_numpy()), pd.DatetimeIndex(last.index)
    short = np.asarray(ends < day + pd.Timedelta(days=1), dtype=bool)
    cut = day[short]
    if cut.empty:
        return daily, []
    days = ", ".join(f"{d:%Y-%m-%d} (bars to {e:%H:%M})"
                     for d, e in zip(cut, ends[short], strict=True))  # fmt: skip
    who = f"{asset}: " if asset else ""
    note = (
        f"{who}{count_text(len(cut), 'day')} left out whose hourly bars stop before the "
        f"day's end UTC (no close of the day): {days}"
    )
    return daily[~daily.index.isin(cut)], [note]
