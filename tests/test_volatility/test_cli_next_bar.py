"""``liqcascade vol`` answers "how volatile is the next day": the fit's one-step forecast.

A trader asking for tomorrow's volatility got parameters, persistence and a QLIKE table
but no figure for the next bar. The line and ``next_bar`` in JSON give the standard
deviation of the next bar's log return, checked here by hand from the GJR recursion.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from liqcascade.volatility import fit_volatility, log_returns


def test_next_day_is_the_gjr_recursion_one_step_ahead(cli, eth_close) -> None:
    r = cli("vol", "--start", "2022-01-01", "--end", "2023-12-31", "--json")
    assert r.exit_code == 0, r.stderr
    nb = r.json()["next_bar"]
    assert nb["interval"] == "1d" and nb["after"].startswith("2023-12-31")
    # by hand: σ²(T+1) = ω + (α + γ·1[ε_T < 0])·ε_T² + β·σ_T², ε_T = r_T − μ (percent)
    ret = log_returns(eth_close, "2022-01-01", "2023-12-31")
    fit = fit_volatility(ret, "gjr", "t", interval="1d")
    p = fit.params
    eps = float(ret.iloc[-1]) - p["mu"]
    sig2 = float(np.asarray(fit.result.conditional_volatility)[-1]) ** 2
    var = p["omega"] + (p["alpha[1]"] + p["gamma[1]"] * (eps < 0)) * eps**2 + p["beta[1]"] * sig2
    assert nb["vol_pct"] == pytest.approx(math.sqrt(var), rel=1e-6)
    assert nb["vol_annual_pct"] == pytest.approx(math.sqrt(var * 365), rel=1e-6)
    lo, hi = nb["vol_range_pct"]
    assert lo < nb["vol_pct"] < hi and nb["n_draws"] == 100
    assert 1.0 < nb["vol_pct"] < 10.0  # ETH's daily moves, percent


def test_the_text_says_the_next_day(cli) -> None:
    r = cli("vol", "--start", "2022-01-01", "--end", "2023-12-31")
    assert r.exit_code == 0, r.stderr
    line = next(s for s in r.stdout.splitlines() if s.startswith("next day: volatility "))
    assert "after the last bar fitted, 2023-12-31" in line and "a model figure" in line


def test_egarch_has_the_point_without_a_range(cli) -> None:
    r = cli("vol", "--start", "2022-01-01", "--end", "2023-12-31", "--model", "egarch", "--json")
    assert r.exit_code == 0, r.stderr
    nb = r.json()["next_bar"]
    assert nb["vol_range_pct"] is None and nb["n_draws"] == 0 and nb["vol_pct"] > 0
