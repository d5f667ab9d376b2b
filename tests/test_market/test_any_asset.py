"""Any asset whose data a user ingests: calibration, back-test, map and cascade (issue 14.5).

The store holds BTC's real bundled series relabelled as SOL with prices / 500
(:func:`newasset.relabelled_store`, without book totals), plus its futures order-book
totals ingested from a CoinGlass-layout file (``time,bids_usd,bids_quantity,asks_usd,
asks_quantity``; base units x 500), the way a user adds them (``liqcascade data ingest
--kind depth --venue all-venues``).
Nothing in the package was calibrated on SOL: every figure below comes from the
store's data and the calibration the command fits on it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from clihelpers import CliResult, run_cli
from liqcascade.data import bundled
from newasset import relabelled_store

SCALE = 500.0
AS_OF = "2025-03-20"


def add_book_totals(store: Path, folder: Path, symbol: str = "SOLUSDT") -> None:
    """Ingest BTC's bundled futures book totals as ``symbol``'s (base units x 500)."""
    d = bundled.load_book_totals("BTC", market="futures").reset_index()
    csv = folder / f"{symbol}_book_8h.csv"
    out = d.assign(
        time=d["ts"].dt.strftime("%Y-%m-%d %H:%M:%S"),
        bids_quantity=d["bids_base"] * SCALE,
        asks_quantity=d["asks_base"] * SCALE,
    )[["time", "bids_usd", "bids_quantity", "asks_usd", "asks_quantity"]]
    out.to_csv(csv, index=False)
    r = run_cli("data", "ingest", str(csv), "--kind", "depth", "--symbol", symbol,
                "--venue", "all-venues", "--store", str(store))  # fmt: skip
    assert r.exit_code == 0, r.stderr


@pytest.fixture(scope="module")
def sol(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A SOL store, and ``liqmap calibrate --asset SOL`` run once on it (one month).

    Built once per run of the suite for every xdist worker (:func:`sharedbuild.shared_build`:
    the calibration is a minute of CPU): the store, the calibration the command wrote
    beside it and the command's result. The tests only read them (read-only opens).
    """
    from sharedbuild import shared_build

    def build(folder: Path) -> dict[str, Path]:
        store = relabelled_store(folder / "sol.duckdb", book_totals=False)
        add_book_totals(store, folder)
        env = {"LIQCASCADE_STORE": str(store)}
        cal = run_cli("liqmap", "calibrate", "--asset", "SOL", "--month", "2025-03",
                      "--bootstrap", "2", "--json", env=env)  # fmt: skip
        result = folder / "calibrate.json"
        result.write_text(json.dumps([cal.exit_code, cal.stdout, cal.stderr]))
        return {"store": store, "calibrate": result}

    built = shared_build(tmp_path_factory, "market-any-asset-sol-calibrated", build)
    store = built["store"]
    cal = CliResult(*json.loads(built["calibrate"].read_text()))
    return {"store": store, "env": {"LIQCASCADE_STORE": str(store)}, "calibrate": cal}


def _json(r: CliResult) -> dict[str, Any]:
    assert r.exit_code == 0, r.stderr
    d: dict[str, Any] = json.loads(r.stdout)
    return d


def test_calibrate_writes_the_stores_calibration_and_backtest_reads_it(
    sol: dict[str, Any],
) -> None:
    r = sol["calibrate"]
    d = _json(r)
    path = sol["store"].with_name("sol.calibrations") / "book" / "SOL.json"
    assert d["out"] == str(path) and path.is_file()
    assert f"wrote the store's calibration of SOL: {path}" in " ".join(r.stderr.split())
    assert "fitting SOL 2025-03 (1/1) on 2024-11-22 -> 2025-02-28" in r.stderr
    doc = json.loads(path.read_text())
    assert doc["asset"] == "SOL" and [f["month"] for f in doc["fits"]] == ["2025-03"]
    fit = doc["fits"][0]
    assert fit["fit_end"] == "2025-02-28" and len(fit["bootstrap"]) == 2
    # fitted from the store's series only, and the data start is SOL's own
    assert fit["fit_start"] == "2024-11-22"
    assert all(v.startswith("store:") for k, v in doc["meta"]["sources"].items()
               if k != "long_short")  # fmt: skip
    # the venue of the store's liquidation record: the scale of the book's dollars
    assert doc["meta"]["feed"] == "binance"
    b = _json(run_cli("liqmap", "backtest", "--asset", "SOL", "--start", "2025-03-01",
                      "--end", "2025-03-31", "--json", env=sol["env"]))  # fmt: skip
    assert f"store:{path}" in b["params_source"]
    assert [m["out_of_sample"] for m in b["months"]] == [True]
    assert b["months"][0]["fit_end"] == "2025-02-28"
    assert b["metrics"]["days"] == 31
    for k in ("corr_daily", "spearman_daily", "range_baseline_corr_daily", "coverage_90_daily"):
        assert -1.0 <= b["metrics"][k] <= 1.0


def test_map_and_cascade_run_in_sols_price_scale(sol: dict[str, Any]) -> None:
    env = sol["env"]
    s = _json(run_cli("liqmap", "--asset", "SOL", "--as-of", AS_OF, "--json", env=env))
    b = _json(run_cli("liqmap", "--asset", "BTC", "--as-of", AS_OF, "--json", env=env))
    ms, mb = s["market"], b["market"]
    assert ms["asset"] == "SOL" and mb["asset"] == "BTC"
    assert ms["mid"] == pytest.approx(mb["mid"] / SCALE, rel=1e-12)
    assert ms["open_interest_usd"] == pytest.approx(mb["open_interest_usd"], rel=1e-12)
    assert ms["all_venue_bid_1pct_usd"] == pytest.approx(mb["all_venue_bid_1pct_usd"], rel=1e-9)
    src = ms["sources"]
    assert (
        src["book_calibration"].startswith("store:") and "out of sample" in src["book_calibration"]
    )
    assert src["book_totals"].startswith("store:") and src["open_interest"].startswith("store:")
    # the same bars as BTC's shipped 0.79 (USD and base x 500 leave the ratio alone),
    # but only those opened before the market's close
    assert src["depth_beta"].startswith("fitted: median of fit_beta over ")
    assert ms["beta"] == pytest.approx(0.79, abs=0.011)
    # dollar totals of the same order as BTC's (another month's fit: not equal)
    for k in ("long_notional_usd", "short_notional_usd"):
        assert 0.1 < ms[k] / mb[k] < 10, (k, ms[k], mb[k])
    near = s["cumulative_long_liq_usd"]["-0.10"] + s["cumulative_short_liq_usd"]["0.10"]
    near_btc = b["cumulative_long_liq_usd"]["-0.10"] + b["cumulative_short_liq_usd"]["0.10"]
    assert 0.1 < near / near_btc < 10
    for cl in s["clusters"]:
        assert 0.5 * ms["mid"] < cl["price"] < 1.5 * ms["mid"]

    args = ("--liquidity", "static", "--shock", "-0.05", "--as-of", AS_OF, "--json")
    cs = _json(run_cli("cascade", "--asset", "SOL", *args, env=env))
    cb = _json(run_cli("cascade", "--asset", "BTC", *args, env=env))
    assert cs["initial_price"] == pytest.approx(cb["initial_price"] / SCALE, rel=1e-12)
    assert cs["shock_price"] == pytest.approx(0.95 * cs["initial_price"], rel=1e-9)
    liq = cs["liquidated_long_usd"] + cs["liquidated_short_usd"]
    liq_btc = cb["liquidated_long_usd"] + cb["liquidated_short_usd"]
    assert liq > 0 and 0.1 < liq / liq_btc < 10


def _one_error(r: CliResult, *words: str) -> str:
    assert r.exit_code == 2, (r.exit_code, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), r.stderr
    assert "Traceback" not in r.stderr
    for w in words:
        assert w in lines[0], (w, lines[0])
    return lines[0]


def test_a_store_without_open_interest_names_the_asset_and_the_series(tmp_path: Path) -> None:
    store = relabelled_store(tmp_path / "nooi.duckdb", book_totals=False)
    add_book_totals(store, tmp_path)
    with duckdb.connect(str(store)) as con:
        con.execute("DELETE FROM open_interest")
    env = {"LIQCASCADE_STORE": str(store)}
    _one_error(run_cli("liqmap", "--asset", "SOL", env=env), "SOL", "open interest")
    _one_error(run_cli("liqmap", "calibrate", "--asset", "SOL", "--bootstrap", "0", env=env),
               "SOL", "open interest")  # fmt: skip
    _one_error(run_cli("liqmap", "backtest", "--asset", "SOL", "--start", "2025-03-01",
                       "--end", "2025-03-31", env=env), "SOL", "open interest")  # fmt: skip


def test_a_store_without_book_totals_names_them(tmp_path: Path) -> None:
    store = relabelled_store(tmp_path / "nobook.duckdb", book_totals=False)
    env = {"LIQCASCADE_STORE": str(store)}
    from liqcascade.errors import InputError
    from liqcascade.market import load_market_inputs

    with pytest.raises(InputError, match=r"order-book totals for SOL.*venue all-venues") as e:
        load_market_inputs("SOL", store=store)
    assert e.value.param == "asset"
    assert run_cli("liqmap", "--asset", "SOL", env=env).exit_code == 2


def test_no_calibration_for_a_new_asset_says_how_to_fit_one(tmp_path: Path) -> None:
    store = relabelled_store(tmp_path / "nocal.duckdb", book_totals=False)
    add_book_totals(store, tmp_path)
    line = _one_error(run_cli("liqmap", "--asset", "SOL",
                              env={"LIQCASCADE_STORE": str(store)}), "SOL")  # fmt: skip
    assert "calibrat" in line


def test_recalibrating_a_shipped_asset_writes_the_stores_own_and_says_it_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import liqcascade.market._liqmap as lm
    from liqcascade.positions._expanding import TEST_MONTHS, load_asset_calibration

    shipped = load_asset_calibration("ETH", store=False)
    fitted = type(shipped)("ETH", shipped.fits[:1], {"note": "refitted"})
    seen: dict[str, Any] = {}

    def fake(asset: str, **kw: Any) -> Any:  # the fit itself is tested above
        seen.update(kw, asset=asset)
        return fitted

    monkeypatch.setattr(lm, "run_asset_calibration", fake)
    store = tmp_path / "s.duckdb"
    env = {"LIQCASCADE_STORE": str(store)}
    out = tmp_path / "eth.json"
    r = run_cli("liqmap", "calibrate", "--asset", "eth", "--out", str(out), env=env)
    assert r.exit_code == 0, r.stderr
    assert json.loads(out.read_text())["meta"] == {"note": "refitted"}
    path = tmp_path / "s.calibrations" / "book" / "ETH.json"
    assert not path.exists()  # --out leaves the store's calibration alone
    # the months from ETH's data span: the shipped ones
    assert seen["asset"] == "ETH" and tuple(seen["months"]) == TEST_MONTHS
    r = run_cli("liqmap", "calibrate", "--asset", "ETH", env=env)
    assert r.exit_code == 0, r.stderr
    err = " ".join(r.stderr.split())
    assert f"wrote the store's calibration of ETH: {path}" in err
    assert "the package ships one for ETH: the store's now wins" in err
    assert load_asset_calibration("ETH", store=store).source == f"store:{path}"
    assert load_asset_calibration("ETH", store=False).source.startswith("package:")


def test_stored_book_totals_read_back_as_ingested(sol: dict[str, Any]) -> None:
    from floats import assert_same
    from liqcascade.data._store import Store
    from liqcascade.market._inputs import book_totals_for

    want = bundled.load_book_totals("BTC", market="futures")
    got, source = book_totals_for("sol", sol["store"])
    assert source == f"store:{sol['store']}"
    assert list(got.index) == list(want.index)
    assert_same(got["bids_usd"].to_numpy(), want["bids_usd"].to_numpy())
    assert_same(got["asks_base"].to_numpy(), want["asks_base"].to_numpy() * SCALE)
    with Store(sol["store"], read_only=True) as st:  # an open store is used as it is
        again, _ = book_totals_for("SOL", st)
    assert again.equals(got)
    # ETH from a store without ETH rows: the bundled totals
    assert book_totals_for("ETH", sol["store"])[1].startswith("bundled:")
