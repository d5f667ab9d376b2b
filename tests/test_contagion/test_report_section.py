"""The contagion report section on the bundled data (quick mode)."""

from __future__ import annotations

import json

import pytest

from liqcascade.report import build_report

# The report forks its second lane while pyarrow's native threads run (jemalloc's
# background thread, Arrow's pool threads after the first Parquet read): Python 3.12+ warns
# on any fork of a process with more than one OS thread. Those threads are sound in the
# child (Arrow resets its pools there, jemalloc registers pthread_atfork handlers); the
# evidence, and the threads that do keep the report in one lane, are in
# liqcascade._procs.fork_refusal. Only that warning is left out here.
pytestmark = pytest.mark.filterwarnings(
    r"ignore:This process \(pid=\d+\) is multi-threaded, use of fork\(\):DeprecationWarning"
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str]:
    """The contagion section's report (quick), built once for the tests that read it.

    Its summary and its page; the tests only read them.
    """
    out = tmp_path_factory.mktemp("contagion")
    build_report(out, modules=("liqcascade.report._contagion_section",), quick=True)
    return json.loads((out / "summary.json").read_text()), (out / "report.html").read_text()


def test_section_summary(built: tuple[dict, str]) -> None:
    s, html = built
    c = s["contagion"] if "contagion" in s else s["sections"]["contagion"]
    assert c["replay_shock"] == pytest.approx(3400.0 / 3864.76 - 1)
    assert c["aave_recorded_usd"] == pytest.approx(43.1e6, rel=0.01)
    assert c["aave_ratio"] == pytest.approx(c["defi_liquidated_usd"] / c["aave_recorded_usd"])
    assert 0 < c["contagion_share"] < 1
    assert c["rounds_to_spread"] >= 1
    assert c["hyperliquid_covered"] is False
    # the BTC/ETH beta comes from the 30 days of hourly moves before the crash (OLS, 0.45),
    # not from the crash hour it is compared against (0.92 there)
    assert 0.3 < c["btc_eth_beta"] < 0.7
    # the Aave parameters the section reads are among the front's sources, with their hash
    aave = [r for r in s["front"]["sources"] if r["series"] == "Aave v3 reserve parameters"]
    assert len(aave) == 1 and len(aave[0]["sha256"]) == 64
    assert not any(r["series"] == "USDe 1m bars" for r in s["front"]["sources"])  # not run
    assert len(html) > 10_000
    # legends name the venues as the tables do
    assert '"name":"Binance"' in html and '"name":"binance"' not in html
    # the share's two scales, the venues' feed named
    text = " ".join(html.split())
    assert "(model only, Binance-feed-scale exchange liquidations plus real-dollar Aave" in text
    assert "Units: the venues' liquidations are Binance-feed dollars, on the scale of" in text


def test_headline_has_no_interval_and_the_claim_is_model_only(built: tuple[dict, str]) -> None:
    s = built[0]
    c = s["sections"]["contagion"]
    h = s["front"]["headlines"]["contagion_share"]
    # the sweep over first shocks is a sensitivity: never in the interval fields
    assert h["low"] is None and h["high"] is None
    assert h["interval"].startswith("no interval (model only)") and "(a sweep)" in h["interval"]
    assert "over first shocks" in h["interval"] and "(a sweep)" in h["interval"]
    sens = c["first_shock_sensitivity"]
    shares = [r["contagion share"] for r in c["sweep"]]
    assert sens["share_min"] == min(shares) and sens["share_max"] == max(shares)
    claim = next(x for x in s["claims"] if x["section"] == "contagion")
    assert claim["verdict"] == "not testable with these data"
    assert claim["computed"].startswith("Not testable: the model says")
    # the card names Bybit's fall beside the Aave leg; its mark fails when either misses 2x
    assert f"Bybit's modelled fall is {c['bybit_low_ratio']:.2f} of its recorded" in h["evidence"]
    within = [1 / 2 <= c[k] <= 2 for k in ("aave_ratio", "bybit_low_ratio")]
    assert h["check"] == ("passes" if all(within) else "fails")
    # the low against the low: the ratio is of the model's lowest price over the rounds
    assert c["bybit_low_ratio"] == pytest.approx(
        c["venue_low_moves"]["bybit"]
        / (3311.76 / 3865.21 - 1),  # bundled Bybit 2025-10-10 21:00 UTC hour: open, low
        rel=1e-9,
    )
    # Binance starts at the hour's open, 3,864.76: its low is never above its final price
    final = c["venues"]["binance"]["final_price"] / 3864.76 - 1
    assert c["venue_low_moves"]["binance"] <= final + 1e-12


def test_the_replay_read_market_wide(built: tuple[dict, str]) -> None:
    """The replay's shock on every venue at once, beside the venue-only replay."""
    s, html = built
    c = s["sections"]["contagion"]
    m = c["market_wide"]
    assert m["scope"] == "market"
    assert m["cex_liquidated_usd"] <= m["cex_static_bound_usd"]
    assert m["cex_liquidated_usd"] > c["cex_liquidated_usd"]  # every venue hit directly
    assert m["aave_ratio"] == pytest.approx(m["defi_liquidated_usd"] / c["aave_recorded_usd"])
    for move in m["venue_final_moves"].values():
        assert move <= c["replay_shock"] + 1e-9
    assert "Read as a market-wide fall" in html


def test_the_sweep_table_reads_in_one_money_scale() -> None:
    """Aave's column read "$981,194" beside the venues' "$7.7 M": one scale per table."""
    from types import SimpleNamespace as NS

    from liqcascade.report._contagion_section import _sweep_table

    def run(binance: float, aave: float) -> NS:
        return NS(venues={"binance": NS(liquidated_usd=binance)}, defi_liquidated_usd=aave,
                  contagion_share=0.6)  # fmt: skip

    v = NS(runs={-0.12: run(7.7e6, 981_194.0), -0.02: run(1.9e6, 30_972.0)})
    t = _sweep_table(v)  # type: ignore[arg-type]
    assert list(t.columns) == ["shock", "Binance", "Aave (WBTC)", "contagion share"]
    assert t["Aave (WBTC)"].tolist() == ["$0.98 M", "$0.03 M"]  # shocks −12 %, −2 %
    assert t["Binance"].tolist() == ["$7.7 M", "$1.9 M"]


def _view(aave_ratio: float, bybit: dict[str, float], binance_ratio: float = 1.0) -> object:
    """A contagion view as the takeaways and the claim read it (no runs)."""
    from types import SimpleNamespace as NS

    replay = NS(contagion_share=0.605, defi_liquidated_usd=981_194.0,
                venues={"binance": NS(move=-0.02), "bybit": NS(move=-0.021)})  # fmt: skip
    rows = {"binance": {"model": -0.1203, "recorded": -0.1203, "ratio": binance_ratio},
            "bybit": bybit}  # fmt: skip
    return NS(replay=replay, aave={"recorded": 43.1e6, "ratio": aave_ratio},
              bybit=lambda: bybit, low_row=lambda venue: rows[venue], hour_moves=None,
              book_dollars="Binance-feed")  # fmt: skip


def test_the_lows_and_the_claim_leave_a_missing_leg_out() -> None:
    """Bybit's ratio printed "nan" in the takeaway, the Aave one in the claim: left out now."""
    import math
    import re

    from liqcascade.report._contagion_section import _claim, _lows_take

    both = _view(0.0228, {"model": -0.0624, "recorded": -0.1432, "ratio": 0.4357})
    take = _lows_take(both)  # type: ignore[arg-type]
    assert "(so its ratio, 1.00, tests nothing)" in take
    assert "recorded (ratio 0.44): arbitrage spreads only part of the fall to Bybit" in take
    c = _claim(both)  # type: ignore[arg-type]
    assert "liquidations the same days (model/recorded 0.02), which" in c.computed
    assert c.front.endswith("against the record, the Aave leg is 0.02 of it and Bybit's fall 0.44.")
    for bybit in ({}, {"model": -0.06, "recorded": -0.14, "ratio": math.nan}):
        none = _view(math.nan, bybit, binance_ratio=math.nan)
        take = _lows_take(none)  # type: ignore[arg-type]
        c = _claim(none)  # type: ignore[arg-type]
        for text in (take, c.computed, c.front):
            assert not re.search(r"\bnan\b", text), text
        assert "Bybit's is" not in take and "(so it tests nothing)" in take
        assert take.endswith("and Bybit −2.1 % (no recorded counterpart).")  # its final move
        assert "the same days, which a common shock" in c.computed
        assert c.front.endswith("off the shocked venue in the 2025-10-10 replay.")
        assert c.front.startswith("Model only, feed-scale CEX + real Aave dollars: ")
    # the Aave leg missing, Bybit's there: the front row names Bybit's alone
    c = _claim(_view(math.nan, {"recorded": -0.14, "ratio": 0.73}))  # type: ignore[arg-type]
    assert c.front.endswith("replay; against the record, Bybit's fall 0.73.")
