"""The transparency figure marks where the book is refitted (review14 item 12)."""

from __future__ import annotations

import numpy as np
import pandas as pd

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
