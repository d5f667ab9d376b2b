"""A positions export's own headers (journey15 F1, F2): "Entry Price" reads as entry_price,
and a column no rule reads (an export's stop_price) is named in a note, not dropped
silently."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from liqcascade.errors import InputError
from liqcascade.positions import read_positions


def _write(tmp_path: Path, text: str) -> Path:
    f = tmp_path / "export.csv"
    f.write_text(text)
    return f


def test_headers_in_words_or_camel_case_read_as_the_columns(tmp_path: Path) -> None:
    snake = read_positions(_write(tmp_path, "side,size,entry_price,leverage\nlong,2,3700,10\n"))
    for header in ("Side,Size,Entry Price,Leverage", "side,SIZE,entryPrice,leverage",
                   " side , size , entry-price , leverage "):  # fmt: skip
        book = read_positions(_write(tmp_path, f"{header}\nlong,2,3700,10\n"))
        assert np.array_equal(book.entry_price, snake.entry_price), header
        assert np.array_equal(book.liq_price, snake.liq_price), header  # exact: same inputs
    with pytest.raises(InputError, match=r"duplicate column 'entry_price'"):
        read_positions(_write(tmp_path, "side,size,entry_price,Entry Price,leverage\n"))


def test_columns_not_read_are_named(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    f = _write(
        tmp_path,
        "side,size,entry_price,leverage,stop_price,desk,address,unrealized_pnl\n"
        "long,2,3700,10,3500,a,0x1,5\n",
    )
    with caplog.at_level(logging.WARNING, logger="liqcascade.positions"):
        read_positions(f)
    notes = [r.getMessage() for r in caplog.records if "not read" in r.getMessage()]
    assert notes == [
        f"note: {f}: 2 columns not read: stop_price, desk (stop_price: stops are read from a "
        "stops file of side, trigger_price and size, not from the positions); a positions "
        "file reads account, asset, bankruptcy_price, coin, entry_price, leverage, leverage_type, "
        "liq_price, margin, margin_mode, side, size, symbol, venue"
    ]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="liqcascade.positions"):
        read_positions(
            _write(tmp_path, "side,size,entry_price,leverage,address\nlong,2,3700,10,x\n")
        )
    assert not [r for r in caplog.records if "not read" in r.getMessage()]  # bookkeeping only


def test_a_book_the_package_wrote_reads_back_without_a_note(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """review15 #3: PositionBook.to_frame() writes opened_ms, which read back as 'not read'."""
    book = read_positions(_write(tmp_path, "side,size,entry_price,leverage\nlong,2,3700,10\n"))
    f = tmp_path / "saved.csv"
    book.to_frame().to_csv(f, index=False)
    with caplog.at_level(logging.WARNING, logger="liqcascade.positions"):
        again = read_positions(f)
    assert not [r for r in caplog.records if "not read" in r.getMessage()]
    np.testing.assert_allclose(again.liq_price, book.liq_price, rtol=1e-12)  # via CSV text
