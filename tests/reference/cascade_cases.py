"""Random cascade cases and the comparison of the kernel with the plain-Python reference.

The reference (`liqcascade.cascade.cascade_py`) is written straight from docs/design.md; the
generator draws small books, positions, stops and shocks that exercise every branch:
both directions, each shock type, book exhaustion, nothing triggered, partial fills,
bad debt, and (optionally) every extension.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from liqcascade.book import OrderBook
from liqcascade.cascade import CascadeConfig, CascadeResult, cascade_py, simulate_cascade
from liqcascade.positions._book import PositionBook, StopBook


@dataclass
class Case:
    book: OrderBook
    positions: PositionBook
    stops: StopBook
    shock: dict[str, float]
    fund: float
    config: CascadeConfig


def _levels(rng: np.random.Generator, mid: float, sign: float, n: int) -> tuple[Any, Any]:
    d = np.sort(rng.choice(np.arange(1, 400), size=n, replace=False)) * 0.001
    price = np.round(mid * (1 + sign * d), 6)
    size = np.round(rng.uniform(0.05, 3.0, n), 4)
    return price, size


def random_case(rng: np.random.Generator, extensions: bool = False) -> Case:
    """One random case (mid 100 USD; small sizes)."""
    mid = 100.0
    nb = int(rng.integers(0, 10))
    na = int(rng.integers(0, 10))
    bp, bq = _levels(rng, mid, -1.0, nb)
    ap, aq = _levels(rng, mid, 1.0, na)
    book = OrderBook(mid, bp, bq, ap, aq)
    n = int(rng.integers(0, 14))
    side = rng.choice(np.array([1, -1], dtype=np.int8), n)
    size = np.round(rng.uniform(0.05, 2.5, n), 4)
    dist = rng.uniform(-0.03, 0.35, n)
    liq = np.where(side == 1, mid * (1 - dist), mid * (1 + dist))
    # the bankruptcy at or beyond the liquidation (PositionBook's rule): a gap under 1 USD
    # on these thin books closes past it often (shortfalls); abs keeps the draws
    gap = np.abs(rng.uniform(-1.0, 6.0, n))
    bkr = np.where(side == 1, liq - gap, liq + gap)
    if n and rng.random() < 0.2:  # a long that can never be liquidated
        i = int(rng.integers(0, n))
        if side[i] == 1:
            liq[i] = 0.0
            bkr[i] = -5.0
    entry = np.where(side == 1, np.maximum(liq, bkr) + 10, np.minimum(liq, bkr) - 10)
    entry = np.abs(entry) + 1.0
    pos = PositionBook(side, size, entry, size * 5.0, liq, bkr)
    m = int(rng.integers(0, 8))
    sside = rng.choice(np.array([1, -1], dtype=np.int8), m)
    sd = rng.uniform(0.0, 0.3, m)
    trig = np.where(sside == -1, mid * (1 - sd), mid * (1 + sd))
    stops = StopBook(sside, trig, np.round(rng.uniform(0.05, 2.0, m), 4))
    kind = int(rng.integers(0, 4))
    shock: dict[str, float]
    if kind == 0:
        shock = {"shock_price": float(mid * (1 + rng.uniform(-0.3, 0.3)))}
    elif kind == 1:
        shock = {"shock": float(rng.uniform(-0.35, 0.35))}
    elif kind == 2:
        shock = {"shock_sell_usd": float(rng.choice([0.0, rng.uniform(0, 900)]))}
    else:
        shock = {"shock_buy_usd": float(rng.uniform(0, 900))}
    fund = float(rng.choice([0.0, rng.uniform(0, 20)]))
    cfg = CascadeConfig()
    if extensions:
        cfg = CascadeConfig(
            refill_fraction=float(rng.choice([0.0, rng.uniform(0, 1)])),
            withdrawal_fraction=float(rng.choice([0.0, rng.uniform(0, 0.5)])),
            mark_price_weight=float(rng.choice([1.0, rng.uniform(0.05, 1)])),
            partial_liquidation=bool(rng.random() < 0.5),
            partial_threshold_usd=float(rng.uniform(0, 150)),
            partial_chunk=float(rng.choice([0.2, 0.25, 0.3, 0.5])),
            liquidation_fee=float(rng.choice([0.0, rng.uniform(0, 0.02)])),
            max_rounds=None if rng.random() < 0.8 else int(rng.integers(1, 4)),
        )
    return Case(book, pos, stops, shock, fund, cfg)


def run_reference(case: Case) -> dict[str, Any]:
    """The plain-Python reference on a case."""
    b, p, s, c = case.book, case.positions, case.stops, case.config
    shock = dict(case.shock)
    if "shock" in shock:
        shock = {"shock_price": b.mid * (1 + shock.pop("shock"))}
    thr = c.partial_threshold_usd if c.partial_liquidation else math.inf
    return cascade_py(
        b.mid,
        b.bid_price.tolist(),
        b.bid_size.tolist(),
        b.ask_price.tolist(),
        b.ask_size.tolist(),
        p.side.tolist(),
        p.size.tolist(),
        p.liq_price.tolist(),
        p.bankruptcy_price.tolist(),
        s.side.tolist(),
        s.trigger.tolist(),
        s.size.tolist(),
        insurance_fund=case.fund,
        refill_fraction=c.refill_fraction,
        withdrawal_fraction=c.withdrawal_fraction,
        mark_price_weight=c.mark_price_weight,
        partial_threshold_usd=thr,
        chunk_fractions=c.chunk_fractions(),
        liquidation_fee=c.liquidation_fee,
        max_rounds=c.max_rounds,
        **shock,
    )


def run_kernel(case: Case) -> CascadeResult:
    """The numba engine on a case."""
    return simulate_cascade(
        case.book,
        case.positions,
        case.stops,
        insurance_fund=case.fund,
        config=case.config,
        **case.shock,
    )


def _close(a: float, b: float, scale: float, rel: float = 1e-9) -> bool:
    if math.isnan(a) and math.isnan(b):
        return True
    return abs(a - b) <= rel * max(abs(a), abs(b), scale)


def compare(case: Case, got: CascadeResult | None = None) -> list[str]:
    """Differences between kernel and reference (empty when they agree)."""
    ref = run_reference(case)
    got = run_kernel(case) if got is None else got
    s = got.summary()
    errs: list[str] = []
    for k in ("rounds", "n_liquidated", "n_stops", "book_exhausted"):
        if s[k] != ref[k]:
            errs.append(f"{k}: kernel {s[k]} reference {ref[k]}")
    # notionals are compared relative to the case's scale (sum of book notional)
    scale = float(
        (case.book.bid_price * case.book.bid_size).sum()
        + (case.book.ask_price * case.book.ask_size).sum()
        + 1.0
    )
    for k in ("shock_price", "final_price"):
        if not _close(s[k], ref[k], 1.0, 1e-12):
            errs.append(f"{k}: kernel {s[k]!r} reference {ref[k]!r}")
    for k in (
        "liquidated_long_usd",
        "liquidated_short_usd",
        "stops_sell_usd",
        "stops_buy_usd",
        "insurance_fund_end",
        "bad_debt_usd",
        "liquidation_surplus_usd",
        "unfilled_base",
    ):
        if not _close(s[k], ref[k], scale * 1e-3):
            errs.append(f"{k}: kernel {s[k]!r} reference {ref[k]!r}")
    if len(s["trace"]) != len(ref["trace"]):
        errs.append("trace length differs")
    else:
        for a, b in zip(s["trace"], ref["trace"], strict=True):
            for k in ("price", "filled_base", "vwap"):
                if not _close(a[k], b[k], 1e-3):
                    errs.append(f"trace {a['round']} {k}: {a[k]!r} vs {b[k]!r}")
    rnd, closed, book, notional = got._position_detail
    if not np.array_equal(rnd, np.asarray(ref["pos_round"])):
        errs.append(f"pos_round: {rnd.tolist()} vs {ref['pos_round']}")
    for name, mine, theirs, atol in (
        ("pos_closed", closed, ref["pos_closed"], 1e-9),
        ("pos_book", book, ref["pos_book"], 1e-9),
        ("pos_notional", notional, ref["pos_notional"], 1e-7),
    ):
        if not np.allclose(mine, theirs, rtol=1e-9, atol=atol):
            errs.append(f"{name}: {mine.tolist()} vs {theirs}")
    po = got.position_outcomes()
    if not np.array_equal(po["settled"].to_numpy(), np.asarray(ref["pos_settled"], bool)):
        errs.append("pos_settled differs")
    srnd, sclosed, sbook, snotional = got._stop_detail
    if not np.array_equal(srnd, np.asarray(ref["stop_round"])):
        errs.append("stop_round differs")
    for name, mine, theirs, atol in (
        ("stop_closed", sclosed, ref["stop_closed"], 1e-9),
        ("stop_book", sbook, ref["stop_book"], 1e-9),
        ("stop_notional", snotional, ref["stop_notional"], 1e-7),
    ):
        if not np.allclose(mine, theirs, rtol=1e-9, atol=atol):
            errs.append(f"{name}: {mine.tolist()} vs {theirs}")
    so = got.stop_outcomes()
    if not np.array_equal(so["settled"].to_numpy(), np.asarray(ref["stop_settled"], bool)):
        errs.append("stop_settled differs")
    _, after = got.book_after()
    if not np.allclose(after, ref["book_after"], rtol=1e-9, atol=1e-9):
        errs.append(f"book_after: {after.tolist()} vs {ref['book_after']}")
    return errs
