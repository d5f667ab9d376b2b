"""Stop-loss placement model: components, validity, determinism, conservation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from liqcascade.errors import InputError
from liqcascade.positions import (
    BUY,
    SELL,
    PositionBook,
    StopModelWeights,
    model_stops,
    model_stops_detailed,
)
from liqcascade.positions._stops import COMPONENTS, swing_levels, wilder_atr


def _flat_prices(n: int = 80, px: float = 2000.0, half_range: float = 10.0) -> pd.DataFrame:
    idx = pd.date_range("2025-01-01", periods=n, freq="4h", tz="UTC")
    return pd.DataFrame(
        {"open": px, "high": px + half_range, "low": px - half_range, "close": px, "volume": 1.0},
        index=idx,
    )


def _book(side, size, entry, lev, opened=None) -> PositionBook:
    side = np.asarray(side, np.int8)
    size = np.asarray(size, float)
    entry = np.asarray(entry, float)
    lev = np.asarray(lev, float)
    margin = size * entry / lev
    # isolated, MMR 0.5 %: long liq = entry*(1-1/lev)/(1-mmr), short = entry*(1+1/lev)/(1+mmr)
    liq = np.where(side == 1, entry * (1 - 1 / lev) / 0.995, entry * (1 + 1 / lev) / 1.005)
    bk = np.where(side == 1, entry - margin / size, entry + margin / size)
    kw = {} if opened is None else {"opened_ms": np.asarray(opened, np.int64)}
    return PositionBook(side, size, entry, margin, liq, bk, **kw)


def _random_book(
    rng: np.random.Generator, n: int, px: float = 2000.0, spread: float = 0.003
) -> PositionBook:
    side = rng.choice([1, -1], n)
    entry = px * (1 + rng.uniform(-spread, spread, n))
    lev = rng.choice([2.0, 5.0, 10.0, 20.0, 50.0, 100.0], n)
    return _book(side, rng.uniform(0.1, 10, n), entry, lev)


def test_weights_validate_and_sum() -> None:
    w = StopModelWeights()
    assert sum(w.component_weights()) == pytest.approx(1.0, abs=1e-12)
    with pytest.raises(InputError, match="sum to 1"):
        StopModelWeights(fixed=0.5)
    with pytest.raises(InputError, match=">= 0"):
        StopModelWeights(fixed=-0.1, round=0.45, swing=0.45, atr=0.2)
    with pytest.raises(InputError, match="stop_share"):
        StopModelWeights(stop_share=0)
    with pytest.raises(InputError, match="fixed_fractions"):
        StopModelWeights(fixed_fractions=())


def test_sides_and_validity_on_random_books() -> None:
    rng = np.random.default_rng(7)
    book = _random_book(rng, 400)
    ms = model_stops_detailed(book, _flat_prices(half_range=2.0))
    st, pos = ms.stops, ms.position
    side = book.side[pos]
    long_ = side == 1
    assert np.all(st.side[long_] == SELL) and np.all(st.side[~long_] == BUY)
    # a long's sell stop is below its entry and above its liquidation price; shorts mirror
    assert np.all(st.trigger[long_] < book.entry_price[pos][long_])
    assert np.all(st.trigger[long_] > book.liq_price[pos][long_])
    assert np.all(st.trigger[~long_] > book.entry_price[pos][~long_])
    assert np.all(st.trigger[~long_] < book.liq_price[pos][~long_])
    assert set(np.unique(ms.component)) <= set(range(len(COMPONENTS)))


def test_stop_share_conserved_per_position() -> None:
    rng = np.random.default_rng(3)
    book = _random_book(rng, 200, spread=0.0)  # entries at the price: no stop has fired
    w = StopModelWeights(stop_share=0.35)
    ms = model_stops_detailed(book, _flat_prices(half_range=1.0), weights=w)
    per_pos = np.bincount(ms.position, weights=ms.stops.size, minlength=len(book))
    has = per_pos > 0
    np.testing.assert_allclose(per_pos[has], 0.35 * book.size[has], rtol=1e-12)
    assert ms.n_fired == 0 and has[book.leverage < 60].all()
    # 100x positions: liquidation 0.5 % away; 2 % / 5 % / 10 % stops are all invalid,
    # and a 2x position keeps every fixed stop
    lev = book.leverage
    comp0 = ms.component == 0
    assert not np.any(comp0 & (lev[ms.position] > 60))
    n_fixed_2x = np.bincount(ms.position[comp0], minlength=len(book))[lev < 2.5]
    assert np.all(n_fixed_2x == 3)


def test_fixed_fraction_and_atr_levels() -> None:
    px = _flat_prices(half_range=10.0)  # true range 20 every bar -> ATR 20
    book = _book([1, -1], [1.0, 1.0], [2000.0, 2000.0], [2.0, 2.0])
    ms = model_stops_detailed(book, px)
    df = ms.to_frame()
    fixed_long = np.sort(df[(df.component == "fixed") & (df.position == 0)].trigger_price)
    np.testing.assert_allclose(fixed_long, [1800.0, 1900.0, 1960.0])
    fixed_short = np.sort(df[(df.component == "fixed") & (df.position == 1)].trigger_price)
    np.testing.assert_allclose(fixed_short, [2040.0, 2100.0, 2200.0])
    atr_long = np.sort(df[(df.component == "atr") & (df.position == 0)].trigger_price)
    np.testing.assert_allclose(atr_long, [2000 - 60, 2000 - 40, 2000 - 30])


def test_round_number_stops_just_below_multiples() -> None:
    book = _book([1, -1], [1.0, 1.0], [3743.0, 3743.0], [3.0, 3.0])
    ms = model_stops_detailed(book, _flat_prices(px=3743.0, half_range=1.0))
    df = ms.to_frame()
    longs = np.sort(df[(df.component == "round") & (df.position == 0)].trigger_price)
    # nearest multiples at least 0.5 % below 3,743 (= 3,724.3): 3,700 / 3,500 / 3,000
    np.testing.assert_allclose(longs, np.sort([3000 * 0.999, 3500 * 0.999, 3700 * 0.999]))
    shorts = np.sort(df[(df.component == "round") & (df.position == 1)].trigger_price)
    np.testing.assert_allclose(shorts, np.sort([3800 * 1.001, 4000 * 1.001, 4000 * 1.001]))
    for t in longs:  # just below a multiple of 100
        r = np.ceil(t / 100) * 100
        assert 0 < r - t <= 0.001 * r + 1e-9


def test_swing_low_stop_just_below_support() -> None:
    px = _flat_prices(n=60, px=2000.0, half_range=5.0)
    lows = px["low"].to_numpy().copy()
    lows[40] = 1900.0  # a swing low 19 bars before the end
    highs = px["high"].to_numpy().copy()
    highs[45] = 2150.0
    px = px.assign(low=lows, high=highs)
    book = _book([1, -1], [1.0, 1.0], [2000.0, 2000.0], [3.0, 3.0])
    df = model_stops_detailed(book, px).to_frame()
    sw_long = df[(df.component == "swing") & (df.position == 0)].trigger_price.to_numpy()
    np.testing.assert_allclose(sw_long, [1900.0 * 0.998])
    sw_short = df[(df.component == "swing") & (df.position == 1)].trigger_price.to_numpy()
    np.testing.assert_allclose(sw_short, [2150.0 * 1.002])
    lo, hi = swing_levels(lows, highs, 3)
    assert 40 in lo and 45 in hi


def test_fired_stops_dropped_and_opened_time_used() -> None:
    px = _flat_prices(n=60, px=2000.0, half_range=5.0)
    lows = px["low"].to_numpy().copy()
    lows[50] = 1950.0  # after the opening bar: the 2 % stop (1,960) fired
    px = px.assign(low=lows)
    opened = int(px.index[30].value // 1_000_000)
    book = _book([1], [1.0], [2000.0], [2.0], opened=[opened])
    ms = model_stops_detailed(book, px)
    trig = ms.stops.trigger[ms.component == 0]
    np.testing.assert_allclose(np.sort(trig), [1800.0, 1900.0])
    assert ms.n_fired >= 1
    # opened after the dip: nothing fired
    book2 = _book([1], [1.0], [2000.0], [2.0], opened=[int(px.index[55].value // 1_000_000)])
    trig2 = model_stops_detailed(book2, px).stops.trigger
    assert np.any(np.isclose(trig2, 1960.0))


def test_deterministic() -> None:
    rng = np.random.default_rng(11)
    book = _random_book(rng, 300)
    px = _flat_prices()
    a = model_stops(book, px)
    b = model_stops(book, px)
    for name in ("side", "trigger", "size"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


def test_spot_crowd_share() -> None:
    book = _book([1, -1], [10.0, 10.0], [2000.0, 2000.0], [2.0, 2.0])
    px = _flat_prices(half_range=1.0)
    w = StopModelWeights(spot_share=0.5)
    ms = model_stops_detailed(book, px, weights=w)
    spot = ms.position == -1
    assert spot.any() and np.all(ms.stops.side[spot] == SELL)
    # spot size = 0.5 x long notional / close = 5 ETH, all of it on stops
    assert ms.stops.size[spot].sum() == pytest.approx(5.0, rel=1e-9)


def test_as_of_cuts_prices_and_bad_prices() -> None:
    px = _flat_prices()
    book = _book([1], [1.0], [2000.0], [2.0])
    ms = model_stops_detailed(book, px, as_of=px.index[20])
    assert ms.as_of == px.index[20]
    with pytest.raises(InputError, match="no bars"):
        model_stops(book, px, as_of="2020-01-01")
    with pytest.raises(InputError, match=r"prices: missing column: low"):
        model_stops(book, px.drop(columns="low"))


def test_wilder_atr_matches_hand_recursion() -> None:
    rng = np.random.default_rng(5)
    n = 40
    close = 100 + np.cumsum(rng.normal(0, 1, n))
    high = close + rng.uniform(0.1, 2, n)
    low = close - rng.uniform(0.1, 2, n)
    df = pd.DataFrame({"high": high, "low": low, "close": close})
    got = wilder_atr(df, 14)
    tr = [high[0] - low[0]] + [
        max(high[i] - low[i], abs(high[i] - close[i - 1]), abs(low[i] - close[i - 1]))
        for i in range(1, n)
    ]
    ref = [sum(tr[: i + 1]) / (i + 1) for i in range(14)]
    for i in range(14, n):
        ref.append(ref[-1] + (tr[i] - ref[-1]) / 14)
    np.testing.assert_allclose(got, ref, rtol=1e-12)
    assert got[13] == pytest.approx(np.mean(tr[:14]))


def test_position_opened_before_the_first_bar_uses_the_first_bar() -> None:
    px = _flat_prices(n=60, px=2000.0, half_range=5.0)
    lows = px["low"].to_numpy().copy()
    lows[10] = 1950.0  # the path dips through the 2 % stop (1,960) after the first bar
    px = px.assign(low=lows)
    before = int((px.index[0] - pd.Timedelta(days=3)).value // 1_000_000)
    ms = model_stops_detailed(_book([1], [1.0], [2000.0], [2.0], opened=[before]), px)
    trig = np.sort(ms.stops.trigger[ms.component == 0])
    np.testing.assert_allclose(trig, [1800.0, 1900.0])  # the 1,960 stop fired


def test_as_of_cut_equals_the_bars_cut_beforehand() -> None:
    # the model cuts its price arrays at as_of (not the frame): the same stops as a
    # frame that ends at as_of, volume and the spot crowd included
    rng = np.random.default_rng(11)
    n = 150
    close = 2000 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    idx = pd.date_range("2025-01-01", periods=n, freq="4h", tz="UTC")
    px = pd.DataFrame(
        {
            "high": close * (1 + rng.uniform(0, 0.01, n)),
            "low": close * (1 - rng.uniform(0, 0.01, n)),
            "close": close,
            "volume": rng.uniform(1, 10, n),
        },
        index=idx,
    )
    t = idx[100]
    opened = rng.choice(np.r_[idx.as_unit("ms").asi8[:100], -1], 60)
    book = _book(rng.choice([1, -1], 60), rng.uniform(0.1, 2, 60), close[100] *
                 rng.uniform(0.97, 1.03, 60), rng.choice([2.0, 5.0, 20.0], 60), opened)  # fmt: skip
    w = StopModelWeights(spot_share=0.5)
    a = model_stops_detailed(book, px, as_of=t, weights=w)
    b = model_stops_detailed(book, px[px.index <= t], weights=w)
    assert a.as_of == b.as_of == t and a.n_fired == b.n_fired
    np.testing.assert_array_equal(a.position, b.position)
    np.testing.assert_allclose(a.stops.trigger, b.stops.trigger, rtol=1e-12)
    np.testing.assert_allclose(a.stops.size, b.stops.size, rtol=1e-12)
    assert (a.position == -1).any()  # the spot crowd is there


def _same_stops(a, b) -> None:
    """Two ModelledStops alike: every array within 1e-15 relative (the same arithmetic)."""
    from floats import assert_same

    for name in ("trigger", "size", "side"):
        assert_same(getattr(a.stops, name), getattr(b.stops, name), rtol=1e-15)
    assert_same(a.component, b.component, rtol=0.0)
    assert_same(a.position, b.position, rtol=0.0)
    assert_same(a.residual_parent, b.residual_parent, rtol=0.0)
    assert_same(a.positions.size, b.positions.size, rtol=1e-15)
    assert (a.as_of, a.n_fired) == (b.as_of, b.n_fired)


def test_price_bars_cut_give_the_stops_of_the_frame_cut() -> None:
    """Checking the ETH 4-hour bars once (:class:`PriceBars`) and cutting them gives the
    stops of the frame cut the same way, for books opened at known bars and at as_of,
    with and without a volume column (the spot crowd's weights)."""
    from liqcascade.market import load_market_inputs, ohlc_bars
    from liqcascade.positions import PriceBars

    bars = ohlc_bars(load_market_inputs("ETH").prices, "4h")
    rng = np.random.default_rng(7)
    for frame in (bars, bars.drop(columns="volume")):
        checked = PriceBars.of(frame)
        for _ in range(12):
            n = int(rng.integers(30, len(bars)))
            first = int(rng.integers(0, n - 20))
            cut = frame.iloc[first:n]
            px = float(cut["close"].iloc[-1])
            book = _random_book(rng, 300, px=px, spread=0.05)
            if rng.random() < 0.5:  # opened at known bars of the cut
                ms = cut.index.as_unit("ms").asi8
                opened = rng.choice(ms, len(book)) + 60_000
                book = _book(book.side, book.size, book.entry_price, 10.0, opened)
            as_of = cut.index[-1] if rng.random() < 0.5 else cut.index[-1 - int(rng.integers(0, 5))]
            _same_stops(
                model_stops_detailed(book, checked.bars(first, n), as_of=as_of),
                model_stops_detailed(book, cut, as_of=as_of),
            )


def test_price_bars_refuse_a_bad_bar_in_the_cut_only() -> None:
    from liqcascade.positions import PriceBars

    px = _flat_prices(20)
    px.iloc[3, px.columns.get_loc("low")] = np.nan
    checked = PriceBars.of(px)
    book = _book([1], [1.0], [2000.0], [10.0])
    with pytest.raises(InputError, match="finite and > 0"):
        model_stops_detailed(book, px)
    with pytest.raises(InputError, match="finite and > 0"):
        model_stops_detailed(book, checked.bars(0, 10))
    # the bad bar is outside the cut: as the frame cut the same way
    _same_stops(
        model_stops_detailed(book, checked.bars(4, 20)), model_stops_detailed(book, px.iloc[4:])
    )
    with pytest.raises(InputError, match="no bars"):
        checked.bars(5, 5)
