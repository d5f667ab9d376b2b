"""A whole file in other units, or another asset's, against the series already known.

Sweep 13, finding 3: ETHUSDT closes in cents passed every rule inside the file, were
stored, and ``load_series`` merged them over the bundled series (2,302 then 230,706
one hour later). :func:`check_reference_levels` refuses such a file before it is
stored (against the store and the bundle); where stored rows meet bundled ones at read
time, a price gap is refused and an open-interest gap is a warning.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clihelpers import run_cli
from liqcascade.data import Store, load_series, read_file
from liqcascade.data._series import check_reference_levels
from liqcascade.data.bundled import load
from liqcascade.errors import InputError
from test_reliability._helpers import assert_refused, file_hash

INGEST = Path(__file__).resolve().parents[1] / "data" / "ingest"
SPOT_1H = INGEST / "ETHUSDT_1h_binance_spot.csv.gz"  # 2023-12-30 01:00 .. 2024-01-02 01:00
BTC_1H = INGEST / "BTCUSDT_1h_binance_spot.csv.gz"
OI_4H = INGEST / "coinglass_ETH_4h_open_interest_all_venues_usd.csv.gz"
TAKER = INGEST / "coinglass_ETH_4h_taker_buy_sell.csv.gz"
_OHLC = ["open", "high", "low", "close"]


def _scaled(src: Path, out: Path, factor: float, cols: list[str] = _OHLC) -> Path:
    df = pd.read_csv(src)
    for c in cols:
        df[c] = df[c].astype(float) * factor
    df.to_csv(out, index=False)
    return out


def _bars(path: Path, start: str, n: int, price: float, symbol: str = "SOLUSDT") -> Path:
    """``n`` hourly bars at about ``price`` (a symbol with no bundled series)."""
    c = price * np.exp(np.cumsum(np.random.default_rng(2).normal(0, 0.002, n)))
    o = np.r_[c[0], c[:-1]]
    t = pd.date_range(start, periods=n, freq="1h", tz="UTC").strftime("%Y-%m-%d %H:%M")
    pd.DataFrame({"ts": t, "symbol": symbol, "open": o, "high": np.maximum(o, c) * 1.001,
                  "low": np.minimum(o, c) * 0.999, "close": c, "volume": 5.0}).to_csv(
        path, index=False)  # fmt: skip
    return path


def test_a_file_in_cents_is_refused_against_the_bundle(tmp_path: Path) -> None:
    f = _scaled(SPOT_1H, tmp_path / "cents.csv", 100.0)
    with pytest.raises(InputError) as e:
        check_reference_levels(read_file(f, symbol="ETHUSDT"), None)
    assert str(e.value) == (
        f"{f}: ohlcv ETHUSDT 1h: median close 230,177 in the file is 99.3× the 2,352.04 of "
        "bundled eth_1d at the same times (46 bars compared, each beside the nearest within "
        "1d): 5× or more apart is a file in other units (cents, thousands) or another asset's "
        "prices, never the same market"
    )
    check_reference_levels(read_file(SPOT_1H, symbol="ETHUSDT"), None)  # in USD: passes


def test_another_assets_prices_under_the_default_label_ask_for_the_symbol(tmp_path: Path) -> None:
    f = tmp_path / "prices_1h.csv.gz"
    f.write_bytes(BTC_1H.read_bytes())  # BTC bars; the name says no asset: labelled ETHUSDT
    with pytest.raises(InputError) as e:
        check_reference_levels(read_file(f), None)
    assert "median close 58,165.6 in the file is 27.8× the 2,107.38 of bundled eth_1d" in str(
        e.value
    )
    assert str(e.value).endswith("(labelled ETHUSDT): give symbol") and e.value.param == "symbol"
    check_reference_levels(read_file(f, symbol="BTCUSDT"), None)


def test_the_store_is_a_reference_too_and_is_left_as_it_was(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    with Store(store) as st:  # SOL: nothing bundled, so the store is the only reference
        st.ingest(read_file(_bars(tmp_path / "sol.csv", "2025-03-01", 48, 140.0)))
    before = file_hash(store)
    # the next day, in cents: 14,000 beside the stored 140, within a day of its last bar
    later = _bars(tmp_path / "sol2.csv", "2025-03-03", 24, 14_000.0)
    with pytest.raises(InputError) as e:
        check_reference_levels(read_file(later), store)
    assert "median close 13,997.6 in the file is 99.6× the 140.517 of the stored ohlcv " in str(
        e.value
    )
    assert f"unknown/SOLUSDT/1h ({store}) at the same times (24 bars compared" in str(e.value)
    with Store(store) as st, pytest.raises(InputError, match=r"is 99\.6× the 140\.517"):
        check_reference_levels(read_file(later), st)  # the store about to be written: read
    check_reference_levels(read_file(_bars(tmp_path / "ok.csv", "2025-03-03", 24, 141.0)), store)
    # a week later nothing is near enough to compare: passes
    check_reference_levels(read_file(_bars(tmp_path / "far.csv", "2025-03-10", 24, 14e3)), store)
    assert file_hash(store) == before
    check_reference_levels(read_file(later), tmp_path / "none.duckdb")  # no store: no reference
    assert not (tmp_path / "none.duckdb").exists()


def test_open_interest_in_other_units_is_refused_unless_another_venue(tmp_path: Path) -> None:
    f = _scaled(OI_4H, tmp_path / "oi.csv", 1e-3)
    with pytest.raises(InputError) as e:
        check_reference_levels(read_file(f), None)
    msg = str(e.value)
    assert "open_interest ETHUSDT 4h: median oi_usd" in msg and "of bundled eth_oi_4h" in msg
    assert "under the same label: give venue, a label of its own, to store it apart" in msg
    assert msg.endswith("(a command that names no venue reads the asset's series with the most "
                        "rows, whatever its label)")  # fmt: skip
    assert e.value.param == "venue"
    # one venue's open interest is a fraction of all venues': not compared with the bundle
    check_reference_levels(read_file(f, venue="okx"), None)
    check_reference_levels(read_file(OI_4H), None)


def test_taker_volume_in_cents_is_refused(tmp_path: Path) -> None:
    # CoinGlass's coin-unit pair, converted at each bar's close: a close in cents makes the
    # USD volumes 100x
    t = pd.read_csv(TAKER)
    ts = pd.to_datetime(t["time"], unit="ms", utc=True)
    close = load("eth_1h")["close"].reindex(ts + pd.Timedelta(hours=3)).to_numpy()
    t["close"] = close
    t.to_csv(tmp_path / "taker.csv", index=False)
    check_reference_levels(read_file(tmp_path / "taker.csv"), None)
    t["close"] = close * 100
    t.to_csv(tmp_path / "taker_cents.csv", index=False)
    with pytest.raises(InputError, match=r"taker ETHUSDT 4h: median buy_usd \+ sell_usd .* is "
                       r"\S+× the .* of bundled eth_taker_4h at the same times \(\d+ bars "
                       r"compared\):"):  # fmt: skip
        check_reference_levels(read_file(tmp_path / "taker_cents.csv"), None)


def _stored(tmp_path: Path, path: Path, **kw: str) -> Path:
    """A store holding ``path``'s series as written (as a store of an earlier version may)."""
    store = tmp_path / "old.duckdb"
    with Store(store) as st:
        st.ingest(read_file(path, **kw))
    return store


def test_stored_prices_in_cents_meeting_bundled_ones_are_refused(tmp_path: Path) -> None:
    store = _stored(tmp_path, _scaled(SPOT_1H, tmp_path / "cents.csv", 100.0), symbol="ETHUSDT")
    with pytest.raises(InputError) as e:
        load_series("ohlcv", interval="1h", store=store)
    msg = str(e.value)
    assert msg.startswith(
        f"ohlcv ETH 1h: median close 230,177 in the stored rows (store:{store}) is 100× the "
        "2,301.77 of bundled:eth_1h at the same times (46 bars compared"
    )
    assert "read from another store (or none)" in msg
    r = run_cli("vol", "--interval", "1h", "--store", str(store), "--start", "2023-12-01",
                "--end", "2024-01-31")  # fmt: skip
    assert_refused(r, "ohlcv ETH 1h: median close 230,177 in the stored rows")


def test_stored_open_interest_far_from_the_bundle_is_a_warning(tmp_path: Path, caplog) -> None:
    store = _stored(tmp_path, _scaled(OI_4H, tmp_path / "oi.csv", 0.1), venue="okx")
    with caplog.at_level("WARNING", logger="liqcascade.data"):
        oi = load_series("open_interest", store=store)
    (msg,) = [r.getMessage() for r in caplog.records]
    assert msg.startswith("warning: open_interest ETH 4h: median oi_usd ")
    assert f"in the stored rows (store:{store}) is 1/10 of the" in msg
    assert "of bundled:eth_oi_4h" in msg and "mixes the two levels" in msg
    assert oi.attrs["source"] == f"store:{store} + bundled:eth_oi_4h"  # still read


def test_stored_rows_in_usd_merge_without_a_word(tmp_path: Path, caplog) -> None:
    store = _stored(tmp_path, SPOT_1H, symbol="ETHUSDT")
    with caplog.at_level("WARNING", logger="liqcascade.data"):
        df = load_series("ohlcv", interval="1h", store=store)
    assert df.attrs["source"] == f"store:{store} + bundled:eth_1h" and not caplog.records
