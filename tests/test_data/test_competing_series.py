"""Two stored series of one asset, kind and interval: ingest says which one is read.

Newasset16 finding: the refusal of a coin-margined open-interest file beside the
all-venue one says to give it a venue label of its own; stored so, it has more rows
(CoinGlass's coin-margined file starts nine days earlier) and every reader that names no
venue then took it instead of the all-venue series, 1/28 of its level, silently.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from liqcascade.data import Store, _store, load_series
from liqcascade.data import bundled as datasets
from liqcascade.data._ops import ingest_files

INGEST = Path(__file__).resolve().parents[1] / "data" / "ingest"
ALL_VENUES = INGEST / "coinglass_ETH_4h_open_interest_all_venues_usd.csv.gz"
COIN_M = INGEST / "coinglass_ETH_4h_open_interest_coin_margined.csv.gz"


def _first_rows(src: Path, out: Path, n: int) -> Path:
    pd.read_csv(src).head(n).to_csv(out, index=False)
    return out


def test_a_second_series_of_a_kind_is_named_with_the_one_read(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    res, _ = ingest_files([_first_rows(ALL_VENUES, tmp_path / "all.csv", 40)],
                          symbol="SOLUSDT", store=store)  # fmt: skip
    assert not any("the store now holds" in w for w in res.warnings)  # one series: silent
    res, _ = ingest_files([COIN_M], symbol="SOLUSDT", venue="coin-margined", store=store)
    (w,) = [w for w in res.warnings if "the store now holds" in w]
    assert w.startswith(
        "the store now holds 2 open_interest SOL 4h series: coin-margined/SOLUSDT (60 rows), "
        "unknown/SOLUSDT (40 rows); a command that names no venue reads the one with the "
        "most rows, coin-margined/SOLUSDT, for SOL"
    )
    # the warning says what the reader does
    df = load_series("open_interest", asset="SOL", store=store)
    assert df.attrs["venue"] == "coin-margined" and len(df) == 60
    assert load_series("open_interest", asset="SOL", venue="unknown", store=store).shape[0] == 40
    # re-ingesting (nothing added) does not repeat it; another asset's series are not counted
    res, _ = ingest_files([COIN_M], symbol="SOLUSDT", venue="coin-margined", store=store)
    assert res.rows_added == 0 and not any("the store now holds" in w for w in res.warnings)
    res, _ = ingest_files([COIN_M], symbol="AVAXUSDT", venue="coin-margined", store=store)
    assert not any("the store now holds" in w for w in res.warnings)


def test_ingest_lists_the_store_without_reading_every_series_times(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check (and the reference levels' look-up) read the labels and row counts only.

    Counting a series' gaps reads all its times: on a store holding 3 million one-minute
    bars the check added 1.5 s to every ingest (1.8 -> 3.3 s for a 200-row file).
    """
    store = tmp_path / "s.duckdb"
    ingest_files([_first_rows(ALL_VENUES, tmp_path / "all.csv", 40)], symbol="SOLUSDT",
                 store=store)  # fmt: skip
    with Store(store, read_only=True) as st:
        full, labels = st.list_series(), st.list_series(gaps=False)
    assert full["gaps"].notna().all() and labels[["gaps", "largest_gap"]].isna().all().all()
    pd.testing.assert_frame_equal(
        labels.drop(columns=["gaps", "largest_gap"]), full.drop(columns=["gaps", "largest_gap"])
    )

    def no_gaps(*args: object) -> None:
        raise AssertionError("ingest counted a stored series' gaps")

    monkeypatch.setattr(_store, "_gap_counts", no_gaps)
    hours = datasets.load_ohlcv("ETH", "1h").head(30) / [20, 20, 20, 20, 1]
    hours.rename_axis("ts").reset_index().to_csv(tmp_path / "SOLUSDT_1h.csv", index=False)
    ingest_files([tmp_path / "SOLUSDT_1h.csv"], venue="binance", store=store)
    res, _ = ingest_files([COIN_M], symbol="SOLUSDT", venue="coin-margined", store=store)
    assert any("the store now holds 2 open_interest SOL 4h series" in w for w in res.warnings)
