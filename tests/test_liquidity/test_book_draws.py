"""The position book's parameter uncertainty carried into the calibrated cascade.

Paths spread over every pair of a liquidity draw and a book draw
(``calibrated_cascade(books=...)``); the static bound beside the carry is the deepest
static run over the book draws (``static_bound``, ``static_envelope``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from floats import assert_same
from liqcascade.cascade import (
    calibrated_cascade,
    load_liquidity,
    market_answer,
    prepare_cascade,
    prepare_market,
    prepared_draws,
    simulate_cascade,
    simulate_clock,
    static_bound,
)
from liqcascade.cascade._calibrated_fragility import calibrated_fragility, static_envelope
from liqcascade.errors import InputError
from liqcascade.positions import PositionBook, StopBook
from profiles import examples


@pytest.fixture(scope="module")
def eth() -> dict[str, Any]:
    from liqcascade.cascade import market_volatility
    from liqcascade.market import MarketSpec, estimated_market

    state = estimated_market(MarketSpec("ETH", "2025-07-31"))
    ts, sigma, resid = market_volatility(state)
    return {
        "state": state,
        "pm": prepare_market(state),
        "books": prepared_draws(state),
        "cal": load_liquidity("ETH", ts),
        "ts": ts,
        "sigma": sigma,
        "resid": resid,
    }


def _run(e: dict[str, Any], books: Any = (), **kw: Any) -> Any:
    kw = {"shock": -0.05, "n_paths": 120} | kw
    return calibrated_cascade(
        e["pm"], calibration=e["cal"], sigma_hourly=e["sigma"], residuals=e["resid"],
        books=books, **kw,
    )  # fmt: skip


def test_the_real_book_has_draws_that_differ(eth: dict[str, Any]) -> None:
    books = eth["books"]
    assert len(books) == len(eth["state"].draws()) >= 5
    sizes = [float(b.positions.size.sum()) for b in books]
    assert max(sizes) > 1.2 * min(sizes)  # the draws are different books
    assert all(b.book.mid == eth["pm"].book.mid for b in books)


def test_one_book_draw_equal_to_the_central_book_changes_nothing(eth: dict[str, Any]) -> None:
    a, b = _run(eth), _run(eth, books=[eth["pm"]])
    assert a.n_paths == b.n_paths
    assert_same(a.moves, b.moves)
    assert_same(a.liquidated, b.liquidated)
    assert_same([a.carry_p10, a.carry_median], [b.carry_p10, b.carry_median])


def test_paths_spread_over_every_pair_of_draws(eth: dict[str, Any]) -> None:
    n_liq, n_book = len(eth["cal"].draws), len(eth["books"])
    c = _run(eth, books=eth["books"], n_paths=2 * n_liq * n_book)
    assert c.n_paths == 2 * n_liq * n_book
    # a book draw without positions liquidates nothing on its share of the paths
    empty = prepare_cascade(eth["pm"].book, PositionBook.empty(), StopBook.empty())
    mixed = _run(eth, books=[eth["pm"], empty], n_paths=2 * n_liq * 2)
    liq = mixed.liquidated.reshape(n_liq, 2, 2)  # (liquidity draw, book, path)
    assert (liq[:, 1, :] == 0).all() and (liq[:, 0, :] > 0).any()
    alone = _run(eth, books=[empty])
    assert (alone.liquidated == 0).all() and alone.liquidated_median == 0.0


def test_a_book_draw_must_share_the_price(eth: dict[str, Any]) -> None:
    from liqcascade.book import calibrated_book

    st_ = eth["state"]
    other = prepare_cascade(
        calibrated_book(as_of=st_.as_of, mid=st_.mid * 1.01, scale=1.0),
        st_.positions,
        st_.stops,
    )
    with pytest.raises(InputError, match=r"books\[0\]"):
        _run(eth, books=[other])


@settings(max_examples=examples(15), deadline=None)
@given(shock=st.floats(-0.15, 0.15).filter(lambda s: abs(s) > 0.005))
def test_static_bound_is_the_deepest_static_run(eth: dict[str, Any], shock: float) -> None:
    books = eth["books"][:4]
    finals = [simulate_cascade(b, shock=shock).final_price for b in books]
    got = static_bound(eth["pm"], books, shock=shock).final_price
    assert got == (min(finals) if shock < 0 else max(finals))
    assert static_bound(eth["pm"], (), shock=shock).final_price == (
        simulate_cascade(eth["pm"], shock=shock).final_price
    )
    env = static_envelope(eth["pm"], books, np.array([shock]))
    assert_same(env[0], got / eth["pm"].book.mid - 1.0, rtol=1e-9)


def test_the_static_bound_over_draws_bounds_every_pairs_carry(eth: dict[str, Any]) -> None:
    """Each draw's carry is bounded by its own static run, so by the deepest of them."""
    grid = np.array([-0.03, -0.08])
    bound = static_envelope(eth["pm"], eth["books"], grid)
    for b in eth["books"][:4]:
        for d in eth["cal"].draws[:3]:
            carry = [simulate_clock(b, shock=float(s), params=d).extreme_move for s in grid]
            assert (bound <= np.asarray(carry) + 1e-9).all()
    ans = market_answer(
        eth["pm"], asset="ETH", as_of=eth["ts"], shock=-0.05, sigma_hourly=eth["sigma"],
        residuals=eth["resid"], n_paths=240, books=eth["books"],
    )  # fmt: skip
    assert ans["calibration"]["n_book_draws"] == len(eth["books"])
    sb = ans["static_upper_bound"]
    assert sb["n_books"] == len(eth["books"])
    assert sb["final_move"] <= ans["carry_p10"] + 1e-9
    cf = calibrated_fragility(
        eth["pm"], calibration=eth["cal"], sigma_hourly=eth["sigma"], residuals=eth["resid"],
        shocks=grid, n_paths=24, books=eth["books"][:2],
    )  # fmt: skip
    assert cf.critical_by_draw.size == len(eth["cal"].draws) * 2
    c = cf.curve
    assert (c["static_bound_move"] <= c["carry_p10"] + 1e-9).all()


def test_a_state_walks_its_draws_once(eth: dict[str, Any]) -> None:
    """The cascade, stress and solvency answers of one state share its draws."""
    st_ = eth["state"]
    a, b = prepared_draws(st_), prepared_draws(st_)
    assert a is not b and all(x is y for x, y in zip(a, b, strict=True))  # same, new list
    assert all(x is y for x, y in zip(st_.draws(), st_.draws(), strict=True))
    assert [p.positions for p in prepared_draws(st_, n=3)] == [d.positions for d in st_.draws(3)]
    assert st_.draws()[0].draws() == []  # a draw has no draws of its own
    with pytest.raises(InputError, match="n must be >= 0"):
        prepared_draws(st_, n=-1)


def test_deepest_draw_is_the_lowest_on_a_fall_and_the_highest_on_a_rise() -> None:
    from liqcascade.cascade._clock import deepest_draw

    v = np.array([[1.0, 5.0, 2.0], [0.5, 7.0, 2.0], [3.0, 6.0, 1.0]])
    assert deepest_draw(v, [True, False, False]).tolist() == [1, 1, 0]  # ties: the first
    assert deepest_draw(v, [False, True, True]).tolist() == [2, 0, 2]
    rng = np.random.default_rng(3)
    for _ in range(50):  # twin: the min / max of the rows picked
        m = rng.normal(size=(rng.integers(1, 8), 9))
        f = rng.uniform(size=9) < 0.5
        got = m[deepest_draw(m, f), np.arange(9)]
        assert_same(got, np.where(f, m.min(axis=0), m.max(axis=0)), rtol=0)
    with pytest.raises(InputError, match="fall"):
        deepest_draw(v, [True])


def test_the_static_bound_and_its_curve_pick_the_same_draw(eth: dict[str, Any]) -> None:
    """One definition of "deepest over draws": ETH at 2025-07-31, before and after.

    ``static_envelope`` equals its former formula (min over the draws' curves on a fall,
    max on a rise) and, shock by shock, ``static_bound``'s deepest run.
    """
    from liqcascade.cascade import fragility_curve

    books = eth["books"]
    mid = eth["pm"].book.mid
    grid = np.array([-0.12, -0.07, -0.03, -0.01, 0.01, 0.04, 0.09])
    env = static_envelope(eth["pm"], books, grid)
    curves = np.vstack([fragility_curve(b, shocks=grid).frame["final_move"] for b in books])
    before = np.where(grid <= 0, curves.min(axis=0), curves.max(axis=0))
    assert_same(env, before, rtol=1e-12)
    runs = [static_bound(eth["pm"], books, shock=float(s)) for s in grid]
    assert_same(env, np.array([r.final_price / mid - 1.0 for r in runs]), rtol=1e-9, atol=1e-12)
    for s, r in zip(grid, runs, strict=True):  # the former pick: lowest / highest final price
        finals = [simulate_cascade(b, shock=float(s)).final_price for b in books]
        assert_same(r.final_price, min(finals) if s < 0 else max(finals), rtol=1e-12)
