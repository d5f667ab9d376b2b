"""Shock grids and replays are what-ifs: per-scenario results, never VaR/ES/probabilities."""

from __future__ import annotations

from pathlib import Path

import pytest

from clihelpers import run_cli


@pytest.fixture(scope="module")
def pf(data_dir: Path) -> str:
    return str(data_dir / "stress" / "portfolio.csv")


def test_shock_json_has_no_distribution_figures(pf: str) -> None:
    from liqcascade.stress._result import DISTRIBUTION_KEYS

    r = run_cli("stress", "--portfolio", pf, "--scenario", "shock", "--shocks=-10%,-5%,5%",
                "--json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    out = r.json()
    assert out["deterministic"] is True
    for k in DISTRIBUTION_KEYS:
        assert out[k] is None, k
    rows = out["scenarios"]
    assert [s["scenario"] for s in rows] == ["shock -10%", "shock -5%", "shock +5%"]
    for s, shock in zip(rows, out["shocks"], strict=True):
        # the per-scenario figures are the shock rows' own
        assert s["pnl_usd"] == pytest.approx(shock["portfolio_pnl_usd"], rel=1e-12)
        assert s["loss_usd"] == pytest.approx(-s["pnl_usd"], rel=1e-12)
        assert s["market_liquidations_usd"] == pytest.approx(
            shock["market_liquidations_usd"], rel=1e-12
        )
        assert set(s["liquidated"]) | set(s["stopped"]) <= set(
            ["1:ETHUSDT long 10", "2:BTCUSDT long 1", "3:ETHUSDT short 5"]
        )
    # a 10 % fall liquidates the 10x ETH long (entry 3,600, liquidation ~3,260 < 0.9 x mid)
    assert "1:ETHUSDT long 10" in rows[0]["liquidated"]
    assert rows[2]["liquidated"] == []  # a rise liquidates no long
    assert out["portfolio_file"] == pf and out["n_positions"] == 3


def test_shock_text_prints_scenarios_not_quantiles(pf: str) -> None:
    r = run_cli("stress", "--portfolio", pf, "--scenario", "shock", "--shocks=-10%,5%")
    assert r.exit_code == 0, r.stderr
    text = r.stdout
    for banned in ("var_95", "es_99", "p95", "probability of liquidation", "expected"):
        assert banned not in text, banned
    assert "no VaR, ES, quantile or probability" in text  # says so, prints none
    assert "2 deterministic scenarios" in text and "per scenario" in text
    assert f"portfolio: {pf} (3 positions)" in text and "sample" not in text


def test_replay_is_one_scenario(pf: str) -> None:
    out = run_cli("stress", "--portfolio", pf, "--scenario", "replay", "--window", "2022-11-08",
                  "--json").json()  # fmt: skip
    assert out["deterministic"] is True and out["var_99"] is None
    assert [s["scenario"] for s in out["scenarios"]] == [out["label"]]


def test_monte_carlo_keeps_its_distribution_and_signs(pf: str) -> None:
    r = run_cli("stress", "--portfolio", pf, "--paths", "2000", "--horizon-days", "5",
                "--seed", "4", "--json")  # fmt: skip
    out = r.json()
    assert out["deterministic"] is False and "scenarios" not in out
    assert out["var_99"] >= out["var_95"] and out["p_liquidation"]
    assert out["expected_pnl"] == pytest.approx(-out["expected_loss"], rel=1e-12, abs=1e-9)
    text = run_cli("stress", "--portfolio", pf, "--paths", "2000", "--horizon-days", "5",
                   "--seed", "4").stdout  # fmt: skip
    assert "expected P&L" in text and "positive = a gain" in text and "(a loss)" in text
    assert "expected_loss" not in text
    assert f"{out['expected_pnl']:+,.0f} USD" in text


def test_help_does_not_claim_cascades_in_the_monte_carlo() -> None:
    r = run_cli("--help")
    line = next(x for x in r.stdout.splitlines() if " stress " in f" {x} ")
    assert "Monte Carlo with cascades" not in line
    assert "Monte Carlo with cascades" not in run_cli("stress", "--help").stdout


def test_repr_shows_what_the_summary_has(pf: str) -> None:
    # repr(replay(...)) showed var_99=9,378 USD while summary()["var_99"] was None
    from liqcascade.stress import monte_carlo, read_portfolio, replay, shock_grid, stress_market

    market = stress_market()
    portfolio = read_portfolio(pf)
    rep = replay(portfolio, market, "2024-08-05")
    s = rep.summary()
    assert s["var_99"] is None
    text = repr(rep)
    assert "var_99" not in text and "es_99" not in text
    assert f"loss={s['scenarios'][0]['loss_usd']:,.0f} USD" in text
    grid = shock_grid(portfolio, market, [-0.1, -0.05])
    worst = max(x["loss_usd"] for x in grid.summary()["scenarios"])
    assert repr(grid).endswith(f"worst loss={worst:,.0f} USD)")
    few = monte_carlo(portfolio, market, paths=100, horizon_days=1, seed=1)
    assert few.summary()["var_99"] is None and "var_99=n/a" in repr(few)
    many = monte_carlo(portfolio, market, paths=400, horizon_days=1, seed=1)
    assert f"var_99={many.summary()['var_99']:,.0f} USD" in repr(many)
