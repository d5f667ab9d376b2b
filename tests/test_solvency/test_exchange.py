from __future__ import annotations

import numpy as np
import pytest

from liqcascade.errors import InputError
from liqcascade.positions import PositionBook
from liqcascade.solvency import (
    Exchange,
    StressScenario,
    default_scenarios,
    october_2025_shock,
    run_solvency,
)
from liqcascade.solvency._market import split_accounts


def _book() -> PositionBook:
    # long A: 1 ETH @2000, margin 100 -> bankrupt 1900; long B: 2 ETH, margin 400 -> 1800
    # short C: 1 ETH @2000, margin 200 -> bankrupt 2200
    return PositionBook(
        side=[1, 1, -1],
        size=[1.0, 2.0, 1.0],
        entry_price=[2000.0, 2000.0, 2000.0],
        margin=[100.0, 400.0, 200.0],
        liq_price=[1910.0, 1810.0, 2190.0],
        bankruptcy_price=[1900.0, 1800.0, 2200.0],
    )


def test_path_engine_golden_by_hand() -> None:
    ex = Exchange(_book(), insurance_fund=50.0, reserve_buffer=0.01, mid=2000.0)
    res = run_solvency(
        ex, [StressScenario("a", -0.08), StressScenario("b", -0.12), StressScenario("c", 0.2)]
    )
    a, b, c = res.outcomes
    # a: P1 = 1840, A liquidated: (1840 - 1900) * 1 = -60; fund 50 -> 0, bad debt 10
    assert a.final_price == pytest.approx(1840.0)
    assert (a.n_liquidated, a.fund_end_usd, a.bad_debt_usd) == (1, 0.0, pytest.approx(10.0))
    assert a.liquidated_usd == pytest.approx(1840.0)
    assert a.min_buffer == pytest.approx(10 / 700)
    assert a.reserve_ratio_end == pytest.approx((707 - 10) / 700)
    assert not a.survives  # 1 % of 700 = 7 < 10
    # ADL: the short's profit 160 at 1840; bankruptcy price 1900 caps it at 60/ETH
    for r in a.adl.values():
        assert r.haircut_usd == pytest.approx(10.0)
        assert r.closed_size[-1] == pytest.approx(10 / 60)
    # b: P1 = 1760: A -140, B (1760 - 1800) * 2 = -80 -> bad debt 170
    assert b.bad_debt_usd == pytest.approx(170.0)
    assert b.n_liquidated == 2
    # c: +20 % -> 2400: short C (2200 - 2400) = -200 -> bad 150, no profitable... longs win
    assert c.bad_debt_usd == pytest.approx(150.0)
    assert c.adl["optimal"].haircut_usd == pytest.approx(150.0)
    assert res.breaks((0.01, 0.5)) == {"1%": ["a", "b", "c"], "50%": []}
    assert res.worst.name == "b"


def test_liquidation_fee_feeds_the_fund() -> None:
    ex = Exchange(_book(), insurance_fund=50.0, liquidation_fee=0.01, mid=2000.0)
    a = run_solvency(ex, [StressScenario("a", -0.08)]).outcomes[0]
    # the fee, 1 % of 1840 = 18.4, is part of A's result: -60 + 18.4 = -41.6, drawn on
    # the fund of 50 -> bad debt 0, fund 8.4
    assert a.bad_debt_usd == 0.0
    assert a.fund_end_usd == pytest.approx(8.4)


def test_path_engine_credits_surpluses_after_the_shock() -> None:
    # Issue 17's accounting in the path engine: long A 1 @ liq 1910, bankrupt 1900; long G
    # (low leverage) 1 @ liq 1500, bankrupt 1000; fund 50. -8 %: P1 = 1840, A's shortfall
    # 60 -> bad debt 10, fund 0. -30 %: P1 = 1400, A's shortfall 500 -> bad debt 450; G's
    # surplus 400 is credited after: fund 400 (netted first it covered A: bad debt 50).
    book = PositionBook(
        side=[1, 1], size=[1.0, 1.0], entry_price=[2000.0, 2000.0], margin=[100.0, 1000.0],
        liq_price=[1910.0, 1500.0], bankruptcy_price=[1900.0, 1000.0],
    )  # fmt: skip
    ex = Exchange(book, insurance_fund=50.0, mid=2000.0)
    a, b = run_solvency(ex, [StressScenario("a", -0.08), StressScenario("b", -0.3)]).outcomes
    assert (a.bad_debt_usd, a.fund_end_usd) == (pytest.approx(10.0), 0.0)
    assert b.n_liquidated == 2
    assert b.bad_debt_usd == pytest.approx(450.0)
    assert b.fund_end_usd == pytest.approx(400.0)


def test_more_fund_less_bad_debt_monotone() -> None:
    bads = [
        run_solvency(Exchange(_book(), insurance_fund=f, mid=2000.0), [StressScenario("x", -0.12)])
        .outcomes[0]
        .bad_debt_usd
        for f in (0.0, 50.0, 100.0, 220.0, 1000.0)
    ]
    assert bads == pytest.approx([220.0, 170.0, 120.0, 0.0, 0.0])


def test_cascade_engine_golden_by_hand() -> None:
    from liqcascade.book import OrderBook

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
    ex = Exchange(pos, insurance_fund=10.0)
    res = run_solvency(ex, [StressScenario("down", -0.01)], order_book=ob, liquidity="static")
    o = res.outcomes[0]
    # shock to 1980 removes the 1990 bid; round 1: A sells 1 @1950 (-30);
    # round 2: B sells 1 @1900 (-40); fund 10 -> bad debt 60; final price 1900
    assert res.engine == "cascade"
    assert o.final_price == pytest.approx(1900.0)
    assert o.bad_debt_usd == pytest.approx(60.0)
    assert o.fund_end_usd == 0.0
    assert o.n_liquidated == 2
    # ADL on the surviving short (profit 100/ETH at 1900, capped at |1900 - 1960| = 60)
    assert o.adl["binance"].haircut_usd == pytest.approx(60.0)
    assert o.adl["binance"].closed_size[-1] == pytest.approx(1.0)


def test_october_shock_from_bundled_data() -> None:
    assert october_2025_shock() == pytest.approx(3435.0 / 4368.09 - 1, rel=1e-9)
    names = [s.name for s in default_scenarios()]
    assert names == ["-5%", "-10%", "-20%", "-30%", "+10%", "+20%", "2025-10-10"]
    # every asset's own fall that day, from its own bars
    from liqcascade import datasets

    h = datasets.load_ohlcv("BTC", "1h", "2025-10-10", "2025-10-10")
    btc = float(h["low"].min() / h["open"].iloc[0] - 1.0)
    assert october_2025_shock("BTC") == pytest.approx(btc, rel=1e-12)
    assert -0.3 < btc < -0.1 and btc != pytest.approx(october_2025_shock(), rel=1e-3)
    assert default_scenarios("btc")[-1].shock == pytest.approx(btc, rel=1e-12)


def test_split_accounts_preserves_totals() -> None:
    b = _book()
    s = split_accounts(b, 20, seed=1, min_notional=0.0)
    assert len(s) == 60
    np.testing.assert_allclose(s.size.reshape(3, 20).sum(1), b.size)
    np.testing.assert_allclose(s.margin.reshape(3, 20).sum(1), b.margin)
    np.testing.assert_allclose(s.leverage, np.repeat(b.leverage, 20))
    assert len(np.unique(s.account)) == 60
    ex = Exchange(s, insurance_fund=50.0, mid=2000.0)
    o = run_solvency(ex, [StressScenario("a", -0.08)]).outcomes[0]
    assert o.bad_debt_usd == pytest.approx(10.0)  # splitting does not change the totals
    dust = split_accounts(b, 20, seed=1, min_notional=100.0)
    assert len(dust) < 60 and np.all(dust.size * dust.entry_price >= 100.0)
    assert len(np.unique(dust.account)) == len(dust)


def test_split_accounts_keeps_cross_positions() -> None:
    # a cross long whose venue-stated liquidation price lies above its entry (its
    # account's equity sets it) is a valid book; its accounts stay cross
    b = PositionBook(
        [1, -1], [1.0, 2.0], [2000.0, 2000.0], [100.0, 200.0], [2100.0, 2100.0],
        [1900.0, 2200.0], cross=[True, False],
    )  # fmt: skip
    s = split_accounts(b, 5, seed=1, min_notional=0.0)
    assert len(s) == 10 and s.cross.tolist() == [True] * 5 + [False] * 5


def test_bad_input() -> None:
    # the library names its parameters (param=), never a command-line flag
    with pytest.raises(InputError, match=r"^insurance_fund must be >= 0 \(got -1\)$") as e:
        Exchange(_book(), insurance_fund=-1)
    assert e.value.param == "insurance_fund"
    with pytest.raises(InputError, match=r"^reserve_buffer must be >= 0") as e:
        Exchange(_book(), insurance_fund=0, reserve_buffer=-0.1)
    assert e.value.param == "reserve_buffer"
    # a percentage given for a fraction (C13): the message suggests the fraction
    with pytest.raises(InputError, match=r"^reserve_buffer .*\(got 6; for 6 % give 0\.06\)$"):
        Exchange(_book(), insurance_fund=0, reserve_buffer=6.0)
    with pytest.raises(InputError, match=r"^liquidation_fee must be a fraction in \[0, 1\)") as e:
        Exchange(_book(), insurance_fund=0, liquidation_fee=1.0)
    assert e.value.param == "liquidation_fee"
    with pytest.raises(InputError, match=r"^liabilities_usd must be > 0") as e:
        Exchange(_book(), insurance_fund=0, liabilities_usd=0.0)
    assert e.value.param == "liabilities_usd"
    with pytest.raises(InputError, match="shock"):
        StressScenario("x", -1.5)
    ex = Exchange(_book(), 0.0)
    with pytest.raises(InputError, match=r"^policies must be among .* \(got 'fifo'\)$") as e:
        run_solvency(ex, policies=("fifo",))  # type: ignore[arg-type]
    assert e.value.param == "policies"
    with pytest.raises(InputError, match=r"^scenarios must not be empty$") as e:
        run_solvency(ex, [])
    assert e.value.param == "scenarios"
    with pytest.raises(InputError, match=r"^liquidity must be calibrated or static") as e:
        run_solvency(ex, liquidity="deep")
    assert e.value.param == "liquidity"


def test_zero_liabilities_are_refused_unless_given() -> None:
    b = _book()
    free = PositionBook(
        side=b.side, size=b.size, entry_price=b.entry_price, margin=np.zeros(3),
        liq_price=b.liq_price, bankruptcy_price=b.bankruptcy_price,
    )  # fmt: skip
    with pytest.raises(InputError, match=r"liabilities \(its positions' margin\) are 0") as e:
        Exchange(free, 0.0)
    assert e.value.param == "liabilities_usd"
    assert Exchange(free, 0.0, liabilities_usd=1e6).liabilities == 1e6
    assert Exchange(b, 0.0).liabilities == pytest.approx(700.0)


def _btc_book(symbol: str = "BTCUSDT") -> PositionBook:
    return PositionBook(
        side=[1, -1], size=[1.0, 0.5], entry_price=[100_000.0, 98_000.0],
        margin=[5_000.0, 4_900.0], liq_price=[95_500.0, 107_000.0],
        bankruptcy_price=[95_000.0, 107_800.0], symbol=symbol,
    )  # fmt: skip


def test_default_scenarios_passed_for_another_asset_take_its_fall() -> None:
    """``default_scenarios()`` (ETH's) on a BTCUSDT book runs BTC's 2025-10-10 fall."""
    btc_fall = october_2025_shock("BTC")
    ex = Exchange(_btc_book(), insurance_fund=0.0)
    for given in (default_scenarios(), default_scenarios("ETH")):
        (day,) = [o for o in run_solvency(ex, given).outcomes if o.name == "2025-10-10"]
        assert day.shock == pytest.approx(btc_fall, rel=1e-12)
        p0 = (100_000.0 * 1.0 + 98_000.0 * 0.5) / 1.5  # the path engine's size-weighted entry
        assert day.final_price == pytest.approx(p0 * (1 + btc_fall), rel=1e-12)
    # an ETH book keeps ETH's fall, the fixed shocks are every asset's
    eth = run_solvency(Exchange(_book(), insurance_fund=0.0), default_scenarios())
    assert eth.outcomes[-1].shock == pytest.approx(3435.0 / 4368.09 - 1, rel=1e-9)
    shocks = [o.shock for o in run_solvency(ex, default_scenarios()).outcomes[:-1]]
    assert shocks == pytest.approx([-0.05, -0.10, -0.20, -0.30, 0.10, 0.20], abs=1e-15)


def test_an_asset_other_than_the_positions_own_is_refused() -> None:
    ex = Exchange(_btc_book(), insurance_fund=0.0)
    with pytest.raises(
        InputError,
        match=r"^asset \(SOL\) is not the positions' asset \(BTC: BTCUSDT\): "
        r"leave asset out, or give BTC$",
    ):
        run_solvency(ex, [StressScenario("a", -0.1)], asset="SOL")
    with pytest.raises(InputError, match=r"^asset \(ETH\) is not the positions' asset") as e:
        run_solvency(ex, [StressScenario("a", -0.1)], asset="ETH")
    assert e.value.param == "asset"
    own = run_solvency(ex, [StressScenario("a", -0.1)], asset=" btc ")
    assert own.outcomes[0].shock == pytest.approx(-0.1, rel=1e-12)
    # a book of the default symbol (a file without one) takes any asset, its fall too
    eth_default = Exchange(_btc_book("ETHUSDT"), insurance_fund=0.0)
    r = run_solvency(eth_default, default_scenarios(), asset="BTC")
    assert r.outcomes[-1].shock == pytest.approx(october_2025_shock("BTC"), rel=1e-12)


def test_a_mixed_symbol_book_is_refused_for_any_asset() -> None:
    """A file of several assets' symbols (read without a price) reads as symbol "mixed".

    One price moves one asset's positions: the book is refused, with any asset (session
    26; it took any, while the reader refused such a file read as one asset), without
    naming an asset that is none (until session 24: "... or give MIXED").
    """
    ex = Exchange(_btc_book("mixed"), insurance_fund=0.0)
    for asset in ("BTC", "ETH"):
        with pytest.raises(InputError, match=r"several assets' symbols \(mixed\)") as e:
            run_solvency(ex, [StressScenario("a", -0.1)], asset=asset)
        assert e.value.param == "asset" and "MIXED" not in str(e.value)


def test_a_changed_copy_of_the_day_keeps_its_shock_for_any_asset() -> None:
    """``replace(default_scenarios()[-1], shock=x)`` is the caller's number: not swapped."""
    from dataclasses import replace

    mine = replace(default_scenarios()[-1], shock=-0.3)
    ex = Exchange(_btc_book(), insurance_fund=0.0)
    (day,) = run_solvency(ex, [mine], liquidity="static").outcomes
    assert day.shock == pytest.approx(-0.3, rel=1e-12)


def test_the_day_without_the_books_bars_is_left_out_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A SOL book given ETH's ``default_scenarios()``: the day is left out, as by default."""
    ex = Exchange(_btc_book("SOLUSDT"), insurance_fund=0.0)
    with caplog.at_level("WARNING", logger="liqcascade.solvency"):
        r = run_solvency(ex, default_scenarios(), liquidity="static")
    shocks = [o.shock for o in r.outcomes]
    assert shocks == pytest.approx([-0.05, -0.10, -0.20, -0.30, 0.10, 0.20], abs=1e-15)
    assert "2025-10-10 scenario is left out" in caplog.text and "SOL" in caplog.text
    with pytest.raises(InputError, match=r"the one scenario given, 2025-10-10, has no SOL bars"):
        run_solvency(ex, [default_scenarios()[-1]], liquidity="static")


def test_repr_is_one_short_line() -> None:
    """The repr names the figures, not the exchange's positions (the dataclass default)."""
    ex = Exchange(_book(), insurance_fund=50.0, reserve_buffer=0.01, mid=2000.0)
    res = run_solvency(ex, [StressScenario("a", -0.08), StressScenario("b", -0.12)])
    text = repr(res)
    assert "\n" not in text and len(text) < 300 and "PositionBook" not in text
    assert text.startswith("SolvencyResult(engine=") and "n_positions=3" in text
    assert "worst=b, worst_bad_debt_usd=170" in text  # by hand: test_path_engine_golden
    assert "<table" in res._repr_html_()


@pytest.mark.parametrize(("given", "hint"), [(6.0, "; for 6 % give 0.06"), (150.0, "")])
def test_reserve_buffer_percent_hint_is_the_shared_one(given: float, hint: str) -> None:
    """``_limits.check_fraction``'s wording: a percent is hinted only where it can be one."""
    with pytest.raises(InputError) as e:
        Exchange(_book(), insurance_fund=0, reserve_buffer=given)
    assert str(e.value) == f"reserve_buffer must be a fraction in [0, 1) (got {given:g}{hint})"
    assert e.value.param == "reserve_buffer"


def test_the_chart_writes_its_buffers_as_percent_text() -> None:
    """``6 % buffer``, as the report's chart and text write it (``6% buffer`` before)."""
    ex = Exchange(_book(), insurance_fund=50.0, mid=2000.0)
    fig = run_solvency(ex, [StressScenario("a", -0.12)]).plot()
    texts = [str(a.text) for a in fig.layout.annotations]
    assert texts == ["6 % buffer", "10 % buffer", "14 % buffer"]
