"""Stop recommendation: invariants on the real market state, slippage monotone in the
cluster, determinism."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from liqcascade.book import calibrated_book
from liqcascade.cascade import MarketState, market_state
from liqcascade.errors import InputError
from liqcascade.positions import PositionBook, StopBook
from liqcascade.protect import (
    RecommendSettings,
    check_position,
    expected_slippage,
    liquidation_price,
    recommend_stop,
    round_step,
    vol_distance,
)


@pytest.fixture(scope="module")
def state() -> MarketState:
    return market_state("ETH")


def test_round_step() -> None:
    assert round_step(3698.39) == 100.0
    assert round_step(250.0) == 10.0
    assert round_step(12000.0) == 1000.0
    with pytest.raises(InputError, match="price must be > 0 USD"):
        round_step(0.0)


def test_liquidation_price_golden() -> None:
    # docs/design.md: long 1 ETH at 2,000 with 100 USD margin (20x) -> 1,907.6305
    assert liquidation_price(1, 2000.0, 1.0, 20.0) == pytest.approx(1907.6305, abs=1e-3)


def test_liquidation_price_uses_the_assets_own_tiers() -> None:
    # 10 BTC at 100,000, 20x: notional 1M sits in BTCUSDT's tier 3 (mmr 1 %, cum 2,550):
    # (50,000 + 2,550 - 1,000,000) / (10 * 0.01 - 10) = 95,702.02; ETHUSDT's brackets
    # (which it used for every asset) give 95,525.92
    assert liquidation_price(1, 1e5, 10.0, 20.0, "BTC") == pytest.approx(95702.0202, abs=1e-3)
    assert liquidation_price(1, 1e5, 10.0, 20.0, "ETH") == pytest.approx(95525.9185, abs=1e-3)
    # an asset without its own table takes the fallback, as the estimated book does
    assert liquidation_price(1, 1e5, 10.0, 20.0, "SOL") == liquidation_price(
        1, 1e5, 10.0, 20.0, "ETH"
    )


@pytest.mark.parametrize("side", ["long", "short"])
def test_recommendation_invariants(state: MarketState, side: str) -> None:
    entry = state.mid
    r = recommend_stop(side, entry, 10.0, 10.0, state=state, n_levels=6)
    sgn = 1 if side == "long" else -1
    # a long's stop below entry and above its liquidation price; shorts mirror
    assert sgn * (entry - r.stop_price) > 0
    assert sgn * (r.stop_price - r.liq_price) > 0
    assert r.distance == pytest.approx(abs(entry - r.stop_price) / entry)
    # never beyond 80 % of the way to liquidation
    assert abs(entry - r.stop_price) <= 0.8 * abs(entry - r.liq_price) + 1e-9
    assert 0.0 <= r.expected_slippage < 0.2
    # out of every cluster it avoided (those zones already include the ± band)
    for z in r.avoided_clusters:
        assert not (z["price_low"] <= r.stop_price <= z["price_high"])
    # the raw stop sat in the first avoided zone, if any
    if r.avoided_clusters:
        z = r.avoided_clusters[0]
        assert z["price_low"] <= r.raw_stop_price <= z["price_high"]
        assert r.stop_price != r.raw_stop_price
    assert set(r.summary()) >= {"stop_price", "distance", "expected_slippage", "rationale"}
    assert len(r.to_frame()) == 6


def test_recommendation_is_deterministic(state: MarketState) -> None:
    a = recommend_stop("long", 3600.0, 5.0, 8.0, state=state, n_levels=3).summary()
    b = recommend_stop("long", 3600.0, 5.0, 8.0, state=state, n_levels=3).summary()
    assert a == b


def test_decimal_inputs_give_the_float_recommendation(state: MarketState) -> None:
    # numbers of any kind are numbers (session 22); a Decimal entry and k raised
    # TypeError mid-way (Decimal - float)
    from decimal import Decimal

    a = recommend_stop("long", Decimal("3600"), Decimal("5"), Decimal("8"), state=state,
                       n_levels=3, settings=RecommendSettings(k=Decimal("1.5")))  # fmt: skip
    b = recommend_stop("long", 3600.0, 5.0, 8.0, state=state, n_levels=3,
                       settings=RecommendSettings(k=1.5))  # fmt: skip
    assert a.stop_price == pytest.approx(b.stop_price, rel=1e-12)
    assert a.expected_slippage == pytest.approx(b.expected_slippage, rel=1e-12)


def test_higher_leverage_tightens_the_cap(state: MarketState) -> None:
    lo = recommend_stop("long", state.mid, 1.0, 5.0, state=state, n_levels=2)
    hi = recommend_stop("long", state.mid, 1.0, 50.0, state=state, n_levels=2)
    assert hi.distance < lo.distance
    assert hi.stop_price > hi.liq_price


def test_atr_source(state: MarketState) -> None:
    from liqcascade.market import bars_until

    s = RecommendSettings(vol_source="atr", k=0.5)
    r = recommend_stop("long", state.mid, 1.0, 3.0, state=state, settings=s, n_levels=2)
    assert "ATR" in r.rationale
    # the raw stop by hand: Wilder's ATR(14) of the last vol_days + 1 daily bars (the
    # textbook recursion ATR_t = ATR_t-1 + (TR_t - ATR_t-1) / 14; its seed weighs
    # (13/14)^1000 ~ 1e-32 by the last bar), as a fraction of the last close, x k x
    # sqrt(horizon days); at 3x leverage it is far inside the cap short of liquidation
    d = bars_until(state.asset, "1d", state.close_time).iloc[-(s.vol_days + 1) :]
    prev = d["close"].shift(1)
    tr = pd.concat(
        [d["high"] - d["low"], (d["high"] - prev).abs(), (d["low"] - prev).abs()], axis=1
    ).max(axis=1)
    atr = float(tr.ewm(alpha=1 / 14, adjust=False).mean().iloc[-1])
    dist = s.k * atr / float(d["close"].iloc[-1]) * np.sqrt(s.horizon_days)
    assert 0.005 < dist < 0.5 * abs(state.mid - r.liq_price) / state.mid
    assert r.raw_stop_price == pytest.approx(state.mid * (1 - dist), abs=0.0100001)  # tick


def _synthetic(cluster_eth: float, level: float, as_of: pd.Timestamp) -> MarketState:
    book = calibrated_book(as_of=as_of, mid=3700.0, scale=0.25)
    pos = PositionBook(np.array([1], np.int8), [0.01], [3700.0], [37.0], [100.0], [90.0])
    n = 5
    stops = StopBook(
        np.full(n, -1, np.int8),
        np.full(n, level * 1.002),
        np.full(n, cluster_eth / n if cluster_eth > 0 else 1e-9),
    )
    return MarketState(book=book, positions=pos, stops=stops, mid=3700.0, as_of=as_of)


def test_slippage_monotone_in_cluster_size(state: MarketState) -> None:
    level = 3500.0
    prev = -1.0
    for eth in (0.0, 2_000.0, 10_000.0, 40_000.0):
        s = expected_slippage(_synthetic(eth, level, state.as_of), level, 1, 10.0)["slippage"]
        assert s >= prev
        prev = s
    assert prev > 0.001  # a 40k ETH cluster in the stop's round costs > 0.1 %
    # the same cluster just beyond the window no longer rides with the stop
    far = expected_slippage(_synthetic(40_000.0, level * 1.01, state.as_of), level, 1, 10.0)
    assert far["slippage"] < prev / 10


def test_bad_inputs(state: MarketState) -> None:
    # the library names its parameters (param=), never the command line's flags
    cases = [
        (lambda: recommend_stop("up", 3000.0, 1.0, 5.0, state=state), "side",
         "side must be long or short (buy/sell) (got 'up')"),
        (lambda: recommend_stop(0, 3000.0, 1.0, 5.0, state=state), "side",
         "side must be long or short (buy/sell) (got 0)"),
        (lambda: recommend_stop("long", -1.0, 1.0, 5.0, state=state), "entry",
         "entry must be > 0 (got -1)"),
        (lambda: recommend_stop("long", 3000.0, float("inf"), 5.0, state=state), "size",
         "size must be a finite number (got inf)"),
        (lambda: recommend_stop("long", 3000.0, 1.0, 500.0, state=state), "leverage",
         "leverage must be in [1, 125] (got 500)"),
        (lambda: RecommendSettings(horizon_days=0), "horizon_days",
         "horizon_days must be an integer in [1, 365] (got 0)"),
        (lambda: RecommendSettings(vol_source="ewma"), "vol_source",
         "vol_source must be garch or atr (got 'ewma')"),
        (lambda: expected_slippage(state, 3000.0, 1, 0.0), "size", "size must be > 0 (got 0.0)"),
        (lambda: vol_distance("ETH", "2018-01-01"), "as_of",
         "as_of: fewer than 200 daily bars before 2018-01-01"),
    ]  # fmt: skip
    for call, param, message in cases:
        with pytest.raises(InputError) as e:
            call()
        assert e.value.param == param and str(e.value) == message
        assert "--" not in str(e.value)
    # check_position is what recommend_stop checks first (and the CLI before the market)
    assert check_position("short", 3000.0, 1.0, 5.0) == -1
    assert check_position(1, 3000.0, 1.0, 125.0, "static") == 1


# ---------------------------------------------------------------- the liquidity model


def _levels(state: MarketState, side: int) -> np.ndarray:
    return state.mid * (1 - side * np.linspace(0.005, 0.08, 9))


@pytest.mark.parametrize("side", [1, -1])
def test_calibrated_slippage_bounded_by_static_on_the_real_market(
    state: MarketState, side: int
) -> None:
    n_fired = 0
    for size in (10.0, 3000.0):
        for p in _levels(state, side):
            c = expected_slippage(state, float(p), side, size)
            s = expected_slippage(state, float(p), side, size, liquidity="static")
            # the static book is the upper bound: slippage, traded notional, depth of move
            assert c["slippage"] <= s["slippage"] + 1e-12
            assert c["round_usd"] <= s["round_usd"] * (1 + 1e-12)
            assert abs(c["final_price"] - p) <= abs(s["final_price"] - p) * (1 + 1e-12) + 1e-9
            assert side * (p - c["fill_price"]) >= -1e-9 * p or c["slippage"] == 0.0
            n_fired += s["round_usd"] > c["round_usd"]
    assert n_fired > 0  # the calibrated response defers liquidations at some levels


def test_static_fill_is_the_stops_own_slice_inside_the_book(state: MarketState) -> None:
    from liqcascade.cascade import simulate_cascade

    for p in _levels(state, 1)[::2]:
        s = expected_slippage(state, float(p), 1, 50.0, liquidity="static")
        # orders take the book in trigger order (docs/design.md "Fills", issue 17): the stop,
        # triggering at the shock price itself and added last, takes the last 50 ETH of
        # round 1's walk; its fill is that slice's VWAP, computed here from the bids.
        book = state.recentred_book(float(p) / (1 - 1e-4))
        edge = float(p) * 1.005
        pos = state.positions
        keep = ~((pos.side == 1) & (pos.liq_price > edge))
        st = state.stops
        sk = ~((st.side == -1) & (st.trigger > edge))
        stops = StopBook(
            np.concatenate([st.side[sk], np.array([-1], np.int8)]),
            np.concatenate([st.trigger[sk], [float(p)]]),
            np.concatenate([st.size[sk], [50.0]]),
        )
        r = simulate_cascade(book, pos.subset(keep), stops, shock_price=float(p))
        assert not r.book_exhausted
        assert int(r.stop_outcomes()["round"].iloc[-1]) == 1
        q1 = float(r.to_frame()["filled_base"].iloc[0])
        order = np.argsort(-book.bid_price, kind="stable")
        price, size = book.bid_price[order], book.bid_size[order]
        inside = price <= float(p)  # levels above the shock price are consumed by it
        price, size = price[inside], size[inside]
        cum = np.concatenate([[0.0], np.cumsum(size)])
        lo, hi = q1 - 50.0, q1
        taken = np.clip(np.minimum(cum[1:], hi) - np.maximum(cum[:-1], lo), 0.0, None)
        assert taken.sum() == pytest.approx(50.0, rel=1e-9)
        slice_vwap = float((taken * price).sum() / taken.sum())
        assert s["fill_price"] == pytest.approx(slice_vwap, rel=1e-9)
        # the last slice of a falling walk is no better than the round's average
        vwap = float(r.to_frame()["vwap"].iloc[0])
        assert s["fill_price"] <= vwap * (1 + 1e-12)


def test_static_fill_past_the_book_closes_at_the_price_reached(state: MarketState) -> None:
    from liqcascade.cascade import simulate_cascade

    level = 3500.0
    syn = _synthetic(0.0, level, state.as_of)
    book = syn.recentred_book(level / (1 - 1e-4))
    size = 10.0 * float(book.bid_size.sum())  # ten times the whole bid side
    s = expected_slippage(syn, level, 1, size, liquidity="static")
    stops = StopBook(
        np.concatenate([syn.stops.side, np.array([-1], np.int8)]),
        np.concatenate([syn.stops.trigger, [level]]),
        np.concatenate([syn.stops.size, [size]]),
    )
    r = simulate_cascade(book, syn.positions, stops, shock_price=level)
    assert r.book_exhausted
    vwap = float(r.to_frame()["vwap"].iloc[0])
    # the round's VWAP counts only what the book filled; the stop closes mostly at the
    # price reached (docs/design.md, "Fills")
    assert s["fill_price"] < vwap
    assert s["fill_price"] == pytest.approx(0.1 * vwap + 0.9 * r.final_price, rel=1e-9)
    assert s["slippage"] > (level - vwap) / level
    c = expected_slippage(syn, level, 1, size)  # calibrated: latent depth absorbs more
    assert 0 <= c["slippage"] <= s["slippage"] + 1e-12


def test_liquidity_choice_and_bad_value(state: MarketState) -> None:
    a = recommend_stop("long", state.mid, 10.0, 10.0, state=state, n_levels=2)
    b = recommend_stop("long", state.mid, 10.0, 10.0, state=state, n_levels=2, liquidity="static")
    assert a.summary()["liquidity"] == "calibrated" and b.liquidity == "static"
    assert a.stop_price == b.stop_price  # placement does not depend on the slippage model
    assert (a.to_frame()["slippage"] <= b.to_frame()["slippage"] + 1e-12).all()
    for call in (
        lambda: recommend_stop("long", state.mid, 1.0, 5.0, state=state, liquidity="deep"),
        lambda: expected_slippage(state, 3000.0, 1, 1.0, liquidity="deep"),
    ):
        with pytest.raises(InputError, match=r"^liquidity must be calibrated or static") as e:
            call()
        assert e.value.param == "liquidity"


def test_as_of_beside_a_state_must_be_its_date(state: MarketState) -> None:
    """``as_of`` with ``state`` was silently ignored: the state's own date is accepted
    (a bare day is its last bar's close), another refused naming both."""
    assert (state.as_of, state.close_time) == (
        pd.Timestamp("2025-07-31 20:00", tz="UTC"),
        pd.Timestamp("2025-08-01 00:00", tz="UTC"),
    )
    a = recommend_stop("long", state.mid, 1.0, 5.0, state=state, n_levels=2)
    for same in ("2025-07-31", pd.Timestamp("2025-08-01", tz="UTC")):
        b = recommend_stop("long", state.mid, 1.0, 5.0, state=state, as_of=same, n_levels=2)
        assert b.stop_price == pytest.approx(a.stop_price, rel=1e-12)
    both = r"\(2025-07-31 20:00 UTC, the bar closing 2025-08-01 00:00\)"
    for other in ("2025-07-30", "2025-07-31 23:00"):
        msg = rf"^as_of {other} is not the market state's date {both}"
        with pytest.raises(InputError, match=msg) as e:
            recommend_stop("long", state.mid, 1.0, 5.0, state=state, as_of=other)
        assert e.value.param == "as_of"
