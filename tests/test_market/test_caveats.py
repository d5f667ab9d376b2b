"""The market's caveats: an IN SAMPLE book fit, an assumed depth exponent (review 3, 7)."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pytest

from clihelpers import run_cli_subprocess
from liqcascade.book import depth_beta
from liqcascade.market import MarketSpec, estimated_market
from liqcascade.market import _state as state_mod
from liqcascade.positions._expanding import load_asset_calibration


@pytest.fixture(autouse=True)
def fresh_log(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(state_mod, "_LOGGED", set())


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "liqcascade.market" and r.levelno == logging.WARNING
    ]


def test_before_the_first_fit_the_book_is_in_sample_and_said(
    caplog: pytest.LogCaptureFixture,
) -> None:
    first = min(f.fit_end for f in load_asset_calibration("ETH", store=False).fits)
    as_of = pd.Timestamp(first) - pd.Timedelta(days=40)  # well before the first fit's end
    with caplog.at_level(logging.WARNING, logger="liqcascade.market"):
        m = estimated_market(MarketSpec("ETH", f"{as_of:%Y-%m-%d}", store=False))
    book = [c for c in m.caveats if c.startswith("position book IN SAMPLE")]
    assert len(book) == 1 and f"-> {first}, after this market" in book[0]
    assert "IN SAMPLE" in m.sources["book_calibration"]
    assert m.fingerprint()["caveats"] == list(m.caveats)
    logged = _warnings(caplog)
    assert logged == [f"warning: ETH market {m.as_of:%Y-%m-%d %H:%M} UTC: {c}" for c in m.caveats]
    # the same market built again says nothing new; its draws carry the caveats
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="liqcascade.market"):
        again = estimated_market(MarketSpec("ETH", f"{as_of:%Y-%m-%d}", store=False))
    assert again.caveats == m.caveats and _warnings(caplog) == []
    assert all(d.caveats == m.caveats for d in m.draws(2))


def test_at_the_start_of_the_data_beta_is_assumed_and_said() -> None:
    m = estimated_market(MarketSpec("ETH", "2024-11-25", store=False))
    (beta,) = [c for c in m.caveats if c.startswith("depth exponent beta")]
    assert beta.startswith(f"depth exponent beta {m.beta:.2f} assumed, not fitted: ")
    assert m.sources["depth_beta"].startswith("assumed: ")


def test_the_default_market_has_no_caveat_and_the_shipped_beta() -> None:
    for asset in ("ETH", "BTC"):
        m = estimated_market(MarketSpec(asset, store=False))
        assert m.caveats == ()
        assert m.beta == depth_beta(asset)  # 0.73 / 0.79: the same procedure, all bars
        assert m.sources["depth_beta"].startswith("fitted: median of fit_beta over ")


def test_an_out_of_sample_date_with_a_fitted_beta_has_no_caveat() -> None:
    m = estimated_market(MarketSpec("BTC", "2025-03-10", store=False))
    assert m.caveats == ()
    assert "out of sample" in m.sources["book_calibration"]


def test_the_command_line_prints_each_caveat_once_on_stderr(tmp_path: Path) -> None:
    r = run_cli_subprocess(
        "liqmap", "--as-of", "2024-11-25", "--json",
        env={"LIQCASCADE_STORE": str(tmp_path / "none.duckdb")},
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    caveats = r.json()["market"]["caveats"]
    assert len(caveats) == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith("warning: ")]
    assert lines == [f"warning: ETH market 2024-11-25 20:00 UTC: {c}" for c in caveats]


def test_the_liqmap_view_shows_the_caveats() -> None:
    from clihelpers import run_cli

    r = run_cli("liqmap", "--as-of", "2024-11-25")
    assert r.exit_code == 0, r.stderr
    shown = [ln for ln in r.stdout.splitlines() if ln.startswith("caveat: ")]
    assert len(shown) == 2 and shown[0].startswith("caveat: position book IN SAMPLE")
    # once only: the text's caveat lines, not a stderr warning of each too (newasset32)
    assert "position book IN SAMPLE" not in r.stderr
    r = run_cli("liqmap")  # the default date: nothing to say
    assert r.exit_code == 0 and "caveat: " not in r.stdout


def test_a_fit_weighing_long_short_ratios_says_when_the_data_have_none(tmp_path: Path) -> None:
    # SOL's fit is BTC's (theta_ls up to 0.47): without the ratio series in the store the
    # side signal runs without it, and the market says so; with them, no such caveat
    from newasset import copy_calibrations, relabelled_store

    bare = copy_calibrations(relabelled_store(tmp_path / "bare.duckdb", long_short=False))
    full = copy_calibrations(relabelled_store(tmp_path / "full.duckdb"))
    spec = dict(asset="SOL", as_of="2025-07-15")
    without = estimated_market(MarketSpec(**spec, store=bare)).caveats
    with_ls = estimated_market(MarketSpec(**spec, store=full)).caveats
    assert any(c.startswith("long/short ratios missing") for c in without)
    assert not any(c.startswith("long/short ratios missing") for c in with_ls)


def test_quiet_caveats_logs_nothing_and_a_later_market_still_says_them(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from liqcascade.market import quiet_caveats

    spec = MarketSpec("ETH", "2024-11-25", store=False)  # beta assumed: one caveat at least
    with caplog.at_level(logging.WARNING, logger="liqcascade.market"):
        with quiet_caveats():
            quiet = estimated_market(spec)
        assert quiet.caveats and _warnings(caplog) == []
        loud = estimated_market(spec)
    assert _warnings(caplog) == [
        f"warning: ETH market {loud.as_of:%Y-%m-%d %H:%M} UTC: {c}" for c in loud.caveats
    ]
