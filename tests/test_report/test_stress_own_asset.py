"""A single-asset report for an asset other than ETH/BTC stresses a portfolio in that asset.

Review #13: ``report --asset SOL`` stressed the ETH/BTC sample portfolio, whose VaR says
nothing about SOL. The sample is now notional-matched into the asset: the same three
positions' USD notionals at the market date (10 ETH, 1 BTC, 5 ETH at their prices then),
sizes in the asset at its own price then, the same sides and leverages.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from floats import assert_same
from liqcascade.data import load_series
from liqcascade.report._stress_section import SAMPLE, compute, prose, sample_portfolio, summary


@pytest.fixture(scope="module")
def sol_store(sol_stores: Callable[[str], Path]) -> Path:
    return sol_stores("store.duckdb")  # built once per worker (conftest), read only


def _close_at(asset: str, t: pd.Timestamp, store: object) -> float:
    """The close of ``asset``'s last hourly bar closed by ``t`` (read independently)."""
    h = load_series("ohlcv", asset=asset, interval="1h", store=store)
    closed = h[pd.DatetimeIndex(h.index) + pd.Timedelta(hours=1) <= t]
    return float(closed["close"].iloc[-1])


def test_sol_report_stresses_a_notional_matched_sol_portfolio(
    sol_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from liqcascade.report._section import ReportContext

    monkeypatch.setenv("LIQCASCADE_STORE", str(sol_store))
    ctx = ReportContext(quick=True, asset="SOL", as_of="2025-05-15")
    v = compute(ctx)
    t = ctx.market.close_time
    assert t <= pd.Timestamp("2025-05-16", tz="UTC")  # the market date, not the data's end
    pf = v.portfolio
    assert list(pf.asset) == ["SOL"] * 3
    assert [int(x) for x in pf.side] == [1, 1, -1]
    sol = _close_at("SOL", t, sol_store)  # SOL's own price, cut at the date
    assert 100.0 < sol < 300.0
    assert_same(pf.entry_price, [sol] * 3)
    px = {a: _close_at(a, t, sol_store) for a in ("ETH", "BTC")}
    want = [size * px[src] for src, _, size, _ in SAMPLE]  # the sample's USD notionals
    assert_same(pf.size * pf.entry_price, want)
    assert_same(pf.margin, [w / lev for w, (_, _, _, lev) in zip(want, SAMPLE, strict=True)])
    assert set(v.mc.final_price) == {"SOL"}  # no ETH or BTC leg is simulated
    p = prose(v)
    assert "A sample portfolio in SOL — the ETH/BTC sample's dollar notionals" in p.takeaways[0]
    assert "the sample portfolio is in SOL" in p.takeaways[0]
    assert "SOL long 20× ($" in p.takeaways[0] and "as 10 ETH)" in p.takeaways[0]
    # 95 % on every asset's card (the level the 30-day back-test can test); 99 % beside it
    card = p.headlines[0]
    assert card.key == "var95_30d"
    assert card.label.startswith("30-day 95 % VaR, sample SOL portfolio")
    assert "30-day 95 %" in card.evidence and "30-day 99 %" not in card.evidence
    assert "99 %" in card.interval and "ETH and BTC reports" not in card.interval
    assert any("Every leg of the sample portfolio is SOL's." in m for m in p.method)
    s = summary(v)
    assert {r["asset"] for r in s["portfolio"]["positions"]} == {"SOL"}
    assert set(s["p_liquidation"]) == set(pf.names)


def test_eth_and_btc_keep_the_eth_btc_sample() -> None:
    from liqcascade import stress

    prices = {"ETH": 3000.0, "BTC": 100000.0}
    for a in ("ETH", "BTC"):
        pf, text = sample_portfolio(prices, a)
        ref = stress.sample_portfolio(prices)
        assert text == "10 ETH long 20×, 1 BTC long 10×, 5 ETH short 5×"
        assert list(pf.asset) == list(ref.asset) == ["ETH", "BTC", "ETH"]
        assert_same(pf.size, ref.size)
        assert_same(pf.margin, ref.margin)
