"""Files a reader once called by the wrong name: float32 Parquet, gzip tables, UTF-16, inf.

- A Parquet file with one price column as float32 (``close`` 323.46 kept as
  323.4599914...) was refused with "low 323.46 is above min(open, close) = 323.46".
- A ``.csv.gz`` given as a book or positions file was "not UTF-8 text": the table reader
  now undoes gzip and zip as ``data ingest`` does (one reader, :func:`decompress`).
- UTF-16 text was "not a text, Parquet, gzip or zip file".
- An ``inf`` cell was refused with the wording of a missing one, but ``--drop-missing``
  kept it: it is now missing (``missing, NaN or infinite``) and dropped with the rest.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from liqcascade._tables import read_user_table
from liqcascade.data import read_file
from liqcascade.errors import InputError


def _bars(n: int = 30) -> pd.DataFrame:
    rng = np.random.default_rng(4)
    c = np.round(323.46 * np.exp(np.cumsum(rng.normal(0, 0.003, n))), 2)
    o = np.r_[c[0], c[:-1]]
    lo = np.minimum(o, c)
    df = pd.DataFrame({"ts": pd.date_range("2025-01-01", periods=n, freq="1h", tz="UTC"),
                       "open": o, "high": np.maximum(o, c) + 0.5, "low": lo, "close": c,
                       "volume": 10.0})  # fmt: skip
    df.loc[16, ["open", "close", "low"]] = [330.0, 323.46, 323.46]  # low == close, exactly
    df.loc[16, "high"] = 331.0
    return df


def test_a_float32_price_column_is_read_as_the_number_written(tmp_path: Path) -> None:
    df = _bars()
    assert float(np.float32(323.46)) < 323.46  # what made the low look above the close
    df["close"] = df["close"].astype("float32")
    f = tmp_path / "f32.parquet"
    df.to_parquet(f)
    (s,) = read_file(f, symbol="ETHUSDT", venue="binance")
    assert s.frame["close"].dtype == "float64"
    assert abs(s.frame["close"].iloc[16] - 323.46) < 1e-12
    t = read_user_table(f)  # the positions/book reader: the same
    assert t["close"].dtype == "float64" and abs(t["close"].iloc[16] - 323.46) < 1e-12


def test_a_gzip_table_is_read_as_its_text(tmp_path: Path) -> None:
    text = "price,size\n3702,10\n3704,12.5\n"
    (tmp_path / "book.csv").write_text(text)
    (tmp_path / "book.csv.gz").write_bytes(gzip.compress(text.encode()))
    plain, gz = read_user_table(tmp_path / "book.csv"), read_user_table(tmp_path / "book.csv.gz")
    pd.testing.assert_frame_equal(plain, gz)
    (tmp_path / "cut.csv.gz").write_bytes(gzip.compress(text.encode())[:-12])
    with pytest.raises(InputError, match=r"cut\.csv\.gz: corrupt gzip data"):
        read_user_table(tmp_path / "cut.csv.gz")


def test_utf16_text_is_called_utf16(tmp_path: Path) -> None:
    text = "ts,open,high,low,close,volume\n2025-01-01 00:00,1,2,0.5,1.5,3\n"
    for enc in ("utf-16", "utf-16-le"):
        f = tmp_path / f"{enc}.csv"
        f.write_bytes(text.encode(enc))
        for read in (read_file, read_user_table):
            with pytest.raises(InputError) as e:
                read(f)
            assert str(e.value) == (
                f"{f}: UTF-16 text: save the file as UTF-8, or give a Parquet file"
            )


def test_each_undecodable_csv_keeps_its_own_line(tmp_path: Path) -> None:
    """UTF-16 (marked or not), another 8-bit encoding and binary bytes: one line each.

    The CSV reader passes the decoder's line on (UTF-16, not UTF-8) and words only
    binary bytes (NULs, not UTF-16) itself.
    """
    text = "ts,open,high,low,close,volume\n2025-01-01 00:00,1,2,0.5,1.5,3\n"
    cases = {
        "le.csv": (text.encode("utf-16-le"), "UTF-16 text: save the file as UTF-8, or give a "
                   "Parquet file"),
        "be.csv": (text.encode("utf-16"), "UTF-16 text: save the file as UTF-8, or give a "
                   "Parquet file"),
        "latin.csv": (text.replace("ts", "tś").encode("cp1250"), "not UTF-8 text (byte 2 is "
                      "not UTF-8): save the file as UTF-8, or give a Parquet file"),
        "blob.csv": (bytes(range(256)), "not a text, Parquet, gzip or zip file"),
    }  # fmt: skip
    for name, (data, line) in cases.items():
        f = tmp_path / name
        f.write_bytes(data)
        with pytest.raises(InputError) as e:
            read_file(f)
        assert str(e.value) == f"{f}: {line}", name


def test_an_infinite_cell_is_missing_and_drop_missing_drops_it(tmp_path: Path) -> None:
    df = _bars().drop(index=16).reset_index(drop=True)
    df["ts"] = df["ts"].dt.strftime("%Y-%m-%d %H:%M")
    df["close"] = df["close"].astype(object)
    df.loc[3, "close"] = "inf"
    df.loc[3, "high"] = df["high"].max()
    f = tmp_path / "inf.csv"
    df.to_csv(f, index=False)
    with pytest.raises(InputError, match=r"data row 4: close is missing, NaN or infinite"):
        read_file(f, symbol="ETHUSDT")
    (s,) = read_file(f, symbol="ETHUSDT", drop_missing=True)
    assert s.dropped_rows == [4] and len(s.frame) == len(df) - 1
    assert np.isfinite(s.frame["close"].to_numpy()).all()
