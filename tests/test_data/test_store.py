"""The store: idempotent and atomic ingest (incl. SIGKILL mid-way), list, export, env."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clihelpers import run_cli
from liqcascade.data import Store, _store, read_file

INGEST = Path(__file__).resolve().parents[1] / "data" / "ingest"
HOURLY = INGEST / "ETHUSDT_1h_binance_spot.csv.gz"
LIQ = INGEST / "coinglass_ETH_4h_liquidations_binance.csv.gz"
OI = INGEST / "coinglass_ETH_4h_open_interest_all_venues_usd.csv.gz"


def read_all(store: Path) -> dict[str, pd.DataFrame]:
    with Store(store, read_only=True) as s:
        return {k: s.read(k) for k in ("ohlcv", "liquidations", "open_interest")}


def assert_same_rows(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    """Two :func:`read_all` reads hold the same tables, row for row (read back: exact)."""
    assert a.keys() == b.keys()
    for k in a:
        pd.testing.assert_frame_equal(a[k], b[k])


def test_idempotent_ingest(cli, store_path: Path) -> None:
    r1 = cli("data", "ingest", str(HOURLY), str(LIQ), "--store", str(store_path), "--json")
    assert r1.exit_code == 0, r1.stderr
    j1 = r1.json()
    assert (j1["files"], j1["rows_read"], j1["rows_added"], j1["rows_total"]) == (2, 106, 106, 106)
    before = read_all(store_path)
    r2 = cli("data", "ingest", str(LIQ), str(HOURLY), "--store", str(store_path), "--json")
    j2 = r2.json()
    assert (j2["rows_read"], j2["rows_added"], j2["rows_total"]) == (106, 0, 106)
    after = read_all(store_path)
    assert_same_rows(before, after)
    # stored values are the file's
    ohlcv = after["ohlcv"]
    assert ohlcv["close"].iloc[0] == 2307.06 and len(ohlcv) == 46
    assert ohlcv["ts"].iloc[0] == pd.Timestamp("2023-12-30 01:00", tz="UTC")


def test_overlapping_files_in_one_call(tmp_path: Path, cli, store_path: Path, gen) -> None:
    b = gen.bars(30)
    a = gen.write_csv(tmp_path / "a.csv", b.iloc[:20].assign(ts=lambda d: d["ts"].astype(str)))
    c = gen.write_csv(tmp_path / "c.csv", b.iloc[10:].assign(ts=lambda d: d["ts"].astype(str)))
    r = cli("data", "ingest", str(a), str(c), "--store", str(store_path), "--json")
    assert r.json()["rows_read"] == 40
    assert r.json()["rows_added"] == 30


def test_differing_values_kept_and_warned(tmp_path: Path, cli, store_path: Path, gen) -> None:
    b = gen.bars(10)
    p1 = gen.write_csv(tmp_path / "a.csv", b)
    cli("data", "ingest", str(p1), "--store", str(store_path))
    b2 = b.copy()
    b2.loc[3, "volume"] = 999999.0
    p2 = gen.write_csv(tmp_path / "b.csv", b2)
    r = cli("data", "ingest", str(p2), "--store", str(store_path), "--json")
    assert r.json()["rows_added"] == 0 and r.json()["rows_differing"] == 1
    old, new = b["volume"].iloc[3], 999999
    # the file, the series, the time and one value both ways (it named none of them)
    assert f"warning: {p2}: 1 row was already stored with different values (ohlcv " in r.stderr
    assert (
        f"unknown/ETHUSDT/1h at 2024-03-01 03:00; at 2024-03-01 03:00 volume is {old:.10g} "
        f"stored, {new} in the file); the stored values were kept"
    ) in r.stderr
    b3 = b.copy()
    b3["close"] = b3["close"] + 1  # every row differs: the first three times, then a count
    b3["high"] = b3[["high", "close"]].max(axis=1)
    p3 = gen.write_csv(tmp_path / "c.csv", b3)
    r = cli("data", "ingest", str(p3), "--store", str(store_path), "--json")
    (w,) = [w for w in r.json()["warnings"] if "different values" in w]
    assert w.startswith(
        f"{p3}: 10 rows were already stored with different values (ohlcv unknown/ETHUSDT/1h "
        "at 2024-03-01 00:00, 2024-03-01 01:00, 2024-03-01 02:00 and 7 more; at 2024-03-01 "
        "00:00 "
    )
    with Store(store_path, read_only=True) as s:
        assert s.read("ohlcv")["volume"].iloc[3] == b["volume"].iloc[3]
    # the text output says it too, and how to use the file's values (clia22: exit 0 and
    # "rows added 0" on stdout, the why only on stderr)
    r = cli("-q", "data", "ingest", str(p3), "--store", str(store_path))
    assert r.exit_code == 0
    assert r.stdout.splitlines()[-1] == (
        "10 rows of the file were already stored with other values: the stored values were "
        "kept (data ingest replaces no stored row; to use the file's, ingest it into a new "
        "store, --store NEW.duckdb)"
    )
    assert "already stored" not in cli("data", "ingest", str(p1), "--store", str(store_path)).stdout


def test_env_store_and_list(cli, tmp_path: Path) -> None:
    env = {"LIQCASCADE_STORE": str(tmp_path / "env.duckdb")}
    r = cli("data", "ingest", str(OI), "--venue", "coinglass", "--json", env=env)
    assert r.exit_code == 0 and r.json()["store"] == env["LIQCASCADE_STORE"]
    r = cli("data", "list", "--json", env=env)
    (row,) = r.json()["series"]
    assert row == {
        "kind": "open_interest",
        "venue": "coinglass",
        "symbol": "ETHUSDT",
        "interval": "4h",
        "first": "2024-11-22T20:00:00+00:00",
        "last": "2024-12-02T16:00:00+00:00",
        "rows": 60,
        "gaps": 0,
        "largest_gap": None,
        "largest_gap_s": None,
    }
    r = cli("data", "list", env=env)
    assert r.exit_code == 0 and "coinglass" in r.stdout


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_export_roundtrip(tmp_path: Path, cli, store_path: Path, suffix: str) -> None:
    cli("data", "ingest", str(HOURLY), "--venue", "binance", "--store", str(store_path))
    out = tmp_path / f"out{suffix}"
    r = cli(
        "data",
        "export",
        "--kind",
        "ohlcv",
        "--symbol",
        "ETHUSDT",
        "--out",
        str(out),
        "--store",
        str(store_path),
        "--json",
    )
    assert r.exit_code == 0, r.stderr
    assert r.json()["rows"] == 46
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]  # no temp left
    # re-ingesting the export into a fresh store gives the same rows
    fresh = tmp_path / "fresh.duckdb"
    r2 = cli("data", "ingest", str(out), "--store", str(fresh), "--json")
    assert r2.json()["rows_added"] == 46
    assert r2.json()["series"][0]["venue"] == "binance"
    a, b = read_all(store_path)["ohlcv"], read_all(fresh)["ohlcv"]
    pd.testing.assert_frame_equal(a, b)


def test_export_errors(tmp_path: Path, cli, store_path: Path) -> None:
    cli("data", "ingest", str(HOURLY), "--store", str(store_path))
    cli("data", "ingest", str(HOURLY), "--venue", "other", "--store", str(store_path))
    r = cli(
        "data",
        "export",
        "--kind",
        "ohlcv",
        "--out",
        str(tmp_path / "x.csv"),
        "--store",
        str(store_path),
    )
    assert r.exit_code == 2 and "2 stored ohlcv series match" in r.stderr
    r = cli(
        "data",
        "export",
        "--kind",
        "ohlcv",
        "--out",
        str(tmp_path / "x.txt"),
        "--store",
        str(store_path),
    )
    assert r.exit_code == 2 and "--out must end in .parquet or .csv" in r.stderr
    # a folder (`--out f/`) read as a file named 'f' (clia22): it says it is a folder
    folder = tmp_path / "f"
    folder.mkdir()
    r = cli("data", "export", "--kind", "ohlcv", "--out", f"{folder}/", "--store", str(store_path))
    assert r.exit_code == 2 and r.stderr.strip() == (
        f"error: --out: {folder} is a folder: give a file, ending in .parquet or .csv (such "
        f"as {folder / 'series.parquet'})"
    )
    r = cli(
        "data",
        "export",
        "--kind",
        "funding",
        "--out",
        str(tmp_path / "x.csv"),
        "--store",
        str(store_path),
    )
    assert r.exit_code == 2 and "no stored funding series" in r.stderr


def test_liquidation_events_and_depth_roundtrip(tmp_path: Path, gen, store_path: Path) -> None:
    ev = read_file(gen.write_csv(tmp_path / "l.csv", gen.liquidation_snapshot()))
    dp = read_file(gen.write_csv(tmp_path / "d.csv", gen.book_depth()))
    with Store(store_path) as s:
        res = s.ingest([*ev, *dp])
        assert res.rows_added == 4 + 30
        listing = s.list_series()
        got = s.read("liquidation_events")
    assert set(listing["kind"]) == {"liquidations", "depth"}
    assert listing.set_index("kind").loc["liquidations", "interval"] == "events"
    assert got["qty"].sum() == pytest.approx(5.45)


def _big_klines(path: Path, n: int) -> None:
    rng = np.random.default_rng(7)
    t = 1_500_000_000_000 + 60_000 * np.arange(n, dtype=np.int64)
    c = 2000 + np.cumsum(rng.normal(0, 1, n))
    o = np.r_[2000.0, c[:-1]]
    h = np.maximum(o, c) + 1
    lo = np.minimum(o, c) - 1
    df = pd.DataFrame({"ts": t, "open": o, "high": h, "low": lo, "close": c, "volume": 1.0})
    df.to_csv(path, index=False, float_format="%.4f")


_KILL_CHILD = r"""
import sys, time
sys.path[:0] = [{src!r}]
from pathlib import Path
from liqcascade.data import Store
from liqcascade.cli import main
orig = Store.ingest
def slow(self, series, on_progress=None, **kw):
    def hook(done, total):
        if on_progress is not None:
            on_progress(done, total)
        if done >= 10_000:  # 5 chunks of 2,000 inserted, not committed
            # written whole, then renamed: the parent polls for the name and reads it at
            # once (a plain write_text let it read the created, still empty file)
            Path({marker!r} + ".tmp").write_text(str(done))
            Path({marker!r} + ".tmp").replace({marker!r})
            time.sleep(60)  # killed here, inside the open transaction
    return orig(self, series, on_progress=hook, **kw)
Store.ingest = slow
sys.exit(main(["data", "ingest", {big!r}, "--symbol", "TESTUSDT", "--store", {store!r}]))
"""


def test_sigkill_mid_ingest_leaves_store_as_before(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    with Store(store) as s:
        s.ingest([*read_file(HOURLY), *read_file(LIQ)])
    before = read_all(store)
    big = tmp_path / "big.csv"
    _big_klines(big, 60_000)
    env = {**os.environ, "LIQCASCADE_INGEST_CHUNK": "2000"}
    marker = tmp_path / "inserted"
    src = str(Path(__file__).resolve().parents[2] / "src")
    script = _KILL_CHILD.format(src=src, marker=str(marker), big=str(big), store=str(store))
    # the child holds its transaction open once 10,000 rows are in: the kill always lands
    # inside it, however slowly this process is scheduled
    proc = subprocess.Popen(
        [sys.executable, "-c", script], env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    seen = int(marker.read_text()) // 2000 if marker.exists() else 0
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert seen == 5
    assert proc.returncode == -signal.SIGKILL
    assert proc.stdout is not None and proc.stdout.read() == ""  # never reported success
    assert_same_rows(before, read_all(store))
    with Store(store) as s:  # the store still takes writes
        assert s.count() == 106
        assert s.ingest(read_file(OI)).rows_added == 60


def _killed_mid_ingest(tmp_path: Path, store: Path) -> subprocess.CompletedProcess[str]:
    """A ``data ingest`` of 60,000 bars into ``store``, SIGKILLed inside its transaction."""
    big = tmp_path / "big.csv"
    _big_klines(big, 60_000)
    env = {**os.environ, "LIQCASCADE_INGEST_CHUNK": "2000"}
    marker = tmp_path / "inserted"
    src = str(Path(__file__).resolve().parents[2] / "src")
    script = _KILL_CHILD.format(src=src, marker=str(marker), big=str(big), store=str(store))
    proc = subprocess.Popen(
        [sys.executable, "-c", script], env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), proc.stderr.read() if proc.stderr else ""
    os.kill(proc.pid, signal.SIGKILL)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL and out == ""  # never reported success
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_sigkill_mid_ingest_into_a_new_store_leaves_no_store(tmp_path: Path) -> None:
    """The store file was created first and filled in the transaction: a kill left an
    empty store, which ``data list`` then listed as one holding nothing (exit 0)."""
    store = tmp_path / "new" / "s.duckdb"
    _killed_mid_ingest(tmp_path, store)
    assert not store.exists() and not store.with_name("s.duckdb.wal").exists()
    left = sorted(p.name for p in store.parent.iterdir())
    assert left and all(n.startswith(".s.duckdb.") and ".partial" in n for n in left), left
    r = run_cli("data", "list", "--store", str(store))
    assert r.exit_code == 2 and r.stderr == f"error: --store: {store}: no such store\n"
    # the next ingest into it makes the store, and removes what the killed one left
    r = run_cli("data", "ingest", str(OI), "--store", str(store))
    assert r.exit_code == 0, r.stderr
    assert sorted(p.name for p in store.parent.iterdir()) == ["s.duckdb"]
    with Store(store, read_only=True) as s:
        assert s.count() == 60


def test_reading_a_missing_store_creates_none(tmp_path: Path) -> None:
    """A writable Store's first read made the file (an empty store, as a kill left)."""
    store = tmp_path / "s.duckdb"
    with Store(store) as s:
        assert s.list_series().empty and s.count() == 0 and s.read("ohlcv").empty
    assert not store.exists()
    with Store(store) as s:
        assert s.ingest(read_file(OI)).rows_added == 60
        assert s.count() == 60  # the same object reads the store it made
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.duckdb"]  # no .wal, no partial


def test_a_new_store_another_process_made_meanwhile_takes_the_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two ingests into one new path: the second to finish adds its rows to the first's
    store rather than replacing it."""
    store = tmp_path / "s.duckdb"
    orig = _store.Store._publish

    def first_made_by_another(self: Store, temp: Path, final: Path) -> bool:
        if not final.exists():  # another process's ingest commits its store now
            code = "import sys; from liqcascade.cli import main; sys.exit(main(sys.argv[1:]))"
            subprocess.run(
                [sys.executable, "-c", code, "data", "ingest", str(LIQ), "--store", str(final)],
                env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")},
                check=True, capture_output=True,
            )  # fmt: skip
        return orig(self, temp, final)

    monkeypatch.setattr(_store.Store, "_publish", first_made_by_another)
    with Store(store) as s:
        assert s.ingest(read_file(OI)).rows_added == 60
    with Store(store, read_only=True) as s:
        assert s.count("open_interest") == 60 and s.count("liquidations") == 60
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.duckdb"]


def test_two_files_same_label_different_data_rejected(tmp_path: Path, cli, gen) -> None:
    # e.g. a BTC and an ETH file, neither naming its symbol (in content or name)
    store = tmp_path / "s.duckdb"
    eth = gen.write_csv(tmp_path / "first.csv", gen.bars(10, seed=1))
    btc_bars = gen.bars(10, seed=2)
    btc_bars[["open", "high", "low", "close"]] *= 20
    btc = gen.write_csv(tmp_path / "second.csv", btc_bars)
    r = cli("data", "ingest", str(eth), str(btc), "--store", str(store))
    assert r.exit_code == 2  # labelled ETHUSDT, 20x the bundled ETH prices: a level refusal
    assert r.stderr.strip().startswith(f"error: {btc}: ohlcv ETHUSDT 1h: median close")
    assert "give --symbol" in r.stderr and not store.exists()
    near = gen.bars(10, seed=2)  # another market at ETH's level: the label conflict
    near[["open", "high", "low", "close"]] *= 1.2
    btc = gen.write_csv(tmp_path / "second.csv", near)
    r = cli("data", "ingest", str(eth), str(btc), "--store", str(store))
    assert r.exit_code == 2
    assert r.stderr.strip().startswith(f"error: {btc}: conflicts with {eth} at 2024-03-01")
    assert "ohlcv/unknown/ETHUSDT/1h" in r.stderr
    assert "give --symbol/--venue to tell them apart" in r.stderr  # the flags, not params
    assert not store.exists()
    r = cli("data", "ingest", str(btc), "--symbol", "TESTUSDT", "--store", str(store), "--json")
    assert r.exit_code == 0 and r.json()["rows_added"] == 10


def test_symbol_from_the_file_name(tmp_path: Path, cli, gen) -> None:
    """D21: a file without a symbol column is labelled by the market its name names."""
    store = tmp_path / "s.duckdb"
    eth = gen.write_csv(tmp_path / "eth_1h.csv", gen.bars(10, seed=1))
    btc_bars = gen.bars(10, seed=2)
    btc_bars[["open", "high", "low", "close"]] *= 20
    btc = gen.write_csv(tmp_path / "BTCUSDT_1h.csv", btc_bars)
    r = cli("data", "ingest", str(eth), str(btc), "--store", str(store), "--json")
    assert r.exit_code == 0, r.stderr
    assert [s["symbol"] for s in r.json()["series"]] == ["ETHUSDT", "BTCUSDT"]
    assert "labelled BTCUSDT from the file name" in r.stderr
    real = cli("data", "ingest", str(gen.INGEST / "BTCUSDT_1d_binance_spot.csv.gz"),
               "--venue", "binance", "--store", str(store), "--json")  # fmt: skip
    assert real.exit_code == 0 and real.json()["series"][0]["symbol"] == "BTCUSDT"
    both = gen.write_csv(tmp_path / "eth_vs_btc.csv", gen.bars(10, seed=3))
    r = cli("data", "ingest", str(both), "--store", str(store))
    assert r.exit_code == 2
    assert r.stderr.strip() == (
        f"error: {both}: --symbol: the file name names ETH and BTC; give the symbol"
    )


def test_ingest_into_a_file_that_is_not_a_store(tmp_path: Path, cli, gen) -> None:
    """C17: --store naming an existing non-DuckDB file: exit 2, file untouched, no rows."""
    victim = tmp_path / "victim.csv"
    victim.write_text("ts,price\n1,2\n")
    before = victim.read_bytes()
    src = gen.write_csv(tmp_path / "eth.csv", gen.bars(10, seed=1))
    r = cli("data", "ingest", str(src), "--store", str(victim), "--json")
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.strip().startswith(f"error: --store: {victim}: cannot open: not a DuckDB store")
    assert victim.read_bytes() == before


def test_small_appends_store_the_same_rows_as_the_frame_path(
    tmp_path: Path, gen, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A small append-only series goes in as one INSERT ... VALUES: the stored rows
    (NaN as NULL, text columns, key columns) equal those of the registered-frame path."""
    from liqcascade.data import _store

    liq = gen.liquidation_snapshot()
    liq.loc[1, "average_price"] = np.nan  # an optional value missing: NULL either way
    ev = read_file(gen.write_csv(tmp_path / "l.csv", liq))
    dp = read_file(gen.write_csv(tmp_path / "d.csv", gen.book_depth()))
    px = read_file(gen.write_csv(tmp_path / "k.csv", gen.klines_frame(gen.bars(12))))
    series = [*ev, *dp, *px]
    kinds = ("liquidation_events", "depth", "ohlcv")
    out = {}
    for name, rows in (("values", 256), ("frame", 0)):
        monkeypatch.setattr(_store, "_VALUES_ROWS", rows)
        with Store(tmp_path / f"{name}.duckdb") as s:
            res = s.ingest(series, count_total=False)
            assert res.rows_added == sum(x.rows for x in series) and res.rows_total == 0
            again = s.ingest(series)  # idempotent either way
            assert again.rows_added == 0 and again.rows_total == res.rows_added
            out[name] = {k: s.read(k) for k in kinds}
    assert out["values"]["liquidation_events"]["average_price"].isna().sum() == 1
    for k in kinds:
        assert len(out["values"][k]) > 0
        pd.testing.assert_frame_equal(out["values"][k], out["frame"][k])  # read back: exact


def test_list_counts_gaps_as_integers_beside_the_watch_snapshots(cli, store_path: Path) -> None:
    """store30 item 7: a store with the watch's depth snapshots (events, no gap count)
    listed its bar series' gaps as "0.0 gaps" and the snapshots' as "nan gaps" (the
    column held ints and None: pandas made it float). A count is an integer; a series of
    events prints no gap count at all (JSON ``null``)."""
    from liqcascade.data import SeriesFrame

    assert cli("data", "ingest", str(HOURLY), "--venue", "binance", "--store",
               str(store_path)).exit_code == 0  # fmt: skip
    ts = pd.Timestamp("2024-01-02 00:00:30", tz="UTC").as_unit("us")
    snap = pd.DataFrame({"ts": [ts, ts], "side": ["bid", "ask"], "distance": [0.01, 0.01],
                         "notional_usd": [1.5e7, 1.4e7], "depth_base": [6500.0, 6000.0],
                         "_row": [1, 2]})  # fmt: skip
    with Store(store_path) as s:  # as the watch stores a poll's book
        s.ingest([SeriesFrame(kind="depth", venue="binance", symbol="ETHUSDT",
                              interval="events", frame=snap, file="binance order book",
                              layout="ccxt-order-book")])  # fmt: skip
    r = cli("data", "list", "--store", str(store_path), "--json")
    gaps = {s["kind"]: s["gaps"] for s in r.json()["series"]}
    assert gaps == {"ohlcv": 1, "depth": None}
    assert type(gaps["ohlcv"]) is int
    r = cli("data", "list", "--store", str(store_path))
    assert r.exit_code == 0, r.stderr
    rows = {ln.split()[0]: ln for ln in r.stdout.splitlines() if ln.startswith(("ohlcv", "depth"))}
    assert rows["ohlcv"].endswith("46 rows 1 gap (largest 1 d 4 h)")
    assert rows["depth"].endswith("2 rows")  # no count for events: not "nan gaps"
    assert "nan gap" not in r.stdout and ".0 gap" not in r.stdout
