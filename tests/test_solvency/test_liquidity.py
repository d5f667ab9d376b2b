"""Solvency through the calibrated liquidity response; the static book as its upper bound."""

from __future__ import annotations

import numpy as np
import pytest

from clihelpers import run_cli
from liqcascade.book import OrderBook
from liqcascade.cascade import CascadeConfig, LiquidityParams, load_liquidity, simulate_cascade
from liqcascade.cascade._clock import Calibration
from liqcascade.errors import InputError
from liqcascade.positions import PositionBook
from liqcascade.solvency import Exchange, StressScenario, run_solvency

SHOCKS = (-0.05, -0.10, -0.20, -0.30, -0.50, 0.10, 0.20)


@pytest.fixture(scope="module")
def market():  # type: ignore[no-untyped-def]
    from liqcascade.market import MarketSpec, estimated_market
    from liqcascade.solvency._market import split_accounts

    st = estimated_market(MarketSpec("ETH", "2025-07-31", share=0.2, with_stops=False))
    return st, split_accounts(st.positions, 3)


def _static_cal() -> Calibration:
    return Calibration("ETH", None, LiquidityParams.static(), (), 0.0, (), 0)


def _toy() -> tuple[Exchange, OrderBook]:
    ob = OrderBook.from_levels(
        2000.0, [[1990, 1], [1950, 1], [1900, 1], [1800, 10]], [[2010, 5], [2050, 5]]
    )
    pos = PositionBook(
        side=[1, 1, 1, -1],
        size=[1.0, 1.0, 1.0, 2.0],
        entry_price=[2000.0] * 4,
        margin=[20.0, 60.0, 200.0, 100.0],
        liq_price=[1985.0, 1960.0, 1850.0, 2040.0],
        bankruptcy_price=[1980.0, 1940.0, 1800.0, 2050.0],
    )
    return Exchange(pos, insurance_fund=10.0), ob


def test_mechanisms_off_reproduce_the_hand_computed_static_golden() -> None:
    ex, ob = _toy()
    res = run_solvency(
        ex, [StressScenario("down", -0.01)], order_book=ob, calibration=_static_cal()
    )
    o = res.outcomes[0]
    # as test_exchange.test_cascade_engine_golden_by_hand: A @1950 (-30), B @1900 (-40)
    assert res.liquidity == "calibrated" and o.liquidity == "calibrated"
    assert o.final_price == pytest.approx(1900.0)
    assert o.bad_debt_usd == pytest.approx(60.0)
    assert o.fund_end_usd == 0.0 and o.n_liquidated == 2
    assert o.static_upper_bound is not None
    assert o.static_upper_bound["bad_debt_usd"] == pytest.approx(60.0)
    assert o.interval is not None and o.interval["bad_debt_p90_usd"] == pytest.approx(60.0)
    # ADL closes the deficit on the surviving short
    assert o.adl["binance"].haircut_usd == pytest.approx(60.0)


def test_bad_liquidity_refused() -> None:
    ex, ob = _toy()
    with pytest.raises(InputError, match="liquidity"):
        run_solvency(ex, [StressScenario("d", -0.01)], order_book=ob, liquidity="deep")


def test_calibrated_bounded_by_static_on_the_real_market(market) -> None:  # type: ignore[no-untyped-def]
    st, pos = market
    ex = Exchange(pos, insurance_fund=2e6)
    sc = [StressScenario(f"{s:+.0%}", s) for s in SHOCKS]
    cal = load_liquidity("ETH", st.close_time)
    res = run_solvency(ex, sc, order_book=st.book, calibration=cal, policies=("optimal",))
    mid = st.book.mid
    prev_bad = {1: -1.0, -1: -1.0}
    prev_n = {1: -1, -1: -1}
    for o in res.outcomes:
        u = o.static_upper_bound
        assert u is not None and o.interval is not None
        assert o.liquidated_usd <= u["liquidated_usd"] * (1 + 1e-12)
        assert o.interval["liquidated_p90_usd"] <= u["liquidated_usd"] * (1 + 1e-12)
        assert abs(o.final_price - mid) <= abs(u["final_price"] - mid) * (1 + 1e-12)
        assert o.bad_debt_usd <= u["bad_debt_usd"] * (1 + 1e-12) + 1e-6
        assert o.n_liquidated <= u["n_liquidated"]
        lo, hi = o.interval["bad_debt_p10_usd"], o.interval["bad_debt_p90_usd"]
        assert 0 <= lo <= hi
        # the move reaches at least the scenario's price (the index is held there)
        p1 = mid * (1 + o.shock)
        assert (
            (o.final_price <= p1 * (1 + 1e-12))
            if o.shock < 0
            else (o.final_price >= p1 * (1 - 1e-12))
        )
        # a larger move never shows less bad debt or fewer closed positions
        k = 1 if o.shock < 0 else -1
        assert o.bad_debt_usd >= prev_bad[k] and o.n_liquidated >= prev_n[k]
        prev_bad[k], prev_n[k] = o.bad_debt_usd, o.n_liquidated
    deep = next(o for o in res.outcomes if o.shock == -0.30)
    assert 0 < deep.bad_debt_usd < deep.static_upper_bound["bad_debt_usd"]  # type: ignore[index]


def test_static_reproduces_the_static_cascade(market) -> None:  # type: ignore[no-untyped-def]
    st, pos = market
    ex = Exchange(pos, insurance_fund=2e6, liquidation_fee=0.001)
    sc = [StressScenario("a", -0.2), StressScenario("b", 0.2)]
    res = run_solvency(ex, sc, order_book=st.book, liquidity="static", policies=("optimal",))
    cal = run_solvency(ex, sc, order_book=st.book, policies=("optimal",))
    assert res.liquidity == "static"
    for o, c, s in zip(res.outcomes, cal.outcomes, (-0.2, 0.2), strict=True):
        r = simulate_cascade(
            st.book, pos, shock=s, insurance_fund=2e6, config=CascadeConfig(liquidation_fee=0.001)
        )
        assert o.bad_debt_usd == pytest.approx(r.bad_debt_usd, rel=1e-12, abs=1e-9)
        assert o.final_price == pytest.approx(r.final_price, rel=1e-12)
        assert o.n_liquidated == r.n_liquidated and o.liquidity == "static"
        assert o.interval is None and o.static_upper_bound is None
        # the calibrated run's upper bound is the static run
        u = c.static_upper_bound
        assert u is not None and u["n_liquidated"] == o.n_liquidated
        assert u["bad_debt_usd"] == pytest.approx(o.bad_debt_usd, rel=1e-12, abs=1e-9)
        assert u["liquidated_usd"] == pytest.approx(o.liquidated_usd, rel=1e-12)
    assert np.isfinite(cal.outcomes[0].final_price)


def test_cli_liquidity_default_static_and_bad() -> None:
    args = ["solvency", "--as-of", "2025-07-31", "--insurance-fund", "0", "--scenario", "-20%",
            "--accounts-per-cohort", "2", "--adl-policy", "optimal", "--json"]  # fmt: skip
    d = run_cli(*args).json()
    assert d["liquidity"] == "calibrated" and d["calibration"]["asset"] == "ETH"
    (s,) = d["scenarios"]
    assert s["liquidity"] == "calibrated" and "interval" in s
    assert s["bad_debt_usd"] <= s["static_upper_bound"]["bad_debt_usd"]
    r = run_cli(*args, "--liquidity", "static")
    assert r.exit_code == 0, r.stderr
    (t,) = r.json()["scenarios"]
    assert t["liquidity"] == "static" and "interval" not in t
    # the static run is the central book's; the bound is the worst over it and the book's draws
    assert s["static_upper_bound"]["n_books"] > 1
    assert t["bad_debt_usd"] <= s["static_upper_bound"]["bad_debt_usd"] * (1 + 1e-12)
    r = run_cli(*args, "--liquidity", "deep")
    assert r.exit_code == 2 and "--liquidity" in r.stderr and "Traceback" not in r.stderr


def test_calibration_and_default_scenarios_follow_the_positions_asset() -> None:
    """A BTCUSDT book gets BTC's calibration and BTC's 2025-10-10 fall, not ETH's."""
    from liqcascade.solvency import default_scenarios

    pos = PositionBook(
        side=[1, -1], size=[1.0, 0.5], entry_price=[100_000.0, 98_000.0],
        margin=[5_000.0, 4_900.0], liq_price=[95_500.0, 107_000.0],
        bankruptcy_price=[95_000.0, 107_800.0], symbol="BTCUSDT",
    )  # fmt: skip
    ob = OrderBook.parametric(100_000.0, 1e6, beta=0.73)
    r = run_solvency(Exchange(pos, insurance_fund=1e3), order_book=ob)
    assert r.to_dict()["calibration"]["asset"] == "BTC"
    (oct_btc,) = [s for s in default_scenarios("BTC") if s.name == "2025-10-10"]
    (oct_eth,) = [s for s in default_scenarios("ETH") if s.name == "2025-10-10"]
    assert abs(oct_btc.shock - oct_eth.shock) > 1e-3  # the two falls differ
    (last,) = [o for o in r.outcomes if o.name == "2025-10-10"]
    assert last.shock == pytest.approx(oct_btc.shock, rel=1e-12)
    # an explicit asset picks the calibration: the positions' own, never another's
    with pytest.raises(
        InputError, match=r"^asset \(ETH\) is not the positions' asset \(BTC: BTCUSDT\)"
    ):
        run_solvency(Exchange(pos, insurance_fund=1e3), order_book=ob, asset="ETH")


def test_the_frame_flattens_the_interval_and_the_static_bound() -> None:
    """session 26: ``interval`` and ``static_upper_bound`` were columns of dicts."""
    ex, ob = _toy()
    res = run_solvency(
        ex, [StressScenario("down", -0.01), StressScenario("up", 0.01)], order_book=ob,
        calibration=_static_cal(),
    )  # fmt: skip
    df = res.to_frame()
    assert "interval" not in df.columns and "static_upper_bound" not in df.columns
    assert not any(isinstance(x, dict) for x in df.to_numpy().ravel())
    for i, o in enumerate(res.outcomes):
        assert o.interval is not None and o.static_upper_bound is not None
        for k, v in o.interval.items():
            assert df[k].iloc[i] == pytest.approx(v, rel=1e-12), k
        for k, v in o.static_upper_bound.items():
            assert df[f"static_{k}"].iloc[i] == pytest.approx(v, rel=1e-12), k
    assert df["bad_debt_p90_usd"].iloc[0] == pytest.approx(60.0, rel=1e-12)
    assert df["static_bad_debt_usd"].iloc[0] == pytest.approx(60.0, rel=1e-12)
    for c in ("bad_debt_p10_usd", "final_price_p90", "static_final_price"):
        assert df[c].dtype == np.float64, c
    assert df["static_book_exhausted"].dtype == bool
    # one flattening: the outcome's repr/HTML figures are the frame's row
    for i, o in enumerate(res.outcomes):
        figures = o._figures()
        shared = [k for k in figures if k in df.columns]
        assert "bad_debt_p90_usd" in shared and "static_bad_debt_usd" in shared
        for k in shared:
            v = figures[k]
            want = pytest.approx(v, rel=1e-12) if isinstance(v, float) else v
            assert df[k].iloc[i] == want, k
