"""stops recommend --entry against the market's mid (C11): unit errors, past liquidation."""

from __future__ import annotations

import pytest

from clihelpers import run_cli
from liqcascade.errors import InputError
from liqcascade.positions import unit_error
from liqcascade.protect._recommend import (
    FAR_FROM_MID,
    check_entry_at_mid,
    entry_far_warning,
    liquidation_price,
)


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
    assert f"is {ratio}x the {asset} market's mid" in str(e.value)
    # liqmap --price's and cascade --shock-price's wording (one check, positions.unit_error)
    assert str(e.value).endswith(
        "more than 10x away from it is a unit error (prices are USD per coin)"
    )
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


def test_entry_message_is_liqmaps() -> None:
    # the same words as liqmap --price, its name the library's (entry)
    liq = liquidation_price(1, 37_000.0, 10.0, 10.0)
    with pytest.raises(InputError) as e:
        check_entry_at_mid(1, 37_000.0, liq, 3698.39, "ETH")
    assert str(e.value) == unit_error("entry", 37_000.0, 3698.39, "the ETH market's mid")


def test_far_entry_warns_beyond_the_maps_range() -> None:
    from inspect import signature

    from liqcascade.positions import liquidation_map

    # "far" is the liquidation map's half-range: past it no cluster can be mapped
    assert signature(liquidation_map).parameters["range_"].default == pytest.approx(FAR_FROM_MID)
    w = entry_far_warning(2000.0, 3698.39, "ETH")  # the trial's 46 % below the mid
    assert w is not None and w.startswith("entry 2,000 is -46 % from the ETH mid 3,698.39")
    assert "more than 20 %" in w
    assert entry_far_warning(4500.0, 3698.39, "ETH") is not None  # +22 %
    assert entry_far_warning(3000.0, 3698.39, "ETH") is None  # -19 %
    assert entry_far_warning(3700.0, 3698.39, "ETH") is None


def test_cli_entry_unit_error_and_no_far_warning() -> None:
    r = run_cli(
        "stops",
        "recommend",
        "--side",
        "long",
        "--entry",
        "37000",
        "--size",
        "1",
        "--leverage",
        "10",
    )
    assert r.exit_code == 2
    assert r.stderr.strip() == (
        "error: --entry 37,000 is 10x the ETH market's mid 3,698.39: more than 10x away "
        "from it is a unit error (prices are USD per coin)"
    )
    f = run_cli("stops", "recommend", "--side", "long",
                "--entry", "2000", "--size", "10", "--leverage", "20",
                "--json")  # fmt: skip
    assert f.exit_code == 0, f.stderr
    # 46 % below the mid is no warning: the stop is laid off from the mid, on the map
    err = [x for x in f.stderr.strip().splitlines() if not x.startswith("note: not today's market")]
    assert not [x for x in err if x.startswith("warning: entry ")]
    j = f.json()
    assert not [w for w in j["warnings"] if w.startswith("entry ")]
    assert j["liq_price"] < 2000.0 < j["stop_price"] < j["mid"]
