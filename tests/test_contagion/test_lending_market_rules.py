"""Session 24: a ``LendingMarket`` holds Aave's LT x bonus rule itself, and reports its drops.

``liq_threshold x liq_bonus <= 1`` was checked by the TOML reader and by
``AaveReserve``, not by ``LendingMarket``: one built in Python with LT 0.95 and bonus
1.15 ran (a whole liquidation at HF 1 seizing more than the account holds). The rule
is now the class's (``margin.aave_bonus_refusal``, ``AaveReserve``'s too). And
``ContagionResult.summary()`` lacked the accounts the reader left out, which the CLI
JSON has (``n_dropped_initially_liquidatable``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from liqcascade.contagion import LendingMarket, Oracle, build_setup, load_config, run_setup
from liqcascade.errors import InputError
from liqcascade.margin import AaveReserve, aave_bonus_refusal
from test_contagion.test_cli import CFG, _variant


def _market(lt: float, bonus: float, **kw: object) -> LendingMarket:
    return LendingMarket("aave", np.array([10.0]), np.array([12_000.0]), lt, bonus,
                         Oracle(("v",), 0.0), collateral_price=2000.0, **kw)  # type: ignore[arg-type]  # fmt: skip


def test_lending_market_refuses_a_bonus_past_its_threshold() -> None:
    with pytest.raises(InputError) as e:
        _market(0.95, 1.15)
    assert str(e.value) == (
        "lending 'aave': liq_threshold x liq_bonus must be <= 1 (got 0.95 x 1.15 = 1.092): at "
        "HF 1 a whole liquidation would seize more collateral than the account holds (Aave's "
        "PoolConfigurator rule)"
    )
    assert e.value.param == "liq_bonus"
    assert _market(0.95, 1.05).liq_bonus == 1.05  # 0.9975: allowed


def test_one_rule_for_the_reserve_and_the_market() -> None:
    assert aave_bonus_refusal(0.8, 1.25) is None  # exactly 1
    why = aave_bonus_refusal(0.9, 1.2)
    assert why is not None and why.startswith("liquidation_threshold x liquidation_bonus must")
    with pytest.raises(InputError) as e:
        AaveReserve("X", "ethereum", 0.8, 0.9, 1.2)
    assert str(e.value) == why


def test_config_names_the_key_when_the_market_refuses(tmp_path: Path) -> None:
    line = next(ln for ln in CFG.read_text().splitlines() if ln.startswith("oracle ="))
    p = _variant(tmp_path, line, f"liq_threshold = 0.95\nliq_bonus = 1.15\n{line}")
    with pytest.raises(InputError) as e:
        build_setup(load_config(p), where=p.name)
    assert str(e.value).startswith(
        f"{p.name}: lending[0].liq_bonus: liq_threshold x liq_bonus must be <= 1 (got 0.95 x "
    )


def test_summary_counts_the_dropped_accounts(tmp_path: Path) -> None:
    p = _variant(tmp_path, "collateral = [10.0,", "collateral = [1.0, 10.0,")
    p.write_text(p.read_text().replace("debt_usd = [16500.0,", "debt_usd = [1e6, 16500.0,"))
    setup = build_setup(load_config(p))
    assert [m.n_dropped_initially_liquidatable for m in setup.lending] == [1]
    res = run_setup(setup, liquidity="static")
    ((name, market),) = res.summary()["defi"]["markets"].items()
    assert market["n_dropped_initially_liquidatable"] == 1
    assert setup.notes[name]["n_dropped_initially_liquidatable"] == 1  # the CLI JSON's source
    assert _market(0.83, 1.05).n_dropped_initially_liquidatable == 0  # none by default
    with pytest.raises(InputError, match=r"n_dropped_initially_liquidatable must be a whole"):
        _market(0.83, 1.05, n_dropped_initially_liquidatable=-1)


@pytest.mark.parametrize(
    ("lt", "bonus", "param", "want"),
    [
        # 5 meant as 5 %: was "LT x bonus must be <= 1 (got 0.83 x 5 = 4.15)", no hint
        (0.83, 5.0, "liq_bonus", "liq_bonus must be a multiplier in [1, 2) (got 5; for 5 % "
         "give 1.05; 1.05 is a 5 % bonus)"),
        # a bonus of 150 % under a low threshold passed LT x bonus <= 1
        (0.3, 2.5, "liq_bonus", "liq_bonus must be a multiplier in [1, 2) (got 2.5; for 2.5 % "
         "give 1.025; 1.05 is"),
        (0.83, 0.05, "liq_bonus", "liq_bonus must be a multiplier in [1, 2) (got 0.05; 1.05 is"),
        (80.0, 1.05, "liq_threshold", "liq_threshold must be a fraction in (0, 1) (got 80; "
         "for 80 % give 0.8; Aave's WETH: 0.83)"),
    ],
)  # fmt: skip
def test_lending_market_bounds_its_rates_with_the_percent_hint(
    lt: float, bonus: float, param: str, want: str
) -> None:
    with pytest.raises(InputError) as e:
        _market(lt, bonus)
    assert str(e.value).startswith(f"lending 'aave': {want}"), str(e.value)
    assert e.value.param == param


def test_the_reserve_and_the_file_word_the_bonus_range_as_the_market(tmp_path: Path) -> None:
    with pytest.raises(InputError) as e:
        AaveReserve("X", "ethereum", 0.7, 0.8, 5.0)
    assert str(e.value) == (
        "liquidation_bonus must be a multiplier in [1, 2) (got 5; for 5 % give 1.05; 1.05 is a "
        "5 % bonus; 0 only for a reserve with liquidation_threshold 0)"
    )
    line = next(ln for ln in CFG.read_text().splitlines() if ln.startswith("oracle ="))
    p = _variant(tmp_path, line, f"liq_bonus = 5\n{line}")
    with pytest.raises(InputError) as f:
        load_config(p)
    assert str(f.value) == (
        f"{p.name}: lending[0].liq_bonus: must be a multiplier in [1, 2) (got 5; for 5 % give "
        "1.05; 1.05 is a 5 % bonus)"
    )
