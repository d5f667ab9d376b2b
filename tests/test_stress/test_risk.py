"""VaR/ES against a plain numpy reference; portfolio outcomes by hand; batches."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from liqcascade.errors import InputError
from liqcascade.stress import (
    FailedScenario,
    Portfolio,
    evaluate_portfolio,
    expected_shortfall,
    read_portfolio,
    run_batch,
    value_at_risk,
)


def _ref_var_es(loss: np.ndarray, level: float) -> tuple[float, float]:
    x = sorted(float(v) for v in loss)
    n = len(x)
    h = (n - 1) * level  # numpy's linear quantile
    lo = math.floor(h)
    var = x[lo] + (h - lo) * (x[min(lo + 1, n - 1)] - x[lo])
    k = max(1, math.ceil(n * (1 - level) - 1e-9))
    return var, sum(x[n - k :]) / k


@pytest.mark.parametrize("seed", range(20))
def test_var_es_against_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    loss = rng.standard_t(3, size=int(rng.integers(1, 3000))) * 1000
    for level in (0.95, 0.99):
        v, e = _ref_var_es(loss, level)
        assert value_at_risk(loss, level) == pytest.approx(v, rel=1e-12, abs=1e-9)
        assert expected_shortfall(loss, level) == pytest.approx(e, rel=1e-12, abs=1e-9)
        assert expected_shortfall(loss, level) >= value_at_risk(loss, level) - 1e-9


def test_var_es_hand_values() -> None:
    loss = np.arange(1.0, 101.0)  # 1..100 USD
    assert value_at_risk(loss, 0.95) == pytest.approx(95.05)
    assert expected_shortfall(loss, 0.95) == pytest.approx(np.mean([96, 97, 98, 99, 100]))
    assert expected_shortfall(loss, 0.99) == pytest.approx(100.0, rel=1e-12)


def _pf(**over: object) -> Portfolio:
    df = pd.DataFrame(
        {
            "symbol": ["ETHUSDT", "ETHUSDT"],
            "side": ["long", "short"],
            "size": [2.0, 1.0],
            "entry_price": [2000.0, 2000.0],
            "margin": [200.0, 400.0],
            "stop_price": [np.nan, 2100.0],
        }
    )
    for k, v in over.items():
        df[k] = v
    return Portfolio.from_frame(df, "t.csv")


def test_portfolio_liq_prices_follow_binance() -> None:
    pf = _pf()
    # Binance tier 0 (MMR 0.4 %, cum 0): long LP = (WB - size*EP)/(size*MMR - size)
    lp_long = (200 - 2 * 2000) / (2 * 0.004 - 2)
    lp_short = (400 + 2000) / (0.004 + 1)
    assert pf.liq_price[0] == pytest.approx(lp_long)
    assert pf.liq_price[1] == pytest.approx(lp_short)


def test_evaluate_portfolio_by_hand() -> None:
    pf = _pf()
    p0 = {"ETH": 2000.0}
    final = {"ETH": np.array([2050.0, 1500.0, 2000.0])}
    low = {"ETH": np.array([1950.0, 1500.0, 1990.0])}
    high = {"ETH": np.array([2050.0, 2000.0, 2150.0])}
    out = evaluate_portfolio(pf, p0, final, low, high)
    # path 0: long +100, short -50 (no stop: high 2050 < 2100)
    # path 1: long liquidated (low 1500 < LP 1907.6) -> -200; short +500
    # path 2: long 0; short stopped at 2100 -> -100
    np.testing.assert_allclose(out.pnl, [50.0, 300.0, -100.0])
    np.testing.assert_array_equal(out.liquidated[:, 0], [False, True, False])
    np.testing.assert_array_equal(out.stopped[:, 1], [False, False, True])


@pytest.mark.parametrize(
    ("text", "msg"),
    [
        (
            "symbol,side,size,entry_price,leverage\nETH,long,-1,2000,10\n",
            "data row 1: size must be > 0",
        ),
        ("symbol,side,size,entry_price,leverage\nETH,flat,1,2000,10\n", "data row 1: side"),
        ("symbol,side,size,entry_price,leverage\nETH,long,1,abc,10\n", "data row 1: entry_price"),
        ("symbol,side,size,entry_price,leverage\nETH,long,1,2000,0.5\n", "data row 1: leverage"),
        ("symbol,side,size,entry_price\nETH,long,1,2000\n", "margin or a leverage"),
        (
            "symbol,side,size,entry_price,leverage\nETH,long,1,2000,10\nXRP,long,-1,1,2\n",
            "data row 2",
        ),
    ],
)
def test_bad_portfolio_rows(tmp_path: object, text: str, msg: str) -> None:
    from pathlib import Path

    p = Path(str(tmp_path)) / "pf.csv"
    p.write_text(text)
    with pytest.raises(InputError, match=msg):
        read_portfolio(p)


def test_position_already_liquidated_is_rejected() -> None:
    with pytest.raises(InputError, match="data row 1: already beyond its liquidation price"):
        _pf().check_prices({"ETH": 1800.0})


def test_batch_keeps_going_after_a_failure() -> None:
    def bad() -> object:
        raise InputError("--window: no bundled ETH bars in that range")

    def worse() -> object:
        raise ZeroDivisionError("boom")

    out = run_batch([("a", bad), ("b", worse)])  # type: ignore[list-item]
    assert all(isinstance(o, FailedScenario) for o in out)
    assert out[0].summary()["error"].startswith("--window")  # type: ignore[union-attr]
    assert out[1].error == "ZeroDivisionError: boom"  # type: ignore[union-attr]
    # neither came from a scenario function: no scenario to name; the type is kept
    assert [(o.scenario, o.error_type) for o in out] == [  # type: ignore[union-attr]
        ("?", "InputError"),
        ("?", "ZeroDivisionError"),
    ]
