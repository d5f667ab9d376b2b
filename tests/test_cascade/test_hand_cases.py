"""Small cases worked by hand from docs/design.md's semantics (values computed in the comments)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from liqcascade.book import OrderBook
from liqcascade.cascade import (
    SUMMARY_KEYS,
    CascadeConfig,
    cascade_py,
    prepare_cascade,
    simulate_cascade,
)
from liqcascade.errors import InputError
from liqcascade.positions._book import PositionBook, StopBook

# mid 100; bids 99 x2, 98 x1, 95 x4; asks 101 x1, 102 x2, 105 x3
BOOK = OrderBook(100.0, [99.0, 98.0, 95.0], [2.0, 1.0, 4.0], [101.0, 102.0, 105.0], [1.0, 2.0, 3.0])
# A long 1 @ liq 99.5 (bankrupt 99); B long 2 @ liq 98.5 (bankrupt 96);
# C short 1.5 @ liq 100.8 (bankrupt 101.5)
POS = PositionBook(
    np.array([1, 1, -1], np.int8),
    [1.0, 2.0, 1.5],
    [105.0, 104.0, 95.0],
    [6.0, 16.0, 9.75],
    [99.5, 98.5, 100.8],
    [99.0, 96.0, 101.5],
)
# sell stop 1 @ 96.5; buy stop 1 @ 101.5
STOPS = StopBook(np.array([-1, 1], np.int8), [96.5, 101.5], [1.0, 1.0])


def test_down_price_shock_three_rounds() -> None:
    # shock to 98.9 removes the 99 level. Round 1: A triggers (99.5 >= 98.9), sells 1 at 98
    # (the level is used up), price 98; fund 0.5 + (98 - 99) * 1 -> bad debt 0.5.
    # Round 2: B triggers (98.5 >= 98), sells 2 at 95, price 95; (95 - 96) * 2 -> bad 2.5.
    # Round 3: the stop triggers (96.5 >= 95), sells 1 at 95 (1 left at 95). Round 4: none.
    r = simulate_cascade(BOOK, POS, STOPS, shock_price=98.9, insurance_fund=0.5)
    assert r.rounds == 3
    assert r.final_price == 95.0
    assert r.liquidated_long_usd == pytest.approx(98.0 + 190.0)
    assert r.liquidated_short_usd == 0.0
    assert r.stops_sell_usd == pytest.approx(95.0)
    assert (r.n_liquidated, r.n_stops) == (2, 1)
    assert r.insurance_fund_end == 0.0
    assert r.bad_debt_usd == pytest.approx(2.5)
    assert not r.book_exhausted and r.unfilled_base == 0.0
    assert r.amplification == pytest.approx(5.0 / 1.1)
    assert [t["price"] for t in r.trace] == [98.0, 95.0, 95.0]
    assert [t["filled_base"] for t in r.trace] == [1.0, 2.0, 1.0]
    assert set(r.summary()) == set(SUMMARY_KEYS)
    po = r.position_outcomes()
    assert po["round"].tolist() == [1, 2, 0]
    assert po["close_price"].iloc[:2].tolist() == [98.0, 95.0]
    _, after = r.book_after()
    assert after.tolist() == [0.0, 0.0, 1.0]


def test_book_exhaustion_partial_fill() -> None:
    # same, but the stop is 3: round 3 wants 3, only 2 remain at 95 -> fill ratio 2/3,
    # the book is exhausted at P_x = 95; the stop closes at a_3 = 2/3 * 95 + 1/3 * 95 = 95,
    # the 1 the book could not absorb included: unfilled 1, nothing left to settle.
    stops = StopBook(np.array([-1], np.int8), [96.5], [3.0])
    r = simulate_cascade(BOOK, POS, stops, shock_price=98.9)
    assert r.rounds == 3 and r.book_exhausted
    assert r.unfilled_base == pytest.approx(1.0)
    assert r.stops_sell_usd == pytest.approx(3 * 95.0)
    so = r.stop_outcomes()
    assert so["closed_base"].iloc[0] == pytest.approx(3.0)
    assert so["book_base"].iloc[0] == pytest.approx(2.0)
    assert so["close_price"].iloc[0] == pytest.approx(95.0)
    assert not so["settled"].iloc[0]
    assert r.final_price == 95.0


# docs/design.md "Fills" and "Settlement" worked by hand on a tiny book: mid 100, bids 99 x1 and
# 97 x1. Long A: 3 @ liq 99.5, bankrupt 99.2; long B: 2 @ liq 98, bankrupt 97.5; a sell
# stop 0.5 @ 97.5 and one 1 @ 96. Fund F0 = 1.
TINY = OrderBook(100.0, [99.0, 97.0], [1.0, 1.0], [101.0], [1.0])
TINY_POS = PositionBook(
    np.array([1, 1], np.int8), [3.0, 2.0], [110.0, 110.0], [40.0, 30.0], [99.5, 98.0], [99.2, 97.5]
)
TINY_STOPS = StopBook(np.array([-1, -1], np.int8), [97.5, 96.0], [0.5, 1.0])


def test_exhausted_book_closes_at_the_price_reached_and_settles() -> None:
    # Shock to 99.4 removes no level. Round 1: A triggers (99.5 >= 99.4), Q = 3: 1 at 99,
    # 1 at 97, then the bids run out: filled 2, vwap 98, P_x = 97 (last level touched).
    # a_1 = 2/3 * 98 + 1/3 * 97 = 293/3. Settlement at P_x = 97: B (liq 98 >= 97) and the
    # stop at 97.5 close at 97; the stop at 96 stays. unfilled = 1 + 2 + 0.5 = 3.5.
    # Fund: shortfalls A (99.2 - 293/3) * 3 = 4.6 and B (97.5 - 97) * 2 = 1 draw on
    # F0 = 1 -> fund 0, bad debt 4.6 (no surplus to credit after the cascade).
    r = simulate_cascade(TINY, TINY_POS, TINY_STOPS, shock_price=99.4, insurance_fund=1.0)
    assert r.rounds == 1 and r.book_exhausted and r.final_price == 97.0
    assert (r.n_liquidated, r.n_stops) == (2, 1)
    assert r.unfilled_base == pytest.approx(3.5)
    assert r.liquidated_long_usd == pytest.approx(293.0 + 194.0)
    assert r.stops_sell_usd == pytest.approx(48.5)
    assert r.insurance_fund_end == 0.0
    assert r.bad_debt_usd == pytest.approx(4.6)
    assert r.trace == [{"round": 1, "price": 97.0, "filled_base": 2.0, "vwap": 98.0}]
    po = r.position_outcomes()
    assert po["close_price"].tolist() == pytest.approx([293.0 / 3.0, 97.0])
    assert po["book_base"].tolist() == pytest.approx([2.0, 0.0])
    assert po["settled"].tolist() == [False, True]
    assert r.stop_outcomes()["round"].tolist() == [1, 0]
    ref = cascade_py(
        100.0, [99.0, 97.0], [1.0, 1.0], [101.0], [1.0],
        [1, 1], [3.0, 2.0], [99.5, 98.0], [99.2, 97.5],
        [-1, -1], [97.5, 96.0], [0.5, 1.0], shock_price=99.4, insurance_fund=1.0,
    )  # fmt: skip
    assert ref["bad_debt_usd"] == pytest.approx(4.6)
    assert ref["unfilled_base"] == pytest.approx(3.5)
    assert ref["pos_notional"] == pytest.approx([293.0, 194.0])


def test_exhausted_up_move_mirrors() -> None:
    # asks 101 x1, 103 x1; short S 2 @ liq 100.5, bankrupt 100.8; short T 1 @ liq 102,
    # bankrupt 102.5. Shock +0.6 % -> 100.6. Round 1: S buys 2: 1 at 101, 1 at 103 (the
    # book is used up exactly, not exhausted), price 103, fund (100.8 - 102) * 2 = -2.4.
    # Round 2: T triggers (102 <= 103) and finds no ask: P_x = 103 (the round's start
    # price), a_2 = 103, fund (102.5 - 103) * 1 = -0.5 -> bad debt 2.9, unfilled 1.
    book = OrderBook(100.0, [99.0], [1.0], [101.0, 103.0], [1.0, 1.0])
    pos = PositionBook(
        np.array([-1, -1], np.int8), [2.0, 1.0], [90.0, 90.0], [20.0, 12.0],
        [100.5, 102.0], [100.8, 102.5],
    )  # fmt: skip
    r = simulate_cascade(book, pos, shock=0.006)
    assert r.direction == "up" and r.rounds == 2 and r.book_exhausted
    assert r.final_price == 103.0
    assert r.liquidated_short_usd == pytest.approx(204.0 + 103.0)
    assert r.bad_debt_usd == pytest.approx(2.9)
    assert r.unfilled_base == pytest.approx(1.0)
    assert [t["vwap"] for t in r.trace] == pytest.approx([102.0, 103.0])


def test_gains_are_credited_after_the_cascade() -> None:
    # The tiny case plus long G: 1 @ liq 97.2, bankrupt 90 (low leverage): it settles at
    # 97 too, with a surplus of 7. Issue 17's accounting: shortfalls draw on the opening
    # fund only (A 4.6 + B 1 = 5.6 against F0 = 1 -> bad debt 4.6); the surplus is
    # credited after the cascade: fund end max(0, 1 - 5.6) + 7 = 7.
    pos = PositionBook(
        np.array([1, 1, 1], np.int8), [3.0, 2.0, 1.0], [110.0] * 3, [40.0, 30.0, 20.0],
        [99.5, 98.0, 97.2], [99.2, 97.5, 90.0],
    )  # fmt: skip
    r = simulate_cascade(TINY, pos, shock_price=99.4, insurance_fund=1.0)
    assert r.n_liquidated == 3
    assert r.bad_debt_usd == pytest.approx(4.6)
    assert r.insurance_fund_end == pytest.approx(7.0)
    assert r.liquidation_surplus_usd == pytest.approx(7.0)
    assert r.shortfall_usd == pytest.approx(5.6)
    assert r.summary()["liquidation_surplus_usd"] == pytest.approx(7.0)


def test_a_deeper_liquidation_surplus_no_longer_covers_bad_debt() -> None:
    # Counterexample 1 of session 2 (netting), now monotone. The tiny case plus long G:
    # 5 @ liq 96.5, bankrupt 90. At 99.4 G stays open (P_x = 97 > 96.5): A closes at
    # 293/3 (shortfall (99.2 - 97.667) * 3 = 4.6), B settles at 97 (shortfall 1): 5.6
    # against F0 = 1 -> bad debt 4.6, fund 0. A fall to 96 (past the book) closes A, B
    # and G at 96: shortfalls (99.2 - 96) * 3 + (97.5 - 96) * 2 = 9.6 + 3 = 12.6 -> bad
    # debt 12.6 - 1 = 11.6; G's surplus (96 - 90) * 5 = 30 is credited after the cascade:
    # fund end 0 + 30 = 30. (Under the old rule, gains first, G's surplus covered A and
    # B: bad debt 0.)
    pos = PositionBook(
        np.array([1, 1, 1], np.int8), [3.0, 2.0, 5.0], [110.0] * 3, [40.0, 30.0, 100.0],
        [99.5, 98.0, 96.5], [99.2, 97.5, 90.0],
    )  # fmt: skip
    a = simulate_cascade(TINY, pos, shock_price=99.4, insurance_fund=1.0)
    b = simulate_cascade(TINY, pos, shock_price=96.0, insurance_fund=1.0)
    assert (a.n_liquidated, b.n_liquidated) == (2, 3)
    assert a.bad_debt_usd == pytest.approx(4.6) and a.insurance_fund_end == 0.0
    assert b.bad_debt_usd == pytest.approx(11.6) and b.insurance_fund_end == pytest.approx(30.0)
    assert b.final_price < a.final_price
    pm = prepare_cascade(TINY, pos)
    bad = [
        simulate_cascade(pm, shock_price=p, insurance_fund=1.0).bad_debt_usd
        for p in (99.4, 99.0, 98.0, 97.0, 96.6, 96.4, 96.0, 90.0)
    ]
    assert all(y >= x for x, y in itertools.pairwise(bad)), bad


# Counterexample 2 of session 2 (pooling): bids 99, 98, 97, 96 (1 each); a sell stop S
# @ 99.5 size 1; long X 1 @ liq 99, bankrupt 98.5; F0 = 0.
POOL_BOOK = OrderBook(100.0, [99.0, 98.0, 97.0, 96.0], [1.0] * 4, [101.0], [1.0])
POOL_POS = PositionBook(np.array([1], np.int8), [1.0], [105.0], [7.0], [99.0], [98.5])
POOL_STOP = StopBook(np.array([-1], np.int8), [99.5], [1.0])


@pytest.mark.parametrize(
    ("shock_price", "rounds", "final", "x_close", "bad"),
    [
        # 99.5: round 1 S fills at 99 (price 99); round 2 X fills at 98 -> shortfall 0.5
        (99.5, 2, 98.0, 98.0, 0.5),
        # 99: S and X trigger in one round; S (higher trigger) takes 99 first, X takes
        # 98 -> shortfall 0.5 (the round's VWAP 98.5 used to give X none: 0)
        (99.0, 1, 98.0, 98.0, 0.5),
        # 98.5 removes 99: S at 98, X at 97 -> 1.5
        (98.5, 1, 97.0, 97.0, 1.5),
        # 97.5 removes 99, 98: S at 97, X at 96 -> 2.5
        (97.5, 1, 96.0, 96.0, 2.5),
        # 96.5 leaves 96 only: S takes it, X finds no book and closes at P_x = 96 -> 2.5
        (96.5, 1, 96.0, 96.0, 2.5),
        # 95: no bid left; both close at the price reached, 95 -> 3.5
        (95.0, 1, 95.0, 95.0, 3.5),
    ],
)
def test_fills_by_trigger_priority_keep_bad_debt_monotone(
    shock_price: float, rounds: int, final: float, x_close: float, bad: float
) -> None:
    r = simulate_cascade(POOL_BOOK, POOL_POS, POOL_STOP, shock_price=shock_price)
    assert (r.rounds, r.final_price) == (rounds, final)
    assert r.position_outcomes()["close_price"].iloc[0] == pytest.approx(x_close)
    assert r.bad_debt_usd == pytest.approx(bad)
    assert r.liquidated_long_usd == pytest.approx(x_close)
    ref = cascade_py(
        100.0, [99.0, 98.0, 97.0, 96.0], [1.0] * 4, [101.0], [1.0],
        [1], [1.0], [99.0], [98.5], [-1], [99.5], [1.0], shock_price=shock_price,
    )  # fmt: skip
    assert ref["bad_debt_usd"] == pytest.approx(bad)
    assert ref["pos_notional"] == pytest.approx([x_close])


def test_priority_ties_positions_first_and_up_moves_lowest_trigger_first() -> None:
    # Down, equal triggers: long X 1 @ liq 99 (bankrupt 98.5) and a sell stop @ 99; bids
    # 99, 98. Shock 99: both trigger; the position goes first: X at 99 (surplus 0.5,
    # credited after), the stop at 98. Bad debt 0, fund end 0.5.
    book = OrderBook(100.0, [99.0, 98.0], [1.0, 1.0], [101.0], [1.0])
    stop = StopBook(np.array([-1], np.int8), [99.0], [1.0])
    r = simulate_cascade(book, POOL_POS, stop, shock_price=99.0)
    assert r.position_outcomes()["close_price"].iloc[0] == pytest.approx(99.0)
    assert r.stop_outcomes()["close_price"].iloc[0] == pytest.approx(98.0)
    assert r.bad_debt_usd == 0.0 and r.insurance_fund_end == pytest.approx(0.5)
    # Up: asks 101, 102; short Y 1 @ liq 101, bankrupt 101.5; a buy stop @ 100.5. Shock to
    # 101: both trigger; the lowest trigger (the stop) takes 101, Y buys at 102:
    # shortfall 102 - 101.5 = 0.5.
    book = OrderBook(100.0, [99.0], [1.0], [101.0, 102.0], [1.0, 1.0])
    short = PositionBook(np.array([-1], np.int8), [1.0], [95.0], [6.0], [101.0], [101.5])
    stop = StopBook(np.array([1], np.int8), [100.5], [1.0])
    r = simulate_cascade(book, short, stop, shock_price=101.0)
    assert r.rounds == 1 and r.final_price == 102.0
    assert r.stops_buy_usd == pytest.approx(101.0)
    assert r.liquidated_short_usd == pytest.approx(102.0)
    assert r.bad_debt_usd == pytest.approx(0.5)


def test_shock_past_the_whole_book_closes_everything_at_the_price_reached() -> None:
    # -50 % on BOOK: every bid is above 50, so the round finds no book: A, B and the stop
    # close at P_x = 50. Fund 0 + (50 - 99) * 1 + (50 - 96) * 2 = -141 -> bad debt 141.
    r = simulate_cascade(BOOK, POS, STOPS, shock=-0.5)
    assert r.rounds == 1 and r.book_exhausted and r.final_price == 50.0
    assert r.n_liquidated == 2 and r.n_stops == 1
    assert r.liquidated_long_usd == pytest.approx(150.0)
    assert r.stops_sell_usd == pytest.approx(50.0)
    assert r.bad_debt_usd == pytest.approx(141.0)
    assert r.unfilled_base == pytest.approx(4.0)


def test_usd_sell_shock() -> None:
    # sell 247 USD: 99 x 2 = 198, then 49 USD = 0.5 at 98 -> price 98.
    # Round 1: A and B trigger, Q = 3: 0.5 at 98 + 2.5 at 95 -> vwap 286.5 / 3 = 95.5, price 95.
    # fund 10 + (95.5 - 99) * 1 + (95.5 - 96) * 2 = 5.5. Round 2: the stop, 1 at 95.
    r = simulate_cascade(BOOK, POS, STOPS, shock_sell_usd=247.0, insurance_fund=10.0)
    assert r.shock_price == 98.0
    assert r.rounds == 2 and r.final_price == 95.0
    assert r.trace[0]["vwap"] == pytest.approx(95.5)
    assert r.liquidated_long_usd == pytest.approx(286.5)
    assert r.insurance_fund_end == pytest.approx(5.5)
    assert r.bad_debt_usd == 0.0
    assert r.stops_sell_usd == pytest.approx(95.0)


def test_up_move_mirrors() -> None:
    # +0.9 % -> 100.9 (no ask below). Round 1: C (100.8 <= 100.9) buys 1.5: 1 at 101,
    # 0.5 at 102 -> vwap 152 / 1.5, price 102; fund (101.5 - 101.333) * 1.5 = 0.25.
    # Round 2: the buy stop (101.5 <= 102) buys 1 at 102. Round 3: none.
    r = simulate_cascade(BOOK, POS, STOPS, shock=0.009)
    assert r.direction == "up"
    assert r.shock_price == pytest.approx(100.9)
    assert r.rounds == 2 and r.final_price == 102.0
    assert r.liquidated_short_usd == pytest.approx(152.0)
    assert r.liquidated_long_usd == 0.0
    assert r.insurance_fund_end == pytest.approx(0.25)
    assert r.stops_buy_usd == pytest.approx(102.0)


def test_nothing_triggered() -> None:
    r = simulate_cascade(BOOK, POS, STOPS, shock_price=99.9)
    assert r.rounds == 0 and r.final_price == 99.9 and r.trace == []
    assert r.n_liquidated == 0 and r.liquidated_long_usd == 0.0


def test_empty_book_round_closes_at_the_shock_price() -> None:
    # a shock below every bid empties the side; the round finds no book: nothing fills,
    # P_x is the price the round started at (the shock, 90) and everything closes there.
    # Fund (90 - 99) * 1 + (90 - 96) * 2 = -21 -> bad debt 21.
    r = simulate_cascade(BOOK, POS, STOPS, shock_price=90.0)
    assert r.rounds == 1 and r.final_price == 90.0 and r.book_exhausted
    assert r.unfilled_base == pytest.approx(4.0)  # A 1 + B 2 + stop 1
    assert r.liquidated_long_usd == pytest.approx(270.0) and r.n_liquidated == 2
    assert r.stops_sell_usd == pytest.approx(90.0)
    assert r.bad_debt_usd == pytest.approx(21.0)
    assert r.trace[0]["vwap"] == 90.0 and r.trace[0]["filled_base"] == 0.0


def test_larger_shock_can_fill_less_usd() -> None:
    # Documented: filled USD is not monotone in the shock, because fills happen lower.
    # 98.9 -> A at 98, B at 95 = 288 USD; 97.5 removes 99 and 98 -> both at 95 = 285 USD.
    a = simulate_cascade(BOOK, POS, shock_price=98.9)
    b = simulate_cascade(BOOK, POS, shock_price=97.5)
    assert a.liquidated_long_usd == pytest.approx(288.0)
    assert b.liquidated_long_usd == pytest.approx(285.0)
    assert b.final_price <= a.final_price and b.n_liquidated >= a.n_liquidated


def test_reference_agrees_on_hand_case() -> None:
    ref = cascade_py(
        100.0, [99.0, 98.0, 95.0], [2.0, 1.0, 4.0], [101.0, 102.0, 105.0], [1.0, 2.0, 3.0],
        [1, 1, -1], [1.0, 2.0, 1.5], [99.5, 98.5, 100.8], [99.0, 96.0, 101.5],
        [-1, 1], [96.5, 101.5], [1.0, 1.0], shock_price=98.9, insurance_fund=0.5,
    )  # fmt: skip
    assert ref["rounds"] == 3 and ref["final_price"] == 95.0
    assert ref["bad_debt_usd"] == pytest.approx(2.5)


@pytest.mark.parametrize(
    "kw",
    [{}, {"shock": -0.1, "shock_price": 90.0}, {"shock_sell_usd": 1.0, "shock_buy_usd": 1.0}],
)
def test_exactly_one_shock(kw: dict[str, float]) -> None:
    with pytest.raises(InputError, match="exactly one of"):
        simulate_cascade(BOOK, POS, **kw)


@pytest.mark.parametrize(
    ("kw", "msg"),
    [
        ({"shock_price": -1.0}, "shock_price must be > 0"),
        ({"shock": -1.5}, r"shock must be a fraction > -1 \(got -1\.5; a fraction of mid: -0\.05"),
        ({"shock_sell_usd": -5.0}, "shock_sell_usd must be a finite number >= 0"),
        ({"shock": -0.1, "insurance_fund": -1.0}, "insurance_fund"),
    ],
)
def test_bad_shock_values(kw: dict[str, float], msg: str) -> None:
    with pytest.raises(InputError, match=msg):
        simulate_cascade(BOOK, POS, **kw)


def test_config_validation() -> None:
    with pytest.raises(InputError, match="refill_fraction"):
        CascadeConfig(refill_fraction=1.5)
    with pytest.raises(InputError, match="mark_price_weight"):
        CascadeConfig(mark_price_weight=0.0)
    with pytest.raises(InputError, match="max_rounds"):
        CascadeConfig(max_rounds=0)
    assert CascadeConfig(partial_liquidation=True).chunk_fractions() == pytest.approx([0.2] * 5)


def test_result_views() -> None:
    r = simulate_cascade(BOOK, POS, STOPS, shock_price=98.9, insurance_fund=0.5)
    df = r.to_frame()
    assert list(df.index) == [1, 2, 3]
    assert df["notional_usd"].sum() == pytest.approx(r.forced_usd)
    fig = r.plot()
    assert len(fig.data) == 6
    assert "final_price" in r._repr_html_()


def test_a_triggerable_position_needs_a_finite_bankruptcy_price() -> None:
    # a short liquidated at 101 with bankruptcy inf would book its whole close (101) as a
    # shortfall: refused where the book is built, naming the field
    with pytest.raises(InputError, match="bankruptcy_price must be finite") as e:
        PositionBook(np.array([-1], np.int8), [1.0], [100.0], [1.0], [101.0], [np.inf])
    assert e.value.param == "bankruptcy_price"
    # a position that never triggers may carry inf in both (the never-liquidated mass)
    never = PositionBook(np.array([-1], np.int8), [1.0], [100.0], [1.0], [np.inf], [np.inf])
    r = simulate_cascade(prepare_cascade(BOOK, never, None), shock=0.5)
    assert r.summary()["n_liquidated"] == 0 and r.summary()["bad_debt_usd"] == 0.0
