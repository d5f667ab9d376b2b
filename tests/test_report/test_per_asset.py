"""The per-asset sections (stress, transparency, volatility, support, solvency, stops):
BTC's from BTC's own data, as ETH's.

The report's BTC figures (summary.json and the figures on the page) are checked against
direct calls of the library on BTC's estimated market, with a stated tolerance.
"""

from __future__ import annotations

import base64
import json
import re
from html import unescape
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from floats import assert_same, same_value
from liqcascade.report import build_report

#: The report and the direct call run the same computation by the same route; the Monte
#: Carlo and the calibrated paths are seeded, so only float reordering may differ.
RTOL = 1e-6

PER_ASSET = ("volatility", "support", "stress", "solvency", "protect", "transparency")
"""The sections this module checks for ETH and BTC (the default report runs each for both)."""


@pytest.fixture(scope="module")
def built(report: dict[str, Path]) -> tuple[str, dict[str, Any]]:
    """The default quick report (conftest's shared build): ETH's and BTC's sections of
    each kind in PER_ASSET, the page and the summary."""
    return report["html"].read_text(), json.loads(report["summary"].read_text())


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
    m = re.search(rf'<h3 class="figcap">([^<]*)</h3><div class="figure" id="{fid}"', html)
    assert m, fid
    return unescape(m.group(1))


def _section_text(html: str, sid: str) -> str:
    return unescape(html.split(f'id="{sid}"')[1].split("</section>")[0])


def test_both_assets_have_stress_and_transparency_sections(
    built: tuple[str, dict[str, Any]],
) -> None:
    html, summary = built
    secs = summary["sections"]
    # every section of the default report: the per-asset ones twice, the ETH-only ones once
    both = (*PER_ASSET, "liqmap", "cascade")
    eth_only = {"data", "validation", "contagion", "collateral"}
    assert set(secs) == {x for sid in both for x in (sid, f"{sid}-btc")} | eth_only
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
    # the VaR card: 95 % on every asset (the level the 30-day back-test can test)
    assert "var95_30d" in keys and "var99_30d" not in keys
    sec = _section_text(html, "stress-btc")
    assert "BTC: Stress tests" in sec and "ETH only" not in sec
    assert "BTC extreme within 24 h (80 %)" in sec and "BTC hourly bars" in sec
    assert "BTC: Do leverage and stop density warn" in _section_text(html, "transparency-btc")
    for fid, word in (
        ("fig-stress-btc-0", "BTC book liquidations"),
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


def test_btc_alone_at_an_earlier_date_runs_every_section_cut_at_that_date(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    out = tmp_path_factory.mktemp("btc_asof")
    paths = build_report(
        out,
        sections=(*PER_ASSET, "contagion"),
        quick=True,
        asset="BTC",
        as_of="2025-06-30",
        workers=1,
    )
    summary = json.loads(paths["summary"].read_text())
    assert set(summary["sections"]) == {f"{sid}-btc" for sid in PER_ASSET}
    assert "contagion" in summary["front"]["skipped"]  # ETH's 2025-10-10 presets
    end = pd.Timestamp("2025-06-30 23:59:59", tz="UTC")
    v = summary["sections"]["solvency-btc"]
    assert v["asset"] == "BTC" and pd.Timestamp(v["as_of"]) <= end
    # the 2025-10-10 fall, recorded after the as-of date, stays as a named stress scenario
    assert v["october_2025_shock"] < -0.05 and "2025-10-10" in v["bad_debt_usd"]
    assert "recorded after the market date (2025-06-30" in _section_text(
        paths["html"].read_text(), "solvency-btc"
    )
    # every bar each section read closed by the as-of date
    vol, sup, pro = (summary["sections"][f"{x}-btc"] for x in ("volatility", "support", "protect"))
    close = pd.Timedelta(days=1)
    assert pd.Timestamp(vol["daily_last"]) + close <= end + pd.Timedelta(seconds=1)
    assert pd.Timestamp(vol["hourly_last"]) == pd.Timestamp("2025-06-30 23:00", tz="UTC")
    assert pd.Timestamp(sup["last_bar"]) == pd.Timestamp("2025-06-30", tz="UTC")
    # stops: each 5-day trade ends by the as-of date; none of 2025-10
    assert pd.Timestamp(pro["backtest_end"]) + pd.Timedelta(days=5) <= end
    assert pro["crash_2025_10_10"] == [] and pro["best_on_2025_10_10"] == {}
    assert pd.Timestamp(pro["recommendation_long"]["as_of"]) <= end
    s, t = summary["sections"]["stress-btc"], summary["sections"]["transparency-btc"]
    assert s["asset"] == t["asset"] == "BTC"
    assert pd.Timestamp(s["as_of"]) <= end and pd.Timestamp(t["last"]) <= end
    assert pd.Timestamp(t["last"]) >= pd.Timestamp("2025-06-29", tz="UTC")
    # the BTC-only front page leads with BTC's stress headline
    assert "var95_30d_btc" in summary["front"]["headlines"]
    assert "var99_30d_btc" not in summary["front"]["headlines"]


#: summary.json keys of the ETH sections before they ran per asset (session 4's report):
#: every one is kept, with its meaning.
ETH_KEYS: dict[str, set[str]] = {
    "volatility": {
        "aic_table", "asymmetry_ratio_daily_gjr", "best_model_aic", "clustering",
        "fit_eth_1d_egarch_t", "fit_eth_1d_gjr_t", "leverage_claim_verdict",
        "leverage_daily_egarch", "leverage_daily_gjr", "leverage_hourly_gjr", "n_obs_daily",
        "periods_daily", "periods_hourly", "realized_to_model_vol_ratio",
        "realized_vs_model_log_corr",
    },
    "support": {
        "baseline_win_rate_1_10", "closest_to_claimed_count", "horizons",
        "long_horizons_significantly_negative", "mean_20_plus", "n_broken", "n_held",
        "n_random", "n_tests", "n_tests_range_over_grid", "n_zones", "params",
        "random_level_win_rate_1_10", "seed", "verdict", "win_rate_1_10",
    },
    "solvency": {
        "adl", "adl_scenario", "as_of", "bad_debt_gap_only_usd", "bad_debt_usd", "breaks",
        "liabilities_usd", "min_buffer_survives", "n_accounts", "october_2025_shock",
        "oi_share", "pol_build_seconds", "pol_depth", "pol_n_users",
        "pol_reserve_ratio_at_6pct", "pol_root", "pol_sample_proof_steps",
        "pol_sample_proof_valid", "pol_total_liabilities_cents", "worst_scenario",
    },
    "protect": {
        "backtest_end", "backtest_policy_means", "backtest_start", "backtest_table",
        "best_on_2025_10_10", "crash_2025_10_10", "fill_model", "n_trades",
        "recommendation_long", "recommendation_short",
    },
}  # fmt: skip


def test_eth_keys_kept_and_btc_has_the_same_asset_neutral_ones(
    built: tuple[str, dict[str, Any]],
) -> None:
    _, summary = built
    secs = summary["sections"]
    for sid, keys in ETH_KEYS.items():
        eth, btc = secs[sid], secs[f"{sid}-btc"]
        assert keys <= set(eth), (sid, keys - set(eth))
        assert eth["asset"] == "ETH" and btc["asset"] == "BTC", sid
        eth_only = {k for k in eth if "eth" in k}
        assert set(btc) == set(eth) - eth_only, sid  # the same keys, ETH's names aside
    # ETH's old names hold the same numbers as the asset-neutral ones
    v = secs["volatility"]
    assert v["fit_eth_1d_gjr_t"] == v["fit_1d_gjr_t"]
    assert v["fit_eth_1d_egarch_t"] == v["fit_1d_egarch_t"]
    # no ETH-named key in a BTC section
    for sid in ETH_KEYS:
        assert not [k for k in secs[f"{sid}-btc"] if "eth" in k], sid


def _no_eth(text: str) -> bool:
    return "ETH" not in text


def test_btc_sections_name_btc_in_titles_and_captions(built: tuple[str, dict[str, Any]]) -> None:
    html, _ = built
    figs = {"volatility-btc": 3, "support-btc": 3, "solvency-btc": 1, "protect-btc": 2}
    for sid, n in figs.items():
        for k in range(n):
            cap = _caption(html, f"fig-{sid}-{k}")
            assert "BTC" in cap and _no_eth(cap), (sid, k, cap)
            assert _figure(html, f"fig-{sid}-{k}")["data"], (sid, k)
        sec = _section_text(html, sid)
        tabcaps = re.findall(r'<h3 class="caption" id="[^"]*">([^<]*)</h3>', sec)
        assert tabcaps and all(c.startswith("BTC") and _no_eth(c) for c in tabcaps), tabcaps
        assert "ETH only" not in sec
    # ETH's figures name ETH
    assert "(ETH)" in _caption(html, "fig-volatility-0")
    assert "10 ETH, 10×" in _section_text(html, "protect")


def test_btc_volatility_is_fitted_on_btc_bars(built: tuple[str, dict[str, Any]]) -> None:
    from liqcascade import datasets
    from liqcascade.volatility import fit_volatility, log_returns

    _, summary = built
    eth, btc = summary["sections"]["volatility"], summary["sections"]["volatility-btc"]
    close = datasets.load_ohlcv("BTC", "1d", end="2025-07-31")["close"]  # the market date
    want = fit_volatility(log_returns(close), "gjr", "t", asset="BTC")
    got = btc["fit_1d_gjr_t"]
    assert got["asset"] == "BTC" and got["n_obs"] == want.n_obs
    for k, x in want.params.items():
        assert np.isfinite(got["params"][k]) and same_value(got["params"][k], x, rtol=RTOL), k
    # BTC's parameters are its own: none equals ETH's to 1e-3
    pe = eth["fit_1d_gjr_t"]["params"]
    assert all(not same_value(got["params"][k], pe[k], rtol=1e-3) for k in pe)
    assert btc["hourly_first"].startswith("2021-04-04")  # BTC's hourly bars begin there
    assert btc["leverage_claim_verdict"] in ("supported", "partly supported", "not supported",
                                             "contradicted")  # fmt: skip


def test_btc_support_runs_its_own_bars_with_scaled_tolerances(
    built: tuple[str, dict[str, Any]],
) -> None:
    from liqcascade import datasets
    from liqcascade.events import SupportParams, support_study

    _, summary = built
    eth, btc = summary["sections"]["support"], summary["sections"]["support-btc"]
    daily = datasets.load_ohlcv("BTC", "1d", "2022-01-01", "2025-07-31")  # the market date
    rng = float(((daily["high"] - daily["low"]) / daily["close"]).median())
    assert same_value(btc["median_daily_range"], rng, rtol=RTOL) and 0.02 < rng < 0.045
    k = rng / 0.045
    assert eth["tolerance_scale"] == 1.0 and eth["params"] == SupportParams().to_dict()
    p = SupportParams(
        zone_tol=round(0.015 * k, 3), band=round(0.01 * k, 3), break_tol=round(0.01 * k, 3)
    )
    assert btc["params"] == p.to_dict()
    study = support_study(daily, p, seed=0, n_random=btc["n_random"], n_boot=300)
    assert btc["n_tests"] == study.detection.n_tests != eth["n_tests"]
    assert same_value(btc["win_rate_1_10"], study.win_rate_1_10, rtol=RTOL)


def test_btc_solvency_stands_on_btc_book_and_btc_fall(built: tuple[str, dict[str, Any]]) -> None:
    from liqcascade import datasets

    _, summary = built
    eth, btc = summary["sections"]["solvency"], summary["sections"]["solvency-btc"]
    h = datasets.load_ohlcv("BTC", "1h", "2025-10-10", "2025-10-10")
    fall = float(h["low"].min() / h["open"].iloc[0] - 1.0)
    assert same_value(btc["october_2025_shock"], fall, rtol=RTOL)
    assert -0.3 < fall < -0.05 and not same_value(fall, eth["october_2025_shock"], rtol=1e-3)
    assert btc["price"] > 5 * eth["price"] and btc["as_of"] == eth["as_of"]
    assert btc["oi_share"] == eth["oi_share"]
    assert not same_value(btc["liabilities_usd"], eth["liabilities_usd"], rtol=1e-3)
    assert set(btc["bad_debt_usd"]) == set(eth["bad_debt_usd"])
    stress = summary["sections"]["stress-btc"]
    assert same_value(btc["price"], stress["price"], rtol=1e-3)  # the same BTC market
    # each asset's own liquidity calibration, fitted before the market's close, and an
    # interval over every liquidity draw on every position-book draw
    for a, sec in (("ETH", eth), ("BTC", btc)):
        cal = sec["calibration"]
        assert cal["asset"] == a
        assert pd.Timestamp(cal["as_of"]) <= pd.Timestamp(sec["as_of"]) + pd.Timedelta(hours=4)
        assert sec["n_draws"]["liquidity"] >= 5 and sec["n_draws"]["book"] >= 5
        for name, (lo, hi) in sec["bad_debt_interval_usd"].items():
            assert 0 <= lo <= hi, name
    worst = btc["worst_scenario"]
    lo, hi = btc["bad_debt_interval_usd"][worst]
    assert hi > lo  # the book's draws spread the worst case


def test_btc_stops_use_the_dollar_position_of_ten_eth(built: tuple[str, dict[str, Any]]) -> None:
    from liqcascade import datasets

    html, summary = built
    eth, btc = summary["sections"]["protect"], summary["sections"]["protect-btc"]
    assert eth["position_size"] == 10.0
    last = pd.Timestamp(btc["recommendation_long"]["as_of"]) + pd.Timedelta(hours=4)
    h = datasets.load_ohlcv("ETH", "1h")
    eth_close = float(h.loc[h.index + pd.Timedelta(hours=1) <= last, "close"].iloc[-1])
    # three significant digits of the size: the notional within 0.5 % of 10 ETH's
    assert same_value(btc["position_notional_usd"], 10 * eth_close, rtol=5e-3)
    rec = btc["recommendation_long"]
    assert rec["size"] == btc["position_size"] and rec["leverage"] == 10.0
    assert same_value(rec["entry"], summary["sections"]["stress-btc"]["price"], rtol=1e-3)
    assert rec["liq_price"] < rec["stop_price"] < rec["entry"]
    # the back-test walked BTC's hourly bars (they begin in 2021-04)
    assert pd.Timestamp(btc["backtest_start"]) >= pd.Timestamp("2021-04-04", tz="UTC")
    assert btc["n_trades"] > 0 and btc["backtest_table"] != eth["backtest_table"]
    assert f"{btc['position_size']:g} BTC, 10×" in _section_text(html, "protect-btc")


def test_btc_stops_verdict_is_said_in_its_section(built: tuple[str, dict[str, Any]]) -> None:
    """The claims table is ETH's: BTC's verdict on the stops claim is in BTC's takeaways."""
    from liqcascade.report._section import VERDICTS

    html, summary = built
    eth, btc = summary["sections"]["protect"], summary["sections"]["protect-btc"]
    assert btc["stops_claim_verdict"] in VERDICTS and eth["stops_claim_verdict"] in VERDICTS
    said = "judged on BTC's back-test by the rule of the claims table (ETH's): "
    text = " ".join(_section_text(html, "protect-btc").split())
    assert said + btc["stops_claim_verdict"] + "." in text
    # ETH's verdict is its claim row (the front page and the claim box), not a takeaway
    assert "judged on ETH's back-test" not in " ".join(_section_text(html, "protect").split())
    row = [c for c in summary["claims"] if c["claim"].startswith("Volatility-scaled stops")]
    assert [c["verdict"] for c in row] == [eth["stops_claim_verdict"]]


def test_btc_alone_fronts_btc_clusters_and_critical_shock(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """A report whose first asset is not ETH fronts that asset's clusters and shock.

    The front read section ``liqmap`` and headline ``critical_shock``, ETH's ids: a
    BTC-only report's front had no clusters and a null critical shock.
    """
    out = tmp_path_factory.mktemp("btc_front")
    paths = build_report(out, sections=("liqmap", "cascade"), quick=True, asset="BTC", workers=1)
    summary = json.loads(paths["summary"].read_text())
    front, secs = summary["front"], summary["sections"]
    assert front["critical_shock"] is not None and front["critical_shock"] < 0
    head = front["headlines"]["critical_shock_btc"]
    assert same_value(front["critical_shock"], head["value"], rtol=1e-12)
    clusters = front["clusters_near_price"]
    assert clusters and {c["asset"] for c in clusters} == {"BTC"}
    largest = secs["liqmap-btc"]["largest_clusters"][: len(clusters)]
    for c, ref in zip(clusters, largest, strict=True):
        assert same_value(c["price"], ref["price"], rtol=1e-12)
        assert c["price"] > 20_000  # BTC's price level, not ETH's
