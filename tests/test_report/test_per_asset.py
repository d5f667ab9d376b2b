"""The stress and transparency sections per asset: BTC's from BTC's own data, as ETH's.

The report's BTC figures (summary.json and the figures on the page) are checked against
direct calls of the library on BTC's estimated market, with a stated tolerance.
"""

from __future__ import annotations

import base64
import json
import re
from html import unescape
from typing import Any

import numpy as np
import pandas as pd
import pytest
from tests.floats import assert_same, same_value

from liqcascade.report import build_report

#: The report and the direct call run the same computation by the same route; the Monte
#: Carlo and the calibrated paths are seeded, so only float reordering may differ.
RTOL = 1e-6


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any]]:
    out = tmp_path_factory.mktemp("per_asset")
    paths = build_report(
        out, sections=("stress", "transparency"), quick=True, asset="ETH,BTC", workers=1
    )
    return paths["html"].read_text(), json.loads(paths["summary"].read_text())


@pytest.fixture(scope="module")
def btc_market() -> Any:
    from liqcascade import stress

    return stress.stress_market(asset="BTC")


def _figure(html: str, fid: str) -> dict[str, Any]:
    m = re.search(rf'data-target="{fid}">(.*?)</script>', html, re.S)
    assert m, fid
    return dict(json.loads(m.group(1).replace("<\\/", "</")))


def _array(x: Any) -> np.ndarray:
    """A figure's data array, decoded when plotly wrote it as base64 (``bdata``)."""
    if isinstance(x, dict) and "bdata" in x:
        return np.frombuffer(base64.b64decode(x["bdata"]), dtype=np.dtype(x["dtype"]))
    return np.asarray(x)


def _caption(html: str, fid: str) -> str:
    """The caption above a figure (the report moves a figure's title there)."""
    m = re.search(rf'<div class="figcap">([^<]*)</div><div class="figure" id="{fid}"', html)
    assert m, fid
    return unescape(m.group(1))


def _section_text(html: str, sid: str) -> str:
    return unescape(html.split(f'id="{sid}"')[1].split("</section>")[0])


def test_both_assets_have_stress_and_transparency_sections(
    built: tuple[str, dict[str, Any]],
) -> None:
    html, summary = built
    secs = summary["sections"]
    assert set(secs) == {"stress", "stress-btc", "transparency", "transparency-btc"}
    for sid in secs:
        assert f'id="{sid}"' in html, sid
    # ETH keeps its keys; BTC's are the same keys with its own asset and price
    assert (
        secs["stress"]["asset"] == "ETH" and secs["stress"]["eth_price"] == secs["stress"]["price"]
    )
    assert secs["stress-btc"]["asset"] == "BTC" and "eth_price" not in secs["stress-btc"]
    assert set(secs["stress-btc"]) == set(secs["stress"]) - {"eth_price"}
    assert secs["stress-btc"]["price"] > 5 * secs["stress"]["price"]  # BTC, not ETH
    assert secs["transparency-btc"]["asset"] == "BTC" and secs["transparency"]["asset"] == "ETH"
    assert set(secs["transparency-btc"]) == set(secs["transparency"])
    # ETH's headline keys are unchanged; BTC's carry the suffix
    keys = {h["key"] for h in summary["front"]["headlines"].values()}
    assert "var99_30d" in keys
    sec = _section_text(html, "stress-btc")
    assert "BTC: Stress tests" in sec and "ETH only" not in sec
    assert "BTC extreme within 24 h (80 %)" in sec and "BTC hourly bars" in sec
    assert "BTC: Do leverage and stop density warn" in _section_text(html, "transparency-btc")
    for fid, word in (
        ("fig-stress-btc-0", "BTC market liquidations"),
        ("fig-stress-btc-1", "BTC after 30 days"),
        ("fig-transparency-btc-0", "BTC: transparency metrics"),
        ("fig-transparency-0", "ETH: transparency metrics"),
    ):
        assert _figure(html, fid)["data"], fid
        assert word in _caption(html, fid), fid


def test_btc_stress_matches_a_direct_library_call(
    built: tuple[str, dict[str, Any]], btc_market: Any
) -> None:
    from liqcascade import stress

    html, summary = built
    s = summary["sections"]["stress-btc"]
    market = btc_market
    assert market.asset == "BTC" and s["as_of"] == market.as_of.isoformat()
    assert same_value(s["price"], market.prices["BTC"], rtol=RTOL)
    pf = stress.sample_portfolio(market.prices)
    grid = stress.shock_grid(pf, market, [-0.05, 0.1]).table
    rows = {round(r["shock"], 4): r for r in s["shocks"]}
    for _, r in grid.iterrows():
        got = rows[round(float(r["shock"]), 4)]
        for k in ("price_after", "market_liquidations_usd", "static_price_after"):
            assert same_value(got[k], float(r[k]), rtol=RTOL), k
    for on in (True, False):
        rp = stress.replay(pf, market, "2024-08-05", cascade=on)
        got = s["replays"]["2024-08-05"]
        key = "liquidations_with_cascade_usd" if on else "liquidations_recorded_path_usd"
        assert same_value(got[key], float(rp.market_liq_usd[0]), rtol=RTOL)
        key = "min_price_with_cascade" if on else "min_price_recorded_path"
        assert same_value(got[key], rp.details["BTC_min_price"], rtol=RTOL)
    assert s["replays"]["2024-08-05"]["source"] == "ohlcv_1h"
    mc = stress.monte_carlo(pf, market, paths=s["paths"], horizon_days=30, seed=20251010)
    q = mc.summary()
    for k in ("p05", "p50", "p95"):
        assert same_value(s["price_quantiles"][k], q["price_quantiles"][k], rtol=RTOL), k
        assert 5e4 < s["price_quantiles"][k] < 3e5  # BTC prices, not ETH's
    for k in ("p50", "p99"):
        got, want = s["market_liquidations_usd"][k], q["market_liquidations_usd"][k]
        assert same_value(got, want, rtol=RTOL), k
    long_usd, short_usd = market.side_notional()
    assert same_value(s["book_long_usd"], long_usd, rtol=RTOL)
    assert same_value(s["book_short_usd"], short_usd, rtol=RTOL)
    # the page's price figure draws those same BTC paths
    fig = _figure(html, "fig-stress-btc-1")
    x = _array(fig["data"][0]["x"])
    assert_same(x.min(), np.sort(mc.final_price["BTC"])[0], rtol=RTOL)


def test_btc_transparency_matches_a_direct_library_call(
    built: tuple[str, dict[str, Any]],
) -> None:
    from liqcascade.protect import transparency_metrics
    from liqcascade.report import ReportContext

    html, summary = built
    s = summary["sections"]["transparency-btc"]
    last = ReportContext(asset="BTC").last_oi_bar
    tm = transparency_metrics(last - pd.Timedelta(days=60), asset="BTC")
    want = tm.summary()
    assert s["days"] == want["days"] == len(tm.frame) and s["last"] == want["last"]
    for part in ("means", "last_values"):
        for k, v in want[part].items():
            assert same_value(s[part][k], v, rtol=RTOL), (part, k)
    rho = {r["metric"]: r["spearman"] for r in s["early_warning"]}
    for m, r in zip(tm.warning["metric"], tm.warning["spearman"], strict=True):
        assert same_value(rho[m], float(r), rtol=RTOL), m
    # BTC's own book: its leverage differs from ETH's over the same days
    eth = summary["sections"]["transparency"]
    assert eth["days"] == s["days"]
    assert not same_value(eth["means"]["mean_leverage"], s["means"]["mean_leverage"], rtol=1e-3)
    # the page's last panel is BTC's recorded liquidations, USD M
    fig = _figure(html, "fig-transparency-btc-0")
    y = _array(fig["data"][-1]["y"]).astype(float)
    assert_same(y, tm.frame["liquidations_usd"].to_numpy() / 1e6, rtol=RTOL)


def test_btc_alone_at_an_earlier_date_runs_both_sections_cut_at_that_date(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    out = tmp_path_factory.mktemp("btc_asof")
    paths = build_report(
        out,
        sections=("stress", "transparency", "solvency"),
        quick=True,
        asset="BTC",
        as_of="2025-06-30",
        workers=1,
    )
    summary = json.loads(paths["summary"].read_text())
    assert set(summary["sections"]) == {"stress-btc", "transparency-btc"}  # solvency: ETH only
    assert "solvency" in summary["front"]["skipped"]
    end = pd.Timestamp("2025-06-30 23:59:59", tz="UTC")
    s, t = summary["sections"]["stress-btc"], summary["sections"]["transparency-btc"]
    assert s["asset"] == t["asset"] == "BTC"
    assert pd.Timestamp(s["as_of"]) <= end and pd.Timestamp(t["last"]) <= end
    assert pd.Timestamp(t["last"]) >= pd.Timestamp("2025-06-29", tz="UTC")
    # the BTC-only front page leads with BTC's stress headline
    assert "var99_30d_btc" in summary["front"]["headlines"]
