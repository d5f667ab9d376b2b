"""Where the first shock lands: one venue (``scope="venue"``) or every venue (``"market"``).

The engine against its plain-Python twins on random worlds with both scopes is in
``test_reference.py`` and ``test_clock.py``; here: golden figures of a hand world,
the one-venue identity, the static bound under a market-wide shock on the preset, the
configuration key and the command line.
"""

from __future__ import annotations

import dataclasses
import tomllib

import numpy as np
import pytest

from clihelpers import run_cli
from floats import assert_same
from liqcascade.cascade._clock import LiquidityParams
from liqcascade.contagion import simulate_contagion
from liqcascade.contagion._config import PRESETS_DIR, parse_config
from liqcascade.contagion._liquidity import run_setup
from liqcascade.contagion._presets import oct_2025
from liqcascade.errors import InputError
from test_contagion.test_clock import _hand_world
from test_contagion.test_reference import _world


def test_golden_market_wide_shock_hits_every_venue() -> None:
    """Two venues, ten 1-unit bids below 100, longs liquidating at 97.5, 95.5, 93.5.

    A shock to 97 on venue a alone liquidates a's long at 97.5 (b follows only by
    arbitrage, and with no link it does not). Market-wide, b also moves to 97 in round
    1 and its long at 97.5 liquidates too: 97 USD on each venue.
    """
    vs = _hand_world()
    one = simulate_contagion(vs, shock_venue="a", shock_price=97.0)
    assert one.venues["a"].n_liquidated == 1 and one.venues["b"].n_liquidated == 0
    assert one.scope == "venue" and one.summary()["scope"] == "venue"
    both = simulate_contagion(vs, shock_venue="a", shock_price=97.0, scope="market")
    for n in ("a", "b"):
        assert both.venues[n].n_liquidated == 1
        assert both.venues[n].liquidated_usd == pytest.approx(97.0, rel=1e-12)
        assert both.venues[n].final_price == 97.0
    assert both.summary()["scope"] == "market"
    # the same relative move on a venue with another mid: b at 200 goes to 194
    b2 = dataclasses.replace(
        vs[1],
        book=vs[1].book.__class__.from_levels(
            200.0, [[199.0 - k, 1.0] for k in range(10)], [[201.0 + k, 1.0] for k in range(10)]
        ),
    )
    r = simulate_contagion([vs[0], b2], shock_venue="a", shock_price=97.0, scope="market")
    assert r.to_frame().query("venue == 'b' and round == 1")["price"].item() == 194.0
    # on the clock (every mechanism off, mark weight 0.2): the venues' median is 97 too,
    # so the marks are at 97 and both longs liquidate (venue scope: the median of 97
    # and 100 is 98.5, a's mark 0.2 · 97 + 0.8 · 98.5 = 98.2 keeps its long)
    p = LiquidityParams(mark_price_weight=0.2)
    clk = simulate_contagion(vs, shock_venue="a", shock_price=97.0, liquidity=p, scope="market")
    assert [clk.venues[n].n_liquidated for n in ("a", "b")] == [1, 1]
    assert clk.to_frame().loc[0, "index_price"] == 97.0
    loc = simulate_contagion(vs, shock_venue="a", shock_price=97.0, liquidity=p)
    assert loc.venues["a"].n_liquidated == 0


def test_one_venue_market_scope_is_the_venue_scope() -> None:
    for seed in range(30):
        vs, _links, _spec, _market, shock_kw, _shock, _fund = _world(seed)
        if "shock_price" not in shock_kw:
            continue
        a = simulate_contagion(vs[:1], shock_venue="a", **shock_kw)
        b = simulate_contagion(vs[:1], shock_venue="a", scope="market", **shock_kw)
        assert a.rounds == b.rounds
        assert_same(a.venues["a"].liquidated_usd, b.venues["a"].liquidated_usd, rtol=1e-12)
        assert_same(a.venues["a"].final_price, b.venues["a"].final_price, rtol=1e-12)


def test_market_scope_needs_a_price_move_and_a_known_scope() -> None:
    vs = _hand_world()
    with pytest.raises(InputError, match="market-wide shock is a price move"):
        simulate_contagion(vs, shock_venue="a", shock_sell_usd=1000.0, scope="market")
    with pytest.raises(InputError, match="scope must be venue or market"):
        simulate_contagion(vs, shock_venue="a", shock_price=97.0, scope="global")


@pytest.fixture(scope="module")
def setup():  # type: ignore[no-untyped-def]
    return oct_2025({})


def test_market_wide_preset_is_bounded_by_its_static_books(setup) -> None:  # type: ignore[no-untyped-def]
    """The static bound runs the same scope: every venue's displayed book shocked at once."""
    cal = run_setup(setup, shock=-0.12, scope="market")
    st = run_setup(setup, shock=-0.12, liquidity="static", scope="market")
    loc = run_setup(setup, shock=-0.12)
    assert cal.scope == st.scope == "market" and loc.scope == "venue"
    assert cal.cex_liquidated_usd <= st.cex_liquidated_usd
    assert cal.defi_liquidated_usd <= st.defi_liquidated_usd
    for n, v in cal.venues.items():
        assert v.n_liquidated <= st.venues[n].n_liquidated
        assert v.move <= -0.12 + 1e-9  # every venue moved by the shock at least
    assert cal.static_upper_bound is not None
    assert cal.static_upper_bound["cex_liquidated_usd"] == pytest.approx(
        st.cex_liquidated_usd, rel=1e-12
    )
    # a fall on every venue liquidates more on the CEX venues than the same fall on one
    assert cal.cex_liquidated_usd > loc.cex_liquidated_usd


def test_config_scope_key() -> None:
    base = tomllib.loads((PRESETS_DIR / "oct-2025.toml").read_text(encoding="utf-8"))
    assert parse_config(base, "t.toml").shock.scope == "venue"
    base["shock"]["scope"] = "market"
    assert parse_config(base, "t.toml").shock.scope == "market"
    bad = {**base, "shock": {"venue": "binance", "scope": "market", "sell_usd": 1e6}}
    with pytest.raises(InputError, match=r"t.toml: shock.scope market .* \(got sell_usd\)"):
        parse_config(bad, "t.toml")
    base["shock"]["scope"] = "world"
    with pytest.raises(InputError, match="scope"):
        parse_config(base, "t.toml")


def test_cli_shock_scope() -> None:
    r = run_cli("contagion", "--preset", "oct-2025", "--shock-scope", "market", "--json")
    assert r.exit_code == 0, r.stderr
    d = r.json()
    assert d["scope"] == "market" and d["first_shock"]["scope"] == "market"
    moves = [v["final_price"] / v["initial_price"] - 1 for v in d["venues"].values()]
    assert np.all(np.array(moves) <= d["first_shock"]["fraction"] + 1e-9)
    text = run_cli("contagion", "--preset", "oct-2025", "--shock-scope", "market")
    assert "on every venue at once (a market-wide fall, read on binance's mid)" in text.stdout
    bad = run_cli("contagion", "--preset", "oct-2025", "--shock-scope", "global")
    assert bad.exit_code == 2
    assert bad.stderr.strip() == "error: --shock-scope must be venue or market (got 'global')"


def test_the_lowest_price_includes_the_first_shock_arbitrage_lifts_back() -> None:
    """A shock to 97 on venue a, linked to b at no cost: a's low is the shock (97).

    Round 1's cascade step takes a to 97 (and its long at 97.5 liquidates there); the
    arbitrage then buys a and sells b until their prices meet, so a ends round 1 above
    97. The lows read only at the ends of the rounds missed the shock; reading each
    round after its cascade step too, a's low is 97 and b's is where it was sold down to.
    """
    from liqcascade.contagion import Link, lowest_prices

    vs = _hand_world()
    r = simulate_contagion(vs, [Link("a", "b")], shock_venue="a", shock_price=97.0)
    df = r.to_frame()
    a1 = df.query("venue == 'a' and round == 1")
    assert a1["cascade_price"].item() == 97.0 and a1["price"].item() > 97.0
    lows = lowest_prices(r)
    assert lows["a"] == 97.0
    assert lows["b"] == min(100.0, df.loc[df.venue == "b", ["price", "cascade_price"]].min().min())
    # market-wide: both venues are shocked to 97, and both lows are 97
    m = simulate_contagion(vs, [Link("a", "b")], shock_venue="a", shock_price=97.0, scope="market")
    assert lowest_prices(m) == {"a": 97.0, "b": 97.0}
