"""The fund's odds: how often history fell as deep as the ADL start, checked out of sample.

Assembles :mod:`liqcascade.solvency._survival` (the counts over non-overlapping windows,
the one-split check) and :mod:`liqcascade.solvency._survival_rolling` (the rolling
check) for a run: :func:`fund_survival` on bars, :func:`fund_survival_of` on an asset's
hourly bars closed by the run's date, :func:`fund_odds_of` with each scenario's 24 h
frequency beside it, every count over one set of windows (:func:`~liqcascade.solvency.
_survival.horizon_windows`, computed once).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from liqcascade.solvency._survival import (
    HORIZONS,
    Windows,
    _grid,
    _windows_of,
    fall_count,
    fall_frequencies,
    horizon_windows,
    out_of_sample,
)
from liqcascade.solvency._survival_rolling import rolling_out_of_sample

__all__ = ["fund_odds_of", "fund_survival", "fund_survival_of"]


def _depths(start: dict[str, Any] | None) -> tuple[float, float | None, float | None] | None:
    """The falls to count (positive fractions): the ADL start, its 80 % range's two ends.

    Without an ADL start among the falls run, the deepest fall run (the fund covered
    it: ADL needs a deeper one, so its frequency bounds ADL's from above) and no range.
    """
    if not start:
        return None
    if start["shock"] is None:
        return -float(start["deepest"]), None, None
    lo, hi = start.get("interval") or (None, None)
    return (
        -float(start["shock"]),
        None if lo is None else -float(lo),
        None if hi is None else -float(hi),
    )


def fund_survival(
    bars: pd.DataFrame,
    start: dict[str, Any] | None,
    end: pd.Timestamp | None = None,
    *,
    horizons: Sequence[tuple[int, str, str]] = HORIZONS,
    split: pd.Timestamp | None = None,
    windows: dict[int, Windows] | None = None,
    rolling: bool = True,
) -> dict[str, Any] | None:
    """How often history fell as deep as the ADL start, per horizon, before the run's date.

    Parameters
    ----------
    bars : pandas.DataFrame
        The asset's hourly bars (``low``, ``close``, USD), indexed by open time (UTC).
    start : dict or None
        :func:`~liqcascade.solvency._adl_start.adl_start`'s result (``shock``,
        ``interval``, ``deepest``); None: no fall was run, nothing to count.
    end : pandas.Timestamp, optional
        The run's date (UTC): only windows ending by it count (default: every bar).
    horizons : sequence
        ``(hours, label, trials)`` as :data:`HORIZONS`.
    split : pandas.Timestamp, optional
        The one-split out-of-sample check's split (default: the midpoint of the bars
        up to ``end``).
    windows : dict, optional
        :func:`horizon_windows` of ``bars`` and ``end``, when already computed.
    rolling : bool, default True
        Run the rolling out-of-sample check (``rolling``; False: None there).

    Returns
    -------
    dict or None
        ``depth`` (the fall counted, positive fraction), ``adl_start`` (found or
        not: without it ``depth`` is the deepest fall run, which the fund covered, and
        each ``p`` bounds ADL's chance from above), ``depth_range`` (the ADL start's
        80 % range, mildest and deepest falls), ``before`` (the date, ISO), and per
        horizon its ``hours``, ``label``, ``trials``, ``k``, ``n``, ``p``, ``interval``
        (95 %, exact), ``first_window`` (ISO) and ``range`` (``p`` at the mildest and
        at the deepest fall of the range: ``[p_mild, p_deep]``, None where not
        reached); ``out_of_sample`` (:func:`out_of_sample`, one split) and ``rolling``
        (:func:`~liqcascade.solvency._survival_rolling.rolling_out_of_sample`: the
        stronger test, an expanding window re-estimated each quarter). None when
        ``start`` is.
    """
    depths = _depths(start)
    if depths is None:
        return None
    central, mild, deep = depths
    grid, _, _ = _grid(bars, end)
    if len(grid) < 2:
        return None
    if windows is None:
        windows = horizon_windows(bars, end, [h for h, _, _ in horizons])
    last = grid[-1] + pd.Timedelta(hours=1)
    rows = []
    for hours, label, trials in horizons:
        starts, f = _windows_of(bars, hours, end, windows)
        c = fall_count(f, central)
        rng = [None if x is None else fall_count(f, x)["p"] for x in (mild, deep)]
        rows.append({"hours": hours, "label": label, "trials": trials, **c, "range": rng,
                     "first_window": starts[0].isoformat() if len(starts) else None})  # fmt: skip
    assert start is not None
    cut = pd.Timestamp(split if split is not None else grid[0] + (last - grid[0]) / 2)
    oos = out_of_sample(bars, cut.floor("h"), end, horizons=horizons, windows=windows)
    return {
        "depth": central,
        "adl_start": start["shock"] is not None,
        "depth_range": [mild, deep],
        "before": last.isoformat(),
        "horizons": rows,
        "out_of_sample": oos,
        "rolling": rolling_out_of_sample(bars, end, horizons=horizons, windows=windows)
        if rolling
        else None,
    }


def fund_survival_of(
    asset: str,
    start: dict[str, Any] | None,
    as_of: Any = None,
    *,
    bars: pd.DataFrame | None = None,
    windows: dict[int, Windows] | None = None,
) -> dict[str, Any] | None:
    """:func:`fund_survival` on ``asset``'s hourly bars closed by ``as_of``.

    The bars are :func:`liqcascade.market.bars_until`'s (the default store's, else the
    bundled ones) unless given; None when ``asset`` has none by then, or ``start`` is
    None.

    Parameters
    ----------
    asset : str
        Whose hourly prices (``"ETH"``).
    start : dict or None
        :func:`~liqcascade.solvency._adl_start.adl_start`'s result.
    as_of : datetime-like, optional
        The run's date (UTC; a bare date is that day's close): no bar closed after it
        is read. Default: every bar.
    bars : pandas.DataFrame, optional
        The asset's hourly bars already read (``low``, ``close``, USD; open times,
        UTC), any date: cut at ``as_of`` here.
    windows : dict, optional
        :func:`horizon_windows` of those bars at ``as_of``, when already computed.
    """
    if start is None:
        return None
    bars = _hourly_bars(asset, as_of, bars)
    if bars is None:
        return None
    out = fund_survival(bars, start, windows=windows)
    if out is not None:
        out["asset"] = asset.upper()
    return out


def fund_odds_of(
    asset: str,
    start: dict[str, Any] | None,
    shocks: Sequence[float],
    as_of: Any = None,
    *,
    bars: pd.DataFrame | None = None,
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """:func:`fund_survival_of` and each shock's 24 h fall frequency, one set of windows.

    What ``liqcascade solvency`` and the report's solvency section print: how often
    history fell as deep as the ADL start, and per scenario how often a 24 h fall as
    deep as its shock came (:func:`fall_frequencies`), both over the same windows of
    the asset's hourly bars closed by ``as_of`` (:func:`horizon_windows`, computed once).

    Parameters
    ----------
    asset : str
        Whose hourly prices (``"ETH"``).
    start : dict or None
        :func:`~liqcascade.solvency._adl_start.adl_start`'s result (None: no survival).
    shocks : sequence of float
        The scenarios' shocks (fractions; a fall < 0). Rises get None.
    as_of : datetime-like, optional
        The run's date (UTC): no bar closed after it is read. Default: every bar.
    bars : pandas.DataFrame, optional
        The asset's hourly bars already read (cut at ``as_of`` here).

    Returns
    -------
    (dict or None, dict or None)
        :func:`fund_survival_of`'s result, and the frequencies: ``before`` (the last
        bar's close, ISO), ``horizon_hours`` (24) and ``counts``, per shock
        :func:`fall_count`'s ``k``, ``n``, ``p``, ``interval`` of the 24 h windows (None
        for a rise); None without hourly bars by ``as_of``.
    """
    bars = _hourly_bars(asset, as_of, bars)
    if bars is None or len(bars) == 0:
        return None, None
    windows = horizon_windows(bars)
    survival = fund_survival_of(asset, start, bars=bars, windows=windows)
    falls = [-float(x) for x in shocks if float(x) < 0]
    counts = iter(fall_frequencies(bars, falls, 24, windows=windows[24]))
    before = pd.DatetimeIndex(bars.index).max() + pd.Timedelta(hours=1)
    return survival, {
        "before": before.isoformat(),
        "horizon_hours": 24,
        "counts": [next(counts) if float(x) < 0 else None for x in shocks],
    }


def _hourly_bars(asset: str, as_of: Any = None, bars: pd.DataFrame | None = None) -> Any:
    """``asset``'s hourly bars closed by ``as_of`` (``bars`` cut, else read), or None.

    Read: the one date rule (:func:`liqcascade.market.bars_until`). Given: the bars
    closed by ``as_of`` (:func:`liqcascade._time.closed_mask`), every one when ``as_of``
    is after their end, as the report's hourly bars are cut; None when there are none by
    then.

    Parameters
    ----------
    asset : str
        Whose hourly prices (``"ETH"``).
    as_of : datetime-like, optional
        The cut (UTC; a bare date is that day's close). Default: every bar.
    bars : pandas.DataFrame, optional
        Bars already read (open times, UTC); default :func:`liqcascade.market.bars_until`.
    """
    from liqcascade.data import SeriesNotFound
    from liqcascade.errors import InputError
    from liqcascade.market import bars_until

    if bars is not None:  # bars given: those closed by as_of (after their end: every one)
        if as_of is None or bars.empty:
            return bars
        from liqcascade._time import as_of_instant, closed_mask

        cut = as_of_instant(as_of)  # a malformed as_of is the caller's error, not "no bars"
        kept = bars[closed_mask(bars.index, cut, pd.Timedelta(hours=1))]
        return kept if len(kept) else None
    try:
        return bars_until(asset, "1h", as_of)
    except (SeriesNotFound, InputError):  # no hourly series, or no bar of it by as_of
        return None
