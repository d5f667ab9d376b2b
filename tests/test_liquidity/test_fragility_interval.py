"""The calibrated critical shock lies inside its own interval (review finding 20a).

The point and the interval are one statistic: the median and the 10–90 % of the
per-draw critical shocks, each draw (a liquidity draw on a position-book draw) on its
own index paths. Before, the point was the pooled curve's crossing and the interval the
per-draw crossings on one shared set of paths: 6 of 8 real runs had the point outside.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import fragilitymemo
from liqcascade.cascade import load_liquidity, prepare_market, prepared_draws
from liqcascade.cascade._calibrated_fragility import DEFAULT_SHOCKS, _draw_quantiles


def test_draw_quantiles_are_draws_and_ordered() -> None:
    rng = np.random.default_rng(3)
    for _ in range(200):
        n = int(rng.integers(1, 40))
        arr = -rng.uniform(0.01, 0.2, n)
        arr[rng.random(n) < 0.2] = np.nan  # no crossing on the grid
        med, lo, hi = _draw_quantiles(arr, DEFAULT_SHOCKS, -0.10)
        got = [v for v in (lo, med, hi) if math.isfinite(v)]
        assert all(v in arr for v in got)  # each one a draw's own value
        if math.isfinite(hi):  # sizes ordered p10 <= median <= p90
            assert abs(lo) <= abs(med) <= abs(hi)
        if math.isfinite(med):
            assert math.isfinite(lo)
    # most draws beyond the grid: the median is beyond it too (NaN), p10 is a draw
    med, lo, hi = _draw_quantiles(np.array([np.nan, np.nan, -0.05]), DEFAULT_SHOCKS, -0.1)
    assert math.isnan(med) and math.isnan(hi) and lo == -0.05
    # rises: signs follow total_move
    med, lo, hi = _draw_quantiles(np.array([0.03, 0.05, 0.07]), -DEFAULT_SHOCKS, 0.1)
    assert (lo, med, hi) == (0.03, 0.05, 0.07)


@pytest.mark.parametrize("as_of", ["2024-11-25", "2025-03-31", "2025-07-31"])
def test_critical_shock_inside_its_interval_on_the_real_market(
    as_of: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The library's ``calibrated_fragility`` on the real market, run once per run of the
    suite for these inputs (``cascade --fragility`` at 2024-11-25 runs it on the same ones:
    :mod:`fragilitymemo`)."""
    from liqcascade.cascade import market_volatility
    from liqcascade.market import MarketSpec, estimated_market

    st = estimated_market(MarketSpec("ETH", as_of, store=False))
    ts, sigma, resid = market_volatility(st)
    books = prepared_draws(st)
    cal = load_liquidity("ETH", ts, False)
    cf = fragilitymemo.calibrated_fragility(
        tmp_path_factory, prepare_market(st), calibration=cal, sigma_hourly=sigma,
        residuals=resid, books=books,
    )  # fmt: skip
    assert cf.critical_by_draw.size == len(cal.draws) * max(1, len(books))
    cs, lo, hi = cf.critical_shock, cf.critical_shock_p10, cf.critical_shock_p90
    assert math.isfinite(cs) and math.isfinite(lo) and math.isfinite(hi)
    assert hi <= cs <= lo < 0  # a fall: p90 is the deeper end
    assert lo - hi > 1e-4  # a real spread, not the one shared path set's single value
    # the pooled curve's crossing is the same quantity by another statistic: close
    assert abs(cf.curve_crossing - cs) < 0.01
    s = cf.summary()
    assert s["critical_shock"] == cs and s["curve_crossing"] == cf.curve_crossing
