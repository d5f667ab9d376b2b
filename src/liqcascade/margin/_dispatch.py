"""One entry point for every venue's liquidation price, and the registry of venues.

Each venue's margin rules are registered once in :data:`VENUE_RULES` (name ->
:class:`VenueRules`: its liquidation formula, its leverage cap and a description);
:data:`VENUES`, :func:`liq_price`, the position-file reader and the command line's
``--venue`` choices are read from it. A new venue is one :func:`register_venue` call.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from liqcascade._typing import FloatArray
from liqcascade.errors import InputError
from liqcascade.margin._binance import binance_liq_price
from liqcascade.margin._bybit import BYBIT_DEFAULT_MMR, bybit_liq_price, bybit_risk_limit_caveat
from liqcascade.margin._hyperliquid import hyperliquid_liq_price, hyperliquid_max_leverage
from liqcascade.margin._inputs import (
    margin_disagreement,
    margin_from_leverage,
    position_arrays,
)
from liqcascade.margin._result import LiqResult
from liqcascade.margin._tiers import TierTable, load_tiers, notional_array, symbol_tiers

#: Highest leverage Bybit's ETHUSDT/BTCUSDT perpetuals allow (first risk limit).
BYBIT_MAX_LEVERAGE: float = 100.0

LiqFormula = Callable[..., LiqResult]
"""``(side, size, entry_price, margin, *, symbol, tiers, mmr) -> LiqResult``."""
LeverageCap = Callable[[str, FloatArray, Any, "float | None"], FloatArray]
"""``(symbol, notional, tiers, mmr) -> max leverage per position``."""


@dataclass(frozen=True)
class VenueRules:
    """One venue's margin rules.

    Attributes
    ----------
    name : str
        Lower-case venue name (the ``venue`` argument everywhere).
    description : str
        One line: the formula and its maintenance rate.
    liq_price : callable
        ``(side, size, entry_price, margin, *, symbol, tiers, mmr) -> LiqResult``.
    max_leverage : callable
        ``(symbol, notional, tiers, mmr) -> array``: the highest leverage a position
        of that notional (USD) may be opened at.
    uses_tiers : bool
        Whether a tier table (``tiers``) applies.
    mmr_range : (float, float, bool)
        The ``mmr`` override's bounds ``(low, high, low_open)``: ``low < mmr < high``
        when ``low_open``, else ``low <= mmr < high``.
    title : str
        The venue's name as prose writes it (``"Binance"``); empty: ``name`` capitalised.
        See :attr:`display_name`.
    """

    name: str
    description: str
    liq_price: LiqFormula
    max_leverage: LeverageCap
    uses_tiers: bool = False
    mmr_range: tuple[float, float, bool] = (0.0, 1.0, False)
    title: str = ""

    @property
    def display_name(self) -> str:
        """The venue's name in messages' prose (``Binance``), as the report writes it."""
        return self.title or self.name.capitalize()


VENUE_RULES: dict[str, VenueRules] = {}
"""The registered venues, in registration order (name -> rules)."""


def register_venue(rules: VenueRules) -> VenueRules:
    """Register a venue's rules (its name must be new); returns them.

    Parameters
    ----------
    rules : VenueRules
        The venue's rules; ``rules.name`` must not be registered yet.

    Returns
    -------
    VenueRules
        ``rules``, now in :data:`VENUE_RULES`.

    Raises
    ------
    ValueError
        If a venue of that name is already registered.
    """
    if rules.name in VENUE_RULES:
        raise ValueError(f"venue {rules.name!r} is already registered")
    VENUE_RULES[rules.name] = rules
    return rules


def venue_rules(venue: str, param: str = "venue") -> VenueRules:
    """The registered rules of ``venue`` (case-insensitive), or InputError naming ``param``.

    Parameters
    ----------
    venue : str
        Venue name, case-insensitive, surrounding spaces ignored.
    param : str, default "venue"
        The parameter's name, for the error message and its ``param``.

    Returns
    -------
    VenueRules
    """
    v = str(venue).strip().lower()
    if v not in VENUE_RULES:
        raise InputError(
            f"{param} must be one of {', '.join(VENUE_RULES)} (got {venue!r})", param=param
        )
    return VENUE_RULES[v]


def _binance(side: Any, size: Any, ep: Any, margin: Any, *, symbol: str, tiers: Any,
             mmr: float | None) -> LiqResult:  # fmt: skip
    return binance_liq_price(side, size, ep, margin, _table(symbol, tiers), mmr=mmr)


def _table(symbol: str, tiers: Any) -> TierTable:
    """``tiers`` loaded, else the table ``symbol``'s positions use (:func:`symbol_tiers`)."""
    if tiers is None:
        return symbol_tiers(symbol)[0]
    return tiers if isinstance(tiers, TierTable) else load_tiers(tiers)


def _binance_cap(symbol: str, notional: FloatArray, tiers: Any, mmr: float | None) -> FloatArray:
    return np.asarray(_table(symbol, tiers).max_leverage_at(notional), dtype=np.float64)


def _bybit(side: Any, size: Any, ep: Any, margin: Any, *, symbol: str, tiers: Any,
           mmr: float | None) -> LiqResult:  # fmt: skip
    out = bybit_liq_price(side, size, ep, margin, BYBIT_DEFAULT_MMR if mmr is None else mmr)
    caveat = bybit_risk_limit_caveat(symbol, out.notional) if mmr is None else None
    return replace(out, caveats=(caveat,)) if caveat else out


def _bybit_cap(symbol: str, notional: FloatArray, tiers: Any, mmr: float | None) -> FloatArray:
    return np.full(np.shape(notional), BYBIT_MAX_LEVERAGE)


def _hyperliquid_max(symbol: str, mmr: float | None) -> float:
    if mmr is None:
        return hyperliquid_max_leverage(symbol)
    if not 0 < mmr < 0.5:
        raise InputError(f"mmr must be in (0, 0.5) for hyperliquid (got {mmr:g})", param="mmr")
    return 1.0 / (2.0 * mmr)


def _hyperliquid(side: Any, size: Any, ep: Any, margin: Any, *, symbol: str, tiers: Any,
                 mmr: float | None) -> LiqResult:  # fmt: skip
    lev = None if mmr is None else _hyperliquid_max(symbol, mmr)
    return hyperliquid_liq_price(side, size, ep, margin, symbol, max_leverage=lev)


def _hyperliquid_cap(
    symbol: str, notional: FloatArray, tiers: Any, mmr: float | None
) -> FloatArray:
    return np.full(np.shape(notional), _hyperliquid_max(symbol, mmr))


register_venue(VenueRules(
    "binance",
    "Binance USDⓈ-M isolated: tier table by notional (MMR and cum), re-evaluated at the "
    "liquidation price",
    _binance, _binance_cap, uses_tiers=True,
    mmr_range=(0.0, 1.0, True),  # a tier's rate is > 0: liquidation before bankruptcy
))  # fmt: skip
register_venue(VenueRules(
    "bybit",
    f"Bybit isolated: one maintenance rate on the entry value (default "
    f"{100 * BYBIT_DEFAULT_MMR:g} %), up to {BYBIT_MAX_LEVERAGE:g}x",
    _bybit, _bybit_cap,
))  # fmt: skip
register_venue(VenueRules(
    "hyperliquid",
    "Hyperliquid: maintenance half the initial margin at the coin's max leverage",
    _hyperliquid, _hyperliquid_cap,
    mmr_range=(0.0, 0.5, True),  # max leverage 1/(2·mmr) >= 1
))  # fmt: skip

VENUES: tuple[str, ...] = tuple(VENUE_RULES)
"""Names of the registered venues (``binance``, ``bybit``, ``hyperliquid``)."""


def max_leverage_for(
    venue: str,
    symbol: str,
    notional: Any,
    *,
    tiers: str | Path | TierTable | None = None,
    mmr: float | None = None,
) -> FloatArray:
    """The highest leverage ``venue`` allows a position of ``notional`` USD, per position.

    Binance: the tier table's (``tiers`` or ``symbol``'s); Bybit: 100x; Hyperliquid:
    the coin's listed maximum, or ``1/(2*mmr)`` with an ``mmr`` override.

    Parameters
    ----------
    venue : str
        A registered venue (:data:`VENUES`), case-insensitive.
    symbol : str
        Contract (Binance tier table, Hyperliquid coin).
    notional : float or array-like
        Position notional, ``size * entry_price``, USD.
    tiers : str, Path or TierTable, optional
        Binance tier table overriding ``symbol``'s.
    mmr : float, optional
        Maintenance rate override, fraction (Hyperliquid only: cap ``1/(2*mmr)``).

    Returns
    -------
    array of float
        Max leverage (x) per notional, at least 1-D; 0 past a tier table's last cap.

    Raises
    ------
    InputError
        ``param="notional"``: a notional that is NaN, infinite or negative (it was
        given the first or last tier's leverage, or the venue's cap, without a word).
    """
    rules = venue_rules(venue)
    n = np.atleast_1d(notional_array(notional))
    return rules.max_leverage(symbol, n, tiers, mmr)


def _check_options(rules: VenueRules, tiers: Any, mmr: float | None) -> None:
    if mmr is not None:  # one message per venue, with its own bounds
        lo, hi, lo_open = rules.mmr_range
        if not (math.isfinite(mmr) and (mmr > lo if lo_open else mmr >= lo) and mmr < hi):
            raise InputError(
                f"mmr must be a fraction in {'(' if lo_open else '['}{lo:g}, {hi:g}) for "
                f"{rules.name} (got {mmr:g})",
                param="mmr",
            )
    if tiers is not None and not rules.uses_tiers:
        with_tiers = ", ".join(v.name for v in VENUE_RULES.values() if v.uses_tiers)
        raise InputError(f"tiers applies to venue {with_tiers} only", param=("tiers", "venue"))


#: The lowest leverage a position can be opened at (every venue's leverage setting starts
#: at 1x: margin = notional). One rule for ``margin liq-price``, positions files
#: (cascade, solvency, liqmap, contagion), stress portfolios and ``stops``.
MIN_LEVERAGE = 1.0


def below_min_leverage(value: float) -> str:
    """Why a leverage below :data:`MIN_LEVERAGE` is refused (the message's body).

    Parameters
    ----------
    value : float
        The refused leverage (x).

    Returns
    -------
    str
        The message's body, starting with ``value``.
    """
    return (
        f"{value:g} is below {MIN_LEVERAGE:g}x: a venue's leverage starts at 1x (margin = "
        "notional); for a position with more margin than its notional give the margin instead"
    )


def leverage_refusal(
    venue: str,
    symbol: str,
    leverage: Any,
    notional: Any,
    *,
    tiers: str | Path | TierTable | None = None,
    mmr: float | None = None,
) -> tuple[int, str] | None:
    """The first leverage ``venue`` cannot open, and why; None when all can be opened.

    One rule for ``liq_price`` and positions files: a leverage below
    :data:`MIN_LEVERAGE`, above the venue's maximum for the notional, or any leverage
    for a notional past the tier table's last bracket (the message names its cap).

    Parameters
    ----------
    venue : str
        A registered venue (:data:`VENUES`).
    symbol : str
        Contract (picks the Binance tier table when ``tiers`` is None).
    leverage : float or array-like
        Leverage per position (x); NaN entries are not checked (no leverage given).
    notional : float or array-like
        ``size * entry_price`` per position (USD), broadcast against ``leverage``.
    tiers : str, Path or TierTable, optional
        Binance tier table overriding ``symbol``'s.
    mmr : float, optional
        Maintenance rate override (fraction; Hyperliquid's cap is ``1/(2*mmr)``).

    Returns
    -------
    tuple of (int, str) or None
        The index of the first refused position (0-based, in the broadcast flat arrays)
        and the message's body, which starts with the leverage's value: the caller
        prefixes ``"leverage "`` (and an index, a file or a row).

    Raises
    ------
    InputError
        ``param="notional"``: a notional that is NaN, infinite or negative (a NaN
        one passed any leverage on Bybit and Hyperliquid).
    """
    rules = venue_rules(venue)
    lev2d, n2d = np.broadcast_arrays(
        np.atleast_1d(np.asarray(leverage, dtype=np.float64)),
        np.atleast_1d(notional_array(notional)),
    )
    lev, n = lev2d.ravel(), n2d.ravel()
    low = np.flatnonzero(lev < MIN_LEVERAGE)
    if low.size:
        i = int(low[0])
        return i, below_min_leverage(float(lev[i]))
    top = np.broadcast_to(rules.max_leverage(symbol, n, tiers, mmr), n.shape)
    over = np.flatnonzero(lev > top)
    if over.size == 0:
        return None
    i = int(over[0])
    if top[i] <= 0:
        return i, f"{lev[i]:g}: {_beyond_table(rules, symbol, tiers, float(n[i]))}"
    return i, (
        f"{lev[i]:g} is above the {rules.display_name} maximum {top[i]:g}x for a notional of "
        f"{n[i]:,.0f} USD ({symbol})"
    )


def _check_leverage(
    rules: VenueRules, symbol: str, q: Any, ep: Any, leverage: Any, tiers: Any, mmr: float | None
) -> None:
    notional = np.atleast_1d(np.asarray(q, dtype=np.float64) * ep)
    _check_size(rules, symbol, q, notional, tiers, mmr)
    refused = leverage_refusal(rules.name, symbol, leverage, notional, tiers=tiers, mmr=mmr)
    if refused is not None:
        i, why = refused
        where = "" if np.broadcast(notional, np.atleast_1d(leverage)).size == 1 else f"[{i}]"
        raise InputError(f"leverage{where} {why}", param="leverage")


def _check_size(
    rules: VenueRules, symbol: str, q: Any, notional: Any, tiers: Any, mmr: float | None
) -> None:
    """Refuse a size whose notional is past the tier table's last bracket (``param="size"``).

    No leverage (and no margin) opens such a position: the size is the cause.
    """
    q = np.broadcast_to(np.atleast_1d(np.asarray(q, dtype=np.float64)), notional.shape)
    top = np.broadcast_to(rules.max_leverage(symbol, notional, tiers, mmr), notional.shape)
    past = np.flatnonzero(top <= 0)
    if past.size:
        i = int(past[0])
        where = "" if notional.size == 1 else f"[{i}]"
        why = _beyond_table(rules, symbol, tiers, float(notional[i]))
        raise InputError(f"size{where} {q[i]:g}: {why}", param="size")


def _beyond_table(rules: VenueRules, symbol: str, tiers: Any, notional: float) -> str:
    """Why no position can be opened: the notional is past the tier table's last bracket.

    For :func:`leverage_refusal` and the margin check of :func:`liq_price`.
    """
    table = _table(symbol, tiers)
    return (
        f"the notional of {notional:,.0f} USD exceeds the last bracket of the {rules.display_name} "
        f"tier table ({table.symbol or symbol}: up to {float(table.notional_cap[-1]):,.0f} USD); "
        "no such position can be opened"
    )


def _check_at_entry(
    side: Any, size: Any, entry_price: Any, leverage: Any, mmr: float | None, res: LiqResult
) -> None:
    """Refuse a leverage that leaves the position liquidatable at its entry.

    Its maintenance rate is at or above its initial rate ``1/leverage`` (only an
    ``mmr`` override can do it: a venue's own rates stay below its maximum leverage's).
    """
    s, _, ep, lev = position_arrays(side, size, entry_price, leverage)  # flat, broadcast
    liq = np.broadcast_to(np.asarray(res.liq_price, dtype=np.float64).ravel(), ep.shape)
    bad = np.flatnonzero(s * (ep - liq) <= 0)
    if bad.size == 0:
        return
    i = int(bad[0])
    where = "" if liq.size == 1 else f"[{i}]"
    rate = "the maintenance rate" if mmr is None else f"mmr {mmr:g}"
    side_word = "long" if s[i] == 1 else "short"
    raise InputError(
        f"{rate} is at or above the initial margin rate {1 / lev[i]:.4g} of "
        f"leverage{where} {lev[i]:g}: the {side_word} is liquidatable at its entry "
        f"(liquidation price {liq[i]:,.2f}, entry {ep[i]:,.2f}); lower the leverage or the "
        "maintenance rate",
        param=("leverage",) if mmr is None else ("mmr", "leverage"),
    )


def liq_price(
    venue: str,
    side: Any,
    size: Any,
    entry_price: Any,
    margin: Any = None,
    *,
    leverage: Any = None,
    symbol: str = "ETHUSDT",
    tiers: str | Path | TierTable | None = None,
    mmr: float | None = None,
    check_margin: bool = False,
) -> LiqResult:
    """Liquidation and bankruptcy prices on ``venue``, from margin or leverage.

    Parameters
    ----------
    venue : str
        Margin rules to apply: a name of :data:`VENUE_RULES` (``"binance"``,
        ``"bybit"``, ``"hyperliquid"``), case-insensitive.
    side, size, entry_price : scalars or arrays
        ``±1`` (or ``"long"``/``"short"``), base units, USD.
    margin : float or array, optional
        Isolated margin, USD. At least one of ``margin`` and ``leverage``; given both,
        the margin is used when it is within 1 % of ``size * entry_price / leverage``
        (:func:`~liqcascade.margin.margin_disagreement`, the positions files' and stress
        portfolios' rule), else they are refused. A cross account's wallet balance is
        given alone: its leverage setting does not enter the liquidation price.
    leverage : float or array, optional
        Leverage at entry; margin ``= size * entry_price / leverage``. It must not
        exceed the venue's maximum for the notional (:func:`max_leverage_for`), nor
        leave the position liquidatable at its entry (an ``mmr`` at or above
        ``1/leverage``).
    symbol : str, default "ETHUSDT"
        Contract: picks Binance's packaged tier table (:func:`symbol_tiers`: a USDT
        perpetual without one takes :data:`~liqcascade.margin.FALLBACK_TIERS`' table, said in the
        result's ``caveats``) and Hyperliquid's max leverage.
    tiers : str, Path or TierTable, optional
        Binance tier table overriding ``symbol``'s (venues with tiers only).
    mmr : float, optional
        Maintenance rate override, fraction in [0, 1) (Binance: flat rate with cum 0;
        Bybit: the rate, default 0.005; Hyperliquid: ``l`` in (0, 0.5), i.e. max
        leverage ``1/(2*mmr)``).
    check_margin : bool, default False
        With ``margin``: refuse a margin whose implied leverage (notional / margin) is
        above the venue's maximum for the notional, or that leaves the position
        liquidatable at its own entry (long: ``liq >= entry``; short: ``liq <= entry``),
        naming ``margin`` as the leverage check names ``leverage`` (the CLI's
        ``--margin``). Off by default: position books may carry margins reduced since
        entry.

    Returns
    -------
    LiqResult
        With ``caveats`` holding :func:`~liqcascade.margin.tiers_caveat`'s words when
        ``symbol``'s positions were priced with another contract's tier table.

    Raises
    ------
    InputError
        Naming the parameter (``param``): an unknown venue, neither of margin and
        leverage, a margin and a leverage more than 1 % apart (naming both), a bad
        side/size/price/margin/leverage, leverage above the venue's maximum (a
        notional past the tier table's last bracket allows none),
        a leverage whose position is liquidatable at entry (``param=("mmr",
        "leverage")`` with an ``mmr`` override), ``mmr`` out of range, ``tiers`` on a
        venue without tiers.
    """
    rules = venue_rules(venue)
    if not str(symbol).strip():
        raise InputError("symbol is empty (a contract such as ETHUSDT)", param="symbol")
    if margin is None and leverage is None:
        raise InputError(
            "give margin or leverage (or both, agreeing within 1 %)", param=("margin", "leverage")
        )
    _check_options(rules, tiers, mmr)
    if isinstance(tiers, (str, Path)):
        tiers = load_tiers(tiers)
    given_margin = margin is not None
    if leverage is not None:
        _, q, ep, _ = position_arrays(side, size, entry_price, 0.0)
        implied = margin_from_leverage(q, ep, leverage)
        _check_leverage(rules, symbol, q, ep, leverage, tiers, mmr)
        if margin is None:
            margin = implied
        else:  # both: within 1 % the margin is used, else refused naming both
            _check_agreement(size, entry_price, margin, leverage)
    out = rules.liq_price(side, size, entry_price, margin, symbol=symbol, tiers=tiers, mmr=mmr)
    if leverage is not None:
        _check_at_entry(side, size, entry_price, leverage, mmr, out)
    if check_margin and given_margin:
        _check_margin(rules, symbol, side, size, entry_price, margin, tiers, mmr, out)
    caveat = symbol_tiers(symbol)[1] if rules.uses_tiers and tiers is None else None
    return replace(out, caveats=(caveat,)) if caveat else out


def _check_agreement(size: Any, entry_price: Any, margin: Any, leverage: Any) -> None:
    """Refuse a margin and a leverage more than 1 % apart (:func:`margin_disagreement`).

    ``param=("margin", "leverage")``; the index of the position among many.
    """
    _, q, ep, m = position_arrays(1, size, entry_price, margin)  # checked, flat
    try:
        q, ep, m, lev = np.broadcast_arrays(
            q, ep, m, np.ravel(np.asarray(leverage, dtype=np.float64))
        )
    except ValueError as exc:
        raise InputError(
            f"margin and leverage do not broadcast: {exc}", param=("margin", "leverage")
        ) from None
    off = margin_disagreement(q * ep, m, lev)
    if off is not None:
        where = "" if m.size == 1 else f"position [{off[0]}]: "
        raise InputError(where + off[1] + _CROSS_WORDS, param=("margin", "leverage"))


#: Why a cross wallet and a leverage are not taken together: the leverage setting of a
#: cross account does not enter its liquidation price, and one margin number cannot tell
#: a wallet from an isolated margin.
_CROSS_WORDS = (
    "; for a cross account the margin is the wallet balance and the leverage setting does "
    "not enter the liquidation price (it only sets the initial margin): give the wallet alone"
)


def _lev_text(x: float) -> str:
    return f"{x:.4g}x" if math.isfinite(x) else "unbounded"


def _check_margin(
    rules: VenueRules, symbol: str, side: Any, size: Any, entry_price: Any, margin: Any,
    tiers: Any, mmr: float | None, res: LiqResult,
) -> None:  # fmt: skip
    """Refuse a margin that makes the position liquidatable at once (``param="margin"``)."""
    s, q, ep, m = position_arrays(side, size, entry_price, margin)
    notional = q * ep
    _check_size(rules, symbol, q, notional, tiers, mmr)
    top = np.broadcast_to(rules.max_leverage(symbol, notional, tiers, mmr), notional.shape)
    with np.errstate(divide="ignore"):
        implied = np.where(m > 0, notional / np.where(m > 0, m, 1.0), np.inf)
    liq = np.broadcast_to(np.asarray(res.liq_price, dtype=np.float64), notional.shape)
    bad = np.flatnonzero((implied > top) | (s * (ep - liq) <= 0))
    if bad.size:
        i = int(bad[0])
        where = "" if notional.size == 1 else f"[{i}]"
        head = f"margin{where} {m[i]:g} USD"
        if top[i] <= 0:
            msg = f"{head}: {_beyond_table(rules, symbol, tiers, float(notional[i]))}"
        elif implied[i] > top[i]:
            need = notional[i] / top[i] if top[i] > 0 else float("inf")
            msg = (
                f"{head} is {_lev_text(float(implied[i]))} leverage, above the "
                f"{rules.display_name} maximum "
                f"{top[i]:g}x for a notional of {notional[i]:,.0f} USD ({symbol}); give at "
                f"least {need:,.2f} USD"
            )
        else:
            msg = (
                f"{head} leaves the position liquidatable at its entry (liquidation price "
                f"{liq[i]:,.2f}, entry {ep[i]:,.2f})"
            )
        raise InputError(msg, param="margin")
