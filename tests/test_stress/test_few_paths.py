"""A Monte Carlo of too few paths prints no VaR / ES; "whole margin" only when it is one.

`stress --portfolio sample --paths 1` printed its one path's P&L (a gain) as every VaR
and ES, "(a loss) (the whole margin: a bound ...)", because one path's interval is a
single point.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from clihelpers import run_cli
from liqcascade._cli.stress import _tail_text
from liqcascade.stress import quantile_interval
from liqcascade.stress._result import min_paths


@pytest.mark.parametrize(("level", "n"), [(0.95, 72), (0.99, 368)])
def test_min_paths_is_where_the_quantile_interval_fits_in_the_sample(level: float, n: int) -> None:
    assert min_paths(level) == n
    # the interval's upper rank (1-based) is a path of the sample from n on, not before
    assert stats.binom.ppf(0.975, n, level) + 1 <= n
    assert stats.binom.ppf(0.975, n - 1, level) + 1 > n - 1
    x = np.arange(n, dtype=np.float64)
    assert quantile_interval(x, level)[1] <= x[-1]


def test_one_path_prints_no_var_or_es() -> None:
    r = run_cli("stress", "--portfolio", "sample", "--paths", "1")
    assert r.exit_code == 0, r.stderr
    for k, need in (("var_95", 72), ("var_99", 368), ("es_95", 72), ("es_99", 368)):
        line = next(x for x in r.stdout.splitlines() if x.strip().startswith(k))
        assert f"n/a (too few paths to estimate: 1 < {need})" in line, line
    assert "whole margin" not in r.stdout and "(a loss)" not in r.stdout


def test_json_gives_none_below_each_levels_minimum() -> None:
    out = run_cli("stress", "--portfolio", "sample", "--paths", "100", "--json").json()
    assert out["var_99"] is None and out["es_99"] is None and out["var_99_interval"] is None
    assert out["var_95"] is not None and out["var_95_interval"] is not None
    assert out["min_paths"] == {"var_95": 72, "es_95": 72, "var_99": 368, "es_99": 368}
    # the sample's equity at the market date: its three isolated margins (USD)
    assert out["whole_margin_usd"] == pytest.approx(17123.993, abs=0.01)


def _result(
    v: float, lo: float, hi: float, whole: float = 17124.0, es: float | None = None
) -> dict:
    """A summary whose 95 % VaR is ``v`` (interval ``lo``–``hi``); its ES ``v`` unless given."""
    return {"paths": 10000, "var_95": v, "var_95_interval": [lo, hi], "es_95": v if es is None
            else es, "whole_margin_usd": whole}  # fmt: skip


def test_a_negative_var_is_a_gain_and_never_the_whole_margin() -> None:
    text = _tail_text(_result(-4980.6, -4980.6, -4980.6), "var_95")
    assert text.startswith("-4,981 USD (a gain)")
    assert "loss" not in text and "whole margin" not in text


def test_whole_margin_only_when_the_figure_is_the_margin() -> None:
    # a collapsed interval that is not the margin: the paths' worst loss (stops keep the
    # rest of the margin), a bound; not a zero-width sampling interval
    text = _tail_text(_result(9000.0, 9000.0, 9000.0), "var_95")
    assert "whole margin" not in text and "9,000 – 9,000" not in text
    assert text == (
        "9,000 USD (a loss) (the paths' worst loss, the same in every resample: a bound; "
        "stops keep part of the margin)"
    )
    # the margin, every resample the same: the bound
    text = _tail_text(_result(17124.0, 17124.0, 17124.0), "var_95")
    assert text == "17,124 USD (a loss) (the whole margin: a bound, the same in every resample)"
    # the margin, the interval wider: the bound and its interval
    text = _tail_text(_result(17124.0, 16382.0, 17124.0), "var_95")
    assert "the whole margin: a bound; 95 % interval" in text and "16,382 – 17,124" in text
    # a collapsed interval with paths beyond it losing more (ES above the VaR): no bound
    text = _tail_text(_result(9000.0, 9000.0, 9000.0, es=11000.0), "var_95")
    assert text == "9,000 USD (a loss) (95 % interval, Monte Carlo sampling: 9,000 – 9,000)"


def test_the_reports_flat_tail_is_the_whole_margin_only_when_it_is_the_equity() -> None:
    from liqcascade.report._stress_section import _var99_text, _worst_words

    whole = {"var_99": 17124.0, "es_99": 17124.0, "whole_margin_usd": 17124.0}
    assert _worst_words(whole) == "the whole margin"
    assert _var99_text(whole) == "at 99 % the whole margin is lost ($17,124, a bound)"
    stops = {"var_99": 16256.0, "es_99": 16256.0, "whole_margin_usd": 18756.0}
    assert _worst_words(stops) == "the paths' worst loss (stops keep part of the margin)"
    assert "whole margin" not in _var99_text(stops)
    assert _worst_words({"var_99": 12000.0, "es_99": 14000.0, "whole_margin_usd": 18756.0}) is None
