"""Market symbols and base assets, both ways, for every layer: one rule each way.

Symbol -> asset: :func:`split_symbol` (and :func:`base_asset`, its base) reads every
venue's spelling (``ETHUSDT``, ``ETH/USDT:USDT``, ``ETH-PERP``, ``ETHUSD_PERP``).
Asset -> symbol: :func:`contract_symbol` gives the Binance USDⓈ-M perpetual
(``<ASSET>USDT``). The data layer re-exports them (``liqcascade.data.base_asset``), the
margin layer too (``liqcascade.margin.contract_symbol``, ``hyperliquid_asset``); the
stress portfolio and the tier tables read symbols through them. Pure string work: no
import beyond the standard library, so any layer (and a light command) may use it.
"""

from __future__ import annotations

import re

from liqcascade.errors import InputError

__all__ = [
    "DEFAULT_SYMBOL",
    "MIXED_SYMBOL",
    "PERP",
    "QUOTES",
    "base_asset",
    "check_same_asset",
    "contract_symbol",
    "split_symbol",
]

#: The symbol a position book takes when none is given (a file or frame without one): it
#: says nothing of the asset, so :func:`check_same_asset` lets it pass any asset.
DEFAULT_SYMBOL = "ETHUSDT"

#: The venue of a position book read from a file of several, and its symbol when the rows
#: name several assets (:func:`~liqcascade.positions.read_positions`; one asset's several
#: contracts give the bare asset, ``ETH``): its own asset is not known, so
#: :func:`check_same_asset` lets it pass any asset, as it does :data:`DEFAULT_SYMBOL`.
MIXED_SYMBOL = "mixed"

#: Quote currencies a symbol may end with (checked in this order: USDT before USD).
QUOTES: tuple[str, ...] = ("USDT", "USDC", "BUSD", "FDUSD", "USD", "EUR")

#: The perpetual's mark some venues add (``ETH-PERP``, ``ETHUSDTPERP``).
PERP = "PERP"

#: Separators between a symbol's parts (``ETH/USDT:USDT``, ``ETH-PERP``, ``ETHUSD_PERP.A``).
_SEPARATORS = re.compile(r"[/\-_:.]")


def split_symbol(symbol: str) -> tuple[str, str]:
    """Base asset and quote of a market symbol, upper case.

    The rule: spaces around dropped, upper case; the symbol is cut at its first
    separator (``/ - _ : .``); of the part before it a trailing ``PERP`` is dropped, then
    a quote suffix (:data:`QUOTES`) when something is left before it. Without a quote
    suffix the quote is the first word after the separator (``ETH/USDT:USDT``: USDT;
    ``ETH-PERP``: PERP), else ``PERP`` when one was dropped, else ``""`` (a bare asset).

    >>> [split_symbol(s) for s in ("ETHUSDT", "eth/usdt:usdt", "ETH-PERP", "ETHUSD_PERP")]
    [('ETH', 'USDT'), ('ETH', 'USDT'), ('ETH', 'PERP'), ('ETH', 'USD')]
    >>> split_symbol("SOL"), split_symbol("1000PEPEUSDT"), split_symbol("ETH/USDC:USDC")
    (('SOL', ''), ('1000PEPE', 'USDT'), ('ETH', 'USDC'))

    Parameters
    ----------
    symbol : str
        A venue's market symbol or a bare asset (any case).

    Returns
    -------
    (str, str)
        The base asset and the quote (``""`` when the symbol names none). The base is not
        checked: a caller that needs a valid asset name checks it (the stress portfolio).
    """
    s = str(symbol).strip().upper()
    head, *rest = _SEPARATORS.split(s, maxsplit=1)
    perp = head.endswith(PERP) and len(head) > len(PERP)
    if perp:
        head = head[: -len(PERP)]
    for q in QUOTES:
        if head.endswith(q) and len(head) > len(q):
            return head[: -len(q)], q
    after = _SEPARATORS.split(rest[0], maxsplit=1)[0] if rest else ""
    return head, after or (PERP if perp else "")


def base_asset(symbol: str) -> str:
    """Base asset of a market symbol: ETHUSDT, ETH/USDT:USDT, ETH-USDT, ETHUSD_PERP.A -> ETH.

    :func:`split_symbol`'s base (the rule is stated there).

    Parameters
    ----------
    symbol : str
        A venue's market symbol (any case; surrounding spaces ignored).

    Returns
    -------
    str
        The upper-case base asset.
    """
    return split_symbol(symbol)[0]


def contract_symbol(asset: str) -> str:
    """The Binance USDⓈ-M perpetual contract of a base asset: ``<ASSET>USDT``.

    The inverse of :func:`base_asset` on it: ``base_asset(contract_symbol(a)) == a.upper()``.

    Parameters
    ----------
    asset : str
        Base asset (``"ETH"``, ``"btc"``, ``"SOL"``; any case).

    Returns
    -------
    str
        The contract's symbol, upper case (``"ETHUSDT"`` for ``"ETH"``).
    """
    return f"{asset.strip().upper()}USDT"


def check_same_asset(
    asset: str, symbol: str, *, param: str, what: str, whose: str = "the positions'",
    hint: str = "",
) -> None:  # fmt: skip
    """Refuse ``asset`` when it is not the base of ``symbol`` (one book, one asset).

    The rule wherever an asset is given beside data that know theirs (a calibration
    beside a prepared book, ``asset`` beside a market state): another asset is refused,
    naming both. ``symbol`` of :data:`DEFAULT_SYMBOL` (a book built without one) says
    nothing, and passes any asset. :data:`MIXED_SYMBOL` (a positions file of several
    assets: :func:`~liqcascade.positions.read_positions`) is no asset's, and is refused
    for any.

    Parameters
    ----------
    asset : str
        The asset given (any case).
    symbol : str
        The symbol (or bare asset) of the data it is used with.
    param : str
        The parameter that gave ``asset``: the error's ``param``.
    what : str
        How the message names what gave ``asset`` (``"calibration"``).
    whose : str, default "the positions'"
        Whose asset ``symbol`` is (``"the market state's"``).
    hint : str, optional
        The fix, after the message (``": leave asset out, or give BTC"``).

    Raises
    ------
    InputError
        ``WHAT (ETH) is not the positions' asset (BTC: BTCUSDT)``, or ``... asset
        (mixed: several assets')...``, ``param=param``.
    """
    own = base_asset(symbol)
    a = str(asset).strip().upper()
    sym = str(symbol).strip().upper()
    if sym == MIXED_SYMBOL.upper():
        raise InputError(
            f"{what} ({a}) is not {whose} asset (mixed: several assets'; one price moves one "
            "asset's positions): split them by asset",
            param=param,
        )
    if sym == DEFAULT_SYMBOL or a == own:
        return
    where = own if sym == own else f"{own}: {sym}"
    raise InputError(f"{what} ({a}) is not {whose} asset ({where}){hint}", param=param)
