"""Liquidation maps: bucket edges, totals, cumulative curves, clusters, concentration."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from liqcascade.errors import InputError
from liqcascade.positions import (
    BUY,
    SELL,
    PositionBook,
    StopBook,
    heatmap_from_books,
    herfindahl,
    liquidation_map,
)
from liqcascade.positions._maps import KINDS


def _book(side, size, liq) -> PositionBook:
    side = np.asarray(side, np.int8)
    size = np.asarray(size, float)
    liq = np.asarray(liq, float)
    # the map reads size x liq_price; the entry lies on the position's side of it
    entry = np.where(
        np.isfinite(liq) & (liq > 0), np.where(side == 1, liq * 1.1, liq / 1.1), 2000.0
    )
    # the bankruptcy 1 % beyond the liquidation: a long's below it, a short's above
    return PositionBook(side, size, entry, size * 100.0, liq, liq * (1 - 0.01 * side))


def _random(rng: np.random.Generator, n: int, price: float = 2000.0):
    side = rng.choice([1, -1], n)
    liq = np.where(side == 1, price * rng.uniform(0.6, 1.02, n), price * rng.uniform(0.98, 1.4, n))
    book = _book(side, rng.uniform(0.01, 5, n), liq)
    m = n // 2
    ss = rng.choice([SELL, BUY], m)
    trig = np.where(ss == SELL, price * rng.uniform(0.7, 1.0, m), price * rng.uniform(1.0, 1.3, m))
    stops = StopBook(ss, trig, rng.uniform(0.01, 3, m))
    return book, stops


def test_edges_and_bucket_assignment() -> None:
    m = liquidation_map(PositionBook.empty(), price=2000.0, bucket=0.005, range_=0.2)
    assert m.edges.shape == (81,)
    assert m.edges[40] == 2000.0 and m.edges[0] == pytest.approx(1600.0)
    assert m.edges[-1] == pytest.approx(2400.0)
    np.testing.assert_allclose(np.diff(m.edges), 10.0)
    # on an edge: a long goes to the bucket above it (edges[i] <= x < edges[i+1]), a short
    # to the bucket below it (edges[i] < x <= edges[i+1]): the edge farther from the price
    e = m.edges  # edges are float products: use their exact values
    book = _book(
        [1, 1, -1, -1, -1, 1, 1],
        [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
        [e[39], e[39] - 1e-3, e[41], e[80], e[80] + 1e-3, e[0], e[0] - 1e-3],
    )
    m = liquidation_map(book, price=2000.0)
    assert m.long_liq_usd[39] == pytest.approx(e[39])
    assert m.long_liq_usd[38] == pytest.approx(2 * (e[39] - 1e-3))
    assert m.short_liq_usd[40] == pytest.approx(3 * e[41])
    assert m.short_liq_usd[79] == pytest.approx(4 * e[80])
    assert m.long_liq_usd[0] == pytest.approx(6 * e[0])
    assert m.outside["short_liq_usd_above_range"] == pytest.approx(5 * (e[80] + 1e-3))
    assert m.outside["long_liq_usd_below_range"] == pytest.approx(7 * (e[0] - 1e-3))
    # so the cumulative at an edge is whole buckets, and beyond the range is summed too
    assert m.cumulative_usd(e[41], "short_liq_usd") == pytest.approx(3 * e[41])
    in_range_longs = e[39] + 2 * (e[39] - 1e-3) + 6 * e[0]
    assert m.cumulative_usd(e[0]) == pytest.approx(in_range_longs)
    assert m.cumulative_usd(1500.0) == pytest.approx(in_range_longs + 7 * (e[0] - 1e-3))
    assert m.cumulative_usd(e[39] - 5e-4) == pytest.approx(e[39])


def test_totals_equal_book_totals() -> None:
    rng = np.random.default_rng(1)
    book, stops = _random(rng, 5000)
    m = liquidation_map(book, stops, price=2000.0, bucket=0.005, range_=0.2)
    lo, hi = m.edges[0], m.edges[-1]
    lq = book.liq_price
    for k, mask, px, sz in (
        ("long_liq_usd", book.side == 1, lq, book.size),
        ("short_liq_usd", book.side == -1, lq, book.size),
        ("sell_stops_usd", stops.side == SELL, stops.trigger, stops.size),
        ("buy_stops_usd", stops.side == BUY, stops.trigger, stops.size),
    ):
        j = KINDS.index(k)
        inside = mask & (px >= lo) & (px <= hi)  # no value sits exactly on lo or hi here
        assert m.amounts[:, j].sum() == pytest.approx(float((px * sz)[inside].sum()), rel=1e-12)
        allk = float((px * sz)[mask].sum())
        got = m.amounts[:, j].sum() + m.outside[f"{k}_below_range"] + m.outside[f"{k}_above_range"]
        assert got == pytest.approx(allk, rel=1e-12)
    df = m.to_frame()
    assert list(df.columns) == ["price_low", "price_high", *KINDS]
    assert len(df) == 80


def test_cumulative_monotone_and_matches_buckets() -> None:
    rng = np.random.default_rng(2)
    book, stops = _random(rng, 3000)
    m = liquidation_map(book, stops, price=2000.0)
    for k in KINDS:
        c = m.cumulative_curve(k)
        assert np.all(np.diff(c.to_numpy()) >= -1e-6)  # grows away from the price
    # cumulative longs at edge i = buckets i..39 (no long sits exactly on an edge)
    c = m.cumulative_curve("long_liq_usd")
    for x, v in c.items():
        i = int(np.argmin(np.abs(m.edges - x)))
        # longs with liq >= price (already underwater) are not in the curve
        assert v == pytest.approx(m.long_liq_usd[i:40].sum() - 0.0, rel=1e-9) or i == 40
    up = m.cumulative_usd(2000.0 * 1.05, "short_liq_usd")
    sl = book.side == -1
    lq = book.liq_price
    ref = float((book.size * lq)[sl & (lq > 2000.0) & (lq <= 2100.0)].sum())
    assert up == pytest.approx(ref, rel=1e-12)
    assert m.cumulative_usd(2000.0, "long_liq_usd") == 0.0
    assert m.cumulative_usd(1990.0, "short_liq_usd") == 0.0


def test_cumulative_longs_exclude_already_triggered() -> None:
    book = _book([1, 1], [1.0, 1.0], [1900.0, 2010.0])
    m = liquidation_map(book, price=2000.0)
    assert m.cumulative_usd(1800.0) == pytest.approx(1900.0)
    assert m.long_liq_usd[41] == pytest.approx(2010.0)  # shown on the map above the price


def test_clusters_on_constructed_book() -> None:
    # two long clusters: 1,800-1,810 (big) and 1,900-1,910 (smaller); a short one at 2,205
    liq = np.r_[np.full(50, 1805.0), np.full(20, 1905.0), np.full(30, 2205.0), 1500.0]
    side = np.r_[np.ones(70), -np.ones(30), 1]
    book = _book(side, np.ones(101), liq)
    m = liquidation_map(book, price=2000.0, bucket=0.005, range_=0.2)
    assert len(m.clusters) == 3
    big = m.clusters[0]
    assert big.price_low <= 1805.0 < big.price_high
    assert big.notional_usd == pytest.approx(50 * 1805.0)
    assert big.long_liq_usd == pytest.approx(50 * 1805.0)
    assert big.side == "below" and big.distance == pytest.approx(1805.0 / 2000 - 1)
    prices = sorted(c.price for c in m.clusters)
    assert prices == pytest.approx([1805.0, 1905.0, 2205.0])
    short = next(c for c in m.clusters if c.side == "above")
    assert short.short_liq_usd == pytest.approx(30 * 2205.0)
    # peaks under 80 % of the tallest bucket are not clusters at min_prominence=0.8
    m2 = liquidation_map(book, price=2000.0, min_prominence=0.8)
    assert len(m2.clusters) == 1


def test_cluster_in_first_bucket_and_wide_cluster() -> None:
    liq = np.r_[1601.0, 1851.0, 1861.0, 1871.0]
    book = _book(np.ones(4), [10.0, 1.0, 1.0, 1.0], liq)
    m = liquidation_map(book, price=2000.0)
    assert m.clusters[0].price_low == pytest.approx(1600.0)
    assert m.clusters[0].notional_usd == pytest.approx(16010.0)
    plateau = next(c for c in m.clusters if c.price_low > 1700)
    assert plateau.notional_usd == pytest.approx(1851 + 1861 + 1871)
    assert (plateau.price_low, plateau.price_high) == pytest.approx((1850.0, 1880.0))


def test_concentration_by_hand() -> None:
    assert herfindahl(np.ones(8)) == pytest.approx(1 / 8)
    assert herfindahl(np.array([3.0, 1.0])) == pytest.approx(0.75**2 + 0.25**2)
    assert np.isnan(herfindahl(np.zeros(3)))
    # equal notional (1,000 USD) in 4 distinct 0.5 % buckets -> HHI 1/4
    px = np.array([1805.0, 1855.0, 2105.0, 2155.0])
    book = _book([1, 1, -1, -1], 1000.0 / px, px)
    c = liquidation_map(book, price=2000.0).concentration
    assert c.hhi == pytest.approx(0.25)
    assert c.effective_buckets == pytest.approx(4.0)
    assert c.hhi_uniform == pytest.approx(1 / 80)
    assert c.total_usd == pytest.approx(4000.0)
    assert c.share_near_largest_cluster == pytest.approx(0.25)
    # 2,000 USD at 1,805 (the largest cluster, centre 1,805), 500 USD within 0.5 % of it
    # (1,812.2) and 500 USD just outside (1,815.8): share (2,000 + 500) / 6,000
    px2 = np.array([1805.0, 1855.0, 2105.0, 2155.0, 1805 * 1.004, 1805 * 1.006])
    usd = np.array([2000.0, 1000.0, 1000.0, 1000.0, 500.0, 500.0])
    m2 = liquidation_map(_book([1, 1, -1, -1, 1, 1], usd / px2, px2), price=2000.0)
    assert m2.clusters[0].price == pytest.approx(1805.0)
    assert m2.concentration.share_near_largest_cluster == pytest.approx(2500 / 6000)
    shares = np.array([2000.0, 1000.0, 1000.0, 1000.0, 1000.0]) / 6000  # 1,810-1,820 holds 1,000
    assert m2.concentration.hhi == pytest.approx(float((shares**2).sum()))


def test_concentration_uses_half_percent_buckets_whatever_the_map_bucket() -> None:
    rng = np.random.default_rng(4)
    book, stops = _random(rng, 2000)
    a = liquidation_map(book, stops, price=2000.0, bucket=0.005)
    b = liquidation_map(book, stops, price=2000.0, bucket=0.01)
    assert a.concentration.hhi == pytest.approx(b.concentration.hhi, rel=1e-12)
    assert b.edges.shape == (41,)


def test_bad_arguments() -> None:
    book = _book([1], [1.0], [1900.0])
    with pytest.raises(InputError, match="price is required"):
        liquidation_map(book)
    with pytest.raises(InputError, match=r"^bucket must be in \(0, 0.5\]") as e:
        liquidation_map(book, price=2000.0, bucket=0)
    assert e.value.param == "bucket"
    with pytest.raises(InputError, match=r"^range_ must be in \(0, 1\)") as e:
        liquidation_map(book, price=2000.0, range_=1.5)
    assert e.value.param == "range_"
    with pytest.raises(InputError, match=r"^range_ must be >= bucket") as e:
        liquidation_map(book, price=2000.0, bucket=0.02, range_=0.01)
    assert e.value.params == ("range_", "bucket")
    assert "fractions of the price: a bucket of 0.005 is 0.5 %" in str(e.value)  # 0.5 for 0.5 %
    with pytest.raises(InputError, match="price must be") as e:
        liquidation_map(book, price=float("nan"))
    assert e.value.param == "price"


def test_unliquidatable_positions_counted() -> None:
    book = _book([1, -1, 1], [1.0, 1.0, 1.0], [0.0, np.inf, 1900.0])
    m = liquidation_map(book, price=2000.0)
    assert m.outside["n_positions_unliquidatable"] == 2
    assert m.totals()["long_liq_usd"] == pytest.approx(1900.0)
    d = m.to_dict()
    assert set(d["cumulative_long_liq_usd"]) == {"-0.05", "-0.10", "-0.20"}
    assert d["cumulative_long_liq_usd"]["-0.05"] == pytest.approx(1900.0)


def test_result_outputs() -> None:
    rng = np.random.default_rng(9)
    book, stops = _random(rng, 500)
    m = liquidation_map(book, stops, price=2000.0, as_of="2025-07-31")
    s = m.summary()
    assert s["long_liq_usd"] == pytest.approx(m.long_liq_usd.sum())
    assert s["n_clusters"] == len(m.clusters) > 0
    fig = m.plot()
    assert len(fig.data) == 6
    assert "LiquidationMap" in m._repr_html_()
    assert m.as_of == pd.Timestamp("2025-07-31", tz="UTC")
    assert len(m.clusters_frame()) == len(m.clusters)


def test_a_bars_map_is_titled_by_both_ends_of_the_bar() -> None:
    book, stops = _random(np.random.default_rng(9), 50)
    bar = liquidation_map(book, stops, price=2000.0, as_of="2025-07-31 20:00",
                          bar_close="2025-08-01 00:00")  # fmt: skip
    title = bar.plot().layout.title.text
    assert "bar 2025-07-31 20:00–2025-08-01 00:00 UTC" in title
    assert " at 2025-07-31 20:00" not in title  # the open alone read as the book's time
    assert bar.bar_close == pd.Timestamp("2025-08-01", tz="UTC")
    instant = liquidation_map(book, stops, price=2000.0, as_of="2025-07-31 20:00")
    assert "at 2025-07-31 20:00 UTC" in instant.plot().layout.title.text  # an instant's


def test_heatmap_from_books_conserves_in_grid_totals() -> None:
    rng = np.random.default_rng(6)
    snaps = []
    for i, p in enumerate([2000.0, 2100.0, 1900.0]):
        b, s = _random(rng, 400, price=p)
        snaps.append((pd.Timestamp("2025-01-01", tz="UTC") + pd.Timedelta(days=i), b, s, p))
    hm = heatmap_from_books(snaps, bucket=0.005, range_=0.2)
    assert hm.amounts.shape == (3, hm.edges.shape[0] - 1, 4)
    np.testing.assert_allclose(hm.edges[1:] / hm.edges[:-1], 1.005)
    for t, (_, b, s, _p) in enumerate(snaps):
        lo, hi = hm.edges[0], hm.edges[-1]
        lq = b.liq_price
        inside = (b.side == 1) & (lq >= lo) & (lq < hi)
        assert hm.amounts[t, :, 0].sum() == pytest.approx(float((b.size * lq)[inside].sum()))
        ins = (s.side == SELL) & (s.trigger >= lo) & (s.trigger < hi)
        assert hm.amounts[t, :, 2].sum() == pytest.approx(float((s.size * s.trigger)[ins].sum()))
    df = hm.to_frame()
    assert df[list(KINDS)].to_numpy().sum() == pytest.approx(hm.amounts.sum())
    assert hm.summary()["n_times"] == 3
    assert len(hm.plot().data) == 2
