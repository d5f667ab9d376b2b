"""The identified book's calibration for any asset: months from its data, store first."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from liqcascade._calibrations import write_calibration
from liqcascade.errors import InputError
from liqcascade.market._inputs import load_market_frames, long_short_for
from liqcascade.market._liqmap import calibration_plan
from liqcascade.positions._backtest import identified_calibration
from liqcascade.positions._expanding import (
    MIN_HISTORY_DAYS,
    TEST_MONTHS,
    data_start,
    expanding_months,
    load_asset_calibration,
)


@pytest.mark.parametrize("asset", ["ETH", "BTC"])
def test_the_rule_gives_the_shipped_months_on_the_bundled_data(asset: str) -> None:
    frames = load_market_frames(asset, "4h", store=False)
    assert expanding_months(frames) == TEST_MONTHS
    shipped = load_asset_calibration(asset, store=False)
    assert tuple(f.month for f in shipped.fits) == TEST_MONTHS
    assert shipped.source == f"package:liqcascade/positions/calibrated/{asset}.json"


def _cut(frames, start: str, end: str):  # type: ignore[no-untyped-def]
    t0, t1 = pd.Timestamp(start, tz="UTC"), pd.Timestamp(end, tz="UTC")

    def c(f):  # type: ignore[no-untyped-def]
        return None if f is None else f[(f.index >= t0) & (f.index <= t1)]

    cols = ("oi", "ohlc", "funding", "taker", "liquidations")
    return replace(frames, cache={}, **{k: c(getattr(frames, k)) for k in cols})


def test_the_months_follow_the_data_span() -> None:
    frames = load_market_frames("BTC", "4h", store=False)
    f = _cut(frames, "2025-01-10", "2025-07-15")
    assert data_start(f) == pd.Timestamp("2025-01-10", tz="UTC")
    # 2025-01-10 + 90 days = 2025-04-10: May is the first month with 90 days before it
    assert expanding_months(f) == ("2025-05", "2025-06", "2025-07")
    assert expanding_months(f, min_history_days=30) == ("2025-03", "2025-04", "2025-05",
                                                         "2025-06", "2025-07")  # fmt: skip
    short = _cut(frames, "2025-05-01", "2025-07-31")
    with pytest.raises(InputError, match=f"BTC.*{MIN_HISTORY_DAYS} days") as e:
        expanding_months(short)
    assert e.value.param == "asset"
    with pytest.raises(InputError, match="2025-01 lies outside") as e:
        calibration_plan(f, ["2025-03", "2025-01"])  # no data before January
    assert e.value.param == "months"
    assert calibration_plan(f, ["2025-02"]) == (data_start(f), ("2025-02",))
    with pytest.raises(InputError, match="no recorded liquidations for BTC"):
        data_start(replace(frames, liquidations=None))


def test_a_stores_calibration_wins_and_says_so(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    doc = load_asset_calibration("ETH", store=False).to_dict()
    doc["meta"] = {**doc["meta"], "note": "the store's own"}
    doc["fits"] = doc["fits"][:2]
    path = write_calibration("book", "eth", doc, store)
    cal = load_asset_calibration("ETH", store=store)
    assert cal.source == f"store:{path}" and cal.meta["note"] == "the store's own"
    assert [f.month for f in cal.fits] == ["2025-03", "2025-04"]
    package = load_asset_calibration("ETH", store=False).source
    assert package == "package:liqcascade/positions/calibrated/ETH.json"
    shipped = identified_calibration("ETH", None, False)
    assert shipped is not None and shipped[1] == "calibrated expanding window (package, ETH)"
    found = identified_calibration("ETH", None, store)
    assert found is not None and f"store:{path}" in found[1]
    assert json.loads(path.read_text())["asset"] == "ETH"


def test_an_asset_without_any_calibration_names_it_and_the_command(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"SOL.*`liqcascade liqmap calibrate`, asset SOL") as e:
        load_asset_calibration("sol", store=tmp_path / "s.duckdb")
    assert e.value.param == "asset"


def test_long_short_is_optional() -> None:
    assert long_short_for("ETH", store=False) == (None, "none")
    df, src = long_short_for("BTC", store=False)
    assert df is not None and "global_account_long_pct" in df and src.startswith("bundled:")
