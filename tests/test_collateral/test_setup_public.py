"""``build_setup`` without ``bars=`` and the magnitude checks of a configuration.

``build_setup(preset_config("oct-2025"), ...)`` failed with "no bundled one-minute bars
for USDE" although they are bundled (only the CLI's private path passed them), and a
cohort of ``collateral_usd = 1e300`` printed a 300-digit dollar figure and "the venue's
maximum 0x".
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from liqcascade import datasets
from liqcascade.collateral import build_setup, preset_config
from liqcascade.errors import InputError

P0 = 3864.76


def _cfg() -> dict[str, Any]:
    return copy.deepcopy(preset_config("oct-2025"))


def test_the_preset_builds_on_its_bundled_bars_without_bars() -> None:
    _, own = build_setup(_cfg(), "oct-2025.toml", P0)
    bars = {"USDE": datasets.load_ohlcv("USDE", "1m")}
    _, given = build_setup(_cfg(), "oct-2025.toml", P0, bars)
    a, b = own.asset("USDE"), given.asset("USDE")
    assert a.depth_usd_per_pct == pytest.approx(b.depth_usd_per_pct, rel=1e-12)
    assert a.half_life_min == pytest.approx(b.half_life_min, rel=1e-12)
    assert set(own.notes["fits"]) == {"USDE"}
    # a dict given without the asset gets the bundled bars added (run_collateral's
    # out-of-sample check reads them there)
    empty: dict[str, Any] = {}
    build_setup(_cfg(), "oct-2025.toml", P0, empty)
    assert list(empty) == ["USDE"] and len(empty["USDE"]) == len(bars["USDE"])


def test_a_calibrated_asset_with_no_bars_names_the_key_and_what_is_bundled() -> None:
    cfg = _cfg()
    wbeth = next(i for i, a in enumerate(cfg["assets"]) if a["name"] == "WBETH")
    cfg["assets"][wbeth]["book"] = "calibrated"
    with pytest.raises(InputError) as e:
        build_setup(cfg, "x.toml", P0)
    assert str(e.value) == (
        f"x.toml: assets[{wbeth}].book: 'calibrated' needs one-minute bars of WBETH to "
        "calibrate from: none are bundled (bundled: USDE) and none were given (bars=)"
    )


def test_a_huge_cohort_is_refused_in_a_short_line() -> None:
    cfg = _cfg()
    cfg["cohorts"][0]["collateral_usd"] = 1e300
    with pytest.raises(InputError) as e:
        build_setup(cfg, "x.toml", P0)
    assert str(e.value) == (
        "x.toml: cohorts[0].collateral_usd: must be > 0 and at most 1e+12 USD (got 1e+300)"
    )


def test_a_position_past_the_last_tier_is_not_called_0x() -> None:
    cfg = _cfg()
    cfg["cohorts"][0]["collateral_usd"] = 1e12  # 400 accounts: $2.5 bn each
    with pytest.raises(InputError) as e:
        build_setup(cfg, "x.toml", P0)
    msg = str(e.value)
    assert msg.startswith("x.toml: cohorts[0].leverage: account 0: 0.506875x on $1,267,187,500")
    assert "above the largest position the venue's tiers allow ($1,200,000,000" in msg
    assert "0x" not in msg.replace("0.506875x", "") and len(msg) < 260
