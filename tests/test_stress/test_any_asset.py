"""``stress`` on an asset the package does not bundle: BTC's real series relabelled SOL.

The store (:func:`tests.newasset.relabelled_store`) holds BTC's bundled series as SOL
with prices / 500, and BTC's shipped book and liquidity calibrations written as the
store's own for SOL (SOL's series are BTC's, so those are the fits its own data give).
Every scenario must run on SOL's own data: prices 1/500 of BTC's, dollar figures of
BTC's order, the 2025-10-10 replay from SOL's own hourly bars.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from clihelpers import run_cli
from floats import assert_same
from liqcascade.data import bundled
from liqcascade.errors import InputError

SCALE = 500.0


@pytest.fixture(scope="module")
def sol_store(sol_stores: Callable[[str], Path]) -> Path:
    return sol_stores("sol.duckdb")  # built once per worker (conftest), read only


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = tmp_path_factory.mktemp("pf") / "pf.csv"
    p.write_text(
        "symbol,side,size,entry_price,leverage\n"
        "SOLUSDT,long,100,230,10\n"
        "SOL/USDT:USDT,short,50,230,5\n"
    )
    return p


def _btc_close(at: str) -> float:
    """BTC's bundled hourly close of the bar closing at ``at`` (USD)."""
    px = bundled.load_ohlcv("BTC", "1h")
    return float(px["close"].loc[pd.Timestamp(at) - pd.Timedelta(hours=1)])


def _stress(store: Path, pf: Path, *args: str) -> dict:
    r = run_cli("stress", "--asset", "SOL", "--portfolio", str(pf), "--json", *args,
                env={"LIQCASCADE_STORE": str(store)})  # fmt: skip
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


def _common(out: dict) -> None:
    assert out["asset"] == "SOL" and out["market"]["asset"] == "SOL"
    m = out["market"]
    assert m["sources"]["prices"].startswith("store:")
    # the same data as BTC's: the mid is BTC's hourly close at the market's close / 500
    assert_same(m["mid"] * SCALE, _btc_close(m["close_time"]), rtol=1e-9)
    assert 50 < out["start_prices"]["SOL"] < 500  # BTC's ~115,000 / 500
    # dollar figures of BTC's order (real data: tens of millions at a quarter of the depth)
    assert 1e6 < m["long_notional_usd"] < 1e9 and 1e6 < m["short_notional_usd"] < 1e9
    assert out["portfolio_tiers"] == {"SOL": "ETHUSDT"}  # no packaged SOLUSDT table
    # said, as the market's caveats say it (was silent: ETH's tiers for SOL's positions)
    tiers = "margin tiers: ETHUSDT's, no SOLUSDT table"
    assert [c[: len(tiers)] for c in out["portfolio_caveats"]] == [tiers]
    assert out["portfolio_caveats"][0] in m["caveats"]


def test_shock_runs_on_sols_own_market(sol_store: Path, portfolio: Path) -> None:
    out = _stress(sol_store, portfolio, "--scenario", "shock", "--shocks", "-10%,10%")
    _common(out)
    mid = out["start_prices"]["SOL"]
    down, up = out["shocks"]
    assert down["asset"] == "SOL" and "eth_price_after" not in down
    # a fall's 24-h extreme below the mid, a rise's above; SOL's price scale
    assert down["price_after_p10"] <= down["price_after"] < mid < up["price_after"]
    assert down["static_price_after"] < mid
    assert 1e5 < down["market_liquidations_usd"] < 1e9


def test_the_tiers_caveat_is_said_once_in_the_text(
    sol_store: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The market's warning says it; the portfolio line does not repeat it (JSON keeps it)."""
    from liqcascade.market import _state as state_mod

    monkeypatch.setattr(state_mod, "_LOGGED", set())  # the market's caveats logged again
    pf = tmp_path / "one.csv"
    pf.write_text("symbol,side,size,entry_price,leverage\nSOLUSDT,long,100,230,10\n")
    r = run_cli("stress", "--asset", "SOL", "--portfolio", str(pf), "--scenario", "shock",
                "--shocks", "-10%", env={"LIQCASCADE_STORE": str(sol_store)})  # fmt: skip
    assert r.exit_code == 0, r.stderr
    tiers = "margin tiers: ETHUSDT's, no SOLUSDT table"
    assert f"portfolio: {pf} (1 position)\n" in r.stdout  # was "(1 positions); margin tiers…"
    assert tiers not in r.stdout
    # the market's warning (pytest's logging took it: the command line prints it on stderr)
    assert sum(tiers in rec.getMessage() for rec in caplog.records) == 1


def test_replay_reads_the_window_from_sols_own_hourly_bars(
    sol_store: Path, portfolio: Path
) -> None:
    out = _stress(sol_store, portfolio, "--scenario", "replay")  # default window 2025-10-10
    _common(out)
    d = out["details"]
    assert out["label"] == "2025-10-10" and d["SOL_source"] == "ohlcv_1h"
    btc = bundled.load_ohlcv("BTC", "1h").loc["2025-10-10":"2025-10-11"]
    assert d["SOL_bars"] == len(btc) == 48
    # SOL's own recorded move that window is BTC's (prices / 500 keep every ratio)
    assert_same(d["SOL_recorded_move"], btc["close"].iloc[-1] / btc["open"].iloc[0] - 1,
                rtol=1e-9)  # fmt: skip
    assert d["SOL_min_price"] < out["start_prices"]["SOL"]


def test_montecarlo_fits_sols_own_daily_returns(sol_store: Path, portfolio: Path) -> None:
    out = _stress(sol_store, portfolio, "--scenario", "montecarlo", "--paths", "200",
                  "--horizon-days", "5")  # fmt: skip
    _common(out)
    model = out["details"]["model"]
    assert "SOL" in json.dumps(model)
    q = out["price_quantiles"]
    mid = out["start_prices"]["SOL"]
    assert q["p05"] < mid < q["p95"] and q["p95"] < 2 * mid


def test_an_asset_without_data_exits_2_naming_it(sol_store: Path, tmp_path: Path) -> None:
    pf = tmp_path / "xrp.csv"
    pf.write_text("symbol,side,size,entry_price,leverage\nXRPUSDT,long,100,3,10\n")
    r = run_cli("stress", "--asset", "XRP", "--portfolio", str(pf), "--scenario", "shock",
                env={"LIQCASCADE_STORE": str(sol_store)})  # fmt: skip
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:")
    assert "XRP" in lines[0] and "open interest" in lines[0]


def test_a_portfolio_leg_without_prices_is_refused(sol_store: Path, tmp_path: Path) -> None:
    pf = tmp_path / "mixed.csv"
    pf.write_text(
        "symbol,side,size,entry_price,leverage\nSOLUSDT,long,1,230,10\nXRPUSDT,long,100,3,10\n"
    )
    r = run_cli("stress", "--asset", "SOL", "--portfolio", str(pf), "--scenario", "shock",
                env={"LIQCASCADE_STORE": str(sol_store)})  # fmt: skip
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "XRP" in lines[0] and "hourly prices" in lines[0]


def test_any_usdt_symbol_parses_and_uses_a_tier_table(tmp_path: Path) -> None:
    from liqcascade.margin import liq_price
    from liqcascade.stress import read_portfolio

    pf = tmp_path / "pf.csv"
    pf.write_text(
        "symbol,side,size,entry_price,leverage\n"
        "sol,long,10,200,20\nSOL-USDT,short,5,200,5\nBTCUSDT,long,1,100000,10\n"
    )
    p = read_portfolio(pf)
    assert list(p.asset) == ["SOL", "SOL", "BTC"] and p.assets == ["BTC", "SOL"]
    assert p.tiers == {"SOL": "ETHUSDT", "BTC": "BTCUSDT"}
    # unnamed positions are named by their contract (margin.contract_symbol), any spelling
    assert p.names == ["1:SOLUSDT long 10", "2:SOLUSDT short 5", "3:BTCUSDT long 1"]
    ref = liq_price("binance", [1, -1], [10.0, 5.0], [200.0, 200.0],
                    margin=[100.0, 200.0], symbol="ETHUSDT")  # fmt: skip
    assert_same(p.liq_price[:2], ref.liq_price, rtol=1e-12)
    bad = tmp_path / "bad.csv"
    bad.write_text("symbol,side,size,entry_price,leverage\n???,long,1,1,2\n")
    with pytest.raises(InputError, match="data row 1: symbol '\\?\\?\\?' is not a USDT perpetual"):
        read_portfolio(bad)
