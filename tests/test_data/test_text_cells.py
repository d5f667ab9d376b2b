"""Text in a numeric column (sweep 13, finding 4).

Text that is not a number in an optional column (trades, quote volume, one of
``oi_usd``/``oi_base``, a book's quantities) used to be stored as no value, silently.
It is refused naming the row and the file's column; an empty optional cell is still
read as no value, counted in one warning. Text in a required column stays a missing
value (refused, or left out with ``drop_missing``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clihelpers import run_cli
from liqcascade.data import Store, read_file
from liqcascade.errors import InputError
from test_reliability._helpers import assert_refused

INGEST = Path(__file__).resolve().parents[1] / "data" / "ingest"
KLINES = INGEST / "ETHUSDT_5m_binance_spot_2025-08-19_2025-09-21.csv.gz"
BOOK = INGEST / "coinglass_ETH_4h_spot_orderbook_bids_asks_usd.csv.gz"
TEXT = "is not a number (an empty cell is read as no value; text is refused)"


def _klines(tmp_path: Path, col: str, cells: dict[int, object]) -> Path:
    k = pd.read_csv(KLINES)
    k[col] = k[col].astype(object)
    for i, v in cells.items():
        k.loc[i, col] = v
    out = tmp_path / "klines.csv"
    k.to_csv(out, index=False)
    return out


@pytest.mark.parametrize(
    ("col", "canonical"),
    [("Number of trades", "number_of_trades"), ("Quote asset volume", "quote_asset_volume")],
)
@pytest.mark.parametrize("drop", [(), ("--drop-missing",)])
def test_text_in_an_optional_kline_column_is_refused(
    tmp_path: Path, col: str, canonical: str, drop: tuple[str, ...]
) -> None:
    f = _klines(tmp_path, col, {4: "many"})
    store = tmp_path / "s.duckdb"
    assert_refused(
        run_cli("data", "ingest", str(f), "--store", str(store), *drop),
        f"{f}: data row 5 (file line 6): {canonical}: 'many' {TEXT}",
    )
    assert not store.exists()


def test_empty_optional_cells_are_kept_and_counted(tmp_path: Path) -> None:
    f = _klines(tmp_path, "Quote asset volume", {6: None, 9: ""})
    store = tmp_path / "s.duckdb"
    r = run_cli("data", "ingest", str(f), "--symbol", "ETHUSDT", "--store", str(store), "--json")
    assert r.exit_code == 0, r.stderr
    assert r.json()["warnings"] == [
        f"{f}: 2 empty cells in optional columns, stored as no value: quote_volume in 2 data "
        "rows (7, 10)"
    ]
    with Store(store, read_only=True) as s:
        q = s.read("ohlcv")["quote_volume"]
    assert int(q.isna().sum()) == 2 and q.notna().sum() == 58


def test_ccxt_open_interest_text_value_is_refused(tmp_path: Path) -> None:
    t0 = 1_735_689_600_000
    rows = [{"timestamp": t0 + i * 3_600_000, "openInterestAmount": 1e6 + i,
             "openInterestValue": 3.3e9 + i} for i in range(6)]  # fmt: skip
    rows[3]["openInterestValue"] = "lots"
    f = tmp_path / "oi.json"
    f.write_text(json.dumps(rows))
    with pytest.raises(
        InputError, match=rf"data row 4: open_interest_value: 'lots' {re.escape(TEXT)}"
    ):
        read_file(f)


def test_an_empty_metrics_value_is_kept_with_a_warning(tmp_path: Path, gen) -> None:
    m = gen.metrics()
    m["sum_open_interest_value"] = m["sum_open_interest_value"].astype(object)
    m.loc[2, "sum_open_interest_value"] = ""
    f = gen.write_csv(tmp_path / "metrics.csv", m)
    (s,) = read_file(f)
    assert np.isnan(s.frame["oi_usd"].iloc[2]) and s.frame["oi_base"].iloc[2] == 1_002_000.0
    assert f"{f}: 1 empty cell in optional columns, stored as no value: oi_usd in data row 3" in (
        s.warnings
    )
    m.loc[2, "sum_open_interest_value"] = "n.a."
    with pytest.raises(
        InputError, match=rf"data row 3: sum_open_interest_value: 'n.a.' {re.escape(TEXT)}"
    ):
        read_file(gen.write_csv(tmp_path / "metrics.csv", m))


def test_text_in_a_book_quantity_is_refused(tmp_path: Path) -> None:
    b = pd.read_csv(BOOK)
    qty = next(c for c in b.columns if c.endswith("asks_quantity"))
    b[qty] = b[qty].astype(object)
    b.loc[2, qty] = "x"
    f = tmp_path / "book.csv"
    b.to_csv(f, index=False)
    with pytest.raises(InputError, match=rf"data row 3: {qty}: 'x' {re.escape(TEXT)}"):
        read_file(f, venue="all-venues-spot")


def test_text_in_a_required_column_is_still_a_missing_value(tmp_path: Path) -> None:
    f = _klines(tmp_path, "Close", {4: "many"})
    with pytest.raises(InputError, match="data row 5: close is missing, NaN or infinite"):
        read_file(f)
    (s,) = read_file(f, drop_missing=True)
    assert s.rows == 59 and s.dropped_rows == [5]


def test_a_column_empty_in_every_row_is_not_counted(tmp_path: Path) -> None:
    f = _klines(tmp_path, "Number of trades", dict.fromkeys(range(60), ""))
    (s,) = read_file(f)
    assert not [w for w in s.warnings if "empty cell" in w]
