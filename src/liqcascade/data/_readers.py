"""Readers: open any supported file and return canonical, validated series.

Layouts are recognised by content (magic bytes, header names, value magnitudes),
never by file name. ``.gz`` and ``.zip`` are read transparently; Parquet, CSV (with
or without header) and JSON (ccxt-shaped lists) are supported.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from liqcascade._limits import format_bytes
from liqcascade._tables import PARQUET_ERRORS, check_parse_memory, decode_utf8, sniff_separator
from liqcascade.data._frame import SeriesFrame
from liqcascade.data._kinds import kind_of
from liqcascade.data._time import (
    format_interval,
    infer_interval,
    interval_ms,
    parse_times,
    row_ref,
)
from liqcascade.data._validate import validate
from liqcascade.errors import InputError

__all__ = ["LAYOUTS", "norm_column", "read_file", "read_raw", "series_from_raw"]

_BINANCE_KLINES = [
    "open_time",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "close_time",
    "quote_volume",
    "count",
    "taker_buy_volume",
    "taker_buy_quote_volume",
    "ignore",
]
_CCXT_OHLCV = ["timestamp", "open", "high", "low", "close", "volume"]

#: Time columns, in order of preference (normalised names).
_TIME_COLUMNS = (
    "ts",
    "open_time",
    "timestamp",
    "time",
    "calc_time",
    "create_time",
    "datetime",
    "date",
    "datetime_utc",
    "date_utc",
    "t",
)

#: Layouts recognised, for the docs and error messages.
LAYOUTS: dict[str, str] = {
    "binance-klines": "Binance public-data klines (12 columns, with or without header; "
    "open time ms or µs)",
    "binance-kline-export": "Binance kline export (`Open time,Open,...,Ignore`)",
    "binance-bookdepth": "Binance bookDepth (timestamp,percentage,depth,notional)",
    "binance-metrics": "Binance metrics (create_time,symbol,sum_open_interest,...)",
    "binance-fundingrate": "Binance fundingRate (calc_time,funding_interval_hours,"
    "last_funding_rate)",
    "binance-liquidationsnapshot": "Binance liquidationSnapshot (time,side,order_type,...)",
    "ccxt-ohlcv": "ccxt fetch_ohlcv JSON [[ts,o,h,l,c,v],...] (or a headerless 6-column CSV)",
    "ccxt-open-interest": "ccxt fetch_open_interest_history JSON (openInterestValue...)",
    "ccxt-funding": "ccxt fetch_funding_rate_history JSON (fundingRate...)",
    "coinglass-liquidations": "CoinGlass aggregated liquidation history "
    "(time,aggregated_long_liquidation_usd,aggregated_short_liquidation_usd)",
    "coinglass-oi-ohlc": "CoinGlass open-interest OHLC history (time,open,high,low,close; USD)",
    "coinglass-funding-ohlc": "CoinGlass funding OHLC history (percent per 8 h)",
    "coinglass-orderbook": "CoinGlass order-book bid/ask totals (time,aggregated_bids_usd,"
    "aggregated_bids_quantity,aggregated_asks_usd,aggregated_asks_quantity; or bids_usd,"
    "asks_usd with optional bids_quantity/asks_quantity or bids_base/asks_base)",
    "coinglass-taker": "CoinGlass taker buy/sell volume in USD (time,taker_buy_volume_usd,"
    "taker_sell_volume_usd; or aggregated_buy_volume_usd,aggregated_sell_volume_usd; or "
    "buy_usd,sell_usd)",
    "coinglass-long-short": "CoinGlass long/short ratio history (time,<measure>_long_percent,"
    "<measure>_short_percent,<measure>_long_short_ratio; measure global_account, top_account "
    "or top_position)",
    "binance-long-short": "Binance API long/short ratios as fractions (timestamp ms,"
    "longShortRatio,longAccount,shortAccount; from globalLongShortAccountRatio, "
    "topLongShortAccountRatio or topLongShortPositionRatio: the measure is given, or "
    "read from the file name; coin-M longPosition,shortPosition = top_position)",
    "long-short-wide": "long/short percent long per measure (ts,global_account_long_pct,"
    "top_account_long_pct,top_position_long_pct), the frame load_series returns",
    "coinalyze-oi": "Coinalyze open-interest OHLC (symbol,timestamp,oi_open,...,oi_close)",
    "funding-table": "funding history (Symbol,Date,Funding Rate) or (timestamp,venue,coin,"
    "funding_rate)",
    "hyperliquid-daily-liquidations": "Hyperliquid daily liquidated notional "
    "(time,coin,daily_notional_liquidated)",
    "ohlcv": "generic OHLCV (any capitalisation, o/h/l/c/v accepted; optional turnover, "
    "venue, coin/symbol columns)",
    "canonical": "liqcascade's own canonical columns (as written by `data export`)",
}


# -- opening --------------------------------------------------------------------------------
#: Compressed input may expand at most this many times its size on disk (over every layer
#: of a ``.gz`` / ``.zip``), or to :data:`MIN_EXPANDED_LIMIT`, whichever is larger. Market
#: CSVs compress 3-15x; a file expanding 100x is refused as a likely decompression bomb.
MAX_EXPANSION_RATIO = 100
#: Expanded size always allowed, bytes (small, very repetitive files compress past 100x).
MIN_EXPANDED_LIMIT = 64 * 2**20
_READ_CHUNK = 2**20


def _expanded_limit(compressed: int) -> int:
    return max(MIN_EXPANDED_LIMIT, MAX_EXPANSION_RATIO * max(compressed, 1))


def _inflate(stream: Any, name: str, what: str, on_disk: int, limit: int) -> bytes:
    """Read a decompressing stream in chunks, refusing past ``limit`` bytes."""
    out = bytearray()
    while True:
        chunk = stream.read(_READ_CHUNK)
        if not chunk:
            return bytes(out)
        out += chunk
        if len(out) > limit:
            raise InputError(
                f"{name}: {what} data expands past {format_bytes(limit)} from "
                f"{format_bytes(on_disk)} on disk (more than {MAX_EXPANSION_RATIO}x, or "
                f"{format_bytes(MIN_EXPANDED_LIMIT)} for small files): refused as a likely "
                "decompression bomb; decompress it yourself if it is genuine"
            )


def _decompress(data: bytes, name: str, on_disk: int | None = None) -> tuple[bytes, str]:
    """Undo gzip / zip layers, streaming, within the expansion limit of the file on disk."""
    size = len(data) if on_disk is None else on_disk
    limit = _expanded_limit(size)
    if data[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as gz:
                inner = _inflate(gz, name, "gzip", size, limit)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"{name}: corrupt gzip data: {exc}") from exc
        check_parse_memory(len(inner), name)
        return _decompress(inner, name, size)
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                members = [i for i in zf.infolist() if not i.is_dir()]
                members = [m for m in members if not m.filename.startswith("__MACOSX")]
                if len(members) != 1:
                    raise InputError(
                        f"{name}: a zip must hold exactly one file (holds {len(members)})"
                    )
                with zf.open(members[0]) as member:
                    inner = _inflate(member, name, "zip", size, limit)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
            raise InputError(f"{name}: corrupt zip: {exc}") from exc
        except RuntimeError as exc:  # encrypted member
            raise InputError(f"{name}: unreadable zip: {exc}") from exc
        check_parse_memory(len(inner), name)
        return _decompress(inner, name, size)
    return data, name


def norm_column(col: Any) -> str:
    """Normalise a column name: camelCase and spaces to lower snake case."""
    s = str(col).strip()
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)  # camelCase -> snake
    s = re.sub(r"[^0-9a-zA-Z]+", "_", s).strip("_").lower()
    return s


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_raw(path: str | Path) -> tuple[pd.DataFrame, bool]:
    """Read a file to a raw frame with normalised column names.

    Returns
    -------
    (pandas.DataFrame, bool)
        The frame (columns lower-case snake; headerless files get positional names)
        and whether the file had no header.
    """
    p = Path(path)
    name = str(path)
    try:
        if p.is_file():
            check_parse_memory(p.stat().st_size, name)
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"{name}: cannot read: {exc.strerror or exc}") from exc
    data, _ = _decompress(data, name)
    if not data.strip():
        raise InputError(f"{name}: empty file")
    headerless = False
    if data[:4] == b"PAR1":
        try:
            df = pd.read_parquet(io.BytesIO(data))
        except PARQUET_ERRORS as exc:  # a damaged file; a bug of ours still surfaces
            raise InputError(f"{name}: unreadable Parquet: {exc}") from exc
        df = df.reset_index() if not isinstance(df.index, pd.RangeIndex) else df
    elif data.lstrip()[:1] in (b"[", b"{"):
        df, headerless = _read_json(data, name)
    else:
        df, headerless = _read_csv(data, name)
    if not headerless:
        df.columns = pd.Index([norm_column(c) for c in df.columns])
        if df.columns.duplicated().any():
            dups = sorted(set(df.columns[df.columns.duplicated()]))
            raise InputError(f"{name}: duplicate column names: {', '.join(dups)}")
    return df, headerless


def _read_json(data: bytes, name: str) -> tuple[pd.DataFrame, bool]:
    try:
        obj = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{name}: not valid JSON: {exc}") from exc
    if isinstance(obj, dict):
        for key in ("data", "result", "rows"):
            if isinstance(obj.get(key), list):
                obj = obj[key]
                break
        else:
            raise InputError(f"{name}: JSON object without a list of rows (keys: {list(obj)})")
    if not isinstance(obj, list) or not obj:
        raise InputError(f"{name}: JSON must be a non-empty list of rows")
    if all(isinstance(r, list | tuple) for r in obj):
        width = {len(r) for r in obj}
        if len(width) != 1:
            raise InputError(f"{name}: JSON rows of different lengths {sorted(width)}")
        return pd.DataFrame(obj), True
    if all(isinstance(r, dict) for r in obj):
        rows = [{k: v for k, v in r.items() if not isinstance(v, dict | list)} for r in obj]
        return pd.DataFrame(rows), False
    raise InputError(f"{name}: JSON rows must be all lists or all objects")


def _read_csv(data: bytes, name: str) -> tuple[pd.DataFrame, bool]:
    try:  # partial: a character cut at the 4,096-byte mark is not an error
        text_head = decode_utf8(data[:4096], name, partial=True)
    except InputError:
        if b"\x00" not in data[:4096]:  # text in another encoding (Latin-1, cp1252, ...)
            raise
        raise InputError(f"{name}: not a text, Parquet, gzip or zip file") from None
    first = text_head.splitlines()[0] if text_head.splitlines() else ""
    sep = sniff_separator(first)
    fields = [x.strip().strip('"') for x in first.split(sep)]
    headerless = all(_is_number(x) for x in fields if x) and len(fields) > 1
    try:
        df = pd.read_csv(
            io.BytesIO(data),
            sep=sep,
            header=None if headerless else 0,
            encoding="utf-8-sig",
            low_memory=False,
        )
    except UnicodeDecodeError as exc:  # past the head: name the byte in the file, not the chunk
        decode_utf8(data, name)  # raises
        raise InputError(f"{name}: malformed CSV: {exc}") from exc  # pragma: no cover
    except (pd.errors.ParserError, ValueError) as exc:
        msg = str(exc).strip().splitlines()[0]
        m = re.search(r"line (\d+)", msg)
        if m:
            line = int(m.group(1))
            row = line - (0 if headerless else 1)
            raise InputError(
                f"{name}: {row_ref(row)} (file line {line}): malformed CSV: {msg}"
            ) from exc
        raise InputError(f"{name}: malformed CSV: {msg}") from exc
    if df.empty:
        raise InputError(f"{name}: no data rows")
    return df, headerless


# -- helpers ---------------------------------------------------------------------------------
def _num(df: pd.DataFrame, col: str) -> pd.Series:
    s = df[col]
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        return s.astype("float64")
    return pd.to_numeric(s.astype("string").str.strip(), errors="coerce").astype("float64")


def _time_col(df: pd.DataFrame, name: str, prefer: str | None = None) -> str:
    if prefer is not None and prefer in df.columns:
        return prefer
    for c in _TIME_COLUMNS:
        if c in df.columns:
            return c
    for c in df.columns:
        if "time" in c or "date" in c:
            return c
    raise InputError(f"{name}: no time column (columns seen: {', '.join(map(str, df.columns))})")


def _first_of(df: pd.DataFrame, *names: str) -> str | None:
    for n in names:
        if n in df.columns:
            return n
    return None


def _put_num(out: dict[str, pd.Series], df: pd.DataFrame, key: str, *names: str) -> None:
    """Set ``out[key]`` to the first of the columns ``names`` in ``df`` (as float), if any."""
    col = _first_of(df, *names)
    if col is not None:
        out[key] = _num(df, col)


_TAKER_PAIRS = (
    ("taker_buy_volume_usd", "taker_sell_volume_usd"),
    ("aggregated_buy_volume_usd", "aggregated_sell_volume_usd"),
)


def _taker_rows(raw: pd.DataFrame, frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """A CoinGlass taker file's rows of the pair it is read from, and a note on the others.

    CoinGlass's taker files hold two column pairs, ``taker_*_volume_usd`` and
    ``aggregated_*_volume_usd``, each row filling one of them. They are two series, not
    one renamed: in the BTC file the second pair's values are about 10^6 times the
    first's. The pair the layout reads (the first present) is kept; rows that carry only
    the other pair are left out with one note, never read as the same series. A row
    missing both is kept, so validation refuses it naming its row.
    """
    present = [p for p in _TAKER_PAIRS if p[0] in raw.columns and p[1] in raw.columns]
    if len(present) < 2:
        return frame, []
    (b0, s0), (b1, s1) = present[0], present[1]
    mine = raw[b0].notna() | raw[s0].notna()
    other = ~mine & (raw[b1].notna() | raw[s1].notna())
    n = int(other.sum())
    if n == 0:
        return frame, []
    keep = ~other.to_numpy()
    note = (
        f"{n} rows carry only {b1}/{s1}, another series than {b0}/{s0} "
        "(the file holds two): not read"
    )
    return frame[keep].reset_index(drop=True), [note]


class _Layout:
    """A recognised layout: its name, its kind, and how to build the canonical columns."""

    def __init__(
        self,
        name: str,
        kind: str,
        build: Callable[[pd.DataFrame], dict[str, pd.Series]],
        *,
        time: str | None = None,
        venue: str | None = None,
        notes: tuple[str, ...] = (),
    ) -> None:
        self.name = name
        self.kind = kind
        self.build = build
        self.time = time
        self.venue = venue
        self.notes = notes


def _ohlcv_build(df: pd.DataFrame) -> dict[str, pd.Series]:
    out = {
        "open": _num(df, _first_of(df, "open", "o") or "open"),
        "high": _num(df, _first_of(df, "high", "h") or "high"),
        "low": _num(df, _first_of(df, "low", "l") or "low"),
        "close": _num(df, _first_of(df, "close", "c") or "close"),
    }
    _put_num(out, df, "volume", "volume", "v", "vol", "base_volume")
    _put_num(out, df, "quote_volume", "quote_volume", "quote_asset_volume", "turnover", "quote_vol")
    _put_num(out, df, "trades", "trades", "count", "number_of_trades", "num_trades")
    _put_num(
        out,
        df,
        "taker_buy_volume",
        "taker_buy_volume",
        "taker_buy_base_asset_volume",
        "taker_buy_base_volume",
    )
    return out


def _close_as(kind: str, df: pd.DataFrame) -> dict[str, pd.Series]:
    c = _first_of(df, "close", "c")
    if c is None:
        return {}
    if kind == "open_interest":
        out = {"oi_usd": _num(df, c)}
        for src, dst in (("open", "oi_open_usd"), ("high", "oi_high_usd"), ("low", "oi_low_usd")):
            _put_num(out, df, dst, src)
        return out
    # funding OHLC: CoinGlass percent per 8 h
    return {"rate": _num(df, c) / 100.0, "interval_hours": pd.Series(8.0, index=df.index)}


def _detect(
    df: pd.DataFrame, headerless: bool, name: str, kind: str | None, measure: str | None = None
) -> _Layout:
    cols = set(df.columns)
    if headerless:
        n = df.shape[1]
        if n == 12:
            df.columns = pd.Index(_BINANCE_KLINES)
            return _Layout("binance-klines", "ohlcv", _ohlcv_build, time="open_time")
        if n == 6:
            df.columns = pd.Index(_CCXT_OHLCV)
            return _Layout("ccxt-ohlcv", "ohlcv", _ohlcv_build, time="timestamp")
        raise InputError(
            f"{name}: unrecognised layout: no header and {n} columns "
            "(headerless files must be Binance klines, 12 columns, or ts,o,h,l,c,v)"
        )

    def has(*names: str) -> bool:
        return all(n in cols for n in names)

    if has("aggregated_long_liquidation_usd", "aggregated_short_liquidation_usd"):
        return _Layout(
            "coinglass-liquidations",
            "liquidations",
            lambda d: {
                "long_usd": _num(d, "aggregated_long_liquidation_usd"),
                "short_usd": _num(d, "aggregated_short_liquidation_usd"),
            },
        )
    ls_layout = _long_short_layout(df) or _binance_long_short_layout(df, name, measure)
    if ls_layout is not None:
        return ls_layout
    if has("side", "original_quantity", "price", "average_price"):

        def _liq(d: pd.DataFrame) -> dict[str, pd.Series]:
            side = d["side"].astype("string").str.strip().str.upper()
            mapped = side.map({"SELL": "long", "BUY": "short", "LONG": "long", "SHORT": "short"})
            out: dict[str, pd.Series] = {
                "side": mapped.astype(object).where(mapped.notna(), None),
                "price": _num(d, "price"),
                "qty": _num(d, "original_quantity"),
                "average_price": _num(d, "average_price"),
            }
            _put_num(out, d, "filled_qty", "accumulated_fill_quantity")
            if "order_status" in d.columns:
                out["status"] = d["order_status"].astype(object)
            return out

        return _Layout(
            "binance-liquidationsnapshot",
            "liquidation_events",
            _liq,
            venue="binance",
            notes=("side = the liquidated position (a SELL order liquidates a long)",),
        )
    if has("percentage", "depth", "notional"):

        def _depth(d: pd.DataFrame) -> dict[str, pd.Series]:
            pct = _num(d, "percentage")
            side = pd.Series(np.where(pct < 0, "bid", "ask"), index=d.index, dtype=object)
            side[pct.isna() | (pct == 0)] = None
            return {
                "side": side,
                "distance": pct.abs() / 100.0,
                "notional_usd": _num(d, "notional"),
                "depth_base": _num(d, "depth"),
            }

        return _Layout("binance-bookdepth", "depth", _depth, venue="binance")
    if has("sum_open_interest", "sum_open_interest_value"):
        return _Layout(
            "binance-metrics",
            "open_interest",
            lambda d: {
                "oi_usd": _num(d, "sum_open_interest_value"),
                "oi_base": _num(d, "sum_open_interest"),
            },
            time="create_time",
            venue="binance",
        )
    if has("calc_time", "last_funding_rate"):

        def _fr(d: pd.DataFrame) -> dict[str, pd.Series]:
            out = {"rate": _num(d, "last_funding_rate")}
            _put_num(out, d, "interval_hours", "funding_interval_hours")
            return out

        return _Layout("binance-fundingrate", "funding", _fr, time="calc_time", venue="binance")
    if has("open_interest_amount") or has("open_interest_value"):

        def _ccxt_oi(d: pd.DataFrame) -> dict[str, pd.Series]:
            out: dict[str, pd.Series] = {}
            _put_num(out, d, "oi_usd", "open_interest_value")
            _put_num(out, d, "oi_base", "open_interest_amount")
            return out

        return _Layout("ccxt-open-interest", "open_interest", _ccxt_oi, time="timestamp")
    if has("oi_open", "oi_close"):
        return _Layout(
            "coinalyze-oi",
            "open_interest",
            lambda d: {
                "oi_usd": _num(d, "oi_close"),
                "oi_open_usd": _num(d, "oi_open"),
                **({"oi_high_usd": _num(d, "oi_high")} if "oi_high" in d.columns else {}),
                **({"oi_low_usd": _num(d, "oi_low")} if "oi_low" in d.columns else {}),
            },
            time="timestamp",
        )
    if has("funding_rate"):

        def _fund(d: pd.DataFrame) -> dict[str, pd.Series]:
            out = {"rate": _num(d, "funding_rate")}
            _put_num(out, d, "interval_hours", "interval_hours", "funding_interval_hours")
            return out

        name_ = "ccxt-funding" if "funding_timestamp" in cols or "info" in cols else "funding-table"
        return _Layout(name_, "funding", _fund)
    if has("daily_notional_liquidated"):
        return _Layout(
            "hyperliquid-daily-liquidations",
            "liquidations",
            lambda d: {"total_usd": _num(d, "daily_notional_liquidated")},
            venue="hyperliquid",
        )
    bid = _first_of(df, "aggregated_bids_usd", "bids_usd")
    ask = _first_of(df, "aggregated_asks_usd", "asks_usd")
    if bid is not None and ask is not None:
        return _Layout(
            "coinglass-orderbook",
            "depth",
            lambda d: {"_bid": _num(d, bid), "_ask": _num(d, ask)},
            notes=(
                "order-book totals stored as depth at distance 0.01 (CoinGlass's default "
                "range, believed +/-1 % of mid, not verified)",
            ),
        )
    buy = _first_of(df, "taker_buy_volume_usd", "aggregated_buy_volume_usd", "buy_usd")
    sell = _first_of(df, "taker_sell_volume_usd", "aggregated_sell_volume_usd", "sell_usd")
    if buy is not None and sell is not None:
        return _Layout(
            "coinglass-taker",
            "taker",
            lambda d: {"buy_usd": _num(d, buy), "sell_usd": _num(d, sell)},
        )
    if has("side", "price", "qty"):
        return _Layout(
            "canonical",
            "liquidation_events",
            lambda d: {
                "side": d["side"].astype(object),
                "price": _num(d, "price"),
                "qty": _num(d, "qty"),
                **{c: _num(d, c) for c in ("average_price", "filled_qty") if c in d},
                **({"status": d["status"].astype(object)} if "status" in d else {}),
            },
        )
    if has("long_usd") or has("short_usd") or has("total_usd"):
        return _Layout(
            "canonical",
            "liquidations",
            lambda d: {c: _num(d, c) for c in ("long_usd", "short_usd", "total_usd") if c in d},
        )
    if has("oi_usd") or has("oi_base"):
        return _Layout(
            "canonical",
            "open_interest",
            lambda d: {
                c: _num(d, c)
                for c in ("oi_usd", "oi_base", "oi_open_usd", "oi_high_usd", "oi_low_usd")
                if c in d
            },
        )
    if has("rate"):
        return _Layout(
            "canonical",
            "funding",
            lambda d: {c: _num(d, c) for c in ("rate", "interval_hours") if c in d},
        )
    if has("measure", "long_pct"):
        return _Layout(
            "canonical",
            "long_short",
            lambda d: {
                "measure": d["measure"].astype(object).where(d["measure"].notna(), None),
                **{c: _num(d, c) for c in ("long_pct", "short_pct", "long_short_ratio") if c in d},
            },
        )
    if has("side", "distance", "notional_usd"):
        return _Layout(
            "canonical",
            "depth",
            lambda d: {
                "side": d["side"].astype(object),
                "distance": _num(d, "distance"),
                "notional_usd": _num(d, "notional_usd"),
                **({"depth_base": _num(d, "depth_base")} if "depth_base" in d else {}),
            },
        )
    ohlc = all(_first_of(df, a, a[0]) is not None for a in ("open", "high", "low", "close"))
    has_vol = _first_of(df, "volume", "v", "vol", "base_volume") is not None
    if ohlc and (has_vol or kind == "ohlcv"):
        layout = "ohlcv"
        if "open_time" in cols and "quote_asset_volume" in cols:
            layout = "binance-kline-export"
        elif "open_time" in cols and "close_time" in cols:
            layout = "binance-klines"
        return _Layout(layout, "ohlcv", _ohlcv_build)
    if ohlc:
        # OHLC without volume: CoinGlass open interest (USD) or funding (percent).
        if kind in ("open_interest", "funding"):
            k = kind
        else:
            close = _num(df, _first_of(df, "close", "c") or "close").to_numpy()
            med = float(np.nanmedian(np.abs(close))) if np.isfinite(close).any() else np.nan
            if med < 1.0:
                k = "funding"
            elif med >= 1e5:
                k = "open_interest"
            else:
                raise InputError(
                    f"OHLC without volume and values of median {med:g}: cannot tell open "
                    "interest from funding; give kind as open_interest or funding",
                    file=name,
                    param="kind",
                )
        notes = (
            ("funding OHLC read as CoinGlass percent per 8 h; rate = close / 100",)
            if k == "funding"
            else ("open-interest OHLC read as USD; oi_usd = bar close",)
        )
        return _Layout(
            "coinglass-oi-ohlc" if k == "open_interest" else "coinglass-funding-ohlc",
            k,
            lambda d: _close_as(k, d),
            notes=notes,
        )
    raise InputError(
        f"{name}: unrecognised layout (columns seen: {', '.join(map(str, df.columns))}); "
        "see liqcascade.data.LAYOUTS (docs/data.md) for the layouts read"
    )


# -- reading ---------------------------------------------------------------------------------
def read_file(
    path: str | Path,
    *,
    kind: str | None = None,
    venue: str | None = None,
    symbol: str | None = None,
    interval: str | None = None,
    drop_missing: bool = False,
    measure: str | None = None,
) -> list[SeriesFrame]:
    """Read one file into validated canonical series (one per venue/symbol it holds).

    Parameters
    ----------
    path : str or Path
        CSV, Parquet or JSON, plain, ``.gz`` or ``.zip`` (one member). The layout is
        recognised from the content (see :data:`LAYOUTS`).
    kind : str, optional
        Force the kind when the content is ambiguous (e.g. OHLC without volume).
    venue, symbol : str, optional
        Series labels; override what the file says. When the file holds several symbols,
        ``symbol`` selects one of them.
    interval : str, optional
        Bar interval label; inferred from the timestamps when not given.
    drop_missing : bool, default False
        Leave out the rows missing a required value (an empty cell) instead of refusing
        the file; they are counted (``SeriesFrame.dropped_rows``) and named in one
        warning. See :func:`liqcascade.data.validate`.
    measure : {"global_account", "top_account", "top_position"}, optional
        Which ratio a Binance API long/short file holds (its content does not say);
        by default read from the file name (the endpoint's name, e.g.
        ``globalLongShortAccountRatio``, or the measure's). Only for that layout.

    Returns
    -------
    list of SeriesFrame
        Each validated (sorted, agreeing duplicates dropped, gaps counted). Their
        ``warnings`` name what to look at; their ``notes`` the layout's documented
        conversions.

    Raises
    ------
    InputError
        Unrecognised layout (naming the columns seen), or the first invalid row.
    """
    raw, headerless = read_raw(path)
    return series_from_raw(
        raw,
        headerless,
        str(path),
        kind=kind,
        venue=venue,
        symbol=symbol,
        interval=interval,
        drop_missing=drop_missing,
        measure=measure,
    )


def series_from_raw(
    raw: pd.DataFrame,
    headerless: bool,
    name: str,
    *,
    kind: str | None = None,
    venue: str | None = None,
    symbol: str | None = None,
    interval: str | None = None,
    drop_missing: bool = False,
    measure: str | None = None,
) -> list[SeriesFrame]:
    """Recognise the layout of a raw frame and return its validated canonical series.

    Parameters are those of :func:`read_file`; ``raw`` has normalised column names
    (or positional ones when ``headerless``) and ``name`` labels messages.
    """
    want = kind_of(kind).name if kind is not None else None
    if interval is not None:
        interval_ms(interval)  # validates the label
    if measure is not None:
        measure = _check_measure(measure)
    layout = _detect(raw, headerless, name, want, measure)
    if measure is not None and layout.name != "binance-long-short":
        raise InputError(
            f"measure is for Binance's long/short ratio files (longShortRatio, longAccount, "
            f"shortAccount); the file is {LAYOUTS.get(layout.name, layout.name)}",
            file=name,
            param="measure",
        )
    if layout.name == "binance-long-short":
        _check_binance_fractions(raw, name)
    if want is not None and layout.kind != want:
        ok = want == "liquidations" and layout.kind == "liquidation_events"
        if not ok:
            raise InputError(
                f"kind {want}: the file is {LAYOUTS.get(layout.name, layout.name)}, "
                f"which holds {layout.kind}",
                file=name,
                param="kind",
            )
    tcol = _time_col(raw, name, layout.time)
    ts = parse_times(raw[tcol], name, tcol)
    values = layout.build(raw)
    frame = pd.DataFrame({"ts": ts, **values})
    frame["_row"] = np.arange(1, len(raw) + 1, dtype=np.int64)
    kind_name = layout.kind

    # Split by venue / symbol columns found in the content.
    vcol = _first_of(raw, "venue", "exchange")
    scol = _first_of(raw, "symbol", "coin", "pair", "market")
    if scol is not None:
        frame["_symbol"] = raw[scol].astype("string").str.strip().to_numpy()
    if vcol is not None:
        frame["_venue"] = raw[vcol].astype("string").str.strip().str.lower().to_numpy()
    if layout.name == "coinglass-orderbook":
        frame = _book_totals_to_depth(raw, frame)
    if layout.name in ("coinglass-long-short", "long-short-wide"):
        frame = _long_short_rows(frame)
    dropped: list[str] = []
    if layout.name == "coinglass-taker":
        frame, dropped = _taker_rows(raw, frame)
    named = symbol_from_name(name) if symbol is None and scol is None else None
    if named is not None and named != "ETHUSDT":
        symbol = named  # the file name says which market (e.g. BTCUSDT_1d.csv)
    groups: list[tuple[str, str, pd.DataFrame]] = []
    keys = [c for c in ("_venue", "_symbol") if c in frame.columns]
    if keys:
        if frame[keys].isna().any().any():
            bad = int(frame.loc[frame[keys].isna().any(axis=1), "_row"].min())
            raise InputError(f"{name}: {row_ref(bad)}: {'/'.join(k[1:] for k in keys)} is missing")
        for key, g in frame.groupby(keys, sort=True):
            kt = key if isinstance(key, tuple) else (key,)
            d = dict(zip(keys, kt, strict=True))
            groups.append(
                (
                    str(d.get("_venue", venue or layout.venue or "unknown")),
                    str(d.get("_symbol", symbol or "ETHUSDT")),
                    g.drop(columns=keys),
                )
            )
    else:
        groups.append((venue or layout.venue or "unknown", symbol or "ETHUSDT", frame))

    if symbol is not None and "_symbol" in keys:
        chosen = [g for g in groups if g[1].upper() == symbol.upper()]
        if len({g[1] for g in groups}) > 1:
            if not chosen:
                held = ", ".join(sorted({g[1] for g in groups}))
                raise InputError(
                    f"symbol {symbol}: the file holds {held}", file=name, param="symbol"
                )
            groups = chosen
        else:
            groups = [(v, symbol, f) for v, _, f in groups]
    if venue is not None:
        groups = [(venue, s, f) for _, s, f in groups]

    # notes: the layout's documented conversions; warnings: what the user should look at
    notes = [f"{name}: {n}" for n in layout.notes]
    warnings = [f"{name}: {n}" for n in dropped]
    if layout.name == "coinglass-orderbook" and venue is None and vcol is None:
        warnings.append(
            f"{name}: no venue given: labelled unknown; say which book it is with --venue: "
            "all-venues (the all-venue futures book the estimated market reads), "
            "all-venues-spot (spot), or an exchange (binance: its perpetual alone)"
        )
    if named is not None:  # ETHUSDT too: the name said so, nothing for the user to check
        notes.append(f"{name}: no symbol in the file; labelled {named} from the file name")
    elif symbol is None and "_symbol" not in keys:
        warnings.append(f"{name}: no symbol in the file; labelled ETHUSDT (pass --symbol)")
    out: list[SeriesFrame] = []
    for v, sym, f in groups:
        seen = infer_interval(pd.DatetimeIndex(f["ts"].dropna().unique()))
        if interval is not None and kind_name != "liquidation_events":
            _check_declared_interval(interval, seen, name, v, sym)
        declared_ms = interval_ms(interval) if interval is not None else None
        # a declared interval is stored under its canonical label (60m -> 1h)
        iv = (
            seen
            if interval is None
            else (format_interval(declared_ms) if declared_ms else interval)
        )
        if kind_name == "funding" and "interval_hours" not in f.columns:
            step = interval_ms(iv)
            if step is None:
                raise InputError(
                    "interval must be given (e.g. 8h): cannot infer the funding interval "
                    "from a single timestamp",
                    file=name,
                    param="interval",
                )
            f = f.assign(interval_hours=step / 3_600_000.0)
        if kind_name == "liquidation_events":
            iv = "events"
        elif iv == "events" and kind_name != "depth":
            raise InputError(
                "interval must be given (e.g. 1h): cannot infer the bar interval from a "
                "single timestamp",
                file=name,
                param="interval",
            )
        sf = SeriesFrame(
            kind=kind_name,
            venue=v,
            symbol=sym,
            interval=iv,
            frame=f.reset_index(drop=True),
            file=name,
            layout=layout.name,
            warnings=list(warnings),
            notes=list(notes),
        )
        out.append(validate(sf, drop_missing=drop_missing))
    return out


_KNOWN_BASES = {
    "BTC", "XBT", "ETH", "SOL", "XRP", "BNB", "DOGE", "ADA", "AVAX", "LINK", "LTC", "DOT",
    "TRX", "MATIC", "ARB", "OP", "SUI", "TON", "HYPE", "BCH", "ETC", "NEAR", "APT", "PEPE",
}  # fmt: skip
_PAIR = re.compile(r"^([A-Z0-9]{2,12}?)(USDT|USDC|BUSD|FDUSD|USD)$")


def symbol_from_name(name: str) -> str | None:
    """The market a file's name names (``BTCUSDT_1d.csv`` -> ``BTCUSDT``), or None.

    A word of the name (split at anything not a letter or digit) that is a pair such as
    ``BTCUSDT`` / ``ETHUSD``, or a known base asset (``btc``, ``ETH``…), names the
    market; the symbol is ``<BASE>USDT``. A name naming two different assets is an
    :class:`InputError` asking for ``--symbol``.
    """
    words = [w for w in re.split(r"[^A-Za-z0-9]+", Path(name).name.upper()) if w]
    bases: list[str] = []
    for w in words:
        m = _PAIR.match(w)
        b = m.group(1) if m else (w if w in _KNOWN_BASES else None)
        if b is not None and b not in ("USDT", "USDC", "USD"):
            b = "BTC" if b == "XBT" else b
            if b not in bases:
                bases.append(b)
    if not bases:
        return None
    if len(bases) > 1:
        raise InputError(
            f"symbol: the file name names {' and '.join(bases)}; give the symbol",
            file=name,
            param="symbol",
        )
    return f"{bases[0]}USDT"


def _check_declared_interval(declared: str, seen: str, name: str, venue: str, symbol: str) -> None:
    """``interval`` must be the step the timestamps show (their most common step)."""
    step = interval_ms(seen) if seen != "events" else None
    if step is None:
        return  # one timestamp: nothing to check against
    if interval_ms(declared) != step:
        where = f" ({venue} {symbol})" if venue != "unknown" else ""
        raise InputError(
            f"interval {declared}: the timestamps{where} are {seen} apart (their most common "
            f"step); give {seen}, or leave it out",
            file=name,
            param="interval",
        )


def _book_totals_to_depth(raw: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    bq = _first_of(raw, "aggregated_bids_quantity", "bids_quantity", "bids_base")
    aq = _first_of(raw, "aggregated_asks_quantity", "asks_quantity", "asks_base")
    base = frame.drop(columns=["_bid", "_ask"])
    bids = base.assign(
        side="bid",
        distance=0.01,
        notional_usd=frame["_bid"],
        depth_base=_num(raw, bq).to_numpy() if bq else np.nan,
    )
    asks = base.assign(
        side="ask",
        distance=0.01,
        notional_usd=frame["_ask"],
        depth_base=_num(raw, aq).to_numpy() if aq else np.nan,
    )
    return pd.concat([bids, asks]).sort_index(kind="stable").reset_index(drop=True)


_LS = "_ls|"  # prefix of the per-measure columns a long/short layout builds


def _long_short_layout(df: pd.DataFrame) -> _Layout | None:
    """The long/short-ratio layouts: CoinGlass's (one measure a file) or the wide frame.

    CoinGlass names its columns ``<measure>_long_percent``, ``<measure>_short_percent``
    and ``<measure>_long_short_ratio`` (measure ``global_account``, ``top_account`` or
    ``top_position``); the wide frame of :func:`liqcascade.data.load_series` has one
    ``<measure>_long_pct`` column per measure.
    """
    cols = list(df.columns)
    variants = (
        ("_long_percent", "_short_percent", "coinglass-long-short"),
        ("_long_pct", "_short_pct", "long-short-wide"),
    )
    for long_sx, short_sx, name in variants:
        measures = [c[: -len(long_sx)] for c in cols if c.endswith(long_sx) and c != long_sx]
        if measures:
            return _Layout(name, "long_short", _long_short_build(measures, long_sx, short_sx))
    return None


def _long_short_build(
    measures: list[str], long_sx: str, short_sx: str
) -> Callable[[pd.DataFrame], dict[str, pd.Series]]:
    """Per-measure columns (``_ls|<measure>|<value>``) of a long/short layout."""

    def build(d: pd.DataFrame) -> dict[str, pd.Series]:
        out: dict[str, pd.Series] = {}
        for m in measures:
            raw = d[m + long_sx]
            text = raw.astype("string").str.strip()
            out[f"{_LS}{m}|present"] = (raw.notna() & (text != "")).astype(bool)
            out[f"{_LS}{m}|long_pct"] = _num(d, m + long_sx)
            if m + short_sx in d.columns:
                out[f"{_LS}{m}|short_pct"] = _num(d, m + short_sx)
            if m + "_long_short_ratio" in d.columns:
                out[f"{_LS}{m}|long_short_ratio"] = _num(d, m + "_long_short_ratio")
        return out

    return build


def _long_short_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per (time, measure) from the per-measure columns of a long/short layout.

    A file of one measure keeps every row (an empty cell is then refused by validation,
    naming the row); in a file of several measures an empty cell means that measure has
    no value at that time, and gives no row. A value column is kept only when every
    measure of the file has it.
    """
    parts: dict[str, dict[str, str]] = {}
    for c in frame.columns:
        if c.startswith(_LS):
            _, m, v = c.split("|")
            parts.setdefault(m, {})[v] = c
    base = frame.drop(columns=[c for c in frame.columns if c.startswith(_LS)])
    shared = set.intersection(*(set(v) for v in parts.values())) - {"present"}
    several = len(parts) > 1
    out = []
    for m, cols in parts.items():
        names = [v for v in ("long_pct", "short_pct", "long_short_ratio") if v in shared]
        part = base.assign(measure=m, **{v: frame[cols[v]] for v in names})
        if several:
            part = part[frame[cols["present"]].to_numpy(dtype=bool)]
        out.append(part)
    rows = pd.concat(out, ignore_index=True)
    return rows.sort_values("_row", kind="stable").reset_index(drop=True)


#: File-name words naming each measure of Binance's long/short ratio endpoints (the name
#: lower-cased, anything not a letter or digit removed).
_BINANCE_LS_NAMES: dict[str, tuple[str, ...]] = {
    "global_account": ("globallongshortaccountratio", "globalaccount"),
    "top_account": ("toplongshortaccountratio", "topaccount"),
    "top_position": ("toplongshortpositionratio", "topposition"),
}
#: How far longAccount + shortAccount may be from 1 (the percent rule's 0.5 / 100).
FRACTION_SUM_TOLERANCE = 0.005


def _check_measure(measure: str) -> str:
    from liqcascade.data._kinds import LONG_SHORT_MEASURES

    m = measure.strip().lower().replace("-", "_")
    if m not in LONG_SHORT_MEASURES:
        raise InputError(
            f"measure must be one of {', '.join(LONG_SHORT_MEASURES)} (got {measure!r})",
            param="measure",
        )
    return m


def _measure_from_name(name: str) -> str | None:
    flat = re.sub(r"[^a-z0-9]", "", Path(name).name.lower())
    found = [m for m, words in _BINANCE_LS_NAMES.items() if any(w in flat for w in words)]
    if len(found) > 1:
        raise InputError(
            f"measure: the file name names {' and '.join(found)}; give the measure",
            file=name,
            param="measure",
        )
    return found[0] if found else None


def _binance_long_short_layout(df: pd.DataFrame, name: str, measure: str | None) -> _Layout | None:
    """Binance's API long/short ratios: fractions, one measure a file (not said in it).

    ``/futures/data/globalLongShortAccountRatio``, ``topLongShortAccountRatio`` and
    ``topLongShortPositionRatio`` (USD-M) return ``symbol, longShortRatio, longAccount,
    shortAccount, timestamp`` (ms) for all three; COIN-M's position endpoint returns
    ``pair, longShortRatio, longPosition, shortPosition, timestamp``. The measure is
    ``measure``, else the one the file name names, else refused.
    """
    cols = set(df.columns)
    if {"long_short_ratio", "long_account", "short_account"} <= cols:
        long_c, short_c = "long_account", "short_account"
        m = measure or _measure_from_name(name)
    elif {"long_short_ratio", "long_position", "short_position"} <= cols:
        long_c, short_c = "long_position", "short_position"
        m = measure or "top_position"
    else:
        return None
    if m is None:
        raise InputError(
            "a Binance long/short ratio file (longShortRatio, longAccount, shortAccount) "
            "does not say which ratio it holds: give measure (global_account, top_account "
            "or top_position), or keep the endpoint's name in the file name "
            "(globalLongShortAccountRatio, topLongShortAccountRatio, "
            "topLongShortPositionRatio)",
            file=name,
            param="measure",
        )
    chosen = m

    def build(d: pd.DataFrame) -> dict[str, pd.Series]:
        return {
            "measure": pd.Series(chosen, index=d.index, dtype=object),
            "long_pct": _num(d, long_c) * 100.0,
            "short_pct": _num(d, short_c) * 100.0,
            "long_short_ratio": _num(d, "long_short_ratio"),
        }

    return _Layout(
        "binance-long-short",
        "long_short",
        build,
        time="timestamp" if "timestamp" in cols else None,
        venue="binance",
        notes=(
            f"Binance long/short fractions stored as percent ({long_c} x 100 = long_pct) "
            f"under measure {chosen}",
        ),
    )


def _check_binance_fractions(raw: pd.DataFrame, name: str) -> None:
    """Binance's fractions: in [0, 1], long + short = 1, the ratio = long / short.

    Each rule names the first data row breaking it; an empty cell is left to
    :func:`validate` (refused, or dropped with ``drop_missing``).
    """
    from liqcascade.data._validate import RATIO_TOLERANCE

    long_c = "long_account" if "long_account" in raw.columns else "long_position"
    short_c = "short_account" if "short_account" in raw.columns else "short_position"
    lo = _num(raw, long_c).to_numpy()
    sh = _num(raw, short_c).to_numpy()
    ratio = _num(raw, "long_short_ratio").to_numpy()
    problems: list[tuple[int, str]] = []  # (0-based row, message)
    with np.errstate(invalid="ignore", divide="ignore"):
        for c, v in ((long_c, lo), (short_c, sh)):
            bad = np.flatnonzero(np.isinf(v) | (v < 0) | (v > 1))
            if bad.size:
                i = int(bad[0])
                problems.append((i, f"{c} must be a fraction in [0, 1] (got {v[i]:g}; Binance "
                                    "gives fractions, a file of percentages is CoinGlass's "
                                    "layout)"))  # fmt: skip
        total = lo + sh
        bad = np.flatnonzero(np.abs(total - 1.0) > FRACTION_SUM_TOLERANCE)
        if bad.size:
            i = int(bad[0])
            problems.append((i, f"{long_c} {lo[i]:g} + {short_c} {sh[i]:g} = {total[i]:g}, "
                                "not 1"))  # fmt: skip
        implied = lo / sh
        off = np.abs(ratio - implied) > np.maximum(RATIO_TOLERANCE, 0.02 * implied)
        bad = np.flatnonzero(off & np.isfinite(implied))
        if bad.size:
            i = int(bad[0])
            problems.append((i, f"long_short_ratio {ratio[i]:g} does not match "
                                f"{long_c} / {short_c} = {implied[i]:.4g}"))  # fmt: skip
    if problems:
        i, msg = min(problems, key=lambda p: p[0])
        raise InputError(f"{name}: {row_ref(i + 1)}: {msg}")
