"""A stop moved out of a cluster sits at least one price tick beyond its edge, printed in %."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clihelpers import run_cli
from liqcascade._prices import percent_text
from liqcascade.errors import InputError
from liqcascade.protect import price_tick
from liqcascade.protect._recommend import _beyond, _declutter


def test_price_tick_golden() -> None:
    assert price_tick(3419.53) == pytest.approx(0.01)
    assert price_tick(115_764.08) == pytest.approx(1.0)
    assert price_tick(0.36) == pytest.approx(1e-6)
    with pytest.raises(InputError, match="price must be > 0 USD"):
        price_tick(0.0)


def test_beyond_golden() -> None:
    # the review's case: cluster 3,367.11–3,419.53, the stop must not be 3,419.53
    assert _beyond(3419.53, +1) == pytest.approx(3419.54)
    assert _beyond(3419.5312, +1) == pytest.approx(3419.54)
    assert _beyond(3367.11, -1) == pytest.approx(3367.10)


@given(st.floats(min_value=0.01, max_value=1e6), st.sampled_from([-1, 1]))
def test_beyond_is_strictly_past_the_edge_by_about_a_tick(edge: float, d: int) -> None:
    b = _beyond(edge, d)
    tick = price_tick(edge)
    assert d * (b - edge) > 0
    assert d * (b - edge) <= tick * (1 + 1e-6) + 1e-12


def test_declutter_leaves_the_stop_outside_every_zone() -> None:
    zones = [{"kind": "cluster", "price_low": 3367.11, "price_high": 3419.53}]
    # a long at 3,698 with a bound at 3,343: the raw stop 3,414.70 sits in the cluster
    stop, avoided, clean = _declutter(3414.70, 1, 3698.39, 3343.37 * 1.0, zones)
    assert clean and avoided == zones
    assert stop == pytest.approx(3419.54) and stop > 3419.53
    assert f"{stop:,.2f}" != "3,419.53"


def test_cli_prints_fractions_as_percent() -> None:
    r = run_cli(
        "stops",
        "recommend",
        "--side",
        "long",
        "--entry",
        "3700",
        "--size",
        "10",
        "--leverage",
        "10",
    )
    assert r.exit_code == 0, r.stderr
    lines = {ln.split()[0]: ln for ln in r.stdout.splitlines() if ln.strip()}
    assert "% from the mid 3,698.39 (today's price;" in lines["distance"]
    assert "%" in lines["expected_slippage"]
    out = run_cli("stops", "recommend", "--side", "long",
                "--entry", "3700", "--size", "10", "--leverage", "10",
                  "--json").json()  # fmt: skip
    assert f"{percent_text(out['distance'], 2)} from the mid" in lines["distance"]
    # the table and the rationale write a percent as the package does: "7.58 %"
    assert not re.search(r"\d%", r.stdout), r.stdout
    for z in out["avoided_clusters"]:  # strictly outside, also as printed
        assert not z["price_low"] <= out["stop_price"] <= z["price_high"]
        assert f"{out['stop_price']:,.2f}" not in (
            f"{z['price_low']:,.2f}",
            f"{z['price_high']:,.2f}",
        )
