"""The numpy liquidation map against a plain-Python reference on random books (hypothesis)."""

from __future__ import annotations

import bisect
import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from books import entry_beyond
from floats import assert_same
from liqcascade.positions import BUY, SELL, PositionBook, StopBook, liquidation_map
from liqcascade.positions._maps import KINDS, _bin_all


def reference_map(
    sides: list[int],
    sizes: list[float],
    liqs: list[float],
    stop_sides: list[int],
    triggers: list[float],
    stop_sizes: list[float],
    price: float,
    bucket: float,
    range_: float,
    bin_edges: list[float] | None = None,
) -> dict[str, object]:
    """Plain-Python map: loops, bisect, dicts.

    ``edges`` are the reference's own; ``bin_edges`` (the map's edges, computed by
    another route) are the ones the amounts are binned on when given, so that a price
    within rounding of an edge lands in the same bucket on both routes.
    """
    k = round(range_ / bucket)
    edges = [price * (1.0 + bucket * i) for i in range(-k, k + 1)]
    use = edges if bin_edges is None else list(bin_edges)
    nb = len(use) - 1
    amounts = {kind: [0.0] * nb for kind in KINDS}

    def bucket_of(kind: str, p: float, e: list[float]) -> int:
        # fired by a fall: [lo, hi); fired by a rise: (lo, hi]
        if kind in ("long_liq_usd", "sell_stops_usd"):
            return bisect.bisect_right(e, p) - 1
        return bisect.bisect_left(e, p) - 1

    def put(kind: str, p: float, usd: float) -> None:
        i = bucket_of(kind, p, use)
        if 0 <= i < nb:
            amounts[kind][i] += usd

    cum = {kind: [] for kind in KINDS}
    for s, q, lp in zip(sides, sizes, liqs, strict=True):
        if not (math.isfinite(lp) and lp > 0):
            continue
        kind = "long_liq_usd" if s == 1 else "short_liq_usd"
        put(kind, lp, q * lp)
        cum[kind].append((lp, q * lp))
    for s, t, q in zip(stop_sides, triggers, stop_sizes, strict=True):
        kind = "sell_stops_usd" if s == SELL else "buy_stops_usd"
        put(kind, t, q * t)
        cum[kind].append((t, q * t))

    def cumulative(kind: str, level: float) -> float:
        tot = 0.0
        for p, usd in cum[kind]:
            if kind in ("long_liq_usd", "sell_stops_usd"):
                if level <= p < price:
                    tot += usd
            elif price < p <= level:
                tot += usd
        return tot

    # HHI over 0.5 % buckets
    k5 = round(range_ / 0.005)
    e5 = [price * (1.0 + 0.005 * i) for i in range(-k5, k5 + 1)]
    b5 = [0.0] * (len(e5) - 1)
    for kind in KINDS:
        for p, usd in cum[kind]:
            i = bucket_of(kind, p, e5)
            if 0 <= i < len(b5):
                b5[i] += usd
    tot = sum(b5)
    hhi = sum((x / tot) ** 2 for x in b5) if tot > 0 else float("nan")
    return {"edges": edges, "amounts": amounts, "cumulative": cumulative, "hhi": hhi}


prices = st.floats(min_value=10.0, max_value=1e5)


@st.composite
def books(draw: st.DrawFn) -> tuple:
    price = draw(prices)
    n = draw(st.integers(0, 40))
    m = draw(st.integers(0, 30))
    rel = st.floats(min_value=0.5, max_value=1.5)
    sides = draw(st.lists(st.sampled_from([1, -1]), min_size=n, max_size=n))
    sizes = draw(st.lists(st.floats(0.001, 100.0), min_size=n, max_size=n))
    liqs = [price * r for r in draw(st.lists(rel, min_size=n, max_size=n))]
    # some unliquidatable and some exactly on an edge
    if n and draw(st.booleans()):
        liqs[0] = 0.0 if sides[0] == 1 else math.inf
    if n > 1:
        liqs[1] = price * (1 + 0.005 * draw(st.integers(-50, 50)))
    ssides = draw(st.lists(st.sampled_from([SELL, BUY]), min_size=m, max_size=m))
    trig = [price * r for r in draw(st.lists(rel, min_size=m, max_size=m))]
    ssz = draw(st.lists(st.floats(0.001, 100.0), min_size=m, max_size=m))
    bucket = draw(st.sampled_from([0.0025, 0.005, 0.01, 0.02]))
    range_ = draw(st.sampled_from([0.05, 0.1, 0.2, 0.3]))
    return price, sides, sizes, liqs, ssides, trig, ssz, bucket, range_


@given(books())
def test_map_equals_reference(case: tuple) -> None:
    price, sides, sizes, liqs, ssides, trig, ssz, bucket, range_ = case
    entry = entry_beyond(sides, liqs, price)
    book = PositionBook(
        np.asarray(sides, np.int8),
        np.asarray(sizes),
        entry,
        np.asarray(sizes) * price / 10,
        np.asarray(liqs),
        np.asarray(liqs),  # bankruptcy at the liquidation (PositionBook's rule; unread here)
    )
    stops = StopBook(np.asarray(ssides, np.int8), np.asarray(trig), np.asarray(ssz))
    m = liquidation_map(book, stops, price=price, bucket=bucket, range_=range_)
    ref = reference_map(
        sides, sizes, liqs, ssides, trig, ssz, price, bucket, range_, bin_edges=list(m.edges)
    )
    assert_same(m.edges, ref["edges"])
    for j, kind in enumerate(KINDS):
        np.testing.assert_allclose(m.amounts[:, j], ref["amounts"][kind], rtol=1e-10, atol=1e-6)
        for f in (0.01, 0.05, 0.1, 0.2, 0.4):
            level = (
                price * (1 - f) if kind in ("long_liq_usd", "sell_stops_usd") else price * (1 + f)
            )
            got = m.cumulative_usd(level, kind)
            assert math.isclose(got, ref["cumulative"](kind, level), rel_tol=1e-9, abs_tol=1e-6)
    # the compiled kernel and its plain-Python twin: the same sums, within float tolerance
    amounts_py, outside_py = _bin_all(book, stops, m.edges, use_numba=False)
    amounts_nb, outside_nb = _bin_all(book, stops, m.edges, use_numba=True)
    assert_same(amounts_py, amounts_nb)
    assert_same(outside_py, outside_nb)
    h = m.concentration.hhi
    assert (math.isnan(h) and math.isnan(ref["hhi"])) or math.isclose(h, ref["hhi"], rel_tol=1e-9)


@given(books())
def test_map_invariants(case: tuple) -> None:
    price, sides, sizes, liqs, ssides, trig, ssz, bucket, range_ = case
    book = PositionBook(
        np.asarray(sides, np.int8),
        np.asarray(sizes),
        entry_beyond(sides, liqs, price),
        np.asarray(sizes) * price / 10,
        np.asarray(liqs),
        np.asarray(liqs),  # bankruptcy at the liquidation (PositionBook's rule; unread here)
    )
    stops = StopBook(np.asarray(ssides, np.int8), np.asarray(trig), np.asarray(ssz))
    m = liquidation_map(book, stops, price=price, bucket=bucket, range_=range_)
    # conservation: in range + below + above = the book's finite total, per kind
    lq = np.asarray(liqs)
    fin = np.isfinite(lq) & (lq > 0)
    side = np.asarray(sides)
    usd = np.asarray(sizes) * np.where(fin, lq, 0.0)
    totals = {
        "long_liq_usd": usd[side == 1].sum(),
        "short_liq_usd": usd[side == -1].sum(),
        "sell_stops_usd": float(
            sum(t * q for s, t, q in zip(ssides, trig, ssz, strict=True) if s == SELL)
        ),
        "buy_stops_usd": float(
            sum(t * q for s, t, q in zip(ssides, trig, ssz, strict=True) if s == BUY)
        ),
    }
    for j, kind in enumerate(KINDS):
        got = (
            m.amounts[:, j].sum()
            + m.outside[f"{kind}_below_range"]
            + m.outside[f"{kind}_above_range"]
        )
        assert math.isclose(got, totals[kind], rel_tol=1e-9, abs_tol=1e-6)
        c = m.cumulative_curve(kind).to_numpy()
        assert np.all(np.diff(c) >= -1e-9 * max(1.0, float(np.abs(c).max(initial=0))))
    assert m.outside["n_positions_unliquidatable"] == float((~fin).sum())
    # clusters: notional within the map, largest first, each extent holds its peak
    notion = [c.notional_usd for c in m.clusters]
    assert notion == sorted(notion, reverse=True)
    for c in m.clusters:
        assert c.price_low <= c.price < c.price_high
        assert c.notional_usd <= m.amounts.sum() * (1 + 1e-12)
    # deterministic
    m2 = liquidation_map(book, stops, price=price, bucket=bucket, range_=range_)
    np.testing.assert_array_equal(m.amounts, m2.amounts)
