"""``_book.refuse_first``: the one ending of the positions' row rules.

:func:`check_liq_side`, :func:`check_bank_side` and :func:`check_liq_within_margin` each
ended alike (the first bad position, its message, the file's row or the book's position,
the file's other rows like it); they call :func:`refuse_first`.
"""

from __future__ import annotations

import numpy as np
import pytest

from liqcascade.errors import InputError
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
    assert str(e.value).endswith("position 2 is wrong; 2 more rows like it (rows 5, 8)")


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
