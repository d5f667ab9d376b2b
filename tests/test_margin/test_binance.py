from __future__ import annotations

import numpy as np
import pytest

from floats import assert_same
from liqcascade.errors import InputError
from liqcascade.margin import (
    bankruptcy_price,
    binance_cross_liq_price,
    binance_liq_price,
    load_tiers,
    margin_from_leverage,
    max_leverage,
)
from liqcascade.margin._kernels import binance_liq_kernel, binance_liq_kernel_py, empty_outputs
from reference.margin_binance import ETH_TIERS, binance_liq_ref


def test_golden_long_1eth_2000_margin_100() -> None:
    r = binance_liq_price(1, 1.0, 2000.0, 100.0)
    assert r.liq_price.shape == (1,)
    assert r.liq_price[0] == pytest.approx(1907.6305, abs=5e-5)
    assert r.mmr[0] == 0.004 and r.maintenance_amount[0] == 0 and r.tier[0] == 0
    # EP - margin/size and size*EP: computed, compared with a tolerance
    assert r.bankruptcy_price[0] == pytest.approx(1900.0, rel=1e-12)
    assert r.notional[0] == pytest.approx(2000.0, rel=1e-12)


def test_golden_short_mirror() -> None:
    # short 1 ETH at 2000, margin 100: LP = (100 + 0 + 2000) / (0.004 + 1) = 2091.6335
    r = binance_liq_price(-1, 1.0, 2000.0, 100.0)
    assert r.liq_price[0] == pytest.approx(2100 / 1.004, rel=1e-12)
    assert r.bankruptcy_price[0] == pytest.approx(2100.0, rel=1e-12)


def test_hand_worked_tier_2() -> None:
    # long 100 ETH at 2000 (notional 200k, tier 2) at 20x: margin 10,000
    # LP = (200000 - 10000 - 50) / (100 * 0.995) = 1908.99497...
    r = binance_liq_price("long", 100.0, 2000.0, 10_000.0)
    assert r.tier[0] == 1
    assert r.liq_price[0] == pytest.approx(189_950 / 99.5, rel=1e-12)
    assert r.maintenance_amount[0] == 50


def test_tier_reevaluation_drops_to_lower_tier() -> None:
    # long 26 ETH at 2000 (notional 52k, tier 2) at 10x: LP notional < 50k -> tier 1
    r = binance_liq_price(1, 26.0, 2000.0, 5_200.0)
    lp = r.liq_price[0]
    assert r.tier[0] == 0 and 26.0 * lp < 50_000
    assert lp == pytest.approx((52_000 - 5_200) / (26 * 0.996), rel=1e-12)


def test_short_reevaluation_climbs_tier() -> None:
    # short 24 ETH at 2000 (48k, tier 1) at 5x: LP notional > 50k -> tier 2
    r = binance_liq_price(-1, 24.0, 2000.0, 9_600.0)
    assert r.tier[0] == 1 and 24.0 * r.liq_price[0] >= 50_000
    assert r.liq_price[0] == pytest.approx((9_600 + 50 + 48_000) / (24 * 1.005), rel=1e-12)


def _positions_in_every_tier(rng: np.random.Generator, per_tier: int = 300):
    t = load_tiers("ETHUSDT")
    sides, sizes, entries, margins = [], [], [], []
    for k in range(len(t)):
        lo, hi = t.notional_floor[k], t.notional_cap[k]
        notional = rng.uniform(lo, hi, per_tier)
        entry = rng.uniform(500, 8000, per_tier)
        size = notional / entry
        lev = (
            rng.uniform(1.01, t.max_leverage[k], per_tier)
            if t.max_leverage[k] > 1
            else (np.ones(per_tier))
        )
        sides.append(rng.choice(np.array([-1, 1], dtype=np.int8), per_tier))
        sizes.append(size)
        entries.append(entry)
        margins.append(size * entry / lev)
    return (np.concatenate(sides), np.concatenate(sizes), np.concatenate(entries),
            np.concatenate(margins))  # fmt: skip


def test_equity_equals_maintenance_at_lp_in_every_tier() -> None:
    rng = np.random.default_rng(7)
    s, q, ep, m = _positions_in_every_tier(rng)
    r = binance_liq_price(s, q, ep, m)
    live = r.liq_price > 0
    lp = r.liq_price[live]
    eq = m[live] + s[live] * q[live] * (lp - ep[live])
    mm = q[live] * lp * r.mmr[live] - r.maintenance_amount[live]
    np.testing.assert_allclose(eq, mm, rtol=1e-9, atol=1e-9 * (q[live] * lp).max() * 1e-3)
    # the tier applied is the tier of the notional at the liquidation price
    t = load_tiers("ETHUSDT")
    np.testing.assert_array_equal(r.tier[live], t.tier_index(q[live] * lp))
    # every tier is exercised at the liquidation price
    assert set(np.unique(r.tier[live])) == set(range(len(t)))
    assert np.all(r.status == 0)


def test_kernel_matches_independent_bisection_reference() -> None:
    rng = np.random.default_rng(11)
    s, q, ep, m = _positions_in_every_tier(rng, per_tier=25)
    r = binance_liq_price(s, q, ep, m)
    for i in range(len(s)):
        lp, k = binance_liq_ref(int(s[i]), q[i], ep[i], m[i], ETH_TIERS)
        assert r.liq_price[i] == pytest.approx(lp, rel=1e-9, abs=1e-9)
        if lp > 0:
            assert r.tier[i] == k


def test_kernel_equals_python_twin_on_many_random_cases() -> None:
    rng = np.random.default_rng(3)
    n = 4000
    t = load_tiers("ETHUSDT")
    s = rng.choice(np.array([-1, 1], dtype=np.int8), n)
    q = np.exp(rng.uniform(np.log(1e-3), np.log(5e5), n))
    ep = rng.uniform(100, 10_000, n)
    m = q * ep / np.exp(rng.uniform(0, np.log(150), n))  # includes over-leveraged positions
    outs = [empty_outputs(n), empty_outputs(n)]
    for fn, (liq, tier, st) in zip((binance_liq_kernel, binance_liq_kernel_py), outs, strict=True):
        fn(s, q, ep, m, t.notional_floor, t.mmr, t.cum, liq, tier, st)
    assert_same(outs[0][0], outs[1][0])
    assert_same(outs[0][1], outs[1][1])
    assert_same(outs[0][2], outs[1][2])


def test_inconsistent_table_cycle_fallback_kernel_and_twin_agree() -> None:
    # A table whose cum breaks continuity (bypassing load_tiers' check): the kernel must
    # still terminate and agree with its twin, flagging positions without a stable tier.
    floor = np.array([0.0, 1000.0])
    mmr = np.array([0.1, 0.5])
    cum = np.array([0.0, -400.0])  # discontinuous: MM jumps up at 1000
    s = np.array([1, 1, -1], dtype=np.int8)
    q = np.array([1.0, 1.0, 1.0])
    ep = np.array([1200.0, 1500.0, 900.0])
    m = np.array([100.0, 50.0, 80.0])
    a, b = empty_outputs(3), empty_outputs(3)
    binance_liq_kernel(s, q, ep, m, floor, mmr, cum, *a)
    binance_liq_kernel_py(s, q, ep, m, floor, mmr, cum, *b)
    for x, y in zip(a, b, strict=True):
        assert_same(x, y)
    assert np.all(np.isfinite(a[0]))


def test_unliquidatable_long_gets_zero() -> None:
    r = binance_liq_price(1, 2.0, 2000.0, 4000.0)  # 1x long
    assert r.liq_price[0] == 0.0 and r.bankruptcy_price[0] == 0.0 and r.tier[0] == 0


def test_cross_single_position_equals_isolated_with_wallet() -> None:
    a = binance_cross_liq_price([1, -1], [3.0, 3.0], [2500.0, 2500.0], [700.0, 700.0])
    b = binance_liq_price([1, -1], [3.0, 3.0], [2500.0, 2500.0], [700.0, 700.0])
    assert_same(a.liq_price, b.liq_price)


def test_mmr_override_is_flat() -> None:
    r = binance_liq_price(1, 1000.0, 2000.0, 200_000.0, mmr=0.01)
    assert r.maintenance_amount[0] == 0 and r.mmr[0] == 0.01
    assert r.liq_price[0] == pytest.approx((2e6 - 2e5) / (1000 * 0.99), rel=1e-12)


def test_btc_table_golden() -> None:
    # long 1 BTC at 60,000 at 50x: notional 60k (tier 2) -> LP notional 59.4k/... still tier 2
    r = binance_liq_price(1, 1.0, 60_000.0, 1_200.0, tiers="BTCUSDT")
    assert r.tier[0] == 1
    assert r.liq_price[0] == pytest.approx((60_000 - 1_200 - 50) / 0.995, rel=1e-12)


def test_helpers() -> None:
    np.testing.assert_allclose(margin_from_leverage(2.0, 3000.0, 20), [300.0])
    np.testing.assert_allclose(bankruptcy_price([1, -1], 2.0, 3000.0, 300.0), [2850.0, 3150.0])
    np.testing.assert_array_equal(max_leverage([0, 49_999, 50_000, 1e8, 1.3e9]),
                                  [125, 125, 100, 10, 0])  # fmt: skip


@pytest.mark.parametrize(
    ("args", "msg"),
    [
        ((1, 0.0, 2000.0, 100.0), "size must be > 0 (got 0)"),
        ((1, [1.0, 0.0], 2000.0, 100.0), "size[1] must be finite and > 0"),
        ((1, 1.0, -5.0, 100.0), "entry_price must be > 0 (got -5)"),
        ((1, 1.0, 2000.0, np.nan), "margin must be a finite number >= 0 (got nan)"),
        ((2, 1.0, 2000.0, 100.0), "side must be +1 (long) or -1 (short)"),
        (("up", 1.0, 2000.0, 100.0), "side must be long or short (buy/sell) (got 'up')"),
        ((["long", "up"], 1.0, 2000.0, 100.0), "side[1]: unknown side 'up'"),
        (([1, 1], [1.0, 1.0, 1.0], 2000.0, 100.0), "do not broadcast"),
    ],
    ids=["zero-size", "zero-size-array", "neg-entry", "nan-margin", "side-2", "side-word",
         "side-word-array", "shapes"],
)  # fmt: skip
def test_bad_inputs(args: tuple, msg: str) -> None:
    with pytest.raises(InputError, match=None) as exc:
        binance_liq_price(*args)
    assert msg in str(exc.value)
    if "broadcast" not in msg:  # the error names the parameter (the CLI shows its flag)
        assert exc.value.param == msg.split()[0].split("[")[0]


def test_result_object() -> None:
    r = binance_liq_price([1, -1, 1], [1.0, 2.0, 3.0], 2000.0, [100.0, 200.0, 300.0])
    df = r.to_frame()
    assert list(df["side"]) == ["long", "short", "long"] and len(df) == 3
    s = r.summary()
    assert s["n_long"] == 2 and s["notional_usd"] == pytest.approx(12_000)
    assert r.item(1)["liq_price"] == pytest.approx(r.liq_price[1])
    fig = r.plot()
    assert len(fig.data) == 2
    assert "LiqResult" in r._repr_html_()
    np.testing.assert_allclose(
        r.maintenance_margin, r.margin + r.side * r.size * (r.liq_price - r.entry_price)
    )
