"""A lending market's lowest collateral price of a run, beside the final one.

The per-market outcome gave only the final price (the oracle's last push, after the
venues recovered); the accounts were liquidated at the prices the oracle printed on the
way down, twice as far from the start in the two-venue example (−3.10 % against −1.91 %).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clihelpers import run_cli
from liqcascade.contagion import build_setup, load_config
from liqcascade.contagion._liquidity import run_setup

CFG = Path(__file__).resolve().parents[1] / "data" / "contagion" / "two_venues.toml"


@pytest.fixture(scope="module")
def setup():  # type: ignore[no-untyped-def]
    return build_setup(load_config(CFG), CFG.name)


@pytest.mark.parametrize("liquidity", ["static", "calibrated"])
def test_the_lowest_price_and_the_liquidations_prices_come_from_the_rounds(
    setup, liquidity: str
) -> None:  # type: ignore[no-untyped-def]
    res = run_setup(setup, liquidity=liquidity)
    m = res.defi["aave-weth"]
    df = res.lending_frame()
    start = m["initial_collateral_price"]
    low = min(start, float(df["oracle_price"].min()))
    assert m["lowest_collateral_price"] == pytest.approx(low, rel=1e-12)
    assert m["lowest_collateral_price"] <= m["final_collateral_price"] + 1e-9
    row = df.loc[df["oracle_price"].idxmin()]
    assert m["lowest_round"] == int(row["round"])
    # the oracle's push then, from which the collateral price is read (beta 1 here)
    assert m["lowest_oracle_price"] == pytest.approx(float(row["pushed_price"]), rel=1e-12)
    paid = df.loc[df["liquidated_usd"] > 0, "oracle_price"]
    assert m["liquidation_price_range"] == pytest.approx([paid.min(), paid.max()], rel=1e-12)
    if liquidity == "calibrated":  # the time on the clock, as to_frame's t_s
        assert m["lowest_t_s"] == pytest.approx(float(row["t_s"]), abs=1e-9)
        assert "t_s" in df.columns
    else:
        assert m["lowest_t_s"] is None and "t_s" not in df.columns


def test_the_recovery_does_not_hide_the_fall(setup) -> None:  # type: ignore[no-untyped-def]
    """On the clock the venues recover after round 1: the final price is above the low."""
    m = run_setup(setup, liquidity="calibrated").defi["aave-weth"]
    p0 = m["initial_collateral_price"]
    assert m["lowest_collateral_price"] / p0 - 1 == pytest.approx(-0.0310, abs=5e-4)
    assert m["final_collateral_price"] / p0 - 1 == pytest.approx(-0.0191, abs=5e-4)


def test_a_market_that_never_falls_reports_the_start() -> None:
    from liqcascade.contagion._engine import lowest_collateral

    rows = [{"round": 1, "market": "m", "oracle_price": 101.0, "pushed_price": 101.0,
             "liquidated_usd": 0.0}]  # fmt: skip
    out = lowest_collateral(rows, "m", 100.0, 100.0)
    assert out == {"lowest_collateral_price": 100.0, "lowest_oracle_price": 100.0,
                   "lowest_round": 0, "lowest_t_s": None,
                   "liquidation_price_range": None}  # fmt: skip


def test_the_cli_prints_one_line_per_market_with_its_lowest_price() -> None:
    r = run_cli("contagion", "--config", str(CFG))
    assert r.exit_code == 0, r.stderr
    line = next(x for x in r.stdout.splitlines() if "accounts liquidated" in x)
    assert "3 accounts liquidated, $33,338 seized, bad debt $0" in line
    assert "lowest 1,938.03 (-3.10 %) in round 1, 0 s after the shock" in line
    assert "final 1,961.77 (-1.91 %)" in line and "liquidated at 1,938.03" in line
    out = run_cli("contagion", "--config", str(CFG), "--json").json()
    m = out["defi"]["markets"]["aave-weth"]
    assert m["lowest_collateral_price"] == pytest.approx(1938.03, abs=0.01)
