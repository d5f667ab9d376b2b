"""Kernels of the estimated position book: a bar-by-bar walk over position cohorts.

The estimated book is a set of *cohorts*: one per bar x leverage bucket x side,
created when open interest rises in that bar. A cohort carries a size (base units),
an entry price and a liquidation price (USD). Each bar, the kernel

1. liquidates every live long cohort whose liquidation price the bar's low reaches
   (``low <= liq``) and every live short cohort whose liquidation price the bar's
   high reaches (``high >= liq``), counting ``size * liq`` USD in that bar;
2. closes positions when open interest falls (``delta < 0``): the fall is shared
   between the sides in proportion to their open size, then taken within a side
   pro rata (rule 0), oldest first (rule 1) or most profitable first at the bar's
   close (rule 2; ties oldest first);
3. opens positions when open interest rises (``delta > 0``) at the bar's entry
   price: ``delta * long_share`` long and ``delta * (1 - long_share)`` short, each
   spread over the leverage buckets by ``lev_weights``.

New cohorts are first tested for liquidation in the next bar. Kernels trust their
inputs (weights summing to 1, prices > 0); :mod:`liqcascade.positions._estimate`
validates. Every kernel has a ``*_py`` twin in plain Python used by the tests.
"""

from __future__ import annotations

import numpy as np

from liqcascade._numba import njit
from liqcascade._typing import FloatArray, Int8Array, IntArray

CLOSE_PRO_RATA: int = 0
CLOSE_OLDEST: int = 1
CLOSE_MOST_PROFITABLE: int = 2


@njit
def estimate_walk_nb(
    oi_base: FloatArray,
    low: FloatArray,
    high: FloatArray,
    close: FloatArray,
    entry_px: FloatArray,
    long_share: FloatArray,
    lev_weights: FloatArray,
    long_liq_ratio: FloatArray,
    short_liq_ratio: FloatArray,
    close_rule: int,
    track: int,
    turnover: float,
) -> tuple[
    FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray,
    Int8Array, IntArray, IntArray, FloatArray, FloatArray, FloatArray,
    FloatArray, FloatArray, FloatArray,
]:  # fmt: skip
    """Walk ``n`` bars; return per-bar flows and the final cohort state.

    Parameters
    ----------
    oi_base : array (n,)
        Open interest at each bar's close, base units.
    low, high, close : array (n,)
        Bar low, high and close, USD.
    entry_px : array (n,)
        Price at which the bar's new positions open, USD.
    long_share : array (n,)
        Share of a rise of open interest opened long, in [0, 1].
    lev_weights : array (k,)
        Weights of the leverage buckets (sum 1).
    long_liq_ratio, short_liq_ratio : array (k,)
        Liquidation price / entry price of a long (short) in each bucket.
    close_rule : int
        0 pro rata, 1 oldest first, 2 most profitable first.
    track : int
        0: open/close the bar's change of open interest (``oi[i] - oi[i-1]``, the
        vendors' recipe); 1: open/close the gap between the open interest and the
        book left after the bar's liquidations (``oi[i] - open``), so the book tracks
        the open interest (liquidated positions are replaced).
    turnover : float
        Fraction of every live cohort closed each bar and reopened at the bar's price
        (traders' churn; open interest unchanged), in [0, 1).

    Returns
    -------
    tuple
        ``liq_long_usd, liq_short_usd, opened_base, closed_base, liquidated_base,
        open_long_base, open_short_base`` (per bar, the last two at the bar's end),
        then per cohort ``side, bar, bucket, size0, size, entry, liq, closed,
        liquidated`` (``2 * n * k`` cohorts, index ``(bar * k + bucket) * 2
        + (0 long | 1 short)``).
    """
    n = oi_base.shape[0]
    k = lev_weights.shape[0]
    m = n * k * 2
    liq_long_usd = np.zeros(n)
    liq_short_usd = np.zeros(n)
    opened = np.zeros(n)
    closed = np.zeros(n)
    liquidated = np.zeros(n)
    open_long_end = np.zeros(n)
    open_short_end = np.zeros(n)
    c_side = np.zeros(m, dtype=np.int8)
    c_bar = np.zeros(m, dtype=np.int64)
    c_bucket = np.zeros(m, dtype=np.int64)
    c_size0 = np.zeros(m)
    c_size = np.zeros(m)
    c_entry = np.zeros(m)
    c_liq = np.zeros(m)
    c_closed = np.zeros(m)
    c_liquidated = np.zeros(m)
    for j in range(m):
        c_side[j] = 1 if j % 2 == 0 else -1
        c_bar[j] = j // (2 * k)
        c_bucket[j] = (j // 2) % k
    open_long = 0.0
    open_short = 0.0
    for i in range(n):
        top = i * k * 2  # cohorts created before bar i
        lo = low[i]
        hi = high[i]
        # 1. liquidations
        for j in range(top):
            s = c_size[j]
            if s <= 0.0:
                continue
            if c_side[j] == 1:
                if lo <= c_liq[j]:
                    liq_long_usd[i] += s * c_liq[j]
                    liquidated[i] += s
                    c_liquidated[j] += s
                    c_size[j] = 0.0
                    open_long -= s
            elif hi >= c_liq[j]:
                liq_short_usd[i] += s * c_liq[j]
                liquidated[i] += s
                c_liquidated[j] += s
                c_size[j] = 0.0
                open_short -= s
        if open_long < 0.0:
            open_long = 0.0
        if open_short < 0.0:
            open_short = 0.0
        churn = 0.0
        if turnover > 0.0 and i > 0:
            for j in range(top):
                if c_size[j] <= 0.0:
                    continue
                x = c_size[j] * turnover
                c_size[j] -= x
                c_closed[j] += x
                churn += x
                if c_side[j] == 1:
                    open_long -= x
                else:
                    open_short -= x
            closed[i] += churn
            if open_long < 0.0:
                open_long = 0.0
            if open_short < 0.0:
                open_short = 0.0
        total = open_long + open_short
        if track == 1:
            delta = oi_base[i] - total
        elif i == 0:
            open_long_end[i] = open_long
            open_short_end[i] = open_short
            continue
        else:
            delta = oi_base[i] - oi_base[i - 1] + churn
        # 2. closes
        if delta < 0.0 and total > 0.0:
            c = -delta
            if c > total:
                c = total
            want_long = c * open_long / total
            want_short = c - want_long
            for side in (1, -1):
                want = want_long if side == 1 else want_short
                have = open_long if side == 1 else open_short
                if want <= 0.0 or have <= 0.0:
                    continue
                done = 0.0
                if close_rule == CLOSE_PRO_RATA or want >= have:
                    frac = want / have
                    if frac > 1.0:
                        frac = 1.0
                    for j in range(top):
                        if c_side[j] != side or c_size[j] <= 0.0:
                            continue
                        if frac >= 1.0:
                            x = c_size[j]
                        else:
                            x = c_size[j] * frac
                        c_size[j] -= x
                        c_closed[j] += x
                        done += x
                else:
                    live = np.empty(top, dtype=np.int64)
                    n_live = 0
                    for j in range(top):
                        if c_side[j] == side and c_size[j] > 0.0:
                            live[n_live] = j
                            n_live += 1
                    live = live[:n_live]
                    if close_rule == CLOSE_MOST_PROFITABLE:
                        key = np.empty(n_live)
                        px = close[i]
                        for q in range(n_live):
                            e = c_entry[live[q]]
                            if side == 1:
                                key[q] = -(px / e - 1.0)
                            else:
                                key[q] = -(1.0 - px / e)
                        live = live[np.argsort(key, kind="mergesort")]
                    rem = want
                    for q in range(n_live):
                        j = live[q]
                        x = c_size[j]
                        if x > rem:
                            x = rem
                        c_size[j] -= x
                        c_closed[j] += x
                        done += x
                        rem -= x
                        if rem <= 0.0:
                            break
                closed[i] += done
                if side == 1:
                    open_long -= done
                    if open_long < 0.0:
                        open_long = 0.0
                else:
                    open_short -= done
                    if open_short < 0.0:
                        open_short = 0.0
        # 3. opens
        elif delta > 0.0:
            px = entry_px[i]
            for b in range(k):
                jl = (i * k + b) * 2
                sl = delta * long_share[i] * lev_weights[b]
                ss = delta * (1.0 - long_share[i]) * lev_weights[b]
                c_entry[jl] = px
                c_liq[jl] = px * long_liq_ratio[b]
                c_size0[jl] = sl
                c_size[jl] = sl
                c_entry[jl + 1] = px
                c_liq[jl + 1] = px * short_liq_ratio[b]
                c_size0[jl + 1] = ss
                c_size[jl + 1] = ss
                open_long += sl
                open_short += ss
                opened[i] += sl + ss
        open_long_end[i] = open_long
        open_short_end[i] = open_short
    return (
        liq_long_usd, liq_short_usd, opened, closed, liquidated, open_long_end, open_short_end,
        c_side, c_bar, c_bucket, c_size0, c_size, c_entry, c_liq, c_closed, c_liquidated,
    )  # fmt: skip


def estimate_walk_py(
    oi_base: FloatArray,
    low: FloatArray,
    high: FloatArray,
    close: FloatArray,
    entry_px: FloatArray,
    long_share: FloatArray,
    lev_weights: FloatArray,
    long_liq_ratio: FloatArray,
    short_liq_ratio: FloatArray,
    close_rule: int,
    track: int,
    turnover: float,
) -> tuple[
    FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray,
    Int8Array, IntArray, IntArray, FloatArray, FloatArray, FloatArray,
    FloatArray, FloatArray, FloatArray,
]:  # fmt: skip
    """Plain-Python twin of :func:`estimate_walk_nb` (cohorts as dicts; same outputs)."""
    n = len(oi_base)
    k = len(lev_weights)
    flows: dict[str, list[float]] = {
        key: [0.0] * n for key in ("ll", "ls", "op", "cl", "lq", "ol", "os")
    }
    cohorts: list[dict[str, float]] = []  # created in index order
    for i in range(n):
        for c in cohorts:
            if c["size"] <= 0.0:
                continue
            hit = low[i] <= c["liq"] if c["side"] == 1 else high[i] >= c["liq"]
            if hit:
                flows["ll" if c["side"] == 1 else "ls"][i] += c["size"] * c["liq"]
                flows["lq"][i] += c["size"]
                c["liquidated"] += c["size"]
                c["size"] = 0.0
        churn = 0.0
        if turnover > 0.0 and i > 0:
            for c in cohorts:
                if c["size"] > 0.0:
                    x = c["size"] * turnover
                    c["size"] -= x
                    c["closed"] += x
                    churn += x
            flows["cl"][i] += churn
        if i > 0 or track == 1:
            open_long = sum(c["size"] for c in cohorts if c["side"] == 1)
            open_short = sum(c["size"] for c in cohorts if c["side"] == -1)
            total = open_long + open_short
            if track == 1:
                delta = float(oi_base[i]) - total
            else:
                delta = float(oi_base[i] - oi_base[i - 1]) + churn
            if delta < 0.0 and total > 0.0:
                amount = min(-delta, total)
                want_long = amount * open_long / total
                wants = {1: want_long, -1: amount - want_long}
                for side in (1, -1):
                    have = open_long if side == 1 else open_short
                    want = wants[side]
                    if want <= 0.0 or have <= 0.0:
                        continue
                    mine = [c for c in cohorts if c["side"] == side and c["size"] > 0.0]
                    if close_rule == CLOSE_PRO_RATA or want >= have:
                        frac = min(want / have, 1.0)
                        for c in mine:
                            x = c["size"] if frac >= 1.0 else c["size"] * frac
                            c["size"] -= x
                            c["closed"] += x
                            flows["cl"][i] += x
                    else:
                        if close_rule == CLOSE_MOST_PROFITABLE:
                            px = float(close[i])

                            def pnl(c: dict[str, float], px: float = px, side: int = side) -> float:
                                r = px / c["entry"] - 1.0
                                return r if side == 1 else -r

                            mine = sorted(mine, key=lambda c: (-pnl(c), c["index"]))
                        rem = want
                        for c in mine:
                            x = min(c["size"], rem)
                            c["size"] -= x
                            c["closed"] += x
                            flows["cl"][i] += x
                            rem -= x
                            if rem <= 0.0:
                                break
            # cohorts of bar i exist (size 0 unless open interest rose)
            for b in range(k):
                for side in (1, -1):
                    share = long_share[i] if side == 1 else 1.0 - long_share[i]
                    size = delta * share * lev_weights[b] if delta > 0.0 else 0.0
                    ratio = long_liq_ratio[b] if side == 1 else short_liq_ratio[b]
                    px = float(entry_px[i]) if delta > 0.0 else 0.0
                    cohorts.append(
                        {"index": float(len(cohorts)), "side": side, "bar": i, "bucket": b,
                         "size0": size, "size": size, "entry": px, "liq": px * ratio,
                         "closed": 0.0, "liquidated": 0.0}
                    )  # fmt: skip
                    flows["op"][i] += size
        else:
            for b in range(k):
                for side in (1, -1):
                    cohorts.append(
                        {"index": float(len(cohorts)), "side": side, "bar": 0, "bucket": b,
                         "size0": 0.0, "size": 0.0, "entry": 0.0, "liq": 0.0,
                         "closed": 0.0, "liquidated": 0.0}
                    )  # fmt: skip
        flows["ol"][i] = sum(c["size"] for c in cohorts if c["side"] == 1)
        flows["os"][i] = sum(c["size"] for c in cohorts if c["side"] == -1)

    def col(name: str, dtype: type = np.float64) -> np.ndarray:
        return np.array([c[name] for c in cohorts], dtype=dtype)

    return (
        np.array(flows["ll"]), np.array(flows["ls"]), np.array(flows["op"]),
        np.array(flows["cl"]), np.array(flows["lq"]), np.array(flows["ol"]), np.array(flows["os"]),
        col("side", np.int8), col("bar", np.int64), col("bucket", np.int64),
        col("size0"), col("size"), col("entry"), col("liq"), col("closed"), col("liquidated"),
    )  # fmt: skip
