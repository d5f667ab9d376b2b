"""ADL and account splitting under numbers outside their domain (api18).

``adl_ranking`` and ``adl_capacity`` checked nothing: a NaN size or entry price came back
as a NaN score or capacity; ``allocate_adl`` checked only the size, so a NaN or infinite
entry price or margin dropped the position from the queue without a word, and a NaN
bankruptcy price made every haircut NaN. ``split_accounts`` returned an empty book for a
NaN ``min_notional`` or an infinite ``sigma``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from liqcascade.errors import InputError
from liqcascade.positions import PositionBook
from liqcascade.solvency import (
    Exchange,
    ExchangeLedger,
    adl_capacity,
    adl_ranking,
    allocate_adl,
    gini,
    split_accounts,
)

NAN, INF = math.nan, math.inf
SIDE = np.array([1.0, 1.0, -1.0, -1.0])
SIZE = np.array([10.0, 20.0, 5.0, 7.0])
ENTRY = np.array([3100.0, 3050.0, 2900.0, 2950.0])
MARGIN = ENTRY * SIZE / 20


def _arrays(**bad: tuple[int, float]) -> dict[str, np.ndarray]:
    out = {"side": SIDE, "size": SIZE, "entry_price": ENTRY, "margin": MARGIN}
    out = {k: v.copy() for k, v in out.items()}
    for name, (i, v) in bad.items():
        out[name][i] = v
    return out


CASES = [
    ("size", NAN),
    ("size", INF),
    ("size", -1.0),
    ("entry_price", NAN),
    ("entry_price", INF),
    ("entry_price", 0.0),
    ("margin", NAN),
    ("margin", -INF),
    ("side", 2.0),
]


@pytest.mark.parametrize(("name", "value"), CASES)
def test_every_adl_function_refuses_an_entry_outside_its_domain(name: str, value: float) -> None:
    a = _arrays(**{name: (3, value)})
    calls = [
        lambda: allocate_adl("binance", **a, mark_price=2900.0, deficit=100.0, loss_side=1),
        lambda: adl_ranking(
            "hyperliquid", a["side"], a["size"], a["entry_price"], a["margin"], 2900.0
        ),
    ]
    if name != "margin":
        calls.append(lambda: adl_capacity(a["side"], a["size"], a["entry_price"], 2900.0, 1))
    for call in calls:
        with pytest.raises(InputError, match=rf"{name}\[3\] must be") as e:
            call()
        assert e.value.param == name


@pytest.mark.parametrize("mark", [NAN, INF, 0.0, -1.0])
def test_the_ranking_and_capacity_refuse_a_mark_price_not_above_zero(mark: float) -> None:
    with pytest.raises(InputError, match="mark_price must be") as e:
        adl_ranking("binance", SIDE, SIZE, ENTRY, MARGIN, mark)
    assert e.value.param == "mark_price"
    with pytest.raises(InputError, match="mark_price must be") as e:
        adl_capacity(SIDE, SIZE, ENTRY, mark, 1)
    assert e.value.param == "mark_price"


def test_the_mark_price_may_be_a_numpy_number() -> None:
    # a zero-dimensional array is one number, as it was before api18's check (which
    # refused np.array(2900.0) as "mark_price must be > 0 (got 2900.0)")
    want = adl_ranking("binance", SIDE, SIZE, ENTRY, MARGIN, 2900.0)
    for mark in (np.array(2900.0), np.float32(2900.0), np.int64(2900)):
        got = adl_ranking("binance", SIDE, SIZE, ENTRY, MARGIN, mark)  # type: ignore[arg-type]
        assert np.array_equal(got, want)  # the same computation: bit for bit
        _, cap = adl_capacity(SIDE, SIZE, ENTRY, mark, 1)  # type: ignore[arg-type]
        assert np.array_equal(cap, adl_capacity(SIDE, SIZE, ENTRY, 2900.0, 1)[1])
    with pytest.raises(InputError, match="mark_price must be") as e:
        adl_ranking("binance", SIDE, SIZE, ENTRY, MARGIN, True)  # type: ignore[arg-type]
    assert e.value.param == "mark_price"


@pytest.mark.parametrize("pb", [NAN, INF, -1.0])
def test_a_bankruptcy_price_outside_its_domain_is_refused(pb: float) -> None:
    with pytest.raises(InputError, match="bankruptcy_price must be") as e:
        allocate_adl(
            "socialized", **_arrays(), mark_price=2900.0, deficit=100.0, loss_side=1,
            bankruptcy_price=pb,
        )  # fmt: skip
    assert e.value.param == "bankruptcy_price"


def test_arrays_of_different_lengths_and_a_bad_account_are_refused() -> None:
    with pytest.raises(InputError, match="same length"):
        adl_capacity(SIDE, SIZE[:3], ENTRY, 2900.0, 1)
    with pytest.raises(InputError, match="account must hold one id per position") as e:
        allocate_adl(
            "binance", **_arrays(), mark_price=2900.0, deficit=100.0, loss_side=1,
            account=np.array([0, 1]),
        )  # fmt: skip
    assert e.value.param == "account"


def test_a_closed_slot_is_still_allowed() -> None:
    # the ledger keeps closed positions as side 0, size 0 (their entry is not read)
    a = _arrays(side=(0, 0.0), size=(0, 0.0), entry_price=(0, 0.0))
    r = allocate_adl("binance", **a, mark_price=2900.0, deficit=100.0, loss_side=1)
    assert r.haircut[0] == 0.0
    assert r.covered_usd == pytest.approx(100.0, rel=1e-12)


def _book() -> PositionBook:
    return PositionBook(
        SIDE, SIZE, ENTRY, MARGIN, ENTRY * (1 - SIDE * 0.045), ENTRY * (1 - SIDE / 20)
    )


@pytest.mark.parametrize(
    ("kw", "param"),
    [
        ({"min_notional": NAN}, "min_notional"),
        ({"min_notional": -1.0}, "min_notional"),
        ({"sigma": INF}, "sigma"),
        ({"sigma": NAN}, "sigma"),
        ({"sigma": 1e6}, "sigma"),
    ],
)
def test_split_accounts_refuses_numbers_that_emptied_the_book(
    kw: dict[str, float], param: str
) -> None:
    with pytest.raises(InputError) as e:
        split_accounts(_book(), **kw)
    assert e.value.param == param


def test_split_accounts_with_sigma_zero_splits_each_position_evenly() -> None:
    out = split_accounts(_book(), per_position=4, sigma=0.0, min_notional=0.0)
    assert len(out) == 16
    np.testing.assert_allclose(out.size, np.repeat(SIZE / 4, 4), rtol=1e-12)


@pytest.mark.parametrize(
    ("x", "match"),
    [([1.0, NAN], r"x\[1\] must be finite and >= 0"),
     ([INF, 1.0], r"x\[0\] must be finite"),
     ([1.0, -2.0], r"x\[1\] must be finite and >= 0 \(got -2\)"),
     (np.ones((2, 2)), "one-dimensional array of numbers"),
     (["a", "b"], "one-dimensional array of numbers"),
     ([1e308, 1e308], "x is too large")],
)  # fmt: skip
def test_gini_refuses_amounts_that_are_not_finite_non_negative(x: object, match: str) -> None:
    # a NaN or inf gave NaN, -2 a coefficient outside [0, 1), a 2-D array numpy's
    # broadcast error, text numpy's ValueError, 1e308s NaN from an overflowed sum
    with pytest.raises(InputError, match=match) as e:
        gini(x)  # type: ignore[arg-type]
    assert e.value.param == "x"


def test_gini_of_valid_amounts_is_in_zero_one() -> None:
    assert gini(np.array([5.0, 5.0, 5.0])) == pytest.approx(0.0, abs=1e-12)
    assert gini(np.array([0.0, 0.0, 0.0, 8.0])) == pytest.approx(0.75, rel=1e-12)
    assert math.isnan(gini(np.zeros(2)))


def _exchange_book() -> PositionBook:
    return PositionBook([1, -1], [1.0, 1.0], [3000.0, 3000.0], [300.0, 300.0],
                        [2750.0, 3250.0], [2700.0, 3300.0])  # fmt: skip


@pytest.mark.parametrize(
    ("kw", "param"),
    [({"mid": NAN}, "mid"), ({"mid": INF}, "mid"), ({"mid": 0.0}, "mid"),
     ({"mid": "3000"}, "mid"), ({"liabilities_usd": INF}, "liabilities_usd")],
)  # fmt: skip
def test_an_exchange_refuses_a_mid_or_liabilities_that_are_not_finite(
    kw: dict[str, object], param: str
) -> None:
    # lib19: a NaN mid ran every scenario from a NaN price; infinite liabilities made
    # every ratio of the test 0
    with pytest.raises(InputError, match=f"^{param} must be") as e:
        Exchange(_exchange_book(), 1e6, **kw)  # type: ignore[arg-type]
    assert e.value.param == param
    assert Exchange(_exchange_book(), 1e6, mid=np.float64(3000.0)).mid == 3000.0


@pytest.mark.parametrize(
    ("kw", "param"),
    [({"mmr": NAN}, "mmr"), ({"mmr": -0.1}, "mmr"), ({"mmr": 1.0}, "mmr"),
     ({"insurance_fund": INF}, "insurance_fund")],
)  # fmt: skip
def test_a_ledger_refuses_an_mmr_or_fund_outside_its_domain(
    kw: dict[str, float], param: str
) -> None:
    # lib19: a NaN mmr liquidated no one, an infinite fund never ran dry
    with pytest.raises(InputError, match=f"^{param} must be") as e:
        ExchangeLedger(3000.0, **kw)
    assert e.value.param == param
    with pytest.raises(InputError, match=r"^new_price must be > 0") as e:
        ExchangeLedger(3000.0).move(NAN)
    assert e.value.param == "new_price"
