"""Wald p-values at the stationarity bound: printed, and marked as not standard.

Where a fit sits on ``arch``'s stationarity constraint (``persistence_at_bound``) the
p-values of α, β and γ do not have their usual distribution (docs/volatility.md); ``vol``
and the report printed them as usual. Now each says so where it is printed.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from liqcascade.volatility import BOUND_PARAMS, bound_note

NOTE = "at the bound: not standard"


def _fit_dict(at_bound: bool) -> dict[str, Any]:
    """``vol --json``'s fields that ``_render`` reads, for a GJR-t fit (returns in %)."""
    names = ("mu", "omega", "alpha[1]", "gamma[1]", "beta[1]", "nu")
    return {
        "asset": "ETH", "interval": "1d", "model": "gjr", "dist": "t", "n_obs": 2905,
        "start": "2017-08-18T00:00:00+00:00", "end": "2025-07-31T00:00:00+00:00",
        "converged": True,
        "params": dict(zip(names, (0.08, 0.4, 0.09, 0.008, 0.906, 3.2), strict=True)),
        "std_err": dict(zip(names, (0.05, 0.2, 0.03, 0.036, 0.03, 0.2), strict=True)),
        "pvalues": dict(zip(names, (0.11, 0.04, 0.003, 0.83, 1e-9, 1e-12), strict=True)),
        "persistence": 1.0 if at_bound else 0.98,
        "persistence_se": None if at_bound else 0.005,
        "persistence_at_bound": at_bound, "near_integrated": at_bound,
        "half_life_days": None if at_bound else 34.0,
        "annualized_vol": None if at_bound else 80.0, "sample_annualized_vol": 89.2,
        "leverage_model": "gjr", "leverage_gamma": 0.008, "leverage_pvalue": 0.83,
        "leverage_verdict": "not significant", "asymmetry_ratio": None,
        "arch_lm_pvalue_raw": 1e-9, "arch_lm_pvalue_std": 0.56, "aic": 17000.0,
        "bic": 17040.0, "periods": [],
    }  # fmt: skip


def test_the_note_follows_alpha_beta_gamma_only() -> None:
    assert set(BOUND_PARAMS) == {"alpha[1]", "beta[1]", "gamma[1]"}
    assert [bound_note(k, True) for k in ("alpha[1]", "gamma[1]", "beta[1]")] == [NOTE] * 3
    assert bound_note("omega", True) == bound_note("nu", True) == ""
    assert bound_note("gamma[1]", False) == ""


@pytest.mark.parametrize("at_bound", [True, False], ids=["at-bound", "interior"])
def test_vol_text_marks_the_p_values_at_the_bound(at_bound: bool) -> None:
    from liqcascade._cli import _common
    from liqcascade._cli.vol import _render

    # the console's own capture: capsys misses it once an earlier test pinned the
    # console to the stream it saw then (run after other CLI tests, capsys read nothing)
    with _common.stdout.capture() as cap:
        _render(_fit_dict(at_bound))
    out = cap.get()
    rows = {ln.split()[0]: ln for ln in out.splitlines() if ln.strip()}
    for k in ("alpha[1]", "gamma[1]", "beta[1]"):
        # beside the p-value, in a column of its own (the p-values stay aligned)
        assert rows[k].endswith(" at the bound: not standard") == at_bound, rows[k]
    for k in ("mu", "omega", "nu"):
        assert "at the bound" not in rows[k]
    lev = next(ln for ln in out.splitlines() if ln.startswith("leverage effect"))
    want = "p = 0.83, at the bound: not standard)" if at_bound else "p = 0.83)"
    assert want in lev, lev
    # the figures themselves are unchanged
    assert "0.0080" in lev and rows["gamma[1]"].split()[1:3] == ["0.008", "0.036"]
    assert rows["gamma[1]"].split()[3] == "0.83"


@pytest.mark.parametrize("at_bound", [True, False], ids=["at-bound", "interior"])
def test_report_marks_gamma_p_at_the_bound(at_bound: bool) -> None:
    from liqcascade.report._volatility_section import _gamma_p

    fit = SimpleNamespace(leverage=SimpleNamespace(pvalue=0.83), at_stationarity_bound=at_bound)
    assert _gamma_p(fit) == ("p = 0.83, at the bound: not standard" if at_bound else "p = 0.83")
    fit.leverage.pvalue = 2e-5
    assert _gamma_p(fit) == ("p < 0.001, at the bound: not standard" if at_bound else "p < 0.001")


def test_stress_median_words_mark_the_p_at_the_bound() -> None:
    """The stress section quotes the daily fit's γ too (why the 30-day median moves)."""
    from liqcascade.report._stress_section import median_words

    lev = (-0.006, 0.76, "not significant", -0.9)
    assert "(GJR γ = −0.006, p = 0.76, at the bound: not standard) is not" in median_words(
        lev, at_bound=True
    )
    assert "(GJR γ = −0.006, p = 0.76) is not" in median_words(lev)
