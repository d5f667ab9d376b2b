"""Bundled real market data, with a loader for each dataset and its provenance.

Every time-series loader returns a :class:`pandas.DataFrame` indexed by a tz-aware
UTC :class:`pandas.DatetimeIndex` named ``ts``, in the canonical layouts of
docs/design.md. A per-asset loader takes the asset first, then ``start``/``end``
by keyword (inclusive; anything :func:`pandas.Timestamp` accepts, read as UTC;
:func:`load_ohlcv` and :func:`load` also take them by position, after the interval or
the name). A date given where the asset goes is refused (:class:`InputError` naming
``asset``), as is a bad date (naming ``start`` or ``end``).

Examples
--------
>>> from liqcascade.data import bundled as datasets
>>> eth = datasets.load_ohlcv("ETH", "1d", start="2022-06-18", end="2022-06-18")
>>> float(eth["low"].iloc[0])
881.56
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib.resources import files
from typing import Any

import pandas as pd

from liqcascade._paths import read_parquet_bytes
from liqcascade._time import to_utc, utc_end
from liqcascade.data.bundled._registry import (
    AAVE_HORIZON_PARAMS_FILE,
    AAVE_HORIZON_PARAMS_SOURCE,
    AAVE_RESERVE_PARAMS_FILE,
    AAVE_RESERVE_PARAMS_SOURCE,
    COINGLASS_SOURCE,
    DATASETS,
    Dataset,
)
from liqcascade.errors import InputError

__all__ = [
    "AAVE_RESERVE_PARAMS_FILE",
    "COINGLASS_SOURCE",
    "DATASETS",
    "Dataset",
    "assets",
    "load",
    "load_aave_horizon_params",
    "load_aave_reserve_params",
    "load_book_totals",
    "load_funding",
    "load_hyperliquid_markets",
    "load_hyperliquid_positions",
    "load_liquidations",
    "load_long_short",
    "load_ohlcv",
    "load_open_interest",
    "load_taker",
    "names",
    "provenance",
]

_OHLCV = {
    ("ETH", "1d"): "eth_1d",
    ("BTC", "1d"): "btc_1d",
    ("ETH", "1h"): "eth_1h",
    ("BTC", "1h"): "btc_1h",
    ("ETH", "30m"): "eth_30m",
    ("USDE", "1m"): "usde_1m",
}

#: Assets with the CoinGlass derivatives series (open interest, liquidations, funding,
#: book totals, taker flow) bundled, 2024-11 -> 2025-07 (taker flow to 2025-05-12).
_DERIV_ASSETS = ("ETH", "BTC")


def assets() -> tuple[str, ...]:
    """Assets whose derivatives series are bundled (a position book can be estimated)."""
    return _DERIV_ASSETS


def _asset_first(asset: Any, loader: str, selector: tuple[str, Any] | None = None) -> str:
    """``asset`` upper-cased, or an :class:`InputError` if it is a date (or a selector).

    The per-asset loaders take the asset first and the dates by keyword; an older call
    that gave ``start`` first (or, to :func:`load_funding` and :func:`load_book_totals`,
    a venue or a market: ``selector`` is that parameter's name and its known values) is
    told what to write.
    """
    if not isinstance(asset, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", asset.strip()):
        raise InputError(
            f"asset must be an asset symbol such as 'ETH' (got {asset!r}): {loader} takes "
            f"the asset first and the dates by keyword, {loader}('ETH', start=..., end=...)",
            param="asset",
        )
    a = asset.strip().upper()
    if selector is not None and a not in _DERIV_ASSETS and asset.strip().lower() in selector[1]:
        what = selector[0]
        raise InputError(
            f"asset must be an asset symbol such as 'ETH' (got {asset!r}, a {what}): "
            f"{loader} takes the asset first, {loader}('ETH', {what}={asset.strip().lower()!r})",
            param="asset",
        )
    return a


def _deriv(asset: str, stem: str) -> str:
    a = asset.upper()
    if a not in _DERIV_ASSETS:
        raise KeyError(
            f"no bundled derivatives data for {asset}; bundled: {', '.join(_DERIV_ASSETS)}"
        )
    return f"{a.lower()}_{stem}"


def names() -> list[str]:
    """Names of the bundled datasets, in registry order."""
    return list(DATASETS)


@lru_cache(maxsize=64)
def _read(name: str) -> pd.DataFrame:
    path = files("liqcascade.data.bundled") / "_files" / DATASETS[name].file
    df = read_parquet_bytes(path.read_bytes())
    if "ts" in df.columns:
        df["ts"] = pd.to_datetime(df["ts"], utc=True)
        df = df.set_index("ts")
    return df


def _rows(name: str) -> int:
    """Rows of a bundled dataset, read from its Parquet footer (the columns are not read).

    What ``len(_read(name))`` gives, without decoding the file: reading every bundled
    file for :func:`provenance` cost about 1 s of CPU.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = files("liqcascade.data.bundled") / "_files" / DATASETS[name].file
    return int(pq.read_metadata(pa.BufferReader(path.read_bytes())).num_rows)


def load(name: str, start: Any = None, end: Any = None) -> pd.DataFrame:
    """Load one bundled dataset by name.

    Parameters
    ----------
    name : str
        One of :func:`names`.
    start, end : str or datetime-like, optional
        Inclusive bounds on ``ts`` (UTC).

    Returns
    -------
    pandas.DataFrame
        A copy, indexed by ``ts`` where the dataset has times.

    Raises
    ------
    KeyError
        If ``name`` is not a bundled dataset.
    InputError
        If ``start`` or ``end`` is not a date or time (names it).
    """
    if name not in DATASETS:
        raise KeyError(f"unknown dataset {name!r}; known: {', '.join(DATASETS)}")
    df = _read(name)
    if isinstance(df.index, pd.DatetimeIndex):
        if start is not None:
            df = df[df.index >= to_utc(start, "start")]
        if end is not None:
            df = df[df.index <= utc_end(end, "end")]
    return df.copy()


def load_ohlcv(
    asset: str = "ETH", interval: str = "1d", start: Any = None, end: Any = None
) -> pd.DataFrame:
    """Binance spot OHLCV of ``asset`` at ``interval`` (price USDT, volume base units).

    Parameters
    ----------
    asset : {"ETH", "BTC"}
        Base asset.
    interval : {"1d", "1h", "30m"}
        Bar interval (30m for ETH only).
    start, end : datetime-like, optional
        Inclusive bounds (UTC; a bare-date ``end`` includes that whole day); by keyword
        or by position after ``interval``.

    Raises
    ------
    KeyError
        No bundled bars of ``asset`` at ``interval``.
    InputError
        ``asset`` is not an asset symbol (a date given first), or a bad date.
    """
    key = (_asset_first(asset, "load_ohlcv"), interval)
    if key not in _OHLCV:
        known = ", ".join(f"{a} {i}" for a, i in _OHLCV)
        raise KeyError(f"no bundled OHLCV for {asset} {interval}; bundled: {known}")
    return load(_OHLCV[key], start, end)


def load_open_interest(asset: str = "ETH", *, start: Any = None, end: Any = None) -> pd.DataFrame:
    """Aggregated open interest across venues, 4-hourly, USD (``oi_usd`` = bar close).

    Parameters
    ----------
    asset : {"ETH", "BTC"}, default "ETH"
        Base asset.
    start, end : str or datetime-like, optional, keyword-only
        Inclusive bounds on the bar labels (open times, UTC; naive read as UTC); a
        bare-date ``end`` includes that whole day.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``ts`` (bar open, UTC).

    Raises
    ------
    KeyError
        No bundled series of ``asset``.
    InputError
        ``asset`` is not an asset symbol (a date given first), or a bad date.
    """
    return load(_deriv(_asset_first(asset, "load_open_interest"), "oi_4h"), start, end)


def load_liquidations(asset: str = "ETH", *, start: Any = None, end: Any = None) -> pd.DataFrame:
    """Recorded Binance liquidations, 4-hourly: ``long_usd``, ``short_usd`` (USD).

    Parameters
    ----------
    asset : {"ETH", "BTC"}, default "ETH"
        Base asset.
    start, end : str or datetime-like, optional, keyword-only
        Inclusive bounds on the bar labels (open times, UTC; naive read as UTC); a
        bare-date ``end`` includes that whole day.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``ts`` (bar open, UTC).

    Raises
    ------
    KeyError
        No bundled series of ``asset``.
    InputError
        ``asset`` is not an asset symbol (a date given first), or a bad date.
    """
    return load(_deriv(_asset_first(asset, "load_liquidations"), "liquidations_4h"), start, end)


def load_taker(asset: str = "ETH", *, start: Any = None, end: Any = None) -> pd.DataFrame:
    """Futures taker buy/sell volume, 4-hourly: ``buy_usd``, ``sell_usd`` (USD).

    CoinGlass's source columns hold coin units despite their ``_usd`` names; the bundle
    converts them at each bar's close (see :func:`provenance`). Values end 2025-05-12
    16:00 UTC for both assets (BTC's frame runs to 2025-07-31 with empty rows).

    Parameters
    ----------
    asset : {"ETH", "BTC"}, default "ETH"
        Base asset.
    start, end : str or datetime-like, optional, keyword-only
        Inclusive bounds on the bar labels (open times, UTC; naive read as UTC); a
        bare-date ``end`` includes that whole day.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``ts`` (bar open, UTC).

    Raises
    ------
    KeyError
        No bundled series of ``asset``.
    InputError
        ``asset`` is not an asset symbol (a date given first), or a bad date.
    """
    return load(_deriv(_asset_first(asset, "load_taker"), "taker_4h"), start, end)


def load_long_short(asset: str = "BTC", *, start: Any = None, end: Any = None) -> pd.DataFrame:
    """Binance perpetual long/short ratios, 4-hourly, percent long (BTC only).

    Columns ``global_account_long_pct`` (share of all accounts net long),
    ``top_account_long_pct`` (of top traders' accounts) and ``top_position_long_pct``
    (of top traders' position size).

    Parameters
    ----------
    asset : {"BTC"}, default "BTC"
        Base asset (only BTC is bundled).
    start, end : str or datetime-like, optional, keyword-only
        Inclusive bounds on the bar labels (open times, UTC; naive read as UTC); a
        bare-date ``end`` includes that whole day.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``ts`` (bar open, UTC); percent columns (0-100).

    Raises
    ------
    KeyError
        ``asset`` is not BTC.
    InputError
        ``asset`` is not an asset symbol (a date given first), or a bad date.
    """
    if _asset_first(asset, "load_long_short") != "BTC":
        raise KeyError(f"no bundled long/short ratios for {asset}; bundled: BTC")
    return load("btc_long_short_4h", start, end)


def load_hyperliquid_positions(asset: str | None = None) -> pd.DataFrame:
    """Real Hyperliquid positions of ~1,000 large accounts, Feb 2026 (94 snapshots).

    Columns: ``address``, ``account_value`` (USD), ``asset``, ``side`` (long/short),
    ``size`` (base), ``entry_price``, ``leverage`` (as set), ``position_value`` (USD),
    ``mark_price``, ``unrealized_pnl``, ``liq_price`` (NaN: cannot be liquidated).

    Parameters
    ----------
    asset : str, optional
        Keep only this base asset's positions (any case; ``"ETH"``, ``"BTC"``);
        None keeps all.

    Returns
    -------
    pandas.DataFrame
    """
    df = load("hyperliquid_positions_2026_02")
    if asset is not None:
        df = df[df["asset"] == asset.upper()]
    return df


def load_hyperliquid_markets(asset: str | None = None) -> pd.DataFrame:
    """Hyperliquid market snapshots, Feb 2026: mark, index, open interest, funding.

    Prices and open interest USD, funding percent per hour (see :func:`provenance`).

    Parameters
    ----------
    asset : str, optional
        Keep only this base asset's rows (any case; ``"ETH"``, ``"BTC"``); None keeps
        all.

    Returns
    -------
    pandas.DataFrame
    """
    df = load("hyperliquid_markets_2026_02")
    if asset is not None:
        df = df[df["asset"] == asset.upper()]
    return df


def load_funding(
    asset: str = "ETH", *, venue: str | None = None, start: Any = None, end: Any = None
) -> pd.DataFrame:
    """Funding: ``rate`` (fraction per ``interval_hours``).

    Parameters
    ----------
    asset : {"ETH", "BTC"}, default "ETH"
        Base asset.
    venue : str, optional, keyword-only
        ``None`` gives the OI-weighted aggregate (4-hourly, 2024-11 -> 2025-07); a venue
        name gives that venue's history, 2020-2023 and 2024-11 -> 2025-07 joined
        (ETH only).
    start, end : str or datetime-like, optional, keyword-only
        Inclusive bounds on the bar labels (open times, UTC; naive read as UTC); a
        bare-date ``end`` includes that whole day.

    Returns
    -------
    pandas.DataFrame
        ``rate`` (a fraction, not percent, per funding interval: 0.0001 is 0.01 %
        per 8 h) and ``interval_hours`` (that interval, hours), indexed by ``ts``
        (UTC); per venue, also ``venue``.

    Raises
    ------
    KeyError
        No bundled funding of ``asset`` or ``venue``.
    InputError
        ``asset`` is not an asset symbol (a date or a venue given first), or a bad date.
    """
    asset = _asset_first(asset, "load_funding", ("venue", _funding_venues()))
    if venue is None:
        return load(_deriv(asset, "funding_4h_oi_weighted"), start, end)
    if asset != "ETH":
        raise KeyError(f"no bundled per-venue funding history for {asset}; bundled: ETH")
    frames = []
    for name in ("eth_funding_2020_2023", "eth_funding_8h_by_venue"):
        df = load(name, start, end)
        frames.append(df[df["venue"] == venue.lower()])
    df = load("funding_by_venue_2025", start, end)
    frames.append(df[(df["venue"] == venue.lower()) & (df["asset"] == "ETH")].drop(columns="asset"))
    out = pd.concat(frames).sort_index()
    out = out[~out.index.duplicated(keep="last")]
    if out.empty:
        raise KeyError(f"no bundled funding for venue {venue!r}")
    return out


def load_book_totals(
    asset: str = "ETH", *, market: str = "futures", start: Any = None, end: Any = None
) -> pd.DataFrame:
    """Aggregated order-book totals near mid: ``bids_usd``/``asks_usd`` USD, ``*_base`` base.

    Parameters
    ----------
    asset : {"ETH", "BTC"}, default "ETH"
        Base asset.
    market : {"futures", "spot", "binance"}, default "futures", keyword-only
        All-venue futures (8-hourly) or spot (4-hourly) books; ``"binance"``: Binance's
        perpetual alone (4-hourly, BTC only).
    start, end : str or datetime-like, optional, keyword-only
        Inclusive bounds on the bar labels (open times, UTC; naive read as UTC); a
        bare-date ``end`` includes that whole day.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``ts`` (UTC). The band is CoinGlass's default range, believed
        ±1 % of mid (not verified; see :func:`provenance`).

    Raises
    ------
    KeyError
        Unknown ``market`` or no such bundled series.
    InputError
        ``asset`` is not an asset symbol (a date or a market given first), or a bad date.
    """
    stems = {"futures": "futures_book_8h", "spot": "spot_book_4h", "binance": "binance_book_4h"}
    asset = _asset_first(asset, "load_book_totals", ("market", stems))
    if market not in stems:
        raise KeyError(f"market must be one of {', '.join(stems)} (got {market!r})")
    name = _deriv(asset, stems[market])
    if name not in DATASETS:
        raise KeyError(f"no bundled {market} book totals for {asset}")
    return load(name, start, end)


@lru_cache(maxsize=1)
def _funding_venues() -> frozenset[str]:
    """The venues whose funding history is bundled (lower case)."""
    names = ("eth_funding_2020_2023", "eth_funding_8h_by_venue", "funding_by_venue_2025")
    return frozenset(v for n in names for v in _read(n)["venue"].unique())


@lru_cache(maxsize=1)
def _aave_params() -> dict[str, Any]:
    text = (files("liqcascade.data.bundled") / "_files" / AAVE_RESERVE_PARAMS_FILE).read_text()
    return dict(json.loads(text))


def load_aave_horizon_params() -> pd.DataFrame:
    """Aave Horizon (RWA market) parameters per tokenised asset: LTV, threshold, bonus, caps.

    Percent columns as transcribed (``*_pct``); some e-mode cells hold an update
    (``"73->74"``) and are kept as text. The source line is in :func:`provenance`.

    Returns
    -------
    pandas.DataFrame
        One row per asset. Units differ from :func:`load_aave_reserve_params` and
        :class:`liqcascade.margin.AaveReserve`, which hold fractions and a bonus
        multiplier: here ``*_ltv_pct`` and ``*_lt_pct`` are percents (``88`` = 0.88)
        and ``liq_bonus_pct`` is the bonus in percent (``3.0`` = a multiplier of 1.03).
        ``emode_gho_ltv_pct`` and ``emode_gho_lt_pct`` are text (object columns): a
        cell with an update reads ``"73->74"`` (before -> after, percents), so
        ``pd.to_numeric`` refuses it; split on ``"->"`` to use it. Supply caps are
        token units; ``price_feed`` is the oracle adapter's name and address.
        ``.attrs`` holds the file's first line: ``source`` (the line itself),
        ``repository`` (``"aave/aave-v3-horizon"``), ``commits`` (deployment input file ->
        40-hex commit) and ``date`` (the commits' date, ``"2025-08-21"``).

    Examples
    --------
    >>> h = load_aave_horizon_params()
    >>> h.attrs["date"], h.attrs["commits"]["HorizonPhaseOneListing.sol"][:8]
    ('2025-08-21', '8c290476')
    """
    path = files("liqcascade.data.bundled") / "_files" / AAVE_HORIZON_PARAMS_FILE
    with path.open("r") as fh:
        first = fh.readline()
        fh.seek(0)
        frame = pd.read_csv(fh, comment="#")
    frame.attrs.update(_horizon_source(first))
    return frame


def _horizon_source(line: str) -> dict[str, Any]:
    """The Horizon table's source line read: repository, commit per input file, date."""
    line = line.lstrip("#").strip()
    repo = re.search(r"\b([\w.-]+/[\w.-]+) src/", line)
    found = re.findall(r"(\w+\.sol) \(commit ([0-9a-f]{40}), (\d{4}-\d{2}-\d{2})\)", line)
    return {
        "source": line,
        "repository": repo.group(1) if repo else None,
        "commits": {name: commit for name, commit, _ in found},
        "date": max((d for *_, d in found), default=None),
    }


def load_aave_reserve_params() -> dict[str, Any]:
    """Aave V3 reserve parameters (LTV, liquidation threshold, bonus) on 10 chains, 2025-10-23."""
    return json.loads(json.dumps(_aave_params()))


def provenance() -> pd.DataFrame:
    """One row per bundled dataset: source, range, interval, units, rows and caveats."""
    rows = []
    for d in DATASETS.values():
        rows.append(
            {
                "name": d.name,
                "kind": d.kind,
                "asset": d.asset,
                "interval": d.interval,
                "venue": d.venue,
                "range": d.range,
                "rows": _rows(d.name),
                "units": d.units,
                "source": d.source,
                "caveats": d.caveats,
            }
        )
    rows.append(
        {
            "name": "aave_v3_reserve_params",
            "kind": "reference",
            "asset": "multi",
            "interval": "snapshot",
            "venue": "aave",
            "range": "2025-10-23",
            "rows": int(_aave_params().get("total_reserves", 0)),
            "units": "fractions",
            "source": AAVE_RESERVE_PARAMS_SOURCE,
            "caveats": "",
        }
    )
    horizon = load_aave_horizon_params()
    rows.append(
        {
            "name": "aave_horizon_rwa_params",
            "kind": "reference",
            "asset": "multi",
            "interval": "snapshot",
            "venue": "aave-horizon",
            "range": horizon.attrs["date"],
            "rows": len(horizon),
            "units": "percent; caps in token units",
            "source": AAVE_HORIZON_PARAMS_SOURCE,
            "caveats": "VBILL row from an unmerged branch, not verified deployed",
        }
    )
    return pd.DataFrame(rows)
