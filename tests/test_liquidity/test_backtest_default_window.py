"""``cascade backtest``'s default window is the asset's own span (review-lookahead8 L).

It was 2024-11-01 → 2025-07-31 for every asset; now the start is the first as-of date of
the asset's liquidity calibration and the end the day of its last liquidation bar, which
for the bundled ETH and BTC is the same 2024-11-01 → 2025-07-31.
"""

from __future__ import annotations

import pandas as pd
import pytest

from clihelpers import run_cli
from liqcascade._cli.cascade_backtest import _default_window
from liqcascade.cascade._clock import liquidity_document
from liqcascade.data import load_series


@pytest.mark.parametrize("asset", ["ETH", "BTC"])
def test_the_bundled_assets_keep_their_documented_window(asset: str) -> None:
    doc, _ = liquidity_document(asset, False)
    liq = load_series("liquidations", asset=asset, interval="4h", store=False)
    assert _default_window(doc, liq, None, None) == ("2024-11-01", "2025-07-31")
    assert _default_window(doc, liq, "2025-01-01", None) == ("2025-01-01", "2025-07-31")
    assert _default_window(doc, liq, None, "2025-03-31") == ("2024-11-01", "2025-03-31")


def test_another_period_follows_its_own_data() -> None:
    idx = pd.date_range("2025-11-21 20:00", "2026-07-30 20:00", freq="4h", tz="UTC")
    liq = pd.DataFrame({"long_usd": 1.0, "short_usd": 1.0}, index=idx)
    doc = {"calibrations": [{"as_of": "2025-12-01T00:00:00+00:00"}]}
    assert _default_window(doc, liq, None, None) == ("2025-12-01", "2026-07-30")
    assert _default_window({}, liq, None, None) == ("2025-11-21", "2026-07-30")


def test_the_command_ends_at_the_last_liquidation_day_by_default() -> None:
    r = run_cli("cascade", "backtest", "--asset", "ETH", "--start", "2025-07-24", "--paths",
                "10", "--json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    out = r.json()
    assert out["start"] == "2025-07-24T00:00:00+00:00"
    assert out["end"] == "2025-07-31T23:59:59.999999+00:00"
