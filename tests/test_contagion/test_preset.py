"""Building blocks of the oct-2025 preset on the bundled data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from liqcascade.contagion import crash_beta, snapshot_accounts
from liqcascade.contagion._config import reprice
from liqcascade.margin import hyperliquid_liq_price
from liqcascade.positions import PositionBook


def test_crash_beta_from_the_recorded_prints() -> None:
    # bundled Binance hourly bar 2025-10-10 21:00 UTC: BTC 114,200.4 -> low 101,516.5;
    # ETH 3,864.76 -> low 3,400.00
    b = crash_beta(["2025-10-10T21:00:00Z", "2025-10-10T21:00:00Z"])
    assert b == pytest.approx((101_516.5 / 114_200.4 - 1) / (3_400.0 / 3_864.76 - 1), rel=1e-9)


def test_snapshot_accounts() -> None:
    at = pd.Timestamp("2025-10-10T20:00:00Z")
    a = snapshot_accounts("V3", at, 3_864.76)
    debt = a.total_debt_usd(114_198.0)
    assert a.collateral.size == debt.size > 1000
    assert (a.collateral > 0).all() and (debt > 0).all()
    assert snapshot_accounts("all", at, 3_864.76).collateral.size > a.collateral.size


def test_reprice_keeps_the_liquidation_prices_and_caps_leverage() -> None:
    """A venue's copy of the estimated book liquidates where the estimate says; its margin is
    the venue's; Hyperliquid's 25x cap only moves a liquidation price away from the entry."""
    side = np.array([1, 1, -1], np.int8)
    size = np.array([1.0, 2.0, 1.0])
    ep = np.array([2000.0, 2000.0, 2000.0])
    margin = np.array([20.0, 400.0, 100.0])
    liq = np.where(side == 1, ep * 0.99, ep * 1.03)  # each on its side of the entry
    pos = PositionBook(side, size, ep, margin, liq, np.where(side == 1, ep * 0.98, ep * 1.04))
    assert reprice(pos, "binance") is pos
    hl = reprice(pos, "hyperliquid")
    # the long 1 % from its entry would be levered beyond 25x on Hyperliquid (its
    # maintenance alone is 2 %): margin raised to 2000/25 = 80 -> maintenance 40,
    # available 40, liq = 2000 - 40/(1 - 0.02) = 1959.18 (further from the entry)
    assert hl.margin[0] == pytest.approx(80.0, rel=1e-12)
    assert hl.liq_price[0] == pytest.approx(2000 - 40 / 0.98, rel=1e-12)
    # the short 3 % away keeps its liquidation price: margin l*EP + (LP - EP)*(1 + l)
    assert hl.margin[2] == pytest.approx(2000 / 50 + 60 * 1.02, rel=1e-12)
    assert hl.liq_price[2] == pytest.approx(2060.0, rel=1e-12)
    ref = hyperliquid_liq_price(side, size, ep, hl.margin, "ETH")
    np.testing.assert_allclose(hl.liq_price, ref.liq_price, rtol=1e-12)
    by = reprice(pos, "bybit")
    # Bybit keeps all three: IM = s (EP - LP) size + EP size 0.5 %; long 1: 20 + 10 = 30
    np.testing.assert_allclose(by.liq_price, liq, rtol=1e-12)
    assert by.margin[0] == pytest.approx(30.0, rel=1e-12)
    # no position is closer to liquidation on either venue than in the estimated book
    for b in (hl, by):
        assert (np.abs(b.liq_price / ep - 1) >= np.abs(liq / ep - 1) - 1e-12).all()


def test_reprice_caps_bybit_at_its_max_leverage() -> None:
    """Bybit's copy of a position levered beyond its 100x (the package's Bybit cap,
    ``BYBIT_MAX_LEVERAGE``) takes the 100x initial margin, which moves its liquidation
    price away from the entry; one within the cap keeps its liquidation price."""
    from liqcascade.margin import BYBIT_MAX_LEVERAGE, bybit_liq_price

    assert BYBIT_MAX_LEVERAGE == 100.0
    side = np.array([1, -1, 1], np.int8)
    size = np.array([1.0, 1.0, 1.0])
    ep = np.array([2000.0, 2000.0, 2000.0])
    # 0.3 % from the entry: 0.3 % + 0.5 % maintenance = 0.8 % of notional, 125x; the
    # third 2 % away: 2.5 % margin, 40x
    liq = np.array([2000 * 0.997, 2000 * 1.003, 2000 * 0.98])
    bankrupt = np.array([1990.0, 2010.0, 1950.0])  # beyond each liquidation price
    pos = PositionBook(side, size, ep, ep * 0.01, liq, bankrupt)
    by = reprice(pos, "bybit")
    # the capped two: margin 2000 / 100 = 20, liq = EP -+ (IM - MM) / size = 2000 -+ 10
    np.testing.assert_allclose(by.margin[:2], [20.0, 20.0], rtol=1e-12)
    np.testing.assert_allclose(by.liq_price[:2], [1990.0, 2010.0], rtol=1e-12)
    assert by.margin[2] == pytest.approx(40.0 + 10.0, rel=1e-12)
    assert by.liq_price[2] == pytest.approx(1960.0, rel=1e-12)
    ref = bybit_liq_price(side, size, ep, by.margin)
    np.testing.assert_allclose(by.liq_price, ref.liq_price, rtol=1e-12)
    assert (size * ep / by.margin <= BYBIT_MAX_LEVERAGE * (1 + 1e-12)).all()


def test_a_venue_copy_of_the_estimated_book_is_not_born_at_the_edge() -> None:
    """Each venue's long notional within 0.5 % / 1 % of liquidation at the start is at most
    the estimated (Binance) book's, and a -0.3 % shock on Binance liquidates nothing on
    the other venues (before, Hyperliquid's re-pricing left 4.9 % of its longs within
    0.5 % and a -0.5 % Binance shock liquidated $2.9M there)."""
    from liqcascade.contagion import oct_2025, simulate_contagion

    setup = oct_2025()

    def near(v, x: float) -> float:  # type: ignore[no-untyped-def]
        p, mid = v.positions, v.book.mid
        lo = p.side == 1
        d = 1 - p.liq_price[lo] / mid
        return float((p.size[lo] * (d < x)).sum() / p.size[lo].sum())

    by = {v.name: v for v in setup.venues}
    for x in (0.005, 0.01):
        base = near(by["binance"], x)
        for n in ("bybit", "hyperliquid"):
            assert near(by[n], x) <= base + 1e-9, (n, x)
    assert near(by["hyperliquid"], 0.005) == 0.0
    res = simulate_contagion(setup.venues, setup.links, (), shock_venue="binance", shock=-0.003)
    for n in ("bybit", "hyperliquid"):
        assert res.venues[n].liquidated_usd == 0.0, n


@pytest.fixture(scope="module")
def replay() -> tuple[object, dict]:
    from liqcascade.contagion import oct_2025, recorded_oct_2025
    from liqcascade.contagion._liquidity import run_setup

    rec = recorded_oct_2025()
    bar = rec["crash_hour"]["binance"]
    return run_setup(oct_2025(), shock=bar["low"] / bar["open"] - 1.0), rec


def _reference_lows(res) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """The lowest price per venue, by a plain loop over the rounds' rows and the start.

    Each row is read after the round's cascade step (``cascade_price``: round 1's is
    the shocked venue's first shock and what it filled) and at the round's end.
    """
    low = {n: v.initial_price for n, v in res.venues.items()}
    for row in res.to_frame().to_dict(orient="records"):
        for key in ("cascade_price", "price"):
            if row[key] < low[row["venue"]]:
                low[row["venue"]] = row[key]
    return low


def test_validation_compares_the_model_low_with_the_recorded_low(replay) -> None:  # type: ignore[no-untyped-def]
    from liqcascade.contagion import lowest_prices, validate_oct_2025

    res, rec = replay
    ref = _reference_lows(res)
    got = lowest_prices(res)
    assert set(got) == set(ref)
    for n in ref:
        assert got[n] == ref[n]  # the same float picked from the same rows
    rows = {r["what"]: r for r in validate_oct_2025(res, rec)["rows"]}
    for n, v in res.venues.items():
        low_rows = [r for w, r in rows.items() if w.startswith(f"{n} lowest price")]
        assert len(low_rows) == 1
        low = low_rows[0]
        assert low["model"] == pytest.approx(ref[n] / v.initial_price - 1.0, abs=1e-15)
        final = rows[f"{n} final move after the last round (fraction)"]
        assert final["model"] == pytest.approx(v.move, abs=1e-15) and final["recorded"] is None
        assert low["model"] <= final["model"] + 1e-15  # a low is never above where it ends
        bar = rec["crash_hour"][n]
        if bar is None:
            assert low["recorded"] is None and low["ratio"] is None
        else:  # low against low, the ratio of the two moves
            assert low["recorded"] == pytest.approx(bar["low"] / bar["open"] - 1.0, abs=1e-15)
            assert low["ratio"] == pytest.approx(low["model"] / low["recorded"], rel=1e-12)
    # no row compares a final price with a recorded low
    assert not any("final" in w and r["recorded"] is not None for w, r in rows.items())
    # each row says which comparison it is (its key) and is found by it
    from liqcascade.contagion import VALIDATION_KEYS, validation_row

    answer = validate_oct_2025(res, rec)
    assert all(r["key"] in VALIDATION_KEYS for r in answer["rows"])
    bybit = rows["bybit lowest price over the rounds vs the hour's low (fraction)"]
    assert validation_row(answer, "venue_low", "bybit") == bybit
    assert bybit["venue"] == "bybit" and bybit["key"] == "venue_low"
    assert validation_row(answer, "aave_liquidated") == answer["rows"][0]
    assert validation_row(answer, "aave_at_record_low") is None  # only with the setup
    # the shocked venue's model low is the replay's first-round fall, well below its end,
    # and at least the imposed first shock (the recorded fall): the end of round 1, after
    # arbitrage, had lifted it to -10.8 %, which the table printed as the low (ratio 0.90)
    b = rows["binance lowest price over the rounds vs the hour's low (fraction)"]
    assert b["model"] < res.venues["binance"].move - 0.05
    shock = b["recorded"]
    assert b["model"] <= shock + 1e-12 and b["ratio"] >= 1.0 - 1e-12
    assert "the first shock is imposed here" in b["note"]
    assert (
        "imposed"
        not in rows["bybit lowest price over the rounds vs the hour's low (fraction)"]["note"]
    )


def test_an_up_cascade_is_not_set_against_the_recorded_low(replay) -> None:  # type: ignore[no-untyped-def]
    """A +5 % first shock: each venue's highest price, with no recorded counterpart (the
    recorded hour fell), never a ratio to the hour's low."""
    from liqcascade.contagion import lowest_prices, oct_2025, validate_oct_2025
    from liqcascade.contagion._liquidity import run_setup

    _, rec = replay
    res = run_setup(oct_2025(), shock=0.05)
    assert res.direction == "up"
    rows = validate_oct_2025(res, rec)["rows"]
    assert not any("lowest" in r["what"] or "hour's low" in r["what"] for r in rows)
    highs = lowest_prices(res)
    for n, v in res.venues.items():
        (row,) = [r for r in rows if r["what"].startswith(f"{n} highest price")]
        assert row["recorded"] is None and row["ratio"] is None
        assert row["model"] == pytest.approx(highs[n] / v.initial_price - 1.0, abs=1e-15)
        assert row["model"] >= v.move - 1e-15  # a high is never below where it ends
