"""At an intraday as-of the Monte Carlo reads only daily bars closed by the market.

Review-lookahead8 #4.

A daily bar labelled ``d`` closes at ``d + 1 day``. The market of 2025-02-15 08:00 (its
4-hour bar closes then) must not fit the GJR model or draw FHS residuals from the bar of
2025-02-15, which closes 16 hours later; at a bare date (the day's last bar, closing at
midnight) that day's bar is closed and read, as before.
"""

from __future__ import annotations

import pandas as pd

from liqcascade.stress import monte_carlo, sample_portfolio, stress_market


def _model_end(as_of: str) -> tuple[pd.Timestamp, pd.Timestamp, pd.Timestamp]:
    m = stress_market(as_of)
    r = monte_carlo(sample_portfolio(m.prices), m, paths=100, horizon_days=2, seed=1)
    return m.state.close_time, m.last_daily, pd.Timestamp(r.details["model"]["end"])


def test_an_intraday_market_reads_no_daily_bar_still_open() -> None:
    close, last, end = _model_end("2025-02-15 08:00")
    assert close == pd.Timestamp("2025-02-15 08:00", tz="UTC")
    assert last == pd.Timestamp("2025-02-14 08:00", tz="UTC")
    # the returns end with the bar of 2025-02-14 (closed at 2025-02-15 00:00)
    assert end == pd.Timestamp("2025-02-14", tz="UTC")
    assert end + pd.Timedelta(days=1) <= close


def test_a_bare_date_reads_that_days_bar() -> None:
    close, last, end = _model_end("2025-02-15")
    assert close == pd.Timestamp("2025-02-16", tz="UTC")
    assert end == pd.Timestamp("2025-02-15", tz="UTC") == last.floor("1D")
