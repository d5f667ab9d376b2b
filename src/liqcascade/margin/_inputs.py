"""Input conversion and checks shared by the venue formulas; bankruptcy price; margin."""

from __future__ import annotations

from typing import Any

import numpy as np

from liqcascade._limits import check_usd_amounts, real_array
from liqcascade._prices import quantity_text
from liqcascade._sides import SIDE_RULE, SIDE_WORDS
from liqcascade._typing import FloatArray, Int8Array
from liqcascade.errors import InputError


def as_side(side: Any, name: str = "side") -> Int8Array:
    """Sides as an int8 array of ``+1`` (long) / ``-1`` (short).

    Accepts ``±1`` numbers or arrays, or the words ``"long"``/``"short"`` (or
    ``"buy"``/``"sell"``: :mod:`liqcascade._sides`).

    Parameters
    ----------
    side : int, float, str or array-like
        ``+1`` / ``-1`` or ``"long"`` / ``"short"`` (``"buy"`` / ``"sell"``;
        case-insensitive), one or many.
    name : str, default "side"
        The parameter's name, for the error messages and their ``param``.

    Returns
    -------
    array of int8
        Flat, ``+1`` long and ``-1`` short.

    Raises
    ------
    InputError
        On any other value; the message names ``name`` (and the index in an array).
    """
    arr = np.atleast_1d(np.asarray(side))
    if arr.dtype.kind in "USO":
        out = np.empty(arr.shape, dtype=np.int8)
        for i, v in enumerate(arr.ravel()):
            key = str(v).strip().lower()
            if key not in SIDE_WORDS:
                if arr.size == 1:
                    raise InputError(f"{name} must be {SIDE_RULE} (got {str(v)!r})", param=name)
                raise InputError(
                    f"{name}[{i}]: unknown side {str(v)!r} (expected {SIDE_RULE})", param=name
                )
            out.ravel()[i] = SIDE_WORDS[key]
        return np.ascontiguousarray(out.ravel())
    f = arr.astype(np.float64).ravel()
    bad = np.flatnonzero((f != 1) & (f != -1))
    if bad.size:
        where = "" if f.size == 1 else f"[{bad[0]}]"
        raise InputError(
            f"{name}{where} must be +1 (long) or -1 (short) (got {f[bad[0]]:g})", param=name
        )
    return np.ascontiguousarray(f.astype(np.int8))


def _check(arr: FloatArray, name: str, *, allow_zero: bool) -> None:
    """Finite and > 0 (>= 0); the error names ``name`` (``name[i]`` in an array)."""
    rule = ">= 0" if allow_zero else "> 0"

    def fault(where: str, v: float) -> str:
        if arr.size == 1:  # inf and nan fail for not being finite: the message says so
            what = rule if np.isfinite(v) else f"a finite number {rule}"
            return f"{name} must be {what} (got {v:g})"
        return f"{name}{where} must be finite and {rule} (got {v})"

    real_array(arr, name, least=0.0, strict=not allow_zero, shape="flat", fault=fault)


def _numbers(x: Any, name: str) -> FloatArray:
    """``x`` as float64, its shape kept; text, bools and other non-numbers refused.

    A ``Decimal`` or a ``Fraction`` is a number (a ledger's amounts), read as its float.

    Only what an entry is: its range is :func:`_check`'s (numpy's own cast read
    ``size="5"`` as 5 and ``True`` as 1).
    """
    return real_array(
        x, name, finite=False, shape="any",
        numbers="{name} must be a number or an array of numbers (got {values!r})",
    )  # fmt: skip


def position_arrays(
    side: Any, size: Any, entry_price: Any, margin: Any
) -> tuple[Int8Array, FloatArray, FloatArray, FloatArray]:
    """Broadcast and check (side, size, entry_price, margin) to flat contiguous arrays."""
    s = as_side(side)
    q = np.atleast_1d(_numbers(size, "size"))
    ep = np.atleast_1d(_numbers(entry_price, "entry_price"))
    m = np.atleast_1d(_numbers(margin, "margin"))
    try:
        s, q, ep, m = np.broadcast_arrays(s, q, ep, m)
    except ValueError as exc:
        raise InputError(f"side, size, entry_price and margin do not broadcast: {exc}") from exc
    q, ep, m = (np.ascontiguousarray(a.ravel(), dtype=np.float64) for a in (q, ep, m))
    s = np.ascontiguousarray(s.ravel(), dtype=np.int8)
    _check(q, "size", allow_zero=False)
    _check(ep, "entry_price", allow_zero=False)
    _check(m, "margin", allow_zero=True)
    check_usd_amounts(q * ep, "size{i} x entry_price{i}", ("size", "entry_price"))
    check_usd_amounts(m, "margin{i}", "margin")
    return s, q, ep, m


def margin_from_leverage(size: Any, entry_price: Any, leverage: Any) -> FloatArray:
    """Initial (isolated) margin of a position opened at ``leverage``: ``size*EP/leverage`` USD.

    Parameters
    ----------
    size : float or array
        Base units (ETH).
    entry_price : float or array
        USD.
    leverage : float or array
        Notional / margin, > 0.

    Returns
    -------
    array of float
        Margin per position, USD, at least 1-D.

    Raises
    ------
    InputError
        Naming ``size``, ``entry_price`` or ``leverage``: an entry that is not finite
        and > 0 (NaN, inf or a negative size came back as a NaN, inf or negative
        margin), or a notional ``size * entry_price`` past 1e15 USD
        (:data:`~liqcascade._limits.MAX_USD`).
    """
    q = np.atleast_1d(_numbers(size, "size"))
    ep = np.atleast_1d(_numbers(entry_price, "entry_price"))
    lev = np.atleast_1d(_numbers(leverage, "leverage"))
    _check(q.ravel(), "size", allow_zero=False)
    _check(ep.ravel(), "entry_price", allow_zero=False)
    _check(lev.ravel(), "leverage", allow_zero=False)
    notional = np.atleast_1d(q * ep)
    check_usd_amounts(notional.ravel(), "size{i} x entry_price{i}", ("size", "entry_price"))
    return np.atleast_1d(notional / lev)


#: How far a ``margin`` may differ from ``size * entry_price / leverage`` when both are
#: given (1 %: rounding of an exported margin): :func:`margin_disagreement`.
AGREE_TOLERANCE = 0.01


def margin_disagreement(
    notional: FloatArray, margin: FloatArray, leverage: FloatArray
) -> tuple[int, str] | None:
    """The first position giving both a margin and a leverage that disagree, and why.

    The one rule of :func:`~liqcascade.margin.liq_price`, positions files and stress
    portfolios: a position may give both when its ``margin`` is within
    :data:`AGREE_TOLERANCE` (1 %) of ``size * entry_price / leverage`` (the margin is
    then used: it is the isolated USD at stake, including any margin added); further
    apart they are refused.

    Parameters
    ----------
    notional : array of float
        ``size * entry_price`` per position, USD.
    margin : array of float
        Isolated margin per position, USD, >= 0; NaN where the position gives none.
    leverage : array of float
        Leverage per position (a multiple), > 0; NaN where the position gives none.

    Returns
    -------
    (int, str) or None
        The 0-based index of the first disagreeing position and the message (naming
        both values, without the position: the caller names its row or index); None
        when every position agrees.
    """
    notional, margin, leverage = (np.asarray(a, np.float64) for a in (notional, margin, leverage))
    with np.errstate(divide="ignore", invalid="ignore"):
        implied = notional / leverage
        off = np.abs(margin - implied) > AGREE_TOLERANCE * implied  # False where a NaN is
    bad = np.flatnonzero(off)
    if bad.size == 0:
        return None
    k = int(bad[0])
    m, lev, n = float(margin[k]), float(leverage[k]), float(notional[k])
    # what each implies: the margin a leverage (its USD), the leverage a margin (a multiple,
    # never scientific notation); "the margin given is 20x" read as a multiple of the margin
    given = f"{quantity_text(n / m)}x" if m > 0 else "unbounded"
    need = f"{float(implied[k]):,.2f}"
    return k, (
        f"margin {m:,.2f} and leverage {lev:g} disagree: the margin given, {m:,.2f} USD, "
        f"implies {given} leverage on the notional size * entry_price = {n:,.2f} USD, where "
        f"leverage {lev:g} gives a margin of size * entry_price / leverage = {need} USD "
        f"(more than {100 * AGREE_TOLERANCE:g} % apart); give one of them (margin: the "
        "isolated USD at stake, including any margin added), or both agreeing "
        f"(margin {need} with leverage {lev:g})"
    )


def bankruptcy_price(side: Any, size: Any, entry_price: Any, margin: Any) -> FloatArray:
    """Price at which an isolated position's equity is zero (no fees), USD.

    Long ``EP - margin/size`` (floored at 0: a fully collateralised long never goes
    bankrupt), short ``EP + margin/size``.

    Parameters
    ----------
    side : int or array
        ``+1`` long, ``-1`` short (or ``"long"``/``"short"``).
    size : float or array
        Base units.
    entry_price : float or array
        USD.
    margin : float or array
        Isolated margin, USD.
    """
    s, q, ep, m = position_arrays(side, size, entry_price, margin)
    return _bankruptcy(s, q, ep, m)


def _bankruptcy(s: Int8Array, q: FloatArray, ep: FloatArray, m: FloatArray) -> FloatArray:
    return np.maximum(ep - s * m / q, 0.0)
