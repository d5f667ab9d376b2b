"""Order-book totals and long/short ratios of any asset: from the store, else bundled.

CoinGlass's order-book totals (``bids_usd``, ``asks_usd`` within its default range of
mid, believed +/-1 %) are stored as ``depth`` rows at distance 0.01, one per side; which
market a file is (the all-venue futures book, the spot book, one exchange's perpetual)
is its **venue label**, given at ingest (``--venue``): the content of CoinGlass's files
does not say. :func:`load_book_totals` turns the stored rows back into the frame of
:func:`liqcascade.datasets.load_book_totals`.

Two readers of the one ``depth`` table, on purpose: ``load_series("depth")`` returns
the rows of one stored depth series as stored (``side``, ``distance``,
``notional_usd``, ``depth_base``; whichever series matches the venue and interval
asked: a Binance ``bookDepth`` file, ``watch``'s live snapshots, or book totals at
distance 0.01), never two series mixed; :func:`load_book_totals` reads only series
whose every row is at distance 0.01 (book totals), so depth at several distances under
the same venue label is never taken for totals.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from liqcascade._symbols import base_asset, contract_symbol
from liqcascade._time import utc_end
from liqcascade.data import bundled as datasets
from liqcascade.data._frame import SeriesFrame
from liqcascade.data._readers import series_from_raw
from liqcascade.data._series import SeriesNotFound
from liqcascade.data._source import SOURCE_JOIN
from liqcascade.data._store import Store
from liqcascade.errors import InputError

__all__ = [
    "BOOK_DISTANCE",
    "BOOK_VENUES",
    "book_totals_series",
    "load_book_totals",
    "long_short_series",
]

#: Distance from mid (fraction) at which order-book totals are stored as depth.
BOOK_DISTANCE = 0.01

#: Venue labels naming the all-venue futures and spot book totals (the first is the one
#: to give at ingest). Any other ``market`` is read as one venue's label (``binance``).
BOOK_VENUES: dict[str, tuple[str, ...]] = {
    "futures": ("all-venues", "all-venues-futures", "coinglass", "coinglass-futures", "futures"),
    "spot": ("all-venues-spot", "coinglass-spot", "spot"),
}

_BOOK_COLUMNS = ("bids_usd", "bids_base", "asks_usd", "asks_base")


def _venues(market: str) -> tuple[str, ...]:
    m = market.strip().lower()
    return BOOK_VENUES.get(m, (m,))


def _open(store: str | Path | Store | bool | None) -> tuple[Store | None, bool]:
    """The store to read (``None`` the default one if it exists; ``False`` none)."""
    if store is False:
        return None, False
    if isinstance(store, Store):
        return store, False
    path = Path(store) if isinstance(store, str | Path) else None
    st = Store(path, read_only=True)
    if not st.exists:
        if path is not None:
            raise InputError(f"store: {path}: no such store", param="store")
        return None, False
    return st, True


def _is_totals(rows: pd.DataFrame) -> bool:
    """Whether stored depth rows are order-book totals: every row at :data:`BOOK_DISTANCE`.

    A Binance ``bookDepth`` file or ``watch``'s live snapshots are depth at several
    distances (their 1 % rows are cumulative depth, not CoinGlass's totals): never
    read as book totals, even under the same venue label.
    """
    return bool(len(rows)) and bool(((rows["distance"] - BOOK_DISTANCE).abs() < 1e-12).all())


def _totals_from_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Depth rows at :data:`BOOK_DISTANCE` (``ts, side, notional_usd, depth_base``) -> totals."""
    near = rows[(rows["distance"] - BOOK_DISTANCE).abs() < 1e-12]
    out = {}
    for side, name in (("bid", "bids"), ("ask", "asks")):
        s = near[near["side"] == side].set_index("ts")
        out[f"{name}_usd"] = s["notional_usd"].astype("float64")
        out[f"{name}_base"] = s["depth_base"].astype("float64")
    df = pd.DataFrame(out).reindex(columns=list(_BOOK_COLUMNS))
    df.index = pd.DatetimeIndex(df.index).tz_convert("UTC")
    df.index.name = "ts"
    return df.sort_index(kind="stable")


def _bundled(asset: str, market: str, start: Any, end: Any) -> pd.DataFrame | None:
    try:
        return datasets.load_book_totals(asset, market=market.lower(), start=start, end=end)
    except KeyError:
        return None


def load_book_totals(
    asset: str = "ETH",
    market: str = "futures",
    *,
    interval: str | None = None,
    start: Any = None,
    end: Any = None,
    store: str | Path | Store | bool | None = None,
) -> pd.DataFrame:
    """Order-book bid/ask totals near mid of ``asset``: the store's, else the bundled ones.

    Parameters
    ----------
    asset : str, default "ETH"
        Base asset; a stored series matches when its symbol's base is ``asset``.
    market : str, default "futures"
        ``"futures"``: the all-venue futures book (stored under venue ``all-venues``,
        what the estimated market reads); ``"spot"``: the all-venue spot book (venue
        ``all-venues-spot``); any other value is one venue's label (``"binance"``: the
        Binance perpetual alone). See :data:`BOOK_VENUES`.
    interval : str, optional
        Bar interval of the stored series (``"8h"``, ``"4h"``); any by default (the
        largest matching series wins).
    start, end : datetime-like, optional
        Inclusive bounds (UTC).
    store : str, Path, Store, bool, optional
        As in :func:`liqcascade.data.load_series`: a path or :class:`Store`; ``None``
        the default store if it exists; ``False`` skips the store.

    Returns
    -------
    pandas.DataFrame
        Indexed by a UTC ``DatetimeIndex`` ``ts``; ``bids_usd``, ``asks_usd`` (USD) and
        ``bids_base``, ``asks_base`` (base units, NaN when the file had no quantities)
        within CoinGlass's default range of mid (stored at distance 0.01). The store's
        rows are merged over the bundled series of the same asset, market and interval
        (stored rows win; bundled rows fill the other times). ``attrs["source"]`` is
        ``"store:PATH"``, ``"store:PATH + bundled:NAME"`` or ``"bundled:NAME"``.
        Only stored depth series whose every row is at distance 0.01 are read: a
        ``bookDepth`` file or live snapshots under the same venue label are skipped
        (read those with ``load_series("depth", venue=..., interval=...)``).

    Raises
    ------
    SeriesNotFound
        Neither the store nor the bundle holds them (the message names the asset and
        what to ingest): the one error a caller may read as "no totals".
    InputError
        A store that cannot be opened or read.
    """
    a = asset.strip().upper()
    venues = _venues(market)
    st, owned = _open(store)
    unlabelled: list[str] = []
    try:
        if st is not None:
            listing = st.list_series(gaps=False)
            rows = listing[(listing["kind"] == "depth")] if not listing.empty else listing
            if not rows.empty:
                rows = rows[rows["symbol"].map(base_asset) == a]
            if not rows.empty:
                unlabelled = sorted(set(rows["venue"]) & {"unknown"})
                rows = rows[rows["venue"].str.lower().isin(venues)]
                if interval is not None:
                    rows = rows[rows["interval"] == interval]
            for r in rows.sort_values("rows", ascending=False, kind="stable").itertuples():
                stored = st.read("depth", venue=str(r.venue), symbol=str(r.symbol),
                                 interval=str(r.interval), start=start,
                                 end=None if end is None else utc_end(end))  # fmt: skip
                if not _is_totals(stored):
                    continue  # depth at several distances: a Binance bookDepth or live book
                df = _totals_from_rows(stored)
                if df.empty:
                    continue
                source = f"store:{st.path}"
                b = _bundled(a, market, start, end)
                if b is not None and _interval_of(a, market) == str(r.interval):
                    b = b.reindex(columns=list(_BOOK_COLUMNS))
                    b.index = pd.DatetimeIndex(b.index).as_unit(pd.DatetimeIndex(df.index).unit)
                    if not b.index.isin(df.index).all():
                        df = df.combine_first(b)[list(_BOOK_COLUMNS)]
                        source += f"{SOURCE_JOIN}bundled:{_bundled_name(a, market)}"
                df.attrs.update(source=source, asset=a, market=market, venue=str(r.venue),
                                symbol=str(r.symbol), interval=str(r.interval))  # fmt: skip
                return df
    finally:
        if owned and st is not None:
            st.close()
    b = _bundled(a, market, start, end)
    if b is not None:
        b.attrs.update(source=f"bundled:{_bundled_name(a, market)}", asset=a, market=market,
                       interval=_interval_of(a, market))  # fmt: skip
        return b
    label = venues[0]
    what = {"futures": "all-venue futures", "spot": "all-venue spot"}.get(
        market.lower(), f"{label}"
    )
    hint = (
        f"; the store holds {a} depth under venue {', '.join(unlabelled)}: book totals are "
        f"found by their market label (ingest the file again with venue {label})"
        if unlabelled
        else ""
    )
    raise SeriesNotFound(
        f"no {what} order-book totals for {a}: not in the store and not bundled "
        f"(bundled: {', '.join(datasets.assets())}); ingest CoinGlass's {what} order-book "
        f"totals (time, bids_usd, asks_usd) with `liqcascade data ingest FILE`, venue "
        f"{label}, symbol {contract_symbol(a)}{hint}",
        param="asset",
    )


_BUNDLED_STEMS = {
    "futures": "futures_book_8h",
    "spot": "spot_book_4h",
    "binance": "binance_book_4h",
}


def _bundled_name(asset: str, market: str) -> str:
    return f"{asset.lower()}_{_BUNDLED_STEMS.get(market.lower(), '')}"


def _interval_of(asset: str, market: str) -> str | None:
    d = datasets.DATASETS.get(_bundled_name(asset, market))
    return d.interval if d is not None else None


def book_totals_series(
    totals: pd.DataFrame,
    *,
    symbol: str,
    venue: str = "all-venues",
    interval: str | None = None,
    file: str = "frame",
) -> SeriesFrame:
    """A validated ``depth`` series (distance 0.01) from a book-totals frame, to ingest.

    Parameters
    ----------
    totals : pandas.DataFrame
        Indexed by ``ts`` with ``bids_usd``, ``asks_usd`` (USD) and optionally
        ``bids_base``, ``asks_base`` (base units): the frame :func:`load_book_totals`
        returns.
    symbol : str
        Store symbol (``SOLUSDT``).
    venue : str, default "all-venues"
        Market label: ``all-venues`` (futures), ``all-venues-spot``, or an exchange.
    interval : str, optional
        Bar interval; inferred from the times when not given.
    file : str
        Label for messages.
    """
    raw = totals.reset_index()
    raw["ts"] = pd.DatetimeIndex(raw["ts"]).tz_convert("UTC")
    (s,) = series_from_raw(raw, False, file, venue=venue, symbol=symbol, interval=interval)
    return s


def long_short_series(
    wide: pd.DataFrame,
    *,
    symbol: str,
    venue: str = "binance",
    interval: str | None = "4h",
    file: str = "frame",
) -> SeriesFrame:
    """A validated ``long_short`` series from the wide frame (``<measure>_long_pct``).

    Parameters
    ----------
    wide : pandas.DataFrame
        Indexed by ``ts``; ``global_account_long_pct``, ``top_account_long_pct``,
        ``top_position_long_pct`` (percent long; NaN where a measure has no value): the
        frame ``load_series("long_short", ...)`` and
        :func:`liqcascade.datasets.load_long_short` return.
    symbol, venue, interval, file : str
        Series labels, as in :func:`book_totals_series`.
    """
    raw = wide.reset_index()
    raw["ts"] = pd.DatetimeIndex(raw["ts"]).tz_convert("UTC")
    (s,) = series_from_raw(raw, False, file, venue=venue, symbol=symbol, interval=interval)
    return s
