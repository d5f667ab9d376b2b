"""The stop figure of the report: from the mid to the liquidation price (review14 item 18)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pandas as pd

from liqcascade.report._protect_section import _stop_figure


def _view() -> Any:
    entry, cap = 3698.0, 3413.0  # ETH's 10× long at 2025-07-31; the cap: 80 % of the way
    levels = pd.DataFrame(
        {"price": [3690.0, 3680.0, 3550.0, cap], "slippage": [0.0003, 0.00077, 0.0002, 0.0]}
    )
    long = SimpleNamespace(entry=entry, liq_price=3342.0, raw_stop_price=cap,
                           stop_price=3420.0, levels=levels)  # fmt: skip
    state = SimpleNamespace(as_of=pd.Timestamp("2025-07-31", tz="UTC"))
    return SimpleNamespace(asset="ETH", long=long, state=state)


def test_stop_figure_runs_to_the_liquidation_price_with_its_lines_in_the_legend() -> None:
    """The x-axis stopped at the cap ($3,410) and left out the liquidation price ($3,342);
    the "raw" and "recommended" labels sat 7 px apart on their lines."""
    fig = _stop_figure(_view())
    lo, hi = fig.layout.xaxis.range
    assert lo < 3342.0 and hi > 3698.0
    names = [t.name for t in fig.data]
    assert names == [
        "expected slippage",
        "liquidation $3,342",
        "raw stop $3,413",
        "recommended stop $3,420",
        "mid (entry) $3,698",
    ]
    assert not fig.layout.annotations  # no label on a line
    # the slippage axis is not cut at the profile's own peak (0.08 %): at least 0.5 %
    assert tuple(fig.layout.yaxis.range) == (0, 0.5)
    assert "at most 0.08 % of the stop price anywhere from the mid to the cap" in (
        fig.layout.title.text
    )
    shaded = [s for s in fig.layout.shapes if s.type == "rect"]
    assert [(s.x0, s.x1) for s in shaded] == [(3342.0, 3413.0)]
