"""A 1x long has no liquidation price: say so, and bound its stop by a price of zero.

The rationale said "inside liquidation at 0.00" and the table "liq_price 0.00 USD" (the
library's 0 for a long that cannot be liquidated); with ``max_liq_fraction=1`` the
slippage profile reached a price of 0 and ``expected_slippage`` raised "stop price must
be > 0 USD" for a stop the user never gave.
"""

from __future__ import annotations

import pytest

from clihelpers import run_cli
from liqcascade.cascade import MarketState, market_state
from liqcascade.protect import RecommendSettings, recommend_stop


@pytest.fixture(scope="module")
def state() -> MarketState:
    return market_state("ETH")


def test_a_1x_long_says_it_has_no_liquidation_price(state: MarketState) -> None:
    r = recommend_stop("long", 3700.0, 10.0, 1.0, state=state, n_levels=3)
    assert r.liq_price == 0.0  # the library's value for "cannot be liquidated"
    assert r.rationale.endswith("no liquidation price at 1x.")
    assert f"Stop below the mid {state.mid:,.2f} (" in r.rationale
    assert "inside liquidation" not in r.rationale
    # a leveraged long, and a 1x short (liquidated at about twice the entry), still name it
    for side, lev in (("long", 10.0), ("short", 1.0)):
        o = recommend_stop(side, 3700.0, 10.0, lev, state=state, n_levels=3)
        assert o.liq_price > 0 and f"inside liquidation at {o.liq_price:,.2f}." in o.rationale


def test_a_1x_long_capped_by_the_way_to_zero(state: MarketState) -> None:
    r = recommend_stop("long", 3700.0, 10.0, 1.0, state=state, n_levels=3,
                       settings=RecommendSettings(k=11.0))  # fmt: skip
    assert r.distance == pytest.approx(0.8, abs=1e-5)  # on the 0.01 tick, toward the price
    assert "capped at 80.00 % to stay 80 % of the way to a price of zero;" in r.rationale


def test_max_liq_fraction_1_on_a_1x_long_keeps_the_profile_above_zero(
    state: MarketState,
) -> None:
    s = RecommendSettings(max_liq_fraction=1.0)
    r = recommend_stop("long", 3700.0, 10.0, 1.0, state=state, n_levels=4, settings=s)
    assert r.stop_price > 0
    # from the mid down to (not at) a price of zero
    m = state.mid
    assert list(r.levels["price"]) == pytest.approx([0.75 * m, 0.5 * m, 0.25 * m], rel=1e-12)
    # a leveraged long's profile still reaches its liquidation price
    o = recommend_stop("long", 3700.0, 10.0, 10.0, state=state, n_levels=4, settings=s)
    assert len(o.levels) == 4 and o.levels["price"].iloc[-1] == pytest.approx(o.liq_price)


def test_cli_prints_none_for_a_1x_long() -> None:
    r = run_cli("stops", "recommend", "--side", "long", "--entry", "3700", "--size", "10",
                "--leverage", "1", env={"COLUMNS": "200"})  # fmt: skip
    assert r.exit_code == 0, r.stderr
    row = next(ln for ln in r.stdout.splitlines() if ln.strip().startswith("liq_price"))
    assert row.split(None, 1)[1].strip() == "none (no liquidation price at 1x)"
    assert "0.00 USD" not in row and "inside liquidation at 0.00" not in r.stdout
    pos = next(ln for ln in r.stdout.splitlines() if ln.strip().startswith("position"))
    assert pos.split(None, 1)[1].strip() == "long 10 ETH at 3,700.00 USD, 1x"  # single spaces
