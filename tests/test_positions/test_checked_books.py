"""Books built from checked books skip the checks (``PositionBook._of_checked``).

``subset``, ``concat`` and the stop model's residual (``_with_size``) take positions from
books already checked; every rule of a book is a rule on each position alone, so the
book they build is the one the checking constructor builds: the same arrays, dtypes and
flags (compared on the bundled market's book and on random books).
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liqcascade.errors import InputError
from liqcascade.positions import PositionBook
from liqcascade.positions._stops import _with_size
from profiles import examples


def _checked(book: PositionBook) -> PositionBook:
    """``book`` rebuilt through the checking constructor."""
    kw = {f.name: getattr(book, f.name) for f in fields(book)}
    return PositionBook(**kw)


def _same(a: PositionBook, b: PositionBook) -> None:
    for f in fields(PositionBook):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype and x.shape == y.shape and x.flags.c_contiguous, f.name
            np.testing.assert_array_equal(x, y, err_msg=f.name)  # copies of one array
        else:
            assert x == y, f.name


def _book(rng: np.random.Generator, n: int) -> PositionBook:
    side = rng.choice(np.array([1, -1], np.int8), n)
    entry = rng.uniform(100.0, 5000.0, n)
    size = rng.uniform(0.01, 50.0, n)
    lev = rng.uniform(1.5, 100.0, n)
    margin = size * entry / lev
    bank = entry - side * margin / size
    liq = bank + side * 0.004 * entry
    cross = rng.random(n) < 0.2
    return PositionBook(side, size, entry, margin, liq, bank, rng.integers(0, 9, n),
                        rng.integers(-1, 10**12, n), venue="bybit", symbol="BTCUSDT",
                        cross=cross)  # fmt: skip


@settings(max_examples=examples(60), deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 40))
def test_subset_concat_and_residual_equal_the_checked_books(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    a, b = _book(rng, n), _book(rng, int(rng.integers(0, 5)))
    mask = rng.random(n) < 0.5
    for got in (a.subset(mask), a.subset(np.flatnonzero(mask)[::-1]), PositionBook.concat([a, b])):
        _same(got, _checked(got))
    sub = a.subset(mask)
    size = sub.size * rng.uniform(1e-6, 1.0, len(sub))
    got = _with_size(sub, size)
    _same(got, _checked(got))
    np.testing.assert_allclose(got.margin, sub.margin * size / sub.size, rtol=1e-15)


def test_the_bundled_market_book_and_its_stop_residual() -> None:
    from liqcascade.market import MarketSpec, estimated_market

    m = estimated_market(MarketSpec("ETH", store=False))
    for book in (m.positions, m.whole_positions, m.whole_positions.subset(np.arange(0, 300, 7))):
        assert len(book) > 0
        _same(book, _checked(book))


def test_what_is_not_a_selection_or_a_shrink_is_still_checked() -> None:
    a = _book(np.random.default_rng(1), 6)
    with pytest.raises(InputError, match="mask must be"):
        a.subset(np.ones(5, bool))
    with pytest.raises(InputError, match="shape"):
        a.subset(np.array([[0, 1], [2, 3]]))  # a table of indices: not one per position
    with pytest.raises(InputError, match=r"PositionBook\.size"):
        _with_size(a, np.full(6, -1.0))  # not a shrink: the checking constructor names it
