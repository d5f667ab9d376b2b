"""``load_series``: one series from a user's file, else the store, else the bundled data.

Also where a series meets the ones already held: :func:`check_reference_levels` compares
a file's levels with the stored and bundled series before it is stored, and the merge of
stored with bundled rows compares theirs (a whole file in cents is never the same market).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from liqcascade._symbols import base_asset, contract_symbol
from liqcascade._time import utc_end
from liqcascade.data import bundled as datasets
from liqcascade.data._frame import SeriesFrame
from liqcascade.data._kinds import (
    DEFAULT_INTERVAL,
    KINDS,
    LONG_SHORT_MEASURES,
    kind_of,
    public_kind,
)
from liqcascade.data._source import SOURCE_JOIN
from liqcascade.data._store import Store
from liqcascade.data._time import to_utc
from liqcascade.data._validate import (
    LEVEL_NEAR,
    LOOSE_LEVEL_RATIO,
    MAX_LEVEL_RATIO,
    UNNAMED_LEVEL_RATIO,
    level_gap,
)
from liqcascade.errors import InputError

__all__ = [
    "SeriesNotFound",
    "bundled_name",
    "check_reference_levels",
    "competing_series",
    "load_series",
    "long_short_wide",
]

# Warnings on a user's file (rows sorted, agreeing duplicates dropped). With no logging
# configured, Python's last-resort handler prints each as one stderr line; the layout's
# notes (documented conversions) are logged at INFO, silent unless logging is set up.
_LOG = logging.getLogger("liqcascade.data")

# (kind, asset, interval, venue or None) -> bundled dataset name (venue None = default).
_BUNDLED: dict[tuple[str, str, str, str | None], str] = {
    ("ohlcv", "ETH", "1d", None): "eth_1d",
    ("ohlcv", "BTC", "1d", None): "btc_1d",
    ("ohlcv", "ETH", "1h", None): "eth_1h",
    ("ohlcv", "BTC", "1h", None): "btc_1h",
    ("ohlcv", "ETH", "30m", None): "eth_30m",
    ("ohlcv", "ETH", "1m", None): "eth_1m_2022_12",
    ("ohlcv", "ETH", "15m", None): "eth_bybit_15m_2025_10",
    ("ohlcv", "ETH", "1h", "binance-usdm"): "eth_perp_1h",
    ("open_interest", "ETH", "4h", None): "eth_oi_4h",
    ("open_interest", "BTC", "4h", None): "btc_oi_4h",
    ("open_interest", "ETH", "1d", None): "coinm_oi_1d",
    ("open_interest", "BTC", "1d", None): "coinm_oi_1d",
    ("liquidations", "ETH", "4h", None): "eth_liquidations_4h",
    ("liquidations", "BTC", "4h", None): "btc_liquidations_4h",
    ("liquidations", "ETH", "1d", None): "hyperliquid_liquidations_1d",
    ("liquidations", "BTC", "1d", None): "hyperliquid_liquidations_1d",
    ("funding", "ETH", "4h", None): "eth_funding_4h_oi_weighted",
    ("funding", "BTC", "4h", None): "btc_funding_4h_oi_weighted",
    ("taker", "ETH", "4h", None): "eth_taker_4h",
    ("taker", "BTC", "4h", None): "btc_taker_4h",
    ("long_short", "BTC", "4h", None): "btc_long_short_4h",
}

_SPOT_VENUES = {None, "binance", "binance-spot", "spot"}


class SeriesNotFound(InputError):
    """No such series in the store or the bundle (not a broken store, not bad rows).

    The one error a reader of optional series may take as "absent": every other
    :class:`InputError` of :func:`load_series` (a store that cannot be opened, stored
    rows at another level than the bundled ones) is the user's to see.

    Parameters
    ----------
    message, file, row, param, line
        As :class:`~liqcascade.errors.InputError`.
    """


def bundled_name(
    kind: str, asset: str = "ETH", interval: str | None = None, venue: str | None = None
) -> str | None:
    """Name of the bundled dataset serving ``(kind, asset, interval, venue)``, if any.

    Parameters
    ----------
    kind : str
        A canonical kind (``"ohlcv"``, ``"open_interest"``, ``"funding"``,
        ``"liquidations"``, ``"long_short"`` ...).
    asset : str, default "ETH"
        Base asset (any case).
    interval : str, optional
        Bar length (``"4h"``, ``"1d"`` ...); default the kind's default interval
        (funding: ``"4h"`` for the aggregate, ``"8h"`` for a venue).
    venue : str, optional
        Venue (any case); None is the bundle's default source for the kind.

    Returns
    -------
    str or None
        A name of :func:`liqcascade.datasets.names`; None when nothing bundled
        serves that series.
    """
    k = kind_of(kind, "kind").name
    interval = interval if interval is not None else DEFAULT_INTERVAL.get(k)
    if interval is None and k == "funding":
        interval = "4h" if venue is None else "8h"
    a = asset.upper()
    v = venue.lower() if venue else None
    if (k, a, interval or "", v) in _BUNDLED:
        return _BUNDLED[(k, a, interval or "", v)]
    if k == "ohlcv" and v in _SPOT_VENUES:
        return _BUNDLED.get((k, a, interval or "", None))
    if k == "open_interest" and v in (None, "all-venues", "coinglass") and interval == "4h":
        return _BUNDLED.get((k, a, "4h", None))
    if k == "liquidations" and interval == "4h" and v in (None, "binance"):
        return _BUNDLED.get((k, a, "4h", None))
    if k == "liquidations" and interval == "1d" and v in (None, "hyperliquid"):
        return _BUNDLED.get((k, a, "1d", None))
    if k == "open_interest" and interval == "1d" and v in (None, "binance", "binance-coinm"):
        return _BUNDLED.get((k, a, "1d", None))
    if k == "funding" and v is None and interval == "4h":
        return _BUNDLED.get((k, a, "4h", None))
    if k == "long_short" and v in (None, "binance", "binance-usdm") and interval == "4h":
        return _BUNDLED.get((k, a, "4h", None))
    return None


def long_short_wide(rows: pd.DataFrame) -> pd.DataFrame:
    """The wide long/short frame (as the bundled loader's) from canonical rows.

    Parameters
    ----------
    rows : pandas.DataFrame
        Indexed by ``ts`` with columns ``measure`` and ``long_pct`` (percent long),
        one row per (time, measure).

    Returns
    -------
    pandas.DataFrame
        One row per time, one ``<measure>_long_pct`` column (percent) per measure:
        ``global_account_long_pct``, ``top_account_long_pct``, ``top_position_long_pct``
        always (NaN where the measure has no value), then any other measure's.
    """
    idx = pd.DatetimeIndex(rows.index)
    wide = pd.DataFrame({"ts": idx, "measure": rows["measure"].to_numpy(),
                         "long_pct": rows["long_pct"].to_numpy(dtype="float64")})  # fmt: skip
    table = wide.pivot(index="ts", columns="measure", values="long_pct")
    extra = sorted(str(m) for m in table.columns if m not in LONG_SHORT_MEASURES)
    table = table.reindex(columns=[*LONG_SHORT_MEASURES, *extra])
    table.columns = pd.Index([f"{m}_long_pct" for m in table.columns])
    table.index = pd.DatetimeIndex(table.index).tz_convert("UTC").as_unit(idx.unit)
    table.index.name = "ts"
    return table.astype("float64").sort_index(kind="stable")


def _check_bounds(start: Any, end: Any) -> None:
    """Refuse a ``start`` or ``end`` that is not a time, and a ``start`` after ``end``.

    The bounds read as :func:`_filter_time` reads them (UTC; a date-only ``end`` is the
    end of that day). Raises :class:`InputError` naming the parameter.
    """
    when: dict[str, pd.Timestamp] = {}
    for name, value in (("start", start), ("end", end)):
        if value is None:
            continue
        t = to_utc(value, name) if name == "start" else utc_end(value, name)
        if t is pd.NaT:
            raise InputError(f"{name}: not a date or time: {value!r}", param=name)
        when[name] = t
    if len(when) == 2 and when["start"] > when["end"]:
        raise InputError(
            f"start ({_show_time(when['start'])}) is after end ({_show_time(when['end'])})",
            param=("start", "end"),
        )


def _show_time(t: pd.Timestamp) -> str:
    """A bound as a date, or a date and time when it is not midnight (UTC)."""
    if t == t.normalize():
        return f"{t:%Y-%m-%d}"
    if t + pd.Timedelta(microseconds=1) == (t + pd.Timedelta(microseconds=1)).normalize():
        return f"{t:%Y-%m-%d}"  # a date-only end: the last instant of that day
    return f"{t:%Y-%m-%d %H:%M}"


def _filter_time(df: pd.DataFrame, start: Any, end: Any) -> pd.DataFrame:
    if start is not None:
        df = df[df.index >= to_utc(start)]
    if end is not None:
        df = df[df.index <= utc_end(end)]
    return df


def _finish(df: pd.DataFrame, kind: str, drop: tuple[str, ...]) -> pd.DataFrame:
    df = df.drop(columns=[c for c in drop if c in df.columns])
    k = KINDS[kind]
    optional = set(k.optional) | set(k.one_of)
    empty = [c for c in df.columns if c in optional and df[c].isna().all()]
    df = df.drop(columns=empty)
    if "ts" in df.columns:
        df = df.set_index("ts")
    df.index = pd.DatetimeIndex(df.index).tz_convert("UTC")
    df.index.name = "ts"
    if kind == "long_short" and "measure" in df.columns:
        return long_short_wide(df)
    return df.sort_index(kind="stable")


def _from_bundled(
    kind: str, asset: str, venue: str | None, interval: str | None, start: Any, end: Any
) -> pd.DataFrame | None:
    a = asset.upper()
    if kind == "funding" and venue is not None:
        if a == "ETH":
            try:
                df = datasets.load_funding("ETH", venue=venue, start=start, end=end)
            except KeyError:
                return None
            name = "eth_funding_by_venue"
        else:
            df = datasets.load("funding_by_venue_2025", start, end)
            df = df[(df["venue"] == venue.lower()) & (df["asset"] == a)]
            name = "funding_by_venue_2025"
        if interval is not None:
            df = df[df["interval_hours"] * 3_600_000 == _interval_ms(interval)]
        if df.empty:
            return None
        df = df.drop(columns=[c for c in ("venue", "asset") if c in df.columns])
        df.attrs.update(source=f"bundled:{name}", venue=venue.lower())
        return df
    if (
        kind == "ohlcv"
        and interval == "1h"
        and venue is not None
        and venue.lower() not in (_SPOT_VENUES | {"binance-usdm"})
    ):
        df = datasets.load("perp_1h_by_venue", start, end)
        df = df[(df["venue"] == venue.lower()) & (df["asset"] == a)]
        if df.empty:
            return None
        df = df.drop(columns=["venue", "asset"])
        df.attrs.update(source="bundled:perp_1h_by_venue", venue=venue.lower())
        return df
    found = bundled_name(kind, a, interval, venue)
    if found is None:
        return None
    name = found
    df = datasets.load(name, start, end)
    if "asset" in df.columns:
        df = df[df["asset"] == a].drop(columns="asset")
    if "symbol" in df.columns:
        df = df.drop(columns="symbol")
    if "liquidated_usd" in df.columns:
        df = df.rename(columns={"liquidated_usd": "total_usd"})
    if df.empty and start is None and end is None:
        return None
    df.attrs.update(source=f"bundled:{name}", venue=datasets.DATASETS[name].venue)
    return df


def _fill_from_bundled(
    stored: pd.DataFrame,
    kind: str,
    asset: str,
    venue: str | None,
    interval: str,
    start: Any,
    end: Any,
    stored_source: str = "the store",
) -> tuple[pd.DataFrame, str]:
    """``stored`` extended by the bundled rows of the same series at the times it lacks.

    Stored rows win where both hold a bar (a bundled value only fills a cell the stored
    row leaves empty); bundled rows fill the rest. Returns the merged frame and the
    bundled source (``""`` when no bundled row was added). Before merging, the two
    sources' levels are compared (:func:`_check_seam`).
    """
    bundled = _from_bundled(kind, asset, venue, interval, start, end)
    if bundled is None or bundled.empty:
        return stored, ""
    src = str(bundled.attrs.get("source", "bundled"))
    b = _finish(bundled, kind, ())
    b.index = pd.DatetimeIndex(b.index).as_unit(pd.DatetimeIndex(stored.index).unit)
    if b.index.isin(stored.index).all():
        return stored, ""
    _check_seam(stored, b, kind, f"{kind} {asset} {interval}", stored_source, src)
    merged = stored.combine_first(b)
    merged = merged[[c for c in stored.columns] + [c for c in b.columns if c not in stored]]
    merged = merged[~merged.index.duplicated(keep="first")].sort_index(kind="stable")
    merged.index.name = "ts"
    return merged, src


def _check_seam(
    stored: pd.DataFrame, bundled: pd.DataFrame, kind: str, what: str, mine: str, theirs: str
) -> None:
    """Stored rows about to be merged with bundled ones: their levels must agree.

    The stored rows are compared with the bundled rows where both hold bars, or meet
    (:func:`~liqcascade.data._validate.level_gap`). A price 5× or more apart is refused:
    prices of one asset agree on every venue, so one source is in other units (or is
    another asset's), and every figure of the merged series would be wrong. Open
    interest or taker volume that far apart is a warning: the store may hold one venue's
    series, which the merge sets beside the bundle's all-venue one, and refusing would
    leave it unreadable (no command removes a stored series).

    Raises
    ------
    InputError
        A price gap, naming both sources and their levels.
    """
    gap = level_gap(stored, bundled, kind)
    if gap is None:
        return
    msg = f"{what}: {gap.describe(f'the stored rows ({mine})', theirs)}"
    if kind == "ohlcv":
        raise InputError(
            f"{msg}: one of them is in other units (cents, thousands) or another asset's "
            "prices; the store keeps rows once written: read from another store (or none), "
            "or ingest the file again, in USD, into a new one"
        )
    _LOG.warning(
        "warning: %s: in other units, or one venue's series beside an all-venue one; the "
        "merged series mixes the two levels",
        msg,
    )


def check_reference_levels(
    series: Sequence[SeriesFrame], store: str | Path | Store | None = None
) -> None:
    """Refuse a series 5× or more off the same series already held, before it is stored.

    A file of prices in cents (or in thousands, or another asset's labelled as this
    one) passes every rule inside the file, is stored, and is then merged with the
    bundled series of the asset. Here each series is compared, where it overlaps or
    meets them (:data:`~liqcascade.data._validate.LEVEL_NEAR`), with:

    - prices (``ohlcv`` closes): every stored price series of the same base asset, and
      the bundled daily prices of it (any venue: prices agree across venues);
    - open interest (``oi_usd``, else ``oi_base``) and taker volume (buy + sell, the same
      bars only): the stored series of the same venue, symbol and interval, and the
      bundled all-venue series when the file's venue is ``unknown``, ``all-venues`` or
      ``coinglass`` (or the bundle's own venue): one venue's open interest is a
      fraction of all venues', not a unit error;
    - liquidations (long + short USD, else ``total_usd``; totals over the bars both
      hold, 6 bars or more: :data:`~liqcascade.data._validate.MIN_LIQUIDATION_BARS`):
      the stored series of the same label, the bundled one of the same venue and
      interval (Binance 4 h, Hyperliquid daily), and Binance's bundled 4-hour series
      for a file labelled ``all-venues`` or ``coinglass`` (at 100× either way:
      :data:`~liqcascade.data._validate.LOOSE_LEVEL_RATIO`) or ``unknown`` (500×:
      :data:`~liqcascade.data._validate.UNNAMED_LEVEL_RATIO`).

    Other kinds are not compared. A median ratio of :data:`MAX_LEVEL_RATIO` or more
    either way is refused.

    Parameters
    ----------
    series : sequence of SeriesFrame
        Validated series (as :func:`~liqcascade.data.read_file` returns them).
    store : str, Path or Store, optional
        The store the series are about to go in (read only; a path that does not exist
        holds nothing); None compares with the bundled data alone.

    Raises
    ------
    InputError
        Naming the file, the series, both levels and the source compared with.
    """
    st: Store | None
    owned = False
    if isinstance(store, Store):
        st = store if store.exists else None
    elif store is not None and Path(store).exists():
        st, owned = Store(Path(store), read_only=True), True
    else:
        st = None
    try:
        for s in series:
            if s.kind in LEVEL_NEAR and not s.frame.empty:
                _check_against_references(s, st)
    finally:
        if owned and st is not None:
            st.close()


def _check_against_references(s: SeriesFrame, st: Store | None) -> None:
    """:func:`check_reference_levels` for one series."""
    mine = _finish(s.frame.drop(columns=["_row"], errors="ignore"), s.kind, ())
    pad = LEVEL_NEAR[s.kind]
    lo, hi = mine.index.min() - pad, mine.index.max() + pad
    asset = base_asset(s.symbol)
    if s.kind == "depth":
        mine = depth_totals(mine)
        refs = _book_references(s, asset, lo, hi)
    else:
        refs = _references(s, asset, st, lo, hi)
    for label, ref, limit in refs:
        gap = level_gap(mine, ref, s.kind, limit)
        if gap is None:
            continue
        raise InputError(
            f"{s.file}: {s.kind} {s.symbol} {s.interval}: {gap.describe('the file', label)}"
            f"{gap.unit_hint() if s.kind in ('liquidations', 'depth') else ''}: "
            f"{limit:g}× or more apart is {_what_else(s)}",
            param=_what_else_param(s),
        )


def _what_else(s: SeriesFrame) -> str:
    """What a level 5× off the known one means for ``s``, and what to give."""
    if s.kind == "ohlcv":
        what = ("a file in other units (cents, thousands) or another asset's prices, never the "
                "same market")  # fmt: skip
        if _symbol_defaulted(s):
            what += f"; the file does not say which market it is (labelled {s.symbol}): give symbol"
        return what
    return (
        "a file in other units (cents, thousands) or another series of the asset (one "
        "exchange's, spot, one margin type) under the same label: give venue, a label of its "
        "own, to store it apart, or use a store of its own (a command that names no venue "
        "reads the asset's series with the most rows, whatever its label)"
    )


def _what_else_param(s: SeriesFrame) -> str | None:
    if s.kind != "ohlcv":
        return "venue"
    return "symbol" if _symbol_defaulted(s) else None


def _symbol_defaulted(s: SeriesFrame) -> bool:
    """Whether ``s`` was labelled with the default symbol (neither the file nor the caller said)."""
    return any("no symbol in the file" in w for w in s.warnings)


def _references(
    s: SeriesFrame, asset: str, st: Store | None, lo: pd.Timestamp, hi: pd.Timestamp
) -> list[tuple[str, pd.DataFrame, float]]:
    """The sources ``s`` is compared with: (label, frame indexed by time, ratio limit) each."""
    out: list[tuple[str, pd.DataFrame, float]] = []
    if st is not None:
        listing = st.list_series(gaps=False)  # the labels: no gaps counted
        rows = listing[listing["kind"] == s.kind] if not listing.empty else listing
        if s.kind == "ohlcv":
            rows = rows[rows["symbol"].map(base_asset) == asset]
        else:
            rows = rows[(rows["venue"] == s.venue) & (rows["symbol"] == s.symbol)
                        & (rows["interval"] == s.interval)]  # fmt: skip
        for _, r in rows.iterrows():
            key = {"venue": str(r["venue"]), "symbol": str(r["symbol"]),
                   "interval": str(r["interval"])}  # fmt: skip
            df = st.read(s.kind, **key, start=lo, end=hi)
            if not df.empty:
                label = f"the stored {s.kind} {'/'.join(key.values())} ({st.path})"
                frame = _finish(df, s.kind, ("venue", "symbol", "interval"))
                out.append((label, frame, MAX_LEVEL_RATIO))
    interval = "1d" if s.kind == "ohlcv" else s.interval
    b = _from_bundled(s.kind, asset, None, interval, lo, hi)
    if b is None or b.empty:
        return out
    label = str(b.attrs.get("source", "bundled")).replace(":", " ")
    b_venue = str(b.attrs.get("venue", ""))
    if _same_venue(s, b_venue):
        out.append((label, _finish(b, s.kind, ()), MAX_LEVEL_RATIO))
    elif s.kind == "liquidations" and b_venue.lower() == "binance":  # not another venue's
        loose = {"all-venues": LOOSE_LEVEL_RATIO, "coinglass": LOOSE_LEVEL_RATIO,
                 "unknown": UNNAMED_LEVEL_RATIO}.get(s.venue.lower())  # fmt: skip
        if loose is not None:
            out.append((label, _finish(b, s.kind, ()), loose))
    return out


#: The bundled order-book totals a depth file of each venue label is compared with
#: (``{asset}`` lower case), and the ratio limit: the same book 5×, an unnamed one 500×.
_BOOK_REFERENCES: dict[str, tuple[str, float]] = {
    "all-venues": ("{asset}_futures_book_8h", MAX_LEVEL_RATIO),
    "coinglass": ("{asset}_futures_book_8h", MAX_LEVEL_RATIO),
    "all-venues-spot": ("{asset}_spot_book_4h", MAX_LEVEL_RATIO),
    "unknown": ("{asset}_futures_book_8h", UNNAMED_LEVEL_RATIO),
}


def depth_totals(df: pd.DataFrame) -> pd.DataFrame:
    """Bid + ask notional (USD) at 1 % of mid (``distance`` 0.01) per time, one row each.

    Parameters
    ----------
    df : pandas.DataFrame
        Depth rows indexed by time, with ``side``, ``distance`` and ``notional_usd`` (USD).

    Returns
    -------
    pandas.DataFrame
        Column ``notional_usd``; empty when no row is at distance 0.01.
    """
    at = df[np.isclose(df["distance"].astype("float64"), 0.01)]
    out = at.groupby(level=0)["notional_usd"].sum(min_count=1).to_frame()
    out.index.name = "ts"
    return out


def _book_references(
    s: SeriesFrame, asset: str, lo: pd.Timestamp, hi: pd.Timestamp
) -> list[tuple[str, pd.DataFrame, float]]:
    """The bundled order-book totals a depth file is compared with (label, frame, limit).

    CoinGlass's all-venue futures book (8 h) for a file labelled ``all-venues``,
    ``coinglass`` or (at 500×: it may be one exchange's) ``unknown``; its spot book (4 h)
    for ``all-venues-spot``.
    One exchange's depth is a part of all venues': not compared.
    """
    found = _BOOK_REFERENCES.get(s.venue.lower())
    if found is None:
        return []
    name = found[0].format(asset=asset.lower())
    if name not in datasets.names():
        return []
    b = datasets.load(name, lo, hi)
    if b.empty:
        return []
    ref = (b["bids_usd"] + b["asks_usd"]).rename("notional_usd").to_frame()
    return [(f"bundled {name} (bids_usd + asks_usd)", ref, found[1])]


def _same_venue(s: SeriesFrame, bundled_venue: str) -> bool:
    """Whether a bundled series of ``s``'s kind is the same market as ``s``'s file.

    Prices agree on every venue; open interest and volumes only within one: the bundle's
    all-venue series stands for a file labelled ``unknown`` (a CoinGlass download),
    ``all-venues`` or ``coinglass``.
    """
    if s.kind == "ohlcv":
        return True
    v = s.venue.lower()
    if bundled_venue == "all-venues":
        return v in ("unknown", "all-venues", "coinglass")
    return v == bundled_venue.lower()


def _interval_ms(interval: str) -> int | None:
    from liqcascade.data._time import interval_ms

    return interval_ms(interval)


#: Kinds whose readers take one stored series by asset and interval, whatever its venue
#: (the largest when several match; depth is found by its venue label instead).
_ANY_VENUE_KINDS = ("ohlcv", "open_interest", "funding", "liquidations", "taker", "long_short")


def competing_series(listing: pd.DataFrame, series: Sequence[SeriesFrame]) -> list[str]:
    """Warnings for stored series that share an asset, kind and interval with ``series``.

    Readers not given a venue (the estimated market, the back-tests, the report) take
    the series with the most rows among those of one kind, base asset and interval
    (:func:`_store_series`), so a second open-interest file stored under a venue label
    of its own (coin-margined, one exchange's) replaces the all-venue one wherever it
    holds more rows. One warning per such group that ``series`` wrote to, naming every
    series with its rows and the one read.

    Parameters
    ----------
    listing : pandas.DataFrame
        :meth:`Store.list_series` after the ingest.
    series : sequence of SeriesFrame
        The series just ingested.

    Returns
    -------
    list of str
        One line per group of two or more series; empty when every group has one.
    """
    if listing.empty:
        return []
    out: list[str] = []
    seen: set[tuple[str, str, str]] = set()
    for s in series:
        key = (s.kind, base_asset(s.symbol), s.interval)
        if s.kind not in _ANY_VENUE_KINDS or s.interval == "events" or key in seen:
            continue
        seen.add(key)
        rows = _candidates(listing, s.kind, key[1], interval=s.interval)
        if len(rows) < 2:
            continue
        counts = rows["rows"].astype(int).tolist()
        labels = (rows["venue"] + "/" + rows["symbol"]).tolist()
        names = [f"{label} ({n:,} rows)" for label, n in zip(labels, counts, strict=True)]
        read = rows.iloc[0]
        out.append(
            f"the store now holds {len(rows)} {s.kind} {key[1]} {s.interval} series: "
            f"{', '.join(names)}; a command that names no venue reads the one with the most "
            f"rows, {read['venue']}/{read['symbol']}, for {key[1]} (other series of the "
            "asset under another label are read only where their venue is asked): keep one "
            "series per kind in a store, or ingest the others into a store of their own"
        )
    return out


def _store_series(
    store: Store, kind: str, asset: str, venue: str | None, symbol: str | None, interval: str | None
) -> pd.Series | None:
    listing = store.list_series(gaps=False)
    if listing.empty:
        return None
    rows = _candidates(listing, kind, asset, venue=venue, symbol=symbol, interval=interval)
    return None if rows.empty else rows.iloc[0]


def _candidates(
    listing: pd.DataFrame,
    kind: str,
    asset: str,
    *,
    venue: str | None = None,
    symbol: str | None = None,
    interval: str | None = None,
) -> pd.DataFrame:
    """The stored series (rows of ``listing``) a reader of ``kind`` chooses from, in order.

    The one rule of which series a reader takes: those of the kind, the asset (or the
    symbol), the venue and the interval asked, the one with the most rows first (listing
    order among equals). :func:`_store_series` reads the first; :func:`competing_series`
    warns when a group holds more than one.
    """
    rows = listing[listing["kind"] == public_kind(kind)]
    if kind == "liquidation_events":
        rows = rows[rows["interval"] == "events"]
    elif kind == "liquidations":
        rows = rows[rows["interval"] != "events"]
    if symbol is not None:
        rows = rows[rows["symbol"].str.upper() == symbol.upper()]
    else:
        rows = rows[rows["symbol"].map(base_asset) == asset.upper()]
    if venue is not None:
        rows = rows[rows["venue"].str.lower() == venue.lower()]
    if interval is not None:
        rows = rows[rows["interval"] == interval]
    return rows.sort_values("rows", ascending=False, kind="stable")


def load_series(
    kind: str,
    *,
    asset: str = "ETH",
    venue: str | None = None,
    interval: str | None = None,
    start: Any = None,
    end: Any = None,
    data_file: str | Path | None = None,
    store: str | Path | Store | bool | None = None,
    symbol: str | None = None,
    funding_units: str | None = None,
) -> pd.DataFrame:
    """One canonical series: from ``data_file``, else the store, else the bundled data.

    Parameters
    ----------
    kind : {"ohlcv", "open_interest", "funding", "liquidations", "depth", "taker", \
"long_short"}
        Canonical kind; ``"liquidation_events"`` (or ``interval="events"``) for
        event-level liquidations. ``"long_short"`` returns the wide frame of
        :func:`liqcascade.datasets.load_long_short` (``<measure>_long_pct``, percent),
        built from the stored rows (one per time and measure). ``"depth"`` returns the
        long rows of one stored depth series (``side``, ``distance``, ``notional_usd``,
        ``depth_base``): a Binance ``bookDepth`` file, ``watch``'s live snapshots
        (``interval="events"``) or CoinGlass book totals (distance 0.01 only), whichever
        matches ``venue`` / ``interval`` (the largest if several do; give both to
        choose). Book totals as a wide frame: :func:`liqcascade.data.load_book_totals`.
    asset : str, default "ETH"
        Base asset; store series match when their symbol's base is ``asset``
        (ETHUSDT, ETH/USDT:USDT, ETH-USDT all match ETH).
    venue : str, optional
        Venue filter (``"binance"``, ``"bybit"``, ``"hyperliquid"``...). For bundled
        funding, a venue selects that venue's history instead of the OI-weighted aggregate.
    interval : str, optional
        Bar interval (``"1h"``, ``"4h"``, ``"1d"``...). Default per kind: ohlcv ``1d``,
        open_interest / liquidations / taker / long_short ``4h``; funding and depth any.
    start, end : datetime-like, optional
        Inclusive bounds (UTC); a date-only ``end`` includes the whole day.
    data_file : str or Path, optional
        A user's file (any layout :func:`read_file` recognises). When given it is the
        only source; a file without that series is an :class:`InputError`.
    store : str, Path, Store, bool, optional
        The store to look in: a path or :class:`Store`; ``None`` the default store
        (``$LIQCASCADE_STORE`` or ``~/.liqcascade/store.duckdb``, only if it exists);
        ``False`` skips the store.
    symbol : str, optional
        Exact store symbol (overrides the ``asset`` match).
    funding_units : {"fraction", "percent"}, optional
        The units of ``data_file``'s funding column as written (see
        :func:`read_file`); only with a funding ``data_file`` (stored and bundled
        funding are fractions already).

    Returns
    -------
    pandas.DataFrame
        Indexed by a tz-aware UTC ``DatetimeIndex`` named ``ts``, columns of the kind
        (as in :mod:`liqcascade.datasets`). ``df.attrs["source"]`` is ``"file:PATH"``,
        ``"store:PATH"`` or ``"bundled:NAME"``; ``attrs`` also holds ``kind``, ``asset``,
        ``venue``, ``symbol``, ``interval``.

    Raises
    ------
    InputError
        If no source holds the series (the message says what is missing), ``start`` or
        ``end`` is not a time, or ``start`` is after ``end``.

    Notes
    -----
    The store is used when it holds the series with at least one row in
    ``[start, end]``; otherwise the bundled data is used. When the bundle holds the same
    series (kind, asset, interval and venue asked), the stored rows are merged with it:
    stored rows win where both hold a bar, bundled rows fill the times the store lacks
    (``source`` then reads ``"store:PATH + bundled:NAME"``).
    """
    k = kind_of(kind, "kind").name
    _check_bounds(start, end)
    if interval is not None and interval.lower() == "events" and k == "liquidations":
        k = "liquidation_events"
    want_interval = interval if interval is not None else DEFAULT_INTERVAL.get(k)
    asset = asset.upper()

    if funding_units is not None and (data_file is None or k != "funding"):
        raise InputError(
            f"funding_units is for a funding data_file (got kind {k}"
            f"{', no data_file' if data_file is None else ''}): stored and bundled funding "
            "are fractions already",
            param="funding_units",
        )
    if data_file is not None:
        return _from_file(
            Path(data_file), k, asset, venue, symbol, interval, start, end, funding_units
        )

    st: Store | None
    owned = False
    if store is False:
        st = None
    elif isinstance(store, Store):
        st = store
    else:
        path = Path(store) if isinstance(store, str | Path) else None
        st = Store(path, read_only=True)
        owned = True
        if not st.exists:
            if path is not None:
                raise InputError(f"store: {path}: no such store", param="store")
            st = None
    if st is not None:
        try:
            row = _store_series(st, k, asset, venue, symbol, want_interval)
            if row is not None:
                df = st.read(
                    k,
                    venue=str(row["venue"]),
                    symbol=str(row["symbol"]),
                    interval=str(row["interval"]),
                )
                df = _finish(df, k, ("venue", "symbol", "interval"))
                df = _filter_time(df, start, end)
                if not df.empty:
                    source = f"store:{st.path}"
                    if want_interval is not None and str(row["interval"]) == want_interval:
                        df, extra = _fill_from_bundled(
                            df, k, asset, venue, want_interval, start, end, source
                        )
                        if extra:
                            source += f"{SOURCE_JOIN}{extra}"
                    df.attrs.update(
                        source=source,
                        kind=k,
                        asset=asset,
                        venue=str(row["venue"]),
                        symbol=str(row["symbol"]),
                        interval=str(row["interval"]),
                    )
                    return df
        finally:
            if owned:
                st.close()

    bundled = _from_bundled(k, asset, venue, want_interval, start, end)
    if bundled is None:
        what = (
            f"{k} {asset}"
            + (f" {venue}" if venue else "")
            + (f" {want_interval}" if want_interval else "")
        )
        raise SeriesNotFound(
            f"no {what} data: not in the store and not bundled; "
            "ingest it with `liqcascade data ingest FILE` or give its file as data_file",
            param="data_file",
        )
    attrs = dict(bundled.attrs)
    df = _finish(bundled, k, ())
    df.attrs.update(
        source=attrs.get("source", "bundled"),
        kind=k,
        asset=asset,
        venue=attrs.get("venue"),
        symbol=symbol or contract_symbol(asset),
        interval=want_interval,
    )
    return df


def _from_file(
    path: Path,
    kind: str,
    asset: str,
    venue: str | None,
    symbol: str | None,
    interval: str | None,
    start: Any,
    end: Any,
    funding_units: str | None = None,
) -> pd.DataFrame:
    from liqcascade.data._readers import read_file

    if not path.exists():
        raise InputError(f"data_file: {path}: no such file", param="data_file")
    series = read_file(path, kind=public_kind(kind), interval=interval, funding_units=funding_units)
    cand = [s for s in series if s.kind == kind]
    if not cand and kind == "liquidations":
        cand = [s for s in series if s.kind == "liquidation_events"]
    if len(cand) > 1:
        by_asset = [s for s in cand if base_asset(s.symbol) == asset or s.symbol == "unknown"]
        cand = by_asset or cand
        if symbol is not None:
            cand = [s for s in cand if s.symbol.upper() == symbol.upper()] or cand
        if venue is not None:
            cand = [s for s in cand if s.venue.lower() == venue.lower()] or cand
    if not cand:
        kinds = sorted({s.kind for s in series})
        raise InputError(f"{path}: holds {', '.join(kinds) or 'nothing'}, not {kind}")
    s = cand[0]
    warns = [w for w in s.warnings if "no symbol in the file" not in w]  # asset is given
    for w in warns:  # rows sorted, agreeing duplicates dropped: one stderr line each
        _LOG.warning("warning: %s", w)
    notes = [n for n in s.notes if "no symbol in the file" not in n]
    for n in notes:  # the layout's documented conversions: silent unless logging is set up
        _LOG.info("note: %s", n)
    df = _finish(s.frame.drop(columns=["_row"], errors="ignore"), s.kind, ())
    df = _filter_time(df, start, end)
    df.attrs.update(
        source=f"file:{path}",
        kind=s.kind,
        asset=asset,
        venue=s.venue,
        symbol=s.symbol,
        interval=s.interval,
        warnings=warns,
        notes=notes,
    )
    return df
