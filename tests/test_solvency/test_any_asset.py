"""``solvency --asset SOL`` on BTC's real series relabelled SOL (prices / 500)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from clihelpers import run_cli, run_cli_subprocess
from floats import assert_same
from liqcascade.data import bundled
from liqcascade.errors import InputError
from liqcascade.solvency import october_2025_shock
from newasset import copy_calibrations, relabelled_store


@pytest.fixture(scope="module")
def sol_store(sol_stores: Callable[[str], Path]) -> Path:
    return sol_stores("sol.duckdb")  # built once per worker (conftest), read only


def test_solvency_runs_on_sols_own_market_and_its_own_october_fall(sol_store: Path) -> None:
    r = run_cli("solvency", "--asset", "SOL", "--insurance-fund", "5e6", "--json",
                env={"LIQCASCADE_STORE": str(sol_store)})  # fmt: skip
    assert r.exit_code == 0, r.stderr
    out = json.loads(r.stdout)
    m = out["market"]
    assert m["asset"] == "SOL" and m["sources"]["prices"].startswith("store:")
    btc = bundled.load_ohlcv("BTC", "1h")
    close = float(btc["close"].loc[pd.Timestamp(m["close_time"]) - pd.Timedelta(hours=1)])
    assert_same(m["mid"] * 500.0, close, rtol=1e-9)  # BTC's price / 500
    rows = {s["name"]: s for s in out["scenarios"]}
    # the default 2025-10-10 scenario is SOL's own fall that day: BTC's (same bars)
    day = btc.loc["2025-10-10"]
    fall = float(day["low"].min() / day["open"].iloc[0] - 1)
    assert_same(rows["2025-10-10"]["shock"], fall, rtol=1e-12)
    assert -0.17 < fall < -0.16  # BTC's -16.2 %
    # dollar figures of BTC's order (the same data at the exchange's share)
    assert 1e6 < rows["-10%"]["liquidated_usd"] < 1e9
    assert rows["-10%"]["final_price"] < m["mid"] < rows["+10%"]["final_price"]


def test_an_asset_without_data_exits_2_naming_it(sol_store: Path) -> None:
    r = run_cli("solvency", "--asset", "XRP", "--insurance-fund", "5e6",
                env={"LIQCASCADE_STORE": str(sol_store)})  # fmt: skip
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:")
    assert "XRP" in lines[0] and "open interest" in lines[0]


def test_the_october_fall_needs_bars_that_day() -> None:
    px = bundled.load_ohlcv("BTC", "1h").loc[:"2025-07-31"]
    with pytest.raises(InputError, match="no SOL hourly bars on 2025-10-10") as e:
        october_2025_shock("SOL", px)
    assert e.value.param == "scenario"
    # the bundled assets keep their documented falls
    assert_same(october_2025_shock("ETH"), 3435.00 / 4368.09 - 1, rtol=1e-9)


def test_a_period_before_2025_10_10_runs_without_that_scenario(tmp_path: Path) -> None:
    # data ending before the recorded day: the default scenarios are the shocks alone,
    # with one warning; naming the day keeps refusing it
    store = copy_calibrations(relabelled_store(tmp_path / "early.duckdb", end="2025-07-31"))
    env = {"LIQCASCADE_STORE": str(store)}
    r = run_cli_subprocess("solvency", "--asset", "SOL", "--insurance-fund", "5e6", "--json",
                           env=env)  # fmt: skip
    assert r.exit_code == 0, r.stderr
    names = [s["name"] for s in r.json()["scenarios"]]
    assert "2025-10-10" not in names and "-30%" in names
    assert "warning: the 2025-10-10 scenario is left out" in r.stderr
