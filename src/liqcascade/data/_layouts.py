"""The registry of file layouts: how each is recognised and read, in one table.

:data:`REGISTRY` lists one :class:`~liqcascade.data._layout.LayoutRule` per layout (or
per form of a layout), in the order they are tried: :func:`detect` reads a file with the
first rule that recognises it, so a layout with more specific columns comes before a
more general one (CoinGlass's liquidation columns before the canonical ``long_usd``; a
Binance kline header before the generic OHLCV; OHLC with volume before OHLC without).
:data:`LAYOUTS` (the docs' table, ``docs/data.md``) is read from the same rows.

Layouts are recognised by content (header names, value magnitudes, the width of a file
without a header), never by file name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pandas as pd

from liqcascade.data import _long_short_layouts as ls
from liqcascade.data._columns import first_of, num, objects, put_num, text_cells
from liqcascade.data._layout import Build, Layout, LayoutRule, Probe, columns, one_of
from liqcascade.data._validate import optional_numbers
from liqcascade.errors import InputError

__all__ = [
    "BINANCE_KLINES",
    "HEADER_AS_WRITTEN",
    "HOUR_CLOSE",
    "LAYOUTS",
    "OKX_CONTRACT_VALUES",
    "REGISTRY",
    "SYMBOL_COLUMNS",
    "TAKER_COIN_UNITS",
    "TAKER_REMEDY",
    "NoTakerClose",
    "detect",
]

#: Binance public-data kline columns (the names a headerless kline file is given).
BINANCE_KLINES = (
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
)
_CCXT_OHLCV = ("timestamp", "open", "high", "low", "close", "volume")
_VOLUME = ("volume", "v", "vol", "base_volume")
#: OHLC columns, full or one-letter names.
_OHLC = tuple((a, a[0]) for a in ("open", "high", "low", "close"))


# -- how layouts are read ------------------------------------------------------------------
def _ohlcv_build(df: pd.DataFrame) -> dict[str, pd.Series]:
    out = {
        "open": num(df, first_of(df, "open", "o") or "open"),
        "high": num(df, first_of(df, "high", "h") or "high"),
        "low": num(df, first_of(df, "low", "l") or "low"),
        "close": num(df, first_of(df, "close", "c") or "close"),
    }
    put_num(out, df, "volume", *_VOLUME)
    put_num(out, df, "quote_volume", "quote_volume", "quote_asset_volume", "turnover", "quote_vol")
    put_num(out, df, "trades", "trades", "count", "number_of_trades", "num_trades")
    put_num(
        out,
        df,
        "taker_buy_volume",
        "taker_buy_volume",
        "taker_buy_base_asset_volume",
        "taker_buy_base_volume",
    )
    return out


def _ohlcv(name: str, time: str | None = None, header: tuple[str, ...] | None = None) -> Layout:
    return Layout(name, "ohlcv", _ohlcv_build, time=time, header=header)


def _with_volume(p: Probe) -> bool:
    """OHLC read as OHLCV: a volume column, or the caller says ohlcv."""
    return first_of(p.df, *_VOLUME) is not None or p.kind == "ohlcv"


_SNAPSHOT_SIDES = {"SELL": "long", "BUY": "short", "LONG": "long", "SHORT": "short"}


def _check_snapshot_sides(raw: pd.DataFrame, name: str) -> None:
    """Refuse a side that is there but none of SELL, BUY, LONG, SHORT, naming it.

    An empty side is left to the missing-value rule (which ``--drop-missing`` applies).
    """
    side = raw["side"].astype("string").str.strip().str.upper()
    bad = np.flatnonzero(
        (side.notna() & (side != "") & ~side.isin(list(_SNAPSHOT_SIDES))).to_numpy()
    )
    if bad.size:
        i = int(bad[0])
        raise InputError(
            f"side {str(raw['side'].iloc[i]).strip()!r} is not a side (SELL, BUY, LONG or SHORT)",
            file=name,
            row=i + 1,
        )


def _liquidation_snapshot(d: pd.DataFrame) -> dict[str, pd.Series]:
    side = d["side"].astype("string").str.strip().str.upper()
    mapped = side.map(_SNAPSHOT_SIDES)
    out: dict[str, pd.Series] = {
        "side": objects(mapped).where(mapped.notna(), None),
        "price": num(d, "price"),
        "qty": num(d, "original_quantity"),
        "average_price": num(d, "average_price"),
    }
    put_num(out, d, "filled_qty", "accumulated_fill_quantity")
    if "order_status" in d.columns:
        out["status"] = objects(d["order_status"])
    return out


#: OKX's contract value (``ctVal``: base units per contract) of its linear USDT swaps, as
#: its public instruments endpoint gives them; OKX's liquidation orders give ``sz`` in
#: contracts. An instrument not listed here needs a ``ctVal`` column in the file.
OKX_CONTRACT_VALUES: dict[str, float] = {
    "BTC-USDT-SWAP": 0.01,
    "ETH-USDT-SWAP": 0.1,
    "SOL-USDT-SWAP": 1.0,
}
_OKX_ORDER_SIDES = {"SELL": "long", "BUY": "short"}


def _okx_sides(d: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """The position side each row names (``posSide``) and the one its order implies (``side``).

    A sell order liquidates a long, a buy a short; in net mode ``posSide`` is ``net``
    and the order's side alone tells the position.
    """
    pos = d["pos_side"].astype("string").str.strip().str.lower()
    order = d["side"].astype("string").str.strip().str.upper().map(_OKX_ORDER_SIDES)
    return pos, order


#: Significant digits an OKX order's ``qty`` (``sz`` x ``ctVal``) keeps. The product of
#: two decimals read as binary floats carries one multiplication's rounding (12 contracts
#: x 0.1 ETH = 1.2000000000000002); rounded to 12 significant digits it is the decimal
#: product (1.2) for any ``sz`` and ``ctVal`` of up to 12 digits together, and changes
#: no size by more than 5e-12 of itself.
QTY_DIGITS = 12


def _significant(x: pd.Series, digits: int = QTY_DIGITS) -> pd.Series:
    """``x`` rounded to ``digits`` significant digits (NaN, infinities and 0 as they are).

    Each value is scaled by an exact power of ten to ``digits`` integer digits, rounded,
    and scaled back by one correctly rounded division: the float nearest the decimal.
    """
    v = x.to_numpy(dtype="float64", na_value=np.nan)
    out = v.copy()
    ok = np.isfinite(v) & (v != 0.0)
    d = digits - 1 - np.floor(np.log10(np.abs(v[ok]))).astype(np.int64)
    p = 10.0 ** np.abs(d)  # exact up to 1e22
    out[ok] = np.where(d >= 0, np.round(v[ok] * p) / p, np.round(v[ok] / p) * p)
    return pd.Series(out, index=x.index, name=x.name)


def _okx_contract_values(d: pd.DataFrame) -> pd.Series:
    """Base units per contract of each row: the file's ``ctVal``, else OKX's (NaN: unknown)."""
    listed = d["inst_id"].astype("string").str.strip().str.upper().map(OKX_CONTRACT_VALUES)
    listed = pd.to_numeric(listed, errors="coerce").astype("float64")
    if "ct_val" in d.columns:
        given = num(d, "ct_val")
        return given.where(given.notna(), listed)
    return listed


def _check_okx_liquidations(raw: pd.DataFrame, name: str) -> None:
    """Refuse a row OKX's liquidation orders cannot hold, naming it.

    A side that is not buy or sell, a posSide its order contradicts, an instrument whose
    contract value is not known (its ``sz`` cannot become base units), a ``ctVal`` given
    that is not a number > 0 (0 stored a liquidation of no size, a negative one was
    refused as a negative ``qty``).
    """
    pos, order = _okx_sides(raw)
    side_text = raw["side"].astype("string").str.strip()
    ct_text = raw.get("ct_val", pd.Series(pd.NA, index=raw.index)).astype("string").str.strip()
    ct = pd.to_numeric(ct_text, errors="coerce").astype("float64")  # as num() reads it
    checks = (
        (side_text.notna() & (side_text != "") & order.isna(), "side {side!r} is not buy or sell"),
        (
            pos.notna() & (pos != "") & ~pos.isin(["long", "short", "net"]),
            "posSide {pos!r} is not long, short or net",
        ),
        (
            pos.isin(["long", "short"]) & order.notna() & (pos != order),
            "posSide {pos!r} with side {side!r}: a {side} order does not close a {pos} position",
        ),
        (
            raw["inst_id"].astype("string").str.strip().str.upper().str.contains("-USD-"),
            "instId {inst!r} is an inverse contract (its ctVal is in USD, not the base "
            "asset): only linear (USDT- or USDC-margined) swaps are read",
        ),
        (
            ct_text.notna() & (ct_text != "") & ~((ct > 0) & (ct < np.inf)),
            "ctVal {ct!r} is not a contract value: give base units per contract, a number > 0",
        ),
        (
            raw["sz"].notna() & _okx_contract_values(raw).isna(),
            "instId {inst!r}: its contract value is not known (sz is in contracts): add a "
            "ctVal column (base units per contract, from OKX's instruments endpoint)",
        ),
    )
    hits = [(int(b[0]), what) for m, what in checks if (b := np.flatnonzero(m.fillna(False))).size]
    if hits:
        i, what = min(hits)
        cell = {"side": str(raw["side"].iloc[i]).strip(), "pos": str(pos.iloc[i]),
                "inst": str(raw["inst_id"].iloc[i]).strip(),
                "ct": str(ct_text.iloc[i])}  # fmt: skip
        raise InputError(what.format(**cell), file=name, row=i + 1)


def _okx_liquidations(d: pd.DataFrame) -> dict[str, pd.Series]:
    pos, order = _okx_sides(d)
    side = pos.where(pos.isin(["long", "short"]), order)
    qty = _significant(num(d, "sz") * _okx_contract_values(d))  # no binary noise (QTY_DIGITS)
    return {
        "side": objects(side).where(side.notna(), None),
        "price": num(d, "bk_px"),
        "qty": qty.rename("sz"),
    }


def _book_depth(d: pd.DataFrame) -> dict[str, pd.Series]:
    pct = num(d, "percentage")
    side = pd.Series(np.where(pct < 0, "bid", "ask"), index=d.index, dtype=object)
    side[pct.isna() | (pct == 0)] = None
    return {
        "side": side,
        "distance": pct.abs() / 100.0,
        "notional_usd": num(d, "notional"),
        "depth_base": num(d, "depth"),
    }


def _binance_funding(d: pd.DataFrame) -> dict[str, pd.Series]:
    out = {"rate": num(d, "last_funding_rate")}
    put_num(out, d, "interval_hours", "funding_interval_hours")
    return out


def _ccxt_open_interest(d: pd.DataFrame) -> dict[str, pd.Series]:
    out: dict[str, pd.Series] = {}
    put_num(out, d, "oi_usd", "open_interest_value")
    put_num(out, d, "oi_base", "open_interest_amount")
    return out


def _coinalyze_oi(d: pd.DataFrame) -> dict[str, pd.Series]:
    out = {"oi_usd": num(d, "oi_close"), "oi_open_usd": num(d, "oi_open")}
    put_num(out, d, "oi_high_usd", "oi_high")
    put_num(out, d, "oi_low_usd", "oi_low")
    return out


def _funding_rate(d: pd.DataFrame) -> dict[str, pd.Series]:
    out = {"rate": num(d, "funding_rate")}
    put_num(out, d, "interval_hours", "interval_hours", "funding_interval_hours")
    return out


# CoinGlass ---------------------------------------------------------------------------------
def _coinglass_book(p: Probe) -> Layout:
    bid = first_of(p.df, "aggregated_bids_usd", "bids_usd") or "bids_usd"
    ask = first_of(p.df, "aggregated_asks_usd", "asks_usd") or "asks_usd"
    return Layout(
        "coinglass-orderbook",
        "depth",
        lambda d: {"_bid": num(d, bid), "_ask": num(d, ask)},
        notes=(
            "order-book totals stored as depth at distance 0.01 (CoinGlass's default "
            "range, believed +/-1 % of mid, not verified)",
        ),
        reshape=_book_totals_to_depth,
        check=_no_text(*_BOOK_QUANTITIES),
        venue_hint=(
            "no venue given: labelled unknown; give the venue, which book it is: "
            "all-venues (the all-venue futures book the estimated market reads), "
            "all-venues-spot (spot), or an exchange (binance: its perpetual alone)"
        ),
    )


_BIDS_BASE = ("aggregated_bids_quantity", "bids_quantity", "bids_base")
_ASKS_BASE = ("aggregated_asks_quantity", "asks_quantity", "asks_base")
_BOOK_QUANTITIES = (*_BIDS_BASE, *_ASKS_BASE)


def _no_text(*cols: str) -> Callable[[pd.DataFrame, str], None]:
    """A layout check refusing text that is not a number in the raw columns ``cols``.

    For optional columns read outside ``build`` (a book's quantities, read when its
    totals become depth rows): an empty cell is no value, text is refused.
    """

    def check(raw: pd.DataFrame, name: str) -> None:
        _refuse_text(raw, {c: text_cells(raw[c]) for c in cols if c in raw.columns}, name)

    return check


def _refuse_text(raw: pd.DataFrame, text: dict[str, np.ndarray], name: str) -> None:
    """Refuse the first text cell in file order among ``text`` (raw column -> mask)."""
    hits = [(int(b[0]), c) for c, m in text.items() if (b := np.flatnonzero(m)).size]
    if hits:
        i, c = min(hits)
        raise InputError(
            f"{c}: {str(raw[c].iloc[i]).strip()!r} is not a number "
            "(an empty cell is read as no value; text is refused)",
            file=name,
            row=i + 1,
        )


def _book_totals_to_depth(raw: pd.DataFrame, frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Each row's bid and ask totals as two depth rows at distance 0.01."""
    bq = first_of(raw, *_BIDS_BASE)
    aq = first_of(raw, *_ASKS_BASE)
    base = frame.drop(columns=["_bid", "_ask"])
    bids = base.assign(
        side="bid",
        distance=0.01,
        notional_usd=frame["_bid"],
        depth_base=num(raw, bq).to_numpy() if bq else np.nan,
    )
    asks = base.assign(
        side="ask",
        distance=0.01,
        notional_usd=frame["_ask"],
        depth_base=num(raw, aq).to_numpy() if aq else np.nan,
    )
    return pd.concat([bids, asks]).sort_index(kind="stable").reset_index(drop=True), []


#: Binance's API long/short files' columns as they write them (normalised names first).
_BINANCE_LONG_SHORT_WRITTEN = (
    ("long_short_ratio", "longShortRatio"),
    ("long_account", "longAccount"),
    ("short_account", "shortAccount"),
    ("long_position", "longPosition"),
    ("short_position", "shortPosition"),
)
_TAKER_COIN = ("taker_buy_volume_usd", "taker_sell_volume_usd")
_TAKER_USD_BUY = ("aggregated_buy_volume_usd", "buy_usd")
_TAKER_USD_SELL = ("aggregated_sell_volume_usd", "sell_usd")
_TAKER_PAIRS = (_TAKER_COIN, ("aggregated_buy_volume_usd", "aggregated_sell_volume_usd"))
#: Columns giving each bar's close (USD per coin) to convert a coin-unit taker file at.
_TAKER_CLOSE = ("close", "price")
#: The column of each bar's close (USD per coin) that a caller added to a coin-unit taker
#: file without one, from hourly prices (``data ingest`` does, from the store or the
#: bundle: :mod:`liqcascade.data._taker_close`). No file's column is named so: a header's
#: leading underscore does not survive :func:`~liqcascade._tables.norm_column`.
HOUR_CLOSE = "_hour_close"
#: What a coin-unit taker file is, and what converts it, as refusals say.
TAKER_COIN_UNITS = (
    "CoinGlass's taker_buy_volume_usd and taker_sell_volume_usd hold coin units, not USD "
    "(docs/data.md, 'Taker volume units')"
)
TAKER_REMEDY = (
    "add each bar's close (USD per coin) as a column close to convert them, or give the "
    "volumes in USD as buy_usd, sell_usd"
)


class NoTakerClose(InputError):
    """A CoinGlass futures taker file (coin units) with no close to convert it at.

    :func:`~liqcascade.data.ingest_files` takes it as the cue to add each bar's close
    from the hourly prices the commands read (:mod:`liqcascade.data._taker_close`);
    every other reader refuses the file with its message.

    Parameters
    ----------
    message, file, row, param, line
        As :class:`~liqcascade.errors.InputError`.
    """


def _coinglass_taker(p: Probe) -> Layout:
    """CoinGlass taker volume in USD: ``aggregated_*_volume_usd``, or ``buy_usd, sell_usd``."""
    buy = first_of(p.df, *_TAKER_USD_BUY) or "buy_usd"
    sell = first_of(p.df, *_TAKER_USD_SELL) or "sell_usd"
    return Layout(
        "coinglass-taker",
        "taker",
        lambda d: {"buy_usd": num(d, buy), "sell_usd": num(d, sell)},
        reshape=_taker_rows,
    )


def _coinglass_taker_coin(p: Probe) -> Layout:
    """CoinGlass's futures taker pair ``taker_*_volume_usd``: coin units, converted to USD.

    Despite the names the values are base-coin units: the bundled BTC file's pair, times
    each 4-hour bar's close and summed over a day, is 0.73 of CoinGlass's own daily USD
    series (``btc_taker_1d``), a ratio that does not move with the price. They are read
    as USD only times the bar's close, from a ``close`` (or ``price``) column of the
    file, else from the column :data:`HOUR_CLOSE` a caller added (a bar without a close
    there is left empty: validation names its row, or ``drop_missing`` leaves it out);
    without either the file is refused (:class:`NoTakerClose`), never stored as dollars.
    """
    close = first_of(p.df, *_TAKER_CLOSE)
    buy, sell = _TAKER_COIN
    if close is None and HOUR_CLOSE in p.df.columns:

        def at_hours(d: pd.DataFrame) -> dict[str, pd.Series]:
            px = num(d, HOUR_CLOSE).to_numpy()
            return {"buy_usd": num(d, buy) * px, "sell_usd": num(d, sell) * px}

        return Layout("coinglass-taker-coin", "taker", at_hours, reshape=_taker_rows)
    if close is None:
        raise NoTakerClose(f"{TAKER_COIN_UNITS}: {TAKER_REMEDY}", file=p.name)

    def build(d: pd.DataFrame) -> dict[str, pd.Series]:
        px = num(d, close)
        return {"buy_usd": num(d, buy) * px, "sell_usd": num(d, sell) * px}

    def check(raw: pd.DataFrame, name: str) -> None:
        px = num(raw, close).to_numpy()
        has = (raw[buy].notna() | raw[sell].notna()).to_numpy()
        with np.errstate(invalid="ignore"):
            bad = np.flatnonzero(has & ~(np.isfinite(px) & (px > 0)))
        if bad.size:
            i = int(bad[0])
            what = "is missing" if np.isnan(px[i]) else f"{px[i]:g} is not a price > 0"
            raise InputError(
                f"{close} {what} (the taker volumes are coin units, "
                "converted to USD at the bar's close)",
                file=name,
                row=i + 1,
            )

    return Layout(
        "coinglass-taker-coin",
        "taker",
        build,
        notes=(f"taker volume in coin units converted to USD at each bar's {close}",),
        reshape=_taker_rows,
        check=check,
    )


def _taker_rows(raw: pd.DataFrame, frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """A CoinGlass taker file's rows of the pair it is read from, and a note on the others.

    CoinGlass's BTC taker file holds two column pairs, each row filling one of them:
    ``taker_*_volume_usd`` (4-hourly, coin units) and ``aggregated_*_volume_usd`` (one
    row a day, USD). They are two series, not one renamed. The pair the layout reads
    (the first present) is kept; rows that carry only the other pair are left out with
    one warning, never read as the same series. A row missing both is kept, so
    validation refuses it naming its row.
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
        f"{n} {'row carries' if n == 1 else 'rows carry'} only {b1}/{s1}, another series "
        f"than {b0}/{s0} "
        "(the file holds two): not read"
    )
    return frame[keep].reset_index(drop=True), [note]


def _ohlc_kind(p: Probe) -> str:
    """What OHLC without volume holds: CoinGlass open interest (USD) or funding (percent).

    The caller's kind, else the magnitude of the closes: median below 1 is funding,
    at or above 1e5 open interest; between, :class:`InputError` asking for the kind.
    """
    if p.kind in ("open_interest", "funding"):
        return p.kind
    close = num(p.df, first_of(p.df, "close", "c") or "close").to_numpy()
    med = float(np.nanmedian(np.abs(close))) if np.isfinite(close).any() else np.nan
    if med < 1.0:
        return "funding"
    if med >= 1e5:
        return "open_interest"
    raise InputError(
        f"OHLC without volume and values of median {med:g}: cannot tell open "
        "interest from funding; give kind as open_interest or funding",
        file=p.name,
        param="kind",
    )


def _coinglass_oi(d: pd.DataFrame) -> dict[str, pd.Series]:
    out = {"oi_usd": num(d, first_of(d, "close", "c") or "close")}
    for src, dst in (("open", "oi_open_usd"), ("high", "oi_high_usd"), ("low", "oi_low_usd")):
        put_num(out, d, dst, src)
    return out


def _coinglass_funding(d: pd.DataFrame) -> dict[str, pd.Series]:
    close = num(d, first_of(d, "close", "c") or "close")
    return {"rate": close / 100.0, "interval_hours": pd.Series(8.0, index=d.index)}


#: Venues that pay funding more often than every 8 h, and the interval CoinGlass quotes
#: their rate per (hours): Hyperliquid pays hourly, and CoinGlass's "8h" history of it
#: holds the hourly rate (0.00125 %, Hyperliquid's baseline), sampled every 8 h.
COINGLASS_FUNDING_HOURS: dict[str, float] = {"hyperliquid": 1.0}


def _coinglass_venue_hours(venue: str, f: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    hours = COINGLASS_FUNDING_HOURS.get(venue.lower())
    if hours is None:
        return f, None
    note = f"{venue}: the rate is per {hours:g} h, the venue's funding interval (not per 8 h)"
    return f.assign(interval_hours=hours), note


# canonical ---------------------------------------------------------------------------------
def _canonical_events(d: pd.DataFrame) -> dict[str, pd.Series]:
    out: dict[str, pd.Series] = {
        "side": objects(d["side"]),
        "price": num(d, "price"),
        "qty": num(d, "qty"),
    }
    out.update({c: num(d, c) for c in ("average_price", "filled_qty") if c in d})
    if "status" in d:
        out["status"] = objects(d["status"])
    return out


def _canonical_long_short(d: pd.DataFrame) -> dict[str, pd.Series]:
    out = {"measure": objects(d["measure"]).where(d["measure"].notna(), None)}
    out.update({c: num(d, c) for c in ("long_pct", "short_pct", "long_short_ratio") if c in d})
    return out


def _canonical_depth(d: pd.DataFrame) -> dict[str, pd.Series]:
    out = {
        "side": objects(d["side"]),
        "distance": num(d, "distance"),
        "notional_usd": num(d, "notional_usd"),
    }
    if "depth_base" in d:
        out["depth_base"] = num(d, "depth_base")
    return out


def _numbers(*cols: str) -> Build:
    """Builds the columns ``cols`` the file has, as float (canonical numeric kinds)."""

    def build(d: pd.DataFrame) -> dict[str, pd.Series]:
        return {c: num(d, c) for c in cols if c in d}

    return build


def _canonical(kind: str, build: Build) -> Layout:
    return Layout("canonical", kind, build)


# -- the registry ---------------------------------------------------------------------------
#: Every layout read, in the order tried (the first rule recognising a file reads it).
REGISTRY: tuple[LayoutRule, ...] = (
    # files without a header: by their width
    LayoutRule(
        "binance-klines",
        (),
        _ohlcv("binance-klines", time="open_time", header=BINANCE_KLINES),
        width=12,
        describe="Binance public-data klines (12 columns, with or without header; "
        "open time ms or µs)",
    ),
    LayoutRule(
        "ccxt-ohlcv",
        (),
        _ohlcv("ccxt-ohlcv", time="timestamp", header=_CCXT_OHLCV),
        width=6,
        describe="ccxt fetch_ohlcv JSON [[ts,o,h,l,c,v],...] (or a headerless 6-column CSV)",
    ),
    # venue layouts, by their own column names
    LayoutRule(
        "coinglass-liquidations",
        columns("aggregated_long_liquidation_usd", "aggregated_short_liquidation_usd"),
        Layout(
            "coinglass-liquidations",
            "liquidations",
            lambda d: {
                "long_usd": num(d, "aggregated_long_liquidation_usd"),
                "short_usd": num(d, "aggregated_short_liquidation_usd"),
            },
        ),
        describe="CoinGlass aggregated liquidation history "
        "(time,aggregated_long_liquidation_usd,aggregated_short_liquidation_usd)",
    ),
    LayoutRule(
        "coinglass-long-short",
        (),
        ls.coinglass_long_short,
        when=ls.is_coinglass_long_short,
        describe="CoinGlass long/short ratio history (time,<measure>_long_percent,"
        "<measure>_short_percent,<measure>_long_short_ratio; measure global_account, "
        "top_account or top_position)",
    ),
    LayoutRule(
        "long-short-wide",
        (),
        ls.long_short_wide,
        when=ls.is_long_short_wide,
        describe="long/short percent long per measure (ts,global_account_long_pct,"
        "top_account_long_pct,top_position_long_pct), the frame load_series returns",
    ),
    LayoutRule(
        "binance-long-short",
        columns("long_short_ratio", "long_account", "short_account"),
        ls.binance_long_short,
        written=_BINANCE_LONG_SHORT_WRITTEN,
        describe="Binance API long/short ratios as fractions (timestamp ms,"
        "longShortRatio,longAccount,shortAccount; from globalLongShortAccountRatio, "
        "topLongShortAccountRatio or topLongShortPositionRatio: the measure is given, or "
        "read from the file name; coin-M longPosition,shortPosition = top_position)",
    ),
    LayoutRule(
        "binance-long-short",
        columns("long_short_ratio", "long_position", "short_position"),
        ls.binance_long_short,
        written=_BINANCE_LONG_SHORT_WRITTEN,
    ),
    LayoutRule(
        "binance-liquidationsnapshot",
        columns("side", "original_quantity", "price", "average_price"),
        Layout(
            "binance-liquidationsnapshot",
            "liquidation_events",
            _liquidation_snapshot,
            venue="binance",
            notes=("side = the liquidated position (a SELL order liquidates a long)",),
            check=_check_snapshot_sides,
        ),
        describe="Binance liquidationSnapshot (time,side,order_type,...)",
    ),
    LayoutRule(
        "okx-liquidation-orders",
        columns("inst_id", "side", "pos_side", "sz", "bk_px"),
        Layout(
            "okx-liquidation-orders",
            "liquidation_events",
            _okx_liquidations,
            venue="okx",
            notes=(
                "sz in contracts x the contract value (ctVal) = qty in base units; price = "
                "the bankruptcy price (bkPx); side = posSide (a sell order's in net mode)",
            ),
            check=_check_okx_liquidations,
        ),
        describe="OKX liquidation orders (ts,instId,side,posSide,sz,bkPx; sz in contracts)",
        written=(("inst_id", "instId"), ("pos_side", "posSide"), ("bk_px", "bkPx")),
    ),
    LayoutRule(
        "binance-bookdepth",
        columns("percentage", "depth", "notional"),
        Layout("binance-bookdepth", "depth", _book_depth, venue="binance"),
        describe="Binance bookDepth (timestamp,percentage,depth,notional)",
    ),
    LayoutRule(
        "binance-metrics",
        columns("sum_open_interest", "sum_open_interest_value"),
        Layout(
            "binance-metrics",
            "open_interest",
            lambda d: {
                "oi_usd": num(d, "sum_open_interest_value"),
                "oi_base": num(d, "sum_open_interest"),
            },
            time="create_time",
            venue="binance",
        ),
        describe="Binance metrics (create_time,symbol,sum_open_interest,...)",
    ),
    LayoutRule(
        "binance-fundingrate",
        columns("calc_time", "last_funding_rate"),
        Layout(
            "binance-fundingrate", "funding", _binance_funding, time="calc_time", venue="binance"
        ),
        describe="Binance fundingRate (calc_time,funding_interval_hours,last_funding_rate)",
    ),
    LayoutRule(
        "ccxt-open-interest",
        one_of("open_interest_amount", "open_interest_value"),
        Layout("ccxt-open-interest", "open_interest", _ccxt_open_interest, time="timestamp"),
        describe="ccxt fetch_open_interest_history JSON (openInterestValue...)",
        written=(
            ("open_interest_amount", "openInterestAmount"),
            ("open_interest_value", "openInterestValue"),
        ),
    ),
    LayoutRule(
        "coinalyze-oi",
        columns("oi_open", "oi_close"),
        Layout("coinalyze-oi", "open_interest", _coinalyze_oi, time="timestamp"),
        describe="Coinalyze open-interest OHLC (symbol,timestamp,oi_open,...,oi_close)",
    ),
    LayoutRule(
        "ccxt-funding",
        (*columns("funding_rate"), *one_of("funding_timestamp", "info")),
        Layout("ccxt-funding", "funding", _funding_rate),
        describe="ccxt fetch_funding_rate_history JSON (fundingRate...)",
        written=(("funding_rate", "fundingRate"), ("funding_timestamp", "fundingTimestamp")),
    ),
    LayoutRule(
        "funding-table",
        columns("funding_rate"),
        Layout("funding-table", "funding", _funding_rate),
        describe="funding history (Symbol,Date,Funding Rate) or (timestamp,venue,coin,"
        "funding_rate)",
    ),
    LayoutRule(
        "hyperliquid-daily-liquidations",
        columns("daily_notional_liquidated"),
        Layout(
            "hyperliquid-daily-liquidations",
            "liquidations",
            lambda d: {"total_usd": num(d, "daily_notional_liquidated")},
            venue="hyperliquid",
        ),
        describe="Hyperliquid daily liquidated notional (time,coin,daily_notional_liquidated)",
    ),
    LayoutRule(
        "coinglass-orderbook",
        (*one_of("aggregated_bids_usd", "bids_usd"), *one_of("aggregated_asks_usd", "asks_usd")),
        _coinglass_book,
        describe="CoinGlass order-book bid/ask totals (time,aggregated_bids_usd,"
        "aggregated_bids_quantity,aggregated_asks_usd,aggregated_asks_quantity; or bids_usd,"
        "asks_usd with optional bids_quantity/asks_quantity or bids_base/asks_base)",
    ),
    LayoutRule(
        "coinglass-taker-coin",
        columns(*_TAKER_COIN),
        _coinglass_taker_coin,
        describe="CoinGlass futures taker buy/sell volume in coin units despite the names "
        "(time,taker_buy_volume_usd,taker_sell_volume_usd), converted to USD at a close "
        "column (USD per coin); without one, data ingest takes each bar's close from the "
        "asset's hourly prices held (the store's, then the bundle's)",
    ),
    LayoutRule(
        "coinglass-taker",
        (_TAKER_USD_BUY, _TAKER_USD_SELL),
        _coinglass_taker,
        describe="CoinGlass taker buy/sell volume in USD (time,aggregated_buy_volume_usd,"
        "aggregated_sell_volume_usd; or buy_usd,sell_usd)",
    ),
    # liqcascade's own columns (as `data export` writes them), one rule per kind
    LayoutRule(
        "canonical",
        columns("side", "price", "qty"),
        _canonical("liquidation_events", _canonical_events),
        describe="liqcascade's own canonical columns (as written by `data export`)",
        caution="qty is in base units such as ETH, not a venue's contracts",
    ),
    LayoutRule(
        "canonical",
        one_of("long_usd", "short_usd", "total_usd"),
        _canonical("liquidations", _numbers("long_usd", "short_usd", "total_usd")),
    ),
    LayoutRule(
        "canonical",
        one_of("oi_usd", "oi_base"),
        _canonical(
            "open_interest",
            _numbers("oi_usd", "oi_base", "oi_open_usd", "oi_high_usd", "oi_low_usd"),
        ),
    ),
    LayoutRule(
        "canonical",
        columns("rate"),
        _canonical("funding", _numbers("rate", "interval_hours")),
    ),
    LayoutRule(
        "canonical",
        columns("measure", "long_pct"),
        _canonical("long_short", _canonical_long_short),
    ),
    LayoutRule(
        "canonical",
        columns("side", "distance", "notional_usd"),
        _canonical("depth", _canonical_depth),
    ),
    # OHLC(V): with volume (or the caller's kind ohlcv), then CoinGlass's OHLC without
    LayoutRule(
        "binance-kline-export",
        (*_OHLC, *columns("open_time", "quote_asset_volume")),
        _ohlcv("binance-kline-export"),
        when=_with_volume,
        describe="Binance kline export (`Open time,Open,...,Ignore`)",
        written=(("open_time", "Open time"), ("quote_asset_volume", "Quote asset volume")),
    ),
    LayoutRule(
        "binance-klines",
        (*_OHLC, *columns("open_time", "close_time")),
        _ohlcv("binance-klines"),
        when=_with_volume,
    ),
    LayoutRule(
        "ohlcv",
        _OHLC,
        _ohlcv("ohlcv"),
        when=_with_volume,
        describe="generic OHLCV (any capitalisation, o/h/l/c/v accepted; optional turnover, "
        "venue, coin/symbol columns)",
    ),
    LayoutRule(
        "coinglass-oi-ohlc",
        _OHLC,
        Layout(
            "coinglass-oi-ohlc",
            "open_interest",
            _coinglass_oi,
            notes=("open-interest OHLC read as USD; oi_usd = bar close",),
        ),
        when=lambda p: _ohlc_kind(p) == "open_interest",
        describe="CoinGlass open-interest OHLC history (time,open,high,low,close; USD)",
    ),
    LayoutRule(
        "coinglass-funding-ohlc",
        _OHLC,
        Layout(
            "coinglass-funding-ohlc",
            "funding",
            _coinglass_funding,
            notes=("funding OHLC read as CoinGlass percent per 8 h; rate = close / 100",),
            for_venue=_coinglass_venue_hours,
            percent_rates=True,
        ),
        when=lambda p: _ohlc_kind(p) == "funding",
        describe="CoinGlass funding OHLC history (percent per 8 h; per hour for Hyperliquid)",
    ),
)

#: Layouts recognised, for the docs, ``data ingest --help`` and error messages: name ->
#: what it is. docs/data.md's layout table names each (a test holds them equal).
LAYOUTS: dict[str, str] = {r.name: r.describe for r in REGISTRY if r.describe}

#: Columns (normalised names) that name a row's market, the first a file has wins: a
#: file is split into one series per value (OKX's ``instId`` is ``inst_id``). A layout
#: whose market column is named otherwise adds its name here.
SYMBOL_COLUMNS: tuple[str, ...] = ("symbol", "coin", "pair", "market", "inst_id")


def detect(
    df: pd.DataFrame, headerless: bool, name: str, kind: str | None, measure: str | None = None
) -> Layout:
    """The layout of a raw frame: the first rule of :data:`REGISTRY` recognising it.

    Parameters
    ----------
    df : pandas.DataFrame
        The raw frame (normalised column names; positional for a file without a
        header, which are then renamed to the layout's column names, in place).
    headerless : bool
        Whether the file had no header.
    name : str
        File name, for messages.
    kind : str or None
        The kind the caller asked for (canonical name): decides OHLC without volume.
    measure : str or None
        The long/short measure the caller gave (Binance's API files).

    Raises
    ------
    InputError
        No layout recognises the file (naming the columns seen and the closest
        layouts), or the content is ambiguous (naming what to give).
    """
    probe = Probe(df, name, kind, measure)
    for rule in REGISTRY:
        if rule.recognises(probe, headerless):
            layout = rule.read(probe)
            if layout.header is not None:
                df.columns = pd.Index(layout.header)
            return replace(layout, build=_refusing_text(layout, name))
    if headerless:
        raise InputError(
            f"{name}: unrecognised layout: no header and {df.shape[1]} columns "
            "(headerless files must be Binance klines, 12 columns, or ts,o,h,l,c,v)"
        )
    written = df.attrs.get(HEADER_AS_WRITTEN, {})
    seen = ", ".join(str(written.get(c, c)) for c in df.columns)
    renamed = next(((w, c) for c, w in written.items() if w != c), None)
    compared = f"; {renamed[0]} is compared as {renamed[1]}" if renamed else ""
    raise InputError(
        f"{name}: unrecognised layout (columns seen: {seen}{compared})"
        f"{_not_market(probe.columns) or _closest(probe.columns)}; see liqcascade.data.LAYOUTS "
        "(docs/data.md) for the layouts read"
    )


#: The key of a raw frame's ``attrs`` holding its header as the file writes it
#: (normalised name -> the file's), for messages naming the columns a user can find.
HEADER_AS_WRITTEN = "header_as_written"


#: Files the commands read as they are, never through the store: what, the columns that
#: tell it (each group: any one of its names), and where the docs describe it.
_POSITIONS_DOC = 'docs/margin.md, "Positions and stops files"'
NOT_MARKET: tuple[tuple[str, tuple[tuple[str, ...], ...], str], ...] = (
    ("a positions file", (("side",), ("size",), ("entry_price",)), _POSITIONS_DOC),
    ("a stops file", (("side",), ("size",), ("trigger_price", "trigger")), _POSITIONS_DOC),
    ("an order book", (("side",), ("size",), ("price",)), 'docs/cascade.md, "Order books"'),
)


def _not_market(cols: frozenset[str]) -> str:
    """``"; it is a positions file …"`` when the columns are a file no store keeps, else ``""``.

    A positions, stops or order-book file given to ingest is not a market series: the
    commands that take one read it directly. Naming the closest market layouts (the
    canonical liquidation events share ``side`` and ``price``) would send the user the
    wrong way.
    """
    for what, groups, where in NOT_MARKET:
        if all(any(c in cols for c in g) for g in groups):
            named = ", ".join(next(c for c in g if c in cols) for g in groups)
            return (
                f"; it is {what} ({named}), which the store does not keep: the commands that "
                f"take one read it as it is ({where})"
            )
    return ""


def _refusing_text(layout: Layout, name: str) -> Build:
    """``layout.build``, refusing text that is not a number where a cell may be empty.

    A cell of an optional column (trades, quote volume, one of ``oi_usd``/``oi_base``...;
    :func:`~liqcascade.data._validate.optional_numbers`) holding ``"many"`` used to be
    stored as no value. Each built column of those is traced to its raw column by name
    (:func:`~liqcascade.data._columns.num` keeps it); the first text cell in file order
    is an :class:`InputError` naming the file, the row and the file's column. Text in a
    required column stays a missing value, which validation names (and ``drop_missing``
    may leave out).
    """
    inner = layout.build
    optional = set(optional_numbers(layout.kind))

    def build(raw: pd.DataFrame) -> dict[str, pd.Series]:
        values = inner(raw)
        traced = {str(v.name): v for k, v in values.items() if k in optional and v.name in raw}
        _refuse_text(raw, {c: text_cells(raw[c]) & v.isna().to_numpy(bool)
                           for c, v in traced.items()}, name)  # fmt: skip
        return values

    return build


def _closest(cols: frozenset[str], top: int = 3) -> str:
    """``"; closest: a (lacks x), b (lacks y or z)"``: the layouts sharing most columns.

    The columns lacking are named as the layout's files write them (``longShortRatio``,
    ``Open time``; :meth:`LayoutRule.spelled`), not as the file's header is compared
    (``long_short_ratio``). A layout's share is the fraction of its column groups the
    file has; layouts sharing none are not named (nor is anything, when no layout shares
    a column).
    """
    scored: dict[str, tuple[float, list[tuple[str, ...]], str]] = {}
    for rule in REGISTRY:
        if not rule.needs:
            continue
        missing = [tuple(rule.spelled(c) for c in g) for g in rule.missing(cols)]
        share = 1.0 - len(missing) / len(rule.needs)
        if share > 0 and share > scored.get(rule.name, (0.0, [], ""))[0]:
            scored[rule.name] = (share, missing, rule.caution)
    if not scored:
        return ""
    best = sorted(scored.items(), key=lambda kv: -kv[1][0])[:top]
    parts = [
        f"{n} (lacks {', '.join(' or '.join(g) for g in missing)}{'; ' if why else ''}{why})"
        for n, (_, missing, why) in best
    ]
    return "; closest: " + ", ".join(parts)
