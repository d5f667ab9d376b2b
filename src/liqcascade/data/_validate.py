"""Validation of canonical frames: every rule names the file and the data row at fault.

Rows are named ``data row N``: the N-th row after the header, counted from 1 (see
:func:`liqcascade.data._time.row_ref`), in the order of the file as given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from liqcascade._prices import count_text, names_text, percent_text, price_text
from liqcascade.data._frame import DROPPED_ROWS_SHOWN, SeriesFrame
from liqcascade.data._funding_units import (
    MAX_FUNDING_MEDIAN,
    MIN_FUNDING_DAYS,
    check_funding_units,
)
from liqcascade.data._kinds import KINDS
from liqcascade.data._order_status import superseded
from liqcascade.data._time import count_gaps, format_interval, interval_ms, row_ref
from liqcascade.errors import InputError

__all__ = [
    "MAX_FUNDING_MEDIAN",
    "MAX_LEVEL_RATIO",
    "MAX_WICK_RATIO",
    "MIN_FUNDING_DAYS",
    "LevelGap",
    "MissingValueError",
    "check_conflicts",
    "check_funding_units",
    "level_gap",
    "missing_rows",
    "optional_numbers",
    "validate",
]


def as_written(message: str, columns: dict[str, str]) -> str:
    """``message`` with each canonical column name of ``columns`` as the file writes it.

    Parameters
    ----------
    message : str
        A validation message naming canonical columns (``no value in oi_usd``).
    columns : dict of str to str
        Canonical name -> the file's header (:attr:`SeriesFrame.columns_as_written`).

    Returns
    -------
    str
        The message naming the file's columns (``no value in close``); whole words only.
    """
    if not columns:
        return message
    pattern = re.compile(r"(?<![\w.])(" + "|".join(map(re.escape, columns)) + r")(?![\w])")
    return pattern.sub(lambda m: columns[m.group(1)], message)


#: What a required cell without a number is (empty, text, NaN, ``inf``): one wording for
#: every kind, which ``drop_missing`` leaves out.
_MISSING = "missing, NaN or infinite"


class MissingValueError(InputError):
    """A row lacks a required value (an empty cell, or text that is not a number).

    Raised by :func:`validate` when that is the first problem in file order and rows
    are not dropped; a caller that offers ``drop_missing`` adds it to the message.
    """


_POSITIVE = ("open", "high", "low", "close", "price", "interval_hours", "long_short_ratio")
#: Percentages of accounts (or position size) long and short.
_PERCENT = ("long_pct", "short_pct")
#: How far long + short percent may be from 100 (CoinGlass rounds each to 0.01).
PERCENT_SUM_TOLERANCE = 0.5
#: How far a stated long/short ratio may be from long_pct / short_pct: CoinGlass rounds
#: the ratio to 0.01 (the real BTC files differ by at most 0.0055).
RATIO_TOLERANCE = 0.011
_NON_NEGATIVE = (
    "volume",
    "quote_volume",
    "trades",
    "taker_buy_volume",
    "oi_usd",
    "oi_base",
    "oi_open_usd",
    "oi_high_usd",
    "oi_low_usd",
    "long_usd",
    "short_usd",
    "total_usd",
    "qty",
    "filled_qty",
    "average_price",
    "notional_usd",
    "depth_base",
    "distance",
    "buy_usd",
    "sell_usd",
)


def _first(mask: np.ndarray, rows: np.ndarray) -> int | None:
    if not mask.any():
        return None
    return int(rows[mask].min())


def _first_at(mask: np.ndarray, rows: np.ndarray) -> tuple[int, int] | None:
    """:func:`_first`'s row and its position in ``rows`` (to read the row's values)."""
    r = _first(mask, rows)
    return None if r is None else (r, int(np.flatnonzero(rows == r)[0]))


def missing_rows(s: SeriesFrame) -> np.ndarray:
    """Per row of ``s.frame``: whether a required value is missing.

    Missing means absent (``NaN``/``NaT``/``None``: an empty cell, or text that is not a
    number): the time, a required column, every column of a kind's ``one_of``, and a
    long/short ratio's ``short_pct`` / ``long_short_ratio`` when the file has them, and
    every ``one_of`` column a liquidation file has (an empty or text cell there is not
    a zero). An infinite number counts as missing (``inf`` is no measurement): it is
    refused as "missing, NaN or infinite", or left out with ``drop_missing``.
    """
    kind = KINDS[s.kind]
    df = s.frame
    miss = df["ts"].isna().to_numpy(dtype=bool) if "ts" in df.columns else np.zeros(len(df), bool)
    for c in kind.required:
        if c not in df.columns:
            continue
        if c in kind.text_columns:
            miss = miss | df[c].isna().to_numpy(dtype=bool)
        else:
            miss = miss | ~np.isfinite(df[c].to_numpy(dtype="float64"))
    present = [c for c in kind.one_of if c in df.columns]
    if present:
        vals = np.column_stack([df[c].to_numpy(dtype="float64") for c in present])
        nan = ~np.isfinite(vals)
        miss = miss | (nan.any(axis=1) if s.kind in _EVERY_ONE_OF else nan.all(axis=1))
    if s.kind == "long_short":
        for c in _LS_OPTIONAL:
            if c in df.columns:
                miss = miss | ~np.isfinite(df[c].to_numpy(dtype="float64"))
    return miss


def optional_numbers(kind: str) -> tuple[str, ...]:
    """The numeric columns of ``kind`` whose cell a row may leave empty.

    Those :func:`missing_rows` does not require: a kind's optional columns and its
    ``one_of`` columns (each row needs one of them), less a liquidation file's (every one
    it has is required) and a long/short ratio's ``short_pct`` / ``long_short_ratio``.
    Text that is not a number is refused in these (an empty cell is kept, counted in a
    warning); in a required column it is a missing value (:func:`validate`).
    """
    k = KINDS[kind]
    cols = [*k.optional, *(() if kind in _EVERY_ONE_OF else k.one_of)]
    skip = set(k.text_columns) | set(k.required) | set(_LS_OPTIONAL if kind == "long_short" else ())
    return tuple(c for c in dict.fromkeys(cols) if c not in skip)


def _empty_cells(s: SeriesFrame) -> None:
    """One warning counting the empty cells of optional numeric columns, if any.

    A column empty in every row is not counted: the file does not give it (it is not
    stored). The first few rows of each column are named.
    """
    df = s.frame
    rows = df["_row"].to_numpy(dtype=np.int64)
    parts, total = [], 0
    for c in optional_numbers(s.kind):
        if c not in df.columns:
            continue
        empty = np.isnan(df[c].to_numpy(dtype="float64"))
        if not empty.any() or empty.all():
            continue
        where = sorted({int(r) for r in rows[empty]})
        total += len(where)
        if len(where) == 1:
            parts.append(f"{c} in data row {where[0]}")
            continue
        shown = ", ".join(str(r) for r in where[:DROPPED_ROWS_SHOWN])
        more = ", ..." if len(where) > DROPPED_ROWS_SHOWN else ""
        parts.append(f"{c} in {len(where)} data rows ({shown}{more})")
    if parts:
        cells = "cell" if total == 1 else "cells"
        s.warnings.append(
            f"{s.file}: {total} empty {cells} in optional columns, stored as no value: "
            + "; ".join(parts)
        )


def _drop_missing(s: SeriesFrame) -> None:
    """Leave out the rows missing a required value, with one warning naming them."""
    miss = missing_rows(s)
    if not miss.any():
        return
    rows = s.frame["_row"].to_numpy(dtype=np.int64)
    dropped = sorted({int(r) for r in rows[miss]})
    kept = s.frame[~miss].reset_index(drop=True)
    if kept.empty:
        raise InputError(
            f"{s.file}: every data row lacks a required value of {s.kind} "
            f"({', '.join(KINDS[s.kind].required + KINDS[s.kind].one_of)}): nothing to keep"
        )
    first = ", ".join(str(r) for r in dropped[:DROPPED_ROWS_SHOWN])
    more = ", ..." if len(dropped) > DROPPED_ROWS_SHOWN else ""
    s.warnings.append(
        f"{s.file}: dropped {len(dropped)} data rows missing a required value "
        f"(data rows {first}{more}); {len(set(rows[~miss].tolist()))} kept"
    )
    s.dropped_rows = dropped
    s.frame = kept


def validate(s: SeriesFrame, *, drop_missing: bool = False) -> SeriesFrame:
    """Check a series read from a file; sort it, drop agreeing duplicates, count gaps.

    Rules: required columns present; no missing values in them; prices > 0;
    ``high >= max(open, close)``; ``min(open, close) >= low``; volumes and sizes >= 0;
    timestamps sorted (unsorted input is sorted); duplicates that agree are dropped
    with a warning, conflicting duplicates are an error. Gaps are counted, never filled.
    Rows of an event kind (``Kind.repeats``: liquidation events) that agree in every
    column are distinct events, all kept (the store numbers them apart). Such rows of
    one key whose ``status`` differs are read by
    :mod:`liqcascade.data._order_status`: an earlier snapshot of an order (``NEW``,
    ``PARTIALLY_FILLED``) is left out, with a note, where the file holds the same
    order further on; rows with different final statuses are distinct events, kept.

    Parameters
    ----------
    s : SeriesFrame
        The series; its frame must carry ``_row`` (1-based data row in the file).
    drop_missing : bool, default False
        Leave out the rows missing a required value (see :func:`missing_rows`) instead
        of refusing the file: they are counted in ``s.dropped_rows`` and named (the first
        few) in one warning. Every other rule still refuses the file.

    Returns
    -------
    SeriesFrame
        The same object, its frame sorted and de-duplicated, ``gaps`` set.

    Raises
    ------
    InputError
        ``"FILE: data row N: what is wrong"`` for the first offending row in file order
        (a :class:`MissingValueError` when that row lacks a required value).
    """
    kind = KINDS[s.kind]
    f = s.file
    seen = [c for c in s.frame.columns if c != "_row"]
    missing = [c for c in ("ts", *kind.required) if c not in s.frame.columns]
    if missing:
        raise InputError(
            f"{f}: missing required {names_text(f'{s.kind} column', missing)} "
            f"(columns seen: {', '.join(seen)})"
        )
    if kind.one_of and not any(c in s.frame.columns for c in kind.one_of):
        raise InputError(
            f"{f}: {s.kind} needs one of the columns {', '.join(kind.one_of)} "
            f"(columns seen: {', '.join(seen)})"
        )
    if drop_missing:
        _drop_missing(s)
    df = s.frame
    rows = df["_row"].to_numpy(dtype=np.int64)
    problems: list[tuple[int, str]] = []
    absent: list[tuple[int, str]] = []  # rows lacking a required value

    def check(mask: np.ndarray, message: str, into: list[tuple[int, str]] = problems) -> None:
        r = _first(mask, rows)
        if r is not None:
            into.append((r, message))

    check(df["ts"].isna().to_numpy(), "ts is missing or not a time", absent)
    for c in kind.required:
        col = df[c]
        if c in kind.text_columns:
            check(col.isna().to_numpy(), f"{c} is missing", absent)
        else:
            v = col.to_numpy(dtype="float64")
            check(~np.isfinite(v), f"{c} is {_MISSING}", absent)
    present = [c for c in kind.one_of if c in df.columns]
    if present:
        vals = np.column_stack([df[c].to_numpy(dtype="float64") for c in present])
        check(~np.isfinite(vals).any(axis=1), f"no value in {' or '.join(present)}", absent)
        if s.kind in _EVERY_ONE_OF:  # each column the file has needs a value in every row
            for j, c in enumerate(present):
                check(~np.isfinite(vals[:, j]), f"{c} is {_MISSING}", absent)
    for c in _POSITIVE:
        if c in df.columns:
            v = df[c].to_numpy(dtype="float64")
            bad = np.isfinite(v) & (v <= 0)
            r = _first(bad, rows)
            if r is not None:
                problems.append((r, f"{c} must be > 0 (got {v[rows == r][0]:g})"))
    for c in _NON_NEGATIVE:
        if c in df.columns:
            v = df[c].to_numpy(dtype="float64")
            bad = v < 0
            r = _first(bad, rows)
            if r is not None:
                problems.append((r, f"{c} must be >= 0 (got {v[rows == r][0]:g})"))
            r = _first(np.isinf(v), rows)
            if r is not None:
                problems.append((r, f"{c} is infinite"))
    if s.kind == "ohlcv":
        o, h, lo, cl = (df[n].to_numpy(dtype="float64") for n in ("open", "high", "low", "close"))
        with np.errstate(invalid="ignore"):
            top, bottom = np.maximum(o, cl), np.minimum(o, cl)
        names = ("open", "high", "low", "close")
        problems.extend(_range_problems(h, lo, top, bottom, rows, names))
    if s.kind == "open_interest":
        problems.extend(_oi_ohlc_problems(df, rows))
    if s.kind == "funding":
        v = df["rate"].to_numpy(dtype="float64")
        with np.errstate(invalid="ignore"):
            r = _first(np.abs(v) > MAX_FUNDING_RATE, rows)
        if r is not None:
            got = v[rows == r][0]
            problems.append((r, f"rate {got:g} ({percent_text(got, 2, signed=True)} per funding "
                             f"interval) is beyond ±{MAX_FUNDING_RATE:g} "
                             f"({percent_text(MAX_FUNDING_RATE, 0)}), more than any "
                             "venue's cap: a file of percents? rates are fractions "
                             "(0.0001 = 0.01 %)"))  # fmt: skip
    if s.kind == "depth":
        bad_side = ~df["side"].isin(["bid", "ask"]).to_numpy()
        check(bad_side, "side must be bid or ask")
    if s.kind == "liquidation_events":
        check(~df["side"].isin(["long", "short"]).to_numpy(), "side must be long or short")
    if s.kind == "long_short":
        ls_absent, ls_problems = _long_short_problems(df, rows)
        absent.extend(ls_absent)
        problems.extend(ls_problems)
    if problems or absent:
        # the first offending row in file order; a row lacking a value names that first
        first_absent = min(absent, key=lambda p: p[0]) if absent else None
        first_other = min(problems, key=lambda p: p[0]) if problems else None
        if first_absent is not None and (first_other is None or first_absent[0] <= first_other[0]):
            r, msg = first_absent
            raise MissingValueError(as_written(msg, s.columns_as_written), file=f, row=r)
        assert first_other is not None
        r, msg = first_other
        raise InputError(as_written(msg, s.columns_as_written), file=f, row=r)

    # Sort, then duplicates on the key.
    keys = list(kind.keys)
    ts_i8 = pd.DatetimeIndex(df["ts"]).as_unit("us").asi8
    if len(df) > 1 and not (np.diff(ts_i8) >= 0).all():
        s.warnings.append(f"{f}: timestamps were not sorted; sorted them")
    df = df.sort_values([*keys, "_row"], kind="stable").reset_index(drop=True)
    dup = df.duplicated(keys, keep=False).to_numpy()
    by_status = bool(dup.any()) and kind.repeats and "status" in df.columns
    if by_status:  # rows of one key left with different statuses are distinct events
        df = _drop_superseded(s, df, keys, dup)
        df["_status"] = df["status"].astype("string").fillna("\x00")
        keys = [*keys, "_status"]
        dup = df.duplicated(keys, keep=False).to_numpy()
    if dup.any():
        values = [c for c in df.columns if c not in (*keys, "_row", "status")]
        d = df[dup]
        full_dup = d.duplicated([*keys, *values], keep=False).to_numpy()
        key_groups = d.groupby(keys, sort=False, dropna=False)
        n_value_groups = d.groupby([*keys, *values], sort=False, dropna=False).ngroups
        if n_value_groups != key_groups.ngroups or not full_dup.all():
            # Find the first conflicting row in file order.
            nunique = key_groups[values].transform(
                lambda x: x.astype("string").fillna("<NA>").nunique()
            )
            conflict = (nunique > 1).any(axis=1).to_numpy()
            conflicting = d[conflict].sort_values("_row", kind="stable")
            # The offending row is the first, in file order, that repeats an earlier key.
            later = conflicting[conflicting.duplicated(keys, keep="first")]
            first = later.iloc[0]
            same = conflicting[(conflicting[keys] == first[keys]).all(axis=1)]
            earlier = int(same["_row"].min())
            raise InputError(
                f"duplicate timestamp {first['ts']} with different values than {row_ref(earlier)}",
                file=f,
                row=int(first["_row"]),
            )
        if not kind.repeats:  # events that agree in every column are distinct: kept
            n_drop = int(df.duplicated(keys, keep="first").sum())
            df = df.drop_duplicates(keys, keep="first").reset_index(drop=True)
            agree = "agrees" if n_drop == 1 else "agree"
            s.warnings.append(f"{f}: dropped {count_text(n_drop, 'duplicate row')} that {agree}")
    if by_status:
        df = df.drop(columns="_status")
    if s.kind == "ohlcv":
        _check_bar_steps(df, f, s.interval)
    if s.kind in ("ohlcv", "open_interest"):
        _check_level_jumps(df, f, s.kind)
        wicks = _wick_warning(df, f, s.kind)
        if wicks is not None:
            s.warnings.append(wicks)
    s.frame = df
    _empty_cells(s)
    s.gaps, s.largest_gap = count_gaps(pd.DatetimeIndex(df["ts"].unique()), s.interval)
    return s


def _drop_superseded(
    s: SeriesFrame, df: pd.DataFrame, keys: list[str], dup: np.ndarray
) -> pd.DataFrame:
    """``df`` without the earlier snapshots of a liquidation order (:func:`superseded`).

    Only rows sharing a key with another (``dup``) are looked at; what is left out is
    counted in a note of ``s``.
    """
    drop = np.zeros(len(df), dtype=bool)
    drop[dup] = superseded(df[dup], keys)
    if not drop.any():
        return df
    n = int(drop.sum())
    s.notes.append(
        f"{s.file}: left out {count_text(n, 'earlier snapshot')} of a liquidation order "
        "(status NEW or PARTIALLY_FILLED, with the same time, side, price and size as "
        "a row further on, or more filled, which is kept)"
    )
    return df[~drop].reset_index(drop=True)


def _check_bar_steps(df: pd.DataFrame, f: str, interval: str) -> None:
    """Refuse price bars that start less than one bar length after the bar before them.

    An OHLCV bar spans ``interval`` from its label: a label 30 minutes after an hourly
    one (``05:30`` among ``05:00`` and ``06:00``) is a bar overlapping its neighbours, two
    bar lengths mixed in one file, never one series. Steps are compared rounded to the
    second, as :func:`~liqcascade.data._time.infer_interval` measures the interval.
    Longer steps are gaps (counted, never filled).
    """
    step = interval_ms(interval)
    if step is None or len(df) < 2:
        return
    ms = pd.DatetimeIndex(df["ts"]).as_unit("ms").asi8
    d = np.round(np.diff(ms) / 1000.0) * 1000
    short = np.flatnonzero((d > 0) & (d < step))
    if short.size == 0:
        return
    i = int(short[0]) + 1
    t0, t1 = pd.Timestamp(df["ts"].iloc[i - 1]), pd.Timestamp(df["ts"].iloc[i])
    raise InputError(
        f"ts {t1:%Y-%m-%d %H:%M} is "
        f"{format_interval(int(d[i - 1]))} after the bar before it "
        f"({row_ref(int(df['_row'].iloc[i - 1]))}, {t0:%Y-%m-%d %H:%M}), less than the "
        f"{interval} bars' length: bars that overlap are not one series (one bar length per "
        "file)",
        file=f,
        row=int(df["_row"].iloc[i]),
    )


def _long_short_problems(
    df: pd.DataFrame, rows: np.ndarray
) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """Percentages in [0, 100] summing to 100; a ratio matching them; no empty cell.

    Returns the rows lacking a value and the other problems, apart.
    """
    absent: list[tuple[int, str]] = []
    out: list[tuple[int, str]] = []
    vals = {c: df[c].to_numpy(dtype="float64") for c in ("long_pct", *_LS_OPTIONAL) if c in df}
    for c in _LS_OPTIONAL:
        if c in vals:
            r = _first(~np.isfinite(vals[c]), rows)
            if r is not None:
                absent.append((r, f"{c} is {_MISSING}"))
    for c in _PERCENT:
        if c in vals:
            v = vals[c]
            with np.errstate(invalid="ignore"):
                r = _first((v < 0) | (v > 100), rows)
            if r is not None:
                got = v[rows == r][0]
                out.append((r, f"{c} must be a percentage in [0, 100] (got {got:g})"))
    if "short_pct" in vals:
        total = vals["long_pct"] + vals["short_pct"]
        with np.errstate(invalid="ignore"):
            at = _first_at(np.abs(total - 100.0) > PERCENT_SUM_TOLERANCE, rows)
        if at is not None:
            r, i = at
            out.append((r, f"long_pct {vals['long_pct'][i]:g} + short_pct "
                        f"{vals['short_pct'][i]:g} = {total[i]:g}, not 100 (percent expected; "
                        "a file of fractions needs multiplying by 100)"))  # fmt: skip
        if "long_short_ratio" in vals:
            with np.errstate(divide="ignore", invalid="ignore"):
                implied = vals["long_pct"] / vals["short_pct"]
                off = np.abs(vals["long_short_ratio"] - implied) > np.maximum(
                    RATIO_TOLERANCE, 0.02 * implied
                )
            at = _first_at(off & np.isfinite(implied), rows)
            if at is not None:
                r, i = at
                out.append((r, f"long_short_ratio {vals['long_short_ratio'][i]:g} does not "
                            f"match long_pct / short_pct = {implied[i]:.4g}"))  # fmt: skip
    return absent, out


_LS_OPTIONAL = ("short_pct", "long_short_ratio")

#: Kinds whose every ``one_of`` column the file has must hold a value in every row (a
#: liquidation file's long_usd / short_usd: an empty or text cell is not a zero).
_EVERY_ONE_OF = ("liquidations",)

MAX_FUNDING_RATE = 0.05
"""Largest plausible funding rate per interval, a fraction (5 %). No venue's cap exceeds
it (Binance's widest caps are a few percent per interval, Hyperliquid's 4 % per hour);
the largest in the bundled data is 0.00375 (0.375 % per 8 h, ETH 2020-2023). A larger
value is a file of percents read as fractions (1 = 1 %), refused."""

#: The USD open-interest OHLC columns (``oi_usd`` is the bar's close).
_OI_OHLC = ("oi_open_usd", "oi_high_usd", "oi_low_usd", "oi_usd")


def _oi_ohlc_problems(df: pd.DataFrame, rows: np.ndarray) -> list[tuple[int, str]]:
    """Open-interest OHLC bars whose high is below open/close or low above them."""
    if "oi_high_usd" not in df.columns and "oi_low_usd" not in df.columns:
        return []
    nan = np.full(len(df), np.nan)
    o, h, lo, cl = (df[c].to_numpy(dtype="float64") if c in df.columns else nan for c in _OI_OHLC)
    top, bottom = np.fmax(o, cl), np.fmin(o, cl)  # NaN only when both are
    return _range_problems(h, lo, top, bottom, rows, _OI_OHLC)


def _range_problems(
    h: np.ndarray,
    lo: np.ndarray,
    top: np.ndarray,
    bottom: np.ndarray,
    rows: np.ndarray,
    names: tuple[str, str, str, str],
) -> list[tuple[int, str]]:
    """The first bars whose high or low lies outside the bar's own open and close.

    The first high below ``top`` and the first low above ``bottom``, then those of
    :func:`_beyond_wick_problems` (a high or low no wick reaches). ``top``/``bottom``:
    the larger/smaller of each bar's open and close (NaN: not checked); ``names``: the
    open, high, low and close columns, as the message says them.
    """
    o_name, h_name, l_name, c_name = names
    with np.errstate(invalid="ignore"):
        bad_h, bad_l = h < top, lo > bottom
    out = []
    if (at := _first_at(bad_h, rows)) is not None:
        r, i = at
        out.append((r, f"{h_name} {h[i]:g} is below max({o_name}, {c_name}) = {top[i]:g}"))
    if (at := _first_at(bad_l, rows)) is not None:
        r, i = at
        out.append((r, f"{l_name} {lo[i]:g} is above min({o_name}, {c_name}) = {bottom[i]:g}"))
    return out + _beyond_wick_problems(h, lo, top, bottom, rows, names)


MAX_BAR_JUMP = 5.0
"""Ratio (either way: ×5 or 1/5) from which two neighbouring levels of one series are a
unit error, never a market move.

Unit mistakes come in factors of 10, 100 and 1000 (cents, thousands, milli-units), while
a liquid asset's largest one-bar move is far smaller: in the bundled data the largest
close-to-close ratio is 1.8 (ETH daily) and open interest 1.6 from one bar to the next.
5 sits between the two: a switch to ×10 units is caught unless that bar itself halves,
a ×100 switch unless it falls 95 %. A real move of 5× between bars (an asset's
collapse, LUNA's in May 2022 in daily bars; open interest in a market's first hours) is
refused too: the rule compares neighbours inside one file, so such a file goes in as
two files split at that bar.

A high or low 5× or more away from its own bar's open and close is kept, with a
warning (:func:`_wick_warning`): a unit switch moves the open and close with it (and
they are compared with the bar before), so a bar whose open and close agree with its
neighbours while its high or low is far off is a wick, such as a venue's flash-crash
print (ETH traded at $0.10 on GDAX on 21 June 2017, from about $320), which a risk
tool must keep. The bundled data's largest are a high 2.9× its bar's max(open, close)
(ETH perpetual, hourly) and min(open, close) 2.1× the low. A high or low
:data:`MAX_WICK_RATIO` or more away is refused: no wick reaches it."""

MAX_WICK_RATIO = 100_000.0
"""Ratio (either way: ×100,000 or 1/100,000) from which a high or low is not a price of its
bar at all, refused (a wick below it is kept with a warning, :func:`_wick_warning`).

The largest recorded wicks are far inside it: ETH at $0.10 on GDAX on 21 June 2017, from
about $320 (1/3,200 of the bar's price); BTC at $0.01 on Mt. Gox on 19 June 2011, from
about $17.50 (1/1,750). A print
at a venue's minimum price scales with the price level, so the low side keeps a wide
margin (ETH at $3,000 may print $0.03; BTC at $100,000, $1). A value beyond it (a high of
1e300, a price in wei, an exponent typed wrong) is a broken cell, not a market."""


def _beyond_wick_problems(
    h: np.ndarray,
    lo: np.ndarray,
    top: np.ndarray,
    bottom: np.ndarray,
    rows: np.ndarray,
    names: tuple[str, str, str, str],
) -> list[tuple[int, str]]:
    """The first bar whose high (low) is :data:`MAX_WICK_RATIO` or more from its own bar.

    ``top``/``bottom``: the larger/smaller of each bar's open and close (NaN, or a zero
    open interest: not compared); ``names``: the open, high, low and close columns.
    """
    o_name, h_name, l_name, c_name = names
    noun = "price" if h_name == "high" else "level"
    out = []
    for v, ref, name, what in ((h, top, h_name, "max"), (lo, bottom, l_name, "min")):
        r, off = _off(v, ref, MAX_WICK_RATIO)
        at = _first_at(off & ((r > 1) if what == "max" else (r < 1)), rows)
        if at is None:
            continue
        k, i = at
        out.append((k, (
            f"{name} {v[i]:g} is {_ratio_text(r[i])} {what}({o_name}, {c_name}) = {ref[i]:g}: "
            f"not a {noun} of this bar ({MAX_WICK_RATIO:,.0f}× or more from its open and "
            "close, either way, is beyond any recorded wick; the largest, ETH at $0.10 on "
            "GDAX in 2017, was 1/3,200 of its price); correct the cell"
        )))  # fmt: skip
    return out


def _ratio_text(r: float) -> str:
    """``"99.8×"`` for a ratio of 1 or more, ``"1/99.8 of"`` below 1."""
    return f"{r:.3g}×" if r >= 1 else f"1/{1 / r:.3g} of"


def _level_ratio_text(r: float) -> str:
    """:func:`_ratio_text` without exponents from 1,000 to a million: ``"1/1,000 of"``."""
    x = float(f"{r if r >= 1 else 1 / r:.3g}")
    if not 1000 <= x < 1e6:
        return _ratio_text(r)
    return f"{x:,.0f}×" if r >= 1 else f"1/{x:,.0f} of"


def _apart(r: np.ndarray, limit: float) -> np.ndarray:
    """Where the ratio ``r`` is positive, finite and ``limit`` or more away from 1, either way.

    The one rule of "a unit apart" for a bar against its neighbour (:data:`MAX_BAR_JUMP`)
    and a series against another source (:data:`MAX_LEVEL_RATIO`).
    """
    ok = np.isfinite(r) & (r > 0)
    return ok & ((r >= limit) | (r <= 1.0 / limit))


def _off(
    value: np.ndarray, ref: np.ndarray, limit: float = MAX_BAR_JUMP
) -> tuple[np.ndarray, np.ndarray]:
    """``value / ref`` and where it is ``limit`` (:data:`MAX_BAR_JUMP`) or more away from 1.

    Either way; pairs with a missing, zero or negative side are not compared (open
    interest may be 0).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        r = value / ref
    return r, _apart(r, limit)


def _step_problem(
    g: pd.DataFrame, col: str, before: str, rows: np.ndarray
) -> tuple[int, str] | None:
    """The first bar whose ``col`` is 5× or more away from ``before`` of the bar before it.

    The bar before is the last earlier one with a value of ``before`` (an empty cell
    between them does not hide the step).
    """
    if len(g) < 2 or col not in g.columns or before not in g.columns:
        return None
    v, p = g[col].to_numpy(dtype="float64"), g[before].to_numpy(dtype="float64")
    has = pd.Series(np.where(np.isfinite(p), np.arange(len(p)), np.nan))
    prev = has.ffill().shift(1).to_numpy()  # position of the last earlier value
    ok = ~np.isnan(prev)
    j = np.where(ok, prev, 0).astype(np.int64)
    r, bad = _off(v, np.where(ok, p[j], np.nan))
    if not bad.any():
        return None
    i = int(np.flatnonzero(bad)[0])
    return int(rows[i]), (
        f"{col} {v[i]:g} is {_ratio_text(r[i])} the {before} of the bar before it "
        f"({p[j[i]]:g} at {row_ref(int(rows[j[i]]))}); a step of {MAX_BAR_JUMP:g}× or more "
        "between bars is a unit change inside the file, never a market move"
    )


def _wick_warning(df: pd.DataFrame, f: str, kind: str) -> str | None:
    """One warning naming the bars whose high or low is 5× or more from their open/close.

    Such bars are kept (see :data:`MAX_BAR_JUMP`): the count, the first few data rows
    and the first row's value and the level it was compared with are named. ``df`` has
    passed every other rule (high ≥ max(open, close) ≥ min(open, close) ≥ low, finite).
    """
    if df.empty:
        return None
    nan = np.full(len(df), np.nan)
    names = ("open", "high", "low", "close") if kind == "ohlcv" else _OI_OHLC
    o, h, lo, c = (df[n].to_numpy(dtype="float64") if n in df.columns else nan for n in names)
    with np.errstate(invalid="ignore"):
        top, bottom = np.fmax(o, c), np.fmin(o, c)
    r_hi, hi = _off(h, top)
    r_lo, low = _off(lo, bottom)
    if not (hi.any() or low.any()):
        return None
    rows = df["_row"].to_numpy(dtype=np.int64)
    where = sorted({int(r) for r in rows[hi | low]})
    i = int(np.flatnonzero(rows == where[0])[0])
    if hi[i]:
        first = f"{names[1]} {h[i]:g} is {_ratio_text(r_hi[i])} max({names[0]}, {names[3]}) = "
        first += f"{top[i]:g}"
    else:
        first = f"{names[2]} {lo[i]:g} is {_ratio_text(r_lo[i])} min({names[0]}, {names[3]}) = "
        first += f"{bottom[i]:g}"
    if len(where) == 1:
        bars, which = "1 bar", f"{row_ref(where[0])}: {first}"
    else:
        shown = ", ".join(str(r) for r in where[:DROPPED_ROWS_SHOWN])
        more = ", ..." if len(where) > DROPPED_ROWS_SHOWN else ""
        bars, which = (
            f"{len(where)} bars",
            f"data rows {shown}{more}; first, {row_ref(where[0])}: {first}",
        )
    return (
        f"{f}: kept {bars} whose {names[1]} or {names[2]} is {MAX_BAR_JUMP:g}× or more away "
        f"from the bar's own {names[0]} and {names[3]} ({which}): a flash-crash wick is kept "
        "as printed; if it is a unit error in that cell, correct the file"
    )


def _level_problems(g: pd.DataFrame, kind: str) -> list[tuple[int, str]]:
    """Unit changes inside one series (time order): every check's first row at fault."""
    rows = g["_row"].to_numpy(dtype=np.int64)
    if kind == "ohlcv":
        steps = [("close", "close"), ("open", "close")]
    else:  # open interest: USD (oi_usd is the close) and coins
        steps = [("oi_usd", "oi_usd"), ("oi_base", "oi_base"), ("oi_open_usd", "oi_usd")]
    found = [_step_problem(g, a, b, rows) for a, b in steps]
    return [p for p in found if p is not None]


def _check_level_jumps(df: pd.DataFrame, f: str, kind: str) -> None:
    """Refuse a unit change inside a price or open-interest series (:data:`MAX_BAR_JUMP`).

    In time order, per series: a close (open interest: ``oi_usd``, ``oi_base``) 5× or
    more away from the bar before it, and an open 5× or more away from the close before
    it. The first row at fault in file order is named, with the value it was compared
    with. A high or low far from its own bar is a wick, kept (:func:`_wick_warning`).
    """
    if df.empty:
        return
    groups = [df] if "venue" not in df.columns else [g for _, g in df.groupby("venue", sort=False)]
    found = [p for g in groups for p in _level_problems(g, kind)]
    if found:
        r, msg = min(found, key=lambda p: p[0])
        raise InputError(msg, file=f, row=r)


MAX_LEVEL_RATIO = MAX_BAR_JUMP
"""Ratio (either way) from which two sources of one series are not the same market.

A file against the store or the bundled data, the stored rows against the bundled ones:
where they cover the same times their levels differ only by revisions (CoinGlass revises
old bars by up to ~15 %), by a venue's basis (prices agree across venues within a few
percent) or, for neighbouring bars, by one bar's move (below :data:`MAX_BAR_JUMP`). A
level 5× or more apart is a file in other units (cents, thousands: factors of 10 and
more) or another asset's data under this label."""

#: How far apart in time a bar and a reference bar may be to be compared, per kind: a
#: price or open interest moves less than 5x in a day; volumes (taker) only at one bar.
LEVEL_NEAR: dict[str, pd.Timedelta] = {
    "ohlcv": pd.Timedelta(days=1),
    "open_interest": pd.Timedelta(days=1),
    "taker": pd.Timedelta(0),
    "liquidations": pd.Timedelta(0),
    "depth": pd.Timedelta(days=1),
}

MIN_LIQUIDATION_BARS = 6
"""Bars with liquidations in both sources needed before their totals are compared.

Liquidations come in bursts: most bars are quiet, and one bar's total against another
source's can be any ratio (a revision, a burst split across two bars). Liquidations are
therefore compared as the ratio of their **totals** over every bar both sources hold
with liquidations (not a median of bar ratios), and only over 6 such bars or more (a
day of 4-hour bars, six days of daily ones); fewer are not compared."""

LOOSE_LEVEL_RATIO = 100.0
"""Ratio (either way) from which an all-venue file's liquidations are in other units.

A file labelled ``all-venues`` or ``coinglass`` is compared with the bundled Binance
4-hour series (never with another venue's: Hyperliquid's daily liquidations were a
thousandth of all venues' in 2023): all venues' liquidations are a few times
Binance's (its share is about a third), never 100×, while a file in thousands of USD is
1/1000 of it."""

UNNAMED_LEVEL_RATIO = 500.0
"""Ratio (either way) from which a file labelled ``unknown`` (no ``--venue``) is in other
units, for liquidations (beside Binance's bundled series) and order-book depth (beside
CoinGlass's all-venue book). ``unknown`` stands for a CoinGlass download, but may be one
small exchange's series: one with a 200th of the reference's level is real (a book of
$400 k a side at 1 % beside all venues' $145 M), while thousands of USD put even all
venues' series 1,000× below it. A series refused here goes in under its own venue's
label, which is compared with nothing it does not match."""


@dataclass(frozen=True)
class LevelGap:
    """Two sources of one series whose levels are :data:`MAX_LEVEL_RATIO` or more apart.

    Parameters
    ----------
    what : str
        The level compared (``"close"``, ``"oi_usd"``, ``"buy_usd + sell_usd"``,
        ``"long_usd + short_usd"``).
    ratio : float
        Median, over the bars compared, of the first source's level over the other's.
    bars : int
        Bars compared.
    mine, theirs : float
        Median level of each source over those bars (the column's unit).
    near : pandas.Timedelta
        How far apart two bars compared may be (:data:`LEVEL_NEAR`).
    """

    what: str
    ratio: float
    bars: int
    mine: float
    theirs: float
    near: pd.Timedelta

    def describe(self, mine: str, theirs: str) -> str:
        """``"median close 230,706 in X is 100× the 2,302 of Y at the same times (…)"``."""
        ms = self.near // pd.Timedelta(milliseconds=1)
        within = f", each beside the nearest within {format_interval(ms)}" if ms else ""
        return (
            f"{self._stat} {self.what} {self._amount(self.mine)} in {mine} is "
            f"{_level_ratio_text(self.ratio)} the {self._amount(self.theirs)} of {theirs} "
            f"at the same times ({self.bars} "
            f"{'bar' if self.bars == 1 else 'bars'} compared{within})"
        )

    def unit_hint(self) -> str:
        """``"; it looks like thousands of USD: give USD (the amounts × 1,000)"``, or ``""``.

        Said for a ratio within 2× of 1/1000 (thousands), 1000 (USD × 1000, or
        thousandths) or 100 (cents); nothing otherwise.
        """
        hints = (
            (1e-3, "thousands of USD", "× 1,000"),
            (1e3, "USD × 1,000 (thousandths)", "/ 1,000"),
            (1e2, "cents", "/ 100"),
        )
        for r, unit, op in hints:
            if r / 2 <= self.ratio <= r * 2:
                return f"; it looks like {unit}: give USD (the amounts {op})"
        return ""

    @property
    def _stat(self) -> str:
        return "total" if self.what == _LIQ_LEVEL else "median"

    def _amount(self, x: float) -> str:
        """A level as text: USD with separators (never ``2.63627e+07``), else 6 digits."""
        if "usd" in self.what:
            return price_text(x)
        return f"{x:,.6g}" if abs(x) < 1e6 else f"{x:,.0f}"


_LIQ_LEVEL = "long_usd + short_usd"


def _level(df: pd.DataFrame, kind: str, col: str) -> pd.Series:
    """The level of ``kind`` a frame indexed by time holds (NaN where it has none)."""
    if kind == "taker":
        return (df["buy_usd"] + df["sell_usd"]).astype("float64")
    if kind == "liquidations":
        return liquidation_total(df)
    return df[col].astype("float64")


def liquidation_total(df: pd.DataFrame) -> pd.Series:
    """Long + short liquidations of each bar (USD), else ``total_usd``; NaN where neither.

    Parameters
    ----------
    df : pandas.DataFrame
        Liquidation bars with ``long_usd``/``short_usd`` and/or ``total_usd`` (USD).

    Returns
    -------
    pandas.Series
        USD per bar, float64.
    """
    parts = [c for c in ("long_usd", "short_usd") if c in df.columns]
    nan = pd.Series(np.nan, index=df.index, dtype="float64")
    side = df[parts].astype("float64").sum(axis=1, min_count=1) if parts else nan
    total = df["total_usd"].astype("float64") if "total_usd" in df.columns else nan
    return side.where(side.notna(), total)


def _level_column(mine: pd.DataFrame, ref: pd.DataFrame, kind: str) -> str | None:
    """The column both frames give a level in: close, oi_usd (else oi_base), taker totals."""
    if kind == "taker":
        need = ("buy_usd", "sell_usd")
        return "buy_usd + sell_usd" if all(c in f for c in need for f in (mine, ref)) else None
    if kind == "liquidations":
        return _LIQ_LEVEL
    names = {"ohlcv": ("close",), "open_interest": ("oi_usd", "oi_base"),
             "depth": ("notional_usd",)}.get(kind, ())  # fmt: skip
    for c in names:
        if c in mine and c in ref and mine[c].notna().any() and ref[c].notna().any():
            return c
    return None


def level_gap(
    mine: pd.DataFrame, ref: pd.DataFrame, kind: str, limit: float = MAX_LEVEL_RATIO
) -> LevelGap | None:
    """How far ``mine``'s level is from ``ref``'s, when ``limit`` or more apart.

    Each bar of ``mine`` is set beside the nearest bar of ``ref`` within
    :data:`LEVEL_NEAR` (the same bar for volumes); the median of their ratios is the
    gap. Bars with no positive level are not compared. Liquidations (long + short USD,
    else ``total_usd``) are compared by the ratio of their totals over the bars both
    hold, and only over :data:`MIN_LIQUIDATION_BARS` bars or more.

    Parameters
    ----------
    mine, ref : pandas.DataFrame
        Two sources of one series, each indexed by UTC time, columns of ``kind``.
    kind : str
        ``"ohlcv"`` (close), ``"open_interest"`` (``oi_usd``, else ``oi_base``) or
        ``"taker"`` (buy + sell USD) or ``"liquidations"``; other kinds are not compared.
    limit : float, default :data:`MAX_LEVEL_RATIO`
        Ratio, either way, from which the levels are apart.

    Returns
    -------
    LevelGap or None
        None when the levels agree (within the ratio), or nothing could be compared.
    """
    near = LEVEL_NEAR.get(kind)
    col = _level_column(mine, ref, kind) if near is not None else None
    if near is None or col is None:
        return None
    sides = []
    for name, df in (("mine", mine), ("ref", ref)):
        v = _level(df, kind, col)
        v = v[np.isfinite(v.to_numpy()) & (v.to_numpy() > 0)]
        ts = pd.DatetimeIndex(v.index).tz_convert("UTC").as_unit("us")
        sides.append(pd.DataFrame({"ts": ts, name: v.to_numpy()}).sort_values("ts"))
    if sides[0].empty or sides[1].empty:
        return None
    both = pd.merge_asof(sides[0], sides[1], on="ts", direction="nearest", tolerance=near)
    both = both.dropna()
    if both.empty:
        return None
    if kind == "liquidations":
        if len(both) < MIN_LIQUIDATION_BARS:
            return None
        a, b = float(both["mine"].sum()), float(both["ref"].sum())
        ratio = a / b
    else:
        ratio = float(np.median(both["mine"] / both["ref"]))
        a, b = float(both["mine"].median()), float(both["ref"].median())
    if not _apart(np.asarray(ratio), limit):
        return None
    return LevelGap(col, ratio, len(both), a, b, near)


def check_conflicts(series: list[SeriesFrame]) -> None:
    """Refuse series of one call that land on the same store key with different values.

    Two files read in one call whose series share (kind, venue, symbol, interval) may
    overlap only where they agree; otherwise they are different data under the same
    label (e.g. a BTC file without a symbol column, labelled with the ETHUSDT default).

    Raises
    ------
    InputError
        Naming both files, the series and the first conflicting time.
    """
    groups: dict[tuple[str, str, str, str], list[int]] = {}
    for i, s in enumerate(series):
        groups.setdefault((s.kind, s.venue, s.symbol, s.interval), []).append(i)
    for key, idx in groups.items():
        if len(idx) < 2:
            continue
        kind = KINDS[key[0]]
        keys = list(kind.keys)
        frames = []
        for i in idx:
            f = series[i].frame
            cols = [c for c in f.columns if c not in ("_row",)]
            frames.append(f[cols].assign(_src=i))
        both = pd.concat(frames, ignore_index=True)
        values = [c for c in both.columns if c not in (*keys, "_src")]
        distinct = both.drop_duplicates([*keys, *values])
        clash = distinct.duplicated(keys, keep=False)
        if clash.any():
            bad = distinct[clash].sort_values(keys, kind="stable")
            first = bad.iloc[0]
            same = bad[(bad[keys] == first[keys]).all(axis=1)]
            srcs = sorted(int(j) for j in same["_src"])
            later, earlier = series[srcs[-1]].file, series[srcs[0]].file
            label = "/".join(key)
            raise InputError(
                f"conflicts with {earlier} at {first['ts']} for series {label} (different "
                "values under the same label); give symbol/venue to tell them apart, or "
                "ingest them in separate calls",
                file=later,
                param=("symbol", "venue"),
            )
