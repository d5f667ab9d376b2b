"""The event back-test and its calibration on edge inputs (CLI edge-case sweep, bt12).

A trigger no bar reaches (the calibration crashed on the empty event table), windows
of one to four events (correlations of ±1 by construction and "model beats" verdicts
from a bootstrap over two cases), windows whose events all lack open interest (they
printed "no bar moved the trigger"), the follow-through's deep level named as an
internal parameter, and the wording of counts, spans and the trigger.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from clihelpers import CliResult, run_cli
from liqcascade.cascade._backtest import detect_events

UTC = "UTC"


def _one_error(r: CliResult) -> str:
    """The one ``error: …`` line of an exit-2 run."""
    assert r.exit_code == 2, (r.stdout, r.stderr)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    return lines[0]


# ------------------------------------------------------------------ finding 1: no event


def _hourly(n: int = 200) -> pd.DataFrame:
    idx = pd.date_range("2025-01-01", periods=n, freq="h", tz=UTC)
    close = 100.0 * np.exp(np.cumsum(np.full(n, 1e-4)))
    return pd.DataFrame({"open": close, "high": close * 1.001, "low": close * 0.999,
                         "close": close}, index=idx)  # fmt: skip


def test_no_event_is_a_typed_empty_table() -> None:
    ohlc = _hourly()
    some = detect_events(ohlc, 0.0005)  # every bar's high is 0.1 % above the previous close
    none = detect_events(ohlc, 0.5)
    assert len(some) > 0 and len(none) == 0
    assert none.dtypes.to_dict() == some.dtypes.to_dict()
    # the calibration's selection of the events closed by an as-of date (a TypeError on
    # the untyped empty frame)
    sel = (none["ts"] + pd.Timedelta(hours=24) <= pd.Timestamp("2025-02-01", tz=UTC)).to_numpy()
    assert sel.dtype == bool and sel.size == 0


def test_calibrate_with_a_trigger_no_bar_reaches_writes_the_prior(tmp_path: Path) -> None:
    out = tmp_path / "eth.json"
    r = run_cli(
        "cascade", "calibrate", "--asset", "ETH", "--trigger", "0.5", "--start", "2025-07-01",
        "--end", "2025-07-31", "--no-follow-through", "--out", str(out),
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    doc = json.loads(out.read_text())
    cals = doc["calibrations"]
    # the month asked and the first (the prior every earlier date falls back to)
    assert [c["as_of"][:10] for c in cals] == ["2024-11-01", "2025-07-01"]
    assert all(c["n_events"] == 0 and c["note"].startswith("prior") for c in cals)
    assert doc["backtest"]["n_events"] == 0 and doc["backtest"]["per_event"]["ts"] == []
    # the count said before the fit is the table's rows (it said "1 as-of months")
    assert (
        "calibrating ETH: 2 as-of months: 2024-11 (the first, the prior: always fitted) and "
        "2025-07" in r.stderr
    )
    assert "trigger 50.00% (given)" in r.stdout


def test_months_text_counts_the_rows_fitted() -> None:
    from liqcascade._cli.cascade_backtest import _months_text

    months = pd.date_range("2024-11-01", "2025-08-01", freq="MS", tz=UTC)
    assert _months_text(months, months) == "10 as-of months, 2024-11 … 2025-08"
    assert _months_text(months, months[:1]) == "1 as-of month, 2024-11"
    assert _months_text(months, months[6:9]) == (
        "4 as-of months: 2024-11 (the first, the prior: always fitted) and 2025-05 … 2025-07"
    )
