"""``liqmap backtest``'s verdicts read the out-of-sample months only.

A period that starts before the calibration's first fit holds months predicted by a
fit trained on data after them (in sample). ``metrics`` keeps pooling every month (its
meaning unchanged); ``metrics_out_of_sample`` and ``metrics_in_sample`` split them, the
verdicts against the range baseline read the out-of-sample months, and the text shows
the in-sample months' figures apart, labelled.
"""

from __future__ import annotations

import pytest

from clihelpers import run_cli
from floats import assert_same
from liqcascade.market import book_backtest
from liqcascade.positions._backtest import BacktestResult, range_baseline_verdicts

KEYS = (
    "corr_daily", "corr_daily_long", "corr_daily_short", "baseline_corr_daily",
    "spearman_daily", "range_baseline_corr_daily", "range_baseline_spearman_daily",
    "coverage_90_daily",
)  # fmt: skip
"""The metrics the issue requires in ``liqmap backtest --json``."""


@pytest.fixture(scope="module")
def mixed() -> BacktestResult:
    """ETH from before its first fit (2025-03) to the data's end: 4 months in sample."""
    return book_backtest("ETH", "2024-11-01", "2025-07-31", store=False)


def _same(a: dict, b: dict, keys: tuple[str, ...]) -> None:
    for k in keys:
        assert_same(a[k], b[k], rtol=1e-9)


def test_metrics_are_split_by_sample_and_pooled_keeps_its_meaning(mixed: BacktestResult) -> None:
    assert mixed.sample_months(False) == ["2024-11", "2024-12", "2025-01", "2025-02"]
    assert mixed.sample_months(True) == ["2025-03", "2025-04", "2025-05", "2025-06", "2025-07"]
    oos, ins, pooled = mixed.metrics_out_of_sample, mixed.metrics_in_sample, mixed.metrics
    assert oos is not None and ins is not None and pooled is not None
    for m in (oos, ins, pooled):
        assert set(KEYS) <= set(m)
    # the out-of-sample months alone: the back-test of exactly those months
    alone = book_backtest("ETH", "2025-03-01", "2025-07-31", store=False)
    assert alone.metrics_in_sample is None and alone.metrics_out_of_sample == alone.metrics
    diffs = tuple(k for k in alone.metrics if "_diff_daily" in k)
    assert diffs  # the range-baseline comparisons, which the verdicts read
    _same(oos, alone.metrics, (*KEYS, *diffs))
    assert oos["days"] == alone.metrics["days"]
    # in sample: the months before the first fit alone, with no comparison
    early = book_backtest("ETH", "2024-11-01", "2025-02-28", store=False)
    assert early.metrics_out_of_sample is None and early.metrics is not None
    assert early.metrics_in_sample is not None
    _same(ins, early.metrics, KEYS)
    _same(ins, early.metrics_in_sample, KEYS)
    assert not any("_diff_daily" in k for k in ins)
    # pooled: every month, as before (the key's meaning is unchanged)
    assert pooled["days"] == oos["days"] + ins["days"]
    assert range_baseline_verdicts(oos) != range_baseline_verdicts(pooled)
    d = mixed.to_dict(series=False)
    assert d["metrics"] is pooled and d["metrics_out_of_sample"] is oos
    assert d["months_in_sample"] == mixed.sample_months(False)


def test_cli_verdicts_read_the_out_of_sample_months(mixed: BacktestResult) -> None:
    args = ("liqmap", "backtest", "--asset", "ETH", "--start", "2024-11-01", "--end", "2025-07-31")
    env = {"COLUMNS": "250"}
    r = run_cli(*args, "--no-bands", env=env)
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    oos, ins = mixed.metrics_out_of_sample, mixed.metrics_in_sample
    assert oos is not None and ins is not None
    head = next(ln for ln in lines if "out of sample (2025-03 → 2025-07)" in ln)
    assert "in sample (2024-11 → 2025-02)" in head
    title = next(ln for ln in lines if ln.startswith("model vs range baseline"))
    assert "out-of-sample months only" in title
    row = next(ln for ln in lines if ln.strip().startswith("total, Pearson")).split()
    # the verdict's figures are the out-of-sample months', never the pooled ones
    assert row[2:4] == [f"{oos['corr_daily']:.3f}", f"{oos['range_baseline_corr_daily']:.3f}"]
    v = range_baseline_verdicts(oos)["corr_daily"]
    assert row[-1] == {"beats": "beats", "loses": "loses", "ties": "tie"}[str(v)]
    assert any(ln.startswith("in sample (2024-11 → 2025-02): predicted by the first fit") for ln
               in lines)  # fmt: skip
    j = run_cli(*args, "--no-bands", "--json", env=env).json()
    for block in ("metrics", "metrics_out_of_sample", "metrics_in_sample"):
        assert set(KEYS) <= set(j[block])


def test_a_period_wholly_in_sample_has_no_verdict() -> None:
    r = run_cli(
        "liqmap", "backtest", "--asset", "ETH", "--start", "2024-12-01", "--end", "2025-01-31",
        "--no-bands", env={"COLUMNS": "250"},
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    flat = " ".join(r.stdout.split())
    assert "no out-of-sample month in the period: no verdict against the range baseline" in flat
    assert "model vs range baseline" not in flat and "in sample (2024-12 → 2025-01)" in flat
