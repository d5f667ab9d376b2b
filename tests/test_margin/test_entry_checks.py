"""Contradictory margin inputs (review-ops7 finding 3): liquidatable at entry, notional
past the tier table, tiers numbered from 0."""

from __future__ import annotations

import numpy as np
import pytest

from clihelpers import run_cli
from floats import assert_same
from liqcascade.errors import InputError
from liqcascade.margin import liq_price, load_tiers


@pytest.mark.parametrize(
    ("venue", "side", "lev", "mmr"),
    [
        ("binance", "long", 125, 0.01),  # 1/125 = 0.008 < 0.01
        ("binance", "short", 100, 0.01),  # equal: liquidated exactly at entry
        ("bybit", "long", 100, 0.02),
        ("bybit", "short", 60, 0.05),
    ],
)
def test_mmr_at_or_above_initial_rate_is_refused(venue: str, side: str, lev: float,
                                                 mmr: float) -> None:  # fmt: skip
    with pytest.raises(InputError, match="liquidatable at its entry") as e:
        liq_price(venue, side, 1.0, 2000.0, leverage=lev, mmr=mmr)
    assert e.value.params == ("mmr", "leverage")


def test_mmr_below_initial_rate_gives_the_formula() -> None:
    # Binance flat mmr 0.01, cum 0: LP = (WB - EP) / (MMR - 1) per unit, WB = 2000/50 = 40
    r = liq_price("binance", "long", 1.0, 2000.0, leverage=50, mmr=0.01)
    assert_same(float(r.liq_price[0]), (40 - 2000) / (0.01 - 1), rtol=1e-12)
    assert float(r.liq_price[0]) < 2000.0
    r = liq_price("bybit", "short", 1.0, 2000.0, leverage=50, mmr=0.01)
    assert float(r.liq_price[0]) > 2000.0


def test_array_of_leverages_names_the_bad_one() -> None:
    with pytest.raises(InputError, match=r"leverage\[2\] 125") as e:
        liq_price("binance", "long", 1.0, 2000.0, leverage=np.array([5.0, 50.0, 125.0]),
                  mmr=0.01)  # fmt: skip
    assert e.value.params == ("mmr", "leverage")


def test_cli_names_mmr_and_leverage() -> None:
    r = run_cli("margin", "liq-price", "--side", "long", "--size", "1", "--entry", "2000",
                "--leverage", "125", "--mmr", "0.01", "--json")  # fmt: skip
    assert r.exit_code == 2 and r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --mmr 0.01 ")
    assert "--leverage 125" in lines[0] and "2,004.04" in lines[0]
    r = run_cli("margin", "liq-price", "--venue", "bybit", "--side", "long", "--size", "1",
                "--entry", "2000", "--leverage", "100", "--mmr", "0.02")  # fmt: skip
    assert r.exit_code == 2 and "--mmr 0.02" in r.stderr and "--leverage 100" in r.stderr
    assert "2,020.00" in r.stderr  # the long's liquidation price above its entry


def test_notional_past_the_last_bracket_says_so() -> None:
    cap = float(load_tiers("ETHUSDT").notional_cap[-1])
    for opt, val in (("--leverage", "1"), ("--margin", "1e10")):
        r = run_cli("margin", "liq-price", "--side", "long", "--size", "1e6", "--entry", "2000",
                    opt, val)  # fmt: skip
        assert r.exit_code == 2
        assert "maximum 0x" not in r.stderr
        assert "exceeds the last bracket" in r.stderr and f"{cap:,.0f} USD" in r.stderr
        assert r.stderr.startswith("error: --size 1e+06: ")  # the size is the cause


def test_tiers_are_zero_based_in_cli_and_docs() -> None:
    from pathlib import Path

    r = run_cli("margin", "liq-price", "--side", "long", "--size", "10000", "--entry",
                "2971.64", "--leverage", "20", "--json")  # fmt: skip
    assert r.json()["tier"] == 4 and r.json()["mmr"] == 0.02
    doc = (Path(__file__).parents[2] / "docs" / "margin.md").read_text()
    assert "tier 4, MMR 2 %" in doc and "(tier 0, 0.4 %, cum 0)" in doc
    assert "tier 5" not in doc and "(tier 1," not in doc
