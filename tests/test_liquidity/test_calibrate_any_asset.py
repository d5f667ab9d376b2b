"""``liqcascade cascade calibrate``: the shipped procedure on any asset's data (issue 18).

The as-of dates come from the data's span; on the bundled ETH and BTC data they are
the shipped list, and a refit of ETH's first fitted month (2025-01-01, 19 events)
gives the shipped parameters. A store's calibration is read before the package's.
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import pandas as pd
import pytest

from clihelpers import CliResult, run_cli
from floats import assert_same, same_value
from liqcascade.cascade import calibrated_follow_through, stored_follow_through
from liqcascade.cascade._calibrate import (
    ETH_REFERENCE_SIGMA,
    ETH_REFERENCE_WINDOW,
    calibration_months,
    calibration_span,
    default_trigger,
    hourly_return_std,
)
from liqcascade.cascade._clock import backtest_score, load_liquidity
from liqcascade.cascade._follow_through import RECORD_SETTINGS
from liqcascade.data import load_series
from liqcascade.errors import InputError
from newasset import relabelled_store


def _shipped(asset: str) -> dict:
    return json.loads((files("liqcascade.cascade") / "calibrated" / f"{asset}.json").read_text())


def _frames(asset: str, store: object = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    return (
        load_series("ohlcv", asset=asset, interval="1h", store=store),
        load_series("liquidations", asset=asset, interval="4h", store=store),
    )


@pytest.fixture(scope="module")
def sol_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return relabelled_store(tmp_path_factory.mktemp("sol") / "sol.duckdb")


@pytest.mark.parametrize("asset", ["ETH", "BTC"])
def test_as_of_dates_from_data_equal_shipped(asset: str) -> None:
    ohlc, liq = _frames(asset)
    got = [t.isoformat() for t in calibration_months(ohlc, liq)]
    assert got == [c["as_of"] for c in _shipped(asset)["calibrations"]]


def test_as_of_dates_follow_the_data_span() -> None:
    ohlc, liq = _frames("ETH")
    cut = liq[liq.index < pd.Timestamp("2025-03-10", tz="UTC")]
    months = calibration_months(ohlc, cut)
    assert months[0] == pd.Timestamp("2024-11-01", tz="UTC")
    assert months[-1] == pd.Timestamp("2025-04-01", tz="UTC")  # the month after the last day
    first, last = calibration_span(ohlc, cut)
    assert first == pd.Timestamp(liq.index[0]) and last == pd.Timestamp(cut.index[-1])
    with pytest.raises(InputError, match="do not overlap"):
        calibration_span(ohlc[ohlc.index < liq.index[0]], liq)


def test_trigger_rule() -> None:
    # the reference is ETH's own hourly volatility over the 365 days before 2024-11-01
    eth, _ = _frames("ETH")
    sigma, n = hourly_return_std(eth, "2024-11-01")
    assert_same(sigma, ETH_REFERENCE_SIGMA, rtol=1e-9)
    assert n > 8000
    # ETH and BTC keep the defaults; BTC's data give 1.5 % by the rule as well
    btc, _ = _frames("BTC")
    assert default_trigger("ETH", eth, "2024-11-01")[0] == 0.02
    assert default_trigger("BTC", btc, "2024-11-01")[0] == 0.015
    assert default_trigger("XBT", btc, "2024-11-01")[0] == 0.015
    # doubling every log return doubles the volatility: 2 x 1.67 % -> 3.5 %
    doubled = btc.assign(close=btc["close"] ** 2)
    assert default_trigger("XBT", doubled, "2024-11-01")[0] == 0.035
    # the rule's words name both windows: the asset's and ETH's reference (2023-11 -> 2024-11)
    _, rule = default_trigger("XBT", btc, "2025-11-01")
    assert "XBT's hourly volatility" in rule and "(2024-11-01 -> 2025-11-01)" in rule
    assert f"({ETH_REFERENCE_WINDOW[0]} -> {ETH_REFERENCE_WINDOW[1]})" in rule
    assert hourly_return_std(eth, ETH_REFERENCE_WINDOW[1])[0] == sigma
    # 365 days before 2024-11-01 (a leap year): the day hourly_return_std reads from. Was
    # "2023-11-01", so the same data's windows printed a day apart (session 25)
    assert ETH_REFERENCE_WINDOW[0] == "2023-11-02"
    _, same = default_trigger("XBT", eth, "2024-11-01")  # ETH's data: one window, said once
    assert same.count("(2023-11-02 -> 2024-11-01)") == 2 and "0.00645 (" in same
    # only data before the first as-of date count: later bars change nothing
    later = btc[btc.index < pd.Timestamp("2024-11-01", tz="UTC")]
    assert default_trigger("XBT", later, "2024-11-01") == default_trigger("XBT", btc, "2024-11-01")
    with pytest.raises(InputError, match="give the trigger"):
        default_trigger("XBT", btc[btc.index >= pd.Timestamp("2024-10-20", tz="UTC")], "2024-11-01")


def test_refit_of_eth_reproduces_shipped_month(tmp_path: Path) -> None:
    """ETH refitted up to 2025-01-01 from a store's view: the shipped fits, written to the store."""
    store = tmp_path / "eth.duckdb"
    relabelled_store(store, symbol="XRPUSDT", end="2024-11-30")  # a store without ETH rows
    r = run_cli(
        "cascade", "calibrate", "--asset", "ETH", "--end", "2025-01-01", "--no-backtest",
        "--no-follow-through", "--store", str(store), "--json",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert "2025-01-01: 19 events" in r.stderr  # progress on stderr
    # the events before the book's first fit (2025-03) use a book trained after them
    assert "are simulated on the position-book fit for 2025-03" in " ".join(r.stderr.split())
    out = r.json()
    path = tmp_path / "eth.calibrations" / "liquidity" / "ETH.json"
    assert out["written"] == str(path) and path.is_file()
    doc = json.loads(path.read_text())
    ship = _shipped("ETH")
    assert doc["trigger"] == ship["trigger"] and doc["method"] == ship["method"]
    assert doc["prior"] == ship["prior"]
    assert [c["as_of"] for c in doc["calibrations"]] == [
        c["as_of"] for c in ship["calibrations"][:3]
    ]
    for got, want in zip(doc["calibrations"], ship["calibrations"][:3], strict=True):
        # the grid and the bootstrap are discrete: the same events and seeds pick the same
        # points; the volatility rule is a float fit (tolerance 1e-9 relative)
        assert got["n_events"] == want["n_events"]
        assert got["params"] == want["params"] and got["draws"] == want["draws"]
        for k in ("vol_multiplier", "vol_exponent", "shock_weight", "vol_dispersion"):
            assert_same(got[k], want[k], rtol=1e-9)
    assert doc["calibrations"][2]["n_events"] == 19
    # the store's calibration is read first; without the store, the package's
    cal = load_liquidity("ETH", "2025-01-15", store=store)
    assert cal.source == f"store:{path}" and cal.as_of == pd.Timestamp("2025-01-01", tz="UTC")
    pkg = load_liquidity("ETH", "2025-01-15", store=False)
    assert pkg.source == "package:calibrated/ETH.json" and pkg.params == cal.params
    # after the store's last month its latest fit holds (never a later one)
    assert load_liquidity("ETH", "2025-07-01", store=store).as_of == cal.as_of
    assert backtest_score("ETH", store) is None  # --no-backtest: no score stored
    assert "follow_through" not in doc  # --no-follow-through: no record
    assert stored_follow_through("ETH", store) is None
    score = backtest_score("ETH", False)
    assert score is not None and score["scope"] == "package score"
    # the stored scores as stored, the book split (test_book_in_sample.py) included
    split = {"n_book_in_sample", "book_out_of_sample_from", "metrics_book_in_sample",
             "metrics_book_out_of_sample"}  # fmt: skip
    assert split <= set(score)
    # the events on the assumed depth exponent: derived, the shipped record predates it
    assert score["n_beta_assumed"] == 3
    got = {k: v for k, v in score.items() if k not in ("scope", "n_beta_assumed")}
    want = {k: v for k, v in ship["backtest"].items() if k != "per_event"}
    assert got.keys() == want.keys()
    for k, v in want.items():
        if not k.startswith("metrics_book_"):
            assert got[k] == v, k  # read from the file
            continue
        # the split's scores are recomputed from the per-event record: a correlation's last
        # bits move with numpy's release (5e-16 relative on numpy 2.5), so 1e-12 relative
        assert got[k].keys() == v.keys(), k
        for m, x in v.items():
            assert same_value(got[k][m], x), (k, m, got[k][m], x)


def test_default_store_is_read_through_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "s.duckdb"
    store.write_bytes(b"")  # the calibration lookup does not open the store
    folder = tmp_path / "s.calibrations" / "liquidity"
    folder.mkdir(parents=True)
    doc = _shipped("BTC")
    doc["calibrations"] = doc["calibrations"][:2]
    (folder / "BTC.json").write_text(json.dumps(doc))
    monkeypatch.setenv("LIQCASCADE_STORE", str(store))
    cal = load_liquidity("BTC")
    assert cal.source.startswith("store:") and cal.as_of == pd.Timestamp("2024-12-01", tz="UTC")
    assert load_liquidity("BTC", store=False).as_of == pd.Timestamp("2025-08-01", tz="UTC")
    (folder / "BTC.json").write_text(json.dumps({"asset": "BTC", "calibrations": []}))
    with pytest.raises(InputError, match="no calibrations"):
        load_liquidity("BTC")


def test_sol_trigger_and_months_from_the_store(sol_store: Path) -> None:
    ohlc, liq = _frames("SOL", sol_store)
    months = calibration_months(ohlc, liq)
    assert months[0] == pd.Timestamp("2024-11-01", tz="UTC") and len(months) == 10
    f, rule = default_trigger("SOL", ohlc, months[0])
    assert f == 0.015 and "ETH's" in rule  # BTC's returns relabelled: BTC's volatility


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--asset", "DOGE"), "error: --asset: no hourly prices for DOGE"),
        (("--asset", "SOL", "--trigger", "2"), "error: --trigger must be a fraction in (0, 1)"),
        (("--asset", "SOL", "--trigger", "0"), "error: --trigger must be a fraction in (0, 1)"),
        (("--asset", "SOL", "--out", "/proc/liq/x.json"), "error: --out: "),
        (("--asset", "SOL", "--start", "2030-01"), "error: --start/--end: no as-of month"),
        (("--asset", "SOL", "--store", "/nonexistent/x.duckdb"), "error: --store: "),
    ],
)
def test_calibrate_bad_input_exit_2(sol_store: Path, args: tuple[str, ...], message: str) -> None:
    r = run_cli("cascade", "calibrate", *args, env={"LIQCASCADE_STORE": str(sol_store)})
    assert r.exit_code == 2, (r.stdout, r.stderr)
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and lines[0].startswith(message), r.stderr
    assert "Traceback" not in r.stderr


def test_backtest_without_calibration_says_how(sol_store: Path) -> None:
    r = run_cli(
        "cascade", "backtest", "--asset", "SOL", "--start", "2025-03-01", "--end", "2025-04-30",
        env={"LIQCASCADE_STORE": str(sol_store)},
    )  # fmt: skip
    assert r.exit_code == 2
    assert "no calibrated liquidity response for SOL" in r.stderr
    assert "liqcascade cascade calibrate --asset SOL" in r.stderr


def test_sol_calibrate_backtest_and_answer(sol_liquidity_fit: tuple[Path, CliResult]) -> None:
    """The whole path for an asset the package does not bundle."""
    # the store and ``cascade calibrate --asset SOL --start 2024-12 --end 2025-01`` run on
    # it (tests/test_liquidity/conftest.py, shared with test_scored_period.py). The events'
    # markets need SOL's position book: SOL's series are BTC's, so BTC's shipped book
    # calibration, copied into the store, is the one SOL's own data give (liqmap calibrate
    # fits it in minutes; tests/test_market/test_any_asset.py runs that path)
    sol_store, r = sol_liquidity_fit
    env = {"LIQCASCADE_STORE": str(sol_store)}
    assert r.exit_code == 0, r.stderr
    out = r.json()
    path = sol_store.with_name("sol.calibrations") / "liquidity" / "SOL.json"
    assert out["written"] == str(path) and path.is_file()
    assert out["trigger"] == 0.015
    assert [c["as_of"][:10] for c in out["calibrations"]] == [
        "2024-11-01", "2024-12-01", "2025-01-01"
    ]  # fmt: skip
    assert out["calibrations"][-1]["n_events"] >= 8  # fitted, not the prior
    cal = load_liquidity("SOL", "2025-01-20", store=sol_store)
    assert cal.source == f"store:{path}"
    # the follow-through of the fitted months, stored with the report's settings
    assert "SOL: follow-through after a 5 % fall on every date 2024-12-01 → 2025-01-31" in (
        r.stderr
    )
    rec = json.loads(path.read_text())["follow_through"]
    assert {k: rec[k] for k in RECORD_SETTINGS} == RECORD_SETTINGS
    assert rec["start"].startswith("2024-12-01T20:00") and rec["end"].startswith("2025-01-31T20")
    assert rec["n_dates"] == len(rec["dates"]["ts"]) == 62
    ft = stored_follow_through("SOL", sol_store, end="2025-01-31")
    assert ft is not None and ft.source == f"store:{path}" and ft.n_dates == 62
    # a row is a live run on the store's data with the store's calibration before its date
    live = calibrated_follow_through("SOL", "2025-01-02", "2025-01-02", store=sol_store)
    row = ft.dates.set_index("ts").loc[live.dates["ts"]]
    cols = ["mid", "sigma", "total_median", "total_p10", "total_p90", "seed"]
    assert_same(live.dates[cols].to_numpy(float), row[cols].to_numpy(float), rtol=1e-9)
    assert_same(live.dates["share_beyond"].to_numpy(float), row["share_beyond"].to_numpy(float),
                rtol=0.0, atol=1 / 400 + 1e-12)  # fmt: skip
    r = run_cli(
        "cascade", "backtest", "--asset", "SOL", "--start", "2025-01-01", "--end", "2025-01-31",
        "--paths", "40", "--json", env=env,
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    bt = r.json()
    assert bt["asset"] == "SOL" and bt["trigger"] == 0.015 and bt["n_events"] >= 3
    r = run_cli("cascade", "--asset", "SOL", "--as-of", "2025-01-31", "--shock", "-0.05",
                "--json", env=env)  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert r.json()["calibration"]["source"] == f"store:{path}"
    # the score quoted is the store calibration's own, never called the package's
    oos = r.json().get("out_of_sample")
    assert oos is None or oos["scope"] in ("store score", "events closed by the market date")
    assert oos is None or oos.get("package_score", oos)["scope"] == "store score"


def test_calibrate_out_file(tmp_path: Path) -> None:
    """``--out`` writes the document there (folders created), not beside a store."""
    out = tmp_path / "deep" / "eth.json"
    r = run_cli(
        "cascade", "calibrate", "--asset", "ETH", "--end", "2024-12-01", "--no-backtest",
        "--no-follow-through", "--out", str(out), "--json",
        env={"LIQCASCADE_STORE": str(tmp_path / "none.duckdb")},
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    doc = json.loads(out.read_text())
    assert r.json()["written"] == str(out)
    assert [c["as_of"][:10] for c in doc["calibrations"]] == ["2024-11-01", "2024-12-01"]
    assert [c["n_events"] for c in doc["calibrations"]] == [0, 3]  # as shipped: the prior
    assert "backtest" not in doc and doc["trigger_rule"].startswith("default for ETH")
    assert "follow_through" not in doc
    assert not (tmp_path / "none.calibrations").exists()


def test_no_market_at_any_event_is_an_error() -> None:
    from liqcascade.cascade._calibrate import fit_liquidity_document

    ohlc, liq = _frames("BTC")
    with pytest.raises(InputError, match="no market could be built"):
        fit_liquidity_document(
            ohlc, liq, lambda ts, mid: None, asset="XBT", months=["2025-01-01"], backtest=False
        )
    with pytest.raises(InputError, match="month starts 2024-11-01"):
        fit_liquidity_document(ohlc, liq, lambda ts, mid: None, asset="XBT", months=["2030-01-01"])
