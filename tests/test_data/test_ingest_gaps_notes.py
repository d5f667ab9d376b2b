"""Ingest: notes vs warnings, ``--drop-missing``, Binance's long/short fractions, book totals.

Every file here is real data or derived from it: CoinGlass excerpts under
``tests/data/ingest`` and the bundled BTC taker and long/short series written back in
their source layouts.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clihelpers import run_cli
from floats import assert_same
from liqcascade.data import Store, load_book_totals, load_series, read_file
from liqcascade.data import bundled as datasets
from liqcascade.errors import InputError

GIVE = "give the symbol if it is another market"  # never "pass --symbol": a library warning
INGEST = Path(__file__).resolve().parents[1] / "data" / "ingest"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _lines(text: str, prefix: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.startswith(prefix)]


# -- notes, not warnings -----------------------------------------------------------------
def test_documented_conversions_are_notes_not_warnings(tmp_path: Path, cli) -> None:
    files = [
        INGEST / "coinglass_ETH_4h_open_interest_all_venues_usd.csv.gz",
        INGEST / "coinglass_ETH_4h_funding_oi_weighted.csv.gz",
        INGEST / "coinglass_ETH_8h_futures_orderbook_bids_asks_usd.csv.gz",
    ]
    store = tmp_path / "s.duckdb"
    args = ("data", "ingest", *map(str, files), "--symbol", "ETHUSDT", "--venue", "all-venues")
    r = cli(*args, "--store", str(store))
    assert r.exit_code == 0, r.stderr
    notes = _lines(r.stderr, "note: ")
    assert len(notes) == 3, r.stderr
    assert any("open-interest OHLC read as USD" in n for n in notes)
    assert any("funding OHLC read as CoinGlass percent per 8 h" in n for n in notes)
    assert any("order-book totals stored as depth at distance 0.01" in n for n in notes)
    assert _lines(r.stderr, "warning:") == []
    j = cli(*args, "--store", str(tmp_path / "j.duckdb"), "--json")
    out = j.json()
    assert out["warnings"] == [] and len(out["notes"]) == 3
    assert [n.removeprefix("note: ") for n in notes] == out["notes"]
    # -q hides notes; a warning (no symbol, and a file name naming no asset) still shows
    unnamed = tmp_path / "open_interest_4h.csv.gz"
    unnamed.write_bytes(files[0].read_bytes())
    q = cli("-q", "data", "ingest", str(unnamed), "--store", str(tmp_path / "q.duckdb"))
    assert q.exit_code == 0 and "note:" not in q.stderr
    assert "warning:" in q.stderr and f"labelled ETHUSDT ({GIVE})" in q.stderr


def test_a_file_name_naming_eth_is_a_note_not_a_warning(tmp_path: Path, cli) -> None:
    """docs/data.md: a name naming the asset labels the file, with a note (ETH as BTC).

    Before, a name naming ETH fell into the no-name branch and warned "pass --symbol".
    """
    real = INGEST / "coinglass_ETH_4h_liquidations_binance.csv.gz"
    r = cli("data", "ingest", str(real), "--venue", "binance", "--store",
            str(tmp_path / "a.duckdb"), "--json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    out = r.json()
    assert out["warnings"] == []
    assert [s["symbol"] for s in out["series"]] == ["ETHUSDT"]
    assert any("labelled ETHUSDT from the file name" in n for n in out["notes"])
    # the same bytes under a name that names no asset: labelled ETHUSDT with a warning
    unnamed = tmp_path / "liquidations_4h_binance.csv.gz"
    unnamed.write_bytes(real.read_bytes())
    w = cli("data", "ingest", str(unnamed), "--venue", "binance", "--store",
            str(tmp_path / "b.duckdb"), "--json")  # fmt: skip
    assert w.exit_code == 0, w.stderr
    assert [s["symbol"] for s in w.json()["series"]] == ["ETHUSDT"]
    assert any(f"labelled ETHUSDT ({GIVE})" in x for x in w.json()["warnings"])
    assert not any("from the file name" in n for n in w.json()["notes"])


def test_library_reader_keeps_notes_apart() -> None:
    (s,) = read_file(INGEST / "coinglass_ETH_8h_funding_binance.csv.gz", symbol="ETHUSDT")
    assert any("percent per 8 h" in n for n in s.notes)
    assert s.warnings == []
    df = load_series("funding", data_file=INGEST / "coinglass_ETH_8h_funding_binance.csv.gz")
    assert df.attrs["warnings"] == [] and len(df.attrs["notes"]) == 1


# -- --drop-missing ----------------------------------------------------------------------
def _btc_taker_csv(path: Path, frame: pd.DataFrame | None = None) -> Path:
    """The bundled BTC taker series in CoinGlass's layout (time ms, buy_usd, sell_usd).

    The bundle keeps the source file's 233 rows without a ``taker_*`` value as NaN (the
    first at data row 164), as the file the newuser review ingested.
    """
    d = datasets.load("btc_taker_4h") if frame is None else frame
    ts = pd.DatetimeIndex(d.index if "ts" not in d.columns else d["ts"])
    out = pd.DataFrame({"time": ts.as_unit("ms").asi8, "buy_usd": d["buy_usd"].to_numpy(),
                        "sell_usd": d["sell_usd"].to_numpy()})  # fmt: skip
    out.to_csv(path, index=False)
    return path


def test_a_gap_refuses_the_file_by_default_naming_row_and_option(tmp_path: Path, cli) -> None:
    src = _btc_taker_csv(tmp_path / "coinglass_BTC_4h_taker_buy_sell.csv")
    store = tmp_path / "s.duckdb"
    ok = INGEST / "coinglass_ETH_4h_liquidations_binance.csv.gz"
    assert (
        cli("data", "ingest", str(ok), "--venue", "binance", "--store", str(store)).exit_code == 0
    )
    before = _digest(store)
    r = cli("data", "ingest", str(src), "--store", str(store))
    assert r.exit_code == 2
    (line,) = r.stderr.strip().splitlines()
    assert line == (
        f"error: {src}: data row 164 (file line 165): buy_usd is missing, NaN or infinite; "
        "--drop-missing leaves such rows out (counted in a warning)"
    )
    assert _digest(store) == before
    # the library names the file and row, and its own parameter
    with pytest.raises(InputError, match="data row 164: buy_usd") as exc:
        read_file(src)
    assert "drop" not in str(exc.value)  # read_file alone: the hint belongs to ingest


def test_drop_missing_stores_every_other_row_and_counts_them(tmp_path: Path, cli) -> None:
    bundled = datasets.load("btc_taker_4h")
    src = _btc_taker_csv(tmp_path / "coinglass_BTC_4h_taker_buy_sell.csv")
    store = tmp_path / "s.duckdb"
    r = cli("data", "ingest", str(src), "--symbol", "BTCUSDT", "--drop-missing",
            "--store", str(store), "--json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    out = r.json()
    missing = bundled["buy_usd"].isna().to_numpy()
    want_rows = (np.flatnonzero(missing) + 1).tolist()
    assert (out["rows_dropped"], out["rows_added"]) == (233, 927)
    (s,) = out["series"]
    assert s["rows"] == 927 and s["rows_dropped"] == 233
    assert s["dropped_rows_first"] == want_rows[:5] == [164, 170, 176, 182, 188]
    (w,) = _lines(r.stderr, "warning: ")
    assert "dropped 233 data rows missing a required value" in w
    assert "data rows 164, 170, 176, 182, 188, ..." in w and "927 kept" in w
    assert out["warnings"] == [w.removeprefix("warning: ")]
    with Store(store, read_only=True) as st:
        got = st.read("taker", venue="unknown", symbol="BTCUSDT", interval="4h")
    want = bundled[~missing]
    assert list(pd.DatetimeIndex(got["ts"]).tz_localize(None)) == list(
        pd.DatetimeIndex(want.index).tz_localize(None)
    )
    assert_same(got[["buy_usd", "sell_usd"]].to_numpy(), want[["buy_usd", "sell_usd"]].to_numpy())


def test_drop_missing_on_one_blanked_cell_and_a_failed_call(tmp_path: Path, cli) -> None:
    full = datasets.load("btc_taker_4h").dropna().iloc[:40].copy()
    full.iloc[6, full.columns.get_loc("sell_usd")] = np.nan  # data row 7 (file line 8)
    src = _btc_taker_csv(tmp_path / "btc_taker.csv", full)
    store = tmp_path / "s.duckdb"
    r = cli("data", "ingest", str(src), "--store", str(store))
    assert r.exit_code == 2 and "data row 7 (file line 8): sell_usd is missing" in r.stderr
    assert not store.exists()  # refused before the store is opened
    # --drop-missing with another, bad file in the call: nothing is written
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "time,open,high,low,close,volume\n1704067200,100,90,95,98,1\n1704070800,98,99,97,98,1\n"
    )
    r = cli("data", "ingest", str(src), str(bad), "--drop-missing", "--store", str(store))
    assert r.exit_code == 2 and "data row 1 (file line 2): high 90 is below" in r.stderr
    assert not store.exists()
    r = cli("data", "ingest", str(src), "--drop-missing", "--store", str(store), "--json")
    assert r.exit_code == 0
    assert r.json()["rows_added"] == 39 and r.json()["series"][0]["dropped_rows_first"] == [7]
    # other rules still refuse: a negative value is an error, not a dropped row
    neg = full.fillna(1.0)
    neg.iloc[3, neg.columns.get_loc("buy_usd")] = -5.0
    r = cli("data", "ingest", str(_btc_taker_csv(tmp_path / "neg.csv", neg)), "--drop-missing",
            "--store", str(tmp_path / "n.duckdb"))  # fmt: skip
    assert r.exit_code == 2 and "data row 4 (file line 5): buy_usd must be >= 0" in r.stderr


def test_drop_missing_keeps_nothing_is_an_error(tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    p.write_text("time,buy_usd,sell_usd\n1733875200000,,\n1733889600000,,\n")
    with pytest.raises(InputError, match="every data row lacks a required value"):
        read_file(p, drop_missing=True, interval="4h")


# -- Binance's long/short ratios (fractions) ----------------------------------------------
def _binance_rows(measure: str, n: int = 40) -> tuple[pd.DataFrame, pd.Series]:
    """Real BTC ratios (bundled, percent long) in Binance's API layout (fractions)."""
    wide = datasets.load_long_short(asset="BTC")[f"{measure}_long_pct"].dropna().iloc[:n]
    long_ = (wide / 100.0).round(4)
    short = (1.0 - long_).round(4)
    raw = pd.DataFrame({
        "symbol": "BTCUSDT",
        "longShortRatio": (long_ / short).round(4).map("{:.4f}".format),
        "longAccount": long_.map("{:.4f}".format),
        "shortAccount": short.map("{:.4f}".format),
        "timestamp": pd.DatetimeIndex(wide.index).as_unit("ms").asi8,
    })  # fmt: skip
    return raw.reset_index(drop=True), wide


@pytest.mark.parametrize("measure", ["global_account", "top_account", "top_position"])
def test_binance_long_short_csv_reads_as_percent(tmp_path: Path, measure: str) -> None:
    raw, wide = _binance_rows(measure)
    endpoint = {"global_account": "globalLongShortAccountRatio",
                "top_account": "topLongShortAccountRatio",
                "top_position": "topLongShortPositionRatio"}[measure]  # fmt: skip
    p = tmp_path / f"BTCUSDT_{endpoint}_4h.csv"
    raw.to_csv(p, index=False)
    (s,) = read_file(p)
    assert (s.layout, s.kind, s.venue, s.symbol, s.interval) == (
        "binance-long-short",
        "long_short",
        "binance",
        "BTCUSDT",
        "4h",
    )
    assert set(s.frame["measure"]) == {measure}
    assert_same(s.frame["long_pct"].to_numpy(), wide.to_numpy())  # 2-decimal percent back
    assert_same((s.frame["long_pct"] + s.frame["short_pct"]).to_numpy(), 100.0)
    assert any("stored as percent" in n for n in s.notes) and s.warnings == []


def test_binance_long_short_json_ingests_with_measure(tmp_path: Path, cli) -> None:
    raw, wide = _binance_rows("top_position")
    # the API's own shape: a JSON list of objects, numbers as strings
    p = tmp_path / "ratios.json"
    p.write_text(json.dumps(raw.assign(timestamp=raw["timestamp"].astype(int)).to_dict("records")))
    store = tmp_path / "s.duckdb"
    r = cli("data", "ingest", str(p), "--store", str(store))
    assert r.exit_code == 2
    assert "does not say which ratio it holds: give --measure" in r.stderr
    r = cli("data", "ingest", str(p), "--measure", "top_position", "--store", str(store), "--json")
    assert r.exit_code == 0, r.stderr
    assert r.json()["series"][0]["layout"] == "binance-long-short"
    got = load_series("long_short", asset="BTC", store=store)  # merged over the bundle
    assert got.attrs["source"].startswith(f"store:{store}")
    assert_same(got.loc[wide.index, "top_position_long_pct"].to_numpy(), wide.to_numpy())
    with Store(store, read_only=True) as st:
        rows = st.read("long_short", venue="binance", symbol="BTCUSDT", interval="4h")
    assert set(rows["measure"]) == {"top_position"} and len(rows) == 40
    # a measure for another layout is refused
    r = cli("data", "ingest", str(INGEST / "coinglass_ETH_8h_funding_binance.csv.gz"),
            "--measure", "top_account", "--store", str(store))  # fmt: skip
    assert r.exit_code == 2 and "--measure is for Binance's long/short ratio files" in r.stderr
    r = cli("data", "ingest", str(p), "--measure", "whales", "--store", str(store))
    assert r.exit_code == 2 and "--measure must be one of" in r.stderr


@pytest.mark.parametrize(
    ("row", "column", "value", "message"),
    [
        (5, "longAccount", "64.4200", r"data row 5: long_account must be a fraction in \[0, 1\]"),
        (9, "shortAccount", "0.2000", r"data row 9: long_account .* \+ short_account .* not 1"),
        (12, "longShortRatio", "3.0000", r"data row 12: long_short_ratio 3 does not match"),
    ],
)
def test_bad_binance_fractions_name_the_row(
    tmp_path: Path, row: int, column: str, value: str, message: str
) -> None:
    raw, _ = _binance_rows("global_account", n=20)
    raw.loc[row - 1, column] = value
    p = tmp_path / "globalLongShortAccountRatio.csv"
    raw.to_csv(p, index=False)
    with pytest.raises(InputError, match=message):
        read_file(p)


def test_binance_long_short_gap_follows_drop_missing(tmp_path: Path) -> None:
    raw, _ = _binance_rows("top_account", n=20)
    raw.loc[3, "shortAccount"] = ""
    p = tmp_path / "topLongShortAccountRatio.csv"
    raw.to_csv(p, index=False)
    with pytest.raises(InputError, match="data row 4: short_pct is missing"):
        read_file(p)
    (s,) = read_file(p, drop_missing=True)
    assert s.rows == 19 and s.dropped_rows == [4]


# -- book totals vs depth rows -------------------------------------------------------------
def test_book_totals_skip_depth_at_several_distances(tmp_path: Path, gen) -> None:
    """Book totals under ``binance`` beside a larger Binance bookDepth series: the totals
    are read as totals; the depth rows stay reachable through load_series("depth")."""
    store = tmp_path / "s.duckdb"
    totals_file = INGEST / "coinglass_ETH_8h_futures_orderbook_bids_asks_usd.csv.gz"
    depth_file = gen.write_csv(tmp_path / "ETHUSDT-bookDepth.csv", gen.book_depth(30))
    with Store(store) as st:
        st.ingest(read_file(totals_file, venue="binance", symbol="ETHUSDT")
                  + read_file(depth_file, symbol="ETHUSDT"))  # fmt: skip
        listing = st.list_series()
    assert sorted(listing["rows"]) == [120, 300]  # the bookDepth series is the larger
    tot = load_book_totals("ETH", "binance", store=store)
    want = read_file(totals_file, venue="binance", symbol="ETHUSDT")[0].frame
    bids = want[want["side"] == "bid"]
    assert len(tot) == 60
    assert_same(tot["bids_usd"].to_numpy(), bids["notional_usd"].to_numpy())
    depth = load_series("depth", asset="ETH", venue="binance", interval="30s", store=store)
    assert sorted(set(depth["distance"].round(6))) == [0.01, 0.02, 0.03, 0.04, 0.05]


@pytest.mark.parametrize("option", ["--symbol", "--venue", "--interval"])
def test_an_empty_label_is_refused_not_read_as_the_default(tmp_path: Path, option: str) -> None:
    # `--symbol ""` was stored as ETHUSDT (the default) without a word; nothing is written
    store = tmp_path / "s.duckdb"
    f = Path(__file__).parents[2] / "src/liqcascade/data/bundled/_files/eth_oi_4h.parquet"
    r = run_cli("data", "ingest", str(f), option, " ", env={"LIQCASCADE_STORE": str(store)})
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.strip().splitlines() == [
        f"error: {option} must not be empty (leave it out for the file's own)"
    ]
    assert not store.exists()
