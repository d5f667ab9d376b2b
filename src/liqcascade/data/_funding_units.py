"""Funding rates in the wrong unit: percent read as fractions, or fractions divided by 100.

A funding rate is a fraction per interval (0.0001 = 0.01 %). A file in percent read as
fractions is stored 100x too high, one of fractions read as percent (CoinGlass's layout
divides by 100) 100x too low; every row still passes the row bound
(:data:`~liqcascade.data._validate.MAX_FUNDING_RATE`). :func:`check_funding_units`
judges a series by what 100x cannot hide, each per 8 h (an hourly rate times 8):

- **the venues' baseline.** Binance, Bybit, Gate, HTX, KuCoin, MEXC, Hyperliquid (and
  OKX at times) pay exactly the 0.01 % interest component per 8 h when the premium is
  small. A series with more rows at exactly 0.01 (percent's baseline) than at 0.0001
  is percent, at any length.
- **the median** of ``|rate|``, over at least :data:`MIN_FUNDING_DAYS_SHORT` day: above
  :data:`MAX_FUNDING_MEDIAN` over :data:`MIN_FUNDING_DAYS` days or more, above
  :data:`MAX_FUNDING_MEDIAN_SHORT` over fewer.
- **the largest** ``|rate|`` over :data:`MIN_FUNDING_DAYS` days or more: below
  :data:`MIN_FUNDING_MAX` is fractions divided by 100.

What they cannot tell apart is warned about, not refused: a series of a day or more
with no row at either baseline and a median above :data:`WARN_FUNDING_MEDIAN` (a
squeeze, or percent of a calm week), and a week to a month whose largest rate is below
:data:`MIN_FUNDING_MAX`. Measured on every window of the bundled ETH and BTC funding
(``docs/data.md``, *Funding units*): no real window is refused.

The rules are set on ETH and BTC; an asset pinned at its venue's cap for days (0.75 % or
2 % per 8 h) is refused as percent. A reader's ``funding_units``
(:func:`declared_units`) then states the file's units and the values are not judged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from liqcascade._prices import percent_text
from liqcascade.data._frame import SeriesFrame
from liqcascade.data._layout import Layout
from liqcascade.errors import InputError

__all__ = [
    "BASELINE_PER_8H",
    "FUNDING_UNITS",
    "MAX_FUNDING_MEDIAN",
    "MAX_FUNDING_MEDIAN_SHORT",
    "MIN_FUNDING_DAYS",
    "MIN_FUNDING_DAYS_SHORT",
    "MIN_FUNDING_MAX",
    "WARN_FUNDING_MEDIAN",
    "check_funding_units",
    "check_series_funding_units",
    "declared_units",
    "funding_units_option",
]

FUNDING_UNITS = ("fraction", "percent")
"""The units a reader's ``funding_units`` may declare for a file's funding column as
written: a fraction per interval (0.0001 = 0.01 %, read as it is) or percent per interval
(0.01 = 0.01 %, divided by 100)."""

BASELINE_PER_8H = 1e-4
"""The venues' interest component, a fraction per 8 h (0.01 %): the rate paid exactly
whenever the premium is within the clamp (Hyperliquid: 0.00125 % per hour)."""

#: Relative tolerance of "exactly at the baseline" (the rates are printed to 8 decimals).
_BASELINE_RTOL = 1e-6

MAX_FUNDING_MEDIAN = 0.003
"""Largest plausible median ``|rate|`` per 8 h over :data:`MIN_FUNDING_DAYS` days or
more, a fraction (0.3 %). The highest 30-day median of the bundled ETH and BTC funding is
0.0018 (Gate, January 2021), a 90-day one 0.00096; percent's baseline is 0.01."""

MAX_FUNDING_MEDIAN_SHORT = 0.005
"""Largest plausible median ``|rate|`` per 8 h over one day to :data:`MIN_FUNDING_DAYS`
days (0.5 %). A squeeze pins a day's median at the cap: 0.00375 (Gate and Bybit's ETH,
2021-01-04), the highest 1-, 3- and 7-day medians of the bundle being 0.00375, 0.00375
and 0.003."""

MIN_FUNDING_DAYS = 30
"""Days of rates from which the median is held to :data:`MAX_FUNDING_MEDIAN` and the
largest rate to :data:`MIN_FUNDING_MAX`."""

MIN_FUNDING_DAYS_SHORT = 1
"""Fewest days of rates for the median to be judged at all: a few hours' rows are one
venue's rate at one moment (an hourly dYdX row reaches 0.0075 per 8 h), judged only by
the baseline."""

WARN_FUNDING_MEDIAN = 0.001
"""Median ``|rate|`` per 8 h above which a series with no row at either baseline is
warned about: 0.1 % per 8 h is a squeeze (real) or a calm period in percent."""

MIN_FUNDING_MAX = 3e-5
"""Least plausible largest ``|rate|`` per 8 h over :data:`MIN_FUNDING_DAYS` days or more:
every 30-day window of the bundle reaches 6.4e-5 or more (most the 0.0001 baseline), while
fractions divided by 100 stay under 7.5e-5 (the bundle's largest rate, 0.0075, / 100)."""


def _days(frame: pd.DataFrame, hours: np.ndarray, ok: np.ndarray) -> float:
    """Days of rates, rounded to the hour: first to last row plus one step.

    Without times, the sum of the rows' intervals.
    The bundled 4-hour aggregates give an 8-hour rate every 4 h (their intervals add up
    to twice the time covered); an hourly venue's series misses a row now and then (its
    intervals add up to less); Binance's funding times jitter by a millisecond.
    """
    ts = frame["ts"] if "ts" in frame.columns else frame.index
    if isinstance(ts, pd.Series | pd.Index) and pd.api.types.is_datetime64_any_dtype(ts):
        ms = pd.DatetimeIndex(ts)[ok].dropna().as_unit("ms").asi8
        if ms.size:
            step = np.median(np.diff(np.sort(ms))) / 3.6e6 if ms.size > 1 else hours[ok][0]
            return round((ms.max() - ms.min()) / 3.6e6 + float(step)) / 24.0
    return round(float(hours[ok].sum())) / 24.0


def _at(a: np.ndarray, level: float) -> int:
    return int(np.isclose(a, level, rtol=_BASELINE_RTOL, atol=0.0).sum())


def check_funding_units(
    frame: pd.DataFrame,
    file: str,
    column: str = "rate",
    *,
    divided: bool = False,
    option: str | None = "funding_units",
) -> str | None:
    """Refuse funding rates 100x off (percent as fractions, fractions as percent).

    Parameters
    ----------
    frame : pandas.DataFrame
        One series' canonical rows: ``rate`` (a fraction per interval),
        ``interval_hours`` (hours) and the time (a ``ts`` column or the index).
    file : str
        The file (or source) for the message.
    column : str, default "rate"
        The file's column the rates were read from, for the message.
    divided : bool, default False
        The layout gave percent and the rates were divided by 100 (CoinGlass's funding
        OHLC): the message then says so.
    option : str or None, default "funding_units"
        The caller's parameter that declares the units, which a refusal names (as its
        ``param``) for a series the rules misjudge; None for a caller's own
        :class:`SeriesFrame` (the message then names ``SeriesFrame.units_known``).

    Returns
    -------
    str or None
        A warning when the series cannot be told apart from one 100x off (see the
        module's rules), else None.

    Raises
    ------
    InputError
        The rates are 100x too high (more rows at percent's 0.01 per 8 h baseline than
        at 0.0001; or the median ``|rate|`` per 8 h above :data:`MAX_FUNDING_MEDIAN` over
        :data:`MIN_FUNDING_DAYS` days or more, above :data:`MAX_FUNDING_MEDIAN_SHORT`
        over a day or more) or 100x too low (over :data:`MIN_FUNDING_DAYS` days or more,
        every ``|rate|`` per 8 h below :data:`MIN_FUNDING_MAX`).
    """
    rate = frame["rate"].to_numpy(dtype="float64")
    hours = frame["interval_hours"].to_numpy(dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        per_8h = np.abs(rate) * 8.0 / hours
    ok = np.isfinite(per_8h)
    if not ok.any():
        return None  # no rate: validate names the rows
    a, days = per_8h[ok], _days(frame, hours, ok)
    at_fraction, at_percent = _at(a, BASELINE_PER_8H), _at(a, 100 * BASELINE_PER_8H)
    med, top = float(np.median(a)), float(a.max())
    where = f"{file}: column {column!r}"
    over = f"over {days:.3g} days" if days >= 1 else f"in {a.size} rows"
    if at_percent > at_fraction:
        why = (
            f"{at_percent} of {a.size} rows are exactly 0.01 per 8 h, percent's 0.01 % "
            f"baseline (as fractions, 1 %), against {at_fraction} at the fractions' 0.0001"
        )
        raise _too_high(where, why, divided, file, option)
    limit = MAX_FUNDING_MEDIAN if days >= MIN_FUNDING_DAYS else MAX_FUNDING_MEDIAN_SHORT
    if days >= MIN_FUNDING_DAYS_SHORT and med > limit:
        why = (
            f"their median |rate| {over} is {med:.4g} per 8 h ({percent_text(med, 2)}), where real "
            f"funding's stays under {limit:g}"
        )
        raise _too_high(where, why, divided, file, option)
    if days >= MIN_FUNDING_DAYS and top < MIN_FUNDING_MAX:
        why = (
            f"their largest |rate| {over} is {top:.3g} per 8 h, where real funding reaches "
            f"{MIN_FUNDING_MAX:g} or more in any month (most days its 0.0001 baseline)"
        )
        raise _too_low(where, why, divided, file, option)
    if days < MIN_FUNDING_DAYS_SHORT:
        return None
    if at_fraction == 0 and at_percent == 0 and med > WARN_FUNDING_MEDIAN:
        if divided:  # the layout's percent, already divided: percent is what was done
            other = (
                "or values 100x too high even as percent (the layout's values were read as "
                f"percent, 0.01 for 0.01 %, and divided by 100); {_advice('not_percent', option)}"
            )
        else:
            other = "or rates in percent (0.01 for 0.01 %) read as fractions; " + _advice(
                "percent", option
            )
        return (
            f"{file}: funding rates: median |rate| {med:.4g} per 8 h {over} "
            f"({percent_text(med, 2)}), with no row at the 0.0001 baseline: a squeeze, {other}"
        )
    if days >= 7 and top < MIN_FUNDING_MAX:
        if divided:
            other = (
                "or fractions divided by 100 (the layout's values were read as percent); "
                + _advice("fractions", option)
            )
        else:
            other = (
                "or rates 100x too small (the values were read as fractions, as written); "
                + _advice("too_small", option)
            )
        return (
            f"{file}: funding rates: largest |rate| {top:.3g} per 8 h {over}, under "
            f"{MIN_FUNDING_MAX:g}: a calm week, {other}"
        )
    return None


#: What each warning advises: (to a caller's own :class:`SeriesFrame`, which has no units
#: declaration and is changed before storing; to a reader's file, whose units can be
#: declared). Warnings carry no ``param``: the option is not named, so that the command
#: line need not show a flag it cannot map.
_ADVICE: dict[str, tuple[str, str]] = {
    # percent read as fractions
    "percent": (
        "if percent, divide the rates by 100 before storing them",
        "if percent, declare the column's units (percent) and ingest the file again",
    ),
    # a percent layout's rates, still high once divided
    "not_percent": (
        "if real, set SeriesFrame.units_known to store them",
        "if real, declare the column's units (percent, as the layout reads it) to read it unjudged",
    ),
    # a percent layout's rates, perhaps fractions already
    "fractions": (
        "if fractions, store the rates as given, not divided by 100",
        "if the column holds fractions, multiply it by 100 and ingest the file again; if "
        "percent, declare the column's units (percent) to read it unjudged",
    ),
    # fractions, perhaps 100x too small
    "too_small": (
        "if 100x too small, multiply the rates by 100 before storing them",
        "if fractions as written, declare the column's units (fraction) to read it "
        "unjudged; if 100x too small, multiply the column by 100 and ingest the file again",
    ),
}


def _advice(case: str, option: str | None) -> str:
    """:data:`_ADVICE`'s text of ``case``: a caller's frame's (``option`` None) or a file's."""
    frame, file = _ADVICE[case]
    return frame if option is None else file


def _declare(option: str | None, choices: str) -> str:
    """How to declare the units: ``option`` named once (the command line shows its flag)."""
    if option is None:
        return "or, if they are fractions as given, set SeriesFrame.units_known to store them"
    return f"or declare the file's units: {option}={choices}"


def _too_high(where: str, why: str, divided: bool, file: str, option: str | None) -> InputError:
    if divided:  # CoinGlass's percent, divided by 100: percent confirms the layout's reading
        fix = (
            "the layout's values were divided by 100 as percent; give them in percent, "
            + _declare(option, '"percent" if they are real (an asset pinned at its venue\'s cap)')
        )
    else:
        fix = (
            "rates are fractions (0.0001 = 0.01 %): divide the column by 100 and ingest the "
            "file again, "
            + _declare(
                option,
                '"percent" (divided by 100) or "fraction" (read as they are: an asset '
                "pinned at its venue's cap)",
            )
        )
    return InputError(
        f"{where}: the rates look like percent, not fractions: {why}; {fix}",
        file=file,
        param=option,
    )


def _too_low(where: str, why: str, divided: bool, file: str, option: str | None) -> InputError:
    if divided:
        fix = (
            "the layout reads percent (0.01 for 0.01 %) and divides by 100: these were "
            "fractions already; multiply the column by 100 and ingest the file again, "
            + _declare(option, '"percent" if they are percent (a calm market)')
        )
    else:
        fix = (
            "rates are fractions (0.0001 = 0.01 %): multiply the column by 100 and ingest "
            "the file again, "
            + _declare(option, '"fraction" if they are fractions (a calm market)')
        )
    return InputError(
        f"{where}: the rates look 100x too small: {why}; {fix}", file=file, param=option
    )


def funding_units_option(funding_units: str | None) -> str | None:
    """``funding_units`` checked: None, ``"fraction"`` or ``"percent"`` (case-insensitive).

    Raises
    ------
    InputError
        Another value, naming ``funding_units`` (``param``).
    """
    if funding_units is None:
        return None
    units = str(funding_units).strip().lower()
    if units not in FUNDING_UNITS:
        raise InputError(
            f"funding_units must be {' or '.join(FUNDING_UNITS)} (got {funding_units!r}): "
            "the units of the file's funding column as written, per interval",
            param="funding_units",
        )
    return units


def declared_units(
    frame: pd.DataFrame, layout: Layout, units: str, file: str
) -> tuple[pd.DataFrame, str]:
    """A funding series read in the units its caller declared, not judged from its values.

    ``units`` states the units of the file's column as written. A layout that gives
    fractions is read as it is (``"fraction"``) or divided by 100 (``"percent"``).
    CoinGlass's funding OHLC is percent by the layout (``layout.percent_rates``), divided
    by 100 once: ``"percent"`` agrees with it, ``"fraction"`` contradicts it.

    Parameters
    ----------
    frame : pandas.DataFrame
        One series' canonical rows as the layout read them (``rate``, a fraction per
        interval by the layout's reading).
    layout : Layout
        The file's layout.
    units : {"fraction", "percent"}
        The declared units (:func:`funding_units_option`).
    file : str
        The file, for the messages.

    Returns
    -------
    (pandas.DataFrame, str)
        The rows with ``rate`` a fraction per interval, and a note saying how they were
        read. The row bound still applies (:func:`~liqcascade.data.validate`).

    Raises
    ------
    InputError
        ``"fraction"`` for a layout whose column is percent (``param="funding_units"``).
    """
    if layout.percent_rates:
        if units == "fraction":
            raise InputError(
                f"funding_units is fraction, but the file is {layout.name}, whose funding "
                "column is percent (0.01 for 0.01 %), divided by 100 as read; leave it out "
                "or give percent (it states the column's units as written)",
                file=file,
                param="funding_units",
            )
        return frame, "funding declared percent, the layout's units: read as such, not judged"
    if units == "percent":
        note = "funding declared percent per interval: rate = column / 100, not judged"
        return frame.assign(rate=frame["rate"] / 100.0), note
    return frame, "funding declared a fraction per interval: read as it is, not judged"


def check_series_funding_units(s: SeriesFrame) -> None:
    """:func:`check_funding_units` on a funding series however it was made.

    The readers check a file's rates as they read them; a caller's own
    :class:`SeriesFrame` is checked here, by :meth:`~liqcascade.data.Store.ingest` before
    it writes. The warning, if any, is added to ``s.warnings`` once. Other kinds, and a
    series whose ``units_known`` (judged when read; a venue's API through ccxt: a fetch,
    the watch's poll), are left alone.

    Raises
    ------
    InputError
        As :func:`check_funding_units`, naming ``s.file`` (else the series' label).
    """
    if s.kind != "funding" or s.frame.empty or s.units_known:
        return  # judged when read, or a venue's API through ccxt (fractions by contract)
    label = s.file or f"{s.venue}/{s.symbol}/{s.interval} funding"
    warning = check_funding_units(s.frame, label, option=None)
    if warning is not None and warning not in s.warnings:
        s.warnings.append(warning)
