"""Recorded liquidation bars the bar's own move cannot explain (``suspect_liquidation_bars``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from floats import assert_same
from liqcascade.data import suspect_liquidation_bars
from liqcascade.errors import InputError
from profiles import examples


def _frames(n: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2025-01-01", periods=n, freq="4h", tz="UTC")
    o = 3000.0 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    down, up = rng.uniform(0.001, 0.03, n), rng.uniform(0.001, 0.03, n)
    oi = rng.uniform(5e9, 6e9, n)
    bars = pd.DataFrame({"open": o, "high": o * (1 + up), "low": o * (1 - down)}, index=idx)
    # liquidations in proportion to the move and the open interest, with noise
    liq = pd.DataFrame(
        {
            "long_usd": down * oi * 0.004 * rng.lognormal(0, 0.3, n),
            "short_usd": up * oi * 0.003 * rng.lognormal(0, 0.3, n),
        },
        index=idx,
    )
    return liq, bars, pd.DataFrame({"oi_usd": oi}, index=idx)


def _reference(liq: pd.DataFrame, bars: pd.DataFrame, oi: pd.DataFrame, q: float, ratio: float):
    """A loop over bars: the rule as the docstring states it."""
    out = []
    for side in ("long", "short"):
        amounts, intens = [], []
        for ts in liq.index:
            o, h, lo = bars.loc[ts, ["open", "high", "low"]]
            move = max(1e-4, 1 - lo / o) if side == "long" else max(1e-4, h / o - 1)
            usd = liq.loc[ts, f"{side}_usd"]
            amounts.append(usd)
            intens.append(usd / (move * oi.loc[ts, "oi_usd"]))
        med = float(np.median(intens))
        cut = float(np.quantile(amounts, q))
        for ts, usd, x in zip(liq.index, amounts, intens, strict=True):
            if usd >= cut and x / med > ratio:
                out.append((ts, side, x / med))
    return sorted(out, key=lambda r: -r[2])


@settings(max_examples=examples(25), deadline=None)
@given(seed=st.integers(0, 10_000), spike=st.floats(20.0, 500.0))
def test_matches_the_reference_loop(seed: int, spike: float) -> None:
    liq, bars, oi = _frames(300, seed)
    k = seed % 300
    liq.iloc[k, 0] *= spike  # one inflated long bar
    got = suspect_liquidation_bars(liq, bars, oi, top_quantile=0.98, ratio=20.0)
    ref = _reference(liq, bars, oi, 0.98, 20.0)
    assert [(r.ts, r.side) for r in got.itertuples()] == [(r[0], r[1]) for r in ref]
    x = np.asarray(got["intensity_x"], dtype=np.float64)
    assert_same(x, np.array([r[2] for r in ref], dtype=np.float64), rtol=1e-9)


def test_a_huge_amount_on_a_small_move_is_flagged_and_a_proportionate_one_is_not() -> None:
    liq, bars, oi = _frames(400, 1)
    ts = liq.index[200]
    bars.loc[ts, "low"] = bars.loc[ts, "open"] * (1 - 0.005)  # a 0.5 % fall
    liq.loc[ts, "long_usd"] = liq["long_usd"].max() * 10  # the largest bar by far
    f = suspect_liquidation_bars(liq, bars, oi)
    assert list(zip(f["ts"], f["side"], strict=True)) == [(ts, "long")]
    assert f["rank"].iloc[0] == 1 and f["move"].iloc[0] == pytest.approx(0.005, rel=1e-9)
    # the same amount on a 12 % fall is what the move explains: not flagged
    bars.loc[ts, "low"] = bars.loc[ts, "open"] * (1 - 0.12)
    assert suspect_liquidation_bars(liq, bars, oi).empty


def test_real_btc_2025_06_12_bar_is_flagged() -> None:
    """$205.9 M of BTC longs on a 1 % move (2× the next largest bar)."""
    from liqcascade import datasets

    h = datasets.load_ohlcv("BTC", "1h", "2024-11-01", "2025-07-31")
    bars = h.resample("4h").agg({"open": "first", "high": "max", "low": "min"}).dropna()
    f = suspect_liquidation_bars(
        datasets.load_liquidations(asset="BTC"), bars, datasets.load_open_interest(asset="BTC")
    )
    hit = f[(f["ts"] == pd.Timestamp("2025-06-12 20:00", tz="UTC")) & (f["side"] == "long")]
    assert len(hit) == 1
    assert hit["usd"].iloc[0] == pytest.approx(205.886844e6, rel=1e-6)
    assert hit["rank"].iloc[0] == 1 and hit["move"].iloc[0] < 0.02


def test_bad_input_names_the_frame() -> None:
    liq, bars, oi = _frames(50, 0)
    with pytest.raises(InputError, match=r"bars: missing column: low \(columns seen: [a-z, ]+\)$"):
        suspect_liquidation_bars(liq, bars.drop(columns="low"), oi)
    with pytest.raises(InputError, match="top_quantile"):
        suspect_liquidation_bars(liq, bars, oi, top_quantile=1.0)
    with pytest.raises(InputError, match="ratio"):
        suspect_liquidation_bars(liq, bars, oi, ratio=0.5)


def test_the_report_data_section_lists_the_bars_to_check() -> None:
    from liqcascade.report._data_section import section
    from liqcascade.report._section import ReportContext

    sec = section(ReportContext(quick=True, asset="ETH", assets=("ETH", "BTC")))
    bars = sec.summary["suspect_liquidation_bars"]
    key = {(b["asset"], b["ts"][:16], b["side"]) for b in bars}
    assert ("BTC", "2025-06-12T20:00", "long") in key
    xs = [b["intensity_x"] for b in bars]
    assert xs == sorted(xs, reverse=True) and min(xs) > 50
    table = next(t for c, t in sec.tables if c.startswith("Recorded liquidation"))
    assert len(table) == len(bars) and set(table["asset"]) <= {"ETH", "BTC"}
    assert "$206 M" in list(table["recorded"])
