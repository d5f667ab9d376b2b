"""What a stop's distance buys: the distance a move gives up, the chance of a stop-out.

A stop moved out of a crowd (:func:`liqcascade.protect.recommend_stop`) usually moves
toward the price: it gives up distance, and a nearer stop is hit more often. Both are said
beside the move, in one computation the command line and the report share.

The stop-out chance is a model figure under a stated assumption (:data:`STOP_OUT_MODEL`):
the log price is a driftless Brownian motion whose standard deviation over the horizon
is the recommendation's horizon volatility (the GJR-GARCH(1,1)-t forecast it prints,
or the ATR's), so the chance that it touches a barrier ``b = |ln(stop/mid)|`` away
from today's mid within the horizon is, by the reflection principle, ``2·Φ(−b/σ) = erfc(b/(σ√2))``.
Normal increments and no drift: the GARCH's fat tails (Student-t) and volatility
clustering within the horizon are not in it.
"""

from __future__ import annotations

import math
from typing import Any

from liqcascade.errors import InputError

__all__ = ["STOP_OUT_MODEL", "distance_given_up", "stop_out_chance"]

#: The assumption behind :func:`stop_out_chance`, in words (the JSON's
#: ``model_figures["stop_out_chance"]`` and the command line's note).
STOP_OUT_MODEL = (
    "driftless Brownian motion of the log price with normal increments (not the GARCH's "
    "Student-t tails), its horizon standard deviation the volatility forecast above; "
    "reflection principle: chance = 2·Φ(−|ln(stop/mid)|/σ), from today's mid, not from entry"
)


def distance_given_up(r: Any) -> float:
    """The distance from the mid a stop's move gave up, fraction of the mid.

    ``(|mid − raw| − |mid − stop|) / mid``: positive when the recommended stop
    ``r.stop_price`` sits nearer today's price than the raw (volatility) stop
    ``r.raw_stop_price``, negative when it sits further, 0 when it was not moved (prices
    USD, any object with ``mid``, ``stop_price`` and ``raw_stop_price``). Both stops lie
    on the same side of the mid, so its size is ``|stop − raw| / mid``.

    Parameters
    ----------
    r : StopRecommendation or any object with ``mid``, ``stop_price``, ``raw_stop_price``
        The recommendation (prices USD); an object without ``mid`` is measured from its
        ``entry``.

    >>> from types import SimpleNamespace as S
    >>> round(distance_given_up(S(mid=2600.0, stop_price=2552.13, raw_stop_price=2503.94)), 6)
    0.018535
    """
    m = float(getattr(r, "mid", None) or r.entry)  # an object without a mid: its entry
    return (abs(m - float(r.raw_stop_price)) - abs(m - float(r.stop_price))) / m


def stop_out_chance(entry: float, stop: float, sigma: float) -> float:
    """The chance that price touches ``stop`` within the horizon (:data:`STOP_OUT_MODEL`).

    Parameters
    ----------
    entry, stop : float
        The price the horizon starts from and the stop, USD (> 0). The touch starts
        from today's price: :class:`~liqcascade.protect.StopRecommendation` passes the
        market's mid, not the position's entry.
    sigma : float
        Standard deviation of the log price over the horizon, fraction (0.0856 for
        8.56 %; >= 0).

    Returns
    -------
    float
        ``erfc(|ln(stop/entry)| / (sigma·√2))``, in [0, 1]; 1 for a stop at entry, 0 at
        ``sigma`` 0 with the stop away from entry.

    Raises
    ------
    InputError
        A price that is not a positive finite number, or ``sigma`` negative or not
        finite (``param`` names it).

    >>> round(stop_out_chance(100.0, 100.0 * math.exp(-0.1), 0.1), 4)  # one sigma: 2·Φ(−1)
    0.3173
    """
    for nm, v in (("entry", entry), ("stop", stop)):
        if not (math.isfinite(v) and v > 0):
            raise InputError(f"{nm} must be a positive finite price (got {v})", param=nm)
    if not (math.isfinite(sigma) and sigma >= 0):
        raise InputError(f"sigma must be a finite number >= 0 (got {sigma})", param="sigma")
    b = abs(math.log(stop / entry))
    if b == 0:
        return 1.0
    if sigma == 0:
        return 0.0
    return math.erfc(b / (sigma * math.sqrt(2.0)))
