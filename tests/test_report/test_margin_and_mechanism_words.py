"""The words a supervisor quotes: bad debt on posted margin, feed dollars, mechanisms (reg28).

The solvency section's "liabilities" are the accounts' posted margin and its dollars the
feed's; the worst scenario's lean is computed from the Hyperliquid bands; the contagion
section says what the bundled crash hour shows (every venue and asset falling in the
same hour) and what the Aave leg gives at BTC's own recorded fall (the outcome's price).
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import pandas as pd
import pytest

from liqcascade.report._leverage_check import depth_past_liquidation, gap_bias_line
from liqcascade.report._units import market_factor

LABELS = ["<2%", "2-5%", "5-10%", "10-20%", "20-50%", ">50%", "none"]


def _table(data: list[float], model: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"data": data, "model": model}, index=LABELS)


def test_depth_past_liquidation_weights_each_band_by_the_falls_reach() -> None:
    # all notional in one band: a 30 % fall goes 30 % − the band's middle past a band it
    # clears, and (30 − 20)² / (2 × 30) % past the 20–50 % band it ends in (even spread)
    near = _table([0, 0, 1, 0, 0, 0, 0], [0, 0, 0, 0, 1, 0, 0])
    d, m = depth_past_liquidation(near, -0.30)
    assert d == pytest.approx(0.30 - 0.075, abs=1e-12)
    assert m == pytest.approx(0.10**2 / (2 * 0.30), abs=1e-12)
    # never-liquidated and beyond-50 % notional is not reached by a 30 % fall
    far = _table([0, 0, 0, 0, 0, 0.5, 0.5], [0, 0, 0, 0, 0, 1, 0])
    assert depth_past_liquidation(far, 0.30) == (0.0, 0.0)


def test_gap_bias_line_says_which_way_from_the_bands() -> None:
    # the model nearer liquidation than the data: its bad debt more likely overstated
    over = _table([0, 0, 0.1, 0.1, 0.5, 0.3, 0], [0.1, 0.2, 0.2, 0.2, 0.1, 0.1, 0.1])
    line = gap_bias_line(over, "−30 %", -0.30)
    d, m = depth_past_liquidation(over, -0.30)
    assert m > d and "more likely overstated than understated" in line
    assert line.startswith("Which way the worst scenario (−30 %) may lean")
    assert f"({m / d:.1f}×)" in line
    # the band the fall ends in, both shares, and which holds more
    assert "the data hold more notional 20–50 % away (50 % vs 10 %)" in line
    under = _table(list(over["model"]), list(over["data"]))
    assert "more likely understated than overstated" in gap_bias_line(under, "−30 %", -0.30)
    assert gap_bias_line(None, "−30 %", -0.30) == ""


def test_market_factor_is_the_binance_share_over_the_books() -> None:
    from liqcascade.market import BINANCE_BOOK_SHARE

    assert market_factor(0.004475) == pytest.approx(BINANCE_BOOK_SHARE / 0.004475, rel=1e-12)
    assert 55 < market_factor(0.004475) < 57  # ETH at 2025-07-31 (reg28: ≈ 56)
    assert math.isnan(market_factor(float("nan"))) and math.isnan(market_factor(0.0))


def test_crash_hour_moves_are_the_bundled_bars() -> None:
    from liqcascade.contagion import crash_hour_moves, recorded_oct_2025

    m = crash_hour_moves()
    assert {"BTC", "ETH"} <= set(m["asset"]) and {"binance", "bybit"} <= set(m["venue"])
    # every venue and asset fell about 9–15 % in the same hour (reg28 F6)
    assert ((m["move"] < -0.09) & (m["move"] > -0.15)).all(), m
    rec = recorded_oct_2025()["crash_hour"]["binance"]
    eth = m[(m["asset"] == "ETH") & (m["venue"] == "binance")].iloc[0]
    assert eth["move"] == pytest.approx(rec["low"] / rec["open"] - 1, rel=1e-12)
    assert eth["move"] == pytest.approx(-0.1203, abs=5e-5)  # 3,864.76 → 3,400.00


def test_contagion_says_the_hour_cannot_tell_spread_from_a_common_shock() -> None:
    from liqcascade.contagion import crash_hour_moves
    from liqcascade.report._contagion_section import _hour_take, _hour_words

    v = SimpleNamespace(hour_moves=crash_hour_moves())
    take = _hour_take(v)  # type: ignore[arg-type]
    assert "shows every venue and both assets falling together" in take
    assert "ETH Binance −12.0\u00a0%" in take.replace(" %", "\u00a0%")
    assert "cannot tell a fall that started on one venue and spread from one shock" in take
    assert "in the crash hour" in _hour_words(v)  # type: ignore[arg-type]
    assert _hour_take(SimpleNamespace(hour_moves=None)) == ""  # type: ignore[arg-type]


def test_the_btc_alternative_is_labelled_as_the_outcomes_price() -> None:
    from liqcascade.report._contagion_section import _btc_rows, _btc_words

    b = {"btc_move": -0.111, "start_price": 114198.0, "beta": 0.45, "liquidated_usd": 5.0e6,
         "n_accounts_liquidated": 12, "recorded_usd": 43.1e6, "ratio": 5.0e6 / 43.1e6}  # fmt: skip
    v = SimpleNamespace(aave_at_btc=b)
    words = _btc_words(v)  # type: ignore[arg-type]
    assert "though BTC's own crash hour is bundled" in words
    assert "takes its price from the outcome, not a model figure" in words
    assert "ratio 0.12" in words and "12 accounts" in words
    (row,) = _btc_rows(v)  # type: ignore[arg-type]
    assert "(the outcome's price, not the model's)" in str(row["what"])
    assert row["ratio"] == "0.12"
    assert _btc_words(SimpleNamespace(aave_at_btc=None)) == ""  # type: ignore[arg-type]
