"""``fund_odds_of`` on given bars: the bars closed by the date, all of them after their end.

The report passes its own hourly bars; a market close after their last bar cut them
with the package's as-of rule, which refuses a date after the end, and the odds left the
report without a word. Given bars are now cut by "closed by" alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from liqcascade.solvency import fund_odds_of

START = {"shock": -0.05, "interval": [-0.04, -0.06]}


def _bars(days: int = 60) -> pd.DataFrame:
    idx = pd.date_range("2024-01-01", periods=days * 24, freq="h", tz="UTC")
    c = 3000 * np.exp(np.cumsum(np.random.default_rng(0).normal(0, 0.01, len(idx))))
    return pd.DataFrame(
        {"open": c, "high": c * 1.005, "low": c * 0.995, "close": c, "volume": 1.0}, index=idx
    )


def test_a_date_after_the_bars_reads_every_bar() -> None:
    b = _bars()
    survival, freq = fund_odds_of("ETH", START, [-0.1], "2024-03-05", bars=b)
    assert survival is not None and freq is not None
    assert pd.Timestamp(survival["before"]) == b.index[-1] + pd.Timedelta(hours=1)


def test_a_date_inside_cuts_at_the_bars_closed_by_it() -> None:
    survival, _ = fund_odds_of("ETH", START, [-0.1], "2024-02-10", bars=_bars())
    assert survival is not None
    assert pd.Timestamp(survival["before"]) == pd.Timestamp("2024-02-11", tz="UTC")


def test_a_date_before_the_bars_has_no_odds() -> None:
    assert fund_odds_of("ETH", START, [-0.1], "2023-02-10", bars=_bars()) == (None, None)
