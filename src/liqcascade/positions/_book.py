"""Flat-array containers for leveraged positions and stop orders.

These are the shared currency between layers: ``margin`` computes their prices,
``positions`` builds them (from files or estimated from market data), ``cascade``
consumes them. Public constructors validate; kernels downstream trust them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd

from liqcascade._limits import MAX_USD, check_usd_amounts, real_array, real_number
from liqcascade._symbols import DEFAULT_SYMBOL, MIXED_SYMBOL, base_asset, check_same_asset
from liqcascade._typing import BoolArray, FloatArray, Int8Array, IntArray
from liqcascade.errors import InputError, row_ref
from liqcascade.margin import AGREE_TOLERANCE as MARGIN_AGREE_TOLERANCE

LONG: int = 1
SHORT: int = -1
SELL: int = -1
BUY: int = 1


def _field(label: str) -> str:
    """The parameter a label is about: ``"PositionBook.size"`` -> ``"size"``."""
    return label.rsplit(".", 1)[-1]


def _f64(x: Any, label: str, what: str = "is not a number") -> FloatArray:
    """``x`` as float64 (its shape kept), entries checked before the cast: text refused.

    ``np.asarray(["1.5"], dtype=float)`` would read text as a number and ``["a"]`` raise
    numpy's ValueError; an entry that is not a real number (text, None, a bool, a
    complex or a date) is an InputError naming ``label[i]``, the first such entry
    (``param`` the field, :func:`_field`).
    """
    numbers = f"{label}[{{i}}] {what} (got {{value!r}})"
    arr = real_array(x, _field(label), finite=False, shape="any", numbers=numbers, label=label)
    return np.asarray(arr, order="C")  # its shape kept: ascontiguousarray made 5.0 [5.0]


def _first_bad(ok: np.ndarray) -> int | None:
    """The first index where ``ok`` is False (None when it holds everywhere)."""
    bad = np.flatnonzero(~ok)
    return int(bad[0]) if bad.size else None


def _require(ok: np.ndarray, values: FloatArray, label: str, rule: str) -> None:
    """InputError ``label[i] must be rule (got v)`` at the first index where ``ok`` fails."""
    real_array(values, _field(label), finite=False, valid=ok, rule=rule, label=label, shape="any")


#: How far a row's ``margin`` may differ from ``size * entry_price / leverage`` when it
#: gives both (1 %: rounding of an exported margin; the margin package's
#: :data:`~liqcascade.margin.AGREE_TOLERANCE`), and how far (as a fraction of the entry
#: price) a given ``liq_price`` may lie beyond the bankruptcy price its margin gives
#: (1 %: fees and funding an export may have netted in).
AGREE_TOLERANCE = MARGIN_AGREE_TOLERANCE

#: How far (relative to the larger price) a ``bankruptcy_price`` may lie past its
#: ``liq_price`` and still count as at it (:func:`check_bank_side`): rounding, about
#: 4,500 ulps. Prices equal by formula computed two ways differ by an ulp or two
#: (Binance's ``liq_price`` at an ``mmr`` of 1e-16 put the bankruptcy of a long of
#: 13.497 ETH at 2,486.65 one ulp above its liquidation, 1,243.3248...), which the
#: strict rule refused; a real disagreement (2,950 against 2,900) is 10 orders larger.
BANK_SIDE_RTOL = 1e-12


def more_rows(bad: np.ndarray, shown: int = 5) -> str:
    """``"; 640 more rows like it (data rows 12, 15, 18, 20, 33, …)"`` after a row's message.

    ``bad``: the 0-based indices of every row that fails the same rule, the reported
    one first; ``""`` when it is the only one. A file with hundreds of such rows needs
    one fix, not hundreds of runs.
    """
    rest = np.asarray(bad)[1:]
    if rest.size == 0:
        return ""
    rows = ", ".join(str(int(k) + 1) for k in rest[:shown]) + (", …" if rest.size > shown else "")
    if rest.size == 1:
        return f"; 1 more row like it ({row_ref(int(rest[0]) + 1)})"
    return f"; {rest.size:,} more rows like it (data rows {rows})"


def row_error(
    msg: str,
    i: int,
    file: str | None,
    *,
    item: str = "PositionBook: position",
    param: str,
    file_param: str | None = None,
) -> InputError:
    """A file's ``FILE: data row N: MSG``, or a book's ``ITEM i: MSG`` (``param``) in Python.

    ``file_param``: the parameter a file's error names too (None: none, the file and
    row say where).
    """
    if file is not None:
        return InputError(msg, file=file, row=i + 1, param=file_param)
    return InputError(f"{item} {i}: {msg}", param=param)


def refuse_first(
    bad: np.ndarray,
    file: str | None,
    param: str,
    message: Callable[[int], str],
    *,
    item: str = "PositionBook: position",
    hint: str = "",
    file_param: str | None = None,
) -> None:
    """Refuse the first position of ``bad`` (nothing when it is empty), as the files' rules do.

    The one ending of :func:`check_liq_side`, :func:`check_bank_side`,
    :func:`check_liq_within_margin` and the files' checks against a price
    (:func:`liqcascade.positions._files.check_at_price`, ``check_stops_at_price``): the
    message says what is wrong with position ``i``, a file's adds the other rows that
    break the same rule (:func:`more_rows`), and the error is the file's row or the
    book's position (:func:`row_error`).

    Parameters
    ----------
    bad : ndarray of int
        The 0-based indices of the positions that break the rule, in order.
    file : str, optional
        The file read (row ``i + 1`` is position ``i``); None: a book built in Python.
    param : str
        The field at fault, the error's ``param`` for a book built in Python.
    message : callable
        ``message(i)``: what is wrong with position ``i`` (its values in the words).
    item : str, default "PositionBook: position"
        What a book built in Python calls position ``i`` (``"stops: stop"``).
    hint : str, optional
        What to do, after the message and the other rows (``"; HINT"``).
    file_param : str, optional
        The parameter a file's error names too (``param`` names it in Python).

    Raises
    ------
    InputError
        ``FILE: row N: MESSAGE; K more rows like it (rows ...)``, or
        ``PositionBook: position i: MESSAGE`` (``param``), when ``bad`` is not empty.
    """
    if len(bad) == 0:
        return
    i = int(bad[0])
    msg = message(i) + (more_rows(bad) if file else "") + (f"; {hint}" if hint else "")
    raise row_error(msg, i, file, item=item, param=param, file_param=file_param)


def check_liq_side(
    side: np.ndarray, entry_price: np.ndarray, liq_price_: np.ndarray, *, file: str | None = None
) -> None:
    """Refuse positions liquidated at their own entry: a wrong ``liq_price`` or a tiny margin.

    A long whose liquidation price is at or above its entry price (a short: at or
    below) would be liquidated the moment it opened. NaN prices are not checked (a
    cross position's stated price: its account's equity, not its own margin, sets it).
    The one rule of the positions files and of :class:`PositionBook` itself.

    Parameters
    ----------
    side, entry_price, liq_price_ : ndarray
        Sides (+1 long, -1 short) and prices, USD.
    file : str, optional
        The file read (row ``i + 1`` is position ``i``); None: a book built in Python.

    Raises
    ------
    InputError
        ``FILE: row N: liq_price ...`` (or ``PositionBook: position i: ...``,
        ``param="liq_price"``) for the first such position.
    """
    s = np.asarray(side, dtype=np.float64)
    e = np.asarray(entry_price, dtype=np.float64)
    liq = np.asarray(liq_price_, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        bad = np.flatnonzero(s * (e - liq) <= 0)
    source = "the file's liq_price, else from its margin" if file else "as given"

    def message(i: int) -> str:
        long = s[i] == 1
        return (
            f"liq_price {liq[i]:,.2f} is {'at or above' if long else 'at or below'} the entry "
            f"price {e[i]:,.2f} of a {'long' if long else 'short'}: it would be liquidated at "
            f"its entry (a long's liquidation price lies below its entry, a short's above; "
            f"{source})"
        )

    refuse_first(bad, file, "liq_price", message)


def check_bank_side(
    side: np.ndarray,
    liq_price_: np.ndarray,
    bankruptcy_price_: np.ndarray,
    rows: np.ndarray | None = None,
    *,
    file: str | None = None,
) -> None:
    """Refuse a bankruptcy price before the liquidation price.

    The liquidation comes first, the bankruptcy at or beyond it (the maintenance margin
    is >= 0): a long's ``bankruptcy_price`` lies at or below its ``liq_price``, a
    short's at or above, to :data:`BANK_SIDE_RTOL` (1e-12 of the price: rounding). A
    long with ``liq_price`` 2,900 and ``bankruptcy_price`` 2,950 would book a shortfall
    before it is liquidated. The "never" values are not checked
    (NaN, an infinite price, a long's ``liq_price`` <= 0), nor the rows outside ``rows``
    (a cross position: its account's equity sets both). The one rule of the positions
    files and of :class:`PositionBook` itself (its ``cross`` positions exempt).

    Parameters
    ----------
    side, liq_price_, bankruptcy_price_ : ndarray
        Sides (+1 long, -1 short) and prices, USD.
    rows : ndarray of bool, optional
        The positions checked; default all.
    file : str, optional
        The file read (row ``i + 1`` is position ``i``); None: a book built in Python.

    Raises
    ------
    InputError
        ``FILE: row N: bankruptcy_price ...`` (or ``PositionBook: position i: ...``,
        ``param="bankruptcy_price"``) for the first such position.
    """
    s = np.asarray(side, dtype=np.float64)
    liq = np.asarray(liq_price_, dtype=np.float64)
    bank = np.asarray(bankruptcy_price_, dtype=np.float64)
    checked = np.isfinite(liq) & np.isfinite(bank) & ~((s > 0) & (liq <= 0))
    if rows is not None:
        checked &= np.asarray(rows, dtype=bool)
    with np.errstate(invalid="ignore"):
        slack = BANK_SIDE_RTOL * np.maximum(np.abs(liq), np.abs(bank))
        bad = np.flatnonzero(checked & (s * (bank - liq) > slack))

    def message(i: int) -> str:
        long = s[i] > 0
        text = (
            f"bankruptcy_price {bank[i]:,.2f} is {'above' if long else 'below'} the liq_price "
            f"{liq[i]:,.2f} of a {'long' if long else 'short'}: the bankruptcy lies at or "
            f"beyond the liquidation ({'below a long' if long else 'above a short'}'s "
            "liquidation price)"
        )
        # a book built in Python: the exemption it can give (a file's is its margin_mode cell)
        return text if file else text + "; a cross position (cross=True) is not checked"

    refuse_first(bad, file, "bankruptcy_price", message)


def check_liq_within_margin(
    side: np.ndarray,
    entry: FloatArray,
    liq: FloatArray,
    rows: np.ndarray,
    bank: FloatArray,
    margin: FloatArray,
    *,
    file: str | None = None,
) -> None:
    """Refuse a ``liq_price`` beyond the bankruptcy price its own margin gives.

    Liquidation comes before bankruptcy (the maintenance margin is >= 0): a long's
    liquidation price lies between its bankruptcy price ``entry - margin / size`` and its
    entry, a short's between its entry and ``entry + margin / size``. A long's
    ``liq_price`` further below (more than :data:`AGREE_TOLERANCE` of the entry) would
    have its margin run out first: the position contradicts itself. The other bound (a
    ``liq_price`` nearer the entry than the venue's maintenance rate puts it) is not
    checked: tier tables change, portfolio-margin and fee settings move it, and only the
    file knows its venue's rule of the day.

    Parameters
    ----------
    side, entry, liq : ndarray
        Sides (+1 long, -1 short), entry and liquidation prices, USD.
    rows : ndarray of bool
        The positions checked (isolated ones with a liquidation price).
    bank : ndarray
        The bankruptcy price the margin gives, USD.
    margin : ndarray
        Margin, USD (for the message).
    file : str, optional
        The file read; None: a book built in Python.

    Raises
    ------
    InputError
        For the first such position, as :func:`check_liq_side`.
    """
    s = np.asarray(side, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        beyond = rows & np.isfinite(bank) & (s * (bank - liq) > AGREE_TOLERANCE * entry)
    leave = ", or leave liq_price empty to compute it" if file else ""

    def message(k: int) -> str:
        long = s[k] > 0
        return (
            f"liq_price {liq[k]:,.2f} lies {'below' if long else 'above'} the bankruptcy price "
            f"{bank[k]:,.2f} its margin of {margin[k]:,.2f} USD gives (entry_price "
            f"{'-' if long else '+'} margin / size): the margin would run out before the "
            f"liquidation; correct liq_price or the margin/leverage{leave}"
        )

    # the first only: this refusal has never listed the other rows like it
    refuse_first(np.flatnonzero(beyond)[:1], file, "liq_price", message)


def _ids(x: Any, label: str, default: IntArray) -> IntArray:
    """Whole numbers as int64 (``default`` when empty): text, a bool, 1.5 or 2**63 refused.

    ``np.asarray(["a"], dtype=np.int64)`` raised numpy's ValueError, ``["7"]`` read as
    7 and 1.5 was cut to 1; integers are kept as they are (above 2**53 a float would
    round them). The shape is kept (a scalar stays one: the caller checks the shape).
    """
    raw = np.asarray(x)
    if raw.size == 0:
        return default
    whole = (isinstance(v, int | np.integer) and not isinstance(v, bool) for v in raw.flat)
    if raw.dtype.kind == "O" and all(whole):
        try:  # ints as objects kept exact (a bool is named by _f64)
            raw = raw.astype(np.int64)
        except OverflowError:  # past int64: refused below
            pass
    if raw.dtype.kind == "u" and raw.max() > np.iinfo(np.int64).max:
        raw = raw.astype(np.float64)  # 2**63 and up: the range check below names it
    if raw.dtype.kind not in "iu":
        vals = _f64(raw, label, "is not a whole number")
        _require(np.isfinite(vals) & (vals == np.round(vals)), vals, label, "a whole number")
        # a cast wrapped 2**63 (int, uint64 or float) to -2**63
        _require((vals >= -(2.0**63)) & (vals < 2.0**63), vals, label, "within int64")
        raw = vals
    return np.asarray(raw, dtype=np.int64, order="C")  # ascontiguousarray made 5 [5]


def _one_per_position(arr: np.ndarray, label: str, n: int) -> None:
    """InputError unless ``arr`` has shape ``(n,)``: a scalar is refused, as is a table."""
    if arr.shape != (n,):
        raise InputError(f"{label} has shape {arr.shape}, expected ({n},)", param=_field(label))


def _selection(mask: Any, n: int) -> IntArray:
    """The 0-based indices ``mask`` selects among ``n`` entries (``param="mask"``).

    A boolean mask of another length, an index out of range or anything else numpy
    cannot index with raised numpy's IndexError from inside ``subset``.
    """
    try:
        return np.arange(n, dtype=np.int64)[np.asarray(mask)]
    except (IndexError, TypeError, ValueError) as exc:
        raise InputError(
            f"mask must be a boolean mask of length {n} or indices in [0, {n}): {exc}",
            param="mask",
        ) from None


def _sides(x: Any, label: str, words: str, allowed: tuple[int, int]) -> Int8Array:
    """Sides as int8, each checked to be one of ``allowed`` before the cast.

    A cast first would wrap 255 to -1 and truncate 1.7 to 1; text is refused naming the
    entry (``label[i]``).
    """
    raw = np.asarray(x)
    if raw.ndim != 1:
        raise InputError(
            f"{label} must be one-dimensional (got shape {raw.shape})", param=_field(label)
        )
    vals = _f64(raw, label, f"must be {words}")
    _require(np.isin(vals, allowed), vals, label, words)
    return np.ascontiguousarray(vals.astype(np.int8))


def _words(
    values: np.ndarray, codes: dict[str, Any], column: str, param: str, allowed: str, dtype: Any
) -> np.ndarray:
    """A frame column's words (any case, stripped) as their ``codes``, in ``dtype``.

    InputError ``df: COLUMN in row i is 'x'; ALLOWED`` (``param``) at the first word not
    in ``codes``.
    """
    words = pd.Series(values, dtype=object).map(lambda v: str(v).strip().lower())
    code = words.map(codes)
    if code.isna().any():
        i = int(np.argmax(code.isna().to_numpy()))
        raise InputError(f"df: {column} in row {i} is {values[i]!r}; {allowed}", param=param)
    return code.to_numpy(dtype=dtype)


#: The columns :meth:`PositionBook.from_frame` needs (``account`` and ``opened_ms`` optional).
_FRAME_COLUMNS = ("side", "size", "entry_price", "margin", "liq_price", "bankruptcy_price")


def _column_value(df: pd.DataFrame, column: str, what: str) -> str | None:
    """The one value of ``df``'s ``column`` (stripped; blank cells skipped); None if none.

    Two values are refused naming both (``param=column``): a position book is one
    ``what`` (``"contract"``, ``"venue"``).
    """
    if column not in df.columns:
        return None
    cells = df[column].dropna().astype(str).str.strip()
    found = [str(c) for c in pd.unique(cells[cells != ""])]
    if len({c.upper() for c in found}) > 1:
        other = next(c for c in found if c.upper() != found[0].upper())
        raise InputError(
            f"df: the {column} column holds {found[0]} and {other}: a position book is one "
            f"{what} (split the frame by {column})",
            param=column,
        )
    return found[0] if found else None


def _frame_symbol(df: pd.DataFrame, symbol: str) -> str:
    """The contract of a frame of positions: its ``symbol`` column's one value, else ``symbol``.

    :meth:`PositionBook.from_frame`'s rule: a column holding two contracts is refused
    naming both; beside it, a ``symbol`` other than :data:`DEFAULT_SYMBOL` (which says
    nothing of the asset) must be the column's asset (:func:`check_same_asset`). A
    column of :data:`MIXED_SYMBOL` (:meth:`PositionBook.to_frame` of a book of several
    symbols) is that book's, and refuses a ``symbol`` of one asset beside it (several
    assets' positions are no one asset's).
    """
    cell = _column_value(df, "symbol", "contract")
    if cell is None:
        return symbol
    if cell.lower() == MIXED_SYMBOL:  # a book of several assets stays one: no asset's
        if str(symbol).strip().upper() not in (DEFAULT_SYMBOL, MIXED_SYMBOL.upper()):
            raise InputError(
                f"symbol {symbol} ({str(base_asset(symbol)).strip().upper()}) is not df's "
                "symbol column's asset (mixed: several assets'; one price moves one asset's "
                "positions): split them by asset",
                param="symbol",
            )
        return MIXED_SYMBOL
    found = cell.upper()
    check_same_asset(base_asset(found), symbol, param="symbol",
                     what=f"df's symbol column {found}", whose="symbol's")  # fmt: skip
    return symbol if str(symbol).strip().upper() != DEFAULT_SYMBOL else found


def _frame_venue(df: pd.DataFrame, venue: str | None) -> str:
    """The venue of a frame of positions: its ``venue`` column's one value, else ``venue``.

    :meth:`PositionBook.from_frame`'s rule: a column holding two venues is refused naming
    both, as is a ``venue`` given beside a column of another (``param="venue"``); neither:
    ``"binance"``.
    """
    cell = _column_value(df, "venue", "venue")
    if cell is None:
        return "binance" if venue is None else venue
    if venue is not None and str(venue).strip().lower() != cell.lower():
        raise InputError(
            f"venue ({venue}) is not df's venue column's ({cell}): leave venue out, or give {cell}",
            param="venue",
        )
    return cell.lower() if venue is None else venue


@dataclass(frozen=True, eq=False)
class PositionBook:
    """Leveraged perpetual positions as flat arrays (one entry per position).

    Parameters
    ----------
    side : array of int8
        ``+1`` long, ``-1`` short.
    size : array of float
        Position size, base units (ETH), > 0; the notional ``size * entry_price`` at
        most :data:`~liqcascade._limits.MAX_USD` (1e15 USD).
    entry_price : array of float
        Entry price, USD, finite and > 0.
    margin : array of float
        Isolated margin (or the account's wallet balance for cross), USD, >= 0 and at
        most 1e15.
    liq_price : array of float
        Liquidation price, USD (> 0; a position that cannot be liquidated has
        ``0`` (or less) for a long or ``inf`` for a short; NaN, a long's ``inf`` and a
        short's price <= 0 are refused: they were liquidated at every price).
    bankruptcy_price : array of float
        Price at which the position's equity is zero, USD: at or beyond the liquidation
        price (a long's at or below its ``liq_price``, a short's at or above), the
        positions files' rule (:func:`check_bank_side`); not checked for a cross
        position or one never liquidated. A shortfall (bad debt) comes from a close past
        it (a thin book, a gap), not from a bankruptcy before the liquidation.
    account : array of int64, optional
        Account id per position (default ``0..n-1``), whole numbers (an int64 past
        2**53 kept exact).
    opened_ms : array of int64, optional
        Opening time, ms since epoch (``-1`` unknown); one per position, as ``account``.
    venue : str, default "binance"
        Venue whose margin rules priced the book.
    symbol : str, default "ETHUSDT"
        Contract.
    cross : array of bool, optional
        Positions on cross margin (default none): their ``liq_price`` and
        ``bankruptcy_price`` are the venue's, set by the account's equity, and are taken
        as given. Every other position's liquidation price must lie on its side of the
        entry (below a long's, above a short's; :func:`check_liq_side`) and its
        bankruptcy price at or beyond it (:func:`check_bank_side`), the positions files'
        rules. A stop's trigger is checked against the mid where one is known (the
        files' readers given a reference price,
        :func:`liqcascade.positions.check_stops_at_price`).

    Notes
    -----
    Every field holds one entry per position, as a one-dimensional array (a list, a
    Series): a scalar (``5.0``, ``np.int64(5)``, a 0-d array) is refused in any of
    them, as in ``side``, even for a one-position book (give ``[5.0]``).

    Notional at price ``p`` is ``size * p`` USD; effective leverage is
    ``size * entry_price / margin``.
    """

    side: Int8Array
    size: FloatArray
    entry_price: FloatArray
    margin: FloatArray
    liq_price: FloatArray
    bankruptcy_price: FloatArray
    account: IntArray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    opened_ms: IntArray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    venue: str = "binance"
    symbol: str = "ETHUSDT"
    cross: BoolArray = field(default_factory=lambda: np.empty(0, dtype=bool))

    def __post_init__(self) -> None:
        side = _sides(self.side, "PositionBook.side", "+1 (long) or -1 (short)", (LONG, SHORT))
        n = side.shape[0]
        object.__setattr__(self, "side", side)
        for name in ("size", "entry_price", "margin", "liq_price", "bankruptcy_price"):
            arr = _f64(getattr(self, name), f"PositionBook.{name}")
            _one_per_position(arr, f"PositionBook.{name}", n)
            object.__setattr__(self, name, arr)
        # one entry per position in every field, as in side: a scalar (5.0, 5,
        # np.int64(5)) is refused, not read as a one-position book's [5]
        for name, default in (("account", np.arange(n)), ("opened_ms", np.full(n, -1))):
            ids = _ids(getattr(self, name), f"PositionBook.{name}", default.astype(np.int64))
            _one_per_position(ids, f"PositionBook.{name}", n)
            object.__setattr__(self, name, ids)
        for name, rule, ok in (
            ("size", "finite and > 0 (base units)", lambda a: np.isfinite(a) & (a > 0)),
            ("entry_price", "finite and > 0 (USD)", lambda a: np.isfinite(a) & (a > 0)),
            ("margin", "finite and >= 0 (USD)", lambda a: np.isfinite(a) & (a >= 0)),
            ("liq_price", "a number (USD)", lambda a: ~np.isnan(a)),
            ("bankruptcy_price", "a number (USD)", lambda a: ~np.isnan(a)),
        ):
            arr = getattr(self, name)
            _require(ok(arr), arr, f"PositionBook.{name}", rule)
        # a long that cannot be liquidated has liq_price <= 0, a short +inf: a long at
        # +inf was liquidated at every price, a short at <= 0 likewise
        lp = self.liq_price
        _require(
            np.where(side == LONG, lp < np.inf, lp > 0), lp, "PositionBook.liq_price",
            "< inf for a long (<= 0: never liquidated) and > 0 for a short (inf: never)",
        )  # fmt: skip
        check_usd_amounts(
            self.size * self.entry_price, "PositionBook.size{i} x entry_price{i}",
            ("size", "entry_price"), index_one=True,
        )  # fmt: skip
        _require(
            self.margin <= MAX_USD, self.margin, "PositionBook.margin", f"at most {MAX_USD:.0e} USD"
        )
        can_trigger = np.where(side == LONG, self.liq_price > 0, np.isfinite(self.liq_price))
        i = _first_bad(~(can_trigger & ~np.isfinite(self.bankruptcy_price)))
        if i is not None:
            # an infinite bankruptcy price is only meaningful for a position that never
            # triggers (a long at liq_price <= 0, a short at +inf); the accounting would
            # book a short's whole close as a shortfall
            raise InputError(
                "PositionBook.bankruptcy_price must be finite where liq_price is finite "
                f"(index {i}: {self.bankruptcy_price[i]:g} at liq_price {self.liq_price[i]:g})",
                param="bankruptcy_price",
            )
        self._check_liq_order()

    def _check_liq_order(self) -> None:
        """The positions files' rules on the liquidation price, on a book built in Python.

        :func:`check_liq_side` (liquidated at its entry) and :func:`check_bank_side` (a
        bankruptcy price before the liquidation: a shortfall booked at the liquidation
        price itself); a cross position's prices (its account's equity sets them) are not
        checked. The files' other rule, :func:`check_liq_within_margin` (a price beyond
        the bankruptcy price the margin gives), stays with the files: it reads the
        venue's bankruptcy price of an isolated row, which a book does not hold.
        """
        cross = np.asarray(self.cross if len(self.cross) else np.zeros(len(self)), dtype=bool)
        if cross.shape != self.side.shape:
            raise InputError(
                f"PositionBook.cross must hold one bool per position ({len(self)}; "
                f"got shape {cross.shape})",
                param="cross",
            )
        object.__setattr__(self, "cross", cross)
        check_liq_side(self.side, self.entry_price, np.where(cross, np.nan, self.liq_price))
        check_bank_side(self.side, self.liq_price, self.bankruptcy_price, ~cross)

    @classmethod
    def _of_checked(cls, arrays: dict[str, Any], venue: str, symbol: str) -> PositionBook:
        """A book of checked positions, not checked again (library use only).

        Every rule of :meth:`__post_init__` is a rule on each position alone (its own
        size, prices, margin and cross flag; nothing about the book as a whole), so
        positions taken from checked books pass it again: :meth:`subset`,
        :meth:`concat` and a residual whose sizes and margins shrink in one
        proportion (:func:`liqcascade.positions._stops._with_size`) build their books
        here. The checks cost about 0.4 ms a book, the report builds some 3,000 of them.
        A book's arrays are taken as they were checked: one changed in place afterwards
        (``book.size[0] = -1``) is not found again here, as it was not before by the
        book itself.

        Parameters
        ----------
        arrays : dict
            Every array field (``side`` … ``cross``), each one-dimensional, of one
            length and of the dtype :meth:`__post_init__` gives it (int8, float64,
            int64, bool; C-contiguous), taken from checked books.
        venue, symbol : str
            The book's venue and contract.
        """
        book = object.__new__(cls)
        for name, value in arrays.items():
            object.__setattr__(book, name, value)
        object.__setattr__(book, "venue", venue)
        object.__setattr__(book, "symbol", symbol)
        return book

    # ------------------------------------------------------------------ basics
    def __len__(self) -> int:
        return int(self.side.shape[0])

    @classmethod
    def empty(cls, venue: str = "binance", symbol: str = "ETHUSDT") -> PositionBook:
        """A book with no positions.

        Parameters
        ----------
        venue : str, default "binance"
            Venue whose margin rules price the book.
        symbol : str, default "ETHUSDT"
            Contract.
        """
        z = np.empty(0)
        return cls(np.empty(0, np.int8), z, z, z, z, z, venue=venue, symbol=symbol)

    @property
    def is_long(self) -> np.ndarray:
        """Boolean mask of long positions."""
        return self.side == LONG

    @property
    def leverage(self) -> FloatArray:
        """Effective leverage at entry: ``size * entry_price / margin`` (inf where margin is 0)."""
        with np.errstate(divide="ignore"):
            return self.size * self.entry_price / self.margin

    def notional(self, price: float | None = None) -> FloatArray:
        """Notional per position, USD, at ``price`` (default: entry price).

        Parameters
        ----------
        price : float or array of float, optional
            Price, USD (one, or one per position); default each position's entry price.

        Returns
        -------
        array of float
            ``size * price`` per position, USD.
        """
        return self.size * (self.entry_price if price is None else price)

    def subset(self, mask: np.ndarray) -> PositionBook:
        """The positions selected by a boolean mask or an index array.

        Parameters
        ----------
        mask : array of bool or array of int
            Boolean mask of length ``len(self)``, or 0-based position indices.

        Returns
        -------
        PositionBook
            The selected positions, same venue and symbol.
        """
        idx = _selection(mask, len(self))
        kw: dict[str, Any] = {
            f.name: getattr(self, f.name)[idx]
            for f in fields(self)
            if isinstance(getattr(self, f.name), np.ndarray)
        }
        if idx.ndim != 1:  # not a selection of positions: the checks name what is wrong
            return PositionBook(**kw, venue=self.venue, symbol=self.symbol)
        return PositionBook._of_checked(kw, self.venue, self.symbol)

    def scaled(self, factor: float) -> PositionBook:
        """The same book with sizes and margins multiplied by ``factor`` (prices unchanged).

        Parameters
        ----------
        factor : float
            Multiplier, > 0 (dimensionless).

        Returns
        -------
        PositionBook
            Sizes (base units) and margins (USD) times ``factor``; prices, accounts and
            opening times unchanged.

        Raises
        ------
        InputError
            ``param="factor"``: ``factor`` is not a finite number > 0, or takes a
            position's notional or margin past :data:`~liqcascade._limits.MAX_USD`.
        """
        f = real_number(factor)
        if f is None or not (math.isfinite(f) and f > 0):
            raise InputError(f"factor must be a finite number > 0 (got {factor!r})", param="factor")
        top = float(np.max(np.maximum(self.size * self.entry_price, self.margin), initial=0.0))
        if top * f > MAX_USD:
            raise InputError(
                f"factor {f:g} takes a position to {top * f:.3g} USD, above {MAX_USD:.0e} USD "
                "(notional or margin)",
                param="factor",
            )
        return PositionBook(
            self.side, self.size * f, self.entry_price, self.margin * f,
            self.liq_price, self.bankruptcy_price, self.account, self.opened_ms,
            venue=self.venue, symbol=self.symbol, cross=self.cross,
        )  # fmt: skip

    @staticmethod
    def concat(books: list[PositionBook]) -> PositionBook:
        """Concatenate books (venue/symbol of the first).

        Parameters
        ----------
        books : list of PositionBook
            Books in order; an empty list gives :meth:`empty`.

        Returns
        -------
        PositionBook
            All positions, in the order of ``books``.
        """
        if not books:
            return PositionBook.empty()
        names = [f.name for f in fields(PositionBook) if f.name not in ("venue", "symbol")]
        kw = {n: np.concatenate([getattr(b, n) for b in books]) for n in names}
        if not all(isinstance(b, PositionBook) for b in books):
            return PositionBook(**kw, venue=books[0].venue, symbol=books[0].symbol)
        return PositionBook._of_checked(kw, books[0].venue, books[0].symbol)

    def to_frame(self) -> pd.DataFrame:
        """One row per position: side (long/short), size, entry_price, margin, prices, leverage.

        ``margin_mode`` (``isolated``/``cross``, as in a positions file) carries ``cross``;
        ``venue`` and ``symbol`` the book's (one value each, on every row), which
        :meth:`from_frame` reads back.
        """
        frame = pd.DataFrame(
            {
                "account": self.account,
                "side": np.where(self.side == LONG, "long", "short"),
                "size": self.size,
                "entry_price": self.entry_price,
                "margin": self.margin,
                "leverage": self.leverage,
                "liq_price": self.liq_price,
                "bankruptcy_price": self.bankruptcy_price,
                "opened_ms": self.opened_ms,
                "margin_mode": np.where(self.cross, "cross", "isolated"),
            }
        )
        return frame.assign(venue=self.venue, symbol=self.symbol)

    @classmethod
    def from_frame(
        cls, df: pd.DataFrame, *, venue: str | None = None, symbol: str = "ETHUSDT"
    ) -> PositionBook:
        """The book of a :meth:`to_frame` table: its inverse.

        Parameters
        ----------
        df : pandas.DataFrame
            One row per position: ``side`` (``"long"``/``"short"``, any case, or +1/-1),
            ``size`` (base units), ``entry_price``, ``margin``, ``liq_price``,
            ``bankruptcy_price`` (USD); optional ``account``, ``opened_ms`` (ms since
            epoch) and ``margin_mode`` (``isolated``/``cross``, any case; ``cross``).
            ``leverage`` (written by :meth:`to_frame`, derived from size, entry and
            margin) and any other column are ignored.
            A ``symbol`` column (one contract, any case: ``BTCUSDT``; blank cells
            skipped) is the book's contract, a ``venue`` column (one venue, any case)
            its venue: :meth:`to_frame` writes both.
        venue : str, optional
            The book's venue where ``df`` has no ``venue`` column; default
            ``"binance"``. Beside a ``venue`` column it must be the column's (its own
            spelling is then kept).
        symbol : str, default "ETHUSDT"
            The book's contract where ``df`` has no ``symbol`` column: the default
            labels any such frame ETHUSDT, so give the contract of another asset's
            frame (``symbol="BTCUSDT"``). Beside a ``symbol`` column, a ``symbol``
            other than the default must name the column's asset (its own spelling is
            then kept).

        Returns
        -------
        PositionBook
            The positions in the rows' order; the constructor's checks apply.

        Raises
        ------
        InputError
            ``df`` is not a DataFrame (a Series: one of its rows or columns) or a
            required column is missing (``param="df"``); a ``symbol`` column holding
            more than one contract, or one of another asset than ``symbol``, naming
            both (``param="symbol"``); a ``venue`` column holding more than one venue,
            or another than ``venue``, naming both (``param="venue"``); a side is not
            long or short (``param="side"``) or a margin mode not isolated or cross
            (``param="cross"``), naming the row.
        """
        from liqcascade._tables import check_frame

        df = check_frame(df, "df")
        symbol = _frame_symbol(df, symbol)
        venue = _frame_venue(df, venue)
        missing = [c for c in _FRAME_COLUMNS if c not in df.columns]
        if missing:
            raise InputError(
                f"df: no {', '.join(missing)} column (PositionBook.from_frame reads "
                f"{', '.join(_FRAME_COLUMNS)}: the columns of to_frame)",
                param="df",
            )
        side: Any = df["side"].to_numpy()
        if side.dtype.kind in "OUS":
            codes = {"long": LONG, "short": SHORT}
            side = _words(side, codes, "side", "side", "long or short (or +1/-1)", np.int8)
        kw = {c: df[c].to_numpy() for c in _FRAME_COLUMNS[1:]}
        kw.update({c: df[c].to_numpy() for c in ("account", "opened_ms") if c in df.columns})
        if "margin_mode" in df.columns:
            modes = {"isolated": False, "cross": True}
            mode = df["margin_mode"].to_numpy()
            kw["cross"] = _words(mode, modes, "margin_mode", "cross", "isolated or cross", bool)
        return cls(side, **kw, venue=venue, symbol=symbol)

    def summary(self) -> dict[str, float]:
        """Counts (int) and notionals (USD at entry, float) by side, and the margin, USD."""
        lo = self.is_long
        n = self.notional()
        return {
            "n_positions": len(self),
            "n_long": int(lo.sum()),
            "n_short": int((~lo).sum()),
            "long_notional_usd": float(n[lo].sum()),
            "short_notional_usd": float(n[~lo].sum()),
            "margin_usd": float(self.margin.sum()),
        }

    def __repr__(self) -> str:
        s = self.summary()
        return (
            f"PositionBook({self.symbol} on {self.venue}: {len(self):,} positions "
            f"({int(s['n_long']):,} long, {int(s['n_short']):,} short), notional at entry "
            f"{s['long_notional_usd']:,.0f} USD long, {s['short_notional_usd']:,.0f} USD "
            f"short, margin {s['margin_usd']:,.0f} USD)"
        )

    def _repr_html_(self) -> str:
        from liqcascade._notebook import summary_html

        figures = {k: int(v) if k.startswith("n_") else v for k, v in self.summary().items()}
        return summary_html(f"PositionBook ({self.symbol}, {self.venue})", figures)


@dataclass(frozen=True, eq=False)
class StopBook:
    """Resting stop-market orders as flat arrays.

    Parameters
    ----------
    side : array of int8
        ``-1`` sell stop (fires when price falls to ``trigger`` or below),
        ``+1`` buy stop (fires when price rises to ``trigger`` or above).
    trigger : array of float
        Trigger price, USD, > 0.
    size : array of float
        Order size, base units, > 0; ``size * trigger`` at most 1e15 USD.
    """

    side: Int8Array
    trigger: FloatArray
    size: FloatArray

    def __post_init__(self) -> None:
        side = _sides(self.side, "StopBook.side", "-1 (sell) or +1 (buy)", (SELL, BUY))
        n = side.shape[0]
        object.__setattr__(self, "side", side)
        for name, unit in (("trigger", "USD"), ("size", "base units")):
            arr = _f64(getattr(self, name), f"StopBook.{name}")
            _one_per_position(arr, f"StopBook.{name}", n)
            object.__setattr__(self, name, arr)
            _require(
                np.isfinite(arr) & (arr > 0), arr, f"StopBook.{name}", f"finite and > 0 ({unit})"
            )
        check_usd_amounts(
            self.size * self.trigger,
            "StopBook.size{i} x trigger{i}",
            ("size", "trigger"),
            index_one=True,
        )

    def __len__(self) -> int:
        return int(self.side.shape[0])

    @classmethod
    def empty(cls) -> StopBook:
        """No stops."""
        return cls(np.empty(0, np.int8), np.empty(0), np.empty(0))

    def subset(self, mask: np.ndarray) -> StopBook:
        """The stops selected by a boolean mask or an index array.

        Parameters
        ----------
        mask : array of bool or array of int
            Boolean mask of length ``len(self)``, or 0-based stop indices.

        Returns
        -------
        StopBook
        """
        idx = _selection(mask, len(self))
        return StopBook(self.side[idx], self.trigger[idx], self.size[idx])

    @staticmethod
    def concat(books: list[StopBook]) -> StopBook:
        """Concatenate stop books.

        Parameters
        ----------
        books : list of StopBook
            Books in order; an empty list gives :meth:`empty`.

        Returns
        -------
        StopBook
            All stops, in the order of ``books``.
        """
        if not books:
            return StopBook.empty()
        return StopBook(
            np.concatenate([b.side for b in books]),
            np.concatenate([b.trigger for b in books]),
            np.concatenate([b.size for b in books]),
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per stop: side (sell/buy), trigger_price, size."""
        return pd.DataFrame(
            {
                "side": np.where(self.side == SELL, "sell", "buy"),
                "trigger_price": self.trigger,
                "size": self.size,
            }
        )

    @classmethod
    def from_frame(cls, df: pd.DataFrame) -> StopBook:
        """Build from a frame of stops: :meth:`to_frame`'s ``side``, ``trigger_price``, ``size``.

        Parameters
        ----------
        df : pandas.DataFrame
            One row per stop: ``side`` (``"sell"``/``"buy"``, any case, or -1/+1),
            ``trigger_price`` (USD, > 0; ``trigger`` accepted as an alias) and ``size``
            (base units, > 0).

        Returns
        -------
        StopBook
            One stop per row, in row order.

        Raises
        ------
        InputError
            ``param="df"``: not a frame, a column missing or not numbers;
            ``param="side"``: a side not sell or buy (naming the row); the
            constructor's rules (``StopBook.size[i] must be ...``).
        """
        from liqcascade._tables import check_columns, check_frame, check_numeric

        df = check_frame(df, "df")
        if "trigger_price" not in df.columns and "trigger" in df.columns:
            df = df.rename(columns={"trigger": "trigger_price"})
        cols = ("side", "trigger_price", "size")
        check_columns(df.columns, cols, "df", param="df")
        check_numeric(df, cols[1:], "df", param="df")
        words = {"sell": SELL, "buy": BUY, "-1": SELL, "1": BUY, "+1": BUY}
        code = df["side"].map(lambda v: words.get(str(v).strip().lower().removesuffix(".0")))
        bad = code.isna().to_numpy()
        if bad.any():
            i = int(np.argmax(bad))
            raise InputError(
                f"df: side in row {i} is {df['side'].iloc[i]!r}; sell or buy (or -1/+1)",
                param="side",
            )
        trigger, size = (df[c].to_numpy(dtype=np.float64) for c in cols[1:])
        return cls(code.to_numpy(dtype=np.int8), trigger, size)
