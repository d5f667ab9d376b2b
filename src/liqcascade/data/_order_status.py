"""What a liquidation event's ``status`` means: a snapshot in one order's lifecycle.

A venue's liquidation is an order the venue sends to close the position. Binance's
liquidationSnapshot files (``order_status``) and its ``forceOrder`` stream (``X``)
give one row per *update* of that order: ``NEW``, then ``PARTIALLY_FILLED`` after each
fill that leaves some open, then a final status (``FILLED``, or ``EXPIRED`` /
``CANCELED`` for the part an IOC order could not fill), each with the fill so far
(``accumulated_fill_quantity`` -> ``filled_qty``). A liquidation order sweeping several
levels fills in one match, so its updates share the trade time, side, order price and
original quantity: the event's key. The status tells them apart as snapshots of one
event, not as distinct events.

The rule, within one file's rows of one key (:func:`superseded`): a row with an open
status (``NEW``, ``PARTIALLY_FILLED`` and Binance's ``NEW_INSURANCE``, ``NEW_ADL``) is
an earlier snapshot of an order whose later one is in the file when another row of the
key is further on (a final status, or ``PARTIALLY_FILLED`` after ``NEW``), or as far
with more filled: it is dropped and the later one kept. Rows with a final status are
events: identical ones are distinct events (as identical rows without a status are),
and two with different final statuses (``FILLED``, ``EXPIRED``) are two orders, both
kept. A status this module does not know is taken as final; a row without one is
neither a snapshot nor supersedes one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["FINAL", "OPEN_STATUSES", "status_rank", "superseded"]

#: Open statuses of an order and their place in its lifecycle (0 before any fill, 1
#: partly filled): Binance's order statuses, as its liquidation snapshots give them.
OPEN_STATUSES: dict[str, int] = {
    "NEW": 0,
    "NEW_INSURANCE": 0,
    "NEW_ADL": 0,
    "PARTIALLY_FILLED": 1,
}

#: The rank of every other status (``FILLED``, ``EXPIRED``, ``CANCELED``, ...): final.
FINAL = 2


def status_rank(status: pd.Series) -> np.ndarray:
    """Each status's place in an order's lifecycle: 0, 1 (open), :data:`FINAL`, or NaN.

    Parameters
    ----------
    status : pandas.Series
        Status text, any case, surrounding spaces ignored; missing for a row without one.

    Returns
    -------
    numpy.ndarray of float
        The rank (:data:`OPEN_STATUSES`, else :data:`FINAL`); NaN where the status is
        missing or empty.
    """
    text = status.astype("string").str.strip().str.upper()
    rank = text.map(OPEN_STATUSES).astype("Float64").fillna(float(FINAL))
    rank = rank.where(text.notna() & (text != ""))
    return rank.to_numpy(dtype="float64", na_value=np.nan)


def superseded(frame: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """Which rows of ``frame`` are earlier snapshots of an order a later row of it closes.

    See the module's rule. ``frame`` needs the columns ``keys`` and ``status``;
    ``filled_qty`` (base units filled so far) orders two rows of one open status when
    present.

    Parameters
    ----------
    frame : pandas.DataFrame
        Liquidation events of one series, one row each.
    keys : list of str
        The event's key columns (``ts``, ``side``, ``price``, ``qty``).

    Returns
    -------
    numpy.ndarray of bool
        True for each row to drop; False for every row when none is.
    """
    rank = pd.Series(status_rank(frame["status"]), index=frame.index)
    if "filled_qty" in frame.columns:
        filled = pd.to_numeric(frame["filled_qty"], errors="coerce").fillna(-np.inf)
    else:
        filled = pd.Series(-np.inf, index=frame.index)
    by_key = rank.groupby([frame[k] for k in keys], sort=False, dropna=False)
    top = by_key.transform("max")
    open_ = (rank < FINAL).to_numpy()
    behind = (rank < top).to_numpy()
    same_rank = rank.fillna(-1.0)
    most = filled.groupby([*(frame[k] for k in keys), same_rank], sort=False, dropna=False)
    less_filled = (filled < most.transform("max")).to_numpy()
    return open_ & (behind | less_filled)
