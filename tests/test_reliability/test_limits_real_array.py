"""``_limits.real_array``: the one array checker (checks20).

The margin package's ``notional_array`` and the stress package's ``loss_array`` checked
arrays with their own copies of its code; they call it now, with options for what
differs (shape kept or read flat, numpy's cast, an empty sample, their wording). Their
messages are pinned here as they read before.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from liqcascade._limits import MAX_USD, check_real, real_array, real_number
from liqcascade.errors import InputError
from liqcascade.margin._tiers import notional_array
from liqcascade.stress._result import loss_array

NAN, INF = math.nan, math.inf


@pytest.mark.parametrize(
    ("value", "nan_only", "message"),
    [("abc", False, "notional must be a number, USD (got 'abc')"),
     (NAN, False, "notional must be a finite number >= 0 USD (got nan)"),
     ([[1.0, 2.0], [3.0, -1.0]], False, "notional[1, 1] must be a finite number >= 0 USD (got -1)"),
     ([1.0, None], False, "notional must be a number, USD (got [1.0, None])"),
     (np.array(NAN), True, "notional must be a number (USD) (got nan)")],
)  # fmt: skip
def test_notional_array_messages_are_as_before(value: Any, nan_only: bool, message: str) -> None:
    with pytest.raises(InputError) as e:
        notional_array(value, nan_only=nan_only)
    assert str(e.value) == message
    assert e.value.param == "notional"


def test_notional_array_keeps_the_shape_and_takes_numbers_only() -> None:
    """Numbers of any numeric type; text and bools are refused (numpy's cast read them
    as 1000 and 1 until session 21)."""
    got = notional_array([[1000, np.float32(1.0)], [2.5, np.int64(0)]])
    assert got.shape == (2, 2) and got.dtype == np.float64
    assert got.tolist() == [[1000.0, 1.0], [2.5, 0.0]]
    with pytest.raises(InputError, match=r"^notional must be a number, USD \(got \[\['1000'"):
        notional_array([["1000", True], [2.5, 0]])
    assert notional_array(5.0).shape == ()
    assert notional_array([-INF, INF], nan_only=True).tolist() == [-INF, INF]  # the clamps


@pytest.mark.parametrize(
    ("value", "message"),
    [(["a"], "loss must be numbers, USD"),
     ([], "loss is empty: a VaR or ES needs at least one path"),
     ([[1.0, 2.0], [INF, 3.0]], "loss[2] must be a finite number, USD (got inf)")],
)  # fmt: skip
def test_loss_array_messages_are_as_before(value: Any, message: str) -> None:
    with pytest.raises(InputError) as e:
        loss_array(value)
    assert str(e.value) == message
    assert e.value.param == "loss"


def test_loss_array_reads_any_shape_flat() -> None:
    assert loss_array([[1.0, 2.0], [3.0, 4.0]]).tolist() == [1.0, 2.0, 3.0, 4.0]
    assert loss_array(7.0).tolist() == [7.0]


def test_a_ragged_list_is_refused_as_not_numbers() -> None:
    # numpy's own ValueError ("inhomogeneous shape") escaped before
    with pytest.raises(InputError, match=r"^x must be a one-dimensional array of numbers") as e:
        real_array([[1.0, 2.0], [3.0]], "x")
    assert e.value.param == "x"


def test_the_most_usd_option_names_the_first_amount_past_it() -> None:
    with pytest.raises(InputError) as e:
        real_array([1.0, 2e15, 1e300], "amounts", least=0.0, most_usd=MAX_USD)
    assert str(e.value) == "amounts[1] must be at most 1e+15 USD (got 2e+15)"
    assert real_array([0.0, MAX_USD], "amounts", least=0.0, most_usd=MAX_USD)[1] == MAX_USD


def test_nan_false_refuses_nan_and_lets_infinity_pass() -> None:
    with pytest.raises(InputError, match=r"^x\[1\] must be a number \(got nan\)$"):
        real_array([INF, NAN], "x", finite=False, nan=False)
    assert real_array([INF, -INF], "x", finite=False, nan=False).tolist() == [INF, -INF]
    assert math.isnan(real_array([NAN], "x", finite=False)[0])  # the default lets it pass


@pytest.mark.parametrize("value", [[1 + 2j, 3.0], np.array([1 + 0j]), np.complex64(2.0)])
def test_numpys_cast_refuses_complex_numbers(value: Any) -> None:
    # cast=True dropped the imaginary part with numpy's ComplexWarning only (review20)
    with pytest.raises(InputError) as e:
        notional_array(value)
    assert e.value.param == "notional"


# checks20b: margin's _check, Aave's _arr and PositionBook's _f64 / _require call it ---
def test_an_array_of_real_numbers_as_objects_is_read() -> None:
    # PositionBook read them (a Fraction, an int among floats); real_array refused them
    got = real_array(np.array([1, 2.5], dtype=object), "x")
    assert got.dtype == np.float64 and got.tolist() == [1.0, 2.5]
    with pytest.raises(InputError, match=r"^x\[1\] is not a number \(got 'None'\)$"):
        real_array(np.array([1, None], dtype=object), "x",
                   numbers="{name}[{i}] is not a number (got {value!r})")  # fmt: skip


def test_strict_most_valid_label_and_fault() -> None:
    with pytest.raises(InputError) as e:
        real_array([1.0, 0.0], "size", least=0.0, strict=True, label="Book.size")
    assert str(e.value) == "Book.size[1] must be finite and > 0 (got 0)"
    assert e.value.param == "size"
    with pytest.raises(InputError, match=r"^x\[1\] must be finite and >= 0 and <= 1 \(got 2\)$"):
        real_array([0.5, 2.0, -1.0], "x", least=0.0, most=1.0)  # the first at fault
    with pytest.raises(InputError, match=r"^x\[0\] must be \+1 or -1 \(got 0\)$"):
        real_array([0.0, 1.0], "x", valid=np.array([False, True]), rule="+1 or -1")
    with pytest.raises(InputError, match=r"^x\[0, 1\] is -1\.0$"):
        real_array([[1.0, -1.0]], "x", least=0.0, shape="any", fault=lambda w, v: f"x{w} is {v}")


ENTRY = "{name}[{i}] is not a number (got {value!r})"


def test_an_empty_array_of_objects_is_read() -> None:
    # review20b: refused as "x[0] is not a number (got '')"; PositionBook read it (a
    # header-only CSV gives object columns)
    got = real_array(np.array([], dtype=object), "x", numbers=ENTRY)
    assert got.dtype == np.float64 and got.shape == (0,)


def test_values_numpy_cannot_read_are_not_named_as_an_entry() -> None:
    # review20b: a ragged list got "x[0] is not a number (got '')", naming no entry at fault
    with pytest.raises(InputError) as e:
        real_array([[1.0, 2.0], [3.0]], "x", shape="any", numbers=ENTRY, label="Book.x")
    assert str(e.value) == (
        "Book.x must be a one-dimensional array of numbers (got values numpy cannot read "
        "as an array)"
    )
    assert e.value.param == "x"


def test_decimals_and_fractions_are_real_numbers_text_is_not() -> None:
    """A ledger's Decimal is a number (its float); a signalling NaN, text, bytes are not."""
    got = real_array([Decimal("0.1"), Fraction(1, 3), 2], "x")
    np.testing.assert_allclose(got, [0.1, 1 / 3, 2.0], rtol=1e-12)
    assert check_real(Decimal("2.5"), "x", least=0.0) == pytest.approx(2.5, rel=1e-12)
    assert math.isnan(real_number(Decimal("NaN")))  # a quiet NaN: the range rule's to refuse
    for value in (Decimal("sNaN"), "2.5", b"2.5", None, True):
        assert real_number(value) is None, value
