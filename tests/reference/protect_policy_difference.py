"""Plain-Python reference of :func:`liqcascade.protect.compare_policies` (loops, same draws).

Written from the function's docstring: pair the two policies' trades by (side, entry
set, entry time), leave out the crash entries, sum the differences per entry day, draw
circular blocks of consecutive days (``rng.integers(0, n, k)`` per resample: the same
stream as the vectorised ``rng.integers(0, n, (B, k))``), and read the percentiles with
:func:`liqcascade._significance_reference.quantile`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from liqcascade._significance_reference import quantile


def compare_reference(
    rows: Iterable[Mapping[str, Any]],
    better: str,
    worse: str,
    *,
    block: int,
    n_resamples: int,
    level: float,
    seed: int,
) -> tuple[float, float, float, float, float, float]:
    """``(stop_outs, lo, hi, total_return, lo, hi)`` of ``better − worse``, fractions.

    ``rows``: trades as mappings (``policy``, ``side``, ``entries``, ``entry_ts`` a
    pandas Timestamp, ``stopped``, ``ret``). NaN ends with fewer than ``2 × block`` days.
    """
    got: dict[str, dict[tuple[Any, ...], tuple[float, float]]] = {better: {}, worse: {}}
    for r in rows:
        if r["entries"] == "crash" or r["policy"] not in got:
            continue
        key = (r["side"], r["entries"], r["entry_ts"])
        got[r["policy"]][key] = (float(bool(r["stopped"])), float(r["ret"]))
    days: dict[Any, list[float]] = {}
    for key, (s_a, r_a) in got[better].items():
        s_b, r_b = got[worse][key]
        day = key[2].floor("1D")
        acc = days.setdefault(day, [0.0, 0.0, 0.0])
        acc[0] += 1.0
        acc[1] += s_a - s_b
        acc[2] += r_a - r_b
    order = sorted(days)
    n_day = [days[d][0] for d in order]
    s_day = [days[d][1] for d in order]
    r_day = [days[d][2] for d in order]
    n = sum(n_day)
    point_s, point_r = sum(s_day) / n, sum(r_day)
    m = len(order)
    if m < 2 * block:
        return point_s, math.nan, math.nan, point_r, math.nan, math.nan
    rng = np.random.default_rng(seed)
    k = -(-m // block)
    rates, totals = [], []
    for _ in range(n_resamples):
        starts = rng.integers(0, m, size=k)
        idx = [(int(st) + j) % m for st in starts for j in range(block)][:m]
        drawn = sum(n_day[i] for i in idx)
        rates.append(sum(s_day[i] for i in idx) / drawn)
        totals.append(sum(r_day[i] for i in idx) / drawn * n)
    a = (1.0 - level) / 2.0
    return (
        point_s, quantile(rates, a), quantile(rates, 1.0 - a),
        point_r, quantile(totals, a), quantile(totals, 1.0 - a),
    )  # fmt: skip
