"""Invariants of the fragility curve and the critical shock (hypothesis, default config).

- Along the curve the shock only deepens the outcome: the final price never moves
  back, and the liquidated count, the book's exhaustion and the bad debt never shrink
  (the fragility kernel's rows, not simulate_cascade's).
- More positions or stops on the book never move the critical shock further from mid
  (a superset of forced orders carries price at least as far at every shock), and
  the curve of the larger book is at least as deep at every shock.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from liqcascade.cascade import critical_shock, fragility_curve, prepare_cascade
from liqcascade.positions._book import PositionBook, StopBook
from profiles import examples
from properties.test_cascade_invariants import MID, two_sided_markets


def _shocks(down: bool) -> Any:
    return st.lists(
        st.floats(-0.6, -1e-4) if down else st.floats(1e-4, 2.0), min_size=2, max_size=12
    ).map(lambda v: np.array(sorted(v, key=abs)))


def _union(a: Any, b: Any) -> tuple[PositionBook, StopBook]:
    """The positions and stops of two drawn markets together."""
    pa, pb, sa, sb = a[1], b[1], a[2], b[2]
    pos = PositionBook(
        np.concatenate([pa.side, pb.side]),
        np.concatenate([pa.size, pb.size]),
        np.concatenate([pa.entry_price, pb.entry_price]),
        np.concatenate([pa.margin, pb.margin]),
        np.concatenate([pa.liq_price, pb.liq_price]),
        np.concatenate([pa.bankruptcy_price, pb.bankruptcy_price]),
    )
    stops = StopBook(
        np.concatenate([sa.side, sb.side]),
        np.concatenate([sa.trigger, sb.trigger]),
        np.concatenate([sa.size, sb.size]),
    )
    return pos, stops


@settings(max_examples=examples(60), deadline=None)
@given(mk=two_sided_markets(), down=st.booleans(), data=st.data())
def test_the_curve_only_deepens_with_the_shock(mk: Any, down: bool, data: Any) -> None:
    book, pos, stops, f0 = mk
    s = data.draw(_shocks(down))
    f = fragility_curve(book, pos, stops, shocks=s, insurance_fund=f0).to_frame()
    assert np.array_equal(f["shock"].to_numpy(), s)
    for (_, a), (_, b) in itertools.pairwise(f.iterrows()):
        if down:
            assert b["final_price"] <= a["final_price"]
        else:
            assert b["final_price"] >= a["final_price"]
        assert b["n_liquidated"] >= a["n_liquidated"]
        assert b["book_exhausted"] >= a["book_exhausted"]
        assert b["bad_debt_usd"] >= a["bad_debt_usd"] - 1e-9 * max(1.0, a["bad_debt_usd"])
    # the cascade never ends short of its shock
    if down:
        assert (f["final_price"] <= f["shock_price"] * (1 + 1e-12)).all()
    else:
        assert (f["final_price"] >= f["shock_price"] * (1 - 1e-12)).all()


@settings(max_examples=examples(25), deadline=None)
@given(
    mk=two_sided_markets(),
    extra=two_sided_markets(),
    move=st.one_of(st.floats(-0.4, -0.005), st.floats(0.005, 1.0)),
)
def test_more_positions_never_move_the_critical_shock_further(mk, extra, move) -> None:
    book, pos, stops, f0 = mk
    pos2, stops2 = _union(mk, extra)
    tol = 1e-6
    small = critical_shock(book, pos, stops, total_move=move, insurance_fund=f0, grid=40, tol=tol)
    big = critical_shock(book, pos2, stops2, total_move=move, insurance_fund=f0, grid=40, tol=tol)
    assert abs(big.shock) <= abs(small.shock) + 2 * tol
    assert 0 < abs(big.shock) <= abs(move) + 1e-12
    # the mechanism: at every shock the larger book ends at least as far from mid
    s = np.linspace(move / 25, move, 25)
    pm1 = prepare_cascade(book, pos, stops)
    pm2 = prepare_cascade(book, pos2, stops2)
    c1 = fragility_curve(pm1, shocks=s, insurance_fund=f0).to_frame()
    c2 = fragility_curve(pm2, shocks=s, insurance_fund=f0).to_frame()
    p1, p2 = c1["final_price"].to_numpy(), c2["final_price"].to_numpy()
    if move < 0:
        assert (p2 <= p1 + 1e-12 * MID).all()
    else:
        assert (p2 >= p1 - 1e-12 * MID).all()
    assert (c2["n_liquidated"].to_numpy() >= c1["n_liquidated"].to_numpy()).all()
