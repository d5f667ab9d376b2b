"""``liqcascade support-study``: JSON contract and exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from clihelpers import run_cli
from liqcascade import datasets


def test_json_contract_on_real_eth() -> None:
    # through 2025-12-31 (the default is the market date: tests/test_cli_data_cut.py)
    r = run_cli(
        "support-study", "--as-of", "2025-12-31", "--draws", "50", "--boot", "200", "--json"
    )
    assert r.exit_code == 0, r.stderr
    d = r.json()
    assert d["n_tests"] == 80 and d["n_zones"] == 78
    assert d["params"]["pivot"] == 5
    assert list(d["horizons"]) == ["1", "2", "3", "5", "10", "15", "20", "30", "40", "60"]
    h = d["horizons"]["10"]
    for k in (
        "n",
        "mean",
        "median",
        "win_rate",
        "t_stat",
        "p_value",
        "ci_low",
        "ci_high",
        "baseline_mean",
        "baseline_win_rate",
        "random_level_win_rate",
    ):
        assert k in h
    assert len(d["sensitivity"]) == 108
    assert {"pivot", "zone_tol", "band", "n_tests", "win_rate_1_10", "mean_20_plus"} <= set(
        d["sensitivity"][0]
    )
    c = d["seed_claim"]
    assert c["n_tests"] == 162 and c["win_rate_1_10"] == [0.55, 0.6]
    assert c["verdict"] == "not supported" and "162" in c["notes"]


def test_parameters_change_the_count() -> None:
    r = run_cli(
        "support-study",
        "--as-of",
        "2025-12-31",
        "--pivot",
        "3",
        "--min-away",
        "1",
        "--band",
        "0.005",
        "--zone-tol",
        "0.01",
        "--draws",
        "5",
        "--boot",
        "50",
        "--no-sensitivity",
        "--json",
    )
    assert r.exit_code == 0, r.stderr
    assert r.json()["n_tests"] == 156


def test_human_output() -> None:
    r = run_cli("support-study", "--as-of", "2025-12-31", "--draws", "5", "--boot", "50",
                "--no-sensitivity")  # fmt: skip
    assert r.exit_code == 0
    assert "80 support tests" in r.stdout and "claim verdict" in r.stdout


def test_data_file(tmp_path: Path) -> None:
    eth = datasets.load_ohlcv("ETH", "1d", "2022-01-01", "2025-12-31").reset_index()
    f = tmp_path / "eth.csv"
    eth.to_csv(f, index=False)
    r = run_cli(
        "support-study",
        "--data",
        str(f),
        "--draws",
        "5",
        "--boot",
        "50",
        "--no-sensitivity",
        "--json",
    )
    assert r.exit_code == 0, r.stderr
    assert r.json()["n_tests"] == 80


def _one_error(r, needle: str) -> None:
    assert r.exit_code == 2, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and needle in lines[0], r.stderr
    assert "Traceback" not in r.stderr


def test_exit_2_on_bad_input(tmp_path: Path) -> None:
    _one_error(run_cli("support-study", "--start", "2025-01-01", "--end", "2024-01-01"), "--start")
    _one_error(run_cli("support-study", "--start", "2025-12-01"), "longest horizon")
    _one_error(run_cli("support-study", "--interval", "2h"), "--interval")
    _one_error(run_cli("support-study", "--pivot", "0"), "--pivot")
    _one_error(run_cli("support-study", "--zone-tol", "1.5"), "--zone-tol must be in [0, 1)")
    _one_error(run_cli("support-study", "--draws", "-1"), "--draws must be >= 0 (got -1)")
    _one_error(run_cli("support-study", "--boot", "0"), "--boot must be >= 1 (got 0)")
    _one_error(run_cli("support-study", "--start", "notadate"), "--start")
    _one_error(run_cli("support-study", "--data", str(tmp_path / "nope.csv")), "--data")
    bad = tmp_path / "bad.csv"
    bad.write_text("ts,open,high,low,close,volume\n2024-01-01,1,1,1,1,1\n2024-01-02,2,2,-2,2,1\n")
    _one_error(run_cli("support-study", "--data", str(bad)), "bad.csv")


def test_library_errors_name_the_flags(tmp_path: Path) -> None:
    # load_bars / support_study raise InputError(param=...); the line shows the flag typed
    daily = datasets.load_ohlcv("ETH", "1d", "2024-01-01", "2024-12-31").reset_index()
    f = tmp_path / "eth_1d.csv"
    daily.to_csv(f, index=False)
    r = run_cli("support-study", "--data", str(f), "--interval", "4h", "--no-sensitivity")
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.strip().splitlines() == [
        "error: --interval 4h: the bars are 1 day apart (median step), coarser than 4h"
    ]
    r = run_cli("support-study", "--asset", "DOGE", "--no-sensitivity")
    assert r.exit_code == 2 and r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --asset: "), r.stderr
    r = run_cli("support-study", "--seed", "-1", "--draws", "0", "--no-sensitivity")
    assert r.stderr.strip().splitlines() == ["error: --seed must be >= 0 (got -1)"]


def test_data_file_hourly_aggregated_to_4h(tmp_path: Path) -> None:
    h = datasets.load_ohlcv("ETH", "1h", "2024-01-01", "2024-12-31").reset_index()
    f = tmp_path / "eth_1h.csv"
    h.to_csv(f, index=False)
    r = run_cli(
        "support-study",
        "--data",
        str(f),
        "--interval",
        "4h",
        "--start",
        "2024-01-01",
        "--end",
        "2024-12-31",
        "--draws",
        "5",
        "--boot",
        "50",
        "--no-sensitivity",
        "--json",
    )
    assert r.exit_code == 0, r.stderr
    d = r.json()
    assert 2100 < d["n_bars"] <= 2196 and "4h" in d["source"]
    r3 = run_cli(
        "support-study",
        "--data",
        str(f),
        "--interval",
        "1d",
        "--start",
        "2024-01-01",
        "--end",
        "2024-12-31",
        "--draws",
        "5",
        "--boot",
        "50",
        "--no-sensitivity",
        "--json",
    )
    assert r3.exit_code == 0, r3.stderr
    assert r3.json()["n_bars"] == 366


def test_reads_the_store_merged_with_the_bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ETH's bars are the default store's where it holds them (stored rows win), the
    bundle's elsewhere, as the report reads them: a store whose ETH daily bars from
    2025-06-01 on are changed gives the study those bars, and the source says so."""
    import numpy as np
    import pandas as pd

    from liqcascade.data import load_series
    from liqcascade.data._frame import SeriesFrame
    from liqcascade.data._store import Store
    from liqcascade.events import load_bars

    daily = load_series("ohlcv", asset="ETH", interval="1d", store=False)
    late = daily[daily.index >= "2025-06-01"].copy()
    late[["open", "high", "low", "close"]] *= 1.5
    frame = late.reset_index()
    frame["ts"] = pd.DatetimeIndex(frame["ts"]).tz_convert("UTC").as_unit("us")
    path = tmp_path / "store.duckdb"
    with Store(path) as store:
        store.ingest([SeriesFrame("ohlcv", "binance-spot", "ETHUSDT", "1d", frame, file="t")])
    monkeypatch.setenv("LIQCASCADE_STORE", str(path))
    bars, source = load_bars("ETH", "1d", "2025-01-01", "2025-07-31")
    assert source.startswith("store ETH 1d (store:") and "bundled:" in source
    at = pd.Timestamp("2025-07-01", tz="UTC")
    np.testing.assert_allclose(bars.loc[at, "close"], daily.loc[at, "close"] * 1.5, rtol=1e-12)
    before = pd.Timestamp("2025-05-01", tz="UTC")
    np.testing.assert_allclose(bars.loc[before, "close"], daily.loc[before, "close"], rtol=1e-12)
    r = run_cli("support-study", "--as-of", "2025-07-31", "--draws", "20", "--boot", "50",
                "--no-sensitivity", "--json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert r.json()["source"].startswith("store ETH 1d")


def _store_of_sol(tmp_path: Path) -> Path:
    """A scratch store whose only series is SOLUSDT hourly: the bundled BTC hourly bars of
    2024 with prices / 400 (an asset the bundle lacks)."""
    import pandas as pd

    from liqcascade.data import load_series
    from liqcascade.data._frame import SeriesFrame
    from liqcascade.data._store import Store

    btc = load_series("ohlcv", asset="BTC", interval="1h", store=False,
                      start="2024-01-01", end="2024-12-31")  # fmt: skip
    frame = btc.reset_index()
    frame[["open", "high", "low", "close"]] /= 400.0
    frame["ts"] = pd.DatetimeIndex(frame["ts"]).tz_convert("UTC").as_unit("us")
    path = tmp_path / "sol.duckdb"
    with Store(path) as store:
        store.ingest([SeriesFrame("ohlcv", "binance-spot", "SOLUSDT", "1h", frame, file="t")])
    return path


def test_store_option_reads_an_asset_only_that_store_holds(tmp_path: Path) -> None:
    """inputs21: support-study read the default store only (vol had --store). With
    --store, SOL's hourly bars there give a study of SOL; BTC's bars / 400 are the same
    market in another unit, so the study (its tolerances scaled by the median daily
    range, unit-free) finds BTC's tests."""
    store = _store_of_sol(tmp_path)
    study = ("--interval", "4h", "--start", "2024-01-01", "--end", "2024-12-31",
             "--draws", "20", "--boot", "50", "--no-sensitivity", "--json")  # fmt: skip
    r = run_cli("support-study", "--asset", "SOL", "--store", str(store), *study)
    assert r.exit_code == 0, r.stderr
    sol = r.json()
    assert sol["source"].startswith(f"store SOL 1h (store:{store})")
    assert sol["source"].endswith("aggregated to 4h")
    btc = run_cli("support-study", "--asset", "BTC", *study).json()
    assert sol["n_tests"] == btc["n_tests"] > 0 and sol["n_zones"] == btc["n_zones"]
    # log returns are unit-free: equal to float rounding of the / 400
    assert sol["horizons"]["10"]["mean"] == pytest.approx(btc["horizons"]["10"]["mean"], abs=1e-9)
    # without --store the default store (none in the tests) does not hold SOL
    r = run_cli("support-study", "--asset", "SOL", *study)
    assert r.exit_code == 2 and "SOL" in r.stderr


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [("none.duckdb", None, "no such store"), ("bad.duckdb", "not a DuckDB file\n", "cannot open")],
    ids=["missing", "not-duckdb"],
)
def test_store_option_errors_name_the_flag(
    tmp_path: Path, name: str, content: str | None, said: str
) -> None:
    """As vol's: one line naming --store and the path, exit 2."""
    store = tmp_path / name
    if content is not None:
        store.write_text(content)
    r = run_cli("support-study", "--store", str(store), "--no-sensitivity")
    assert r.exit_code == 2, r.stderr
    assert r.stderr.startswith(f"error: --store: {store}: {said}") and r.stderr.count("\n") == 1


def test_a_range_that_misses_a_data_file_names_both_spans(tmp_path: Path) -> None:
    """A 2017-2018 file under the default --start 2022-01-01 said only '0 1d bars in
    the range', with no word of the default or of where the file's bars are."""
    d1 = datasets.load("eth_1d")
    path = tmp_path / "d1.csv"
    d1[d1.index < "2018-03-04"].reset_index().rename(columns={"ts": "timestamp"}).to_csv(
        path, index=False
    )
    r = run_cli("support-study", "--data", str(path))
    assert r.exit_code == 2 and r.stderr.count("\n") == 1, r.stderr
    assert "error: --start/--end: no bars from 2022-01-01 to the last; the bars of " in r.stderr
    assert "run 2017-08-17 -> 2018-03-03" in r.stderr


def test_table_shows_the_t_the_notes_quote(monkeypatch: pytest.MonkeyPatch) -> None:
    # trial 23: the table's "t NW" for 20 days was +0.27, the notes "t +0.32" (the
    # overlap-adjusted test's): the table now shows that t and says which is which
    monkeypatch.setenv("COLUMNS", "120")
    r = run_cli("support-study", "--as-of", "2025-12-31", "--no-sensitivity")
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    head = next(ln for ln in lines if "t NW" in ln)
    cols = [c.strip() for c in head.strip("┃").split("┃")]
    assert cols[4:8] == ["t NW", "t adj", "p adj", "p placebo"]
    row20 = next(ln for ln in lines if ln.startswith("│   20 "))
    cells = [c.strip() for c in row20.strip("│").split("│")]
    # the notes quote the placebo p, the verdict's, as the table prints it
    assert f"20 d {cells[2]} (p {cells[7]})" in r.stdout
    assert cells[4] != cells[5]  # here the plain NW t differs (+0.12 against +0.10)
    assert any(ln.startswith("t NW: plain Newey–West t") for ln in lines)
