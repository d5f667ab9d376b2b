from __future__ import annotations

import numpy as np
import pytest

from liqcascade.errors import InputError
from liqcascade.solvency import ADL_POLICIES, adl_ranking, allocate_adl, gini
from reference.solvency_adl import allocate as ref_allocate

SIDE = np.array([1, 1, -1, -1, -1, -1])
SIZE = np.array([1.0, 2.0, 1.0, 3.0, 2.0, 0.5])
ENTRY = np.array([2000.0, 2100.0, 2200.0, 2300.0, 1900.0, 2500.0])
MARGIN = np.array([100.0, 200.0, 300.0, 100.0, 400.0, 50.0])


def _alloc(policy, deficit=500.0, **kw):
    return allocate_adl(
        policy,
        side=SIDE,
        size=SIZE,
        entry_price=ENTRY,
        margin=MARGIN,
        mark_price=1800.0,
        deficit=deficit,
        loss_side=1,
        **kw,
    )


def test_golden_binance_queue_by_hand() -> None:
    # shorts' upnl at 1800: 400, 1500, 200, 350; PnL% = upnl/margin: 1.33, 15, 0.5, 7
    # eff. leverage = notional/(margin+upnl): 1800/700, 5400/1600, 3600/600, 900/400
    # scores: 3.43, 50.6, 3.0, 15.75 -> account 3 first (capacity 1500 >= 500)
    r = _alloc("binance")
    np.testing.assert_allclose(r.haircut, [0, 0, 0, 500, 0, 0])
    np.testing.assert_allclose(r.closed_size, [0, 0, 0, 1, 0, 0])  # 500 / 500 per ETH
    assert r.notional_usd == pytest.approx(1800.0)
    s = adl_ranking("binance", SIDE, SIZE, ENTRY, MARGIN, 1800.0)
    assert s[3] == pytest.approx(15 * 5400 / 1600)


def test_golden_hyperliquid_queue_by_hand() -> None:
    # (entry/mark) x notional/equity: 2200/1800*1800/700=3.14, 2300/1800*5400/1600=4.31,
    # 1900/1800*3600/600=6.33, 2500/1800*900/400=3.125 -> account 4 (cap 200) then 3
    r = _alloc("hyperliquid")
    np.testing.assert_allclose(r.haircut, [0, 0, 0, 300, 200, 0])
    assert r.summary()["n_accounts"] == 2


def test_golden_socialized_and_optimal_by_hand() -> None:
    cap = np.array([0, 0, 400, 1500, 200, 350.0])
    r = _alloc("socialized")
    np.testing.assert_allclose(r.haircut, 500 * cap / cap.sum())
    # optimal: cheapest notional per USD haircut = largest per-unit profit g:
    # g = 400, 500, 100, 700 -> 350 from account 5 (all), 150 from account 3
    o = _alloc("optimal")
    np.testing.assert_allclose(o.haircut, [0, 0, 0, 150, 0, 350], atol=1e-9)
    assert o.notional_usd == pytest.approx(1800 * (0.3 + 0.5))


def test_longs_never_pay_for_long_losses_and_capacity_caps() -> None:
    for p in ADL_POLICIES:
        r = _alloc(p, deficit=10_000.0)
        assert np.all(r.haircut[:2] == 0)
        assert r.covered_usd == pytest.approx(2450.0)
        assert r.uncovered_usd == pytest.approx(10_000 - 2450.0)
        np.testing.assert_allclose(r.haircut, [0, 0, 400, 1500, 200, 350], atol=1e-6)


def test_bankruptcy_price_caps_per_unit_haircut() -> None:
    r = _alloc("socialized", bankruptcy_price=1900.0, deficit=1e9)
    # per unit min(100, profit per unit): all shorts profit >= 100/ETH -> 100 x size
    np.testing.assert_allclose(r.haircut, [0, 0, 100, 300, 200, 50])


def test_whole_positions_overshoot() -> None:
    r = _alloc("binance", whole_positions=True)
    assert r.haircut_usd == pytest.approx(1500.0)
    assert r.overshoot_usd == pytest.approx(1000.0)
    assert r.covered_usd == pytest.approx(500.0)


def test_no_position_never_pays() -> None:
    size = SIZE.copy()
    size[3] = 0.0
    for p in ADL_POLICIES:
        r = allocate_adl(
            p,
            side=SIDE,
            size=size,
            entry_price=ENTRY,
            margin=MARGIN,
            mark_price=1800.0,
            deficit=300.0,
            loss_side=1,
        )
        assert r.haircut[3] == 0
        assert r.haircut.sum() == pytest.approx(300.0)


@pytest.mark.parametrize("seed", range(40))
def test_matches_plain_python_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 30))
    side = rng.choice([-1, 1], n)
    size = rng.uniform(0, 5, n) * (rng.random(n) > 0.1)
    entry = rng.uniform(1500, 2500, n)
    margin = rng.uniform(10, 1000, n)
    mark = float(rng.uniform(1500, 2500))
    deficit = float(rng.uniform(0, 3000))
    loss_side = int(rng.choice([-1, 1]))
    pb = None if seed % 2 else float(mark * (1 + loss_side * rng.uniform(0, 0.05)))
    whole = bool(seed % 3 == 0)
    for p in ADL_POLICIES:
        r = allocate_adl(
            p,
            side=side,
            size=size,
            entry_price=entry,
            margin=margin,
            mark_price=mark,
            deficit=deficit,
            loss_side=loss_side,
            bankruptcy_price=pb,
            whole_positions=whole,
        )
        h, closed, covered = ref_allocate(
            p,
            side.tolist(),
            size.tolist(),
            entry.tolist(),
            margin.tolist(),
            mark,
            deficit,
            loss_side,
            pb,
            whole and p in ("binance", "hyperliquid"),
        )
        assert r.covered_usd == pytest.approx(covered, rel=1e-12, abs=1e-9)
        if p == "optimal":  # LP optimum: same objective value as the greedy reference
            g = np.where(r.closed_size > 0, r.haircut / np.maximum(r.closed_size, 1e-300), 0)
            assert r.notional_usd == pytest.approx(mark * sum(closed), rel=1e-7, abs=1e-6)
            assert r.haircut.sum() == pytest.approx(sum(h), rel=1e-9, abs=1e-7)
            assert np.all(g >= 0)
        else:
            np.testing.assert_allclose(r.haircut, h, rtol=1e-9, atol=1e-9)
            np.testing.assert_allclose(r.closed_size, closed, rtol=1e-9, atol=1e-9)


def test_gini_golden() -> None:
    assert gini(np.array([1.0, 1.0, 1.0, 1.0])) == pytest.approx(0.0)
    assert gini(np.array([0.0, 0.0, 0.0, 1.0])) == pytest.approx(0.75)
    assert gini(np.array([1.0, 3.0])) == pytest.approx(0.25)
    assert np.isnan(gini(np.zeros(3)))


def test_bad_input() -> None:
    with pytest.raises(InputError, match="policy must be one of binance, hyperliquid") as e:
        _alloc("fifo")  # type: ignore[arg-type]
    assert e.value.param == "policy"
    with pytest.raises(InputError, match="deficit"):
        _alloc("binance", deficit=-1.0)
    with pytest.raises(InputError, match="loss_side"):
        allocate_adl(
            "binance",
            side=SIDE,
            size=SIZE,
            entry_price=ENTRY,
            margin=MARGIN,
            mark_price=1800.0,
            deficit=1.0,
            loss_side=0,
        )


def test_summary_bottom_quartile_share() -> None:
    # eligible (profitable shorts) equity at 1800: s2 700, s3 1600, s4 600, s5 400;
    # 25th percentile = 550 -> bottom quartile = {s5} (400)
    r = _alloc("socialized")
    s = r.summary()
    assert s["n_eligible"] == 4
    assert s["bottom_quartile_share"] == pytest.approx(350 / 2450)
    assert s["bottom_quartile_haircut_to_equity"] == pytest.approx(500 * 350 / 2450 / 400)
    assert s["gini"] == pytest.approx(gini(r.haircut[r.haircut > 0]))
    o = _alloc("optimal").summary()  # the optimal policy takes all of s5's profit
    assert o["bottom_quartile_share"] == pytest.approx(350 / 500)
    assert o["max_haircut_to_equity"] == pytest.approx(350 / 400)


def test_optimal_spreads_ties_pro_rata() -> None:
    # a bankruptcy-price cap makes every winner's per-unit haircut equal: the optimum
    # is then any exact allocation; the policy picks the pro-rata one
    r = _alloc("optimal", bankruptcy_price=1900.0)
    s = _alloc("socialized", bankruptcy_price=1900.0)
    np.testing.assert_allclose(r.haircut, s.haircut, rtol=1e-9)


@pytest.mark.parametrize("seed", range(30))
def test_lp_equals_exact_greedy(seed: int) -> None:
    from liqcascade.solvency._adl import _optimal_greedy, _optimal_lp

    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(1, 200))
    cap = rng.uniform(0, 100, n) * (rng.random(n) > 0.2)
    g = np.where(cap > 0, rng.choice([10.0, 20.0, 35.0, 50.0], n), 0.0)
    target = float(rng.uniform(0, 1.2) * cap.sum())
    lp = _optimal_lp(cap, g, 2000.0, target)
    gr = _optimal_greedy(cap, g, target)
    cost = np.where(g > 0, 2000.0 / np.where(g > 0, g, 1), 0)
    assert float((cost * lp).sum()) == pytest.approx(float((cost * gr).sum()), rel=1e-7, abs=1e-6)
    assert lp.sum() == pytest.approx(min(target, cap.sum()), rel=1e-12, abs=1e-9)
    assert gr.sum() == pytest.approx(min(target, cap.sum()), rel=1e-12, abs=1e-9)
    assert np.all(lp <= cap + 1e-9) and np.all(gr <= cap + 1e-9)


def test_policies_are_registered_once_and_listed_from_the_registry() -> None:
    from liqcascade.solvency import ADL_POLICIES
    from liqcascade.solvency._adl import ADL_POLICY_RULES, adl_policy, adl_ranking

    assert ADL_POLICIES == tuple(ADL_POLICY_RULES) == (
        "binance", "hyperliquid", "socialized", "optimal"
    )  # fmt: skip
    for name, rules in ADL_POLICY_RULES.items():
        assert rules.name == name and rules.description and adl_policy(name) is rules
        assert (rules.score is None) != (rules.allocate is None)
    assert [p for p in ADL_POLICIES if ADL_POLICY_RULES[p].queue] == ["binance", "hyperliquid"]
    with pytest.raises(InputError, match="not a queue policy"):
        adl_ranking("socialized", SIDE, SIZE, ENTRY, MARGIN, 2000.0)  # type: ignore[arg-type]
