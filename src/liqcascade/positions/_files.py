"""Readers of explicit positions and stops files (CSV or Parquet, header required).

Positions file columns (docs/design.md): ``side`` (long/short), ``size`` (base units),
``entry_price`` (USD), and ``margin`` (isolated USD) or ``leverage``; optional
``liq_price`` and ``bankruptcy_price`` (USD, used as given where present, computed
where empty), ``account``, ``venue`` (binance/bybit/hyperliquid; a row without one
takes the caller's venue, else Hyperliquid's rules in the Hyperliquid layout and
Binance's in any other file), ``symbol`` (else ``asset`` or ``coin``: ``BTC`` is read
as ``BTCUSDT``), ``margin_mode`` (``isolated``/``cross``; ``leverage_type``, the
Hyperliquid API's name, is read alike; a row without one is cross in the Hyperliquid
layout, isolated in any other file): a cross row's given ``liq_price`` depends on its
account and is used as stated, not checked against the row's own margin; in the
Hyperliquid layout a cross long without one is never liquidated (``liq_price`` 0: the
export leaves it empty where the account cannot be liquidated).

Stops file columns: ``side`` (sell/buy), ``trigger_price`` (USD), ``size`` (base units).

Every problem raises :class:`~liqcascade.errors.InputError` naming the file, the
1-based data row (header excluded) and the column, e.g.
``positions.csv: data row 3: size must be > 0 (got -1)``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Collection
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from liqcascade._prices import count_text
from liqcascade._sides import SIDE_RULE, SIDE_WORDS
from liqcascade._symbols import DEFAULT_SYMBOL, MIXED_SYMBOL, base_asset
from liqcascade._tables import EmptyFileError, check_columns, read_user_table
from liqcascade._typed_numbers import not_a_number
from liqcascade._typing import FloatArray
from liqcascade.errors import InputError, row_ref
from liqcascade.margin import (
    HYPERLIQUID_MAX_LEVERAGE,
    VENUES,
    contract_symbol,
    leverage_refusal,
    liq_price,
    margin_disagreement,
)
from liqcascade.positions._book import (
    BUY,
    LONG,
    SELL,
    SHORT,
    PositionBook,
    StopBook,
    check_bank_side,
    check_liq_side,
    check_liq_within_margin,
    refuse_first,
)
from liqcascade.positions._hyperliquid_api import from_api_fields

# Notes on how a file was read (the venue assumed), one ``note: ...`` record each. Logged
# at WARNING: with no logging configured (the command line), Python's last-resort handler
# prints each as one stderr line, as :mod:`liqcascade.market` does for its caveats.
_LOG = logging.getLogger("liqcascade.positions")

#: Cell texts read as missing (besides the empty cell).
_NA_WORDS = ("", "nan", "na", "n/a", "null", "none")


def _read_table(path: Path) -> pd.DataFrame:
    """The file as a frame of strings/objects with lower-cased, stripped column names."""
    # numeric columns parse in C, others stay text and are checked cell by cell
    return read_user_table(path)


def _blank(col: pd.Series) -> np.ndarray:
    """True where a cell is empty (blank string, None or NaN)."""
    if col.dtype == object or pd.api.types.is_string_dtype(col):
        s = col.astype("string").str.strip()
        return (s.isna() | s.str.lower().isin(_NA_WORDS)).fillna(True).to_numpy(dtype=bool)
    return col.isna().to_numpy(dtype=bool)


def _numeric(
    df: pd.DataFrame, name: str, path: Path, *, required: bool = True
) -> tuple[FloatArray, np.ndarray]:
    """A column as float64 and its mask of blank cells; errors name file, row and column."""
    col = df[name]
    blank = _blank(col)
    if col.dtype == object or pd.api.types.is_string_dtype(col):
        stripped = col.astype("string").str.strip()
        vals = pd.to_numeric(stripped.mask(pd.Series(blank, index=col.index)), errors="coerce")
        arr = vals.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        arr = pd.to_numeric(col, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = np.flatnonzero(np.isnan(arr) & ~blank)
    if bad.size:
        i = int(bad[0])
        raise InputError(not_a_number(name, col.iloc[i]), file=str(path), row=i + 1)
    if required and blank.any():
        i = int(np.flatnonzero(blank)[0])
        raise InputError(f"{name} is missing or NaN", file=str(path), row=i + 1)
    return arr, blank


def _first(mask: np.ndarray) -> int | None:
    idx = np.flatnonzero(mask)
    return int(idx[0]) if idx.size else None


def _require_positive(
    arr: FloatArray, name: str, path: Path, active: np.ndarray | None = None
) -> None:
    ok = np.isfinite(arr) & (arr > 0)
    bad = ~ok if active is None else (~ok & active)
    i = _first(bad)
    if i is not None:
        raise InputError(f"{name} must be > 0 (got {arr[i]:g})", file=str(path), row=i + 1)


def _optional_positive(
    df: pd.DataFrame, name: str, path: Path, n: int
) -> tuple[FloatArray, np.ndarray]:
    """An optional column: values (NaN where blank or absent) and the mask of given cells.

    Given cells must be numbers > 0 (errors name file, row and column).
    """
    if name not in df.columns:
        return np.full(n, np.nan), np.zeros(n, dtype=bool)
    arr, blank = _numeric(df, name, path, required=False)
    given = ~blank
    _require_positive(arr, name, path, active=given)
    return np.where(given, arr, np.nan), given


def _words(
    df: pd.DataFrame, name: str, path: Path, allowed: dict[str, int], rule: str | None = None
) -> np.ndarray:
    """Column ``name``'s words (any case) as their ``allowed`` codes; ``rule`` words a refusal."""
    raw = df[name].astype("string").str.strip().str.lower()
    codes = raw.map(allowed)
    bad = _first(codes.isna().to_numpy(dtype=bool))
    if bad is not None:
        opts = rule or " or ".join(allowed)
        raise InputError(
            f"{name} must be {opts} (got {str(df[name].iloc[bad])!r})", file=str(path), row=bad + 1
        )
    return codes.to_numpy(dtype=np.int64)


def _text(df: pd.DataFrame, name: str, default: str, upper: bool = False) -> np.ndarray:
    """A label column, stripped and case-folded, blanks -> ``default`` (object array)."""
    if name not in df.columns:
        return np.full(len(df), default.upper() if upper else default.lower(), dtype=object)
    codes, uniq = pd.factorize(df[name])
    labels = []
    for u in [*list(uniq), default]:
        t = str(u).strip()
        t = default if t == "" or t.lower() in _NA_WORDS else t
        labels.append(t.upper() if upper else t.lower())
    return np.asarray(labels, dtype=object)[codes]  # code -1 (missing) -> last = default


#: A price more than this many times above (or below 1/this of) the reference price
#: (the book's mid, the market's mid, the price given) is a unit error, not a position.
PRICE_SCALE = 10.0


def _off_scale(values: np.ndarray, reference: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = values / reference
    return np.isfinite(ratio) & ((ratio > PRICE_SCALE) | (ratio < 1.0 / PRICE_SCALE))


def _unit_error(column: str, value: float, ref: float, reference: str) -> str:
    return (
        f"{column} {value:,.6g} is {value / ref:.3g}x {reference} {ref:,.6g}: more than "
        f"{PRICE_SCALE:g}x away from it is a unit error (prices are USD per coin)"
    )


def _reference(price: Any, name: str) -> FloatArray:
    """A reference price (one, or one per row) checked finite and > 0 USD.

    A NaN reference would switch the unit check off without a word (every ratio to it
    is NaN), a negative one print "-105x": both are refused, naming ``name``.
    """
    try:
        p = np.asarray(price, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a price in USD (got {price!r})", param=name) from None
    bad = np.flatnonzero(~(np.isfinite(p) & (p > 0)))
    if bad.size:
        where = "" if p.ndim == 0 else f"[{int(bad[0])}]"
        got = float(p.ravel()[bad[0]])
        raise InputError(f"{name}{where} must be a finite price > 0 USD (got {got:g})", param=name)
    return p


def check_at_price(
    side: np.ndarray,
    entry_price: np.ndarray,
    liq_price_: np.ndarray,
    price: float | np.ndarray,
    *,
    file: str | None,
    reference: str = "the book's mid",
    refuse_liquidated: bool = True,
    liquidated_hint: str = "",
    liquidated_param: str | None = None,
) -> None:
    """Refuse positions whose prices cannot hold at the reference ``price``.

    The one check of positions against a price (files of cascade, solvency, liqmap,
    contagion; the stress portfolio; the books of ``run_solvency``): a row whose
    ``entry_price`` is more than :data:`PRICE_SCALE` (10)x above or below ``price`` is a
    unit error (a book quoted in thousands, a position in cents); a row already beyond
    its liquidation price at ``price`` (long: ``price <= liq``; short: ``price >= liq``)
    would have been liquidated before the shock: refused when ``refuse_liquidated`` (the
    stress portfolio, liquidation maps, and the cascade and solvency books at their
    price before the shock, whose engines would leave such a row open on a move away
    from it and book it as bad debt on a move towards it); contagion books keep
    such rows (its generated books hold a few).

    Parameters
    ----------
    side : ndarray of int
        +1 long, -1 short.
    entry_price, liq_price_ : ndarray of float
        Per row, USD (NaN entries are not checked).
    price : float or ndarray
        The reference price, USD (one, or one per row), finite and > 0.
    file : str or None
        The file named in the message (``FILE: row N: ...``); None: a book built in
        Python (``PositionBook: position i: ...``, ``param="liq_price"``).
    reference : str, default "the book's mid"
        What ``price`` is, for the message (``"the current price"``, ``"--price"``).
    refuse_liquidated : bool, default True
        Also refuse rows already beyond their liquidation price at ``price``.
    liquidated_hint : str, optional
        What to do about a row already beyond its liquidation price, after its message
        (``"; HINT"``): ``run_solvency`` at the size-weighted entry price says to give
        ``mid``.
    liquidated_param : str, optional
        The parameter that refusal names, in a file's error too (``"mid"``); default
        none for a file, ``"liq_price"`` for a book built in Python.

    Raises
    ------
    InputError
        ``FILE: row N: ...`` for the first row in file order that fails either rule;
        naming ``price`` (and its index) when it is not a finite price > 0.
    """
    s = np.asarray(side, dtype=np.float64)
    e = np.asarray(entry_price, dtype=np.float64)
    liq = np.asarray(liq_price_, dtype=np.float64)
    p = np.broadcast_to(_reference(price, "price"), s.shape)
    scale = _off_scale(e, p)
    with np.errstate(invalid="ignore"):
        beyond = np.isfinite(liq) & (s * (p - liq) <= 0) & refuse_liquidated
    bad = np.flatnonzero(scale | beyond)
    if bad.size and scale[bad[0]]:  # the first row in file order names its rule
        refuse_first(
            np.flatnonzero(scale),
            file,
            "entry_price",
            lambda i: _unit_error("entry_price", float(e[i]), float(p[i]), reference),
        )
    refuse_first(
        np.flatnonzero(beyond),
        file,
        liquidated_param or "liq_price",
        lambda i: f"already beyond its liquidation price {liq[i]:,.2f} at {reference} {p[i]:,.2f}",
        hint=liquidated_hint,
        file_param=liquidated_param,
    )


def check_stops_at_price(
    stops: StopBook, price: float, *, file: str | None = None, reference: str = "the mid"
) -> None:
    """Refuse stops a market at ``price`` contradicts.

    A trigger more than 10x away from ``price`` is a unit error; a sell stop at or above
    ``price`` (a buy stop at or below it) has already triggered: it is a market order
    that would have filled before the shock, not a resting stop (a take-profit above the
    price is a limit order: it belongs in the order book). A :class:`StopBook` holds no
    price, so its constructor cannot apply this rule: the files' readers apply it given
    a reference price, and a caller who builds stops in Python calls it with the mid
    (the estimated markets' modelled stops may lie past the mid: the engines count or
    fire them).

    Parameters
    ----------
    stops : StopBook
        The stops read from ``file`` (row ``i + 1`` is stop ``i``).
    price : float
        The reference price, USD, finite and > 0.
    file : str, optional
        The file named in the message; None: stops built in Python
        (``stops: stop i: ...``, ``param="stops"``).
    reference : str, default "the mid"
        What ``price`` is, for the message (``"the book's mid"``, ``"--price"``).

    Raises
    ------
    InputError
        ``FILE: row N: ...`` for the first stop that fails either rule (the unit rule
        checked first), with the other rows that fail the same rule
        (``; K more rows like it (rows ...)``); ``stops: stop i: ...`` for stops built in
        Python; naming ``price`` when it is not a finite price > 0.
    """
    price = float(_reference(price, "price"))
    trig = np.asarray(stops.trigger, dtype=np.float64)
    refuse_first(
        np.flatnonzero(_off_scale(trig, np.full(trig.shape, price))),
        file,
        "stops",
        lambda i: _unit_error("trigger_price", float(trig[i]), price, reference),
        item="stops: stop",
    )
    side = np.asarray(stops.side, dtype=np.float64)  # +1 buy, -1 sell

    def fired(i: int) -> str:
        sell = side[i] < 0
        return (
            f"a {'sell' if sell else 'buy'} stop at {trig[i]:,.2f} is "
            f"{'at or above' if sell else 'at or below'} {reference} {float(price):,.2f}: it "
            f"has already triggered (a {'sell' if sell else 'buy'} stop fires when the price "
            f"{'falls' if sell else 'rises'} to it); a resting take-profit is a limit order "
            "and belongs in the order book"
        )

    refuse_first(
        np.flatnonzero(side * (trig - float(price)) <= 0), file, "stops", fired, item="stops: stop"
    )


#: Columns read as a row's base asset where the file has no ``symbol`` column (the
#: Hyperliquid positions export's ``asset``, the Hyperliquid API's ``coin``).
ASSET_COLUMNS = ("asset", "coin")


#: The columns a positions file's rows are read from (names normalised as
#: :func:`liqcascade._tables.norm_column` does).
READ_COLUMNS = frozenset({
    "side", "size", "entry_price", "margin", "leverage", "liq_price", "bankruptcy_price",
    "symbol", "venue", "margin_mode", "leverage_type", "asset", "coin", "account",
})  # fmt: skip
#: Columns an export carries for its own bookkeeping (the Hyperliquid positions layout's
#: among them): not read, and not worth a note.
BOOKKEEPING_COLUMNS = frozenset({
    "ts", "time", "timestamp", "address", "account_id", "user", "id",
    "position_id", "account_value", "position_value", "notional", "mark_price",
    "unrealized_pnl", "pnl", "opened_ms",
})  # fmt: skip
#: Columns that look like stop orders: a positions file does not place them.
_STOP_LIKE = ("stop", "sl", "take_profit", "tp", "trigger")


def _note_unread(
    columns: Any,
    p: Path | str,
    read: frozenset[str] = READ_COLUMNS,
    kind: str = "a positions file",
) -> None:
    """One ``note:`` naming the columns no rule reads (an export's ``stop_price`` vanished).

    The one note of a user's table's unread columns: positions files here, the stress
    portfolio file at the command line (``read``: its columns, ``kind``: "a portfolio
    file"). Stop-like columns of a positions file get the reason: stops are a stops
    file's (side, trigger_price, size), placed by the cascade and maps beside the
    positions.
    """
    unread = [c for c in columns if c not in read | BOOKKEEPING_COLUMNS]
    if not unread:
        return
    stops = [c for c in unread if any(w in c.split("_") for w in _STOP_LIKE)]
    why = (
        f" ({', '.join(stops)}: stops are read from a stops file of side, trigger_price "
        "and size, not from the positions)"
        if stops and kind == "a positions file"
        else ""
    )
    _LOG.warning(
        "note: %s: %s not read: %s%s; %s reads %s",
        p, count_text(len(unread), "column"), ", ".join(unread), why, kind, ", ".join(sorted(read)),
    )  # fmt: skip


#: Columns read as a row's margin mode (``isolated``/``cross``): ours, and the
#: Hyperliquid API's ``leverage.type`` as an export flattens it.
MODE_COLUMNS = ("margin_mode", "leverage_type")


def _cross_rows(
    df: pd.DataFrame, p: Path, hyperliquid: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Which rows are cross margin, and which took the file's default mode.

    A row's ``margin_mode`` (else ``leverage_type``) cell, ``isolated`` or ``cross``
    (any case); a blank cell or no such column takes the default: cross for the
    ``hyperliquid`` rows (those of the Hyperliquid layout priced with Hyperliquid's
    rules: its default mode; its export records none, and 92 % of the bundled export's
    stated liquidation prices lie beyond what the position's own margin gives), isolated
    for any other row (another venue's, by its venue cell or the caller's).
    """
    col = next((c for c in MODE_COLUMNS if c in df.columns), None)
    if col is None:
        return np.full(len(df), hyperliquid), np.ones(len(df), dtype=bool)
    raw = df[col].astype("string").str.strip().str.lower()
    blank = _blank(df[col])
    bad = _first(~blank & ~raw.isin(["isolated", "cross"]).fillna(False).to_numpy(dtype=bool))
    if bad is not None:
        raise InputError(
            f"{col} must be isolated or cross (got {str(df[col].iloc[bad]).strip()!r})",
            file=str(p),
            row=bad + 1,
        )
    cross = np.where(blank, hyperliquid, (raw == "cross").fillna(False).to_numpy(dtype=bool))
    return cross.astype(bool), blank


def _check_hyperliquid_coins(
    df: pd.DataFrame, venues: np.ndarray, symbols: np.ndarray, p: Path
) -> None:
    """Refuse a Hyperliquid row of a coin whose margin rule is not known, saying what to do."""
    from liqcascade.data import base_asset

    hl = np.flatnonzero(venues == "hyperliquid")
    coins = np.asarray([base_asset(str(s)) for s in symbols[hl]], dtype=object)
    k = _first(~np.isin(coins, list(HYPERLIQUID_MAX_LEVERAGE)))
    if k is None:
        return
    col = _symbol_column(df.columns) or "symbol"
    known = ", ".join(f"{c} ({m:g}x)" for c, m in HYPERLIQUID_MAX_LEVERAGE.items())
    raise InputError(
        f"{col} {coins[k]}: Hyperliquid's margin rule (its maintenance rate) is known here "
        f"for {known} only, so this row's liquidation cannot be priced; keep the rows of "
        f"those coins (filter the export on its {col} column: a positions file is read as "
        "one market's book)",
        file=str(p),
        row=int(hl[k]) + 1,
    )


def _symbol_column(columns: Any) -> str | None:
    """The column naming each row's contract: ``symbol``, else ``asset``/``coin``, else None."""
    if "symbol" in columns:
        return "symbol"
    return next((c for c in ASSET_COLUMNS if c in columns), None)


def _row_symbols(df: pd.DataFrame, default: str) -> np.ndarray:
    """Each row's contract: ``symbol``, else ``asset``/``coin`` as its USDⓈ-M contract.

    An asset cell (``BTC``; a symbol there is read as its base,
    :func:`liqcascade.data.base_asset`) is read as its Binance USDⓈ-M perpetual
    (:func:`liqcascade.margin.contract_symbol`: ``BTCUSDT``), whose tier table prices a
    Binance row (a Hyperliquid row reads its coin); blank cells take ``default``.
    """
    col = _symbol_column(df.columns)
    if col is None or col == "symbol":
        return _text(df, "symbol", default, upper=True)
    from liqcascade.data import base_asset

    assets = _text(df, col, "", upper=True)
    return np.asarray(
        [default.upper() if a == "" else contract_symbol(base_asset(a)) for a in assets],
        dtype=object,
    )


def is_hyperliquid_layout(columns: Any) -> bool:
    """Whether a positions file's columns are the Hyperliquid positions layout.

    No ``symbol`` column and an ``asset`` or ``coin`` one (:data:`ASSET_COLUMNS`): the
    Hyperliquid positions export names each row's coin (``BTC``) where a centralised
    exchange's export names its contract (``BTCUSDT``).

    Parameters
    ----------
    columns : iterable of str
        The file's column names, lower-cased and stripped.

    Returns
    -------
    bool
    """
    cols = set(columns)
    return "symbol" not in cols and any(c in cols for c in ASSET_COLUMNS)


def _layout_venue(df: pd.DataFrame, p: Path) -> tuple[str, str | None]:
    """The margin rules of rows without a ``venue`` value when the caller names none.

    ``hyperliquid`` for the Hyperliquid layout (:func:`is_hyperliquid_layout`), with the
    ``note:`` to log once the file is read when some row takes it; ``binance`` for any
    other file (no note).
    """
    if not is_hyperliquid_layout(df.columns):
        return "binance", None
    if not len(df) or ("venue" in df.columns and not _blank(df["venue"]).any()):
        return "hyperliquid", None
    col = next(c for c in ASSET_COLUMNS if c in df.columns)
    which = "no venue column" if "venue" not in df.columns else "rows without a venue"
    listed = ", ".join(f"{c} {m:g}x" for c, m in HYPERLIQUID_MAX_LEVERAGE.items())
    return "hyperliquid", (
        f"{p}: {which}, and {'an' if col == 'asset' else 'a'} {col} column with no symbol "
        "(the Hyperliquid positions "
        "layout): read with Hyperliquid's margin rules (maintenance half the initial margin "
        f"at the coin's listed max leverage: {listed}); a venue column "
        f"({', '.join(VENUES)}) chooses another venue's"
    )


def positions_asset(path: str | Path, symbol: str = "ETHUSDT") -> str | None:
    """The base asset of a positions file's first row, as :func:`read_positions` reads it.

    For a caller that needs the market price of the file's asset before reading it
    against that price (``read_positions(reference_price=...)`` then refuses a second
    asset and checks the unit before any leverage or margin rule).

    Parameters
    ----------
    path : str or Path
        CSV (header required) or Parquet positions file.
    symbol : str, default "ETHUSDT"
        Contract of a row without a ``symbol`` (or ``asset``/``coin``) value.

    Returns
    -------
    str or None
        The upper-case base asset (``"ETH"``); None for a file with no rows.

    Raises
    ------
    InputError
        ``FILE: ...`` for a file that cannot be read.
    """
    from liqcascade.data import base_asset

    df = _read_table(Path(path))
    if df.empty:
        return None
    return base_asset(str(_row_symbols(df.iloc[:1], symbol)[0]))


def _row_assets(symbols: np.ndarray) -> np.ndarray:
    """The base asset of each symbol (``ETHUSDT``, ``ETH-PERP`` and ``ETH`` are ETH)."""
    from liqcascade.data import base_asset

    return np.asarray([base_asset(str(s)) for s in symbols], dtype=object)


def _book_symbol(symbols: np.ndarray) -> str:
    """The book's symbol: the rows' one symbol, else their one base asset, else ``"mixed"``.

    Rows of one asset's several contracts (``ETHUSDT`` on Binance, ``ETH`` on
    Hyperliquid) are that asset's book: the bare asset (``"ETH"``) names it, and is
    checked against an asset given (:func:`~liqcascade._symbols.check_same_asset`),
    not ``"mixed"``, which would pass any asset. Only rows of
    several assets (read without a reference price) give :data:`MIXED_SYMBOL`.
    """
    us = pd.unique(symbols)
    if len(us) == 1:
        return str(us[0])
    assets = pd.unique(_row_assets(us))
    return str(assets[0]) if len(assets) == 1 else MIXED_SYMBOL


def _check_one_asset(df: pd.DataFrame, symbols: np.ndarray, p: Path) -> None:
    """Refuse a file whose rows name two base assets: it is read as one market."""
    assets = _row_assets(symbols)
    other = _first(assets != assets[0])
    if other is None:
        return
    col = _symbol_column(df.columns) or "symbol"
    raise InputError(
        f"{col}: {assets[other]}, another asset than {row_ref(1)}'s {assets[0]}: the file is "
        "read as one market at one price, so it must hold one asset's positions (split it by "
        "asset)",
        file=str(p),
        row=other + 1,
    )


def _check_asset(df: pd.DataFrame, asset: str, p: Path) -> None:
    """Refuse rows whose stated symbol (or asset/coin cell) is another asset than ``asset``.

    Blank cells, and a file without such a column, state nothing and pass. A file whose
    rows state several assets is refused as a whole, naming them all.
    """
    from liqcascade.data import base_asset

    want = str(asset).strip().upper()
    stated = _row_symbols(df, "")  # "" where a row states nothing
    own = np.asarray([base_asset(str(s)) if s else want for s in stated], dtype=object)
    col = _symbol_column(df.columns) or "symbol"

    held = pd.unique(own[stated != ""])
    if len(held) > 1:  # no asset reads the whole file: say what it holds, not a row
        raise InputError(
            f"holds the positions of several assets ({', '.join(map(str, held))}), read as "
            f"asset {want}'s: one price moves one asset's positions; split the file by asset",
            file=str(p),
            param="asset",
        )

    def said(i: int) -> str:  # a symbol and its asset; an asset/coin cell as its asset
        return f"{col} {stated[i]} ({own[i]})" if col == "symbol" else f"{col} {own[i]}"

    bad = np.flatnonzero(own != want)
    refuse_first(
        bad,
        str(p),
        "asset",
        lambda i: f"{said(i)} does not match asset {want}",
        hint=f"leave asset out, or give {own[bad[0]]}" if bad.size else "",
        file_param="asset",
    )


def asset_scale_text(price: float, asset: str, what: str) -> str | None:
    """What is wrong with ``price`` read as ``asset``'s, or None when it is on its scale.

    ``price`` more than :data:`PRICE_SCALE` (10)x beyond ``asset``'s bundled daily
    closes (:func:`liqcascade.data.bundled_price_range`) is another coin's price (or in
    another unit): the one check of a price stated without its asset (a positions file
    without a symbol, ``margin liq-price``'s entry) against the asset it is read as.

    Parameters
    ----------
    price : float
        The price, USD.
    asset : str
        The base asset it is read as (``"ETH"``); one without bundled prices is not
        checked (None).
    what : str
        The price's name in the text (``"median entry_price"``).

    Returns
    -------
    str or None
        ``"WHAT P is Rx the highest ASSET close bundled (LO–HI): ..."``, with the bundled
        asset whose range holds ``price`` where one does (``(BTC's scale)``); None on
        scale, and for a price that is no positive number (the caller's own check of
        prices refuses it: "must be > 0").
    """
    from liqcascade.data import bundled_assets, bundled_price_range

    if not (math.isfinite(price) and price > 0):
        return None
    own = str(asset).strip().upper()
    try:
        lo, hi = bundled_price_range(own)
    except InputError:  # no bundled prices of the asset: no scale to check against
        return None
    if lo / PRICE_SCALE <= price <= hi * PRICE_SCALE:
        return None
    ratio, edge = (price / hi, "highest") if price > hi else (price / lo, "lowest")
    fits = [a for a in bundled_assets() if a != own and _in_range(price, bundled_price_range(a))]
    like = f" ({fits[0]}'s scale)" if fits else ""
    return (
        f"{what} {price:,.6g} is {ratio:.3g}x the {edge} {own} close bundled "
        f"({lo:,.2f}–{hi:,.2f}): more than {PRICE_SCALE:g}x beyond it is another coin's "
        f"price{like} or a unit error"
    )


def _scale_fit(text: str) -> str | None:
    """The asset named ``(X's scale)`` in :func:`asset_scale_text`'s text, or None."""
    head, sep, _ = text.rpartition("'s scale)")
    return head.rpartition("(")[2] if sep else None


def _check_default_scale(df: pd.DataFrame, entry: np.ndarray, symbol: str, p: Path) -> None:
    """Refuse rows read as the default contract whose prices are another asset's.

    The rows stating no contract (no ``symbol``/``asset``/``coin`` cell) are read as
    ``symbol``'s (:data:`DEFAULT_SYMBOL`, ETHUSDT, or the asset given's): its tier table
    prices them. Their median entry price off that asset's scale
    (:func:`asset_scale_text`) is another asset's positions (BTC prices read as ETH,
    which ETHUSDT's tiers would price) or another unit:
    refused, naming the file, with the bundled asset whose range holds those prices.
    """
    from liqcascade.data import base_asset

    blank = _row_symbols(df, "") == ""
    if not blank.any():
        return
    text = asset_scale_text(
        float(np.median(entry[blank])), base_asset(symbol), "median entry_price"
    )
    if text is None:
        return
    fit = _scale_fit(text)
    which = (
        "no symbol column: its rows are"
        if _symbol_column(df.columns) is None
        else ("rows stating no contract are")
    )
    raise InputError(  # the parameter named last: the command line shows it as its flag
        f"{p}: {which} read as {symbol}, but their {text}; add a symbol column"
        f"{f' ({contract_symbol(fit)})' if fit else ''} or give asset{f' {fit}' if fit else ''}",
        param="asset",
    )


def _in_range(price: float, bounds: tuple[float, float]) -> bool:
    return bounds[0] <= price <= bounds[1]


def read_given_positions(path: str | Path, param: str = "positions", **kwargs: Any) -> PositionBook:
    """:func:`read_positions` of a file given as the parameter ``param``, with rows.

    Parameters
    ----------
    path : str or Path
        The positions file.
    param : str, default "positions"
        The parameter that gave it: an empty file and a file with a header only are
        both refused naming it (the command line shows its flag, ``--positions:
        FILE: ...``); every other fault is :func:`read_positions`' own, named by the file.
    **kwargs
        :func:`read_positions`' keywords.

    Returns
    -------
    PositionBook
        At least one position.

    Raises
    ------
    InputError
        As :func:`read_positions`; or the file is empty, or holds a header only.
    """
    try:
        book = read_positions(path, **kwargs)
    except EmptyFileError as exc:
        raise InputError(str(exc), param=param) from None
    if len(book) == 0:  # a header only: no book to cascade or map (as solvency refuses it)
        raise InputError(f"{path}: the file has no position rows (a header only)", param=param)
    return book


def _warn_repeated(df: pd.DataFrame, path: Path, shown: int = 5) -> None:
    """Warn (one line, logger ``liqcascade.positions``) of rows that repeat an earlier row.

    Two identical positions can be real (one account, two fills at one price): they are
    kept, but an export read twice into one file doubles the exposure without a word,
    so the rows are named (``data rows 2 (= data row 1), 5 (= data row 3)``, the first ``shown``).
    """
    if len(df) < 2:
        return
    first = df.groupby(list(df.columns), dropna=False, sort=False).ngroup().to_numpy()
    seen: dict[int, int] = {}
    pairs = []
    for i, g in enumerate(first):
        if int(g) in seen:
            pairs.append(f"{i + 1} (= {row_ref(seen[int(g)] + 1)})")
        else:
            seen[int(g)] = i
    if not pairs:
        return
    more = f", … ({len(pairs):,} in all)" if len(pairs) > shown else ""
    _LOG.warning(
        "warning: %s: data row%s %s repeat%s an earlier row exactly: kept and counted (two "
        "identical positions can be real); drop the repeat if the file was exported twice",
        path, "s" if len(pairs) > 1 else "", ", ".join(pairs[:shown]) + more,
        "" if len(pairs) > 1 else "s",
    )  # fmt: skip


def read_positions(
    path: str | Path,
    venue: str | None = None,
    symbol: str | None = None,
    *,
    reference_price: float | None = None,
    reference: str = "the book's mid",
    refuse_liquidated: bool = False,
    asset: str | None = None,
    default_scale: bool = False,
    also_read: Collection[str] = (),
) -> PositionBook:
    """Read a positions file into a :class:`PositionBook`, computing missing prices.

    Parameters
    ----------
    path : str or Path
        CSV (header required) or Parquet (``.parquet``/``.pq``) file.
    venue : {"binance", "bybit", "hyperliquid"}, optional
        Margin rules for rows without a ``venue`` value. Default: ``"hyperliquid"``
        for the Hyperliquid positions layout (no ``symbol`` column, an ``asset`` or
        ``coin`` one: :func:`is_hyperliquid_layout`), with a ``note:`` logged (logger
        ``liqcascade.positions``) when rows take it; ``"binance"`` for any other file.
    symbol : str, optional
        Contract for rows without a ``symbol`` value (picks the Binance tier table).
        Default: ``asset``'s contract (:func:`liqcascade.margin.contract_symbol`,
        ``BTCUSDT`` for ``asset="BTC"``, whose tiers price such rows), else
        ``"ETHUSDT"``. A
        file without a ``symbol`` column but with an ``asset`` or ``coin`` one (the
        Hyperliquid positions export) has each row's asset read as its USDⓈ-M contract
        (``BTC`` -> ``BTCUSDT``, :func:`liqcascade.margin.contract_symbol`), which
        names the coin to Hyperliquid's rules and the tier table to Binance's. A
        contract without a packaged tier table is priced with
        :data:`~liqcascade.margin.FALLBACK_TIERS`' (:func:`liqcascade.margin.symbol_tiers`),
        its caveat logged as a ``warning:`` naming the file.
    reference_price : float, optional
        The market price the positions meet (USD, finite and > 0; the book's mid): when
        given, the file is read as one market at that price: rows of two assets are
        refused, then the rows are checked against it with :func:`check_at_price` (entry
        more than 10x away: a unit error) before the leverage and margin checks (a wrong
        unit would make those misleading).
    reference : str, default "the book's mid"
        What ``reference_price`` is, for messages.
    refuse_liquidated : bool, default False
        With ``reference_price``, also refuse a row already beyond its liquidation price
        at it (a liquidation map at that price; a cascade's book at its mid).
    asset : str, optional
        The asset the caller reads the file as (``solvency``'s ``asset``): a row whose
        ``symbol`` (or ``asset``/``coin``) names another base asset is refused, naming
        the file, row, symbol and asset (``param="asset"``), and a file whose rows name
        several assets is refused naming the file and its assets; rows that name none pass.
    default_scale : bool, default False
        Without ``symbol``: refuse a file whose rows stating no contract (read as
        ``asset``'s contract, else :data:`DEFAULT_SYMBOL`'s) have a median entry price
        more than 10x beyond that asset's bundled price range
        (:func:`liqcascade.data.bundled_price_range`; ``param="asset"``; an asset with no
        bundled prices is not checked): BTC prices read as ETH's would be priced with
        ETHUSDT's tier table. The commands' files (``cascade``, ``solvency``) are read
        with it.
    also_read : collection of str, optional
        Columns the caller reads itself from the same file (the watch's ``stop_price``):
        left out of the ``note:`` naming the columns no rule reads.

    Returns
    -------
    PositionBook
        One entry per row, in file order. ``liq_price``/``bankruptcy_price`` are taken
        from the file where given, else computed with the row's venue rules
        (:func:`liqcascade.margin.liq_price`). A cross row's given ``liq_price``
        (``margin_mode``, see the module docstring) is not checked against its own
        margin, and its bankruptcy price is not before it; nor is an isolated row's (a
        given ``liq_price`` within :data:`~liqcascade.positions._book.AGREE_TOLERANCE`
        beyond its margin's bankruptcy price has that price as its bankruptcy price
        too). ``margin`` is taken from the file, or
        ``size * entry_price / leverage`` where only leverage is given (margin wins
        where both are). ``account`` is the file's integer account, its string ids
        numbered in order of appearance, or ``0..n-1``. ``venue`` of the book is the
        file's single value, ``"mixed"`` if it has several
        (:data:`liqcascade._symbols.MIXED_SYMBOL`); ``symbol`` the file's single value,
        else its rows' one base asset (``"ETH"`` for ``ETHUSDT`` and ``ETH`` rows), else
        ``"mixed"`` (rows of several assets, read without ``reference_price``).

    Raises
    ------
    InputError
        ``FILE: row N: ...`` for a missing/NaN or non-numeric value, size, entry
        price or margin <= 0, leverage <= 0 or above the venue's maximum for the
        notional (Binance: the tier table), an unknown side, venue or margin mode, a
        Hyperliquid row of a coin without a known margin rule, a negative given price,
        with ``reference_price`` a second asset or an entry 10x from it, with ``asset``
        a row of another asset;
        ``FILE: ...`` for missing columns or an unreadable file.
    """
    p = Path(path)
    default_scale = default_scale and symbol is None
    if symbol is None:  # rows stating no contract are the asset asked for's (BTCUSDT: BTC's)
        symbol = DEFAULT_SYMBOL if asset is None else contract_symbol(base_asset(str(asset)))
    if reference_price is not None:
        reference_price = float(_reference(reference_price, "reference_price"))
    chosen = None if venue is None else str(venue).strip().lower()
    if chosen is not None and chosen not in VENUES:
        raise InputError(f"unknown venue {venue!r} (expected one of: {', '.join(VENUES)})")
    df, api_note = from_api_fields(_read_table(p), p)  # szi, entryPx: Hyperliquid's API
    check_columns(df.columns, ("side", "size", "entry_price"), str(p))
    if "margin" not in df.columns and "leverage" not in df.columns:
        raise InputError(f"{p}: needs a margin or a leverage column")
    default_venue, note = (chosen, None) if chosen else _layout_venue(df, p)
    n = len(df)
    if n == 0:
        return PositionBook.empty(venue=default_venue, symbol=symbol)

    sides = {w: LONG if sign > 0 else SHORT for w, sign in SIDE_WORDS.items()}  # buy: long
    side = _words(df, "side", p, sides, SIDE_RULE).astype(np.int8)
    size, _ = _numeric(df, "size", p)
    _require_positive(size, "size", p)
    entry, _ = _numeric(df, "entry_price", p)
    _require_positive(entry, "entry_price", p)

    margin, has_margin = _optional_positive(df, "margin", p, n)
    lev, has_lev = _optional_positive(df, "leverage", p, n)
    neither = _first(~has_margin & ~has_lev)
    if neither is not None:
        raise InputError("margin or leverage is missing", file=str(p), row=neither + 1)

    venues = _text(df, "venue", default_venue)
    bad_v = _first(~np.isin(venues, VENUES))
    if bad_v is not None:
        raise InputError(
            f"venue must be one of {', '.join(VENUES)} (got {str(df['venue'].iloc[bad_v])!r})",
            file=str(p),
            row=bad_v + 1,
        )
    symbols = _row_symbols(df, symbol)
    if asset is not None:
        _check_asset(df, asset, p)
    if default_scale:  # before any tier-table rule: the wrong table makes them misleading
        _check_default_scale(df, entry, symbol, p)
    _check_hyperliquid_coins(df, venues, symbols, p)
    # Hyperliquid's export rules (cross by default, an empty liq_price) are its rows' only:
    # a row of another venue (its venue cell, or the caller's) in that layout is not one
    hl_rows = is_hyperliquid_layout(df.columns) & (venues == "hyperliquid")
    cross, default_mode = _cross_rows(df, p, hl_rows)
    if reference_price is not None:
        # one price for the whole file: one asset, in its unit; a wrong unit makes the
        # leverage, margin and liquidation checks below meaningless, so it comes first
        _check_one_asset(df, symbols, p)
        check_at_price(side, entry, np.full(n, np.nan), reference_price, file=str(p),
                       reference=reference, refuse_liquidated=False)  # fmt: skip
    off = margin_disagreement(size * entry, margin, lev)  # NaN where a row gives none
    if off is not None:
        raise InputError(off[1], file=str(p), row=off[0] + 1)

    notional = size * entry
    liq = np.full(n, np.nan)
    bank = np.full(n, np.nan)
    vcodes, vuniq = pd.factorize(venues)
    scodes, suniq = pd.factorize(symbols)
    gcodes, guniq = pd.factorize(vcodes.astype(np.int64) * len(suniq) + scodes)
    groups = {
        (str(vuniq[int(g) // len(suniq)]), str(suniq[int(g) % len(suniq)])): np.flatnonzero(
            gcodes == c
        )
        for c, g in enumerate(guniq)
    }
    caveats: set[str] = set()
    for (v, s), idx in groups.items():
        try:
            # lev is NaN where not given: those rows are not checked
            refused = leverage_refusal(str(v), str(s), lev[idx], notional[idx])
        except InputError as exc:
            raise InputError(str(exc), file=str(p), row=int(idx[0]) + 1) from exc
        if refused is not None:
            k, why = refused
            raise InputError(f"leverage {why}", file=str(p), row=int(idx[k]) + 1)
        m_idx = np.where(
            has_margin[idx], margin[idx], notional[idx] / np.where(has_lev[idx], lev[idx], 1.0)
        )
        margin[idx] = m_idx
        try:
            r = liq_price(str(v), side[idx], size[idx], entry[idx], m_idx, symbol=str(s))
        except InputError as exc:
            raise InputError(str(exc), file=str(p), row=int(idx[0]) + 1) from exc
        liq[idx] = r.liq_price
        bank[idx] = r.bankruptcy_price
        caveats.update(r.caveats)  # a contract priced with another's tier table

    margin_bank = bank.copy()  # from the margin, before any bankruptcy_price of the file
    given_liq = np.zeros(n, dtype=bool)
    given_bank = np.zeros(n, dtype=bool)
    for name, target, mask in (
        ("liq_price", liq, given_liq),
        ("bankruptcy_price", bank, given_bank),
    ):
        if name in df.columns:
            given, blank = _numeric(df, name, p, required=False)
            neg = _first(~blank & ~(given >= 0))
            if neg is not None:
                raise InputError(
                    f"{name} must be >= 0 (got {given[neg]:g})", file=str(p), row=neg + 1
                )
            target[~blank] = given[~blank]
            mask[:] = ~blank
    # a cross row's stated liquidation price rests on its account's equity, not on the
    # row's own margin: its bankruptcy is not before it (no shortfall booked before the
    # liquidation the venue stated); an isolated row's stated price may lie up to
    # AGREE_TOLERANCE beyond its margin's bankruptcy (fees, funding: checked below), and
    # its bankruptcy is then the stated price too (PositionBook refuses one before it)
    stated = cross & given_liq
    with np.errstate(invalid="ignore"):
        before = given_liq & ~given_bank & (side * (bank - liq) > 0)
    bank[before] = liq[before]
    # Hyperliquid's export leaves liq_price empty where the account cannot be liquidated
    # (every such row of the bundled snapshots is a long of a cross account): such a long
    # is never liquidated (0, as a 1x long), not at its set leverage's isolated price; a
    # file with no liq_price column states none, and its rows are computed as before
    never = hl_rows & ("liq_price" in df.columns) & cross & ~given_liq & (side == LONG)
    # a short has no price that never liquidates it: an empty cell is priced from the
    # row's own margin at its set leverage (none in the bundled snapshots), and said
    own_short = hl_rows & ("liq_price" in df.columns) & cross & ~given_liq & (side != LONG)
    liq[never] = 0.0
    bank[never & ~given_bank] = 0.0

    account = np.empty(0, dtype=np.int64)
    if "account" in df.columns:
        acc_raw = df["account"]
        blank_a = _blank(acc_raw)
        k_blank = _first(blank_a)
        if k_blank is not None:
            raise InputError("account is missing", file=str(p), row=k_blank + 1)
        as_num = pd.to_numeric(acc_raw.astype("string").str.strip(), errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan
        )
        if np.all(np.isfinite(as_num)) and np.all(as_num == np.round(as_num)):
            account = as_num.astype(np.int64)
        else:
            account = pd.factorize(acc_raw.astype("string").str.strip())[0].astype(np.int64)

    # a cross row's stated price is the venue's, from the account: not checked here
    check_liq_side(side, entry, np.where(stated, np.nan, liq), file=str(p))
    check_liq_within_margin(side, entry, liq, given_liq & ~cross, margin_bank, margin, file=str(p))
    # a stated bankruptcy_price (one from the margin is check_liq_within_margin's, within
    # its tolerance)
    check_bank_side(side, liq, bank, given_bank & ~cross, file=str(p))
    if reference_price is not None:
        check_at_price(side, entry, liq, reference_price, file=str(p), reference=reference,
                       refuse_liquidated=refuse_liquidated)  # fmt: skip
    for line in (api_note, note):  # after every check: a refused file prints its error alone
        if line is not None:
            _LOG.warning("note: %s", line)
    for c in sorted(caveats):  # whose tier table priced rows of a contract without one
        _LOG.warning("warning: %s: %s", p, c)
    if never.any():
        _LOG.warning(
            "warning: %s: %s without a liq_price read as never liquidated "
            "(Hyperliquid leaves it empty where the account cannot be liquidated)",
            p, count_text(int(never.sum()), "cross long row"),
        )  # fmt: skip
    if own_short.any():
        _LOG.warning(
            "warning: %s: %s without a liq_price priced from their own "
            "margin at the set leverage (a short's losses have no bound: the account's own "
            "liquidation price is not in the file)",
            p, count_text(int(own_short.sum()), "cross short row"),
        )  # fmt: skip
    if (stated & default_mode & hl_rows).any():
        _LOG.warning(
            "note: %s: rows without a margin_mode read as cross (Hyperliquid's default): a "
            "stated liq_price is used as given, not checked against the row's own margin; "
            "a margin_mode column (isolated, cross) says otherwise",
            p,
        )
    _note_unread(df.columns, p, READ_COLUMNS | frozenset(also_read))
    _warn_repeated(df, p)
    uv = pd.unique(venues)
    return PositionBook(
        side=side,
        size=size,
        entry_price=entry,
        margin=margin,
        liq_price=liq,
        bankruptcy_price=bank,
        account=account,
        cross=cross,
        venue=str(uv[0]) if len(uv) == 1 else MIXED_SYMBOL,
        symbol=_book_symbol(symbols),
    )


def read_stops(
    path: str | Path, *, reference_price: float | None = None, reference: str = "the book's mid"
) -> StopBook:
    """Read a stops file into a :class:`StopBook`.

    Parameters
    ----------
    path : str or Path
        CSV (header required) or Parquet with columns ``side`` (sell/buy),
        ``trigger_price`` (USD, > 0; ``trigger`` accepted as an alias) and ``size``
        (base units, > 0).
    reference_price : float, optional
        The market price (USD, finite and > 0; the book's mid): a trigger more than 10x
        away from it is refused as a unit error (:func:`check_stops_at_price`).
    reference : str, default "the book's mid"
        What ``reference_price`` is, for messages.

    Returns
    -------
    StopBook
        One stop per row, in file order.

    Raises
    ------
    InputError
        ``FILE: row N: ...`` naming the column (missing, non-numeric, <= 0, unknown
        side), or ``FILE: missing column: ...`` (``columns: a, b`` for several).
    """
    p = Path(path)
    if reference_price is not None:
        reference_price = float(_reference(reference_price, "reference_price"))
    df = _read_table(p)
    if "trigger_price" not in df.columns and "trigger" in df.columns:
        df = df.rename(columns={"trigger": "trigger_price"})
    check_columns(df.columns, ("side", "trigger_price", "size"), str(p))
    if len(df) == 0:
        return StopBook.empty()
    side = _words(df, "side", p, {"sell": SELL, "buy": BUY}).astype(np.int8)
    trig, _ = _numeric(df, "trigger_price", p)
    _require_positive(trig, "trigger_price", p)
    size, _ = _numeric(df, "size", p)
    _require_positive(size, "size", p)
    book = StopBook(side, trig, size)
    if reference_price is not None:
        check_stops_at_price(book, reference_price, file=str(p), reference=reference)
    return book
