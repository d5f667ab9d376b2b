"""Kernel of the identified position book: a bar-by-bar walk over a log-price grid.

The book is held as two histograms over one log-spaced price grid (``p_g = p0 *
exp(g * h)``): the size (base units) of long positions whose liquidation price is
``p_g`` and the same for shorts, plus the entry-weighted sums (``size * entry``) that
give each bin's mean entry, and a *safe* size per side whose distance to liquidation
lies beyond the grid (never liquidated on the path: low leverage, hedged or well
funded cross accounts). Each bar ``i``:

1. **churn**: every bin and the safe size keep ``1 - turnover`` of their size (the
   rest closes; it reopens in step 2 because the book then falls short of its target);
2. **rebalance** to the target size ``target[i]`` (open interest in base units at the
   bar's open): a shortfall opens at the bar's open price, ``long_share[i]`` of it
   long, each side spread over the distance bins by ``weights`` (bin ``j`` at
   log-distance ``(j0 + j) * h`` below the open for longs, above for shorts) and
   ``safe_share`` of it safe; an excess closes pro rata over both sides;
3. **liquidation**: every long bin priced at or above the bar's low and every short
   bin at or below its high is liquidated, counted at ``size * p_g`` USD.

So positions opened at a bar's open face that bar's own range (the range baseline's
positions) and every later bar's, while positions opened earlier that survived are
still there. Kernels trust their inputs; :mod:`liqcascade.positions._model`
validates. :func:`grid_walk_py` is the plain-Python twin.

The walk is *incremental*: :func:`grid_advance_nb` advances a state held in five
arrays (it mutates them) by any number of bars, so a walk cut into pieces gives the
same book as one walk (:class:`liqcascade.positions._incremental.BookState`). Work per
bar is proportional to the grid (a few hundred to a few thousand bins), never to the
number of bars walked before: liquidated bins are emptied in place, nothing dead is
kept. With ``maps_long``/``maps_short`` of shape ``(n, W)`` it also writes, after each
bar, the liquidation map around that bar's ``centre`` price: column ``k`` holds the
USD at liquidation (size x price) of bin ``g_c - W // 2 + k`` (``g_c`` the centre's
bin), longs and shorts apart. With ``open_sizes=False`` it does not sum the book's
open sizes after each bar (a pass over the whole grid per bar), for a caller that reads
only the liquidations: the event back-test's paths
(:func:`liqcascade.cascade._event_liquidations.book_paths_nb`). :class:`TwinGrid`
with :func:`grid_advance_py` is the plain-Python twin of the state and of the step.
"""

from __future__ import annotations

import math

import numpy as np

from liqcascade._numba import njit
from liqcascade._typing import FloatArray


@njit
def grid_advance_nb(
    lsz: FloatArray,
    ssz: FloatArray,
    lent: FloatArray,
    sent: FloatArray,
    safe: FloatArray,
    first: bool,
    open_: FloatArray,
    low: FloatArray,
    high: FloatArray,
    target: FloatArray,
    long_share: FloatArray,
    weights: FloatArray,
    safe_share: float,
    j0: int,
    log_p0: float,
    h: float,
    keep: float,
    centre: FloatArray,
    maps_long: FloatArray,
    maps_short: FloatArray,
    open_sizes: bool = True,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Advance the grid state by ``n`` bars, in place (see the module docstring).

    Parameters
    ----------
    lsz, ssz, lent, sent : array (G,)
        Long and short size per bin (base units) and their entry sums
        (``size * entry``, USD); mutated.
    safe : array (4,)
        Safe long size, short size, long entry sum, short entry sum; mutated.
    first : bool
        The first bar is the state's very first (no churn before it).
    open_, low, high : array (n,)
        Bar open, low and high, USD (> 0, inside the grid).
    target : array (n,)
        Book size to hold at each bar's open, base units.
    long_share : array (n,)
        Share of the bar's openings that are long, in [0, 1].
    weights : array (J,)
        Share of the openings in each distance bin (sum ``1 - safe_share``).
    safe_share : float
        Share of the openings beyond the grid (never liquidated).
    j0 : int
        Offset of the first distance bin, grid steps (>= 1).
    log_p0, h : float
        Grid origin (natural log of USD) and step (log units).
    keep : float
        Share of the book kept by the churn each bar (``1 - turnover``), in (0, 1].
    centre : array (n,)
        Price each bar's map is centred on, USD (unused when the maps have no column).
    maps_long, maps_short : array (n, W)
        Filled with each bar's liquidation map (``W`` may be 0: no maps).
    open_sizes : bool, default True
        Sum the book's open sizes after each bar (``open_long``, ``open_short``). A
        caller that reads only the liquidations (the event back-test's paths) passes
        False: the pass over the whole grid per bar is skipped and both come back
        empty (length 0). The liquidations and the state are the same either way.

    Returns
    -------
    tuple
        ``liq_long_usd, liq_short_usd, open_long, open_short`` per bar (sizes at the
        bar's end, base units, safe size included; length 0 without ``open_sizes``).
    """
    n = open_.shape[0]
    n_grid = lsz.shape[0]
    nj = weights.shape[0]
    width = maps_long.shape[1]
    half = width // 2
    liq_l = np.zeros(n)
    liq_s = np.zeros(n)
    n_open = n if open_sizes else 0
    open_l = np.zeros(n_open)
    open_s = np.zeros(n_open)
    for i in range(n):
        # 1. churn
        tot_l = 0.0
        tot_s = 0.0
        if not (first and i == 0) and keep < 1.0:
            for g in range(n_grid):
                if lsz[g] > 0.0:
                    lsz[g] *= keep
                    lent[g] *= keep
                    tot_l += lsz[g]
                if ssz[g] > 0.0:
                    ssz[g] *= keep
                    sent[g] *= keep
                    tot_s += ssz[g]
            for q in range(4):
                safe[q] *= keep
        else:
            for g in range(n_grid):
                tot_l += lsz[g]
                tot_s += ssz[g]
        live = tot_l + tot_s + safe[0] + safe[1]
        # 2. rebalance
        gap = target[i] - live
        px = open_[i]
        if gap > 0.0:
            g0 = math.floor((math.log(px) - log_p0) / h + 0.5)
            a_l = gap * long_share[i]
            a_s = gap - a_l
            for j in range(nj):
                w = weights[j]
                if w <= 0.0:
                    continue
                gl = g0 - j0 - j
                gs = g0 + j0 + j
                if gl >= 0:
                    lsz[gl] += a_l * w
                    lent[gl] += a_l * w * px
                if gs < n_grid:
                    ssz[gs] += a_s * w
                    sent[gs] += a_s * w * px
            safe[0] += a_l * safe_share
            safe[1] += a_s * safe_share
            safe[2] += a_l * safe_share * px
            safe[3] += a_s * safe_share * px
        elif gap < 0.0 and live > 0.0:
            f = target[i] / live
            if f < 0.0:
                f = 0.0
            for g in range(n_grid):
                lsz[g] *= f
                lent[g] *= f
                ssz[g] *= f
                sent[g] *= f
            for q in range(4):
                safe[q] *= f
        # 3. liquidation
        gl_lo = math.ceil((math.log(low[i]) - log_p0) / h - 1e-9)
        if gl_lo < 0:
            gl_lo = 0
        for g in range(gl_lo, n_grid):
            if lsz[g] > 0.0:
                liq_l[i] += lsz[g] * math.exp(log_p0 + g * h)
                lsz[g] = 0.0
                lent[g] = 0.0
        gs_hi = math.floor((math.log(high[i]) - log_p0) / h + 1e-9)
        if gs_hi > n_grid - 1:
            gs_hi = n_grid - 1
        for g in range(0, gs_hi + 1):
            if ssz[g] > 0.0:
                liq_s[i] += ssz[g] * math.exp(log_p0 + g * h)
                ssz[g] = 0.0
                sent[g] = 0.0
        if open_sizes:
            sl = safe[0]
            ss = safe[1]
            for g in range(n_grid):
                sl += lsz[g]
                ss += ssz[g]
            open_l[i] = sl
            open_s[i] = ss
        # 4. the map around the bar's centre price
        if width > 0:
            gc = math.floor((math.log(centre[i]) - log_p0) / h + 0.5)
            for k in range(width):
                g = gc - half + k
                if 0 <= g < n_grid:
                    p = math.exp(log_p0 + g * h)
                    maps_long[i, k] = lsz[g] * p
                    maps_short[i, k] = ssz[g] * p
                else:
                    maps_long[i, k] = 0.0
                    maps_short[i, k] = 0.0
    return liq_l, liq_s, open_l, open_s


@njit
def grid_walk_nb(
    open_: FloatArray,
    low: FloatArray,
    high: FloatArray,
    target: FloatArray,
    long_share: FloatArray,
    weights: FloatArray,
    safe_share: float,
    j0: int,
    log_p0: float,
    h: float,
    n_grid: int,
    turnover: float,
) -> tuple[
    FloatArray, FloatArray, FloatArray, FloatArray,
    FloatArray, FloatArray, FloatArray, FloatArray, FloatArray,
]:  # fmt: skip
    """Walk ``n`` bars over an empty grid of ``n_grid`` bins (one :func:`grid_advance_nb`).

    Returns
    -------
    tuple
        ``liq_long_usd, liq_short_usd, open_long, open_short`` per bar (sizes at the
        bar's end, base units, safe size included), then the final ``long_size,
        short_size, long_entry_sum, short_entry_sum`` per grid bin and
        ``safe = [long size, short size, long entry sum, short entry sum]``.
    """
    lsz = np.zeros(n_grid)
    ssz = np.zeros(n_grid)
    lent = np.zeros(n_grid)
    sent = np.zeros(n_grid)
    safe = np.zeros(4)
    none = np.zeros((open_.shape[0], 0))
    liq_l, liq_s, open_l, open_s = grid_advance_nb(
        lsz, ssz, lent, sent, safe, np.bool_(True), open_, low, high, target, long_share, weights,
        safe_share, j0, log_p0, h, 1.0 - turnover, open_, none, none,
    )  # fmt: skip
    return liq_l, liq_s, open_l, open_s, lsz, ssz, lent, sent, safe


class TwinGrid:
    """Plain-Python twin of the grid state: the book as dicts ``{bin: size}``."""

    def __init__(self, n_grid: int) -> None:
        self.n_grid = n_grid
        self.book: dict[str, dict[int, float]] = {"L": {}, "S": {}, "LE": {}, "SE": {}}
        self.safe = [0.0, 0.0, 0.0, 0.0]
        self.started = False

    def dense(self) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
        """``lsz, ssz, lent, sent, safe`` as arrays (the kernel's layout)."""

        def arr(d: dict[int, float]) -> FloatArray:
            a = np.zeros(self.n_grid)
            for g, v in d.items():
                a[g] = v
            return a

        b = self.book
        return arr(b["L"]), arr(b["S"]), arr(b["LE"]), arr(b["SE"]), np.array(self.safe)


def grid_advance_py(
    state: TwinGrid,
    open_: FloatArray,
    low: FloatArray,
    high: FloatArray,
    target: FloatArray,
    long_share: FloatArray,
    weights: FloatArray,
    safe_share: float,
    j0: int,
    log_p0: float,
    h: float,
    keep: float,
    centre: FloatArray | None = None,
    width: int = 0,
    open_sizes: bool = True,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Plain-Python twin of :func:`grid_advance_nb` (``state`` is advanced in place).

    Returns the four per-bar series and the maps ``(n, width)`` of longs and shorts;
    without ``open_sizes`` the open sizes are not summed (both empty, as the kernel's).
    """
    book = state.book
    n_grid = state.n_grid
    out: dict[str, list[float]] = {k: [] for k in ("ll", "ls", "ol", "os")}
    maps_l: list[list[float]] = []
    maps_s: list[list[float]] = []
    for i in range(len(open_)):
        if state.started and keep < 1.0:
            for d in book.values():
                for g in d:
                    d[g] *= keep
            state.safe = [x * keep for x in state.safe]
        state.started = True
        safe = state.safe
        live = sum(book["L"].values()) + sum(book["S"].values()) + safe[0] + safe[1]
        gap = float(target[i]) - live
        px = float(open_[i])
        if gap > 0.0:
            g0 = math.floor((math.log(px) - log_p0) / h + 0.5)
            amounts = {"L": gap * float(long_share[i])}
            amounts["S"] = gap - amounts["L"]
            for j, w in enumerate(weights):
                if w <= 0.0:
                    continue
                for side, g in (("L", g0 - j0 - j), ("S", g0 + j0 + j)):
                    if 0 <= g < n_grid:
                        book[side][g] = book[side].get(g, 0.0) + amounts[side] * float(w)
                        book[side + "E"][g] = (
                            book[side + "E"].get(g, 0.0) + amounts[side] * float(w) * px
                        )
            safe[0] += amounts["L"] * safe_share
            safe[1] += amounts["S"] * safe_share
            safe[2] += amounts["L"] * safe_share * px
            safe[3] += amounts["S"] * safe_share * px
        elif gap < 0.0 and live > 0.0:
            f = max(float(target[i]) / live, 0.0)
            for d in book.values():
                for g in d:
                    d[g] *= f
            state.safe = safe = [x * f for x in safe]
        lo = max(math.ceil((math.log(float(low[i])) - log_p0) / h - 1e-9), 0)
        hi = min(math.floor((math.log(float(high[i])) - log_p0) / h + 1e-9), n_grid - 1)
        usd_l = 0.0
        usd_s = 0.0
        # liquidated bins leave the dicts: nothing dead is kept or scanned again
        for g in sorted(g for g in book["L"] if g >= lo):
            if book["L"][g] > 0.0:
                usd_l += book["L"][g] * math.exp(log_p0 + g * h)
            del book["L"][g]
            book["LE"].pop(g, None)
        for g in sorted(g for g in book["S"] if g <= hi):
            if book["S"][g] > 0.0:
                usd_s += book["S"][g] * math.exp(log_p0 + g * h)
            del book["S"][g]
            book["SE"].pop(g, None)
        out["ll"].append(usd_l)
        out["ls"].append(usd_s)
        if open_sizes:
            out["ol"].append(sum(book["L"].values()) + safe[0])
            out["os"].append(sum(book["S"].values()) + safe[1])
        if width > 0 and centre is not None:
            gc = math.floor((math.log(float(centre[i])) - log_p0) / h + 0.5)
            row_l, row_s = [], []
            for k in range(width):
                g = gc - width // 2 + k
                p = math.exp(log_p0 + g * h)
                row_l.append(book["L"].get(g, 0.0) * p)
                row_s.append(book["S"].get(g, 0.0) * p)
            maps_l.append(row_l)
            maps_s.append(row_s)
    n = len(open_)
    ml = np.array(maps_l, dtype=np.float64).reshape(n, width)
    ms = np.array(maps_s, dtype=np.float64).reshape(n, width)
    return (
        np.array(out["ll"]), np.array(out["ls"]), np.array(out["ol"]), np.array(out["os"]), ml, ms,
    )  # fmt: skip


def grid_walk_py(
    open_: FloatArray,
    low: FloatArray,
    high: FloatArray,
    target: FloatArray,
    long_share: FloatArray,
    weights: FloatArray,
    safe_share: float,
    j0: int,
    log_p0: float,
    h: float,
    n_grid: int,
    turnover: float,
) -> tuple[
    FloatArray, FloatArray, FloatArray, FloatArray,
    FloatArray, FloatArray, FloatArray, FloatArray, FloatArray,
]:  # fmt: skip
    """Plain-Python twin of :func:`grid_walk_nb`: the book as dicts ``{bin: size}``."""
    st = TwinGrid(n_grid)
    ll, ls, ol, os_, _, _ = grid_advance_py(
        st, open_, low, high, target, long_share, weights, safe_share, j0, log_p0, h,
        1.0 - turnover,
    )  # fmt: skip
    return (ll, ls, ol, os_, *st.dense())
