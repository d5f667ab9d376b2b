"""``stress``'s 2025-10-10 replay and ``solvency``'s 2025-10-10 scenario start from one price.

btc31 F7: on BTC at 2025-07-31 (mid 115,764.08) the replay printed "after 105,276" and
``solvency`` "price reached 97,045.03", while rebasing BTCUSDT_1h (open 121,662.41, close
110,644.40, low 102,000) to the mid gives 105,280.24 and 97,054.93; the start prices these
imply (121,667 and 121,675) differ from each other and from the file's open.

Both read the same start, docs/stress.md's ``price · P0 / first open`` with the first open
of BTCUSDT_1h at 2025-10-10 00:00 (121,662.41): the replay rebases the window's bars by it,
``solvency`` applies the day's lowest low over it as its shock. The printed prices differ
from the rebased ones because they include the modelled cascade: the replay's close moves
by the calibrated response's displacement (105,280.24 → 105,276.23), ``solvency``'s price
reached is the furthest the cascade carries the shock price (97,054.93 → 97,045.03, which
is also the replay's own lowest price). Nothing was rebased from another bar.
"""

from __future__ import annotations

import pandas as pd
import pytest

from liqcascade.data import load_series
from liqcascade.solvency import october_2025_shock
from liqcascade.stress._scenarios import window_bars

MID = 115_764.08  # BTC's mid at the default market date, 2025-07-31 20:00
TOL = 1e-9  # relative: the same floats, up to the order of operations


@pytest.fixture(scope="module")
def hourly() -> pd.DataFrame:
    h = load_series("ohlcv", asset="BTC", interval="1h")
    return h[(h.index >= "2025-10-10") & (h.index < "2025-10-11")]


def test_both_start_at_the_days_first_hourly_open(hourly: pd.DataFrame) -> None:
    bars, source, _, _ = window_bars("2025-10-10", "BTC")
    assert source == "ohlcv_1h"  # no finer BTC bars are bundled
    assert float(bars["open"].iloc[0]) == pytest.approx(121_662.41, rel=TOL)
    assert float(hourly["open"].iloc[0]) == pytest.approx(121_662.41, rel=TOL)  # solvency's
    # solvency's shock is the day's lowest low over that same open
    shock = october_2025_shock("BTC")
    assert shock == pytest.approx(102_000.0 / 121_662.41 - 1, rel=TOL)
    assert bars["low"].min() / bars["open"].iloc[0] - 1 == pytest.approx(shock, rel=TOL)


def test_the_rebased_figures_of_the_trial(hourly: pd.DataFrame) -> None:
    bars, _, _, _ = window_bars("2025-10-10", "BTC")
    scale = MID / float(bars["open"].iloc[0])
    assert float(bars["close"].iloc[-1]) * scale == pytest.approx(105_280.235, abs=0.01)
    assert MID * (1 + october_2025_shock("BTC")) == pytest.approx(97_054.926, abs=0.01)
