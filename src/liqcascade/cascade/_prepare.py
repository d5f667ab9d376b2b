"""Sorting positions, stops and levels once, so that many shocks reuse it.

The sort is packed: each trigger and its index travel as one ``uint64``
(:func:`packed_argsort`), so one integer ``numpy.sort`` replaces ``numpy.argsort``;
ties keep the input order (the result is ``argsort(kind="stable")``'s, exactly).
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from liqcascade._numba import read_only
from liqcascade._typing import FloatArray, IntArray
from liqcascade.book import OrderBook
from liqcascade.cascade._clock_kernels import SUPER, sorted_blocks_kernel
from liqcascade.cascade._config import CascadeConfig
from liqcascade.cascade._kernels import (
    BLOCK,
    block_bounds_kernel,
    block_sorted_kernel,
    finish_codes_kernel,
    merge_orders_kernel,
    sort_codes_kernel,
)
from liqcascade.cascade._prepare_kernels import (
    compact_rows_kernel,
    finish_rows_kernel,
    side_counts_kernel,
)
from liqcascade.errors import InputError
from liqcascade.positions import PositionBook, StopBook

if TYPE_CHECKING:
    from liqcascade.market import MarketState

__all__ = [
    "PreparedMarket",
    "PreparedSide",
    "at_book_edge",
    "book_edge",
    "packed_argsort",
    "prepare_cascade",
    "prepare_market",
    "prepared_draws",
]


@dataclass(frozen=True, eq=False)
class PreparedSide:
    """Flat arrays of one direction of the cascade, in the down frame (see ``_kernels``).

    ``dirsign`` is +1 for the down side (bids, longs, sell stops) and −1 for the
    up side (asks, shorts, buy stops); frame coordinate ``x = dirsign · price``.
    """

    dirsign: float
    mid_x: float
    lvl_x: FloatArray
    lvl_abs: FloatArray
    lvl_q: FloatArray
    lvl_key: FloatArray
    pos_index: IntArray  # original index of each sorted position
    pos_key: FloatArray
    pos_size: FloatArray
    pos_bkr_x: FloatArray
    pos_large: np.ndarray
    cum_size: FloatArray
    cum_bkr: FloatArray
    large_rank: IntArray
    large_cum_size: FloatArray
    large_cum_bkr: FloatArray
    stop_index: IntArray
    stop_key: FloatArray
    stop_size: FloatArray
    cum_stop: FloatArray
    blk_max: FloatArray  # per BLOCK sorted positions: max / min bankruptcy (frame, USD)
    blk_min: FloatArray
    # arrays built on first use (block_sorted, fast_args, clock_sorted)
    _lazy: dict[str, Any] = field(default_factory=dict, repr=False)

    def _cached(self, key: str, build: Callable[[], Any]) -> Any:
        got = self._lazy.get(key)
        if got is None:
            with _BLK_LOCK:
                got = self._lazy.get(key)
                if got is None:
                    got = build()
                    self._lazy[key] = got
        return got

    def block_sorted(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Each ``BLOCK``-position block sorted by bankruptcy (built on first use).

        ``(sb, ps, pb)`` of :func:`~liqcascade.cascade._kernels.block_sorted_kernel`.
        """
        return self._cached(  # type: ignore[no-any-return]
            "blocks", lambda: block_sorted_kernel(self.pos_bkr_x, self.pos_size, BLOCK)
        )

    def clock_sorted(self) -> FloatArray:
        """The clock kernel's sorted-bankruptcy array (built on first use).

        ``(6, positions)``: rows 0–2 :meth:`block_sorted`, rows 3–5 the same for each
        ``SUPER``-position superblock
        (:func:`~liqcascade.cascade._clock_kernels.sorted_blocks_kernel`), so that a
        range of positions closing at one price splits into surpluses and shortfalls by
        a few binary searches.
        """

        def build() -> FloatArray:
            sup = sorted_blocks_kernel(self.pos_bkr_x, self.pos_size, SUPER)
            return np.vstack((*self.block_sorted(), sup))

        return self._cached("clock", build)  # type: ignore[no-any-return]

    def fast_args(self) -> tuple[object, ...]:
        """Prefix sums and block bounds for ``_kernels.cascade_fast_kernel``.

        ``(cum_size, cum_bkr, cum_stop, blk_max, blk_min, blk_sb, blk_ps, blk_pb, BLOCK,
        mcum, mpos)``: the blocks sorted by bankruptcy
        (:func:`~liqcascade.cascade._kernels.block_sorted_kernel`) and the orders merged
        in fill order (:func:`~liqcascade.cascade._kernels.merge_orders_kernel`) are
        built on the first call, so that the preparation stays a sort.
        """
        sb, ps, pb = self.block_sorted()
        mcum, mpos = self._cached(
            "merged",
            lambda: merge_orders_kernel(self.pos_key, self.pos_size, self.stop_key, self.stop_size),
        )
        return (
            self.cum_size, self.cum_bkr, self.cum_stop, self.blk_max, self.blk_min,
            sb, ps, pb, BLOCK, mcum, mpos,
        )  # fmt: skip

    def crossed_usd(self, extremes: Any, mid: float | None = None) -> FloatArray:
        """Notional (USD, at the liquidation prices) of this side's positions each extreme crosses.

        The one count of the positions a price path's extreme reaches over a fixed book
        (no impact): the stress shocks without the cascade
        (:mod:`~liqcascade.cascade._no_impact`) and the event back-test's other side
        (:func:`~liqcascade.cascade._backtest.predict_event`). A position is crossed when
        its liquidation price is at or beyond the extreme in the side's direction: a
        long's at or above the lowest price of a fall (this side's ``dirsign`` +1), a
        short's at or below the highest of a rise (−1). O(n + m log n) on the sorted
        side, no sort.

        Parameters
        ----------
        extremes : array-like of float
            The furthest price of each path in the side's direction, USD.
        mid : float, optional
            The price before the move, USD: a position already at or past its
            liquidation price there (a long whose ``liq_price >= mid``, a short whose
            ``liq_price <= mid``) is not counted. None: every position of the side is.

        Returns
        -------
        numpy.ndarray of float
            One figure per extreme, USD (``extremes``' shape).
        """
        s = self.dirsign
        key = self.pos_key  # ascending: key = −(s · liq_price)
        usd = self.pos_size * (-s * key)  # size · liq_price
        first = 0 if mid is None else int(np.searchsorted(key, -s * float(mid), side="right"))
        cum = np.concatenate(([0.0], np.cumsum(usd[first:])))
        ext = np.asarray(extremes, dtype=np.float64)
        k = np.searchsorted(key, -s * ext, side="right")  # crossed: key <= −(s · extreme)
        out: FloatArray = cum[np.maximum(k - first, 0)]
        return out

    def kernel_args(self) -> tuple[object, ...]:
        """Arguments of the kernels up to the shock."""
        return (
            self.mid_x,
            self.lvl_x,
            self.lvl_abs,
            self.lvl_q,
            self.lvl_key,
            self.pos_key,
            self.pos_size,
            self.pos_bkr_x,
            self.pos_large,
            self.large_rank,
            self.stop_key,
            self.stop_size,
        )


@dataclass(frozen=True, eq=False)
class PreparedMarket:
    """A book, positions and stops sorted once for repeated cascades.

    Build with :func:`prepare_cascade`; pass to :func:`simulate_cascade`,
    :func:`fragility_curve` or :func:`critical_shock` in place of the inputs.

    Attributes
    ----------
    book : OrderBook
    positions : PositionBook
    stops : StopBook
    partial_threshold_usd : float
        Threshold used to mark partially liquidated positions (only used when a
        config turns partial liquidation on); ``inf`` when none were marked.
    down, up : PreparedSide
        The two directions.
    asset : str or None
        The market's base asset when it is known (:func:`prepare_market` sets the
        state's ``asset``); None for a market prepared from a book and files
        (:func:`prepare_cascade`), whose asset only the positions' symbol tells. An
        asset given beside the market (a liquidity calibration, ``market_answer``'s
        ``asset``) must be this one.
    """

    book: OrderBook
    positions: PositionBook
    stops: StopBook
    partial_threshold_usd: float
    down: PreparedSide = field(repr=False)
    up: PreparedSide = field(repr=False)
    asset: str | None = None

    def side(self, dirsign: float) -> PreparedSide:
        """The down (+1) or up (−1) side.

        Parameters
        ----------
        dirsign : float
            Positive: the side a fall takes (bids, longs, sell stops); otherwise the
            side a rise takes (asks, shorts, buy stops).
        """
        return self.down if dirsign > 0 else self.up


def _prefix(x: FloatArray) -> FloatArray:
    out = np.zeros(x.size + 1)
    np.cumsum(x, out=out[1:])
    return out


def packed_argsort(values: FloatArray, idx: IntArray, sign: float) -> tuple[IntArray, FloatArray]:
    """Sort ``idx`` by ``key = −(sign · values[idx])``, ties in ``idx`` order, packed.

    Each key and its index travel as one ``uint64`` (the key's order bits on top, the
    index below: :func:`~liqcascade.cascade._kernels.sort_codes_kernel`), so one integer
    ``numpy.sort`` (vectorised, no permutation to carry) replaces ``numpy.argsort``;
    the rare runs whose keys agree in the packed bits are then ordered by the exact key.
    The result is ``idx[numpy.argsort(key, kind="stable")]`` exactly.

    Parameters
    ----------
    values : array of float64
        Triggers of all orders (USD).
    idx : array of int64, increasing
        The orders to sort.
    sign : float
        +1 or −1 (the side's ``dirsign``).

    Returns
    -------
    order : array of int64
        ``idx`` sorted by key (NaN keys last).
    sorted_key : array of float64
        The keys in that order.
    """
    m = idx.size
    if m == 0:
        return np.empty(0, np.int64), np.empty(0)
    nb = max(1, (values.size - 1).bit_length())
    codes = sort_codes_kernel(values, idx, float(sign), nb)
    codes.sort()
    order, skey = finish_codes_kernel(codes, nb, values, float(sign))
    return order, skey


_THREADED_FROM = 100_000  # orders per side from which the two sides run on two threads
_LOCAL = threading.local()
_SCRATCH_KEEP = 1 << 23  # float64s kept between calls (64 MiB); larger ones are freed


_POOL: list[ThreadPoolExecutor] = []
_BLK_LOCK = threading.RLock()  # clock_sorted builds block_sorted inside
_POOL_LOCK = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    """The one worker thread that prepares the up side (kept: its scratch stays warm)."""
    with _POOL_LOCK:
        if not _POOL:
            _POOL.append(ThreadPoolExecutor(max_workers=1, thread_name_prefix="liqcascade-prep"))
        return _POOL[0]


def _forget_pool_in_child() -> None:
    """In a forked child: drop the parent's pool, whose thread the child does not have.

    A fork copies only the calling thread; the copied executor would queue the child's
    up side for a thread that never runs it (the child waited forever). The child
    starts its own thread when it first needs one.
    """
    global _POOL_LOCK
    _POOL_LOCK = threading.Lock()  # the parent's may have been held by another thread
    _POOL.clear()


if hasattr(os, "register_at_fork"):  # POSIX; Windows has no fork
    os.register_at_fork(after_in_child=_forget_pool_in_child)


def _scratch(n: int) -> FloatArray:
    """A float64 scratch array of ``n`` elements, reused by the calling thread."""
    buf: FloatArray | None = getattr(_LOCAL, "buf", None)
    if buf is None or buf.size < n:
        buf = np.empty(n)
        if n <= _SCRATCH_KEEP:
            _LOCAL.buf = buf
    return buf[:n]


def _sorted_rows(
    side: np.ndarray,
    want: int,
    m: int,
    trigger: FloatArray,
    size: FloatArray,
    bkr: FloatArray,
    sign: float,
    with_bkr: bool,
) -> tuple[IntArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """The ``m`` orders with ``side == want`` sorted by ``key = −(sign · trigger)``.

    Same result as :func:`packed_argsort` followed by the gathers, with the orders
    copied into side-local rows first so that the reads after the sort hit one row
    each (see :mod:`~liqcascade.cascade._prepare_kernels`).
    """
    nb = max(1, (m - 1).bit_length())
    # The scratch is reused (per thread) and the results share one block: page faults
    # on fresh memory cost more than the sort (numpy asks for huge pages from 4 MiB on).
    scratch = _scratch(5 * (m + 1))
    rows = scratch[: 4 * (m + 1)].reshape(m + 1, 4)
    codes = scratch[4 * (m + 1) :].view(np.uint64)
    trigger, size, bkr = read_only(trigger, size, bkr)  # one compile (see read_only)
    compact_rows_kernel(side, want, trigger, size, bkr, float(sign), nb, rows, codes)
    codes = codes[:m]
    codes.sort()
    mb = m if with_bkr else 0
    block = np.empty(3 * m + mb + (m + 1) + (mb + 1))
    cuts = np.cumsum([0, m, m, m, mb, m + 1, mb + 1])
    order_f, skey, sz, bx, cum_s, cum_b = (block[a:b] for a, b in itertools.pairwise(cuts))
    order: IntArray = order_f.view(np.int64)
    finish_rows_kernel(codes, nb, rows, float(sign), with_bkr, order, skey, sz, bx, cum_s, cum_b)
    return order, skey, sz, bx, cum_s, cum_b


def _side(
    dirsign: float,
    book: OrderBook,
    pos: PositionBook,
    stops: StopBook,
    threshold: float,
    n_pos: int,
    n_stops: int,
) -> PreparedSide:
    s = dirsign
    if s > 0:
        lp, lq = book.bid_price, book.bid_size
    else:
        lp, lq = book.ask_price, book.ask_size
    lvl_x = np.ascontiguousarray(s * lp)
    # positions: key -liq_x ascending (see _kernels), ties in input order
    pidx, pkey, size, bkr_x, cum_size, cum_bkr = _sorted_rows(
        pos.side, int(s), n_pos, pos.liq_price, pos.size, pos.bankruptcy_price, s, True
    )
    if threshold == np.inf:  # no partial liquidation: every position is sold whole
        large = np.zeros(size.size, bool)
        large_rank = np.empty(0, np.int64)
        large_cum_size = large_cum_bkr = np.zeros(1)
    else:
        # bankruptcy may be inf for positions that never trigger; keep prefix sums finite
        bkr_size = np.where(np.isfinite(bkr_x), bkr_x * size, 0.0)
        liq_sorted = -s * pkey  # = liq_price, exactly (s = ±1)
        with np.errstate(invalid="ignore", over="ignore"):
            notional_at_liq = np.where(np.isfinite(liq_sorted), size * liq_sorted, np.inf)
        large = notional_at_liq > threshold
        cum_size = _prefix(np.where(large, 0.0, size))
        cum_bkr = _prefix(np.where(large, 0.0, bkr_size))
        large_rank = np.flatnonzero(large).astype(np.int64)
        large_cum_size = _prefix(size[large])
        large_cum_bkr = _prefix(bkr_size[large])
    blk_max, blk_min = block_bounds_kernel(bkr_x, BLOCK)
    sidx, skey, ssize, _, cum_stop, _ = _sorted_rows(
        stops.side, -int(s), n_stops, stops.trigger, stops.size, stops.size, s, False
    )
    return PreparedSide(
        dirsign=s,
        mid_x=s * book.mid,
        lvl_x=lvl_x,
        lvl_abs=np.ascontiguousarray(lp),
        lvl_q=np.ascontiguousarray(lq),
        lvl_key=np.ascontiguousarray(-lvl_x),
        pos_index=pidx,
        pos_key=pkey,
        pos_size=size,
        pos_bkr_x=bkr_x,
        pos_large=large,
        cum_size=cum_size,
        cum_bkr=cum_bkr,
        large_rank=large_rank,
        large_cum_size=large_cum_size,
        large_cum_bkr=large_cum_bkr,
        stop_index=sidx,
        stop_key=skey,
        stop_size=ssize,
        cum_stop=cum_stop,
        blk_max=blk_max,
        blk_min=blk_min,
    )


def prepare_cascade(
    book: OrderBook,
    positions: PositionBook,
    stops: StopBook | None = None,
    *,
    partial_threshold_usd: float | None = None,
) -> PreparedMarket:
    """Sort the positions and stops by trigger once (O(n log n)) for repeated cascades.

    Parameters
    ----------
    book : OrderBook
        The order book (prices USD, sizes base units).
    positions : PositionBook
        Leveraged positions with liquidation and bankruptcy prices (USD).
    stops : StopBook, optional
        Resting stop-market orders.
    partial_threshold_usd : float, optional
        Mark positions above this notional (USD at their liquidation price) for
        partial liquidation; needed only when a config turns
        ``partial_liquidation`` on (default: none marked; :func:`simulate_cascade`
        re-prepares when the config asks for a threshold the market was not prepared with).

    Returns
    -------
    PreparedMarket
    """
    if not isinstance(book, OrderBook):
        raise InputError(f"book must be an OrderBook (got {type(book).__name__})", param="book")
    if not isinstance(positions, PositionBook):
        raise InputError(
            f"positions must be a PositionBook (got {type(positions).__name__})", param="positions"
        )
    if stops is None:
        stops = StopBook.empty()
    if not isinstance(stops, StopBook):
        raise InputError(f"stops must be a StopBook (got {type(stops).__name__})", param="stops")
    # read-only views: one compile of the kernel whatever the arrays' origins (read_only)
    n_long, n_short, bad = side_counts_kernel(
        positions.side, *read_only(positions.size, positions.liq_price)
    )
    if bad >= 0:
        raise InputError(f"positions: row {bad + 1}: liq_price is NaN")
    thr = np.inf if partial_threshold_usd is None else float(partial_threshold_usd)
    if not thr >= 0:  # NaN fails too (it marked no position); inf marks none
        raise InputError(
            f"partial_threshold_usd must be >= 0 USD (got {partial_threshold_usd})",
            param="partial_threshold_usd",
        )
    n_buy, n_sell, _ = side_counts_kernel(stops.side, *read_only(stops.size, stops.trigger))
    args = (book, positions, stops, thr)
    if min(n_long + n_sell, n_short + n_buy) >= _THREADED_FROM:
        # the kernels and numpy's sort release the GIL: one side per thread
        up_job = _pool().submit(_side, -1.0, *args, n_short, n_buy)
        down = _side(1.0, *args, n_long, n_sell)
        up = up_job.result()
    else:
        down = _side(1.0, *args, n_long, n_sell)
        up = _side(-1.0, *args, n_short, n_buy)
    return PreparedMarket(
        book=book, positions=positions, stops=stops, partial_threshold_usd=thr, down=down, up=up
    )


def prepare_market(state: MarketState, config: CascadeConfig | None = None) -> PreparedMarket:
    """An estimated market sorted for repeated cascades: :func:`prepare_cascade` of its book.

    Parameters
    ----------
    state : MarketState
        The market (:func:`liqcascade.market.estimated_market`): its order book,
        positions and stops.
    config : CascadeConfig, optional
        With ``partial_liquidation`` on, positions above its ``partial_threshold_usd``
        are marked for partial liquidation (default: none marked).

    Returns
    -------
    PreparedMarket
        With ``asset`` the state's (an asset given beside it is checked against it).
    """
    cfg = config or CascadeConfig()
    thr = cfg.partial_threshold_usd if cfg.partial_liquidation else None
    pm = prepare_cascade(state.book, state.positions, state.stops, partial_threshold_usd=thr)
    return replace(pm, asset=str(state.asset).upper())


def prepared_draws(
    state: MarketState, config: CascadeConfig | None = None, n: int | None = None
) -> list[PreparedMarket]:
    """Each of ``state.draws()`` prepared for repeated cascades (same book and price).

    Pass them as ``books=`` to :func:`liqcascade.cascade.calibrated_cascade` or
    :func:`liqcascade.cascade.market_answer` so that a cascade's interval carries the
    position book's parameter uncertainty. Each draw is prepared once per state and
    partial-liquidation threshold (:meth:`MarketState.once`). Empty without draws.

    Parameters
    ----------
    state : MarketState
    config : CascadeConfig, optional
        As in :func:`prepare_market`.
    n : int, optional
        The first ``n`` draws (default all; :meth:`MarketState.draws`).

    Returns
    -------
    list of PreparedMarket
    """
    cfg = config or CascadeConfig()
    key = ("prepared", cfg.partial_threshold_usd if cfg.partial_liquidation else None)
    prepared = state.once(key, lambda: [prepare_market(d, cfg) for d in state.draws()])
    return prepared[: len(state.draws(n))]  # draws(n) checks n; a new list either way


def book_edge(prepared: PreparedMarket, fall: bool) -> float:
    """The move (fraction of mid) to the order book's last level on one side.

    The deepest bid for a fall, the highest ask for a rise: the parametric book of the
    estimated market ends at ±40 % of mid (``max_distance``). A path that reaches it
    has exhausted the modelled book, so a move there is the book's edge, not a
    modelled move.
    """
    b = prepared.book
    p = b.bid_price if fall else b.ask_price
    if len(p) == 0:
        return 0.0
    return float(p[-1]) / float(b.mid) - 1.0


def at_book_edge(moves: Any, edge: float, tol: float = 1e-6) -> Any:
    """Whether each move (fraction of mid) lies at or beyond ``edge`` (:func:`book_edge`)."""
    m = np.asarray(moves, dtype=np.float64)
    if edge == 0.0:
        return np.zeros(m.shape, dtype=bool)
    return m <= edge + tol if edge < 0 else m >= edge - tol
