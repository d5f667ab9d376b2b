"""Order books under numbers outside their domain (api18).

``OrderBook.parametric`` named ``tick`` for a NaN or negative mid and took a fractional
or boolean ``n_levels``; ``from_levels`` raised numpy's reshape error on a flat list;
``from_book_depth`` raised "cannot convert float NaN to integer" / OverflowError for a
NaN or infinite ``levels_per_percent`` and numpy's "Maximum allowed size exceeded" for
a huge one; ``notional_within`` gave 0 USD for a NaN or negative distance.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from liqcascade.book import OrderBook
from liqcascade.errors import InputError

NAN, INF = math.nan, math.inf
DEPTH = pd.DataFrame({"percentage": [-2, -1, 1, 2], "depth": [30.0, 10.0, 10.0, 30.0]})


@pytest.mark.parametrize("mid", [NAN, INF, 0.0, -3000.0])
def test_parametric_names_the_mid(mid: float) -> None:
    with pytest.raises(InputError, match="mid must be a finite price > 0") as e:
        OrderBook.parametric(mid, 1e6)
    assert e.value.param == "mid"


@pytest.mark.parametrize(
    ("kw", "param"),
    [({"mid": "3000"}, "mid"), ({"mid": True}, "mid"), ({"d1_usd_bid": "1e6"}, "d1_usd_bid"),
     ({"beta": "0.73"}, "beta"), ({"tick": "1"}, "tick"), ({"max_distance": "0.25"},
     "max_distance")],
)  # fmt: skip
def test_parametric_refuses_text_and_bools(kw: dict[str, object], param: str) -> None:
    # math.isfinite("3000") raised TypeError, and True was a mid of 1 USD
    args: dict[str, object] = {"mid": 3000.0, "d1_usd_bid": 1e6} | kw
    with pytest.raises(InputError, match=f"^{param} must be a number") as e:
        OrderBook.parametric(**args)  # type: ignore[arg-type]
    assert e.value.param == param


def test_parametric_reads_a_decimal_as_its_float() -> None:
    from decimal import Decimal

    a = OrderBook.parametric(Decimal("3000"), Decimal("3e7"), beta=Decimal("0.73"))
    b = OrderBook.parametric(3000.0, 3e7, beta=0.73)
    assert a.mid == b.mid and a.n_levels == b.n_levels
    np.testing.assert_allclose(a.bid_size, b.bid_size, rtol=1e-12)


@pytest.mark.parametrize("n_levels", [2.5, True, "2000"])
def test_parametric_refuses_a_level_count_that_is_not_whole(n_levels: object) -> None:
    with pytest.raises(InputError, match="n_levels must be a whole number") as e:
        OrderBook.parametric(3000.0, 1e6, n_levels=n_levels)  # type: ignore[arg-type]
    assert e.value.param == "n_levels"


@pytest.mark.parametrize(
    ("kw", "param"),
    [({"beta": NAN}, "beta"), ({"tick": -1.0}, "tick"), ({"max_distance": 1.5}, "max_distance")],
)
def test_parametric_errors_carry_their_parameter(kw: dict[str, float], param: str) -> None:
    with pytest.raises(InputError) as e:
        OrderBook.parametric(3000.0, 1e6, **kw)
    assert e.value.param == param


@pytest.mark.parametrize("bids", [[2999.0, 1.0, 5.0], [[2999.0, 1.0, 5.0]], [["a", 1.0]]])
def test_from_levels_refuses_levels_that_are_not_price_size_pairs(bids: object) -> None:
    with pytest.raises(InputError, match="bids must") as e:
        OrderBook.from_levels(3000.0, bids, [[3001.0, 1.0]])  # type: ignore[arg-type]
    assert e.value.param == "bids"


@pytest.mark.parametrize("lpp", [NAN, INF, 0, 2.5, True])
def test_from_book_depth_refuses_levels_per_percent_that_is_not_a_count(lpp: object) -> None:
    with pytest.raises(InputError, match="levels_per_percent must be a whole number") as e:
        OrderBook.from_book_depth(DEPTH, 3000.0, lpp)  # type: ignore[arg-type]
    assert e.value.param == "levels_per_percent"


def test_from_book_depth_refuses_levels_beyond_the_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIQCASCADE_MEMORY_LIMIT", "100MB")
    with pytest.raises(InputError, match="needs about") as e:
        OrderBook.from_book_depth(DEPTH, 3000.0, 10**9)
    assert e.value.param == "levels_per_percent"


@pytest.mark.parametrize("mid", [NAN, -1.0])
def test_from_book_depth_names_the_mid(mid: float) -> None:
    with pytest.raises(InputError, match="mid must be") as e:
        OrderBook.from_book_depth(DEPTH, mid)
    assert e.value.param == "mid"


@pytest.mark.parametrize("distance", [NAN, -INF, -0.01])
def test_notional_within_refuses_a_distance_that_is_not_a_fraction(distance: float) -> None:
    book = OrderBook.parametric(3000.0, 1e6, n_levels=100)
    with pytest.raises(InputError, match="distance must be") as e:
        book.notional_within(distance)
    assert e.value.param == "distance"
    # the documented figure: d1 within 1 %, everything within an infinite distance
    assert book.notional_within(0.01) == pytest.approx(1e6, rel=1e-9)
    assert book.notional_within(INF) == pytest.approx(book.notional_within(0.25), rel=1e-12)


@pytest.mark.parametrize(("side", "i"), [("bid", 2), ("ask", 1)])
def test_an_order_book_refuses_a_level_past_any_market(side: str, i: int) -> None:
    # lib19: 1e300 base units passed, and the book's depth sums overflowed to inf
    big = {"bid": np.array([1.0, 1e300]), "ask": np.array([1e300, 1.0])}
    bid_size = big["bid"] if side == "bid" else np.ones(2)
    ask_size = big["ask"] if side == "ask" else np.ones(2)
    bids, asks = np.array([2999.0, 2998.0]), np.array([3001.0, 3002.0])
    with pytest.raises(
        InputError, match=rf"^{side} level {i}: price x size must be at most 1e\+15"
    ):
        OrderBook(3000.0, bids, bid_size, asks, ask_size)
    book = OrderBook(3000.0, bids[:1], np.array([1e11]), asks[:1], np.ones(1))
    assert book.bid_size[0] == 1e11  # 3e14 USD at one level: large, but a book
