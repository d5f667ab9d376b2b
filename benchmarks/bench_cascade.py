"""Cascade engine speed: preparation (against numpy.argsort in the same run), one cascade
per query and end to end, a 1,000-shock fragility curve, the kernel's speed-up over the
plain-Python reference, and the 1M cascade checked against the reference.

Market: 1,000,000 positions, 200,000 stops, 20,000 book levels (10,000 per side),
generated with a fixed seed around a 3,000 USD mid (leverage 5-100x, entries spread
±5 %); the book is the parametric depth curve with 150 M USD within 1 %.
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks._scale import repeats, scaled
from benchmarks._timing import best_of
from liqcascade.book import OrderBook
from liqcascade.cascade import (
    cascade_py,
    fragility_curve,
    prepare_cascade,
    simulate_cascade,
)
from liqcascade.positions import PositionBook, StopBook

MID = 3000.0


def _market(n_pos: int, n_stops: int, seed: int = 7) -> tuple[OrderBook, PositionBook, StopBook]:
    rng = np.random.default_rng(seed)
    book = OrderBook.parametric(MID, 150e6, beta=0.73, n_levels=10_000, max_distance=0.5)
    side = rng.choice(np.array([1, -1], np.int8), n_pos)
    lev = rng.choice(np.array([5.0, 10.0, 25.0, 50.0, 100.0]), n_pos, p=[0.3, 0.3, 0.2, 0.12, 0.08])
    entry = MID * (1 + rng.normal(0, 0.05, n_pos))
    size = rng.lognormal(0, 1.2, n_pos) * 0.2
    bkr = entry * (1 - side / lev)
    liq = entry * (1 - side / lev * 0.9)
    pos = PositionBook(side, size, entry, size * entry / lev, liq, bkr)
    sside = rng.choice(np.array([1, -1], np.int8), n_stops)
    trig = MID * (1 + sside * rng.uniform(0.002, 0.25, n_stops))
    stops = StopBook(sside, trig, rng.lognormal(0, 1, n_stops) * 0.2)
    return book, pos, stops


def _cascade_numpy(
    book: OrderBook, pos: PositionBook, stops: StopBook, p1: float
) -> dict[str, float]:
    """The default semantics (issue 17's fills and accounting) vectorised per round (F0 = 0).

    A second implementation, independent of the kernel's merge walk and of
    ``cascade_py``'s loops: each round's orders are sorted by trigger (positions before
    stops on ties, then index) and each closes at ``V(C_i) − V(C_{i−1})``, the book's
    cumulative notional at its cumulative size (past the book at ``P_x``); shortfalls
    are bad debt (F0 = 0), surpluses the fund. It checks the 1M-position kernel in
    reasonable time.
    """
    down = p1 <= book.mid
    sgn = 1.0 if down else -1.0
    lv = book.bid_price if down else book.ask_price
    rem = (book.bid_size if down else book.ask_size).copy()
    rem[(lv > p1) if down else (lv < p1)] = 0.0
    liq, trig = pos.liq_price, stops.trigger
    open_p = pos.side == (1 if down else -1)
    open_s = stops.side == (-1 if down else 1)
    price, gains, short, liq_usd, stop_usd, unfilled = p1, 0.0, 0.0, 0.0, 0.0, 0.0
    n_liq = n_stop = rounds = 0
    exhausted = False

    def reached(x: np.ndarray, p: float) -> np.ndarray:
        return np.asarray(x >= p if down else x <= p)

    def book_pnl(i: np.ndarray, usd: np.ndarray) -> None:
        nonlocal gains, short
        pnl = sgn * (usd - pos.bankruptcy_price[i] * pos.size[i])
        gains += float(pnl[pnl > 0].sum())
        short -= float(pnl[pnl < 0].sum())

    while True:
        tp, ts = open_p & reached(liq, price), open_s & reached(trig, price)
        if not (tp.any() or ts.any()):
            break
        rounds += 1
        ip, is_ = np.flatnonzero(tp), np.flatnonzero(ts)
        open_p &= ~tp
        open_s &= ~ts
        n_liq += ip.size
        n_stop += is_.size
        key = -sgn * np.concatenate([liq[ip], trig[is_]])
        kind = np.concatenate([np.zeros(ip.size), np.ones(is_.size)])
        idx = np.concatenate([ip, is_])
        order = np.lexsort((idx, kind, key))
        size = np.concatenate([pos.size[ip], stops.size[is_]])[order]
        cum = np.concatenate([[0.0], np.cumsum(size)])
        nz = np.flatnonzero(rem > 0)
        cb = np.concatenate([[0.0], np.cumsum(rem[nz])])
        cn = np.concatenate([[0.0], np.cumsum(lv[nz] * rem[nz])])
        total, q = float(cb[-1]), float(cum[-1])
        if q <= total:
            k = min(int(np.searchsorted(cb, q, side="left")), nz.size) - 1
            k = max(k, 0)
            price, need = float(lv[nz[k]]), 0.0
            rem[nz[:k]] = 0.0
            rem[nz[k]] -= q - float(cb[k])
        else:
            price = float(lv[nz[-1]]) if nz.size else price
            need = q - total
            rem[nz] = 0.0
        # V(c): the book's notional over the first c units, past the book at P_x
        j = np.clip(np.searchsorted(cb, np.minimum(cum, total), side="left"), 1, max(nz.size, 1))
        at = lv[nz[j - 1]] if nz.size else np.zeros(cum.size)
        v = np.where(cum <= total, cn[j - 1] + (np.minimum(cum, total) - cb[j - 1]) * at, 0.0)
        v = np.where(cum > total, float(cn[-1]) + (cum - total) * price, v)
        val = np.diff(v)
        is_pos = kind[order] == 0
        liq_usd += float(val[is_pos].sum())
        stop_usd += float(val[~is_pos].sum())
        book_pnl(idx[order][is_pos], val[is_pos])
        if need > 0.0:  # settlement at the exhaustion price
            exhausted = True
            sp, ss = open_p & reached(liq, price), open_s & reached(trig, price)
            isp = np.flatnonzero(sp)
            sq, sqs = float(pos.size[sp].sum()), float(stops.size[ss].sum())
            n_liq += int(sp.sum())
            n_stop += int(ss.sum())
            liq_usd += price * sq
            stop_usd += price * sqs
            book_pnl(isp, price * pos.size[isp])
            unfilled += need + sq + sqs
            break
    return {
        "final_price": price, "rounds": rounds, "n_liquidated": n_liq, "n_stops": n_stop,
        "liquidated_usd": liq_usd, "stops_usd": stop_usd, "insurance_fund_end": gains,
        "bad_debt_usd": short, "book_exhausted": exhausted, "unfilled_base": unfilled,
    }  # fmt: skip


def _summary(r: object) -> dict[str, float]:
    s = r.summary()  # type: ignore[attr-defined]
    return {
        "final_price": s["final_price"], "rounds": s["rounds"],
        "n_liquidated": s["n_liquidated"], "n_stops": s["n_stops"],
        "liquidated_usd": s["liquidated_long_usd"] + s["liquidated_short_usd"],
        "stops_usd": s["stops_sell_usd"] + s["stops_buy_usd"],
        "insurance_fund_end": s["insurance_fund_end"], "bad_debt_usd": s["bad_debt_usd"],
        "book_exhausted": s["book_exhausted"], "unfilled_base": s["unfilled_base"],
    }  # fmt: skip


def _agree(a: dict[str, float], b: dict[str, float], what: str) -> float:
    """Assert two summaries agree (counts and flags exactly, amounts to 1e-9); max rel diff."""
    worst = 0.0
    for k in ("rounds", "n_liquidated", "n_stops", "book_exhausted"):
        assert a[k] == b[k], f"{what}: {k} {a[k]} != {b[k]}"
    for k in a:
        scale = max(abs(a[k]), abs(b[k]), 1.0)
        d = abs(a[k] - b[k]) / scale
        assert d <= 1e-9, f"{what}: {k} {a[k]!r} != {b[k]!r}"
        worst = max(worst, d)
    return worst


def run() -> list[dict[str, object]]:
    """Time preparation, one cascade, a fragility curve; check the 1M cascade."""
    book, pos, stops = _market(scaled(1_000_000, 2_000), scaled(200_000, 400))
    small = _market(1_000, 200)
    pm_small = prepare_cascade(*small)
    simulate_cascade(pm_small, shock=-0.05)  # compile / load the kernels
    fragility_curve(pm_small, shocks=np.linspace(-0.1, 0.1, 8))

    # preparation against numpy.argsort of 1M float64, interleaved in the same run
    x = np.random.default_rng(0).random(scaled(1_000_000, 50_000))
    t_arg = t_prep = float("inf")
    for _ in range(repeats(7)):
        t_arg = min(t_arg, best_of(lambda: np.argsort(x), 1))
        t_prep = min(t_prep, best_of(lambda: prepare_cascade(book, pos, stops), 1))
    pm = prepare_cascade(book, pos, stops)
    r = simulate_cascade(pm, shock=-0.05)
    t_one = best_of(lambda: simulate_cascade(pm, shock=-0.05), 5)
    t_e2e = best_of(lambda: simulate_cascade(prepare_cascade(book, pos, stops), shock=-0.05), 3)
    shocks = np.linspace(-0.20, 0.20, scaled(1000, 10))
    t_frag = best_of(lambda: fragility_curve(pm, shocks=shocks), 3)

    # the 1M cascade checked: against an independent numpy implementation on four
    # shocks, and against the reference twin itself on a shock past the whole book
    worst = 0.0
    checks = (-0.05, -0.20, 0.10, -0.60)
    t_np = 0.0
    for f in checks:
        t0 = time.perf_counter()
        ref_np = _cascade_numpy(book, pos, stops, MID * (1 + f))
        t_np += time.perf_counter() - t0
        worst = max(worst, _agree(_summary(simulate_cascade(pm, shock=f)), ref_np, f"{f}"))
    past = simulate_cascade(pm, shock=-0.60)
    t_past = best_of(lambda: simulate_cascade(pm, shock=-0.60), 5)
    args_1m = (
        book.mid, book.bid_price.tolist(), book.bid_size.tolist(), book.ask_price.tolist(),
        book.ask_size.tolist(), pos.side.tolist(), pos.size.tolist(), pos.liq_price.tolist(),
        pos.bankruptcy_price.tolist(), stops.side.tolist(), stops.trigger.tolist(),
        stops.size.tolist(),
    )  # fmt: skip
    t0 = time.perf_counter()
    ref_past = cascade_py(*args_1m, shock_price=MID * 0.4)
    t_ref_past = time.perf_counter() - t0
    ref_5 = cascade_py(*args_1m, shock_price=MID * 0.95)
    for f, res, rp in ((-0.60, past, ref_past), (-0.05, r, ref_5)):
        rp = {**rp, "liquidated_usd": rp["liquidated_long_usd"], "stops_usd": rp["stops_sell_usd"]}
        worst = max(worst, _agree(_summary(res), {k: rp[k] for k in _summary(res)}, f"{f}"))

    # speed-up over the reference on 100,000 positions (20,000 stops), same shock
    b2, p2, s2 = _market(scaled(100_000, 1_000), scaled(20_000, 200), seed=8)
    pm2 = prepare_cascade(b2, p2, s2)
    r2 = simulate_cascade(pm2, shock=-0.05)
    t_kernel = best_of(lambda: simulate_cascade(pm2, shock=-0.05), 5)
    t_kernel_e2e = best_of(lambda: simulate_cascade(prepare_cascade(b2, p2, s2), shock=-0.05), 5)
    args = (
        b2.mid, b2.bid_price.tolist(), b2.bid_size.tolist(), b2.ask_price.tolist(),
        b2.ask_size.tolist(), p2.side.tolist(), p2.size.tolist(), p2.liq_price.tolist(),
        p2.bankruptcy_price.tolist(), s2.side.tolist(), s2.trigger.tolist(), s2.size.tolist(),
    )  # fmt: skip
    t0 = time.perf_counter()
    ref = cascade_py(*args, shock_price=b2.mid * 0.95)
    t_ref = time.perf_counter() - t0
    _agree(_summary(r2), {**ref, "liquidated_usd": ref["liquidated_long_usd"],
                          "stops_usd": ref["stops_sell_usd"]}, "100k")  # fmt: skip
    market = "1M positions + 200k stops + 20k levels"
    return [
        {
            "name": "numpy.argsort of 1M float64 (yardstick for the preparation, same run)",
            "seconds": t_arg,
            "notes": "interleaved with the preparation row; best of 7",
        },
        {
            "name": f"prepare (sort once, both directions): {market}",
            "seconds": t_prep,
            "target_seconds": round(1.5 * t_arg, 4),
            "notes": (
                f"{t_prep / t_arg:.2f}x numpy.argsort of 1M float64 in the same run (target "
                "<= 1.5x); packed uint64 sort + one gather/prefix-sum pass per side"
            ),
        },
        {
            "name": "one cascade (-5 %), per query: after preparation (excludes the sort)",
            "seconds": t_one,
            "target_seconds": 0.02,
            "notes": f"{r.rounds} rounds, {r.n_liquidated:,} liquidations, final {r.move:.1%}",
        },
        {
            "name": f"one cascade (-5 %), end to end: prepare + simulate_cascade, {market}",
            "seconds": t_e2e,
            "target_seconds": 1.0,
            "notes": "what a single question costs; the per-query row reuses one preparation",
        },
        {
            "name": "fragility curve, 1,000 shocks (-20 %..+20 %), after preparation",
            "seconds": t_frag,
            "target_seconds": 5.0,
            "notes": "numba parallel over shocks; excludes the sort (see the prepare row)",
        },
        {
            "name": "1M cascade checked: -60 % (past the whole book) kernel vs cascade_py",
            "seconds": t_past,
            "reference_seconds": t_ref_past,
            "notes": (
                f"per query, after preparation; equal to the reference twin on the full 1M "
                f"({past.n_liquidated:,} liquidations settled at the price reached, bad debt "
                f"{past.bad_debt_usd / 1e6:,.1f} M USD), and at -5 % ({r.rounds} rounds); and "
                f"to an independent vectorised "
                f"implementation on {', '.join(f'{c:+.0%}' for c in checks)} "
                f"({t_np:.2f} s): max relative difference {worst:.1e}"
            ),
        },
        {
            "name": "one cascade, 100k positions + 20k stops, per query (kernel vs reference)",
            "seconds": t_kernel,
            "reference_seconds": t_ref,
            "notes": (
                f"{r2.rounds} rounds; after preparation (excludes the sort); reference = "
                f"cascade_py, one run, checked equal; speed-up {t_ref / t_kernel:,.0f}x"
            ),
        },
        {
            "name": "one cascade, 100k positions + 20k stops, end to end (kernel vs reference)",
            "seconds": t_kernel_e2e,
            "reference_seconds": t_ref,
            "notes": (
                f"prepare + simulate_cascade against one cascade_py run (which needs no sort): "
                f"speed-up {t_ref / t_kernel_e2e:,.0f}x"
            ),
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
