"""The liquidation map's band over the book's parameter draws and its out-of-sample score.

Real data: ETH's and BTC's estimated markets at 2025-07-31 (the bundled last bar).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from floats import assert_same
from liqcascade.market import MarketSpec, estimated_market
from liqcascade.market._liqmap import run_liqmap_request
from liqcascade.market._mapband import (
    BAND_KINDS,
    MAP_LEVELS,
    NO_DRAWS,
    book_score,
    book_score_text,
    compute_book_score,
    draw_maps,
    map_bands,
    sig3,
    usd3,
    value_band_text,
)
from liqcascade.positions import liquidation_map
from liqcascade.positions._maps import KINDS
from profiles import examples

DATE = "2025-07-31"


@pytest.fixture(scope="module")
def eth():
    """ETH's map at the last bundled bar, its draws' maps and bands."""
    state = estimated_market(MarketSpec(asset="ETH", as_of=DATE))
    lmap = liquidation_map(state.positions, state.stops, state.mid, as_of=state.as_of)
    maps = draw_maps(state, lmap)
    return state, lmap, maps, map_bands(lmap, maps)


# ------------------------------------------------------------------ rounding
def test_rounding_golden() -> None:
    assert sig3(11_574_320.0) == "11,600,000"
    assert sig3(0.0038282) == "0.00383"
    assert sig3(100.0) == "100" and sig3(1.5) == "1.50"
    assert usd3(11_574_319.89) == "11.6 M"
    assert usd3(22_460_338.1) == "22.5 M"
    assert usd3(382_824.4) == "383 k"
    assert usd3(999_600.0) == "1.00 M"  # the unit after rounding
    assert usd3(1_234_567_890.0) == "1.23 B"
    assert usd3(512.345) == "512" and usd3(0.0) == "0" and usd3(None) == "–"
    assert value_band_text(22_460_338.1, 17_985_773.2, 25_595_529.4) == "22.5 M (18.0–25.6 M)"
    assert value_band_text(1.35e6, 455e3, 5.11e6) == "1.35 M (455 k–5.11 M)"
    assert value_band_text(5.0e6, None, None) == "5.00 M"
    assert value_band_text(0.0, 0.0, 0.0) == "0"


def _parse_usd(text: str) -> float:
    num, _, unit = text.partition(" ")
    return float(num.replace(",", "")) * {"": 1.0, "k": 1e3, "M": 1e6, "B": 1e9}[unit]


@settings(max_examples=examples(300), deadline=None)
@given(st.floats(min_value=1e-3, max_value=1e12, allow_nan=False))
def test_usd3_is_three_significant_figures(x: float) -> None:
    text = usd3(x)
    back = _parse_usd(text)
    assert abs(back - x) <= 5e-3 * x * (1 + 1e-9)  # half a unit in the 3rd figure
    digits = text.split(" ")[0].replace(",", "").replace(".", "").lstrip("0")
    assert len(digits) == 3 or back >= 1e12  # exactly 3 significant figures shown


@settings(max_examples=examples(200), deadline=None)
@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False))
def test_sig3_round_trip(x: float) -> None:
    back = float(sig3(x).replace(",", ""))
    assert back == pytest.approx(x, rel=5e-3, abs=1e-300)


# ------------------------------------------------------------------ the band
def test_band_kinds_are_the_map_columns() -> None:
    assert BAND_KINDS == KINDS


def test_band_contains_the_value_and_is_not_degenerate(eth) -> None:
    state, lmap, maps, bands = eth
    assert len(maps) == len(state.draws()) >= 8
    point = lmap.to_dict(MAP_LEVELS)
    tol = 1e-9
    for kind in BAND_KINDS:
        key = f"cumulative_{kind}"
        assert set(bands[f"{key}_p05"]) == set(point[key]) == set(bands[f"{key}_p95"])
        for level, v in point[key].items():
            lo, hi = bands[f"{key}_p05"][level], bands[f"{key}_p95"][level]
            assert lo - tol * max(1.0, v) <= v <= hi + tol * max(1.0, v), (key, level)
    for c, b in zip(lmap.clusters, bands["clusters"], strict=True):
        assert b["notional_usd_p05"] <= c.notional_usd * (1 + 1e-9)
        assert c.notional_usd <= b["notional_usd_p95"] * (1 + 1e-9)
    # the book's size is uncertain: the 10 % figures' bands are wide, not zero-width
    for key, level in (("cumulative_long_liq_usd", "-0.10"), ("cumulative_short_liq_usd", "0.10")):
        lo, hi, v = bands[f"{key}_p05"][level], bands[f"{key}_p95"][level], point[key][level]
        assert hi - lo > 0.05 * v
    big = bands["clusters"][0]
    assert big["notional_usd_p95"] - big["notional_usd_p05"] > 0.05 * lmap.clusters[0].notional_usd
    assert bands["band"]["n_draws"] == len(maps) and bands["band"]["note"] is None


def test_band_is_market_state_band(eth) -> None:
    """The map's band is MarketState.band of the same figure (same draws, percentiles)."""
    state, lmap, _, bands = eth

    def long10(s) -> float:
        m = liquidation_map(s.positions, s.stops, lmap.price, as_of=lmap.as_of)
        return m.to_dict(MAP_LEVELS)["cumulative_long_liq_usd"]["-0.10"]

    ref = state.band(long10)
    assert_same(ref["value"], lmap.to_dict(MAP_LEVELS)["cumulative_long_liq_usd"]["-0.10"])
    assert_same(bands["cumulative_long_liq_usd_p05"]["-0.10"], ref["p05"])
    assert_same(bands["cumulative_long_liq_usd_p95"]["-0.10"], ref["p95"])


def test_cluster_band_twin(eth) -> None:
    """A cluster's draw notional summed from each draw's bucket table (plain pandas)."""
    _, lmap, maps, bands = eth
    for c, b in list(zip(lmap.clusters, bands["clusters"], strict=True))[:4]:
        per_draw = []
        for m in maps:
            f = m.to_frame()
            lo_ok = f["price_low"] >= c.price_low - 1e-9
            inside = lo_ok & (f["price_high"] <= c.price_high + 1e-9)
            per_draw.append(f.loc[inside, list(KINDS)].to_numpy().sum(axis=0))
        arr = np.array(per_draw)
        assert_same(b["notional_usd_p05"], np.percentile(arr.sum(axis=1), 5), rtol=1e-9)
        assert_same(b["notional_usd_p95"], np.percentile(arr.sum(axis=1), 95), rtol=1e-9)
        for j, kind in enumerate(KINDS):
            assert_same(b[f"{kind}_p05"], np.percentile(arr[:, j], 5), rtol=1e-9, atol=1e-6)


def test_no_draws_gives_no_band(eth) -> None:
    _, lmap, _, _ = eth
    b = map_bands(lmap, [])
    assert b["band"] == {**b["band"], "n_draws": 0, "note": NO_DRAWS}
    assert all(v is None for v in b["cumulative_long_liq_usd_p05"].values())
    assert all(v is None for v in b["totals_p95"].values())
    assert all(r["notional_usd_p05"] is None for r in b["clusters"])


def test_draw_maps_keep_given_stops(eth) -> None:
    state, lmap, _, _ = eth
    from liqcascade.positions._book import StopBook

    maps = draw_maps(state, lmap, StopBook.empty())
    assert maps and all(m.totals()["sell_stops_usd"] == 0 for m in maps)


# ------------------------------------------------------------------ the score
@pytest.mark.parametrize("asset", ["ETH", "BTC"])
def test_stored_score_is_reproduced(asset: str) -> None:
    """The score shipped in the calibration equals the back-test run now."""
    from liqcascade.market._inputs import load_market_frames
    from liqcascade.positions._expanding import load_asset_calibration

    cal = load_asset_calibration(asset, store=False)
    stored = cal.meta["backtest"]
    fresh = compute_book_score(load_market_frames(asset, "4h", False), cal)
    assert fresh is not None
    assert stored["start"] == fresh["start"] == "2025-03-01" and stored["end"] == fresh["end"]
    assert stored["verdict"] == fresh["verdict"]
    for k, v in fresh.items():
        if isinstance(v, float):
            assert stored[k] == pytest.approx(v, rel=1e-9, abs=1e-12), k


def test_score_of_the_market_and_its_words() -> None:
    state = estimated_market(MarketSpec(asset="ETH", as_of=DATE, store=False))
    s = book_score(state)
    assert s is not None and s["scope"] == "package score"
    assert s["source"] == "package:liqcascade/positions/calibrated/ETH.json"
    assert 0 < s["corr_daily"] < 1 and 0 < s["range_baseline_corr_daily"] < 1
    text = book_score_text(s)
    assert "2025-03-01 → 2025-07-31" in text and f"{s['corr_daily']:.2f}" in text
    if s["verdict"] != "beats":  # ETH ties the range baseline (0.81 vs 0.82)
        assert "does not beat the range baseline" in text
    legacy = estimated_market(MarketSpec(asset="ETH", as_of=DATE, book_model="legacy"))
    assert book_score(legacy) is None


def test_score_words() -> None:
    base = {"start": "2025-03-01", "end": "2025-07-31", "days": 153.0, "scope": "store score",
            "corr_daily": 0.9, "range_baseline_corr_daily": 0.8,
            "range_baseline_corr_diff_daily": 0.1, "range_baseline_corr_diff_daily_p05": 0.02,
            "range_baseline_corr_diff_daily_p95": 0.2}  # fmt: skip
    assert "the model beats the range baseline" in book_score_text({**base, "verdict": "beats"})
    for v in ("ties", "loses"):
        assert "does not beat the range baseline" in book_score_text({**base, "verdict": v})
    none = {**base, "verdict": None, "corr_daily": 0.7}
    assert "does not beat the range baseline (no interval)" in book_score_text(none)
    assert book_score_text(None) == "no out-of-sample score for this book"


def test_calibration_stores_its_score(monkeypatch: pytest.MonkeyPatch) -> None:
    """``run_asset_calibration`` adds the back-test of its months to the fit's meta."""
    import liqcascade.positions._expanding as expanding
    from liqcascade.market import _liqmap
    from liqcascade.market._inputs import load_market_frames

    shipped = expanding.load_asset_calibration("ETH", store=False)
    bare = type(shipped)(asset="ETH", fits=shipped.fits, meta={"note": "fitted"})
    monkeypatch.setattr(expanding, "calibrate_expanding", lambda *a, **k: bare)
    frames = load_market_frames("ETH", "4h", False)
    cal = _liqmap.run_asset_calibration("ETH", frames=frames, n_bootstrap=0)
    assert cal.meta["note"] == "fitted"
    got = cal.meta["backtest"]
    assert got["start"] == "2025-03-01" and got["end"] == "2025-07-31"
    assert got["corr_daily"] == pytest.approx(shipped.meta["backtest"]["corr_daily"], rel=1e-9)
    assert math.isfinite(got["range_baseline_corr_daily"])


def test_run_to_dict_keys() -> None:
    run = run_liqmap_request(asset="ETH", as_of=DATE)
    d = run.to_dict()
    keys = list(d)
    for kind in BAND_KINDS:  # each band right after its point values
        k = f"cumulative_{kind}"
        i = keys.index(k)
        assert keys[i + 1 : i + 3] == [f"{k}_p05", f"{k}_p95"]
        assert set(d[k]) == {f"{'-' if kind in ('long_liq_usd', 'sell_stops_usd') else ''}{f:.2f}"
                             for f in MAP_LEVELS}  # fmt: skip
    assert keys[keys.index("totals") + 1] == "totals_p05"
    assert {"notional_usd_p05", "notional_usd_p95", "long_liq_usd_p05"} <= set(d["clusters"][0])
    assert d["out_of_sample"]["scope"] == "package score" and d["out_of_sample_note"] is None


def test_book_score_text_with_too_few_days_says_so() -> None:
    from liqcascade.market._mapband import book_score_text

    one = {"start": "2025-03-01", "end": "2025-03-01", "days": 1, "corr_daily": float("nan"),
           "range_baseline_corr_daily": None}  # fmt: skip
    text = book_score_text(one)
    assert "1 day," in text and "correlate n/a" in text and text.endswith("too few days to score")
    assert "nan" not in text
