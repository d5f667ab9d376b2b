"""The identified book's safe mass as never-liquidated positions."""

from __future__ import annotations

import numpy as np
import pytest

from floats import assert_same
from liqcascade.errors import InputError
from liqcascade.positions._model import BookParams, walk
from liqcascade.positions._safe import safe_book
from test_positions.test_bootstrap import _frames


@pytest.mark.parametrize("median", [0.05, 0.3, 1.0])
def test_safe_book_completes_the_liquidatable_book(median: float) -> None:
    p = BookParams(dist_median=median, dist_sigma=1.2, turnover=0.2, theta0=0.3, scale=0.02)
    run = walk(_frames(1, days=40), p)
    safe = safe_book(run)
    live = run.book()
    # safe positions never liquidate: 0 for longs, inf for shorts
    assert np.all(safe.liq_price[safe.side > 0] == 0.0)
    assert np.all(np.isinf(safe.liq_price[safe.side < 0]))
    long_sz, short_sz = run.safe_size()
    assert_same(safe.size[safe.side > 0].sum(), long_sz * p.scale, rtol=1e-12)
    assert_same(safe.size[safe.side < 0].sum(), short_sz * p.scale, rtol=1e-12)
    # liquidatable + safe = the book at the last bar's end, per side
    for s, base in ((1, run.open_long_base[-1]), (-1, run.open_short_base[-1])):
        tot = live.size[live.side == s].sum() + safe.size[safe.side == s].sum()
        assert_same(tot, base * p.scale, rtol=1e-9)
    assert safe.leverage == pytest.approx(np.ones(len(safe)))


def test_safe_book_rejects_bad_share() -> None:
    run = walk(_frames(2, days=35), BookParams())
    with pytest.raises(InputError, match="venue_share"):
        safe_book(run, venue_share=0.0)
