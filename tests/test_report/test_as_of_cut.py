"""The report reads nothing after its date.

Each section is built twice at the same date, in two fresh processes: once on the
bundled data, once on the bundled data with every row after the date removed (at the
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
from liqcascade.report._registry import get_section
from liqcascade.report._section import ReportContext
if cut:
    from liqcascade._time import utc_end
    from liqcascade.report._section import market_date
    import liqcascade.data.bundled as b
    # every date's end from the uncut data, before any cut
    ends = [utc_end(market_date("ETH") if d == "default" else d) for d in dates]
    assert ends == sorted(ends), ends  # the earliest cut first: see _start
    lo, hi = (pd.Timestamp(x, tz="UTC") for x in {crash!r})
    read = b._read.__wrapped__
    def _cut_at(end):
        def _cut_read(name):
            df = read(name)
            if isinstance(df.index, pd.DatetimeIndex):
                i = df.index
                df = df[(i <= end) | ((i >= lo) & (i < hi))]
            return df
        return _cut_read
    def _forget():
        # every memo of the library (functools caches, module-level *_CACHE dicts),
        # so that no result of the previous date's cut is served at this one
        for m in list(sys.modules.values()):
            if not getattr(m, "__name__", "").startswith("liqcascade"):
                continue
            for k, v in list(vars(m).items()):
                if callable(getattr(v, "cache_clear", None)):
                    v.cache_clear()
                elif isinstance(v, dict) and k.endswith("_CACHE"):
                    v.clear()
res = {{}}
for k, as_of in enumerate(dates):
    if cut:
        _forget()
        b._read = _cut_at(ends[k])
    ctx = ReportContext(quick=True, asset="ETH", as_of=None if as_of == "default" else as_of)
    res[as_of] = {{"as_of": str(ctx.as_of)}}
    for sid in sections:
        res[as_of][sid] = get_section(sid).load()(ctx).summary
with open(out, "w") as fh:
    json.dump(res, fh, default=str)
"""


def _start(dates: tuple[str, ...], cut: bool, tmp: Path) -> tuple[subprocess.Popen[bytes], Path]:
    """Start a fresh process building each date's summaries (``cut``: on the cut data).

    The cut process builds the dates in order, earliest first, each on the data cut at
    its own date, with the library's memos cleared between dates. A memo left over from
    an earlier date could only hold data cut earlier, none of which is after a later
    date: it could make a later date's summary differ (a false failure), never hide a
    read after that date. One process for both cut dates spares a start-up and the
    imports (about 2 CPU s).
    """
    out = tmp / f"{'cut' if cut else 'full'}.json"
    script = _SCRIPT.format(crash=CRASH_DAYS)
    src = str(Path(__file__).resolve().parents[2] / "src")  # any working folder
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    env["LIQCASCADE_STORE"] = str(tmp / "no-store.duckdb")  # bundled data only
    args = [sys.executable, "-c", script, ",".join(dates), "1" if cut else "0", str(out)]
    return subprocess.Popen([*args, ",".join(SECTIONS)], env=env), out


def _result(proc: subprocess.Popen[bytes], out: Path) -> dict[str, Any]:
    """The summaries a process of :func:`_start` wrote, once it ended well."""
    try:
        code = proc.wait(timeout=900)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert code == 0, f"the {out.stem} build failed (exit code {code})"
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
"""In the order the cut process builds them: the earliest first."""


@pytest.mark.slow
def test_no_section_reads_after_the_report_date(tmp_path: Path) -> None:
    # two report processes (not four): both dates' uncut builds in one, both dates' cut
    # builds in the other. The uncut builds are only the reference, so a cache that
    # leaked one date into the other could only make the reference differ from a cut
    # build (a failure), never hide a late read; the cut process builds the earlier
    # date first (see _start). The two processes run side by side (they share nothing
    # but the numba cache). One test, not one per date, so that pytest-xdist cannot
    # split the dates over two workers and build twice.
    full = _start(DATES, False, tmp_path)
    try:
        cuts = _result(*_start(DATES, True, tmp_path))
    except BaseException:
        full[0].kill()
        full[0].wait()
        raise
    fulls = _result(*full)
    for as_of in DATES:
        _check(as_of, fulls[as_of], cuts[as_of])


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
