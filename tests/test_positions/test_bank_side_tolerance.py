"""``check_bank_side`` allows rounding: prices equal by formula are not refused (session 23).

The rule compared strictly, so a bankruptcy price one rounding step past its liquidation
price was refused although the two are one price computed two ways: Binance's formula
at an ``mmr`` of 1e-16 (the smallest it takes is any > 0) gives a liquidation price equal
to the bankruptcy price to far below a cent, and for about 3 % of positions the float
bankruptcy lies an ulp beyond it. The rule now allows :data:`BANK_SIDE_RTOL` (1e-12 of
the price).
"""

from __future__ import annotations

import numpy as np
import pytest

from liqcascade.errors import InputError
from liqcascade.margin import liq_price
from liqcascade.positions import PositionBook
from liqcascade.positions._book import BANK_SIDE_RTOL, check_bank_side


def test_venue_prices_equal_by_formula_are_accepted() -> None:
    r = liq_price("binance", 1, 13.497, 2486.65, 16781.16, mmr=1e-16)
    liq, bank = float(r.liq_price[0]), float(r.bankruptcy_price[0])
    assert bank > liq  # one rounding step past it: the strict rule refused this pair
    assert bank - liq < 1e-12 * liq
    check_bank_side(np.array([1.0]), r.liq_price, r.bankruptcy_price)  # nothing raised
    book = PositionBook(
        side=np.array([1], np.int8),
        size=r.size,
        entry_price=r.entry_price,
        margin=r.margin,
        liq_price=r.liq_price,
        bankruptcy_price=r.bankruptcy_price,
    )
    assert len(book) == 1


def test_a_short_one_rounding_step_under_is_accepted() -> None:
    r = liq_price("binance", -1, 8.494, 1391.15, 621.92, mmr=1e-16)
    assert r.bankruptcy_price[0] < r.liq_price[0]  # past a short's liquidation, by an ulp
    check_bank_side(np.array([-1.0]), r.liq_price, r.bankruptcy_price)


@pytest.mark.parametrize(
    ("side", "bank"),
    [(1.0, 2950.0), (1.0, 2900.0 * (1 + 100 * BANK_SIDE_RTOL)), (-1.0, 2900.0 * (1 - 1e-9))],
    ids=["long-50-usd", "long-100-tolerances", "short-1e-9"],
)
def test_a_real_disagreement_is_still_refused(side: float, bank: float) -> None:
    with pytest.raises(InputError, match=r"bankruptcy_price .* the liq_price 2,900\.00") as e:
        check_bank_side(np.array([side]), np.array([2900.0]), np.array([bank]))
    assert e.value.param == "bankruptcy_price"
