"""A recommended stop is never worse than the raw stop by the recommender's own criteria.

Trial 23: at 50x a long's raw stop 3,652.45 (expected slippage 0.01 %) sat in a
cluster; the walk out of it ended at 3,679.72, inside another cluster and the 3,700
round-number zone, with a higher slippage (0.08 %), and the ``avoided`` line claimed a
move out of the crowd. Now a move is kept only to a level clear of every zone whose
expected slippage is no higher; otherwise the raw stop stays and a warning says which
clear level is missing (none at all, none within the walk's reach, none no worse) and
suggests a lower leverage.
"""

from __future__ import annotations

import pytest

from clihelpers import run_cli
from liqcascade.cascade import MarketState, market_state
from liqcascade.protect import recommend_stop
from liqcascade.protect._recommend import (
    SLIPPAGE_TOL,
    _declutter,
    _nearest_clear,
    _no_clear_level,
)

#: Slippages are fractions of the trigger; equal "up to float noise".
TOL = SLIPPAGE_TOL


def _zone(lo: float, hi: float) -> dict[str, object]:
    return {"kind": "cluster", "price_low": lo, "price_high": hi}


def test_walk_between_overlapping_zones_keeps_the_raw_stop() -> None:
    # A long from 3,700 (bound 3,500); the raw stop 3,645 sits in both A and B: the
    # nearest-edge walk goes A -> 3,650.01 (in B) -> 3,639.99 (in A) -> ... and never
    # ends clear; it used to return wherever it stopped, inside a zone, with the zones
    # it had left listed as avoided
    a, b = _zone(3600.0, 3650.0), _zone(3640.0, 3700.0)
    stop, avoided, clean = _declutter(3645.0, 1, 3700.0, 3500.0, [a, b])
    assert stop == pytest.approx(3645.0, rel=1e-12) and (avoided, clean) == ([], False)
    # the warning names the nearest clear level (below A), not taken
    assert _nearest_clear(3645.0, 1, 3700.0, 3500.0, [a, b]) == pytest.approx(3599.99, abs=1e-9)
    assert _nearest_clear(3645.0, 1, 3700.0, 3605.0, [a, b]) is None  # past the bound


def test_no_clear_level_keeps_the_raw_stop() -> None:
    # the zones cover everything from the bound 3,640 to entry 3,700 (the 50x case)
    zones = [_zone(3624.70, 3679.71), _zone(3661.50, 3716.88), _zone(3666.70, 3703.70)]
    stop, avoided, clean = _declutter(3652.45, 1, 3700.0, 3640.56, zones)
    assert stop == pytest.approx(3652.45, rel=1e-12) and (avoided, clean) == ([], False)
    # a short mirrored
    stop, avoided, clean = _declutter(3747.0, -1, 3700.0, 3760.0, [_zone(3690.0, 3770.0)])
    assert stop == pytest.approx(3747.0, rel=1e-12) and (avoided, clean) == ([], False)


def test_the_warning_says_which_level_is_missing() -> None:
    """Each of the three cases names what is missing without contradicting itself.

    Session 24: a walk that ended in another zone read "no clear level for the stop: …
    (the nearest level clear of every zone, 3,771.89, …)": no clear level, then one.
    """
    held = [{"kind": "cluster", "price_low": 3974.29, "price_high": 4032.82}]
    head, why = _no_clear_level(held, None, 3771.89, 0.0, 3698.0, 2)
    assert head == "no level clear of the zones within the walk's reach"
    assert "no clear level" not in head + why
    assert "3,771.89 (2.00 % from the mid), is out of that walk's reach" in why
    # the distance is from the mid the walk starts at, the parameter's name says so
    _, why = _no_clear_level(held, None, 3771.89, 0.0, mid=3698.0, d=2)
    assert "(2.00 % from the mid)" in why
    head, why = _no_clear_level(held, None, None, 0.0, 3698.0, 2)
    assert head == "no clear level for the stop"  # none exists: the words are true
    assert "every level between the mid and the liquidation bound lies in a" in why
    head, why = _no_clear_level(held, (3960.0, 0.001), None, 0.0001, 3698.0, 2)
    assert head.startswith("no clear level with an expected slippage no higher than")
    assert "3,960.00, has a higher expected slippage (0.100 % against 0.010 %)" in why


@pytest.fixture(scope="module")
def state() -> MarketState:
    return market_state("ETH")


@pytest.mark.parametrize("liquidity", ["static", "calibrated"])
def test_50x_long_keeps_its_raw_stop_with_a_warning(state: MarketState, liquidity: str) -> None:
    r = recommend_stop("long", 3700.0, 10.0, 50.0, state=state, n_levels=2, liquidity=liquidity)
    assert r.stop_price == pytest.approx(r.raw_stop_price, rel=1e-12)
    # 80 % of the way from the mid 3,698.39 to liquidation, on the 0.01 tick
    assert r.stop_price == pytest.approx(
        state.mid - 0.8 * (state.mid - r.liq_price), abs=0.0100001
    ) and r.stop_price == pytest.approx(3652.13, abs=0.005)
    assert r.expected_slippage <= r.raw_expected_slippage + TOL
    assert r.avoided_clusters == []  # nothing was avoided: the stop did not move
    assert len(r.warnings) == 1
    w = r.warnings[0]
    assert w.startswith("no clear level for the stop: it lies in cluster ")
    assert "every level between the mid and the liquidation bound lies in a" in w
    assert "lower leverage" in w
    assert "kept there: it lies in" in r.rationale
    assert r.summary()["warnings"] == r.warnings


@pytest.mark.parametrize(
    ("side", "size", "leverage"), [("short", 10.0, 10.0), ("short", 2000.0, 10.0),
                                   ("long", 10.0, 10.0), ("long", 10.0, 50.0)],
)  # fmt: skip
def test_recommended_never_worse_than_raw(
    state: MarketState, side: str, size: float, leverage: float
) -> None:
    # the short 10 ETH at 10x moved from 3,983.03 (0.010 % static) to 3,974.28 (0.100 %)
    for liquidity in ("static", "calibrated"):
        r = recommend_stop(side, 3700.0, size, leverage, state=state, n_levels=2,
                           liquidity=liquidity)  # fmt: skip
        assert r.expected_slippage <= r.raw_expected_slippage + TOL, (liquidity, r.rationale)
        for z in r.avoided_clusters:  # the avoided line is true of the stop returned
            assert not z["price_low"] <= r.stop_price <= z["price_high"]
        if r.stop_price != r.raw_stop_price:  # a move ends clear of every zone
            assert all("stays at the raw stop" not in w for w in r.warnings)
        else:
            assert r.avoided_clusters == []


def test_cli_prints_the_warning_and_keeps_exit_0() -> None:
    r = run_cli("stops", "recommend", "--side", "long",
                "--entry", "3700", "--size", "10", "--leverage", "50",
                "--json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    err = r.stderr.strip().splitlines()
    assert len(err) == 2 and err[0].startswith("warning: no clear level for the stop")
    assert err[1].startswith("note: not today's market: ETH")  # the bundled market's age
    out = r.json()
    assert out["stop_price"] == pytest.approx(out["raw_stop_price"], rel=1e-12)
    assert out["avoided_clusters"] == [] and len(out["warnings"]) == 1
