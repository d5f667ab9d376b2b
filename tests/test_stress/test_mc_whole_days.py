"""The Monte Carlo's days resampled from hours drop a partial day, as the back-test's do.

An asset with no recorded daily bars (a store's) gets its daily bars from its hours
(``stress._scenarios._daily``). A day whose hours stop before midnight has no close of
the day: the portfolio back-test leaves it out (``stress._days.whole_day_closes``) and
the Monte Carlo's daily bars now read the same rule (one helper).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from liqcascade.data import SeriesNotFound


def _hours(n: int) -> pd.DataFrame:
    idx = pd.date_range("2025-03-01", periods=n, freq="1h", tz="UTC")
    close = 100.0 + np.arange(n, dtype=float)
    return pd.DataFrame({"open": close, "high": close + 0.5, "low": close - 0.5,
                         "close": close, "volume": 1.0}, index=idx)  # fmt: skip


def test_the_monte_carlo_daily_bars_leave_out_a_partial_last_day(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import liqcascade.market as market
    from liqcascade.stress._days import whole_day_closes
    from liqcascade.stress._scenarios import _daily

    def no_daily(asset: str, interval: str, *args: object, **kw: object) -> pd.DataFrame:
        raise SeriesNotFound(f"no {interval} bars of {asset}")

    monkeypatch.setattr(market, "bars_until", no_daily)
    hours = _hours(2 * 24 + 13)  # two whole days, then the third day's hours to 13:00
    daily = _daily("XYZ", hours)
    assert list(daily.index) == list(pd.date_range("2025-03-01", periods=2, tz="UTC"))
    # the close of each day is its last hour's (23:00 bar), the back-test's own close
    closes, notes = whole_day_closes(hours, "XYZ")
    np.testing.assert_allclose(daily["close"].to_numpy(), closes.to_numpy(), rtol=1e-12)
    assert daily["close"].iloc[-1] == pytest.approx(100.0 + 47, rel=1e-12)
    assert notes and "2025-03-03 (bars to 13:00)" in notes[0]
    whole = _daily("XYZ", _hours(3 * 24))  # no partial day: every day kept
    assert len(whole) == 3
