"""``_book.refuse_first``: the one ending of the positions' row rules.

:func:`check_liq_side`, :func:`check_bank_side` and :func:`check_liq_within_margin` each
ended alike (the first bad position, its message, the file's row or the book's position,
the file's other rows like it); they call :func:`refuse_first`, and so (session 23's
leftovers) do the files' checks against a price, ``check_at_price`` and
``check_stops_at_price`` (whose file messages now list the other stops like it too).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from liqcascade.errors import InputError
from liqcascade.positions import StopBook, check_stops_at_price, read_stops
from liqcascade.positions._book import check_liq_within_margin, refuse_first


def _message(i: int) -> str:
    return f"position {i} is wrong"


def test_nothing_bad_is_no_refusal() -> None:
    refuse_first(np.array([], dtype=np.int64), "pos.csv", "liq_price", _message)
    refuse_first(np.array([], dtype=np.int64), None, "liq_price", _message)


def test_a_file_names_the_first_row_and_the_others_like_it() -> None:
    with pytest.raises(InputError) as e:
        refuse_first(np.array([2, 4, 7]), "pos.csv", "liq_price", _message)
    assert e.value.file == "pos.csv" and e.value.row == 3
    assert str(e.value).endswith("position 2 is wrong; 2 more rows like it (data rows 5, 8)")


def test_a_book_built_in_python_names_the_position_and_the_param() -> None:
    with pytest.raises(InputError) as e:
        refuse_first(np.array([2, 4]), None, "bankruptcy_price", _message)
    assert str(e.value) == "bankruptcy_price: PositionBook: position 2: position 2 is wrong"
    assert e.value.param == "bankruptcy_price"
    assert "more rows" not in str(e.value)


def test_liq_within_margin_names_only_its_first_row() -> None:
    """Its message has never listed the other rows like it (kept as it was)."""
    side = np.array([1.0, 1.0, 1.0])
    entry = np.full(3, 2000.0)
    liq = np.array([1800.0, 1500.0, 1500.0])  # rows 2 and 3 beyond the bankruptcy price
    bank = np.full(3, 1800.0)
    with pytest.raises(InputError) as e:
        check_liq_within_margin(side, entry, liq, np.ones(3, bool), bank, np.full(3, 200.0),
                                file="pos.csv")  # fmt: skip
    assert e.value.row == 2 and "more rows" not in str(e.value)
    assert "liq_price 1,500.00 lies below the bankruptcy price 1,800.00" in str(e.value)


def test_an_item_names_what_a_book_built_in_python_holds() -> None:
    with pytest.raises(InputError) as e:
        refuse_first(np.array([1]), None, "stops", _message, item="stops: stop")
    assert str(e.value) == "stops: stop 1: position 1 is wrong"
    assert e.value.param == "stops"


def _stops(triggers: list[float]) -> StopBook:
    n = len(triggers)
    return StopBook(side=np.full(n, -1, np.int8), trigger=np.array(triggers), size=np.ones(n))


def test_stops_built_in_python_keep_their_messages() -> None:
    with pytest.raises(InputError) as e:
        check_stops_at_price(_stops([3600.0, 3.6, 3.5]), 3700.0)
    assert e.value.param == "stops"
    assert str(e.value).startswith("stops: stop 1: trigger_price 3.6 is 0.000973x the mid")
    assert "more rows" not in str(e.value)
    with pytest.raises(InputError) as e:
        check_stops_at_price(_stops([3600.0, 3750.0, 3800.0]), 3700.0)
    assert str(e.value).startswith("stops: stop 1: a sell stop at 3,750.00 is at or above the")
    assert str(e.value).endswith(
        "a resting take-profit is a limit order and belongs in the order book"
    )


def test_a_stops_file_lists_the_other_stops_like_the_first(tmp_path: Path) -> None:
    f = tmp_path / "s.csv"
    f.write_text("side,trigger_price,size\nsell,3600,1\nsell,3750,1\nsell,3500,1\nsell,3800,1\n")
    with pytest.raises(InputError) as e:
        read_stops(f, reference_price=3700.0, reference="the mid")
    assert e.value.row == 2
    assert str(e.value).startswith(
        f"{f}: data row 2: a sell stop at 3,750.00 is at or above the mid"
    )
    # was the first row only; now as the positions' rules: the others that break it
    assert str(e.value).endswith("belongs in the order book; 1 more row like it (data row 4)")
    f.write_text("side,trigger_price,size\nsell,3.6,1\nsell,3600,1\nsell,3.5,1\nsell,3800,1\n")
    with pytest.raises(
        InputError, match=r"data row 1: trigger_price 3\.6 .*; 1 more row like it \(data row 3\)$"
    ):
        read_stops(f, reference_price=3700.0)  # the unit rule first, as before
