"""The protect section of an ETH report whose stops back-test did not run says why.

An ETH report cut at a date before the stops' data (or any ETH run whose back-test the
library refused) has no back-test: the section's size note read
``v.backtest.settings`` and raised ``AttributeError`` on None, so the whole section
failed instead of saying why the back-test is missing (BTC's note already handled it).
"""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from liqcascade.report._protect_section import _size_note, prose, summary, tables
from test_protect.test_report_mid_words import MID, _long

WHY = "no hourly bars before 2017-08-17 (the data cut 2017-06-30)"


def _view(asset: str) -> SimpleNamespace:
    r = _long(summary=lambda: {"side": "long"})
    short = _long(side="short", liq_price=3800.0, stop_price=3760.0, raw_stop_price=3760.0)
    short.summary = lambda: {"side": "short"}
    state = SimpleNamespace(as_of=pd.Timestamp("2017-06-30", tz="UTC"), mid=MID)
    return SimpleNamespace(
        asset=asset, state=state, long=r, short=short, backtest=None, backtest_skipped=WHY
    )


@pytest.mark.parametrize("asset", ["ETH", "BTC"])
def test_the_size_note_says_why_there_is_no_backtest(asset: str) -> None:
    note = _size_note(_view(asset))  # ETH's raised AttributeError on None.settings
    assert "per entry" not in note  # no back-test size is claimed
    if asset == "ETH":
        assert note.startswith("The sample position is 10 ETH at 10×")
        assert note.endswith(f"; the stop policies' back-test did not run: {WHY}.")


def test_the_eth_section_without_a_backtest_renders() -> None:
    v = _view("ETH")
    p = prose(v)
    assert p.takeaways[1] == f"The stop policies' back-test did not run for ETH: {WHY}."
    assert WHY in p.method[0] and p.claims == []
    assert summary(v)["backtest_skipped"] == WHY  # type: ignore[arg-type]
    assert [t.frame.empty for t in tables(v)][:1] == [False]  # type: ignore[arg-type]
