"""The live order book: the stored snapshot, its choice by the bar's close, its book."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from floats import assert_same
from liqcascade.book._live import SNAPSHOT_MAX_AGE, book_from_snapshot, snapshot_at
from liqcascade.errors import InputError
from liqcascade.live import Malformed
from liqcascade.live._poll import depth_snapshot
from profiles import examples


def test_snapshot_of_a_small_book_by_hand() -> None:
    book = {"bids": [[99.5, 2.0], [99.0, 1.0], [97.0, 4.0]], "asks": [[100.5, 1.0], [101.5, 3.0]]}
    snap = depth_snapshot(book)  # mid 100
    bid = snap[snap["side"] == "bid"].set_index("distance")
    ask = snap[snap["side"] == "ask"].set_index("distance")
    # bids reach 3 %: 0.1 % holds nothing, 0.5 % the first level, 1 % and 2 % two, edge all
    assert list(bid.index) == pytest.approx([0.001, 0.0025, 0.005, 0.01, 0.02, 0.03])
    assert list(bid["notional_usd"]) == pytest.approx([0, 0, 199, 298, 298, 298 + 388])
    assert list(bid["depth_base"]) == pytest.approx([0, 0, 2, 3, 3, 7])
    assert list(ask.index) == pytest.approx([0.001, 0.0025, 0.005, 0.01, 0.015])
    assert ask["notional_usd"].iloc[-1] == pytest.approx(100.5 + 304.5)


@pytest.mark.parametrize(
    "book",
    [{"bids": [], "asks": [[1, 1]]}, {"bids": [[1, "x"]], "asks": [[2, 1]]}, "oops",
     {"bids": [[101, 1]], "asks": [[100, 1]]}, {"bids": [[-1, 1]], "asks": [[100, 1]]}],
)  # fmt: skip
def test_malformed_books_are_refused(book: object) -> None:
    with pytest.raises(Malformed):
        depth_snapshot(book)


def _snap(t: str, bid: list[tuple[float, float]], ask: list[tuple[float, float]]) -> pd.DataFrame:
    rows = [("bid", d, c) for d, c in bid] + [("ask", d, c) for d, c in ask]
    df = pd.DataFrame(rows, columns=["side", "distance", "notional_usd"])
    df.index = pd.DatetimeIndex([pd.Timestamp(t, tz="UTC")] * len(df), name="ts")
    df["depth_base"] = np.nan
    return df


def test_the_latest_snapshot_before_the_close_within_the_hour() -> None:
    a = _snap("2025-07-20 03:10", [(0.01, 5e6)], [(0.01, 6e6)])
    b = _snap("2025-07-20 03:59", [(0.01, 7e6)], [(0.01, 8e6)])
    c = _snap("2025-07-20 04:00:01", [(0.01, 9e6)], [(0.01, 9e6)])  # after the close
    depth = pd.concat([a, b, c])
    close = pd.Timestamp("2025-07-20 04:00", tz="UTC")
    got = snapshot_at(depth, close)
    assert got is not None and got.index[0] == b.index[0]
    assert snapshot_at(depth, close + SNAPSHOT_MAX_AGE) is not None  # c, 1 h - 1 s old
    assert snapshot_at(a, close + pd.Timedelta(minutes=10)) is None  # exactly 1 h old
    assert snapshot_at(a, pd.Timestamp("2025-07-20 03:00", tz="UTC")) is None  # none yet
    assert snapshot_at(None, close) is None
    assert snapshot_at(_snap("2025-07-20 03:30", [(0.01, 1e6)], []), close) is None  # one side


def test_book_follows_the_snapshot_then_the_depth_exponent() -> None:
    snap = _snap("2025-07-20 03:59", [(0.001, 1e6), (0.005, 4e6), (0.02, 9e6)],
                 [(0.0025, 2e6), (0.01, 5e6)])  # fmt: skip
    ob = book_from_snapshot(snap, 3000.0, beta=0.7)
    for d, c in [(0.001, 1e6), (0.005, 4e6), (0.02, 9e6)]:
        assert_same(ob.notional_within(d, "bid"), c, rtol=1e-9)
    assert_same(ob.notional_within(0.003, "bid"), 1e6 + 3e6 * 0.5, rtol=1e-9)  # linear inside
    assert_same(ob.notional_within(0.01, "ask"), 5e6, rtol=1e-9)
    # beyond the visible edge: D(d) = D(edge) (d / edge)^beta
    assert_same(ob.notional_within(0.2, "bid"), 9e6 * (0.2 / 0.02) ** 0.7, rtol=1e-9)
    assert_same(ob.notional_within(0.1, "ask"), 5e6 * (0.1 / 0.01) ** 0.7, rtol=1e-9)
    with pytest.raises(InputError, match="beta"):
        book_from_snapshot(snap, 3000.0, beta=0.0)
    with pytest.raises(InputError, match="decreases"):
        book_from_snapshot(_snap("2025-07-20", [(0.01, 5e6), (0.02, 1e6)], [(0.01, 1.0)]),
                           3000.0, beta=0.7)  # fmt: skip


@settings(max_examples=examples(40), deadline=None)
@given(
    inc=st.lists(st.floats(0.0, 5e6), min_size=2, max_size=6),
    beta=st.floats(0.3, 1.5),
)
def test_book_cumulative_depth_is_monotone_and_matches_the_snapshot(
    inc: list[float], beta: float
) -> None:
    dists = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05][: len(inc)]
    cum = np.cumsum(inc) + 1.0
    snap = _snap("2025-07-20", list(zip(dists, cum, strict=True)), [(0.01, 1e6)])
    ob = book_from_snapshot(snap, 2500.0, beta=beta)
    grid = np.linspace(0.0005, 0.39, 60)
    got = np.array([ob.notional_within(d, "bid") for d in grid])
    assert (np.diff(got) >= -1e-6 * got.max()).all()
    for d, c in zip(dists, cum, strict=True):
        assert_same(ob.notional_within(d, "bid"), c, rtol=1e-8)


def test_a_bad_or_foreign_snapshot_leaves_the_calibrated_depth() -> None:
    # a stored snapshot that cannot make a book (cumulative depth falling with distance),
    # or a Binance snapshot
    # for another venue's market, never fails the market: the calibrated depth is used
    import dataclasses

    from liqcascade.market import MarketSpec
    from liqcascade.market._inputs import load_market_inputs
    from liqcascade.market._state import market_from_inputs

    inputs = load_market_inputs("ETH", store=False)
    spec = MarketSpec("ETH", as_of="2025-07-31")
    plain = market_from_inputs(spec, inputs)
    close = plain.close_time
    t = str(close - pd.Timedelta(minutes=20))[:16]
    falling = _snap(t, [(0.01, 5e6), (0.02, 4e6)], [(0.01, 6e6)])
    bad = market_from_inputs(spec, dataclasses.replace(inputs, live_depth=falling))
    assert bad.sources["depth"].startswith("calibrated (live snapshot skipped")
    assert_same(bad.book.bid_size, plain.book.bid_size)
    good = _snap(t, [(0.01, 5e6)], [(0.01, 6e6)])
    live = market_from_inputs(spec, dataclasses.replace(inputs, live_depth=good))
    assert live.sources["depth"].startswith("live snapshot")
    other = MarketSpec("ETH", as_of="2025-07-31", venue="bybit")
    foreign = market_from_inputs(other, dataclasses.replace(inputs, live_depth=good))
    assert not foreign.sources.get("depth", "").startswith("live")
