"""Where ADL starts: the fall at which the insurance fund is exhausted (a bisection).

The fund pays the shortfalls of the liquidations until it is empty; past that, the bad
debt is left to the reserves or to auto-deleveraging. :func:`adl_start` finds the
fall at which the bad debt first becomes positive by bisection over the shock on the
run's own engine, starting from the brackets the scenarios already give (a fall
without bad debt and a deeper one with it; no fall, 0, has none), so it costs a few
engine runs. Where the engine has an interval (the calibrated response's 10–90 %
over its draws) the same runs bracket the fall at which the p90 bad debt (ADL in the
worst tenth of draws: the mildest fall) and the p10 bad debt (the deepest) turn
positive. Falls only: a rise's ADL start is not sought.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["ADL_START_MAX_RUNS", "ADL_START_TOLERANCE", "adl_start"]

#: Bisection stops when every bracket is this narrow (fraction of price: 0.5 %).
ADL_START_TOLERANCE = 0.005
#: Engine runs the bisection may add to the scenarios' (its cost bound).
ADL_START_MAX_RUNS = 6

#: The figures each run gives: central bad debt, its p10 and p90 (USD).
_KEYS = ("central", "p10", "p90")


def _update(br: dict[str, list[float | None]], fall: float, bad: Sequence[float]) -> None:
    """Narrow each bracket ``[no bad debt, bad debt]`` (falls, > 0) with one run's figures."""
    for key, b in zip(_KEYS, bad, strict=True):
        lo, hi = br[key]
        assert lo is not None
        if b > 0 and (hi is None or fall < hi) and fall > lo:
            br[key][1] = fall
        elif not b > 0 and fall > lo and (hi is None or fall < hi):
            br[key][0] = fall


def adl_start(
    evaluate: Callable[[float], Sequence[float]],
    known: Sequence[tuple[float, Sequence[float]]],
    *,
    tolerance: float = ADL_START_TOLERANCE,
    max_runs: int = ADL_START_MAX_RUNS,
) -> dict[str, Any] | None:
    """The fall at which the bad debt turns positive (ADL starts), by bisection.

    Parameters
    ----------
    evaluate : callable
        ``evaluate(shock)`` → ``(bad debt, its p10, its p90)``, USD, for a shock
        (fraction, < 0) on the run's engine (the static and path engines give the
        central figure three times).
    known : sequence of (float, sequence of float)
        The scenarios already run: ``(shock, (bad debt, p10, p90))``; rises are
        ignored.
    tolerance : float, default 0.005
        Width of the bracket (fraction of price) at which the bisection stops.
    max_runs : int, default 6
        Most calls of ``evaluate``.

    Returns
    -------
    dict or None
        None without a fall among ``known``. Else ``shock`` (the bracket's midpoint,
        fraction; None when no fall given has bad debt), ``bracket`` (``[shock without
        bad debt, shock with]``, the second None when none has it), ``interval``
        (``[mildest, deepest]``: where the p90 and the p10 bad debt turn positive,
        midpoints; None where none of the falls run reaches it), ``deepest`` (the
        deepest fall run: the search's end), ``n_runs``, ``tolerance``.
    """
    falls = [(-s, tuple(float(x) for x in v)) for s, v in known if s < 0]
    if not falls:
        return None
    br: dict[str, list[float | None]] = {k: [0.0, None] for k in _KEYS}
    for fall, bad in sorted(falls):
        _update(br, fall, bad)
    runs = 0
    while runs < max_runs:
        open_ = [(hi - lo, k) for k, (lo, hi) in br.items() if hi is not None and lo is not None]
        wide = [(w, k) for w, k in open_ if w > tolerance]
        if not wide:
            break
        _, key = max(wide)
        lo, hi = br[key]
        assert lo is not None and hi is not None
        mid = 0.5 * (lo + hi)
        _update(br, mid, evaluate(-mid))
        runs += 1

    def at(key: str) -> float | None:
        lo, hi = br[key]
        return None if hi is None or lo is None else -0.5 * (lo + hi)

    lo, hi = br["central"]
    return {
        "shock": at("central"),
        "bracket": [-lo if lo else 0.0, None if hi is None else -hi],
        "interval": [at("p90"), at("p10")],
        "deepest": -max(f for f, _ in falls),
        "n_runs": runs,
        "tolerance": tolerance,
    }
