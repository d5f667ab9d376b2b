"""A portfolio row's stated ``liq_price`` is where it is liquidated, isolated or cross.

Trial 35 (an exchange's export, 63 cross rows with their account's liquidation price):
``stress`` priced every row as an isolated position on its own leverage, so a cross long
whose venue price was 10 % below the mid showed a 20 % chance of liquidation in a day,
at the isolated price 2 % away. Trial 37 (F2): the stated price is read; an isolated row
keeps its own margin, a cross row loses the effective isolated margin its price implies
(``margin.implied_margin``), and a cross row without a price is refused.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clihelpers import run_cli
from liqcascade.errors import InputError
from liqcascade.stress import Portfolio, PortfolioOutcome, evaluate_portfolio, read_portfolio
from profiles import examples

HEAD = "name,symbol,side,size,entry_price,leverage,margin_mode,liq_price\n"
P0 = 3698.0  # the current ETH price of these tests, USD


def _read(tmp_path: Path, rows: str, head: str = HEAD, name: str = "export.csv") -> Portfolio:
    f = tmp_path / name
    f.write_text(head + rows)
    return read_portfolio(f)


def _outcome(pf: Portfolio, low: np.ndarray) -> PortfolioOutcome:
    """Each path's outcome with ``low`` its lowest price and the final price P0."""
    n = low.size
    return evaluate_portfolio(pf, {"ETH": P0}, {"ETH": np.full(n, P0)}, {"ETH": low},
                              {"ETH": np.full(n, P0)})  # fmt: skip


def test_isolated_price_by_hand() -> None:
    # Binance ETHUSDT tier 0 (MMR 0.4 %, cum 0): a 10 ETH long at 3,700, 20x, has
    # WB = 1,850 and LP = (1,850 − 37,000) / (10 · 0.004 − 10) = 3,529.12
    assert (1850 - 37000) / (10 * 0.004 - 10) == pytest.approx(3529.116, abs=1e-3)


def test_an_isolated_row_stating_the_computed_price_changes_nothing(tmp_path: Path) -> None:
    with_price = _read(tmp_path, "a,ETHUSDT,long,10,3700,20,isolated,3529.116466\n")
    without = _read(tmp_path, "a,ETHUSDT,long,10,3700,20,,\n", name="plain.csv")
    assert with_price.liq_stated.tolist() == [True]
    assert without.liq_stated.tolist() == [False]
    assert with_price.liq_price[0] == pytest.approx(without.liq_price[0], rel=1e-9)
    assert with_price.margin[0] == pytest.approx(1850.0)
    low = np.linspace(3400.0, 3690.0, 59)
    a, b = _outcome(with_price, low), _outcome(without, low)
    np.testing.assert_array_equal(a.liquidated, b.liquidated)
    np.testing.assert_allclose(a.pnl, b.pnl, rtol=1e-12)
    # liquidated at or below 3,529.12: the equity 1,850 + 10·(3,698 − 3,700) = 1,830 lost
    assert a.pnl[0] == pytest.approx(-1830.0)


def test_a_cross_row_loses_the_margin_its_farther_price_implies(tmp_path: Path) -> None:
    pf = _read(tmp_path, "c,ETHUSDT,long,10,3700,20,cross,3400\n")
    # m = 10·(3,700 − 3,400) + 10·3,400·0.004 = 3,136 USD, against its own 1,850
    assert pf.margin[0] == pytest.approx(3136.0)
    assert pf.liq_price[0] == 3400.0
    assert pf.margin_modes == ["cross"]
    out = _outcome(pf, np.array([3500.0, 3400.0, 3300.0]))
    # 3,500 (below the isolated 3,529) no longer liquidates: marked at P0
    assert out.liquidated[:, 0].tolist() == [False, True, True]
    assert out.pnl.tolist() == pytest.approx([0.0, -3116.0, -3116.0])


def test_an_isolated_row_is_liquidated_at_its_nearer_stated_price(tmp_path: Path) -> None:
    pf = _read(tmp_path, "i,ETHUSDT,long,10,3700,20,isolated,3600\n")
    assert pf.margin[0] == pytest.approx(1850.0)  # its own
    out = _outcome(pf, np.array([3610.0, 3600.0]))
    assert out.liquidated[:, 0].tolist() == [False, True]
    assert out.pnl[1] == pytest.approx(-1830.0)


def test_a_short_and_other_venues(tmp_path: Path) -> None:
    head = "symbol,side,size,entry_price,margin_mode,liq_price,venue\n"
    rows = (
        "ETH,short,10,3700,cross,4000,binance\n"
        "ETH,long,1,20000,cross,19700,bybit\n"
        "ETH,long,10,3700,cross,0,hyperliquid\n"
    )
    pf = _read(tmp_path, rows, head=head)
    # short: 10·(4,000 − 3,700) + 10·4,000·0.004; Bybit on the entry value: 300 + 100;
    # a long never liquidated (0): its whole notional
    assert pf.margin.tolist() == pytest.approx([3160.0, 400.0, 37000.0])


def _cross_row(side: int, lp: float, venue: str) -> Portfolio:
    """One cross position of 10 ETH entered 1 % away from P0 (against it), stating ``lp``."""
    row = {"symbol": "ETH", "side": "long" if side > 0 else "short", "size": 10.0,
           "entry_price": P0 * (1 + 0.01 * side), "margin_mode": "cross", "liq_price": lp,
           "venue": venue}  # fmt: skip
    return Portfolio.from_frame(pd.DataFrame([row]))


@settings(max_examples=examples(100), deadline=None)
@given(
    st.sampled_from([1, -1]),
    st.floats(0.005, 0.3),  # the nearer price's distance from P0
    st.floats(0.0, 0.3),  # how much farther the other
    st.lists(st.floats(-0.6, 0.6), min_size=1, max_size=30),  # each path's final move
    st.sampled_from(["binance", "bybit", "hyperliquid"]),
)
def test_a_farther_price_liquidates_no_more_and_loses_at_most_its_equity(
    side: int, near: float, extra: float, moves: list[float], venue: str
) -> None:
    x = P0 * (1 + np.asarray(moves))  # each path ends at x; its extreme is x or P0
    low, high = np.minimum(x, P0), np.maximum(x, P0)
    out, equity = [], []
    for far in (near, near + extra):
        pf = _cross_row(side, max(P0 * (1 - side * far), 0.0), venue)
        out.append(evaluate_portfolio(pf, {"ETH": P0}, {"ETH": x}, {"ETH": low}, {"ETH": high}))
        equity.append(float(pf.equity({"ETH": P0})[0]))
        assert equity[-1] > 0
        # a liquidation loses the equity at the snapshot, a mark never more
        assert np.all(out[-1].pnl >= -equity[-1] * (1 + 1e-12))
    nearer, farther = out[0].liquidated[:, 0], out[1].liquidated[:, 0]
    assert not np.any(farther & ~nearer)  # never where the nearer one was not
    assert equity[1] >= equity[0] * (1 - 1e-12)  # farther: more effective margin


@pytest.mark.parametrize(
    ("cell", "mode", "words"),
    [
        ("", "cross", "a cross row needs its account's liq_price (missing or NaN)"),
        ("NaN", "cross", "a cross row needs its account's liq_price (missing or NaN)"),
        ("-5", "cross", "liq_price must be a finite price >= 0 USD (got -5)"),
        ("abc", "isolated", "liq_price is not a number ('abc')"),
        ("inf", "cross", "liq_price must be a finite price >= 0 USD (got inf)"),
        ("3800", "cross", "liq_price 3,800.00 is at or above the entry_price 3,700.00 of a long"),
        ("3400", "isolated", "liq_price 3,400.00 lies below the bankruptcy price 3,515.00"),
        ("3400", "Cross-ish", "margin_mode must be isolated or cross (got 'Cross-ish')"),
    ],
)
def test_bad_rows_exit_2_with_one_line(tmp_path: Path, cell: str, mode: str, words: str) -> None:
    f = tmp_path / "bad.csv"
    f.write_text(HEAD + f"ok,ETHUSDT,long,1,3700,5,,\nx,ETHUSDT,long,10,3700,20,{mode},{cell}\n")
    with pytest.raises(InputError, match="data row 2"):
        read_portfolio(f)
    r = run_cli("stress", "--portfolio", str(f), "--scenario", "shock", "--shocks=-5%")
    assert r.exit_code == 2 and r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith(f"error: {f}: data row 2 (file line 3): "), lines[0]
    assert words in lines[0]


def test_leverage_type_is_read_as_the_mode(tmp_path: Path) -> None:
    head = "symbol,side,size,entry_price,leverage_type,liq_price\n"
    pf = _read(tmp_path, "ETHUSDT,long,10,3700,cross,3400\n", head=head)
    assert pf.margin_modes == ["cross"]
    assert pf.margin[0] == pytest.approx(3136.0)


def test_a_spot_holding_states_no_liquidation(tmp_path: Path) -> None:
    head = "symbol,side,size,entry_price,leverage,venue,liq_price\n"
    with pytest.raises(InputError, match="a spot holding has no margin mode or liquidation"):
        _read(tmp_path, "ETH,long,1,3700,,spot,100\n", head=head)


def test_the_json_says_which_rows_use_their_stated_price(tmp_path: Path) -> None:
    f = tmp_path / "export.csv"
    f.write_text(HEAD + "c,ETHUSDT,long,10,3700,20,cross,3400\ni,ETHUSDT,long,10,3700,20,,\n")
    r = run_cli("stress", "--portfolio", str(f), "--scenario", "shock", "--shocks=-5%", "--json")
    assert r.exit_code == 0, r.stderr
    out = r.json()
    assert out["portfolio_liq_stated"] == {"c": True, "i": False}
    assert out["portfolio_margin_modes"] == {"c": "cross", "i": "isolated"}
    assert "warning:" not in r.stderr
    text = run_cli("stress", "--portfolio", str(f), "--scenario", "shock", "--shocks=-5%")
    assert "; 1 row liquidated at the stated liq_price (1 cross: it loses the margin" in (
        text.stdout
    )


def test_a_stated_price_already_passed_at_the_current_price_is_refused(tmp_path: Path) -> None:
    head = "symbol,side,size,entry_price,margin_mode,liq_price\n"
    pf = _read(tmp_path, "ETH,long,1,4000,cross,3800\n", head=head)
    with pytest.raises(InputError, match=r"data row 1: already beyond its liquidation price 3,800"):
        pf.check_prices({"ETH": P0})
