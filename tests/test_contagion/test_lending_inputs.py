"""Session 23: lending inputs refused with a hint, the oracle's own price, the notes.

Each case is one change to ``tests/data/contagion/two_venues.toml`` (or a market built
in Python); every refusal exits 2 naming the file and the key.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from clihelpers import run_cli
from liqcascade.book import OrderBook
from liqcascade.contagion import LendingMarket, Oracle, Venue, simulate_contagion
from liqcascade.errors import InputError
from liqcascade.positions import PositionBook
from test_contagion.test_cli import CFG, _variant


def _lending_line(key: str) -> str:
    """The lending block's line that sets ``key`` (to be replaced)."""
    return next(ln for ln in CFG.read_text().splitlines() if ln.startswith(key))


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("beta", "11", "lending[0].beta: must be in (0, 3] (got 11)"),
        ("beta", "-3", "lending[0].beta: must be in (0, 3] (got -3)"),
        ("liq_bonus", "5", "liq_bonus: must be a multiplier in [1, 2) (got 5; for 5 % give 1.05"),
        ("liq_threshold", "80", "must be a fraction in (0, 1) (got 80; for 80 % give 0.8"),
        ("liq_bonus", "1.3", "liq_threshold x liq_bonus must be <= 1"),
        # the borrowing limit: no liquidation reads it (was "Extra inputs are not permitted")
        (
            "ltv",
            "0.8",
            "lending[0].ltv: is not used: liquidations depend on the liquidation "
            "threshold (liq_threshold), not the loan-to-value",
        ),
    ],
)
def test_lending_values_refused_with_hint(tmp_path: Path, key: str, value: str, words: str) -> None:
    anchor = _lending_line("oracle =")
    p = _variant(tmp_path, anchor, f"{key} = {value}\n{anchor}")
    r = run_cli("contagion", "--config", str(p), "--liquidity", "static", "--json")
    assert r.exit_code == 2
    assert words in r.stderr, r.stderr


def test_deviation_given_as_percent_is_refused(tmp_path: Path) -> None:
    anchor = _lending_line("oracle =")
    new = re.sub(r"deviation = [0-9.e-]+", "deviation = 0.5", anchor)
    p = _variant(tmp_path, anchor, new)
    r = run_cli("contagion", "--config", str(p), "--liquidity", "static", "--json")
    assert r.exit_code == 2
    assert "oracle.deviation: must be a fraction in [0, 0.1) (got 0.5; for 0.5 % give 0.005" in (
        r.stderr
    )


def _venue(mid: float = 2000.0) -> Venue:
    e = np.empty(0)
    pos = PositionBook(np.empty(0, np.int8), e, e, e, e, e)
    return Venue("v", OrderBook.parametric(mid, 5e7, n_levels=3000), pos)


def _market(beta: float = 1.0, deviation: float = 0.0) -> LendingMarket:
    return LendingMarket("aave", np.array([10.0]), np.array([12_000.0]), 0.8, 1.05,
                         Oracle(("v",), deviation), collateral_price=50_000.0 / 25, beta=beta,
                         dex_depth_usd=1e7)  # fmt: skip


def test_final_oracle_price_is_the_oracles_not_the_collaterals() -> None:
    # beta 2: the source falls 10 %, the collateral 20 %; the oracle reports the source
    r = simulate_contagion([_venue()], lending=[_market(beta=2.0)], shock_venue="v",
                           shock_price=1800.0)  # fmt: skip
    d = r.defi["aave"]
    assert d["final_oracle_price"] == pytest.approx(1800.0, rel=1e-3)
    assert d["final_collateral_price"] == pytest.approx(2000.0 * (1 - 2 * 0.1), rel=5e-3)
    assert d["n_oracle_updates"] >= 1
    assert d["price_floor_hit"] is False
    # lending_frame's oracle_price is the collateral's (its name kept: docstring, session 25)
    last = r.lending_frame().iloc[-1]
    assert last["oracle_price"] == pytest.approx(d["final_collateral_price"], rel=1e-12)
    assert "collateral's" in (type(r).lending_frame.__doc__ or "")


def test_floor_reached_is_reported() -> None:
    # beta 3 and a 40 % fall: the formula gives 2000 * (1 - 1.2) < 0, held at the floor
    r = simulate_contagion([_venue()], lending=[_market(beta=3.0)], shock_venue="v",
                           shock_price=1200.0)  # fmt: skip
    assert r.defi["aave"]["price_floor_hit"] is True


def test_oracle_that_never_moved_is_counted() -> None:
    r = simulate_contagion([_venue()], lending=[_market(deviation=0.05)], shock_venue="v",
                           shock_price=1980.0)  # fmt: skip
    assert r.defi["aave"]["n_oracle_updates"] == 0


@pytest.mark.parametrize(("beta", "deviation"), [(-3.0, 0.005), (3.5, 0.005), (1.0, 0.5)])
def test_library_refuses_beta_and_percent_deviation(beta: float, deviation: float) -> None:
    with pytest.raises(InputError, match="must be"):
        _market(beta=beta, deviation=deviation)


def test_dropped_accounts_in_text_and_json(tmp_path: Path) -> None:
    # an account already below HF 1 at the start price is left out and counted
    p = _variant(tmp_path, "collateral = [10.0,", "collateral = [1.0, 10.0,")
    p.write_text(p.read_text().replace("debt_usd = [16500.0,", "debt_usd = [1e6, 16500.0,"))
    r = run_cli("contagion", "--config", str(p), "--liquidity", "static", "--json")
    assert r.exit_code == 0, r.stderr
    d = r.json()
    ((name, info),) = d["defi"]["markets"].items()
    assert (info["n_dropped_initially_liquidatable"], info["n_accounts"]) == (1, 4)
    # once: the market's outcome holds the counts, the inputs only where figures came from
    # (the collateral names what the beta is: BTC/ETH for BTC collateral)
    # and the rules it ran on, with the book it kept at the start price
    assert set(d["inputs"]["lending"][name]) == {"beta", "beta_source", "collateral",
                                                  "snapshot_priced_at", "liq_threshold",
                                                  "liq_bonus", "rules_source",
                                                  "collateral_price", "collateral_usd",
                                                  "debt_usd"}  # fmt: skip
    t = run_cli("contagion", "--config", str(p), "--liquidity", "static")
    assert f"{name}: 1 account already below HF 1 at the start price left out (4 kept)" in (
        t.stdout
    )


def test_cli_warns_when_the_oracle_never_updated(tmp_path: Path) -> None:
    anchor = _lending_line("oracle =")
    new = re.sub(r"deviation = [0-9.e-]+", "deviation = 0.099", anchor)
    p = _variant(tmp_path, anchor, re.sub(r"heartbeat = [0-9]+", "heartbeat = 0", new))
    p.write_text(re.sub(r"fraction = -?[0-9.]+", "fraction = -0.001", p.read_text(), count=1))
    r = run_cli("contagion", "--config", str(p), "--liquidity", "static")
    assert r.exit_code == 0, r.stderr
    assert "the oracle never updated during the run" in r.stderr


@pytest.mark.parametrize(
    ("at_usd", "low", "want"),
    [
        (45.9e6, 111_953.0, "price"),  # the preset: rules within 2x, oracle stayed above
        (45.9e6, 100_000.0, "neither"),  # the oracle reached the record's price
        (10.0e6, 111_953.0, "rules"),  # the rules alone land at under half the record
        (90.0e6, 111_953.0, "rules"),  # ... or over twice it
    ],
)
def test_the_at_record_row_says_which_part_misses(at_usd: float, low: float, want: str) -> None:
    """The at-record row's conclusion follows its figures (record $43.1M, price 106,490)."""
    from liqcascade.contagion._presets import _which_misses

    assert _which_misses(at_usd, 43.1e6, low, 106_490.25) == want


def _usde_at(tmp_path: Path, drop: bool) -> Path:
    """The two-venue world's lending market as USDe loans at a depegged start of 0.9 USD."""
    p = _variant(tmp_path, 'collateral = "WETH"', 'collateral = "USDe"\nbeta = 0.05')
    text = p.read_text().replace("collateral_price = 2000.0", "collateral_price = 0.9")
    acc = _lending_line("accounts =")
    new = 'accounts = { kind = "table", collateral = [1e5, 2e5], debt_usd = [7e4, 1.45e5] }'
    text = text.replace(acc, ("" if drop else "drop_initially_liquidatable = false\n") + new)
    p.write_text(text)
    return p


def test_a_depegged_start_says_the_default_drop_removes_its_accounts(tmp_path: Path) -> None:
    # USDe (LT 0.75) at 0.9: HF 1e5 · 0.9 · 0.75 / 7e4 = 0.964 and 0.931, both below 1 at
    # the start, so the default drop leaves the market empty; the line says how to keep them
    r = run_cli("contagion", "--config", str(_usde_at(tmp_path, True)), "--liquidity", "static")
    assert r.exit_code == 0, r.stderr
    assert (
        "aave-weth: 2 accounts already below HF 1 at the start price left out (0 kept): a "
        "depegged start" in r.stdout
    )
    assert "drop_initially_liquidatable = false keeps all 2, liquidated from round 1" in r.stdout
    # the same count with no depeg (accounts whose debt or threshold was misread) was put
    # down to a depeg alone: the line now says what to check then
    assert (
        "liquidated from round 1; with no depeg, check the accounts' debts and the "
        "liquidation threshold (0.75)" in r.stdout
    )


def test_a_depegged_start_kept_is_liquidated_and_priced_to_four_figures(tmp_path: Path) -> None:
    p = _usde_at(tmp_path, False)
    r = run_cli("contagion", "--config", str(p), "--liquidity", "static", "--json")
    assert r.exit_code == 0, r.stderr
    m = r.json()["defi"]["markets"]["aave-weth"]
    # Aave v3.3 by hand, USDe's bonus 8.5 %: HF 0.96 > 0.95 repays half of 7e4, HF 0.93
    # repays all 1.45e5; seized at the oracle price = repaid x bonus (USD)
    assert m["liquidated_usd"] == pytest.approx((3.5e4 + 1.45e5) * 1.085, rel=1e-9)
    assert m["n_accounts_liquidated"] == 2
    t = run_cli("contagion", "--config", str(p), "--liquidity", "static")
    lo = m["lowest_collateral_price"]
    assert 0.85 < lo < 0.9
    # a stablecoin's price with four significant figures, not "0.90"
    assert f"lowest {lo:.4f} (" in t.stdout, t.stdout
    assert "already below HF 1" not in t.stdout


def test_a_threshold_below_the_reserves_says_whom_the_drop_removes(tmp_path: Path) -> None:
    # WETH's reserve LT is 0.83; at 0.80 and 2,000 USD: 10 · 2000 · 0.80 / 16500 = 0.970 and
    # 25 · 2000 · 0.80 / 40500 = 0.988 fall below HF 1 (1.006 and 1.025 at 0.83), while
    # 4 · 2000 · 0.80 / 6000 = 1.067 and 1 · 2000 · 0.8 / 5000 = 0.32 (0.33 at 0.83) do not
    # change side: three dropped, two of them only at the threshold given
    anchor = _lending_line("accounts =")
    new = ("liq_threshold = 0.80\nliq_bonus = 1.05\naccounts = { kind = \"table\", collateral = "
           "[10.0, 25.0, 4.0, 1.0], debt_usd = [16500.0, 40500.0, 6000.0, 5000.0] }")  # fmt: skip
    p = _variant(tmp_path, anchor, new)
    r = run_cli("contagion", "--config", str(p), "--liquidity", "static")
    assert r.exit_code == 0, r.stderr
    assert (
        "aave-weth: 3 accounts already below HF 1 at the start price left out (1 kept); 2 of "
        "them only at the liq_threshold given (0.8; the reserve's 0.83)" in r.stdout
    ), r.stdout
    assert "drop_initially_liquidatable = false keeps all 3" in r.stdout
    j = run_cli("contagion", "--config", str(p), "--liquidity", "static", "--json").json()
    lend = j["inputs"]["lending"]["aave-weth"]
    assert (lend["n_dropped_only_at_given_lt"], lend["reserve_liq_threshold"]) == (2, 0.83)


def test_the_rules_and_the_kept_book_are_printed(tmp_path: Path) -> None:
    # WETH on ethereum: LT 0.83 and bonus 5 % from the bundled reserve unless given; the
    # four accounts hold 139 WETH = $278,000 at 2,000 against $223,500 of debt
    r = run_cli("contagion", "--config", str(CFG), "--liquidity", "static", "--json")
    lend = r.json()["inputs"]["lending"]["aave-weth"]
    assert (lend["liq_threshold"], lend["liq_bonus"]) == (0.83, 1.05)
    assert lend["collateral_usd"] == pytest.approx(139 * 2000.0, rel=1e-12)
    assert lend["debt_usd"] == pytest.approx(223_500.0, rel=1e-12)
    t = run_cli("contagion", "--config", str(CFG), "--liquidity", "static")
    assert (
        "aave-weth: liquidation threshold 0.83, bonus 5.0 % (the bundled Aave v3 reserve WETH "
        "on ethereum, 2025-10-23); 4 accounts: $278,000 of collateral at 2,000.00, $223,500 of "
        "debt" in t.stdout
    ), t.stdout
    anchor = _lending_line("oracle =")
    p = _variant(tmp_path, anchor, f"liq_bonus = 1.075\n{anchor}")
    t = run_cli("contagion", "--config", str(p), "--liquidity", "static")
    assert (
        "bonus 7.5 % (liq_bonus given, the other from the bundled Aave v3 reserve WETH" in t.stdout
    )
