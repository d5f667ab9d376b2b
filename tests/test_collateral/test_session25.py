"""Session 25: one definition of the smallest haircut's shock, the floor, nav, shortfall, hints.

A trial analyst found the report's haircut table shocking ETH from 20:59 (3,871.30) while
its accounts opened at 12:00 (4,343.02), a book low at the preset's floor read as a
result, ``nav`` silently equal to ``redemption``, no bad-debt figure, and no percent
hint for ``[95, 90, 80]``, ``mmr=5`` or a shock of ``-20``.
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from clihelpers import run_cli
from liqcascade.collateral import (
    Account,
    CollateralAsset,
    CollateralSetup,
    TierSchedule,
    VenueRules,
    build_setup,
    eth_shock_path,
    preset_config,
    simulate_collateral,
    smallest_haircut,
)
from liqcascade.errors import InputError

TOL = 1e-9  # USD and fractions computed the same way twice


@pytest.fixture(scope="module")
def preset_setup() -> CollateralSetup:
    """The preset with positions opened at 3,864.76 (the docs' example)."""
    return build_setup(preset_config("oct-2025"), "oct-2025.toml", 3864.76)[1]


def test_haircut_shock_is_the_fall_from_entry(preset_setup: CollateralSetup) -> None:
    # no p0: the shock is measured from the accounts' entry, the docs' figures
    h = smallest_haircut(preset_setup, [-0.1, -0.2])
    assert h["p0"].tolist() == pytest.approx([3864.76] * len(h), abs=TOL)
    assert h["fall_from_entry"].tolist() == pytest.approx(h["shock"].tolist(), abs=TOL)
    by = {(r.shock, r.asset): r for r in h.itertuples()}
    assert by[(-0.1, "USDE")].accounts_liquidated == 0
    assert by[(-0.2, "USDE")].accounts_liquidated == 340
    assert by[(-0.2, "USDE")].min_price == pytest.approx(0.633, abs=5e-4)
    # the haircut in force is the parameter echo 1 - 0.95, printed without float noise
    assert json.dumps(by[(-0.2, "USDE")].haircut_in_force) == "0.05"


def test_haircut_p0_below_entry_says_the_whole_fall(preset_setup: CollateralSetup) -> None:
    h = smallest_haircut(preset_setup, [-0.1], p0=3000.0)
    assert h["fall_from_entry"].iloc[0] == pytest.approx(3000.0 * 0.9 / 3864.76 - 1, abs=TOL)


def test_haircut_needs_p0_when_accounts_opened_at_several_prices() -> None:
    asset = CollateralAsset("USDE", "b", TierSchedule((math.inf,), (0.9,)))
    accs = tuple(
        Account(n, eth_size=1.0, eth_entry=e, collateral={"USDE": 500.0}, mmr=0.01)
        for n, e in (("a", 1000.0), ("b", 1100.0))
    )
    setup = CollateralSetup(assets=(asset,), venue=VenueRules(), accounts=accs)
    with pytest.raises(InputError, match="several ETH prices") as e:
        smallest_haircut(setup, [-0.1])
    assert e.value.param == "p0"


def test_shortfall_is_the_liquidated_accounts_negative_balance() -> None:
    # 10 ETH long at 1,000 with 400 USD of USDe: at 900 its loss is 1,000, its collateral
    # fetches 400 at the untouched book (1.0 × fair): 600 USD short
    asset = CollateralAsset("USDE", "b", TierSchedule((math.inf,), (0.9,)), depth_usd_per_pct=1e9)
    acc = Account("a", eth_size=10.0, eth_entry=1000.0, collateral={"USDE": 400.0}, mmr=0.01)
    setup = CollateralSetup(assets=(asset,), venue=VenueRules(), accounts=(acc,))
    path = pd.Series(
        [1000.0, 900.0, 800.0],
        index=pd.date_range("2025-10-10T21:00Z", periods=3, freq="1min"),
    )
    r = simulate_collateral(setup, path)
    assert r.liq_t.tolist() == [1]
    assert r.shortfall_usd == pytest.approx(600.0, abs=TOL)
    assert r.summary()["shortfall_usd"] == pytest.approx(600.0, abs=TOL)


def test_at_floor_marks_a_low_that_is_the_parameter() -> None:
    # a tiny book: the first sale drives it to its floor (0.2), which is flagged
    asset = CollateralAsset(
        "USDE", "b", TierSchedule((math.inf,), (0.9,)), depth_usd_per_pct=1.0, floor=0.2
    )
    acc = Account("a", eth_size=10.0, eth_entry=1000.0, collateral={"USDE": 400.0}, mmr=0.01)
    setup = CollateralSetup(assets=(asset,), venue=VenueRules(), accounts=(acc,))
    r = simulate_collateral(setup, eth_shock_path(1000.0, -0.2))
    a = r.summary()["assets"]["USDE"]
    assert a["min_price"] == pytest.approx(0.2, abs=TOL)
    assert a["min_price_at_floor"] is True


@pytest.mark.parametrize(
    ("call", "hint"),
    [
        (lambda: TierSchedule((1e7, 5e7, math.inf), (95, 90, 80)), "for 95 % give 0.95"),
        (
            lambda: Account("a", eth_size=1.0, eth_entry=1000.0, collateral={}, mmr=5),
            "for 5 % give 0.05",
        ),
        (lambda: eth_shock_path(3864.76, -20), "for -20 % give -0.2"),
    ],
    ids=["tier-ratios", "mmr", "shock"],
)
def test_percent_given_as_a_fraction_gets_the_hint(call: object, hint: str) -> None:
    with pytest.raises(InputError, match=hint):
        call()  # type: ignore[operator]


def test_cli_text_names_columns_marks_floor_and_prints_shortfall() -> None:
    r = run_cli("collateral", "--preset", "oct-2025", env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.stderr
    assert "book low (sale price, × fair)" in r.stdout
    assert "margin price low (× fair)" in r.stdout
    assert "min price" not in r.stdout
    # the low end of the depth IQR drives USDe to the preset's floor = 0.05
    assert "USDE low 0.050 (at floor) / 0.928" in r.stdout
    assert "shortfall (bad debt) $" in r.stdout


def test_cli_nav_says_it_is_the_redemption_ratio() -> None:
    r = run_cli("collateral", "--preset", "oct-2025", "--pricing", "nav", "--json")
    assert r.exit_code == 0, r.stderr
    out = json.loads(r.stdout)
    assert "no NAV feed is bundled" in out["note"]
    assert out["assets"]["USDE"]["min_price_at_floor"] is False
    assert out["depth_sensitivity"]["at_depth_q25"]["min_price_at_floor"] == {"USDE": False}
    # the help's word: with the preset's bounds, nav gives redemption's result
    red = run_cli("collateral", "--preset", "oct-2025", "--pricing", "redemption", "--json")
    assert red.exit_code == 0, red.stderr
    other = json.loads(red.stdout)
    assert out["shortfall_usd"] == pytest.approx(other["shortfall_usd"], rel=1e-9)
    assert out["shortfall_usd"] > 0.0  # the preset's depeg leaves bad debt: not a trivial match
    for a, v in other["assets"].items():
        assert out["assets"][a]["min_price"] == pytest.approx(v["min_price"], rel=1e-9)


def test_usde_caveat_says_the_window_is_missing_from_the_source() -> None:
    from liqcascade.data.bundled._registry import DATASETS

    caveat = DATASETS["usde_1m"].caveats
    assert "2025-10-10 12:00 -> 2025-10-11 12:00 missing from the source file" in caveat
    assert "held back" not in caveat and "validation of the collateral" not in caveat
