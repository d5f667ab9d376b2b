"""``stops recommend --stop``: does the stop a trader already holds sit in the crowd?

A careful trader with a 20x long of 2.5 ETH at 3,650 and a stop at 3,560 could not ask
whether that stop sits among the modelled orders: ``liqmap`` prints the ten largest
clusters, the recommender's zones hold more (3,551.10–3,605.38 is the map's 3,578
cluster widened by the 0.5 % band). ``check_stop`` answers with the recommender's own
zones and the stop-out chance at its horizon volatility.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy.stats import norm

from clihelpers import run_cli
from liqcascade.errors import InputError
from liqcascade.market import MarketSpec, estimated_market
from liqcascade.protect import check_stop, recommend_stop


@pytest.fixture(scope="module")
def market():
    return estimated_market(MarketSpec("ETH"))


@pytest.fixture(scope="module")
def long20(market):
    return recommend_stop("long", 3650, 2.5, 20, state=market, liquidity="static")


def test_a_stop_in_a_cluster_is_in_the_crowd_with_its_odds(market, long20) -> None:
    c = check_stop(long20, market, 3560.0)
    assert c["in_crowd"] and not c["past_liquidation"]
    assert all(z["price_low"] <= 3560.0 <= z["price_high"] for z in c["zones"])
    # the map's cluster at 3,578 (3,569–3,587), widened by the 0.5 % band, holds it
    assert any(z["kind"] == "cluster" and 3569 < z["price"] < 3587 for z in c["zones"])
    # by hand: 2·Φ(−|ln(stop/mid)| / σ_H), from the mid
    want = 2 * norm.cdf(-abs(math.log(3560.0 / market.mid)) / long20.horizon_vol)
    assert c["stop_out_chance"] == pytest.approx(want, rel=1e-9)
    lo, hi = c["stop_out_chance_range"]
    assert lo < c["stop_out_chance"] < hi
    assert c["distance"] == pytest.approx(1 - 3560.0 / market.mid, rel=1e-12)
    assert "lies in the modelled crowd" in c["text"]


def test_a_stop_clear_of_the_zones_and_one_past_liquidation(market, long20) -> None:
    short = recommend_stop("short", 3820, 1, 20, state=market, liquidity="static")
    c = check_stop(short, market, 3760.0)  # between the 3,700 zone and the 3,800 cluster
    assert not c["in_crowd"] and c["zones"] == []
    assert "is clear of the modelled crowd" in c["text"]
    past = check_stop(long20, market, 3450.0)  # the long's liquidation is 3,481.43
    assert past["past_liquidation"] and "liquidated before the stop fires" in past["text"]


@pytest.mark.parametrize(
    ("stop", "words"),
    [
        (3700.0, "at or above the ETH mid"),
        (37000.0, "more than 10x from the ETH mid"),
        (float("nan"), "positive finite price"),
        (-5.0, "positive finite price"),
    ],
)
def test_a_stop_that_cannot_be_held_is_refused(market, long20, stop, words) -> None:
    with pytest.raises(InputError, match=words) as e:
        check_stop(long20, market, stop)
    assert e.value.param == "stop"


def test_the_command_prints_the_row_and_refuses_a_triggered_stop() -> None:
    base = ("stops", "recommend", "--side", "long", "--entry", "3650", "--size", "2.5",
            "--leverage", "20", "--liquidity", "static")  # fmt: skip
    r = run_cli(*base, "--stop", "3560", "--json")
    assert r.exit_code == 0, r.stderr
    assert r.json()["your_stop"]["in_crowd"] is True
    r = run_cli(*base, "--stop", "3700")
    assert r.exit_code == 2
    assert r.stderr.strip().splitlines()[-1].startswith("error: --stop 3,700.00 is at or above")
    r = run_cli(*base)
    assert r.exit_code == 0 and "your_stop" not in r.stdout


def test_stop_zones_are_check_stops_on_the_books_parts(market, long20) -> None:
    """``stop_zones`` (the watch's crowd check) gives ``check_stop``'s zones, no recommendation."""
    from liqcascade.protect import stop_zones

    for stop in (3560.0, 3600.0, 3300.0):
        zones = stop_zones(market.positions, market.stops, market.mid, "long", stop,
                           asset="ETH", as_of=market.as_of)  # fmt: skip
        held = check_stop(long20, market, stop)["zones"]
        assert pd.DataFrame(zones).equals(pd.DataFrame(held))  # NaN notional on round numbers
    zones_long = stop_zones(market.positions, market.stops, market.mid, "long", 3560.0)
    assert zones_long
    with pytest.raises(InputError, match="already triggered"):
        stop_zones(market.positions, market.stops, market.mid, -1, 3560.0)
    for side in ("LONG", " Buy ", 1):  # any case, buy/sell: never read as a short
        got = stop_zones(market.positions, market.stops, market.mid, side, 3560.0)
        assert pd.DataFrame(got).equals(pd.DataFrame(zones_long))
    with pytest.raises(InputError, match="side must be long or short") as e:
        stop_zones(market.positions, market.stops, market.mid, "lnog", 3800.0)
    assert e.value.param == "side"
