"""Back-test: reproduces the calibration figures, extends with the store, CLI contract."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from clihelpers import run_cli
from floats import same_value
from liqcascade.errors import InputError
from liqcascade.market import book_backtest
from liqcascade.positions import load_calibrated
from liqcascade.positions._backtest import BACKTEST_METRICS, SERIES_COLUMNS


@pytest.fixture(scope="module")
def shipped():
    return load_calibrated()


@pytest.mark.parametrize("period", ["fit", "oos"])
def test_backtest_reproduces_calibration_figures(shipped, period: str) -> None:
    a, b = shipped.fit_period if period == "fit" else shipped.oos_period
    ref = (shipped.in_sample if period == "fit" else shipped.out_of_sample)["model"]
    res = book_backtest("ETH", a, b, params=load_calibrated(), store=False, bands=False)
    assert res.full_metrics is not None and res.metrics is not None
    for k, v in ref.items():
        assert same_value(res.full_metrics[k], v), (k, res.full_metrics[k], v)
    base = (shipped.in_sample if period == "fit" else shipped.out_of_sample)["baseline"]
    assert res.metrics["baseline_corr_daily"] == pytest.approx(base["corr_daily"], rel=1e-12)
    assert res.params_source.startswith("calibrat")


def test_backtest_json_via_cli_with_bands() -> None:
    r = run_cli(
        "-q", "liqmap", "backtest", "--asset", "ETH", "--start", "2025-07-01",
        "--end", "2025-07-31", "--json",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    d = r.json()
    for k in ("asset", "start", "end", "interval", "params_source", "bars",
              "predicted_long_usd", "predicted_short_usd", "recorded_long_usd",
              "recorded_short_usd", "metrics", "series"):  # fmt: skip
        assert k in d
    assert d["bars"] == 31 * 6 == len(d["series"])
    assert set(BACKTEST_METRICS) <= set(d["metrics"])
    row = d["series"][0]
    assert {"ts", *SERIES_COLUMNS} <= set(row)
    p05 = np.array([s["predicted_long_usd_p05"] for s in d["series"]])
    p95 = np.array([s["predicted_long_usd_p95"] for s in d["series"]])
    assert (p05 <= p95 + 1e-6).all() and (p95 > p05).any()
    rec = np.array([s["recorded_long_usd"] for s in d["series"]])
    assert d["recorded_long_usd"] == pytest.approx(rec.sum())
    assert d["metrics"]["corr_daily"] > 0.5


def test_backtest_errors_exit_2() -> None:
    r = run_cli("liqmap", "backtest", "--start", "2025-07-31", "--end", "2025-07-01")
    assert r.exit_code == 2 and "after --end" in r.stderr
    r = run_cli("liqmap", "backtest", "--asset", "DOGE", "--start", "2025-07-01", "--end",
                "2025-07-02", "--store", "/nonexistent/s.duckdb")  # fmt: skip
    assert r.exit_code == 2 and "no such store" in r.stderr
    r = run_cli("liqmap", "backtest", "--asset", "DOGE", "--start", "2025-07-01", "--end",
                "2025-07-02")  # fmt: skip
    assert r.exit_code == 2 and "DOGE" in r.stderr
    r = run_cli("liqmap", "backtest", "--start", "2023-01-01", "--end", "2023-02-01")
    assert r.exit_code == 2 and "no open interest" in r.stderr and "2024-11-22" in r.stderr
    r = run_cli("liqmap", "backtest", "--start", "2025-07-01", "--end", "2025-07-02",
                "--params", "/nonexistent.json")  # fmt: skip
    assert r.exit_code == 2 and "--params" in r.stderr
    assert "Traceback" not in r.stderr


def test_backtest_custom_params_file_has_no_band(tmp_path) -> None:
    """A plain parameters file carries no bootstrap sets: no band."""
    p = load_calibrated().params.with_(turnover=0.0)
    path = tmp_path / "p.json"
    p.to_json(path)
    res = book_backtest("ETH", "2025-06-01", "2025-06-10", params=path, store=False)
    assert res.params_source == str(path)
    assert res.frame["predicted_long_usd_p05"].isna().all()
    assert res.metrics is not None
    assert "<table>" in res._repr_html_()


def _coinglass_files(tmp_path, start: str, days: int, seed: int = 7):
    """Open interest OHLC and aggregated liquidations in the CoinGlass layouts."""
    from liqcascade import datasets

    rng = np.random.default_rng(seed)
    ts = pd.date_range(start, periods=days * 6, freq="4h", tz="UTC")
    last = float(datasets.load_open_interest()["oi_usd"].iloc[-1])
    oi = last * np.exp(np.cumsum(rng.normal(0, 0.01, len(ts))))
    ms = ts.as_unit("ms").asi8.astype(np.int64)
    oi_df = pd.DataFrame({"time": ms, "open": oi * 0.999, "high": oi * 1.004,
                          "low": oi * 0.995, "close": oi})  # fmt: skip
    liq_df = pd.DataFrame({
        "time": ms,
        "aggregated_long_liquidation_usd": rng.lognormal(14, 1, len(ts)),
        "aggregated_short_liquidation_usd": rng.lognormal(13.5, 1, len(ts)),
    })  # fmt: skip
    f_oi, f_liq = tmp_path / "oi.csv", tmp_path / "liq.csv"
    oi_df.to_csv(f_oi, index=False)
    liq_df.to_csv(f_liq, index=False)
    return f_oi, f_liq, liq_df


def test_store_extends_the_backtest(tmp_path) -> None:
    store = tmp_path / "store.duckdb"
    # 2025-08 is beyond the bundled open interest (ends 2025-07-31)
    r = run_cli("liqmap", "backtest", "--start", "2025-08-05", "--end", "2025-08-15",
                "--store", str(tmp_path / "none.duckdb"))  # fmt: skip
    assert r.exit_code == 2
    r = run_cli("liqmap", "backtest", "--start", "2025-08-05", "--end", "2025-08-15")
    assert r.exit_code == 2 and "no open interest" in r.stderr
    f_oi, f_liq, liq_df = _coinglass_files(tmp_path, "2025-08-01", 20)
    for f, kind in ((f_oi, "open_interest"), (f_liq, "liquidations")):
        r = run_cli("-q", "data", "ingest", str(f), "--kind", kind, "--symbol", "ETHUSDT",
                    "--interval", "4h", "--store", str(store), "--json")  # fmt: skip
        assert r.exit_code == 0, r.stderr
    r = run_cli("-q", "liqmap", "backtest", "--start", "2025-08-05", "--end", "2025-08-15",
                "--store", str(store), "--no-bands", "--json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    d = r.json()
    assert d["bars"] == 11 * 6
    assert d["sources"]["open_interest"].startswith("store:")
    assert "bundled" in d["sources"]["open_interest"]  # the warm-up reads the bundle before
    t = pd.to_datetime(liq_df["time"], unit="ms", utc=True)
    sel = (t >= pd.Timestamp("2025-08-05", tz="UTC")) & (t < pd.Timestamp("2025-08-16", tz="UTC"))
    assert d["recorded_long_usd"] == pytest.approx(
        liq_df.loc[sel, "aggregated_long_liquidation_usd"].sum(), rel=1e-9
    )
    assert d["predicted_long_usd"] > 0 and d["metrics"] is not None
    # the bundled period is unchanged by the store (store rows only add bars)
    a = book_backtest("ETH", "2025-07-01", "2025-07-10", store=store, bands=False)
    b = book_backtest("ETH", "2025-07-01", "2025-07-10", store=False, bands=False)
    pd.testing.assert_frame_equal(a.frame, b.frame)


def test_backtest_out_writes_chart_and_csv(tmp_path) -> None:
    out = tmp_path / "out"
    r = run_cli("-q", "liqmap", "backtest", "--start", "2025-07-20", "--end", "2025-07-31",
                "--no-bands", "--out", str(out), "--json")  # fmt: skip
    if r.exit_code == 1 and "kaleido found no Chrome" in r.stderr:  # make browser installs one
        assert {p.name for p in out.iterdir()} == {"backtest.html", "backtest_series.csv"}
        pytest.skip("no Chrome/Chromium on this machine for the PNG")
    assert r.exit_code == 0, r.stderr
    paths = {k: Path(v) for k, v in r.json()["files"].items()}
    csv = pd.read_csv(paths["csv"])
    assert len(csv) == r.json()["bars"] == 12 * 6 and "predicted_long_usd_p95" in csv
    assert paths["html"].stat().st_size > 10_000
    png = paths["png"].read_bytes()  # the whole image, at the size asked (its IHDR chunk)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    assert (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")) == (1200, 700)
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_register_on_a_throwaway_group() -> None:
    from liqcascade._cli import liqmap_validate

    group = typer.Typer()
    liqmap_validate.register(group)
    out = CliRunner().invoke(group, ["backtest", "--help"])
    assert out.exit_code == 0 and "Example:" in out.output
    out = CliRunner().invoke(group, ["calibrate", "--help"])
    assert out.exit_code == 0 and "--bootstrap" in out.output


def test_backtest_rejects_bad_period_in_api() -> None:
    with pytest.raises(InputError, match="after"):
        book_backtest("ETH", "2025-07-02", "2025-07-01", store=False)


def test_identified_backtest_reports_both_baselines_and_coverage() -> None:
    res = book_backtest("BTC", "2025-07-01", "2025-07-31", store=False)
    m = res.metrics
    assert m is not None
    for k in ("spearman_daily", "range_baseline_corr_daily", "range_baseline_spearman_daily",
              "coverage_90_daily", "corr_daily", "corr_daily_long", "corr_daily_short",
              "baseline_corr_daily"):  # fmt: skip
        assert k in m and np.isfinite(m[k])
    assert 0.0 <= m["coverage_90_daily"] <= 1.0
    # July is predicted by the fit that ends before it
    assert res.months[0]["fit_end"] == "2025-06-30" and res.months[0]["out_of_sample"]
    f = res.frame
    assert (f["predicted_long_usd_p05"] <= f["predicted_long_usd_p95"]).all()
