"""The shipped liquidity calibrations are what the package's procedure gives today.

A refit of one late month (2025-07, where the files refitted before session 6 differed
in 5 of the 12 bootstrap draws) on the bundled data alone reproduces the shipped
file's central parameters, draws and event count exactly (the grid and the bootstrap
are discrete) and its volatility rule within 1e-9 relative.
"""

from __future__ import annotations

import json
from importlib.resources import files

import pytest

from floats import assert_same
from liqcascade._cli.cascade_backtest import bundled_inputs
from liqcascade.cascade._calibrate import fit_liquidity_document


@pytest.mark.slow
def test_refit_of_eth_2025_07_reproduces_the_shipped_draws() -> None:
    ship = json.loads((files("liqcascade.cascade") / "calibrated" / "ETH.json").read_text())
    ohlc, liq, market_at = bundled_inputs("ETH")
    doc = fit_liquidity_document(
        ohlc,
        liq,
        market_at,
        asset="ETH",
        months=["2025-07-01"],
        backtest=False,
        follow_through=False,
    )
    got = {c["as_of"]: c for c in doc["calibrations"]}
    want = {c["as_of"]: c for c in ship["calibrations"]}
    assert set(got) == {"2024-11-01T00:00:00+00:00", "2025-07-01T00:00:00+00:00"}
    for k, g in got.items():
        w = want[k]
        assert g["n_events"] == w["n_events"] and g["note"] == w["note"]
        assert g["params"] == w["params"] and g["draws"] == w["draws"]
        for key in ("vol_multiplier", "vol_exponent", "shock_weight", "vol_dispersion"):
            assert_same(g[key], w[key], rtol=1e-9)
    assert doc["trigger"] == ship["trigger"] and doc["method"] == ship["method"]
    assert doc["data"] == ship["data"]


@pytest.mark.parametrize("asset", ["ETH", "BTC"])
def test_the_stored_per_event_record_gives_the_stored_scores(asset: str) -> None:
    """A score restricted to later events is read from ``per_event``: on all of them it
    is the stored back-test's own score."""
    from liqcascade.cascade._clock import backtest_score
    from liqcascade.cascade._scores import move_scores

    bt = json.loads((files("liqcascade.cascade") / "calibrated" / f"{asset}.json").read_text())[
        "backtest"
    ]
    got = move_scores(bt["per_event"])
    assert got["n_events"] == bt["n_events"]
    for k, v in got.items():
        if isinstance(v, float):
            assert_same(v, bt[k], rtol=1e-9, atol=1e-12)
    # after a date: only the events at or after it; too few left: the package score
    mid = backtest_score(asset, False, after="2025-03-01")
    assert mid is not None and mid["scope"] == "events after the market date"
    n_after = sum(t >= "2025-03-01" for t in bt["per_event"]["ts"])
    assert mid["n_events"] == n_after < bt["n_events"]
    assert mid["start"].startswith("2025-03-01")
    late = backtest_score(asset, False, after="2025-07-30")
    assert late is not None and late["scope"] == "package score"
    assert late["n_events"] == bt["n_events"] and "per_event" not in late
