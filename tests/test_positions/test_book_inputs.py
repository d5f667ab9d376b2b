"""``PositionBook`` / ``StopBook`` and the reference price of the file readers: values
checked before they are cast, InputErrors naming the field and the first bad index.

Sweep 13 finding 12: side 255 became a short (an int8 cast wraps), 1.7 a long, text
raised numpy's ValueError, a NaN or negative margin passed, and a NaN reference price
switched the unit check off.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from liqcascade.errors import InputError
from liqcascade.positions import PositionBook, StopBook, check_at_price, read_positions, read_stops

BOOK_DATA = Path(__file__).resolve().parents[1] / "data" / "book"
ONE = {"size": [1.0], "entry_price": [100.0], "margin": [5.0], "liq_price": [96.0],
       "bankruptcy_price": [95.0]}  # fmt: skip


def _two(**kw: Any) -> dict[str, Any]:
    base = {k: v * 2 for k, v in ONE.items()}
    return {**base, **kw}


@pytest.mark.parametrize(
    ("side", "got"),
    [(np.array([1, 255]), "255"), (np.array([1, 257]), "257"), (np.array([1.0, 1.7]), "1.7"),
     (np.array([1.0, np.nan]), "nan"), (np.array(["long", "x"]), "'long'"), ([1, "short"], "'1'")],
)  # fmt: skip
def test_side_is_checked_before_the_cast(side: Any, got: str) -> None:
    with pytest.raises(InputError) as e:
        PositionBook(side=side, **_two())
    msg = str(e.value)
    assert msg.startswith("PositionBook.side[") and "must be +1 (long) or -1 (short)" in msg
    assert msg.endswith(f"(got {got})"), msg


def test_the_first_bad_index_is_named() -> None:
    with pytest.raises(InputError, match=r"^PositionBook\.side\[1\] .* \(got 255\)$"):
        PositionBook(side=np.array([-1, 255]), **_two())


@pytest.mark.parametrize(
    ("field", "values", "message"),
    [("size", np.array(["1", "a"]), "PositionBook.size[0] is not a number (got '1')"),
     ("entry_price", [100.0, None], "PositionBook.entry_price[1] is not a number (got 'None')"),
     ("margin", [5.0, np.nan], "PositionBook.margin[1] must be finite and >= 0 (USD) (got nan)"),
     ("margin", [5.0, -6.0], "PositionBook.margin[1] must be finite and >= 0 (USD) (got -6)"),
     ("margin", [np.inf, 5.0], "PositionBook.margin[0] must be finite and >= 0 (USD) (got inf)"),
     ("size", [1.0, -1.0], "PositionBook.size[1] must be finite and > 0 (base units) (got -1)"),
     ("liq_price", [np.nan, 96.0], "PositionBook.liq_price[0] must be a number (USD) (got nan)")],
)  # fmt: skip
def test_values_name_the_field_and_index(field: str, values: Any, message: str) -> None:
    with pytest.raises(InputError) as e:
        PositionBook(side=[1, 1], **_two(**{field: values}))
    assert str(e.value) == message


def test_good_books_are_unchanged() -> None:
    # a long never liquidated (liq_price 0) on no margin; a short liquidated above its entry
    prices = {"liq_price": [0.0, 104.0], "bankruptcy_price": [0.0, 105.0]}
    b = PositionBook(side=np.array([1.0, -1.0]), **_two(margin=[0.0, 5.0], **prices))
    assert b.side.dtype == np.int8 and b.side.tolist() == [1, -1]
    assert b.margin.tolist() == [0.0, 5.0] and b.leverage[0] == np.inf  # margin 0: documented
    assert len(PositionBook.empty()) == 0 and len(StopBook.empty()) == 0


def test_stop_book_sides_and_values() -> None:
    with pytest.raises(
        InputError, match=r"^StopBook\.side\[0\] must be -1 \(sell\) or \+1 \(buy\) \(got 255\)$"
    ):
        StopBook(np.array([255]), [100.0], [1.0])
    with pytest.raises(InputError, match=r"^StopBook\.trigger\[1\] is not a number \(got 'x'\)$"):
        StopBook([-1, 1], np.array([99.0, "x"], dtype=object), [1.0, 1.0])
    with pytest.raises(InputError, match=r"^StopBook\.size\[1\] must be finite and > 0"):
        StopBook([-1, 1], [99.0, 101.0], [1.0, np.nan])


@pytest.mark.parametrize("ref", [float("nan"), float("inf"), -1.0, 0.0])
def test_a_reference_price_that_is_no_price_is_refused(ref: float) -> None:
    for read, name in ((read_positions, "positions.csv"), (read_stops, "stops.csv")):
        with pytest.raises(InputError) as e:
            read(BOOK_DATA / name, reference_price=ref)  # type: ignore[operator]
        assert str(e.value) == f"reference_price must be a finite price > 0 USD (got {ref:g})"
        assert e.value.param == "reference_price"
    with pytest.raises(InputError, match=r"^price\[1\] must be a finite price > 0 USD"):
        check_at_price(np.array([1, 1]), np.array([100.0, 100.0]), np.full(2, np.nan),
                       np.array([100.0, ref]), file="f.csv")  # fmt: skip


@pytest.mark.parametrize(
    ("kw", "params"),
    [({"side": np.array([1, 255])}, ("side",)),
     ({"side": np.ones((2, 1))}, ("side",)),
     ({"size": np.array(["1", "a"])}, ("size",)),
     ({"size": [1.0, -1.0]}, ("size",)),
     ({"entry_price": [100.0]}, ("entry_price",)),
     ({"margin": [5.0, np.nan]}, ("margin",)),
     ({"margin": [5.0, 1e300]}, ("margin",)),
     ({"liq_price": [np.nan, 96.0]}, ("liq_price",)),
     ({"size": [1.0, 1e300]}, ("size", "entry_price")),
     ({"account": [1, 2, 3]}, ("account",)),
     ({"bankruptcy_price": [95.0, np.inf]}, ("bankruptcy_price",))],
)  # fmt: skip
def test_position_book_errors_name_their_parameter(
    kw: dict[str, Any], params: tuple[str, ...]
) -> None:
    # checks20: only bankruptcy_price (and its message read "bankruptcy_price:
    # PositionBook.bankruptcy_price ...") carried one; each message is as it was
    args = {"side": [1, 1], **_two(), **kw}
    with pytest.raises(InputError) as e:
        PositionBook(**args)
    assert e.value.params == params
    msg = str(e.value)
    assert msg.startswith("PositionBook.") and ": PositionBook" not in msg, msg
    # the command line shows a field of the book (PositionBook.size) as it is, never as
    # an option's flag (margin liq-price has --size and --margin)
    assert e.value.for_flags({params[0]: f"--{params[0]}"}) == msg


@pytest.mark.parametrize(
    ("args", "params"),
    [(([255], [100.0], [1.0]), ("side",)),
     (([-1, 1], np.array([99.0, "x"], dtype=object), [1.0, 1.0]), ("trigger",)),
     (([-1, 1], [99.0, 101.0], [1.0, np.nan]), ("size",)),
     (([-1, 1], [99.0], [1.0, 1.0]), ("trigger",)),
     (([-1], [3000.0], [1e300]), ("size", "trigger"))],
)  # fmt: skip
def test_stop_book_errors_name_their_parameter(
    args: tuple[Any, ...], params: tuple[str, ...]
) -> None:
    with pytest.raises(InputError) as e:
        StopBook(*args)
    assert e.value.params == params
    assert str(e.value).startswith("StopBook.")


@pytest.mark.parametrize(
    ("kw", "message"),
    [({"account": ["a", "b"]}, "PositionBook.account[0] is not a whole number (got 'a')"),
     ({"account": np.array([1, None], dtype=object)},
      "PositionBook.account[1] is not a whole number (got 'None')"),
     ({"account": [1.0, 1.5]}, "PositionBook.account[1] must be a whole number (got 1.5)"),
     ({"opened_ms": ["x", "y"]}, "PositionBook.opened_ms[0] is not a whole number (got 'x')"),
     ({"opened_ms": [0.0, np.nan]}, "PositionBook.opened_ms[1] must be a whole number (got nan)"),
     ({"opened_ms": np.array([True, False])},
      "PositionBook.opened_ms[0] is not a whole number (got 'True')")],
)  # fmt: skip
def test_account_and_opened_ms_must_be_whole_numbers(kw: dict[str, Any], message: str) -> None:
    # checks20b: text raised numpy's ValueError ("invalid literal for int()"), "7" was
    # read as 7, 1.5 cut to 1, NaN became -2**63
    with pytest.raises(InputError) as e:
        PositionBook(side=[1, 1], **_two(), **kw)
    assert str(e.value) == message
    assert e.value.params == (next(iter(kw)),)


def test_whole_accounts_and_times_are_kept() -> None:
    big = 2**62 + 1  # an int64 id past 2**53 is not rounded through a float
    b = PositionBook(side=[1, 1], **_two(), account=[big, 3], opened_ms=[1.0, 2.0])
    assert b.account.tolist() == [big, 3] and b.opened_ms.tolist() == [1, 2]
    assert b.account.dtype == np.int64 and b.opened_ms.dtype == np.int64


def test_bools_are_refused_as_numbers() -> None:
    # checks20b (PositionBook on _limits.real_array): a bool array was read as 1.0 / 0.0
    with pytest.raises(InputError) as e:
        PositionBook(side=[1, 1], **_two(size=np.array([True, True])))
    assert str(e.value) == "PositionBook.size[0] is not a number (got 'True')"
    assert e.value.param == "size"


@pytest.mark.parametrize(
    "account",
    [[2**63, 3], np.array([2**63, 3], dtype=np.uint64), [2.0**63, 3.0], [2**64, 3],
     np.array([2**64, 3], dtype=object)],
)  # fmt: skip
def test_ids_past_int64_are_refused(account: Any) -> None:
    # review20b: 2**63 (as a Python int, uint64, a float or an object) wrapped to -2**63
    with pytest.raises(InputError, match=r"^PositionBook\.account\[0\] must be .*int64") as e:
        PositionBook(side=[1, 1], **_two(), account=account)
    assert e.value.params == ("account",)


def test_whole_ids_as_objects_are_kept_exact() -> None:
    # review20b: an object array of ints (a pandas object column) went through a float
    big = 2**62 + 1
    b = PositionBook(side=[1, 1], **_two(), account=np.array([big, 3], dtype=object))
    assert b.account.tolist() == [big, 3]


@pytest.mark.parametrize("field", ["account", "opened_ms", "size", "entry_price", "margin"])
@pytest.mark.parametrize(
    "scalar",
    [5, np.int64(5), 5.0, np.float64(5.0), np.array(5)],
    ids=["int", "np-int64", "float", "np-float64", "0d-array"],
)
def test_a_scalar_is_refused_where_one_entry_per_position_is_wanted(
    field: str, scalar: Any
) -> None:
    # inputs21: account=5 or np.int64(5), size=5.0 likewise, were read as [5]
    # (np.ascontiguousarray makes a scalar one-dimensional), while side=1 was refused;
    # every field takes one entry per position, a one-position book included
    with pytest.raises(InputError) as e:
        PositionBook(side=[1], **{**ONE, field: scalar})
    assert str(e.value) == f"PositionBook.{field} has shape (), expected (1,)"
    assert e.value.param == field


def test_ids_of_another_length_name_their_field() -> None:
    # the two fields shared one message and param ("account and opened_ms must have one
    # entry per position"); each now names itself, as size does
    with pytest.raises(InputError) as e:
        PositionBook(side=[1, 1], **_two(), opened_ms=[1, 2, 3])
    assert str(e.value) == "PositionBook.opened_ms has shape (3,), expected (2,)"
    assert e.value.params == ("opened_ms",)
    b = PositionBook(side=[1], **ONE, account=np.array([np.int64(5)]), opened_ms=[7])
    assert b.account.tolist() == [5] and b.opened_ms.tolist() == [7]


def test_a_scalar_is_refused_in_a_stop_book_too() -> None:
    with pytest.raises(InputError) as e:
        StopBook([-1], np.float64(3000.0), [1.0])
    assert str(e.value) == "StopBook.trigger has shape (), expected (1,)"
    assert e.value.param == "trigger"
