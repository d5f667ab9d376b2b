"""One "n/a" rule for printed figures: ``_prices.fmt_or_na``.

Eight formatters turned a missing figure into "n/a" each by its own rule: some let
``inf`` through as "inf" (the key/value tables, ``vol``'s intervals), one printed "nan"
(``CascadeResult``'s notebook table), one raised on None (the support study's prose).
The rule is now one helper beside ``_prices.is_finite``; a formatter of its own form
(a percent with a typographic minus, a size-dependent form, "–" for an absent metric)
is built on it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from liqcascade._cli import _common, cascade_backtest, cascade_follow, liqmap_validate, vol
from liqcascade._prices import NA, fmt_or_na
from liqcascade.cascade import _result as cascade_result

MISSING: list[Any] = [None, math.nan, math.inf, -math.inf, np.float64("nan"), np.float32("inf"),
                      "not a number", [1.0]]  # fmt: skip


@pytest.mark.parametrize("x", MISSING)
def test_every_formatter_says_na_for_what_is_not_a_finite_number(x: Any) -> None:
    assert fmt_or_na(x, ".2f") == NA == "n/a"
    assert fmt_or_na(x, lambda v: "never called") == NA
    assert cascade_backtest._f2(x) == NA
    assert cascade_follow._pct(x) == NA
    assert vol._interval(x, 0.015).plain == NA and vol._interval(-0.063, x).plain == NA
    assert _common._fmt(x) in (NA, str(x))  # a list / string is printed as it is
    if isinstance(x, float) or x is None:
        assert _common._fmt(x) == NA
    if isinstance(x, float):
        assert liqmap_validate._fmt(x) == NA == liqmap_validate._fmt(x, pct=True)
        assert liqmap_validate._fmt_days(x) == NA
        assert cascade_result._fmt(x) == NA  # was "nan" in the notebook table


def test_the_forms_are_unchanged_on_finite_figures() -> None:
    assert fmt_or_na(0.4567, ".2f") == "0.46" == cascade_backtest._f2(0.4567)
    assert fmt_or_na(7, "d") == "7"  # an int keeps its own formats
    assert fmt_or_na(np.float64(0.25), "+.1%") == "+25.0%"
    assert cascade_follow._pct(-0.1) == "−10.0 %"
    assert cascade_follow._pct(0.0123, 2, signed=False) == "1.23 %"
    assert liqmap_validate._fmt(None) == "–" and liqmap_validate._fmt_days(None) == "–"
    assert liqmap_validate._fmt(12345.6) == "12,346" and liqmap_validate._fmt(0.5) == "0.500"
    assert liqmap_validate._fmt(0.5, pct=True) == "50.0 %" and liqmap_validate._fmt(3) == "3"
    assert liqmap_validate._fmt_days(29.6) == "30"
    assert cascade_result._fmt(3698.39) == "3,698.39" and cascade_result._fmt(0.5) == "0.5"
    assert _common._fmt(1e6) == "1,000,000" and _common._fmt(np.float64(0.5)) == "0.5"
    assert _common._fmt(3) == "3" and _common._fmt("ETH") == "ETH"
    assert vol._interval(-0.063, 0.015).plain == "[-0.063, 0.015]"


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_na_exactly_when_not_finite(x: float) -> None:
    assert (fmt_or_na(x, ".3g") == NA) == (not math.isfinite(x))
    assert (cascade_follow._pct(x) == NA) == (not math.isfinite(x))
