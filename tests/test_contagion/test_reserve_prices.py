"""Session 26: a bundled Aave reserve's ``collateral_price_at`` is its own close.

Every reserve of the bundled snapshot but WBTC and cbBTC took ETH's hourly close (USDC
or USDe at about 3,900 USD on 2025-10-10) and the 10x check against the venues' ETH
mid. Now WETH takes ETH's close, WBTC and cbBTC BTC's, USDe its own USDe/USDT bars (its
peg series), and any other reserve is refused, naming what to give.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import liqcascade.data as _bundled
from liqcascade.contagion import build_setup, load_config
from liqcascade.errors import InputError
from test_contagion.test_cli import _variant

_COLL = 'collateral = "WETH"\ncollateral_price = 2000.0'
#: A bundled close is read, not computed: equal to float noise (relative).
REL = 1e-12


def _reserve(tmp_path: Path, symbol: str, at: str, extra: str = "") -> Path:
    return _variant(tmp_path, _COLL, f'collateral = "{symbol}"\ncollateral_price_at = "{at}"'
                    f"\n{extra}")  # fmt: skip


def test_usde_takes_its_own_peg_series(tmp_path: Path) -> None:
    at = "2025-10-01T12:00:00Z"
    (m,) = build_setup(load_config(p := _reserve(tmp_path, "USDe", at, "beta = 0.01")),
                       p.name).lending  # fmt: skip
    want = float(_bundled.dataset("usde_1m").loc[at, "close"])
    assert m.collateral_price == pytest.approx(want, rel=REL)
    assert 0.9 < m.collateral_price < 1.1  # a dollar, not ETH's close


def test_usde_in_the_missing_window_is_refused_naming_it(tmp_path: Path) -> None:
    p = _reserve(tmp_path, "USDe", "2025-10-10T20:00:00Z")
    with pytest.raises(InputError) as e:
        build_setup(load_config(p), p.name)
    msg = str(e.value)
    assert "lending[0].collateral_price_at: no bundled USDe/USDT one-minute bar at 2025-10-10 " \
           "20:00 UTC" in msg  # fmt: skip
    assert "with 2025-10-10 12:00 → 2025-10-11 12:00 missing)" in msg  # the bundle's one gap
    assert "give collateral_price" in msg


def test_the_missing_span_is_read_from_the_bars_around_the_time() -> None:
    """The gap named is the one around the refused time, from the bars' index."""
    from liqcascade.contagion._config import _bars_around

    t = pd.Timestamp("2025-01-01 00:00", tz="UTC")
    idx = pd.DatetimeIndex([t + pd.Timedelta(minutes=m) for m in (0, 1, 2, 90, 91, 300)])
    assert _bars_around(idx, t + pd.Timedelta(minutes=30)) == (
        "its bars run 2025-01-01 00:00 → 2025-01-01 05:00, with 2025-01-01 00:03 → "
        "2025-01-01 01:30 missing"
    )
    assert _bars_around(idx, t + pd.Timedelta(minutes=200)).endswith(
        "with 2025-01-01 01:32 → 2025-01-01 05:00 missing"
    )
    assert _bars_around(idx, t + pd.Timedelta(days=1)) == (
        "its bars run 2025-01-01 00:00 → 2025-01-01 05:00"  # after the span: no gap to name
    )
    assert _bars_around(idx, t + pd.Timedelta(seconds=30)).endswith("one a minute, on the minute")


@pytest.mark.parametrize("symbol", ["USDC", "wstETH", "LINK"])
def test_a_reserve_without_its_own_series_is_refused(tmp_path: Path, symbol: str) -> None:
    p = _reserve(tmp_path, symbol, "2025-10-10T20:00:00Z")
    with pytest.raises(InputError) as e:
        build_setup(load_config(p), p.name)
    assert f"lending[0].collateral_price_at: no bundled close prices the reserve {symbol} " in \
        str(e.value)  # fmt: skip
    assert str(e.value).endswith("give collateral_price (USD per token)")


def test_weth_still_takes_eths_close(tmp_path: Path) -> None:
    at = "2025-10-10T20:00:00Z"
    (m,) = build_setup(load_config(p := _reserve(tmp_path, "WETH", at)), p.name).lending
    every = _bundled.dataset("perp_1h_by_venue")
    eth = every[(every["venue"] == "binance") & (every["asset"] == "ETH")]
    assert m.collateral_price == pytest.approx(float(eth.loc[at, "close"]), rel=REL)


def test_a_stablecoins_given_price_is_not_held_to_the_venues_eth(tmp_path: Path) -> None:
    """USDC at 1 USD was refused as 10x from the venues' ETH mid (a unit error)."""
    p = _variant(tmp_path, _COLL, 'collateral = "USDC"\ncollateral_price = 1.0\nbeta = 0.01')
    (m,) = build_setup(load_config(p), p.name).lending
    assert m.collateral_price == pytest.approx(1.0, rel=REL)
