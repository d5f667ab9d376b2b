"""The market stands on the identified book (issue 14): per-asset calibration, stops split
off the positions, the legacy book kept, parameter draws, a calibration file from the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from liqcascade.errors import InputError
from liqcascade.market import MarketSpec, estimated_market

DATE = "2025-06-15"


@pytest.mark.parametrize("asset", ["ETH", "BTC"])
def test_each_asset_uses_its_own_calibration_fitted_before_the_month(asset: str) -> None:
    m = estimated_market(MarketSpec(asset, DATE, store=False))
    src = m.sources["book_calibration"]
    assert f"calibrated/{asset}.json" in src and "fit 2025-06" in src and "out of sample" in src
    assert m.book_model == "identified"
    assert m.book_fit.fit_end < "2025-06-01"
    assert len(m.positions) > 0 and len(m.stops) > 0


def test_stops_are_taken_out_of_the_positions() -> None:
    m = estimated_market(MarketSpec("ETH", DATE, store=False))
    whole = m.whole_positions
    assert whole is not None
    # what is left plus what went on stops never exceeds the book (base units)
    assert float(m.positions.size.sum() + m.stops.size.sum()) <= float(whole.size.sum()) * (
        1 + 1e-9
    )
    assert float(m.positions.size.sum()) < float(whole.size.sum())
    nostops = estimated_market(MarketSpec("ETH", DATE, store=False, with_stops=False))
    np.testing.assert_allclose(nostops.positions.size, whole.size, rtol=1e-12)
    assert nostops.fingerprint()["long_notional_usd"] == pytest.approx(
        m.fingerprint()["long_notional_usd"], rel=1e-12
    )


def test_legacy_book_is_kept_for_comparisons() -> None:
    legacy = estimated_market(MarketSpec("ETH", DATE, store=False, book_model="legacy"))
    assert legacy.book_model == "legacy"
    assert "calibrated_params.json" in legacy.sources["estimation_params"]
    assert legacy.draws() == []
    with pytest.raises(InputError, match="book_model must be one of"):
        MarketSpec("ETH", DATE, book_model="cohorts")


def test_sizing_open_interest_is_the_larger_book() -> None:
    rec = estimated_market(MarketSpec("ETH", DATE, store=False, with_stops=False))
    full = estimated_market(
        MarketSpec("ETH", DATE, store=False, with_stops=False, sizing="open_interest")
    )
    ratio = full.positions.size.sum() / rec.positions.size.sum()
    assert ratio == pytest.approx(0.25 / rec.params.scale, rel=1e-9)


def test_draws_carry_the_bootstrap_band() -> None:
    m = estimated_market(MarketSpec("ETH", DATE, store=False))
    d = m.draws(3)
    assert 1 <= len(d) <= 3
    assert all(x.params is not m.params for x in d)
    assert all(x.book is m.book and x.mid == m.mid for x in d)
    b = m.band(lambda s: float((s.positions.size * s.mid).sum()))
    assert b["p05"] <= b["p95"]
    assert b["n_draws"] >= 1


def test_calibrate_asset_writes_a_file_the_market_reads(cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "btc.json"
    # no bootstrap refit: the point is the file --out writes and the market reads, not
    # the band (a refit is a second global search, 45 % of the command's time); the
    # refits a calibration writes and the commands read are checked on SOL's store by
    # tests/test_market/test_any_asset.py (--bootstrap 2), bootstrap_fits itself by
    # tests/test_positions/test_bootstrap.py
    r = cli("liqmap", "calibrate", "--asset", "BTC", "--month", "2025-03", "--bootstrap", "0",
            "--out", str(out), "--json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    d = json.loads(out.read_text())
    assert d["asset"] == "BTC" and [f["month"] for f in d["fits"]] == ["2025-03"]
    m = estimated_market(MarketSpec("BTC", "2025-03-20", store=False, calibration=out))
    assert str(out) in m.sources["book_calibration"]
    bad = cli("liqmap", "calibrate", "--asset", "BTC", "--month", "March", "--bootstrap", "1")
    assert bad.exit_code == 2 and "--month" in bad.stderr


@pytest.mark.parametrize("cmd", [("liqmap",), ("cascade", "--shock", "-0.05")])
def test_btc_runs_like_eth(cli: Any, cmd: tuple[str, ...]) -> None:
    r = cli(*cmd, "--asset", "BTC", "--as-of", DATE, "--json")
    assert r.exit_code == 0, r.stderr
    assert r.json()["market"]["asset"] == "BTC"


def test_stress_runs_on_btcs_market(cli: Any, tmp_path: Path) -> None:
    pf = tmp_path / "p.csv"
    pf.write_text("symbol,side,size,entry_price,leverage\nBTCUSDT,long,1,100000,3\n")
    r = cli("stress", "--portfolio", str(pf), "--asset", "BTC", "--scenario", "shock", "--json")
    assert r.exit_code == 0, r.stderr
    assert r.json()["market"]["asset"] == "BTC" and r.json()["asset"] == "BTC"
