"""Liquidation maps: 10^6 positions (target < 0.2 s), stop model, heatmap on the bundled data."""

from __future__ import annotations

import bisect
from typing import Any

import numpy as np
import pandas as pd

from benchmarks._scale import scaled
from benchmarks._timing import best_of
from liqcascade.positions import PositionBook, StopBook, liquidation_map, model_stops

PRICE = 3700.0


def _book(n: int, seed: int = 0) -> tuple[PositionBook, StopBook]:
    rng = np.random.default_rng(seed)
    side = rng.choice(np.array([1, -1], np.int8), n)
    lev = rng.choice([5.0, 10.0, 25.0, 50.0, 100.0], n)
    entry = PRICE * np.exp(rng.normal(0, 0.05, n))
    liq = np.where(side == 1, entry * (1 - 0.95 / lev), entry * (1 + 0.95 / lev))
    size = rng.lognormal(0, 1.5, n)
    book = PositionBook(side, size, entry, size * entry / lev, liq, liq)
    m = n // 2
    ss = rng.choice(np.array([-1, 1], np.int8), m)
    trig = PRICE * np.where(ss < 0, rng.uniform(0.75, 1.0, m), rng.uniform(1.0, 1.25, m))
    return book, StopBook(ss, trig, rng.lognormal(0, 1, m))


def _reference(book: PositionBook, stops: StopBook, price: float) -> list[list[float]]:
    """Plain-Python bucket sums (the reference of tests/properties/test_maps_reference.py)."""
    k = round(0.2 / 0.005)
    edges = [price * (1.0 + 0.005 * i) for i in range(-k, k + 1)]
    out = [[0.0] * 4 for _ in range(len(edges) - 1)]
    for s, q, lp in zip(
        book.side.tolist(), book.size.tolist(), book.liq_price.tolist(), strict=True
    ):
        i = bisect.bisect_right(edges, lp) - 1
        if 0 <= i < len(out):
            out[i][0 if s == 1 else 1] += q * lp
    for s, t, q in zip(
        stops.side.tolist(), stops.trigger.tolist(), stops.size.tolist(), strict=True
    ):
        i = bisect.bisect_right(edges, t) - 1
        if 0 <= i < len(out):
            out[i][2 if s < 0 else 3] += q * t
    return out


def run() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    book, stops = _book(scaled(1_000_000, 2_000))
    liquidation_map(book, stops, PRICE)  # warm-up
    sec = best_of(lambda: liquidation_map(book, stops, PRICE), 5)
    n_ref = scaled(20_000, 200)
    sub_b, sub_s = book.subset(np.arange(n_ref)), stops.subset(np.arange(n_ref // 2))
    ref_small = best_of(lambda: _reference(sub_b, sub_s, PRICE), repeats=2)
    got = liquidation_map(sub_b, sub_s, PRICE).amounts
    assert np.allclose(got, np.asarray(_reference(sub_b, sub_s, PRICE)), rtol=1e-9, atol=1e-6)
    rows.append(
        {
            "name": "liquidation_map, 1,000,000 positions + 500,000 stops, 80 buckets",
            "seconds": sec,
            "target_seconds": 0.2,
            "reference_seconds": ref_small * 1_000_000 / n_ref,
            "notes": f"reference: plain Python on {n_ref:,} positions "
            f"({ref_small:.3f} s), scaled linearly to 10^6; numpy result checked equal",
        }
    )
    idx = pd.date_range("2025-01-01", periods=600, freq="4h", tz="UTC")
    rng = np.random.default_rng(1)
    close = PRICE * np.exp(np.cumsum(rng.normal(0, 0.01, 600)))
    close *= PRICE / close[-1]
    px = pd.DataFrame(
        {"high": close * 1.005, "low": close * 0.995, "close": close, "volume": 1.0}, index=idx
    )
    n_stops = scaled(100_000, 1_000)
    b100k = book.subset(np.arange(n_stops))
    opened = rng.choice(idx.as_unit("ms").asi8[100:], n_stops)
    b100k = PositionBook(
        b100k.side,
        b100k.size,
        b100k.entry_price,
        b100k.margin,
        b100k.liq_price,
        b100k.bankruptcy_price,
        opened_ms=opened,
    )
    model_stops(b100k, px)
    rows.append(
        {
            "name": "model_stops, 100,000 positions over 500 opening bars (10 candidate levels)",
            "seconds": best_of(lambda: model_stops(b100k, px), repeats=3),
            "notes": "vectorised numpy; swing levels: positions × pivots in each one's window",
        }
    )
    rows.append(_atr_row(px))
    from liqcascade.market import market_heatmap

    for asset in ("ETH", "BTC"):
        oi = datasets_oi(asset)
        last = oi.index[-1]
        market_heatmap(last - pd.Timedelta(days=3), last, asset=asset)  # warm-up
        rows.append(
            {
                "name": f"heatmap {asset}, the market's book + modelled stops, daily over the "
                "last 90 days",
                "seconds": best_of(
                    lambda a=asset, t=last: market_heatmap(
                        t - pd.Timedelta(days=scaled(90, 1)), t, asset=a
                    ),
                    repeats=1,
                ),
                "target_seconds": 10.0,
                "notes": "identified book: inputs loaded once, one walk per monthly fit, stops "
                "modelled per day; each day equals estimated_market at that day (tested)",
            }
        )
        first = scaled(oi.index[0] + pd.Timedelta(days=1), last - pd.Timedelta(days=1))
        n_days = (last - first).days + 1
        rows.append(
            {
                "name": f"heatmap {asset}, the whole bundled period ({n_days} daily books, "
                "2024-11 to 2025-07)",
                "seconds": best_of(
                    lambda a=asset, f=first, t=last: market_heatmap(f, t, asset=a), repeats=1
                ),
                "target_seconds": 10.0,
                "notes": "identified book: one walk per monthly fit (the 0.1 cohort walk ran "
                "once per date)",
            }
        )
    return rows


def _atr_row(px: pd.DataFrame) -> dict[str, Any]:
    """Wilder's ATR recursion on the stop model's window: kernel vs its plain-Python twin."""
    from liqcascade.positions import wilder_atr
    from liqcascade.positions._atr_kernels import wilder_smooth_nb, wilder_smooth_py

    # the market's book reads the last 1,200 bars; the window repeated, in order of position
    # (wilder_atr refuses a time index out of order)
    bars = pd.concat([px] * 2).iloc[:1200].reset_index(drop=True)
    tr = (bars["high"] - bars["low"]).to_numpy()
    a, b = np.empty_like(tr), np.empty_like(tr)
    a[13] = b[13] = tr[:14].mean()
    wilder_smooth_nb(tr, a, 14, 14)  # warm-up (loads the compiled kernel)
    loops = scaled(100, 2)
    sec = best_of(lambda: [wilder_smooth_nb(tr, a, 14, 14) for _ in range(loops)], 5) / loops
    ref = best_of(lambda: wilder_smooth_py(tr, b, 14, 14), repeats=5)
    assert np.allclose(a[13:], b[13:], rtol=1e-12, atol=0.0)
    whole = best_of(lambda: [wilder_atr(bars) for _ in range(loops)], 5) / loops
    return {
        "name": "Wilder ATR recursion, 1,200 bars (one stop-model call): kernel vs plain Python",
        "seconds": sec,
        "reference_seconds": ref,
        "notes": f"reference: the plain-Python twin (the loop the kernel replaced; the stop "
        f"model ran it about 1,000 times per report); results checked equal; wilder_atr "
        f"whole (three columns read, true ranges, recursion) {whole * 1e3:.3f} ms",
    }


def datasets_oi(asset: str) -> pd.DataFrame:
    """The bundled open interest of ``asset`` (the heatmap's period)."""
    from liqcascade import datasets

    return datasets.load_open_interest(asset=asset)
