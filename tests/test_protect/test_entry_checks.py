"""stops recommend --entry against the market's mid (C11): unit errors, past liquidation."""

from __future__ import annotations

import pytest

from liqcascade.errors import InputError
from liqcascade.protect._recommend import check_entry_at_mid, liquidation_price


@pytest.mark.parametrize(
    ("entry", "mid", "asset", "ratio"),
    [(3.7, 3698.39, "ETH", "0.001"), (3_700_000.0, 3698.39, "ETH", "1e+03"),
     (3700.0, 115_764.08, "BTC", "0.032")],
)  # fmt: skip
def test_entry_far_from_the_mid_is_a_unit_error(
    entry: float, mid: float, asset: str, ratio: str
) -> None:
    liq = liquidation_price(1, entry, 10.0, 10.0)
    with pytest.raises(InputError) as e:
        check_entry_at_mid(1, entry, liq, mid, asset)
    assert e.value.param == "entry"
    assert f"is {ratio}x the {asset} mid" in str(e.value) and "unit error" in str(e.value)
    assert e.value.for_flags({"entry": "--entry"}).startswith("--entry ")


def test_entry_already_past_liquidation() -> None:
    liq = liquidation_price(1, 4200.0, 10.0, 10.0)  # a 10x long from 4,200 at a 3,698 mid
    assert liq > 3698.39
    with pytest.raises(InputError, match=r"^entry 4,200: the position is already beyond its "
                       r"liquidation price 3,795\.18 at the ETH mid 3,698\.39$"):  # fmt: skip
        check_entry_at_mid(1, 4200.0, liq, 3698.39, "ETH")
    short_liq = liquidation_price(-1, 3300.0, 10.0, 10.0)
    with pytest.raises(InputError, match="already beyond"):
        check_entry_at_mid(-1, 3300.0, short_liq, 3698.39, "ETH")
    # a sound position passes (9x away is within the 10x rule)
    check_entry_at_mid(1, 3650.0, liquidation_price(1, 3650.0, 10.0, 10.0), 3698.39, "ETH")
    check_entry_at_mid(-1, 3700.0, liquidation_price(-1, 3700.0, 10.0, 2.0), 3698.39, "ETH")
