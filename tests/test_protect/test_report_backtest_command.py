"""The report's stop back-test is the sample of the ``stops backtest`` command it prints.

repro27 F3: the report labelled its back-test "2020-01-01 to 2025-07-26" but ended the
entries at 2025-07-26 22:00 (the market date's end less 5 days and one hour), so
``liqcascade stops backtest --end 2025-07-26`` (entries to 00:00 of that day) drew other
random hours under the same label.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

from clihelpers import run_cli
from liqcascade.report._protect_section import backtest_command, backtest_range


def test_the_entry_range_ends_on_the_day_the_command_names() -> None:
    start, end = backtest_range(False, "2025-07-31", 5)
    assert start == pd.Timestamp("2020-01-01", tz="UTC")
    assert end == pd.Timestamp("2025-07-26", tz="UTC")  # --end 2025-07-26 reads its 00:00
    # every trade closes by the market date: the last entry's 5 days and its bar end by then
    assert end + pd.Timedelta(days=5, hours=1) <= pd.Timestamp("2025-08-01", tz="UTC")
    q_start, q_end = backtest_range(True, pd.Timestamp("2025-07-31 20:00", tz="UTC"), 5)
    assert q_end == pd.Timestamp("2025-07-26", tz="UTC") and q_start == q_start.floor("1D")
    assert backtest_command("ETH", start, end, 500) == (
        "liqcascade stops backtest --asset ETH --start 2020-01-01 --end 2025-07-26"
    )
    assert backtest_command("BTC", q_start, q_end, 60).endswith(" --n-random 60")


@pytest.mark.parametrize(
    "by", ["2025-07-31", "2025-08-01 00:00", "2025-07-31 20:00", "2024-02-29 23:59:59"]
)
def test_the_crowd_verdict_and_the_report_end_on_the_same_day(
    by: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``stops recommend``'s de-clustering back-test and the report's read one rule."""
    import liqcascade.protect._backtest as backtest
    import liqcascade.protect._verdict as verdict
    from liqcascade.protect import declustering_backtest, last_entry_day

    calls: list[dict] = []

    def record(*args: Any, **kwargs: Any) -> None:
        calls.append(kwargs)
        raise RuntimeError("stop here")  # the range is under test, not the back-test

    monkeypatch.setattr(backtest, "backtest_stops", record)
    monkeypatch.setattr(verdict, "_DECLUSTERING_CACHE", {})
    with pytest.raises(RuntimeError):
        declustering_backtest("ETH", by)
    end = backtest_range(False, by, 5)[1]
    assert end == last_entry_day(by, 5)
    assert calls[0]["end"] == f"{end:%Y-%m-%d}"
    # every trade closes by then: a bare date reads as the end of that day
    close = pd.Timestamp(by, tz="UTC") + pd.Timedelta(days=1 if len(by) == 10 else 0)
    assert end + pd.Timedelta(days=5, hours=1) <= close
    assert end + pd.Timedelta(days=6, hours=1) > close  # and no later day would


def test_report_table_equals_the_printed_command(monkeypatch: pytest.MonkeyPatch) -> None:
    """The report's back-test (quick: 60 random entries per side) and the JSON of the
    command the report prints hold the same trades: every row of the table agrees."""
    import liqcascade.protect as protect
    from liqcascade.report import _protect_section as sec

    def no_recommendation(*args: Any, **kwargs: Any) -> None:
        return None  # the recommendation is not under test (it needs an estimated market)

    monkeypatch.setattr(protect, "recommend_stop", no_recommendation)
    close = pd.Timestamp("2025-08-01", tz="UTC")  # the stop choice's back-test reads it
    market = SimpleNamespace(mid=3698.0, close_time=close, as_of=close - pd.Timedelta(hours=4))
    ctx = SimpleNamespace(asset="ETH", market=market, quick=True, as_of="2025-07-31")
    view = sec.compute(ctx)  # type: ignore[arg-type]
    assert view.backtest is not None, view.backtest_skipped
    assert view.command.startswith("liqcascade stops backtest --asset ETH --start ")
    assert "--end 2025-07-26 --n-random 60" in view.command
    res = run_cli(*view.command.split()[1:], "--json")
    assert res.exit_code == 0, res.stderr
    cli = pd.DataFrame(res.json()["table"])
    rep = view.backtest.table.reset_index(drop=True)
    keys = ["policy", "side", "entries"]
    assert list(cli[keys].itertuples(index=False)) == list(rep[keys].itertuples(index=False))
    for col in ("n", "stop_outs", "total_return", "avg_loss_on_stop", "avg_slippage"):
        if col in rep:
            got, want = cli[col].to_numpy(float), rep[col].to_numpy(float)
            assert got == pytest.approx(want, rel=1e-9, abs=1e-12, nan_ok=True), col
    assert (rep["n"] > 0).all()
