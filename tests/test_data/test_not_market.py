"""A positions, stops or order-book file given to ingest says what it is, not a near layout."""

from __future__ import annotations

from pathlib import Path

import pytest

from liqcascade.data import read_file
from liqcascade.errors import InputError

CASES = {
    "positions.csv": (
        "account,side,size,entry_price,leverage,stop_price\na1,long,1.5,3600,20,3500\n",
        "it is a positions file (side, size, entry_price)",
    ),
    "exchange_export.csv": (  # the header as an exchange writes it, normalised by the reader
        "Side,Size,Entry Price,Margin\nshort,2,3700,500\n",
        "it is a positions file (side, size, entry_price)",
    ),
    "stops.csv": ("side,trigger,size\nsell,3500,1\n", "it is a stops file (side, size, trigger)"),
    "book.csv": (
        "side,price,size\nbid,99,2\nask,101,1\n",
        "it is an order book (side, size, price)",
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_refused_naming_what_it_is(tmp_path: Path, name: str) -> None:
    text, needle = CASES[name]
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as e:
        read_file(p)
    msg = str(e.value)
    assert msg.startswith(f"{p}: unrecognised layout (columns seen: ")
    assert needle in msg and "which the store does not keep" in msg
    assert "closest:" not in msg  # the near market layouts (liquidation events) mislead here
    assert "--" not in msg  # a library error names no command-line option
    assert "\n" not in msg


def test_other_unknown_files_still_get_the_closest_layouts(tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    p.write_text("time,taker_buy_volume_usd,note\n1700000000000,1,x\n", encoding="utf-8")
    with pytest.raises(InputError, match="closest: coinglass-taker-coin") as e:
        read_file(p)
    assert "which the store does not keep" not in str(e.value)
