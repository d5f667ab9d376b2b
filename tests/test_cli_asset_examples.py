"""Hints that fit the asset asked about, not ETH (session 25).

``liqmap --asset SOLUSDT`` said only "no 4-hourly open interest for SOLUSDT" while the
store held SOL's series; ``stops recommend --asset SOL`` without options suggested
``--entry 3700 --size 10``, an ETH position.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from clihelpers import run_cli
from liqcascade.data import bundled


def _error(*args: str, store: Path) -> str:
    r = run_cli(*args, env={"LIQCASCADE_STORE": str(store)})
    assert r.exit_code == 2
    (line,) = r.stderr.strip().splitlines()
    return line


def test_a_contract_given_as_the_asset_suggests_its_base(tmp_path: Path) -> None:
    line = _error("liqmap", "--asset", "SOLUSDT", store=tmp_path / "none.duckdb")
    assert line.startswith("error: --asset: no 4-hourly open interest for SOLUSDT")
    assert line.endswith("SOLUSDT is a contract: did you mean SOL, its base asset?")
    plain = _error("liqmap", "--asset", "XRP", store=tmp_path / "none.duckdb")
    assert "did you mean" not in plain  # a base asset: nothing to suggest


def test_the_stops_example_is_at_the_assets_own_price(tmp_path: Path) -> None:
    none = tmp_path / "none.duckdb"
    btc = _error("stops", "recommend", "--asset", "BTC", store=none)
    # BTC's close of the default market's last hour (its open interest ends 2025-07-31 20:00)
    close = float(
        bundled.load_ohlcv("BTC", "1h")["close"].loc[pd.Timestamp("2025-07-31 23:00", tz="UTC")]
    )
    entry = float(btc.split("--entry ")[-1].split()[0])
    assert abs(entry / close - 1) < 0.01 and "--size 1 --leverage 10)" in btc
    dated = _error("stops", "recommend", "--asset", "ETH", "--as-of", "2025-03-31", store=none)
    eth = float(
        bundled.load_ohlcv("ETH", "1h")["close"].loc[pd.Timestamp("2025-03-31 23:00", tz="UTC")]
    )
    assert abs(float(dated.split("--entry ")[-1].split()[0]) / eth - 1) < 0.01
    unknown = _error("stops", "recommend", "--asset", "XRP", store=none)
    # no data: placeholders, not ETH's 3700 and 10 (a SOL user copied them)
    assert unknown.endswith("(e.g. --side long --entry PRICE --size SIZE --leverage 10)")
    assert "3700" not in unknown
