"""The words a position's side is read from: long / short, or buy / sell.

One rule for every reader of a position's side (``margin liq-price --side``, the
positions files of ``cascade`` and ``liqmap``, ``stress``'s portfolio, ``stops
recommend``, a collateral cohort): ``long`` or ``buy`` is a long, ``short`` or ``sell``
a short, in any case, spaces around ignored. A stops file's ``side`` is an order's
(a sell stop closes a long) and a liquidation record's is the side liquidated: neither
is read here.
"""

from __future__ import annotations

from typing import Any

__all__ = ["SIDE_RULE", "SIDE_WORDS", "side_sign"]

#: Each word -> its sign, ``+1`` long, ``-1`` short.
SIDE_WORDS: dict[str, int] = {"long": 1, "short": -1, "buy": 1, "sell": -1}
#: What a refusal says a side must be: ``"side must be long or short (buy/sell)"``.
SIDE_RULE = "long or short (buy/sell)"


def side_sign(value: Any) -> int | None:
    """``+1`` (long, buy), ``-1`` (short, sell), or None for any other value.

    Parameters
    ----------
    value : object
        A side as written (``"long"``, ``" Buy "``, ``"SELL"``); read as its text.

    Returns
    -------
    int or None
        ``+1`` long, ``-1`` short; None when ``value`` is no side word.

    Examples
    --------
    >>> side_sign(" Buy "), side_sign("SHORT"), side_sign("flat")
    (1, -1, None)
    """
    return SIDE_WORDS.get(str(value).strip().lower())
