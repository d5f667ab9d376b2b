"""Validation errors name the file's own column, not the canonical one it is read as.

A CoinGlass open-interest file has ``close``, read as ``oi_usd``: an empty cell was
``data row 4: no value in oi_usd``, a column the file does not have (ops29 R13).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from liqcascade.data import read_file
from liqcascade.data._validate import as_written
from liqcascade.errors import InputError

HEADER = "time,open,high,low,close"
OI = [f"2025-08-02 {h:02d}:00:00,5.4e10,5.4e10,5.4e10,5.4e10" for h in range(0, 24, 4)]


def _file(tmp_path: Path, rows: list[str], header: str = HEADER) -> Path:
    p = tmp_path / "oi.csv"
    p.write_text(header + "\n" + "\n".join(rows) + "\n")
    return p


def test_an_empty_close_is_named_close(tmp_path: Path) -> None:
    rows = list(OI)
    rows[3] = rows[3].rsplit(",", 1)[0] + ","
    p = _file(tmp_path, rows)
    with pytest.raises(InputError) as e:
        read_file(p, kind="open_interest", venue="all-venues", symbol="ETHUSDT")
    assert str(e.value) == f"{p}: data row 4: no value in close"


def test_a_negative_close_is_named_as_the_file_spells_it(tmp_path: Path) -> None:
    rows = list(OI)
    rows[1] = rows[1].rsplit(",", 1)[0] + ",-5"
    p = _file(tmp_path, rows, "Time,Open,High,Low,Close")
    with pytest.raises(InputError) as e:
        read_file(p, kind="open_interest", venue="all-venues", symbol="ETHUSDT")
    assert str(e.value) == f"{p}: data row 2: Close must be >= 0 (got -5)"


def test_a_column_read_through_arithmetic_keeps_its_canonical_name(tmp_path: Path) -> None:
    # CoinGlass funding: rate = close / 100; the value quoted is the rate, so is the name
    rows = [f"2025-08-02 {h:02d}:00:00,0.01,0.01,0.01,0.01" for h in range(0, 24, 8)]
    rows[1] = "2025-08-02 08:00:00,0.01,0.01,0.01,-2000"
    p = _file(tmp_path, rows)
    with pytest.raises(InputError, match=r"data row 2: rate -20 \(") as e:
        read_file(p, kind="funding", venue="binance", symbol="ETHUSDT")
    assert "close" not in str(e.value)


def test_the_names_are_replaced_as_whole_words_only() -> None:
    cols = {"oi_usd": "close", "oi_open_usd": "open"}
    assert as_written("no value in oi_usd or oi_base", cols) == "no value in close or oi_base"
    assert as_written("oi_open_usd 3 > oi_usd 2", cols) == "open 3 > close 2"
    assert as_written("x.oi_usd and oi_usd_x", cols) == "x.oi_usd and oi_usd_x"
    assert as_written("no value in oi_usd", {}) == "no value in oi_usd"
