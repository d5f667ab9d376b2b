"""The bundled Aave snapshot's accounts count every debt (and the engine moves each leg).

Hand-worked from the snapshot's own rows at the oct-2025 preset's instant (2025-10-10
20:00 UTC: Binance's hourly closes BTC 114,198.00 and ETH 3,864.76; the bundled daily
prices of 2025-10-10: EURC 1.156948 USD), WBTC's liquidation threshold 0.78.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import liqcascade.data as bundled
from liqcascade.contagion import LendingMarket, Oracle, snapshot_accounts
from liqcascade.contagion._lending import LendingState, liquidate_at_price
from liqcascade.contagion._snapshot import STABLECOINS
from profiles import examples

AT = pd.Timestamp("2025-10-10T20:00:00Z")
BTC, ETH, EURC, LT = 114_198.0, 3_864.76, 1.156948, 0.78


@pytest.fixture(scope="module")
def snap():  # type: ignore[no-untyped-def]
    return snapshot_accounts("V3", AT, ETH)


def _row(snap, account: str) -> int:  # type: ignore[no-untyped-def]
    return int(np.flatnonzero(snap.account == account)[0])


def _hf(snap, i: int, btc: float = BTC) -> float:  # type: ignore[no-untyped-def]
    return float(snap.collateral[i] * btc * LT / snap.total_debt_usd(btc)[i])


def test_mixed_debt_account_by_hand(snap) -> None:  # type: ignore[no-untyped-def]
    # snapshot rows of 0x567b…: 9.699511 BTC; owes 231,416.78 USDT, 271,343.88 USDC,
    # 22.000589 WETH and 2.500367 WBTC
    i = _row(snap, "0x567b84928b633b8a206afee235212b54d16becda")
    debt = 231_416.781881 + 271_343.884897 + 22.000589 * ETH + 2.500367 * BTC
    assert _hf(snap, i) == pytest.approx(9.699511 * BTC * LT / debt, rel=1e-6)
    # 0.989 with every debt (below 1: dropped at the start); 1.72 on the stablecoins
    # alone, the old count
    assert _hf(snap, i) == pytest.approx(0.9893, abs=1e-4)
    assert snap.debt_collateral[i] == pytest.approx(2.500367, rel=1e-6)


def test_eurc_account_by_hand(snap) -> None:  # type: ignore[no-untyped-def]
    # 0x0c0a…: 29.452886 BTC; 563,308.7 USDT, 1,312,371 USDC and 938,798.8 EURC
    i = _row(snap, "0x0c0abec98df2f8787ddb83759e30524e15406595")
    usd = 5.633087e5 + 1.312371e6 + 9.387988e5 * EURC
    assert snap.debt_usd[i] == pytest.approx(usd, rel=1e-6)
    assert _hf(snap, i) == pytest.approx(29.452886 * BTC * LT / usd, rel=1e-6)
    # 0.886 with the EURC (below 1); 1.40 without it, the old count
    assert _hf(snap, i) == pytest.approx(0.8858, abs=1e-4)
    assert snap.eur_usd == pytest.approx(EURC, rel=1e-6)


def test_only_non_stable_debt_is_counted(snap) -> None:  # type: ignore[no-untyped-def]
    # 0x01b0…: 2.761858 BTC owing 31 WETH only; the stablecoin-only count left it out
    i = _row(snap, "0x01b03df1c0f284e8009db7c4a42b617117af1ad9")
    assert snap.debt_usd[i] == 0.0 and snap.debt_collateral[i] == 0.0
    assert snap.debt_eth_usd[i] == pytest.approx(31.0 * ETH, rel=1e-9)
    # 0x0c79…: 4.837092 BTC owing 2.65335 WBTC: its health factor does not move with BTC
    j = _row(snap, "0x0c79be315127d1f6fb87da9ce488fa87e3ab7883")
    assert _hf(snap, j) == pytest.approx(4.837092 * LT / 2.65335, rel=1e-6)
    assert _hf(snap, j, BTC * 0.5) == pytest.approx(_hf(snap, j), rel=1e-12)


def _old_count() -> tuple[int, int]:
    """The stablecoin-only count the snapshot had before (each row's debt summed)."""
    df = bundled.dataset("aave_wbtc_collateral_open_positions")
    df = df[df["version"] == "V3"]
    old = {s.upper() for s in STABLECOINS[:17]}  # the list before PAX, USDG and mUSD
    coll = df.groupby("account")["btc_collateral_tokens"].max()
    debt = (
        df[df["borrowed_symbol"].str.upper().isin(old)]
        .groupby("account")["borrow_balance_tokens"]
        .sum()
    )
    j = pd.concat([coll.rename("c"), debt.rename("d")], axis=1).dropna()
    j = j[(j["c"] > 0) & (j["d"] > 0)]
    return len(j), int((j["c"] * BTC * LT / j["d"] >= 1.0).sum())


def test_account_counts_before_and_after(snap) -> None:  # type: ignore[no-untyped-def]
    assert _old_count() == (2283, 1881)  # before: stablecoins only, repeated rows twice
    assert (snap.n_listed, snap.n_unpriced, snap.collateral.size) == (2391, 2, 2389)
    kept = snap.collateral * BTC * LT / snap.total_debt_usd(BTC) >= 1.0
    assert int(kept.sum()) == 1981
    # an account listed under both the WBTC and the cbBTC lists counts its debt once:
    # 0x00d3…, 12.762602 BTC, 703,528.55 USDT under each
    i = _row(snap, "0x00d3616e6ceb7e33605e12530f2d58dc806372ec")
    assert snap.debt_usd[i] == pytest.approx(703_528.545154, rel=1e-9)


def test_a_day_without_daily_prices_is_refused() -> None:
    from liqcascade.errors import InputError

    with pytest.raises(InputError, match="no bundled daily token prices on 2024-01-01"):
        snapshot_accounts("V3", pd.Timestamp("2024-01-01T00:00:00Z"), 2000.0)


def _market(coll, usd, btc, src, beta: float = 0.5) -> LendingMarket:  # type: ignore[no-untyped-def]
    return LendingMarket("m", coll, usd, 0.78, 1.05, Oracle(("v",), 0.0),
                         collateral_price=100_000.0, beta=beta,
                         debt_collateral=btc, debt_source_usd=src)  # fmt: skip


_LEG = st.floats(0.0, 1e6)


@settings(max_examples=examples(80), deadline=None)
@given(coll=st.floats(0.01, 100.0), usd=_LEG, btc=st.floats(0.0, 10.0), src=_LEG,
       leg=st.integers(0, 2), extra=st.floats(1e-3, 1e6), move=st.floats(-0.9, 0.5),
       beta=st.floats(0.1, 2.0))  # fmt: skip
def test_adding_a_debt_never_raises_a_health_factor(
    coll: float,
    usd: float,
    btc: float,
    src: float,
    leg: int,
    extra: float,
    move: float,
    beta: float,
) -> None:
    legs = [np.array([usd]), np.array([btc]), np.array([src])]
    more = [x.copy() for x in legs]
    more[leg] = more[leg] + (extra / 1e5 if leg == 1 else extra)  # a WBTC debt in BTC
    price = 100_000.0 * (1.0 + move)
    hf0 = _market(np.array([coll]), *legs, beta=beta).health_factors(price)[0]
    hf1 = _market(np.array([coll]), *more, beta=beta).health_factors(price)[0]
    assert hf1 <= hf0 * (1 + 1e-12)


def test_each_leg_moves_with_its_price_and_is_repaid_pro_rata() -> None:
    # 1 BTC at 100,000 (LT 0.78), beta 0.5 to the source: owes 30,000 USD, 0.2 BTC and
    # 20,000 USD of ETH. Source -20 % -> BTC -10 % (90,000): debt 30,000 + 18,000 + 16,000
    m = _market(np.array([1.0]), np.array([30_000.0]), np.array([0.2]), np.array([20_000.0]))
    assert m.health_factors(100_000.0)[0] == pytest.approx(78_000 / 70_000, rel=1e-12)
    assert m.health_factors(90_000.0)[0] == pytest.approx(70_200 / 64_000, rel=1e-12)
    s = LendingState(m, 1.0)
    s.update_oracle(0.8, 1)
    assert s.debt_now()[0] == pytest.approx(64_000.0, rel=1e-12)
    # BTC at 80,000 (source -40 %): 62,400 / (30,000 + 16,000 + 12,000) = 1.076: safe
    assert liquidate_at_price(m, 80_000.0)["n_liquidations"] == 0
    # at 70,000 (source -60 %): 54,600 / (30,000 + 14,000 + 8,000) = 1.05: safe yet; at
    # 60,000 (source -80 %): 46,800 / (30,000 + 12,000 + 4,000) = 1.017; at 55,000
    # (-90 %): 42,900 / (30,000 + 11,000 + 2,000) = 0.998 -> half of 43,000 repaid
    s = LendingState(m, 1.0)
    s.update_oracle(0.1, 1)
    _, _, rep, bad = s.liquidate()
    assert (rep, bad) == (pytest.approx(21_500.0, rel=1e-12), 0.0)
    # each leg cut by the same half
    assert (s.debt[0], s.debt_collateral[0], s.debt_source_usd[0]) == (
        pytest.approx(15_000.0),
        pytest.approx(0.1),
        pytest.approx(10_000.0),
    )


def test_a_snapshot_market_without_its_date_is_refused_in_one_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The snapshot's debts are priced at collateral_price_at: without it, exit 2 naming it."""
    from pathlib import Path

    from clihelpers import run_cli

    data = Path(__file__).resolve().parents[1] / "data" / "contagion"
    text = (data / "two_venues.toml").read_text(encoding="utf-8")
    for f in ("positions_a.csv", "positions_b.csv"):
        text = text.replace(f'"{f}"', repr(str(data / f)).replace("'", '"'))
    table = 'accounts = { kind = "table", collateral = [10.0, 25.0, 4.0, 100.0], debt_usd = '
    head, _, _ = text.partition(table)
    cfg = tmp_path / "t.toml"
    cfg.write_text(
        head.replace('collateral = "WETH"\ncollateral_price = 2000.0', 'collateral = "WBTC"\n'
                     "collateral_price = 114198.0")
        + 'accounts = { kind = "aave_wbtc_snapshot" }\n',
        encoding="utf-8",
    )  # fmt: skip
    r = run_cli("contagion", "--config", str(cfg))
    assert r.exit_code == 2
    assert r.stderr.strip().splitlines() == [
        "error: t.toml: lending[0].collateral_price_at: missing parameter: the snapshot's "
        "debts other than USD stablecoins (EURC, WETH, WBTC ...) are priced at it "
        "(collateral_price may still set the collateral's price)"
    ]
