from __future__ import annotations

import numpy as np
import pytest

from liqcascade.errors import InputError
from liqcascade.margin import (
    bybit_liq_price,
    hyperliquid_liq_price,
    hyperliquid_max_leverage,
    liq_price,
)
from reference.margin_binance import bybit_liq_ref


def test_bybit_golden_1btc_20000_50x() -> None:
    r = bybit_liq_price(1, 1.0, 20_000.0, 400.0, mmr=0.005)
    assert r.liq_price[0] == pytest.approx(19_700.0, rel=1e-15)
    r = liq_price("bybit", "long", 1.0, 20_000.0, leverage=50, mmr=0.005)
    assert r.liq_price[0] == pytest.approx(19_700.0, rel=1e-15)
    r = liq_price("bybit", "short", 1.0, 20_000.0, leverage=50, mmr=0.005)
    assert r.liq_price[0] == pytest.approx(20_300.0, rel=1e-15)
    assert r.bankruptcy_price[0] == pytest.approx(20_400.0)


def test_bybit_matches_reference() -> None:
    rng = np.random.default_rng(5)
    n = 500
    s = rng.choice([-1, 1], n)
    q = rng.uniform(0.01, 100, n)
    ep = rng.uniform(100, 90_000, n)
    lev = rng.uniform(1.5, 100, n)
    r = liq_price("bybit", s, q, ep, leverage=lev, mmr=0.006)
    ref = [bybit_liq_ref(int(s[i]), q[i], ep[i], lev[i], 0.006) for i in range(n)]
    np.testing.assert_allclose(r.liq_price, np.maximum(ref, 0), rtol=1e-12)


def test_hyperliquid_hand_worked() -> None:
    # ETH max 25x -> maintenance leverage 50, l = 0.02. Long 1 ETH at 2000 with 200 USD:
    # margin_available = 200 - 2000*0.02 = 160; LP = 2000 - 160/1/(1-0.02) = 1836.7347
    r = hyperliquid_liq_price(1, 1.0, 2000.0, 200.0, "ETHUSDT")
    assert r.liq_price[0] == pytest.approx(2000 - 160 / 0.98, rel=1e-14)
    assert r.mmr[0] == pytest.approx(0.02)
    # short: LP = 2000 + 160/1.02
    r = hyperliquid_liq_price(-1, 1.0, 2000.0, 200.0, "ETH")
    assert r.liq_price[0] == pytest.approx(2000 + 160 / 1.02, rel=1e-14)
    # BTC 40x -> l = 1/80; 1 BTC at 60k with 3000 USD margin (20x)
    r = hyperliquid_liq_price(1, 1.0, 60_000.0, 3_000.0, "BTC")
    avail = 3_000 - 60_000 / 80
    assert r.liq_price[0] == pytest.approx(60_000 - avail / (1 - 1 / 80), rel=1e-14)


def test_hyperliquid_symbols() -> None:
    assert hyperliquid_max_leverage("ETH-PERP") == 25
    assert hyperliquid_max_leverage("BTC/USDC:USDC") == 40
    with pytest.raises(InputError, match="symbol 'DOGE': no Hyperliquid max leverage known"):
        hyperliquid_max_leverage("DOGE")


def test_dispatch() -> None:
    a = liq_price("Binance", 1, 1.0, 2000.0, 100.0)
    assert a.liq_price[0] == pytest.approx(1907.6305, abs=5e-5) and a.venue == "binance"
    b = liq_price("binance", 1, 1.0, 2000.0, leverage=20)
    assert b.margin[0] == 100.0 and b.liq_price[0] == a.liq_price[0]
    h = liq_price("hyperliquid", 1, 1.0, 2000.0, 200.0, mmr=0.01)
    assert h.liq_price[0] == pytest.approx(2000 - (200 - 20) / 0.99)
    with pytest.raises(InputError, match="venue must be one of binance, bybit, hyperliquid") as e:
        liq_price("okx", 1, 1.0, 2000.0, 100.0)
    assert e.value.param == "venue"
    with pytest.raises(InputError, match=r"give margin or leverage \(or both, agreeing"):
        liq_price("binance", 1, 1.0, 2000.0)
    with pytest.raises(InputError, match="leverage"):
        liq_price("binance", 1, 1.0, 2000.0, leverage=0)


def test_margin_and_leverage_follow_the_one_rule() -> None:
    """Both given: within 1 % the margin is used (positions files' and stress portfolios'
    rule, ``margin_disagreement``); further apart refused naming both."""
    from liqcascade.margin import margin_disagreement
    from liqcascade.positions import margin_disagreement as positions_rule

    assert positions_rule is margin_disagreement  # one rule, re-exported
    alone = liq_price("binance", 1, 1.0, 2000.0, 100.5)
    both = liq_price("binance", 1, 1.0, 2000.0, 100.5, leverage=20)  # 100 +0.5 %
    assert both.margin[0] == pytest.approx(100.5, abs=1e-9)  # the margin is used
    assert both.liq_price[0] == pytest.approx(alone.liq_price[0], abs=1e-9)
    with pytest.raises(InputError, match=r"margin 100.00 and leverage 5 disagree: the margin "
                       r"given, 100.00 USD, implies 20x leverage .* leverage 5 gives a margin "
                       r"of .* = 400.00 USD") as e:  # fmt: skip
        liq_price("binance", 1, 1.0, 2000.0, 100.0, leverage=5)
    assert e.value.params == ("margin", "leverage")
    # the package's spelling of a percent, "1 %" (session 24: it was "1%")
    off = margin_disagreement(np.array([2000.0]), np.array([100.0]), np.array([5.0]))
    assert off is not None and "(more than 1 % apart); give one of them" in off[1]
    with pytest.raises(InputError, match=r"^position \[1\]: margin 200.00 and leverage 20"):
        liq_price("bybit", 1, 1.0, 2000.0, [100.0, 200.0], leverage=20)
    with pytest.raises(InputError, match=r"margin given, 0\.00 USD, implies unbounded leverage"):
        liq_price("binance", 1, 1.0, 2000.0, 0.0, leverage=20)
    # the leverage stated is still the venue's to allow, margin or not
    with pytest.raises(InputError, match="leverage 126 is above the Binance maximum 125x"):
        liq_price("binance", 1, 1.0, 2000.0, 2000 / 126, leverage=126)


def test_registry_lists_every_venue_once() -> None:
    from liqcascade.margin import VENUE_RULES, VENUES, max_leverage_for, venue_rules

    assert VENUES == tuple(VENUE_RULES) == ("binance", "bybit", "hyperliquid")
    for name, rules in VENUE_RULES.items():
        assert rules.name == name and rules.description
        assert venue_rules(name.upper()) is rules
    assert [v for v in VENUES if VENUE_RULES[v].uses_tiers] == ["binance"]
    np.testing.assert_array_equal(max_leverage_for("binance", "ETHUSDT", [1_000, 60_000]),
                                  [125, 100])  # fmt: skip
    assert max_leverage_for("bybit", "ETHUSDT", 1e6)[0] == 100
    assert max_leverage_for("hyperliquid", "BTC", 1e6)[0] == 40
    assert max_leverage_for("hyperliquid", "BTC", 1e6, mmr=0.01)[0] == 50


def test_leverage_above_the_venue_maximum_is_refused() -> None:
    with pytest.raises(InputError, match="leverage 126 is above the Binance maximum 125x") as e:
        liq_price("binance", 1, 1.0, 2000.0, leverage=126)
    assert e.value.param == "leverage"
    with pytest.raises(InputError, match=r"leverage\[1\] 26 is above the Hyperliquid maximum 25x"):
        liq_price("hyperliquid", 1, 1.0, 2000.0, leverage=[25, 26])
    with pytest.raises(InputError, match="tiers applies to venue binance only") as e:
        liq_price("bybit", 1, 1.0, 2000.0, 100.0, tiers="ETHUSDT")
    assert e.value.params == ("tiers", "venue")
    with pytest.raises(InputError, match=r"mmr must be a fraction in \(0, 0.5\) for hyperliquid"):
        liq_price("hyperliquid", 1, 1.0, 2000.0, 100.0, mmr=0.6)
