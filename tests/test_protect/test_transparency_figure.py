"""The transparency figure marks where the book is refitted (review14 item 12)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from liqcascade.protect._transparency import METRICS, TransparencyMetrics
from liqcascade.report._figures import RECORDED, finish
from liqcascade.report._transparency_section import figures


def _metrics() -> TransparencyMetrics:
    days = pd.date_range("2025-03-10 20:00", "2025-05-20 20:00", freq="D", tz="UTC")
    cols = {c: np.linspace(1, 2, len(days)) for c in [*METRICS, "liquidations_usd"]}
    # the April fit: mean leverage 7.7× → 18.6× on 2025-04-01 and back on 2025-05-01
    cols["mean_leverage"] = np.where((days >= "2025-04-01") & (days < "2025-05-01"), 18.6, 7.7)
    return TransparencyMetrics(pd.DataFrame(cols, index=days), pd.DataFrame(), {"asset": "ETH"})


def test_month_starts_are_drawn_across_the_panels_and_named_in_the_caption() -> None:
    """The April 2025 level shift of mean leverage is the monthly refit; it was unmarked."""
    fig = figures(_metrics())[0]
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    assert [s.x0 for s in lines] == ["2025-04-01", "2025-05-01"]
    assert all(s.yref == "paper" and (s.y0, s.y1) == (0, 1) for s in lines)
    title, fig = finish(fig)
    assert "dotted lines: month starts, where the estimated book is refitted" in title
    liq = next(t for t in fig.data if "recorded liquidations" in str(t.name))
    assert liq.line.color == RECORDED


def _year() -> TransparencyMetrics:
    """252 days 2024-11-22 → 2025-07-31, as the bundled report's, with random metrics."""
    from liqcascade.protect import early_warning

    days = pd.date_range("2024-11-22", "2025-07-31", freq="D", tz="UTC")
    rng = np.random.default_rng(7)
    cols = {c: rng.normal(size=len(days)) for c in METRICS}
    cols["liquidations_usd"] = np.exp(rng.normal(size=len(days))) * 1e6
    f = pd.DataFrame(cols, index=days)
    return TransparencyMetrics(f, early_warning(f, f["liquidations_usd"]), {"asset": "ETH"})


FITS = [pd.Timestamp(f"2025-{m:02d}-01", tz="UTC") for m in range(3, 8)]
"""The shipped ETH and BTC calibrations' fit months, 2025-03 → 2025-07."""


def test_only_real_refits_are_lines_and_the_in_sample_days_are_shaded() -> None:
    """reg35 F3: 2024-12, 2025-01 and 2025-02 were drawn as refits; those days read the
    2025-03 fit, trained on data that include them."""
    fig = figures(_year(), FITS)[0]
    lines = [s.x0 for s in fig.layout.shapes if s.type == "line"]
    assert lines == ["2025-04-01", "2025-05-01", "2025-06-01", "2025-07-01"]
    rects = [(s.x0, s.x1) for s in fig.layout.shapes if s.type == "rect"]
    assert rects == [("2024-11-22", "2025-03-01")]
    assert "shaded: before 2025-03-01, the book is in sample" in fig.layout.title.text


def test_the_prose_counts_the_in_sample_days_and_scores_the_others_alone() -> None:
    """99 of 252 days are before 2025-03-01; the out-of-sample ρ is scipy's on the rest."""
    from scipy import stats

    from liqcascade.report._transparency_section import prose, summary

    tm = _year()
    text = " ".join(prose(tm, FITS).takeaways)
    assert "99 of the 252 days (before 2025-03-01) read the first fit" in text
    assert "On the 153 days with the book out of sample alone" in text
    f = tm.frame[tm.frame.index >= "2025-03-01"]
    nxt = f["liquidations_usd"].shift(-1)
    rhos = {
        c: stats.spearmanr(s * f[c], nxt, nan_policy="omit").statistic for c, s in METRICS.items()
    }
    best = max(rhos.values())
    assert f"ρ = {best:+.2f}".replace("-", "−") in text
    method = " ".join(prose(tm, FITS).method)
    assert "refitted at each month start from 2025-03 on" in method and "in sample" in method
    s = summary(tm, FITS)
    assert s["in_sample_days"] == 99 and s["out_of_sample_start"] == "2025-03-01"
    oos = {r["metric"]: r["spearman"] for r in s["early_warning_out_of_sample"]}
    assert max(oos.values()) == pytest.approx(best, abs=1e-9)


def test_a_window_with_every_day_out_of_sample_says_nothing_more() -> None:
    """A quick report's last 60 days are all out of sample: the text is the pooled one."""
    from liqcascade.report._transparency_section import prose, summary

    tm = _year()
    tail = TransparencyMetrics(tm.frame.iloc[-60:], tm.warning, tm.meta)
    assert not any("in sample" in t for t in prose(tail, FITS).takeaways)
    assert "in_sample_days" not in summary(tail, FITS)
