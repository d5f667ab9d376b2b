"""The identified book's out-of-sample score, shared by the liqmap and cascade sections.

``ReportContext.identified_score`` reads the validation back-test once; it turns only
an ``InputError`` (no calibration, no data) into "no score" and says why, so a section
run without the validation section still explains a missing score, and a bug (a renamed
metric, a TypeError) raises instead of printing as a missing score.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

from liqcascade.errors import InputError
from liqcascade.report._cascade_section import _book_score_text
from liqcascade.report._section import BookScore, IdentifiedScore, ReportContext

METRICS = {
    "corr_daily": 0.84,
    "range_baseline_corr_daily": 0.80,
    "range_baseline_corr_diff_daily": 0.04,
    "range_baseline_corr_diff_daily_p05": 0.01,
    "range_baseline_corr_diff_daily_p95": 0.07,
}


def _bt(metrics: dict[str, float] | None) -> Any:
    return SimpleNamespace(
        metrics=metrics,
        metrics_out_of_sample=metrics,  # every month of the window is out of sample
        start=pd.Timestamp("2025-03-01", tz="UTC"),
        end=pd.Timestamp("2025-07-31 23:59", tz="UTC"),
    )


def _ctx(identified: Any) -> ReportContext:
    ctx = ReportContext(quick=True, asset="ETH", as_of="2025-07-31")
    ctx.identified = identified  # type: ignore[method-assign]
    return ctx


def test_score_is_typed_and_feeds_the_book_score() -> None:
    ctx = _ctx(lambda a: _bt(METRICS))
    s = ctx.identified_score("eth")
    assert s == IdentifiedScore(
        corr_daily=0.84, baseline_corr_daily=0.80, diff_daily=0.04, diff_p05=0.01,
        diff_p95=0.07, verdict="beats", start=pd.Timestamp("2025-03-01", tz="UTC"),
        end=pd.Timestamp("2025-07-31 23:59", tz="UTC"),
    )  # fmt: skip
    assert ctx.no_identified_score() is None
    assert ctx.book_score == BookScore(
        model=0.84, baseline=0.80, period="2025-03 to 2025-07", verdict="beats"
    )


def test_no_calibration_or_data_is_no_score_and_says_why() -> None:
    def no_data(a: str) -> Any:
        raise InputError("no open interest for ETH 4h between 2025-03-01 and 2025-07-31")

    ctx = _ctx(no_data)
    assert ctx.identified_score() is None and ctx.book_score is None
    why = ctx.no_identified_score()
    assert why is not None and "cannot run: no open interest for ETH 4h" in why
    # the cascade card says it itself (the validation section may not be in the report)
    line = _book_score_text(SimpleNamespace(book_score=None, no_book_score=why))  # type: ignore[arg-type]
    assert line == f"No out-of-sample score of the book — {why}"
    assert "validation section" not in line


def test_a_date_before_the_first_fit_says_so() -> None:
    ctx = ReportContext(quick=True, asset="ETH", as_of="2025-02-10")  # fits from 2025-03
    assert ctx.identified_score() is None
    assert ctx.no_identified_score() == (
        "the identified book's back-test of ETH cannot run: as_of 2025-02-10 is before the "
        "first month with a fit (2025-03): no month to predict out of sample"
    )


def test_too_few_records_is_no_score_and_says_why() -> None:
    ctx = _ctx(lambda a: _bt(None))
    assert ctx.identified_score() is None
    assert "too few bars of 2025-03-01 → 2025-07-31" in str(ctx.no_identified_score())


@pytest.mark.parametrize(
    "bug",
    [TypeError("unsupported operand"), ImportError("no module")],
    ids=["type-error", "import-error"],
)
def test_a_bug_in_the_back_test_raises(bug: Exception) -> None:
    def broken(a: str) -> Any:
        raise bug

    with pytest.raises(type(bug)):
        _ = _ctx(broken).book_score


def test_a_renamed_metric_raises() -> None:
    renamed = {k.replace("corr_daily", "pearson_daily"): v for k, v in METRICS.items()}
    with pytest.raises(KeyError, match="corr_daily"):
        _ctx(lambda a: _bt(renamed)).identified_score()
