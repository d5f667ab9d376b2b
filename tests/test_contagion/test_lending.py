"""Aave maths inside the contagion loop (hand-worked examples) and the oracle rules."""

from __future__ import annotations

import numpy as np
import pytest

from liqcascade.book import OrderBook
from liqcascade.contagion import LendingMarket, Oracle, Venue, simulate_contagion
from liqcascade.positions import PositionBook


def _venue(name: str = "v", mid: float = 2100.0, d1: float = 5e7) -> Venue:
    e = np.empty(0)
    pos = PositionBook(np.empty(0, np.int8), e, e, e, e, e)
    return Venue(name, OrderBook.parametric(mid, d1, n_levels=3000), pos)


def _run(
    coll: list[float],
    debt: list[float],
    *,
    lt: float = 0.83,
    bonus: float = 1.05,
    target: float = 2000.0,
    sell_to: str = "dex",
    oracle: Oracle | None = None,
    shock: float | None = None,
) -> tuple[object, object]:
    v = _venue()
    m = LendingMarket("aave", np.array(coll), np.array(debt), lt, bonus,
                      oracle or Oracle(("v",), 0.0), collateral_price=2100.0, sell_to=sell_to,
                      dex_depth_usd=1e7)  # fmt: skip
    kw = {"shock": shock} if shock is not None else {"shock_price": target}
    r = simulate_contagion([v], lending=[m], shock_venue="v", **kw)  # type: ignore[arg-type]
    return r, r.lending_frame()


def test_half_close_factor_hand_example() -> None:
    # 10 WETH at $2,000, LT 0.83, debt 17,000: HF = 16,600 / 17,000 = 0.9765 > 0.95
    # -> repay 50 % = 8,500; seize 8,500 / 2,000 * 1.05 = 4.4625 WETH ($8,925)
    r, lf = _run([10.0], [17_000.0])
    d = r.defi["aave"]  # type: ignore[attr-defined]
    first = lf[lf.liquidated_usd > 0].iloc[0]
    assert first["debt_repaid_usd"] == pytest.approx(8_500.0)
    assert first["liquidated_usd"] == pytest.approx(4.4625 * 2000.0)
    # afterwards: 5.5375 WETH against 8,500: HF = 5.5375*2000*0.83/8500 = 1.0814 -> safe
    assert d["n_liquidations"] == 1
    assert d["bad_debt_usd"] == 0.0


def test_full_close_factor_below_095() -> None:
    # debt 17,600: HF = 16,600 / 17,600 = 0.943 <= 0.95 -> all the debt, 9.24 WETH seized
    r, lf = _run([10.0], [17_600.0])
    row = lf[lf.liquidated_usd > 0].iloc[0]
    assert row["debt_repaid_usd"] == pytest.approx(17_600.0)
    assert row["liquidated_usd"] == pytest.approx(9.24 * 2000.0)
    assert r.defi["aave"]["n_liquidations"] == 1  # type: ignore[attr-defined]


def test_full_close_factor_small_position() -> None:
    # 0.9 WETH ($1,800 < $2,000), debt 1,500: HF 0.996 -> whole debt; seize 0.7875 WETH
    _, lf = _run([0.9], [1_500.0])
    row = lf[lf.liquidated_usd > 0].iloc[0]
    assert row["debt_repaid_usd"] == pytest.approx(1_500.0)
    assert row["liquidated_usd"] == pytest.approx(0.7875 * 2000.0)


def test_bad_debt_when_collateral_runs_out() -> None:
    # 1 WETH, debt 1,990: 1,990*1.05/2,000 = 1.04475 WETH > 1 -> seize all, repay 2000/1.05
    r, lf = _run([1.0], [1_990.0])
    row = lf[lf.liquidated_usd > 0].iloc[0]
    assert row["debt_repaid_usd"] == pytest.approx(2000.0 / 1.05)
    assert row["bad_debt_usd"] == pytest.approx(1_990.0 - 2000.0 / 1.05)
    assert r.defi_bad_debt_usd == pytest.approx(85.238095, rel=1e-6)  # type: ignore[attr-defined]


def test_minimum_leftover_reverts() -> None:
    # LT x bonus <= 1 (Aave's rule; until session 24 this case used LT 0.93 x bonus 1.15).
    # 1.05 WETH, debt 2,085, LT 0.95: HF 1.0047 at the start ($2,100), 0.9521 at $1,990
    # -> 50 % = 1,042.50 repaid would seize 1,042.50 * 1.05 = $1,094.63 of the $2,089.50,
    # leaving $994.88 < $1,000 of collateral: reverts
    r, lf = _run([1.05], [2_085.0], lt=0.95, bonus=1.05, target=1990.0)
    d = r.defi["aave"]  # type: ignore[attr-defined]
    assert d["n_liquidations"] == 0
    assert d["n_reverted"] >= 1
    assert lf["liquidated_usd"].sum() == 0.0
    # with a 4 % bonus it leaves $1,005.30: goes through
    r2, lf2 = _run([1.05], [2_085.0], lt=0.95, bonus=1.04, target=1990.0)
    first = lf2[lf2.liquidated_usd > 0].iloc[0]
    assert first["debt_repaid_usd"] == pytest.approx(1_042.5, rel=1e-9)
    assert first["liquidated_usd"] == pytest.approx(1_042.5 * 1.04, rel=1e-9)
    # the bonus left it weaker ($1,005.30 < $2,000: full close factor): the next round
    # seizes the rest, $1,005.30 for debt 1,042.50, and the shortfall is bad debt
    assert r2.defi["aave"]["n_liquidations"] == 2  # type: ignore[attr-defined]
    assert r2.defi["aave"]["bad_debt_usd"] == pytest.approx(  # type: ignore[attr-defined]
        1_042.5 - (2_089.5 - 1_042.5 * 1.04) / 1.04, rel=1e-9
    )


def test_healthy_account_untouched() -> None:
    # HF at $2,000 = 10*2000*0.83/16,000 = 1.0375
    r, _lf = _run([10.0], [16_000.0])
    assert r.defi_liquidated_usd == 0.0  # type: ignore[attr-defined]


def test_oracle_deviation_threshold_and_heartbeat() -> None:
    # account: HF 1 at $2,079 (10 WETH, LT 0.83, debt 17,255.7); a 0.5 % fall to ~$2,089.5
    # is below the 1 % deviation -> no update, no liquidation, unless the heartbeat fires
    debt = 10 * 2_095.0 * 0.83
    kw = {"shock": -0.005}
    r, lf = _run([10.0], [debt], oracle=Oracle(("v",), 0.01, 0), **kw)  # type: ignore[arg-type]
    assert not lf["oracle_updated"].any()
    assert r.defi_liquidated_usd == 0.0  # type: ignore[attr-defined]
    r, lf = _run([10.0], [debt], oracle=Oracle(("v",), 0.01, 4), **kw)  # type: ignore[arg-type]
    upd = lf.loc[lf["oracle_updated"], "round"].tolist()
    assert upd == [4]
    liq_round = lf.loc[lf["liquidated_usd"] > 0, "round"].tolist()
    assert liq_round == [4]
    r, lf = _run([10.0], [debt], oracle=Oracle(("v",), 0.001, 0), **kw)  # type: ignore[arg-type]
    assert lf.loc[lf["oracle_updated"], "round"].tolist() == [1]
    assert lf.loc[lf["liquidated_usd"] > 0, "round"].tolist() == [1]


def test_liquidator_sells_on_venue_and_dex() -> None:
    coll = [10.0] * 50
    debt = [17_600.0] * 50
    r, lf = _run(coll, debt, sell_to="v")
    df = r.to_frame()  # type: ignore[attr-defined]
    sold = df["defi_sold_base"].sum()
    seized_usd = lf["liquidated_usd"].sum()
    assert sold > 0
    # sold base = seized USD / venue price at the sale
    assert sold == pytest.approx(seized_usd / 2000.0, rel=0.01)
    assert r.venues["v"].final_price < 2000.0  # type: ignore[attr-defined]
    _r2, lf2 = _run(coll, debt, sell_to="dex")
    # constant product: 1e7 USD pool at 2,100 -> x = 4761.9; after selling s tokens p = y/x
    x0 = 1e7 / 2100.0
    s = 50 * 9.24
    assert lf2["dex_price"].iloc[-1] == pytest.approx(1e7 * x0 / (x0 + s) ** 2)
