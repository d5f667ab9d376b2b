"""The cascade's preparation as it was before packing: ``numpy.argsort`` and gathers.

The packed preparation (:func:`liqcascade.cascade._prepare.packed_argsort`) must give
the same arrays, ties in input order (``argsort(kind="stable")``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from liqcascade.book._orderbook import OrderBook
from liqcascade.positions._book import PositionBook, StopBook


def _prefix(x: Any) -> Any:
    out = np.zeros(x.size + 1)
    np.cumsum(x, out=out[1:])
    return out


def side_reference(
    dirsign: float, book: OrderBook, pos: PositionBook, stops: StopBook, threshold: float
) -> dict[str, Any]:
    """Every array of a ``PreparedSide``, computed with ``argsort`` and numpy gathers."""
    s = dirsign
    if s > 0:
        lp, lq = book.bid_price, book.bid_size
        pmask, smask = pos.side == 1, stops.side == -1
    else:
        lp, lq = book.ask_price, book.ask_size
        pmask, smask = pos.side == -1, stops.side == 1
    lvl_x = s * lp
    pidx = np.nonzero(pmask)[0].astype(np.int64)
    pkey = -(s * pos.liq_price[pidx])
    order = np.argsort(pkey, kind="stable")
    pidx, pkey = pidx[order], pkey[order]
    size = pos.size[pidx]
    bkr_x = s * pos.bankruptcy_price[pidx]
    liq_sorted = pos.liq_price[pidx]
    with np.errstate(invalid="ignore", over="ignore"):
        notional_at_liq = np.where(np.isfinite(liq_sorted), size * liq_sorted, np.inf)
    large = notional_at_liq > threshold
    bkr_size = np.where(np.isfinite(bkr_x), bkr_x * size, 0.0)
    sidx = np.nonzero(smask)[0].astype(np.int64)
    skey = -(s * stops.trigger[sidx])
    so = np.argsort(skey, kind="stable")
    sidx, skey = sidx[so], skey[so]
    ssize = stops.size[sidx]
    return {
        "dirsign": s,
        "mid_x": s * book.mid,
        "lvl_x": lvl_x,
        "lvl_abs": lp,
        "lvl_q": lq,
        "lvl_key": -lvl_x,
        "pos_index": pidx,
        "pos_key": pkey,
        "pos_size": size,
        "pos_bkr_x": bkr_x,
        "pos_large": large,
        "cum_size": _prefix(np.where(large, 0.0, size)),
        "cum_bkr": _prefix(np.where(large, 0.0, bkr_size)),
        "large_rank": np.nonzero(large)[0].astype(np.int64),
        "large_cum_size": _prefix(size[large]),
        "large_cum_bkr": _prefix(bkr_size[large]),
        "stop_index": sidx,
        "stop_key": skey,
        "stop_size": ssize,
        "cum_stop": _prefix(ssize),
        # per block of 64 sorted positions: largest / smallest bankruptcy (0 if not finite)
        "blk_max": np.array([b.max() for b in _blocks(np.where(np.isfinite(bkr_x), bkr_x, 0.0))]),
        "blk_min": np.array([b.min() for b in _blocks(np.where(np.isfinite(bkr_x), bkr_x, 0.0))]),
    }


def _blocks(x: np.ndarray, block: int = 64) -> list[np.ndarray]:
    return [x[i : i + block] for i in range(0, x.size, block)]


def blocks_sorted_reference(bkr_x: np.ndarray, size: np.ndarray, block: int = 64) -> tuple:  # type: ignore[type-arg]
    """Each block sorted by bankruptcy (0 if not finite), with running sums of size, bkr·size."""
    b = np.where(np.isfinite(bkr_x), bkr_x, 0.0)
    sb, ps, pb = [], [], []
    for i in range(0, b.size, block):
        o = np.argsort(b[i : i + block], kind="stable")
        v, w = b[i : i + block][o], size[i : i + block][o]
        sb.append(v)
        ps.append(np.cumsum(w))
        pb.append(np.cumsum(v * w))
    return _cat(sb), _cat(ps), _cat(pb)


def _cat(xs: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(xs) if xs else np.zeros(0)
