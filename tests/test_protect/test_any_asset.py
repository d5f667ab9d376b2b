"""protect for any asset: the stop back-test, the transparency metrics and ``stops`` on an
asset the package does not bundle (tests/newasset.py: BTC's real series as SOL, prices
/ 500), and the back-test's window rules (no trade cut at the data's end, no look-ahead
in the vol policy's fit, the fit's need named)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clihelpers import run_cli
from floats import assert_same
from liqcascade.errors import InputError
from liqcascade.protect import BacktestSettings, backtest_stops, transparency_metrics

SCALE = 500.0


@pytest.fixture(scope="module")
def sol_store(sol_stores: Callable[[str], Path]) -> Path:
    return sol_stores("sol.duckdb")  # built once per worker (conftest), read only


def test_backtest_reads_the_store_for_an_unbundled_asset(sol_store: Path) -> None:
    kw = dict(start="2025-03-01", end="2025-04-30", settings=BacktestSettings(n_random=20, seed=3))
    sol = backtest_stops(("fixed", "vol"), ("long",), ("random",), asset="sol",
                         store=sol_store, **kw)  # fmt: skip
    btc = backtest_stops(("fixed", "vol"), ("long",), ("random",), asset="BTC", store=False, **kw)
    assert sol.summary()["asset"] == "SOL"
    # where each series was read, in the summary (and the text's header)
    assert sol.summary()["sources"] == {
        "hourly_prices": f"store:{sol_store}", "daily_prices": f"store:{sol_store}",
        "book_totals": f"store:{sol_store}",
    }  # fmt: skip
    assert all(v.startswith("bundled:") for v in btc.summary()["sources"].values())
    a, b = sol.trades, btc.trades
    assert list(a["entry_ts"]) == list(b["entry_ts"])
    # SOL's prices are BTC's / 500: the same entries and stops at 1/500 of the scale
    assert_same(a["entry"].to_numpy() * SCALE, b["entry"].to_numpy(), rtol=1e-12)
    assert (a["entry"] < 1_000).all() and (b["entry"] > 50_000).all()
    # the vol policy's GJR fit on SOL's own returns (BTC's): the same distances
    assert_same((a["stop"] / a["entry"]).to_numpy(), (b["stop"] / b["entry"]).to_numpy(), rtol=1e-6)


def test_transparency_reads_the_store_for_an_unbundled_asset(sol_store: Path) -> None:
    sol = transparency_metrics("2025-03-03", "2025-03-04", asset="SOL", store=sol_store)
    btc = transparency_metrics("2025-03-03", "2025-03-04", asset="BTC", store=False)
    f, g = sol.frame, btc.frame
    assert list(f.index) == list(g.index) and len(f) == 2
    assert_same(f["price"].to_numpy() * SCALE, g["price"].to_numpy(), rtol=1e-9)
    for col in ("oi_usd", "spot_value_usd", "leverage_ratio", "liquidations_usd"):
        assert_same(f[col].to_numpy(), g[col].to_numpy(), rtol=1e-9)
    assert sol.summary()["asset"] == "SOL"


def test_stops_commands_run_on_sol(
    sol_store: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from liqcascade.market import _state as state_mod

    env = {"LIQCASCADE_STORE": str(sol_store)}
    r = run_cli("stops", "recommend", "--asset", "SOL", "--side", "long", "--entry", "165",
                "--size", "1000", "--leverage", "5", "--as-of", "2025-03-31", "--json",
                env=env)  # fmt: skip
    assert r.exit_code == 0, r.stderr
    d = r.json()
    m = d["market"]
    assert m["asset"] == "SOL" and 100 < m["mid"] < 250  # BTC 82,550 / 500
    assert d["liq_price"] < d["stop_price"] < 165
    # whose tier table the liquidation price used (was silent: ETHUSDT's)
    tiers = d["model_figures"]["liq_price"]
    assert tiers.startswith("margin tiers: ETHUSDT's, no SOLUSDT table") and tiers in m["caveats"]
    monkeypatch.setattr(state_mod, "_LOGGED", set())  # the market's caveats logged again
    caplog.clear()
    text = run_cli("stops", "recommend", "--asset", "SOL", "--side", "long", "--entry", "165",
                   "--size", "1000", "--leverage", "5", "--as-of", "2025-03-31",
                   env=env)  # fmt: skip
    assert text.exit_code == 0, text.stderr
    # said once, as the market's warning; not again as a liq_price: line (JSON keeps it)
    assert tiers not in text.stdout
    # the market's warning (pytest's logging took it: the command line prints it on stderr)
    assert sum(tiers in rec.getMessage() for rec in caplog.records) == 1
    assert text.stdout.startswith(
        f"market SOL at 2025-03-31 20:00 UTC (bar closed 2025-04-01 00:00), mid {m['mid']:,.2f}"
        "; series from the store (sol.duckdb): open interest, prices, book totals, funding, "
        "taker, long short; book calibration from the store (sol.calibrations/book/SOL.json)\n"
    )
    r = run_cli("stops", "backtest", "--asset", "SOL", "--start", "2025-01-01", "--end",
                "2025-06-30", "--n-random", "30", "--json", env=env)  # fmt: skip
    assert r.exit_code == 0, r.stderr
    b = r.json()
    assert b["asset"] == "SOL" and b["table"]
    assert b["entries_first"][:10] == "2025-01-01" and b["dropped_past_end"] == 0
    assert set(b["sources"].values()) == {f"store:{sol_store}"}


def test_no_trade_is_cut_at_the_data_end() -> None:
    s = BacktestSettings(n_random=100, seed=5)
    bt = backtest_stops(("fixed",), ("long", "short"), ("random",), start="2026-03-01",
                        end="2027-01-01", settings=s, store=False)  # fmt: skip
    m = bt.summary()
    data_end = pd.Timestamp(m["data_end"])
    assert data_end == pd.Timestamp("2026-03-31 23:00", tz="UTC")
    last = pd.Timestamp(m["entries_last"])
    assert last + pd.Timedelta(days=5) <= data_end and m["dropped_past_end"] > 0
    tr = bt.trades
    held = tr.loc[~tr["stopped"], "exit_ts"] - tr.loc[~tr["stopped"], "entry_ts"]
    assert (held >= pd.Timedelta(days=5)).all()
    assert (tr["entry_ts"] <= last).all()
    assert bt.crash.empty and m["crash_2025_10_10"] == [] and m["best_on_2025_10_10"] == {}


def test_backtest_text_names_the_window_and_skips_an_empty_crash_table() -> None:
    r = run_cli("stops", "backtest", "--policy", "fixed", "--entries", "random", "--start",
                "2026-03-01", "--end", "2027-01-01", "--n-random", "20")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == (
        "stop back-test ETH: entries asked 2026-03-01 → 2027-01-01; covered "
        "2026-03-01 00:00 → 2026-03-26 23:00 UTC"
    )
    assert lines[1].endswith(
        "not entered: their 5-day horizon runs past the last hourly bar (2026-03-31 23:00 UTC)"
    )
    assert "best on 2025-10-10" not in r.stdout and "2025-10-10: no entry" in r.stdout


def test_vol_fit_before_2018_names_end_and_the_reason() -> None:
    with pytest.raises(InputError) as e:
        backtest_stops(start="2017-09-01", end="2018-01-01", store=False)
    assert e.value.params == ("end",)
    assert str(e.value).startswith(
        "end: the vol policy's GJR-GARCH fit needs >= 100 daily returns from 2018-01-01 to "
        "end (got 0; ETH's daily bars start 2017-08-17)"
    )
    # the fixed policy reads no volatility: it runs there
    s = BacktestSettings(n_random=10)
    bt = backtest_stops(("fixed",), ("long",), ("random",), start="2017-09-01",
                        end="2018-01-01", settings=s, store=False)  # fmt: skip
    assert len(bt.trades) == 10 and bt.summary()["vol_fit"] is None
    r = run_cli("stops", "backtest", "--start", "2017-09-01", "--end", "2018-01-01")
    assert r.exit_code == 2 and r.stderr.startswith("error: --end: the vol policy's GJR-GARCH")


def test_yearly_vol_fit_reads_nothing_after_the_year_start() -> None:
    from liqcascade.data import load_series
    from liqcascade.protect._backtest import _sigma_daily

    daily = load_series("ohlcv", asset="ETH", interval="1d", store=False)
    idx = pd.date_range("2021-01-01", "2021-12-31 23:00", freq="1h", tz="UTC")
    t0 = idx[0]
    a, sa = _sigma_daily(idx, pd.Timestamp("2021-12-31", tz="UTC"), "ETH", daily, "yearly", t0)
    b, sb = _sigma_daily(idx, pd.Timestamp("2024-12-31", tz="UTC"), "ETH", daily, "yearly", t0)
    # 2021's parameters come from the returns to 2020-12-31 whatever the window's end
    assert sa["fits"] == sb["fits"] == {"2021": "2020-12-31T00:00:00+00:00"}
    assert_same(a, b, rtol=1e-9)
    w, sw = _sigma_daily(idx, pd.Timestamp("2024-12-31", tz="UTC"), "ETH", daily, "whole", t0)
    assert sw["refit"] == "whole" and np.max(np.abs(w / b - 1)) > 1e-3
    with pytest.raises(InputError, match="vol_refit must be yearly or whole"):
        BacktestSettings(vol_refit="monthly")
