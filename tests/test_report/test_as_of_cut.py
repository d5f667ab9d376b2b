"""The report reads nothing after its date.

Each section is built twice at the same date, in fresh processes: once on the bundled
data (both dates in one process), once (a process per date) on the bundled data with
every row after the date removed (at the
lowest reader, ``liqcascade.data.bundled._read``, so a read inside the library is cut
too). A section that reads a single row after the date can see the difference; its
summary then differs and the test fails.

Two things may read later, by design, and are named here: the recorded 2025-10-10
crash (its two days stay in the cut data: it is a named stress scenario applied to
the book at the date) and the VaR back-test's keys (the whole back-test, beside the
windows closed by the date, reads the closes after it and says so). The contagion and
collateral sections (scenarios built from the crash's own records) and the validation
section (out-of-sample back-tests) are left out for the same reason.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from floats import assert_same

SECTIONS = (
    "data",
    "liqmap",
    "cascade",
    "volatility",
    "support",
    "stress",
    "solvency",
    "protect",
    "transparency",
)
CRASH_DAYS = ("2025-10-10", "2025-10-12")
"""The named stress scenario's days, kept in the cut data: [start, end)."""
BACKTEST_KEYS = {"stress": ("backtest", "backtest_whole", "backtest_egarch")}
"""Summary keys of the VaR back-test: the whole one reads the closes after the date
(labelled); the windows closed by the date draw their multi-day paths in another order
on the cut data (their forecasts read no later price: tests/test_stress)."""

_SCRIPT = r"""
import json, sys
import pandas as pd
dates, cut, out = sys.argv[1].split(","), sys.argv[2] == "1", sys.argv[3]
sections = sys.argv[4].split(",")
if cut:
    (as_of,) = dates  # one cut per process: the cut depends on the date
    from liqcascade._time import utc_end
    from liqcascade.report._section import market_date
    import liqcascade.data.bundled as b
    end = utc_end(market_date("ETH") if as_of == "default" else as_of)
    lo, hi = (pd.Timestamp(x, tz="UTC") for x in {crash!r})
    read = b._read.__wrapped__
    def _cut_read(name):
        df = read(name)
        if isinstance(df.index, pd.DatetimeIndex):
            i = df.index
            df = df[(i <= end) | ((i >= lo) & (i < hi))]
        return df
    b._read = _cut_read
from liqcascade.report._registry import get_section
from liqcascade.report._section import ReportContext
res = {{}}
for as_of in dates:
    ctx = ReportContext(quick=True, asset="ETH", as_of=None if as_of == "default" else as_of)
    res[as_of] = {{"as_of": str(ctx.as_of)}}
    for sid in sections:
        res[as_of][sid] = get_section(sid).load()(ctx).summary
with open(out, "w") as fh:
    json.dump(res, fh, default=str)
"""


def _run(dates: tuple[str, ...], cut: bool, tmp: Path) -> dict[str, Any]:
    """Each date's summaries, built in one fresh process (``cut``: one date only)."""
    out = tmp / f"{'cut' if cut else 'full'}.json"
    script = _SCRIPT.format(crash=CRASH_DAYS)
    src = str(Path(__file__).resolve().parents[2] / "src")  # any working folder
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    env["LIQCASCADE_STORE"] = str(tmp / "no-store.duckdb")  # bundled data only
    args = [sys.executable, "-c", script, ",".join(dates), "1" if cut else "0", str(out)]
    subprocess.run([*args, ",".join(SECTIONS)], check=True, env=env, timeout=900)
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def _drop(summary: dict[str, Any], sid: str) -> dict[str, Any]:
    """The summary without the back-tests' keys and wall times (``*_seconds``)."""
    skip = BACKTEST_KEYS.get(sid, ())
    return {k: v for k, v in summary.items() if k not in skip and not k.endswith("_seconds")}


def _compare(a: Any, b: Any, where: str) -> None:
    """``a`` and ``b`` equal: numbers within the float tolerance, the rest exactly."""
    if isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            _compare(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _compare(x, y, f"{where}[{i}]")
    elif isinstance(a, float | int) and not isinstance(a, bool) and isinstance(b, float | int):
        try:
            assert_same(a, b)
        except AssertionError as e:
            raise AssertionError(f"{where}: {a} (all data) != {b} (cut at the date)") from e
    else:
        assert a == b, f"{where}: {a!r} (all data) != {b!r} (cut at the date)"


DATES = ("2025-03-31", "default")


@pytest.mark.slow
def test_no_section_reads_after_the_report_date(tmp_path: Path) -> None:
    # both dates' uncut builds run in one process (three report processes, not four):
    # they are only the reference, so a cache that leaked one date into the other could
    # only make the reference differ from a cut build (a failure), never hide a late
    # read; the cut builds stay one per fresh process. One test, not one per date, so
    # that pytest-xdist cannot split the dates over two workers and build twice.
    fulls = _run(DATES, False, tmp_path)
    for as_of in DATES:
        full, cut = fulls[as_of], _run((as_of,), True, tmp_path)[as_of]
        _check(as_of, full, cut)


def _check(as_of: str, full: dict[str, Any], cut: dict[str, Any]) -> None:
    """One date's uncut and cut summaries agree, section by section."""
    # the default date is the market date: the day of the last open-interest bar
    assert full["as_of"] == cut["as_of"] == ("2025-07-31" if as_of == "default" else as_of)
    for sid in SECTIONS:
        _compare(_drop(full[sid], sid), _drop(cut[sid], sid), f"{as_of}: {sid}")


def test_the_default_date_is_the_last_open_interest_day() -> None:
    from liqcascade import datasets
    from liqcascade.report._section import ReportContext

    ctx = ReportContext(quick=True)
    last = datasets.load_open_interest(asset="ETH").index[-1]
    assert ctx.requested_as_of is None
    assert ctx.as_of == f"{last:%Y-%m-%d}"
    assert ctx.last_oi_bar == last
    # every hourly bar the sections share closes by the end of that day
    assert ctx.hourly.index[-1] == pd.Timestamp(ctx.as_of, tz="UTC") + pd.Timedelta(hours=23)
    assert ctx.market.as_of == last
