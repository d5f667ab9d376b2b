"""Contagion on two scales: feed-dollar venues beside real-dollar ones, funds and bad debt shown.

The estimated book's liquidations are Binance-feed dollars, a positions file's and the
lending markets' real dollars; the share says which venues are on which scale and gives
the share with the feed's dollars in market dollars. The text table shows each venue's
insurance fund and bad debt (before, only the JSON had them).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from clihelpers import run_cli

CFG = Path(__file__).resolve().parents[1] / "data" / "contagion" / "two_venues.toml"


@pytest.fixture(scope="module")
def static_json() -> dict:
    r = run_cli("contagion", "--config", str(CFG), "--liquidity", "static", "--json")
    assert r.exit_code == 0, r.stderr
    return r.json()


def test_share_on_market_dollars_divides_the_named_venues() -> None:
    from liqcascade.contagion import build_setup, load_config, run_setup

    setup = build_setup(load_config(CFG), CFG.name)
    res = run_setup(setup, liquidity="static")
    a, b = res.venues["a"].liquidated_usd, res.venues["b"].liquidated_usd
    d = res.defi_liquidated_usd
    assert a > 0 and b > 0
    assert res.share_on_market_dollars({}) == pytest.approx(res.contagion_share, rel=1e-12)
    # a's dollars a feed's at 0.02 per market dollar: a / 0.02 market dollars
    want = (b + d) / (a / 0.02 + b + d)
    assert res.share_on_market_dollars({"a": 0.02}) == pytest.approx(want, rel=1e-12)
    assert math.isnan(res.share_on_market_dollars({"a": float("nan")}))
    assert setup.feed_per_market_usd == {}  # file positions: real dollars


def test_file_venues_are_real_dollars_and_not_mixed(static_json: dict) -> None:
    s = static_json["scales"]
    assert s["mixed"] is False and s["feed_venues"] == []
    assert s["contagion_share_market_dollars"] is None
    assert {v["dollars"] for v in s["venues"].values()} == {"real"}


def test_each_venue_has_its_fund_and_bad_debt_in_json_and_text(static_json: dict) -> None:
    v = static_json["venues"]
    assert v["a"]["insurance_fund_usd"] == pytest.approx(1e5, rel=1e-12)  # the TOML's
    assert v["b"]["insurance_fund_usd"] == 0.0
    for x in v.values():
        assert x["insurance_fund_end_usd"] >= 0 and x["bad_debt_usd"] >= 0
    r = run_cli("contagion", "--config", str(CFG), "--liquidity", "static", env={"COLUMNS": "220"})
    assert r.exit_code == 0, r.stderr
    assert "fund at start USD" in r.stdout and "bad debt USD" in r.stdout
    row = next(line for line in r.stdout.splitlines() if line.lstrip("│ ").startswith("a "))
    assert "100,000" in row and f"{v['a']['insurance_fund_end_usd']:,.0f}" in row


def test_a_feed_venue_beside_real_dollars_says_both_scales(monkeypatch) -> None:
    """A venue on the estimated book beside a file's venue and a lending market: mixed."""
    from liqcascade.contagion import ContagionSetup

    monkeypatch.setattr(ContagionSetup, "feed_per_market_usd", property(lambda s: {"a": 0.02}))
    r = run_cli("contagion", "--config", str(CFG), "--liquidity", "static", "--json")
    assert r.exit_code == 0, r.stderr
    out = r.json()
    s = out["scales"]
    assert s["mixed"] is True and s["feed_venues"] == ["a"]
    a, b = (out["venues"][n]["liquidated_usd"] for n in ("a", "b"))
    d = out["defi"]["liquidated_usd"]
    assert s["contagion_share_market_dollars"] == pytest.approx(
        (b + d) / (a / 0.02 + b + d), rel=1e-12
    )
    t = run_cli("contagion", "--config", str(CFG), "--liquidity", "static")
    share = s["contagion_share_market_dollars"]
    assert (
        "(of feed-scale liquidations on a plus real-dollar liquidations on b and lending "
        f"liquidations; on market dollars (feed ÷ 0.02) {100 * share:.1f} %)"
    ) in " ".join(t.stdout.split())
