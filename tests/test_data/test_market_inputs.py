"""Long/short ratios and order-book totals of any asset, from the store.

The fixture writes the real bundled BTC long/short ratios and all-venue futures book
totals into a fresh store under ``SOLUSDT`` (an asset the package does not bundle);
``load_series("long_short", asset="SOL")`` and ``load_book_totals("SOL")`` must then
return the bundled BTC frames. Values go in and out of the store unchanged (they are
read from files, not computed), so frames are compared exactly.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from liqcascade.data import (
    PUBLIC_KINDS,
    Store,
    book_totals_series,
    load_book_totals,
    load_series,
    long_short_series,
    read_file,
)
from liqcascade.data import bundled as datasets
from liqcascade.data._ops import export_series, ingest_files
from liqcascade.errors import InputError

INGEST = Path(__file__).resolve().parents[1] / "data" / "ingest"
MEASURES = ("global_account", "top_account", "top_position")


@pytest.fixture(scope="module")
def sol_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding BTC's bundled long/short and futures book totals as SOLUSDT."""
    path = tmp_path_factory.mktemp("sol") / "sol.duckdb"
    ls = long_short_series(datasets.load_long_short(), symbol="SOLUSDT", venue="binance")
    book = book_totals_series(
        datasets.load_book_totals("BTC", market="futures"), symbol="SOLUSDT", venue="all-venues"
    )
    with Store(path) as st:
        st.ingest([ls, book])
    return path


def write_coinglass_long_short(folder: Path, wide: pd.DataFrame) -> list[Path]:
    """The three CoinGlass long/short files (one per measure) holding ``wide``'s values."""
    out = []
    for m in MEASURES:
        col = wide[f"{m}_long_pct"].dropna()
        long_ = col.to_numpy()
        short = np.round(100.0 - long_, 2)
        df = pd.DataFrame(
            {
                "datetime_utc": col.index.strftime("%Y-%m-%d %H:%M:%S+00:00"),
                "time": (col.index.asi8 // 1000).astype(np.int64),
                f"{m}_long_percent": long_,
                f"{m}_short_percent": short,
                f"{m}_long_short_ratio": np.round(long_ / short, 2),
                "snapshot": 20250521,
            }
        )
        p = folder / f"coinglass_SOLUSDT_4h_binance_{m}_long_short_ratio.csv.gz"
        with gzip.open(p, "wt") as fh:
            df.to_csv(fh, index=False)
        out.append(p)
    return out


def test_long_short_is_a_public_kind() -> None:
    assert "long_short" in PUBLIC_KINDS


def test_store_long_short_of_new_asset_equals_bundled(sol_store: Path) -> None:
    got = load_series("long_short", asset="SOL", store=sol_store)
    want = datasets.load_long_short()
    pd.testing.assert_frame_equal(got, want, check_freq=False)
    assert got.attrs["source"] == f"store:{sol_store}"
    assert got.attrs["symbol"] == "SOLUSDT" and got.attrs["interval"] == "4h"


def test_store_book_totals_of_new_asset_equal_bundled(sol_store: Path) -> None:
    got = load_book_totals("SOL", store=sol_store)
    want = datasets.load_book_totals("BTC", market="futures")
    pd.testing.assert_frame_equal(got, want, check_freq=False)
    assert got.attrs["source"] == f"store:{sol_store}"
    assert got.attrs["interval"] == "8h"
    some = load_book_totals("SOL", store=sol_store, start="2025-03-01", end="2025-03-02")
    assert len(some) == 6 and some.index[0] == pd.Timestamp("2025-03-01", tz="UTC")


def test_store_default_from_environment(sol_store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIQCASCADE_STORE", str(sol_store))
    assert load_book_totals("SOL").attrs["source"] == f"store:{sol_store}"
    assert load_series("long_short", asset="SOL").attrs["source"] == f"store:{sol_store}"


def test_nothing_for_asset_is_an_input_error(sol_store: Path) -> None:
    with pytest.raises(InputError, match=r"futures order-book totals for DOGE.*ingest"):
        load_book_totals("DOGE", store=sol_store)
    with pytest.raises(InputError, match=r"spot order-book totals for SOL.*all-venues-spot"):
        load_book_totals("SOL", "spot", store=sol_store)
    with pytest.raises(InputError, match="no long_short DOGE"):
        load_series("long_short", asset="DOGE", store=sol_store)


def test_bundled_without_store() -> None:
    got = load_book_totals("ETH", store=False)
    assert got.attrs["source"] == "bundled:eth_futures_book_8h"
    pd.testing.assert_frame_equal(got, datasets.load_book_totals("ETH", market="futures"))
    assert load_book_totals("BTC", "binance", store=False).attrs["source"] == (
        "bundled:btc_binance_book_4h"
    )
    ls = load_series("long_short", asset="BTC", store=False)
    assert ls.attrs["source"] == "bundled:btc_long_short_4h"


def test_coinglass_long_short_files_ingest_and_read_back(tmp_path: Path) -> None:
    files = write_coinglass_long_short(tmp_path, datasets.load_long_short())
    store = tmp_path / "s.duckdb"
    res, _ = ingest_files(files, venue="binance", store=store)
    assert res.rows_added == 1507 + 1482 + 1513  # the real files' rows, one per measure
    assert {s["layout"] for s in res.series} == {"coinglass-long-short"}
    assert {s["symbol"] for s in res.series} == {"SOLUSDT"}  # from the file names
    again, _ = ingest_files(files, venue="binance", store=store)
    assert again.rows_added == 0 and again.rows_differing == 0
    got = load_series("long_short", asset="SOL", store=store)
    pd.testing.assert_frame_equal(got, datasets.load_long_short(), check_freq=False)
    with Store(store, read_only=True) as st:
        rows = st.read("long_short", symbol="SOLUSDT")
    assert set(rows["measure"]) == set(MEASURES)
    total = rows["long_pct"] + rows["short_pct"]
    np.testing.assert_allclose(total, 100.0, atol=0.006)  # each rounded to 0.01


def test_export_then_ingest_round_trip(sol_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "ls.csv"
    info = export_series("long_short", out, store=sol_store)
    assert info["rows"] == 1507 + 1482 + 1513
    (s,) = read_file(out)
    assert s.kind == "long_short" and s.layout == "canonical" and s.symbol == "SOLUSDT"
    fresh = tmp_path / "fresh.duckdb"
    res, _ = ingest_files([out], store=fresh)
    assert res.rows_added == info["rows"]
    got = load_series("long_short", asset="SOL", store=fresh)
    pd.testing.assert_frame_equal(got, datasets.load_long_short(), check_freq=False)


def test_wide_file_as_data_file(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    datasets.load_long_short().to_csv(path)
    got = load_series("long_short", asset="BTC", data_file=path)
    pd.testing.assert_frame_equal(got, datasets.load_long_short(), check_freq=False)


def test_store_rows_merged_over_bundled(tmp_path: Path) -> None:
    """BTC rows in the store win where they exist; the bundled ones fill the rest."""
    want = datasets.load_long_short()
    first = want.index[want["global_account_long_pct"].notna()][:5]
    path = tmp_path / "g.csv"
    pd.DataFrame(
        {
            "time": first.asi8 // 1000,
            "global_account_long_percent": 50.0,
            "global_account_short_percent": 50.0,
            "global_account_long_short_ratio": 1.0,
        }
    ).to_csv(path, index=False)
    store = tmp_path / "b.duckdb"
    ingest_files([path], venue="binance", symbol="BTCUSDT", store=store)
    got = load_series("long_short", asset="BTC", store=store)
    assert got.attrs["source"] == f"store:{store} + bundled:btc_long_short_4h"
    expect = want.copy()
    expect.loc[first, "global_account_long_pct"] = 50.0
    pd.testing.assert_frame_equal(got, expect, check_freq=False)


def test_real_book_totals_files_merge_with_bundled(tmp_path: Path) -> None:
    """The real ETH futures book-totals file (a slice) under its market label."""
    store = tmp_path / "e.duckdb"
    name = "coinglass_ETH_8h_futures_orderbook_bids_asks_usd.csv.gz"
    res, _ = ingest_files([INGEST / name], venue="all-venues", store=store)
    assert res.series[0]["symbol"] == "ETHUSDT" and res.series[0]["interval"] == "8h"
    got = load_book_totals("ETH", store=store)
    assert got.attrs["source"] == f"store:{store} + bundled:eth_futures_book_8h"
    pd.testing.assert_frame_equal(got, datasets.load_book_totals("ETH", market="futures"))
    spot = INGEST / "coinglass_ETH_4h_spot_orderbook_bids_asks_usd.csv.gz"
    ingest_files([spot], venue="all-venues-spot", store=store)
    s = load_book_totals("ETH", "spot", store=store)
    assert s.attrs["venue"] == "all-venues-spot" and s.attrs["interval"] == "4h"
    # the futures book is still the futures one
    assert load_book_totals("ETH", store=store).attrs["venue"] == "all-venues"


def test_unlabelled_book_totals_are_not_read_as_futures(tmp_path: Path) -> None:
    store = tmp_path / "u.duckdb"
    name = "coinglass_ETH_4h_spot_orderbook_bids_asks_usd.csv.gz"
    res, _ = ingest_files([INGEST / name], symbol="SOLUSDT", store=store)
    assert any("no venue given" in w and "all-venues-spot" in w for w in res.warnings)
    with pytest.raises(InputError, match=r"under venue unknown.*with venue all-venues"):
        load_book_totals("SOL", store=store)


_HEAD = "time,top_account_long_percent,top_account_short_percent,top_account_long_short_ratio\n"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (["1732665600000,120,-20,1.4"], r"data row 1: long_pct must be a percentage in \[0, 100\]"),
        (["1732665600000,59.65,40.35,1.48", "1732680000000,-1,101,0.5"], "data row 2: long_pct"),
        (["1732665600000,59.65,,1.48"], "data row 1: short_pct is missing"),
        (["1732665600000,59.65,40.35,1.48", "1732680000000,,41.76,1.4"], "data row 2: long_pct"),
        (["1732665600000,59.65,40.35,0"], "data row 1: long_short_ratio must be > 0"),
        (["1732665600000,0.5965,0.4035,1.48"], "data row 1: .* not 100 .*fractions"),
        (["1732665600000,59.65,40.35,3.1"], "data row 1: long_short_ratio 3.1 does not match"),
        (["1732665600000,59.65,40.35,nan"], "data row 1: long_short_ratio is missing"),
    ],
)
def test_bad_long_short_rows_refused(tmp_path: Path, rows: list[str], message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(_HEAD + "\n".join(rows) + "\n")
    with pytest.raises(InputError, match=message):
        read_file(path, symbol="SOLUSDT", interval="4h")


def test_bad_file_leaves_store_untouched(tmp_path: Path) -> None:
    files = write_coinglass_long_short(tmp_path, datasets.load_long_short())
    bad = tmp_path / "bad.csv"
    bad.write_text(_HEAD + "1732665600000,59.65,40.35,1.48\n1732680000000,120,-20,1.4\n")
    store = tmp_path / "t.duckdb"
    ingest_files(files[:1], venue="binance", store=store)
    before = store.read_bytes()
    with pytest.raises(InputError, match=r"bad.csv: data row 2: long_pct"):
        ingest_files([files[1], bad], venue="binance", symbol="SOLUSDT", store=store)
    assert store.read_bytes() == before
