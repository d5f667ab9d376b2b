"""Solvency's interval over the position book's parameter draws (``position_draws``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from clihelpers import run_cli
from floats import assert_same
from liqcascade.cascade import CascadeConfig, simulate_cascade
from liqcascade.positions import PositionBook
from liqcascade.solvency import Exchange, StressScenario, run_solvency

SCEN = [StressScenario("-10%", -0.10), StressScenario("-30%", -0.30), StressScenario("+20%", 0.2)]


@pytest.fixture(scope="module")
def market() -> Any:
    from liqcascade.market import MarketSpec, estimated_market
    from liqcascade.solvency._market import split_accounts

    st = estimated_market(MarketSpec("ETH", "2025-07-31", share=0.2, with_stops=False))
    return st, split_accounts(st.positions, 3)


def _run(market: Any, draws: Any = ()) -> Any:
    st, pos = market
    ex = Exchange(pos, insurance_fund=2e6, mid=st.book.mid)
    return run_solvency(
        ex, SCEN, order_book=st.book, engine="cascade", asset="ETH", as_of=st.close_time,
        position_draws=draws,
    )  # fmt: skip


def test_the_central_book_as_its_only_draw_changes_nothing(market: Any) -> None:
    a, b = _run(market), _run(market, [market[1]])
    for x, y in zip(a.outcomes, b.outcomes, strict=True):
        assert x.bad_debt_usd == y.bad_debt_usd and x.n_liquidated == y.n_liquidated
        for k in ("bad_debt_p10_usd", "bad_debt_p90_usd", "liquidated_p10_usd", "final_price_p10"):
            assert_same(x.interval[k], y.interval[k])
        assert x.static_upper_bound["bad_debt_usd"] == y.static_upper_bound["bad_debt_usd"]
        assert y.interval["n_book_draws"] == 1


def test_real_book_draws_widen_the_interval_and_the_bound(market: Any) -> None:
    st, _ = market
    draws = [d.positions for d in st.draws()]
    assert len(draws) >= 5
    a, b = _run(market), _run(market, draws)
    fee = 0.0
    for x, y, sc in zip(a.outcomes, b.outcomes, SCEN, strict=True):
        # the central figures stay the central book's
        assert x.bad_debt_usd == y.bad_debt_usd and x.final_price == y.final_price
        assert y.interval["n_book_draws"] == len(draws)
        assert y.static_upper_bound["n_books"] == len(draws) + 1
        # the bound is the extreme of the static runs on the central book and every draw
        runs = [
            simulate_cascade(st.book, p, None, shock=sc.shock, insurance_fund=2e6,
                             config=CascadeConfig(liquidation_fee=fee))
            for p in [market[1], *draws]
        ]  # fmt: skip
        bad = max(r.bad_debt_usd for r in runs)
        assert_same(y.static_upper_bound["bad_debt_usd"], bad, rtol=1e-9)
        deep = min if sc.shock < 0 else max
        assert_same(y.static_upper_bound["final_price"], deep(r.final_price for r in runs))
        assert y.static_upper_bound["bad_debt_usd"] >= x.static_upper_bound["bad_debt_usd"]
    liq_a = np.array([o.interval["liquidated_p90_usd"] - o.interval["liquidated_p10_usd"]
                      for o in a.outcomes])  # fmt: skip
    liq_b = np.array([o.interval["liquidated_p90_usd"] - o.interval["liquidated_p10_usd"]
                      for o in b.outcomes])  # fmt: skip
    assert (liq_b > liq_a).any()  # the books differ, so the liquidations do


def test_an_empty_draw_liquidates_nothing_on_its_share(market: Any) -> None:
    pos = market[1]
    empty = PositionBook.empty()
    r = _run(market, [pos, empty])
    for o in r.outcomes:
        assert o.interval["liquidated_p10_usd"] == 0.0  # half the pairs: the empty book
        assert o.interval["n_book_draws"] == 2


def test_the_cli_interval_spans_the_book_draws() -> None:
    out = run_cli("solvency", "--insurance-fund", "5e6", "--asset", "BTC", "--json")
    assert out.exit_code == 0, out.stderr
    d = out.json()
    ivs = [s["interval"] for s in d["scenarios"]]
    assert all(iv["n_book_draws"] >= 5 for iv in ivs)
    assert all(s["static_upper_bound"]["n_books"] == ivs[0]["n_book_draws"] + 1
               for s in d["scenarios"])  # fmt: skip
