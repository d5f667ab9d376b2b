"""Stops say what they assume and refuse contradictions (review-ops7 findings 2, 7, 11)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.proportion import proportion_confint

from clihelpers import run_cli
from floats import assert_same
from liqcascade._prices import percent_text
from liqcascade.cascade import load_liquidity
from liqcascade.errors import InputError
from liqcascade.protect import BacktestSettings, fixed_distance, wilson_interval
from profiles import examples

_WINDOW = ("--start", "2025-09-20", "--end", "2025-10-12", "--entries", "random")


def _wilson_ref(k: int, n: int, z: float) -> tuple[float, float]:
    """Plain twin: the Wilson interval solved as the roots of its quadratic in p."""
    # (p - k/n)^2 = z^2 p (1 - p) / n  <=>  a p^2 + b p + c = 0
    ph = k / n
    a = 1 + z * z / n
    b = -(2 * ph + z * z / n)
    c = ph * ph
    disc = math.sqrt(max(b * b - 4 * a * c, 0.0))
    return (-b - disc) / (2 * a), (-b + disc) / (2 * a)


def test_wilson_golden_statsmodels_and_twin() -> None:
    # golden: statsmodels' Wilson interval (alpha 0.1 = 90 %)
    rng = np.random.default_rng(8)
    for _ in range(200):
        n = int(rng.integers(1, 600))
        k = int(rng.integers(0, n + 1))
        lo, hi = wilson_interval(k, n, 0.9)
        slo, shi = proportion_confint(k, n, alpha=0.1, method="wilson")
        assert_same(lo, slo, rtol=1e-9, atol=1e-12)
        assert_same(hi, shi, rtol=1e-9, atol=1e-12)
        rlo, rhi = _wilson_ref(k, n, 1.6448536269514722)
        assert_same(lo, max(rlo, 0.0), rtol=1e-9, atol=1e-12)
        assert_same(hi, min(rhi, 1.0), rtol=1e-9, atol=1e-12)
    # by hand, 47 of 91 at 90 % (z² = 2.705543): centre 0.5313496 / 1.029731 = 0.516008,
    # half 1.644854 · √(0.00274425 + 0.00008168) / 1.029731 = 0.084915
    assert_same(wilson_interval(47, 91), (0.431093, 0.600923), rtol=0, atol=2e-6)
    assert all(math.isnan(v) for v in wilson_interval(0, 0))
    with pytest.raises(InputError, match=r"k must be in \[0, n\] \(got k=5, n=3\)"):
        wilson_interval(5, 3)


@settings(max_examples=examples(200), deadline=None)
@given(st.integers(1, 5000), st.data(), st.floats(0.5, 0.99))
def test_wilson_holds_the_share_widens_with_level(n: int, data: st.DataObject, lv: float) -> None:
    k = data.draw(st.integers(0, n))
    lo, hi = wilson_interval(k, n, lv)
    assert 0.0 <= lo <= k / n <= hi <= 1.0
    wlo, whi = wilson_interval(k, n, min(lv + 0.005, 0.995))
    assert wlo <= lo + 1e-12 and whi >= hi - 1e-12


def test_fixed_distance_refuses_beyond_liquidation_and_caps_inside() -> None:
    # 5x: liquidation at most 1/5 = 20 % away; cap 80 % of it = 16 %
    with pytest.raises(InputError) as e:
        fixed_distance(BacktestSettings(fixed_pct=0.5, leverage=5.0))
    assert e.value.params == ("fixed_pct", "leverage") and "20.00 %" in str(e.value)
    with pytest.raises(InputError) as e:
        fixed_distance(BacktestSettings(fixed_pct=0.2, leverage=5.0))  # exactly bankruptcy
    assert_same(fixed_distance(BacktestSettings(fixed_pct=0.19, leverage=5.0)), 0.16)
    assert fixed_distance(BacktestSettings(fixed_pct=0.05, leverage=5.0)) == 0.05
    assert fixed_distance(BacktestSettings(fixed_pct=0.16, leverage=5.0)) == 0.16
    # 100x: 1 % to bankruptcy; a 5 % stop is beyond it
    with pytest.raises(InputError) as e:
        fixed_distance(BacktestSettings(fixed_pct=0.05, leverage=100.0))
    assert "1.00 %" in str(e.value) and "0.008" in str(e.value)


@pytest.mark.parametrize(
    ("pct", "lev", "gap"), [("0.5", "5", "20.00 %"), ("0.05", "100", "1.00 %")]
)
def test_backtest_stop_beyond_liquidation_exit_2(pct: str, lev: str, gap: str) -> None:
    r = run_cli(
        "stops", "backtest", "--policy", "fixed", "--side", "long", "--entries", "support",
        "--fixed-pct", pct, "--leverage", lev, "--json",
    )  # fmt: skip
    lines = r.stderr.strip().splitlines()
    assert r.exit_code == 2 and r.stdout == "" and len(lines) == 1
    assert lines[0].startswith(f"error: --fixed-pct {pct} puts the fixed stop")
    assert "position (--leverage)" in lines[0] and gap in lines[0]


def test_backtest_fixed_beyond_cap_warns_and_reports_effective() -> None:
    args = ("stops", "backtest", "--policy", "fixed", "--side", "long", *_WINDOW)
    r = run_cli(*args, "--n-random", "20", "--fixed-pct", "0.19", "--json")
    assert r.exit_code == 0, r.stderr
    assert r.stderr.strip().splitlines() == [
        "warning: --fixed-pct 0.19 is beyond the cap of a 5x position (80 % of the way to "
        "liquidation): the fixed stops are 16.00 % from entry (fixed_pct_effective in --json)"
    ]
    d = r.json()
    assert d["settings"]["fixed_pct"] == 0.19
    assert_same(d["settings"]["fixed_pct_effective"], 0.16)
    assert any("16.00 % from entry, not the 19.00 % asked" in c for c in d["caveats"])
    # the cap is the 0.16 stop: the same table as asking 0.16
    e = run_cli(*args, "--n-random", "20", "--fixed-pct", "0.16", "--json").json()
    assert e["table"] == d["table"] and e["settings"]["fixed_pct_effective"] == 0.16
    assert not any("asked" in c for c in e["caveats"])


def test_backtest_stop_outs_interval_and_one_event_label() -> None:
    args = ("stops", "backtest", "--policy", "all", "--side", "long", *_WINDOW, "--n-random", "30")
    d = run_cli(*args, "--json").json()
    for row in d["table"] + d["crash_2025_10_10"]:
        k = round(row["stop_outs"] * row["n"])
        lo, hi = proportion_confint(k, row["n"], alpha=0.1, method="wilson")
        assert_same((row["stop_outs_lo"], row["stop_outs_hi"]), (lo, hi), rtol=1e-9, atol=1e-12)
    assert d["best_on_2025_10_10_note"] == "one event: not evidence"
    text = run_cli(*args).stdout
    best = d["best_on_2025_10_10"]["long"]
    assert f"best on 2025-10-10: long = {best} (one event: not evidence)" in text
    assert "{'long'" not in text and "stop_outs [90 %]" in text


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("backtest", "--n-random", "0", "--entries", "random"),
         "--n-random is 0: the random entry set would hold no entry (give 1 or more, or "
         "--entries support)"),
        (("backtest", "--horizon-days", "10000"), "--horizon-days must be in [1, 365] (got 10000)"),
        (("recommend", "--side", "long", "--entry", "3700", "--size", "10", "--leverage", "10",
          "--horizon-days", "10000"),
         "--horizon-days must be an integer in [1, 365] (got 10000)"),
        (("recommend", "--side", "long", "--entry", "3700", "--size", "10", "--leverage", "0.5"),
         "--leverage must be in [1, 125] (got 0.5)"),
    ],
)  # fmt: skip
def test_small_contradictions_exit_2(args: tuple[str, ...], line: str) -> None:
    r = run_cli("stops", *args)
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.strip().splitlines() == [f"error: {line}"]


def test_recommend_says_what_its_figures_rest_on() -> None:
    base = ("stops", "recommend", "--side", "short", "--entry", "3700", "--size", "10",
            "--leverage", "10")  # fmt: skip
    d = run_cli(*base, "--json").json()
    assert set(d["model_figures"]) == {
        "distance", "expected_slippage", "avoided_clusters", "stop_out_chance"
    }  # fmt: skip
    v_lo, v_hi = d["vol_distance_range"]  # the GJR fit's parameter uncertainty
    assert v_lo < d["vol_distance"] < v_hi and d["vol_distance_draws"] == 100
    vband = f"p05–p95 {percent_text(v_lo, 2)}–{percent_text(v_hi, 2)} over 100 draws"
    assert vband in d["model_figures"]["distance"]
    assert d["distance"] <= d["vol_distance"] + 1e-12  # the stop: the point, capped
    assert d["model_figures"]["avoided_clusters"].startswith("model figure, no interval: ")
    cal = load_liquidity("ETH", d["bar_open"])  # the market's bar
    assert d["expected_slippage_draws"] == len(cal.draws) > 0
    lo, hi = d["expected_slippage_range"]
    assert lo <= d["expected_slippage"] + 1e-12 and d["expected_slippage"] <= hi + 1e-12
    assert f"over its {len(cal.draws)} bootstrap draws" in d["model_figures"]["expected_slippage"]
    s = run_cli(*base, "--liquidity", "static", "--json").json()
    assert s["expected_slippage_range"] is None and s["expected_slippage_draws"] == 0
    assert s["model_figures"]["expected_slippage"].startswith("model figure, no interval: ")
    text = run_cli(*base).stdout
    band = f"(p05–p95 {percent_text(v_lo, 2)}–{percent_text(v_hi, 2)})"
    assert f"vol_distance       {percent_text(d['vol_distance'], 2)} {band}" in text
    assert "(draws " in text or "(every draw " in text  # one figure when both ends read alike
    atr = run_cli(*base, "--vol-source", "atr", "--json").json()
    assert atr["vol_distance_range"] is None and atr["vol_distance_draws"] == 0
    assert atr["model_figures"]["distance"].startswith("model figure, no interval: ")
    assert atr["model_figures"]["stop_out_chance"].endswith("no interval (the volatility has none)")
    assert atr["stop_out_chance_range"] is None and 0 < atr["stop_out_chance"] < 1
