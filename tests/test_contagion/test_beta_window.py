"""The oct-2025 preset's BTC/ETH beta comes from the hours before the crash it is compared
against (review finding 15), and the output names the date of the venues' positions."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from clihelpers import run_cli
from floats import assert_same
from liqcascade import datasets
from liqcascade.contagion._config import hourly_beta
from liqcascade.contagion._presets import load_preset
from liqcascade.errors import InputError

CRASH_HOUR = pd.Timestamp("2025-10-10 21:00", tz="UTC")


def _ols_py(x: list[float], y: list[float]) -> float:
    """Plain-Python slope of y on x (with an intercept)."""
    mx, my = sum(x) / len(x), sum(y) / len(y)
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y, strict=True))
    sxx = sum((a - mx) ** 2 for a in x)
    return sxy / sxx


@pytest.mark.parametrize(
    "window",
    [
        ("2025-09-10T20:00:00Z", "2025-10-10T20:00:00Z"),
        ("2025-05-01T00:00:00Z", "2025-05-03T00:00:00Z"),
    ],
)
def test_hourly_beta_is_the_ols_slope_of_the_hourly_moves(window: tuple[str, str]) -> None:
    p = datasets.load("perp_1h_by_venue")
    p = p[(p["venue"] == "binance") & (p.index >= window[0]) & (p.index <= window[1])]
    btc = p[p["asset"] == "BTC"]["close"]
    eth = p[p["asset"] == "ETH"]["close"]
    hours = btc.index.intersection(eth.index)
    lb = [math.log(v) for v in btc.reindex(hours)]
    le = [math.log(v) for v in eth.reindex(hours)]
    x = [b - a for a, b in itertools.pairwise(le)]
    y = [b - a for a, b in itertools.pairwise(lb)]
    beta, n = hourly_beta(list(window))
    assert n == len(x)
    assert_same(beta, _ols_py(x, y), rtol=1e-9)
    assert_same(beta, float(np.polyfit(x, y, 1)[0]), rtol=1e-9)


def test_hourly_beta_needs_a_day_of_moves() -> None:
    with pytest.raises(InputError, match=r"^beta_window: 3 hourly BTC/ETH moves"):
        hourly_beta(["2025-10-10T17:00:00Z", "2025-10-10T20:00:00Z"])
    with pytest.raises(InputError, match=r"^beta_window: the end"):
        hourly_beta(["2025-10-10T20:00:00Z", "2025-10-10T17:00:00Z"])


def test_the_preset_reads_no_hour_of_the_crash() -> None:
    (m,) = load_preset("oct-2025").lending
    assert m.beta == "from_data" and m.beta_method == "ols"
    assert m.beta_window is not None
    # the last bar read is labelled 20:00: it closes when the crash hour opens
    assert pd.Timestamp(m.beta_window[-1]) < CRASH_HOUR
    assert pd.Timestamp(m.beta_window[-1]) - pd.Timestamp(m.beta_window[0]) == pd.Timedelta(days=30)


def test_cli_names_the_positions_date_and_the_beta() -> None:
    r = run_cli("contagion", "--preset", "oct-2025", "--json")
    assert r.exit_code == 0, r.stderr
    d = r.json()
    inp = d["inputs"]
    # the market's times as every command's JSON has them: as_of is the bar's close
    assert d["bar_open"] == d["market"]["as_of"] == "2025-07-31T20:00:00+00:00"
    assert d["as_of"] == d["bar_close"] == "2025-08-01T00:00:00+00:00"
    assert set(inp["positions_bar_open"].values()) == {d["bar_open"]}
    assert set(inp["positions_as_of"].values()) == set(inp["positions_bar_close"].values())
    assert set(inp["positions_as_of"].values()) == {d["as_of"]}
    lend = inp["lending"]["aave-v3-wbtc"]
    want, n = hourly_beta(["2025-09-10T20:00:00Z", "2025-10-10T20:00:00Z"])
    assert_same(lend["beta"], want, rtol=1e-12)
    assert lend["beta_source"].startswith(f"OLS of {n} hourly BTC/ETH moves, Binance")
    text = run_cli("contagion", "--preset", "oct-2025")
    assert text.exit_code == 0, text.stderr
    first = text.stdout.splitlines()[:2]
    when = pd.Timestamp(d["market"]["as_of"])
    # the bar named by both ends (its open alone read as the time the book stands at)
    (close,) = {pd.Timestamp(c) for c in inp["positions_bar_close"].values()}
    assert close - when == pd.Timedelta(hours=4)
    assert first[0] == (
        f"positions: the estimated ETH book of bar {when:%Y-%m-%d %H:%M}–{close:%Y-%m-%d %H:%M}"
        " UTC (binance, bybit, hyperliquid)"
    )
    assert first[1].startswith(f"aave-v3-wbtc: BTC/ETH beta {want:.3f} (OLS of {n} hourly")
