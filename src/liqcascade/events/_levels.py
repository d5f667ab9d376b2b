"""The support levels at the data's end: the zones still active after the last bar.

:func:`support_levels` lists them (JSON-ready, nearest the last close first) and
:func:`levels_line` says them in one line: the ``support`` command and the report's
support section print the same line, so a trader watching a level reads one answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from liqcascade._prices import percent_text

__all__ = ["LEVELS_SHOWN", "levels_line", "support_levels"]

#: Active zones named in the line (the JSON has every one).
LEVELS_SHOWN = 5


def support_levels(detection: Any) -> dict[str, Any]:
    """The zones still active after the last bar of a detection, JSON-ready.

    Parameters
    ----------
    detection : liqcascade.events.SupportDetection
        The detection (its bars and zones).

    Returns
    -------
    dict
        ``last_close`` (USD) and ``last_bar`` (the last bar's open, ISO) of the bars
        studied (None without bars), and ``zones``: one dict per active zone, nearest
        the close first, from
        :meth:`~liqcascade.events.SupportDetection.active_zones` (``price`` USD,
        ``distance`` a fraction of the last close, ``confirmed`` and ``last_test``
        days ``YYYY-MM-DD`` or None, ``n_pivots``, ``n_tests``, ``n_held`` counts).
    """
    z = detection.active_zones()
    bars = detection.ohlcv
    day = lambda t: None if t is None or t != t else f"{t:%Y-%m-%d}"  # noqa: E731  # NaT: None
    return {
        "last_close": float(bars["close"].iloc[-1]) if len(bars) else None,
        "last_bar": bars.index[-1].isoformat() if len(bars) else None,
        "zones": [
            {
                "price": float(r.price),
                "distance": float(r.distance),
                "confirmed": day(r.confirmed_ts),
                "n_pivots": int(r.n_pivots),
                "n_tests": int(r.n_tests),
                "n_held": int(r.n_held),
                "last_test": day(r.last_test_ts),
            }
            for r in z.itertuples()
        ],
    }


def levels_line(
    levels: dict[str, Any],
    more_in: str,
    shown: int = LEVELS_SHOWN,
    percent: Callable[[float], str] | None = None,
) -> str | None:
    """One line naming the support levels at the data's end, nearest first.

    ``support levels at the data's end (zones still active after the bar of 2025-07-31,
    close 3,698.39), nearest first: 3,502.85 (-5.29 %, confirmed 2025-07-29, not tested
    yet); …``.

    Parameters
    ----------
    levels : dict
        :func:`support_levels`' answer.
    more_in : str
        Where the zones past ``shown`` are listed (``"the JSON"``), named when some are.
    shown : int, default :data:`LEVELS_SHOWN`
        Zones named in the line.
    percent : callable, optional
        Writes a zone's signed distance (a fraction) as text; default
        ``percent_text(x, 2, signed=True)`` (``-5.29 %``).

    Returns
    -------
    str or None
        The line; None without a last close (no bars).
    """
    if levels.get("last_close") is None:
        return None
    zs = levels["zones"]
    head = (
        f"support levels at the data's end (zones still active after the bar of "
        f"{levels['last_bar'][:10]}, close {levels['last_close']:,.2f})"
    )
    if not zs:
        return f"{head}: none (every zone was broken or expired)"
    more = f"; {len(zs) - shown} more in {more_in}" if len(zs) > shown else ""
    pc = percent or (lambda x: percent_text(x, 2, signed=True))
    return f"{head}, nearest first: {'; '.join(_zone_text(z, pc) for z in zs[:shown])}{more}"


def _zone_text(z: dict[str, Any], percent: Callable[[float], str]) -> str:
    """``3,502.85 (-5.29 %, confirmed 2025-07-29, tested 2 times, held 1, last …)``."""
    n = z["n_tests"]
    tested = (
        "not tested yet"
        if not n
        else f"tested {n:,} time{'' if n == 1 else 's'}, held {z['n_held']}, last {z['last_test']}"
    )
    return f"{z['price']:,.2f} ({percent(z['distance'])}, confirmed {z['confirmed']}, {tested})"
