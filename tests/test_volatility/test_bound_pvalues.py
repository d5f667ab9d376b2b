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


def _period(label: str, pvalue: float, verdict: str, at_bound: bool | None) -> dict[str, Any]:
    """A ``vol --json`` ``periods`` row (``at_bound`` None: a row without the field)."""
    row = {
        "label": label, "start": f"{label}-01-01", "end": f"{label}-12-31", "model": "gjr",
        "dist": "t", "n_obs": 365, "gamma": 0.4485, "std_err": 0.2, "pvalue": pvalue,
        "ci_low": 0.049, "ci_high": 0.848, "verdict": verdict, "converged": True,
        "partial": False,
    }  # fmt: skip
    if at_bound is not None:
        row["persistence_at_bound"] = at_bound
    return row


def _period_lines(periods: list[dict[str, Any]]) -> dict[str, str]:
    from liqcascade._cli import _common
    from liqcascade._cli.vol import _render_periods

    width = _common.stdout.width
    _common.stdout.width = 160  # one line per row, whatever the terminal the tests run in
    try:
        with _common.stdout.capture() as cap:
            _render_periods(periods)
    finally:
        _common.stdout.width = width
    return {ln.split()[0]: ln for ln in cap.get().splitlines() if ln.strip()}


def test_vol_by_period_marks_the_rows_whose_fit_sits_at_the_bound() -> None:
    rows = _period_lines(
        [_period("2017", 0.35, "not significant", True), _period("2022", 0.028, "significant",
         False), _period("2023", 0.54, "not significant", None)]
    )  # fmt: skip
    assert rows["2017"].endswith("not significant  at the bound: not standard"), rows["2017"]
    for label in ("2022", "2023"):  # off the bound, or a row from before the field
        assert "at the bound" not in rows[label], rows[label]
    # the p-values and verdicts are unchanged, in their own columns
    assert rows["2017"].split()[5:8] == ["0.35", "not", "significant"]
    assert rows["2022"].split()[5:7] == ["0.028", "significant"]


def test_vol_by_period_adds_no_column_when_no_fit_sits_at_the_bound() -> None:
    plain = _period_lines([_period("2022", 0.028, "significant", False)])
    assert plain["2022"].rstrip().endswith("0.028    significant")
    assert plain["period"].split() == ["period", "n", "gamma", "95", "%", "interval",
                                       "p-value", "verdict"]  # fmt: skip


def test_each_period_row_carries_its_own_fits_bound_flag(eth_close: Any) -> None:
    """The row's flag is the period's own fit's ``at_stationarity_bound``, not the whole fit's.

    ETH's 2017 part-year (136 daily returns) fits on the bound, 2022 inside it.
    """
    from liqcascade.volatility import (
        Period,
        default_periods,
        fit_volatility,
        leverage_by_period,
        log_returns,
        period_returns,
    )

    periods = [p for p in default_periods(eth_close.index) if p.label in ("2017", "2022")]
    rows = {r.label: r for r in leverage_by_period(eth_close, periods=periods).rows}
    whole = log_returns(eth_close)
    for p in periods:
        assert isinstance(p, Period)
        fit = fit_volatility(period_returns(whole, p), "gjr", "t")
        assert rows[p.label].persistence_at_bound == fit.at_stationarity_bound
    assert rows["2017"].persistence_at_bound and not rows["2022"].persistence_at_bound
    assert rows["2017"].to_dict()["persistence_at_bound"] is True
    # a period with too few returns has no fit, so no bound
    few = leverage_by_period(eth_close, periods=periods[:1], min_obs=1000).rows[0]
    assert few.verdict == "too few observations" and few.persistence_at_bound is False
