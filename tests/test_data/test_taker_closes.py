"""A CoinGlass futures taker file as exported (coin units, no close) ingests at the closes held.

``data ingest`` converts it at each bar's close from the asset's hourly prices the
commands read (the store's, filled by the bundle's): the close of the last hour inside
the bar that the prices hold, the rule the bundled ``eth_taker_4h`` was converted with
(``tools/build_datasets.py``: ``close.resample("4h").last()``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liqcascade.data import Store, load_series, read_file
from liqcascade.data import bundled as datasets
from liqcascade.data._ops import ingest_files
from liqcascade.data._taker_close import bar_closes
from liqcascade.errors import InputError
from profiles import examples

INGEST = Path(__file__).resolve().parents[1] / "data" / "ingest"
#: A real CoinGlass export: 60 4-hour bars of ETH, 2024-11-13 20:00 -> 11-23 16:00 UTC.
ETH_TAKER = INGEST / "coinglass_ETH_4h_taker_buy_sell.csv.gz"
#: Products of the same two floats: only the last bit may differ (none did).
RTOL = 1e-12


def _taker_store(path: Path) -> pd.DataFrame:
    with Store(path, read_only=True) as s:
        listing = s.list_series()
        (row,) = listing[listing["kind"] == "taker"].itertuples()
        df = s.read("taker", venue=row.venue, symbol=row.symbol, interval=row.interval)
    return df.set_index(pd.DatetimeIndex(df["ts"]))


def _sol_hours(path: Path, scale: float = 20.0, drop: tuple[str, ...] = ()) -> pd.DataFrame:
    """ETH's bundled hours around the excerpt, prices / ``scale``, as a SOL hourly file."""
    h = datasets.load_ohlcv("ETH", "1h").loc["2024-11-12":"2024-11-25"]
    h = h.drop(index=pd.DatetimeIndex(pd.to_datetime(list(drop), utc=True)))
    out = h[["open", "high", "low", "close", "volume"]].copy()
    out[["open", "high", "low", "close"]] /= scale
    out.rename_axis("ts").reset_index().to_csv(path, index=False)
    return out


def _sol_taker(path: Path) -> Path:
    pd.read_csv(ETH_TAKER).to_csv(path, index=False)
    return path


# -- the rule ---------------------------------------------------------------------------------
def _bar_closes_loop(bars: list[pd.Timestamp], length: pd.Timedelta, hours: pd.Series) -> list:
    """Plain-Python twin of :func:`bar_closes`: scan every hour for the latest inside."""
    out = []
    for b in bars:
        best = None
        for t, c in hours.items():
            if b <= t < b + length and not np.isnan(c) and (best is None or t > best[0]):
                best = (t, c)
        out.append(np.nan if best is None else best[1])
    return out


@settings(max_examples=examples(60), deadline=None)
@given(
    held=st.lists(st.booleans(), min_size=0, max_size=60),
    hours_per_bar=st.sampled_from([1, 2, 4, 8, 24]),
    n_bars=st.integers(1, 12),
    shift=st.integers(-30, 30),
)
def test_bar_closes_matches_the_plain_twin(held, hours_per_bar, n_bars, shift) -> None:
    t0 = pd.Timestamp("2025-01-01", tz="UTC")
    idx = pd.date_range(t0, periods=len(held), freq="1h")[np.array(held, dtype=bool)]
    hours = pd.Series(np.arange(1.0, len(idx) + 1.0), index=idx)
    length = pd.Timedelta(hours=hours_per_bar)
    bars = [t0 + pd.Timedelta(hours=shift) + i * length for i in range(n_bars)]
    got = bar_closes(pd.DatetimeIndex(bars), length, hours)
    np.testing.assert_array_equal(got, _bar_closes_loop(bars, length, hours))


def test_bar_closes_is_the_bundles_resample_on_every_bundled_taker_bar() -> None:
    for asset in ("ETH", "BTC"):
        taker = datasets.load_taker(asset=asset).dropna()
        hours = datasets.load_ohlcv(asset, "1h")["close"]
        want = hours.resample("4h").last().reindex(taker.index).to_numpy()
        got = bar_closes(pd.DatetimeIndex(taker.index), pd.Timedelta(hours=4), hours)
        assert len(got) > 900 and not np.isnan(want).any()
        np.testing.assert_array_equal(got, want)


# -- ingest ------------------------------------------------------------------------------------
def test_the_export_as_is_gives_the_bundled_eth_taker_exactly(tmp_path: Path) -> None:
    result, path = ingest_files([ETH_TAKER], store=tmp_path / "s.duckdb")
    (s,) = result.series
    assert (s["layout"], s["kind"], s["symbol"], s["rows"]) == (
        "coinglass-taker-coin", "taker", "ETHUSDT", 60,
    )  # fmt: skip
    assert any(
        n.endswith("taker volume in coin units converted to USD at each bar's close, the close "
                   "of its last hour in the bundled eth_1h")
        for n in result.notes
    )  # fmt: skip
    got = _taker_store(path)
    want = datasets.load_taker(asset="ETH").reindex(got.index)
    for side in ("buy_usd", "sell_usd"):
        np.testing.assert_allclose(got[side], want[side], rtol=RTOL)
    # USD, not coin units: ETH at about $3,100 then
    raw = pd.read_csv(ETH_TAKER)
    ratio = got["buy_usd"].to_numpy() / raw["taker_buy_volume_usd"].to_numpy()
    assert 2_500 < ratio.min() and ratio.max() < 4_000


def test_a_store_holding_the_prices_converts_at_its_closes(tmp_path: Path, cli) -> None:
    store = tmp_path / "sol.duckdb"
    hours = tmp_path / "SOLUSDT_1h_binance_spot.csv"
    _sol_hours(hours)
    r = cli("data", "ingest", str(hours), "--venue", "binance", "--store", str(store))
    assert r.exit_code == 0, r.stderr
    src = _sol_taker(tmp_path / "coinglass_SOL_4h_taker_buy_sell.csv")
    r = cli("data", "ingest", str(src), "--symbol", "SOLUSDT", "--store", str(store), "--json")
    assert r.exit_code == 0, r.stderr
    assert (
        f"note: {src}: taker volume in coin units converted to USD at each bar's close, the "
        f"close of its last hour in the store's binance/SOLUSDT 1h bars ({store})" in r.stderr
    )
    got = _taker_store(store)
    assert len(got) == 60 and set(got["symbol"]) == {"SOLUSDT"}
    want = datasets.load_taker(asset="ETH").reindex(got.index) / 20.0  # ETH's closes / 20
    for side in ("buy_usd", "sell_usd"):
        np.testing.assert_allclose(got[side], want[side], rtol=RTOL)
    # what the commands then read
    read = load_series("taker", asset="SOL", store=store)
    np.testing.assert_allclose(read["buy_usd"], want["buy_usd"], rtol=RTOL)


def test_the_store_comes_first_and_the_bundle_fills_the_rest(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    hours = datasets.load_ohlcv("ETH", "1h").loc["2024-11-18":"2024-11-19"]
    mine = hours[["open", "high", "low", "close", "volume"]] * [1.01, 1.01, 1.01, 1.01, 1.0]
    f = tmp_path / "ETHUSDT_1h_binance_spot.csv"
    mine.rename_axis("ts").reset_index().to_csv(f, index=False)
    ingest_files([f], venue="binance", store=store)
    result, _ = ingest_files([ETH_TAKER], store=store)
    assert any(
        f"in the store's binance/ETHUSDT 1h bars ({store}) and the bundled eth_1h" in n
        for n in result.notes
    )
    got = _taker_store(store)
    want = datasets.load_taker(asset="ETH").reindex(got.index)
    ours = (got.index >= "2024-11-18") & (got.index < "2024-11-20")
    assert ours.sum() == 12
    scale = np.where(ours, 1.01, 1.0)
    np.testing.assert_allclose(got["buy_usd"], want["buy_usd"] * scale, rtol=RTOL)


def test_a_bar_with_no_hour_held_is_refused_naming_its_row(tmp_path: Path, cli) -> None:
    store = tmp_path / "sol.duckdb"
    # the bar of data row 16 (file line 17) (2024-11-16 08:00) loses every hour; row 17's its last
    gone = [f"2024-11-16 {h:02d}:00" for h in range(8, 12)] + ["2024-11-16 15:00"]
    _sol_hours(tmp_path / "SOLUSDT_1h.csv", drop=tuple(gone))
    ingest_files([tmp_path / "SOLUSDT_1h.csv"], venue="binance", store=store)
    src = _sol_taker(tmp_path / "coinglass_SOL_4h_taker_buy_sell.csv")
    before = Path(store).read_bytes()
    r = cli("data", "ingest", str(src), "--store", str(store))
    assert r.exit_code == 2
    (line,) = r.stderr.strip().splitlines()
    assert line == (
        f"error: {src}: data row 16 (file line 17): no SOL hourly close inside the bar "
        f"2024-11-16 08:00 UTC "
        f"to convert its coin units at; the hourly prices, the store's binance/SOLUSDT 1h bars "
        f"({store}), run 2024-11-12 00:00 -> 2024-11-25 23:00 UTC: ingest the missing hours, "
        "or --drop-missing leaves such bars out (counted in a warning)"
    )
    assert Path(store).read_bytes() == before
    # --drop-missing: that bar left out and counted; the next at its 14:00 close
    r = cli("data", "ingest", str(src), "--store", str(store), "--drop-missing", "--json")
    assert r.exit_code == 0, r.stderr
    out = r.json()
    assert (out["rows_dropped"], out["rows_added"]) == (1, 59)
    (s,) = out["series"]
    assert s["dropped_rows_first"] == [16]
    (note,) = [n for n in out["notes"] if "converted to USD" in n]
    assert note.endswith("; 1 bar missing that hour at the latest hour held inside them; "
                         "1 bar with no hour held left out")  # fmt: skip
    got = _taker_store(store)
    assert pd.Timestamp("2024-11-16 08:00", tz="UTC") not in got.index
    raw = pd.read_csv(ETH_TAKER)
    close_14 = datasets.load_ohlcv("ETH", "1h").loc["2024-11-16 14:00", "close"] / 20.0
    bar = got.loc[pd.Timestamp("2024-11-16 12:00", tz="UTC")]
    assert bar["buy_usd"] == pytest.approx(raw.loc[16, "taker_buy_volume_usd"] * close_14, rel=RTOL)


def test_no_prices_at_all_says_to_ingest_the_hours_first(tmp_path: Path, cli) -> None:
    src = _sol_taker(tmp_path / "coinglass_SOL_4h_taker_buy_sell.csv")
    store = tmp_path / "new.duckdb"
    r = cli("data", "ingest", str(src), "--store", str(store))
    assert r.exit_code == 2
    (line,) = r.stderr.strip().splitlines()
    assert line == (
        f"error: {src}: CoinGlass's taker_buy_volume_usd and taker_sell_volume_usd hold coin "
        "units, not USD (docs/data.md, 'Taker volume units'), converted at each bar's close "
        "from SOL's hourly prices, and neither the store (none yet) nor the bundle holds any: "
        "ingest them first, in a call of their own (`liqcascade data ingest "
        "SOLUSDT_1h_….csv`), then this file; or add each bar's close (USD per coin) as a "
        "column close to convert them, or give the volumes in USD as buy_usd, sell_usd"
    )
    assert not store.exists()


def test_a_file_naming_no_asset_asks_for_the_symbol(tmp_path: Path, cli) -> None:
    src = _sol_taker(tmp_path / "taker.csv")
    r = cli("data", "ingest", str(src), "--store", str(tmp_path / "s.duckdb"))
    assert r.exit_code == 2
    assert r.stderr.startswith(f"error: {src}: the taker volumes are coin units")
    assert r.stderr.rstrip().endswith("give --symbol (e.g. SOLUSDT)")
    with pytest.raises(InputError, match=r"give symbol \(e\.g\. SOLUSDT\)$"):
        ingest_files([src], store=tmp_path / "s.duckdb")


def test_the_library_reader_still_refuses_the_export(tmp_path: Path) -> None:
    # read_file has no store: the coin units are never read as dollars there
    with pytest.raises(InputError, match="hold coin units, not USD"):
        read_file(ETH_TAKER)
