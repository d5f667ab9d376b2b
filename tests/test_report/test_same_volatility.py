"""The report's calibrated runs and ``liqcascade cascade`` start from the same volatility.

Both read the hourly bars closed by the market's time through one function
(:func:`liqcascade.cascade._backtest.hours_closed_by`); the report used to drop the last
closed hour (the EWMA known at that bar's open), so its calibrated cascades started from
a volatility an hour staler than the command line's for the same market.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from clihelpers import run_cli
from floats import assert_same
from liqcascade.cascade._backtest import hourly_volatility, hours_closed_by, volatility_at

AS_OF = "2025-03-31"


class _Captured(Exception):
    """Raised by the stand-in cascade once it has recorded its inputs."""


def _capture(into: list[dict[str, Any]]) -> Any:
    def cascade(prepared: Any, **kw: Any) -> Any:
        into.append({"sigma": kw["sigma_hourly"], "residuals": np.asarray(kw["residuals"])})
        raise _Captured

    return cascade


def test_report_and_cli_start_the_calibrated_cascade_from_the_same_volatility(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import liqcascade.cascade as cascade_pkg
    import liqcascade.cascade._clock as clock
    from liqcascade.report._calibrated import calibrated_response
    from liqcascade.report._section import ReportContext

    report: list[dict[str, Any]] = []
    cli: list[dict[str, Any]] = []
    monkeypatch.setattr(cascade_pkg, "calibrated_cascade", _capture(report))  # the curve's runs
    ctx = ReportContext(quick=True, asset="ETH", as_of=AS_OF)
    with pytest.raises(_Captured):
        calibrated_response(ctx.market, ctx.hourly, quick=True)
    monkeypatch.setattr(clock, "calibrated_cascade", _capture(cli))  # market_answer's run
    r = run_cli("cascade", "--asset", "ETH", "--as-of", AS_OF, "--shock", "-0.05")
    assert r.exit_code == 1 and cli, r.stderr  # stopped by the stand-in, inputs recorded
    (a,), (b,) = report, cli
    assert_same(a["sigma"], b["sigma"])
    assert a["residuals"].shape == b["residuals"].shape
    np.testing.assert_allclose(a["residuals"], b["residuals"], rtol=1e-12, equal_nan=True)
    # and that is the EWMA through the last hour closed at the market's time
    t = pd.Timestamp(ctx.market.close_time)
    hours = hours_closed_by(ctx.hourly, t)
    assert hours.index[-1] + pd.Timedelta(hours=1) == t
    assert_same(a["sigma"], hourly_volatility(hours)[0])
    assert a["residuals"].size == len(hours)


def test_hours_closed_by_keeps_the_bars_whose_close_is_at_or_before_the_time() -> None:
    idx = pd.date_range("2025-03-01", periods=72, freq="h", tz="UTC")
    close = 100.0 * np.exp(np.cumsum(np.sin(np.arange(72.0)) * 0.01))
    h = pd.DataFrame({"close": close}, index=idx)
    t = pd.Timestamp("2025-03-03 00:00", tz="UTC")
    got = hours_closed_by(h, t)
    assert got.index[-1] == t - pd.Timedelta(hours=1)  # closes at t: known at t
    assert len(got) == 48
    assert len(hours_closed_by(h, t - pd.Timedelta(microseconds=1))) == 47
    assert len(hours_closed_by(h, "2025-03-03 00:00")) == 48  # naive: UTC
    sigma, resid = volatility_at(h, t)
    # the same EWMA as the event back-test's: known at the next bar's open
    from liqcascade.cascade._backtest import ewma_sigma

    assert_same(sigma, float(ewma_sigma(h).iloc[48]))
    assert resid.size == 48
