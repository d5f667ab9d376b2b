"""The report's stop words say what is computed: distances laid off from the mid.

``recommend_stop`` lays the stop, its cap and the distance given up off from the mid
(today's price), as ``stops recommend`` says ("7.54 % from the mid", "pp further from the
mid"). The report's protect section enters its sample position at the mid, so its figures
held, but it said "below entry", "% of entry", "nearer entry", "from entry to the cap",
and computed the cap from the entry. Here the entry and the mid differ, so a sentence or
a cap that followed the entry would read differently.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

from liqcascade.report._protect_section import (
    _moved_text,
    _stop_figure,
    max_fitting_leverage,
    prose,
    tables,
    what_sets_the_stop,
)

MID, ENTRY, LIQ = 3600.0, 3700.0, 3400.0
"""A long entered at 3,700, today at 3,600, liquidated at 3,400: from the mid, the cap
(80 % of the way to liquidation) is 0.8 × 200 / 3,600 = 4.44 %; from the entry it would be
0.8 × 300 / 3,700 = 6.49 %."""


def _long(**kw: Any) -> SimpleNamespace:
    zone = {"kind": "cluster", "price_low": 3390.0, "price_high": 3430.0}
    base = dict(
        side="long", entry=ENTRY, mid=MID, size=10.0, leverage=10.0, liq_price=LIQ,
        vol_distance=0.05, distance=0.0444, stop_price=3440.0, raw_stop_price=3420.0,
        expected_slippage=0.0, raw_expected_slippage=0.0, avoided_clusters=[zone],
        vol_distance_range=None, warnings=[],
        levels=pd.DataFrame({"price": [3590.0, 3440.0], "slippage": [0.0001, 0.0002]}),
    )  # fmt: skip
    return SimpleNamespace(**{**base, **kw})


def test_the_cap_is_laid_off_from_the_mid() -> None:
    r = _long()
    # 5 % lies beyond the mid's cap (4.44 %): leverage sets the stop (from the entry's
    # 6.49 % the volatility stop would have fitted)
    text = what_sets_the_stop(r, "ETH")
    assert "4.44 %" in text and "your leverage, not volatility, sets this stop" in text
    inside = what_sets_the_stop(_long(vol_distance=0.04), "ETH")
    assert inside.startswith("Volatility sets it") and "(4.44 %)" in inside


def test_the_fitting_leverage_measures_its_room_from_the_mid() -> None:
    from liqcascade.protect import liquidation_price

    r = _long(vol_distance=0.06)
    lev = max_fitting_leverage(r, "ETH", 0.8)
    assert lev is not None
    room = abs(MID - liquidation_price(1, ENTRY, 10.0, float(lev), "ETH")) / MID
    assert 0.06 <= 0.8 * room + 1e-12
    if lev < 10:  # one step up no longer fits, measured from the mid
        up = abs(MID - liquidation_price(1, ENTRY, 10.0, float(lev + 1), "ETH")) / MID
        assert 0.06 > 0.8 * up


@pytest.mark.parametrize(
    ("stop", "words"),
    [(3440.0, "pp nearer the mid (distance given up)"), (3380.0, "pp further from the mid")],
    ids=["toward", "away"],
)
def test_the_move_is_said_from_the_mid(stop: float, words: str) -> None:
    text = _moved_text(_long(stop_price=stop, avoided_clusters=[]))
    assert words in text and "entry" not in text
    # the figure is the distance given up in pp of the mid: |3,420 − 3,440| / 3,600 = 0.56
    assert ("0.56 pp" if stop == 3440.0 else "1.11 pp") in text


def test_the_table_the_sentence_and_the_figure_name_the_mid() -> None:
    r = _long()
    short = _long(side="short", liq_price=3800.0, stop_price=3760.0, raw_stop_price=3760.0)
    state = SimpleNamespace(as_of=pd.Timestamp("2025-07-31", tz="UTC"), mid=MID)
    v = SimpleNamespace(asset="BTC", state=state, long=r, short=short, backtest=None,
                        backtest_skipped="no hourly bars")  # fmt: skip
    rec = tables(v)[0].frame
    assert "distance (% of the mid)" in rec.columns and "distance (% of entry)" not in rec
    first = prose(v).takeaways[0]
    assert "(4.44 % below the mid; liquidation at" in first and "below entry" not in first
    fig = _stop_figure(v)
    assert "anywhere from the mid to the cap" in fig.layout.title.text
    assert "mid (entry) $3,700" in [t.name for t in fig.data]
