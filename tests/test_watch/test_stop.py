"""How a watch stops on Ctrl-C (live14 finding 5).

Ctrl-C ends a watch the same way whenever it comes (while the options are checked,
the store opened, an interval polled or written, or in the pause): exit 130 and one
line on stderr saying after how many intervals it stopped and what the session stored
(it was 130 and silent during the start-up, 0 and silent later).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from clihelpers import run_cli
from liqcascade.data import Store
from liqcascade.live import Watcher, WatchOptions, WatchSummary, run_watch

from .fake import H, OfflineExchange, ReplayExchange

START = int(pd.Timestamp("2025-07-20 00:30", tz="UTC").value // 1_000_000)
SINCE = "2025-07-01"


def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    import liqcascade.live._poll as poll

    monkeypatch.setattr(poll, "make_exchange", lambda _id: OfflineExchange(int(time.time() * 1e3)))
    monkeypatch.setattr(time, "sleep", lambda s: None)  # the retries' backoff


def _interrupt(*_: Any, **__: Any) -> Any:
    raise KeyboardInterrupt


def _one_error_line(r: Any) -> str:
    lines = r.stderr.splitlines()
    assert r.exit_code == 130 and len(lines) == 1, (r.exit_code, r.stderr)
    return lines[0]


STOPPED_FIRST = "error: interrupted: the watch stopped before its first line; nothing was stored"


@pytest.mark.parametrize(
    "where",
    ["check", "store open", "poll", "duckdb query"],
)
def test_ctrl_c_before_the_first_line_is_130_and_one_line_whenever_it_comes(
    where: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Was exit 130 with nothing printed during the start-up, 0 with nothing later."""
    import liqcascade.live._watch as watch

    _offline(monkeypatch)
    if where == "check":  # the calibrations are read
        monkeypatch.setattr(watch, "calibrated_assets", _interrupt)
    elif where == "store open":
        monkeypatch.setattr(Watcher, "_resume", _interrupt)
    elif where == "poll":  # mid-interval, in a venue's request
        monkeypatch.setattr(OfflineExchange, "_fault", _interrupt)
    else:  # DuckDB's own answer to Ctrl-C while it runs a query

        def query(self: Any) -> Any:
            raise RuntimeError("Query interrupted")

        monkeypatch.setattr(Watcher, "_load_inputs", query)
    r = run_cli("watch", "--store", str(tmp_path / "s.duckdb"), "--max-iterations", "2")
    assert r.stdout == ""
    assert _one_error_line(r) == STOPPED_FIRST


def _replay_now(monkeypatch: pytest.MonkeyPatch) -> ReplayExchange:
    """The CLI's venue: the bundled data replayed, the watch's clock the fake's."""
    import liqcascade.live._poll as poll
    import liqcascade.live._watch as watch

    ex = ReplayExchange(START)
    monkeypatch.setattr(poll, "make_exchange", lambda _id: ex)
    real_init = Watcher.__init__

    def init(self: Any, options: Any, **kw: Any) -> None:
        real_init(self, options, **{**kw, "clock": lambda: ex.now_ms})

    monkeypatch.setattr(watch.Watcher, "__init__", init)
    return ex


def test_ctrl_c_in_the_pause_says_how_many_rows_the_session_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Was exit 0 with nothing said."""
    _replay_now(monkeypatch)

    def sleep(s: float) -> None:
        if s > 60:  # the pause between intervals (retries take seconds)
            raise KeyboardInterrupt

    monkeypatch.setattr(time, "sleep", sleep)
    store = tmp_path / "s.duckdb"
    r = run_cli("watch", "--store", str(store), "--since", SINCE, "--interval", "3600")
    out = r.stdout.splitlines()  # the legend, the first interval's line, then the stop
    assert len(out) == 2 and out[0].startswith("legend: ") and " critical shock " in out[1]
    with Store(store, read_only=True) as s:
        n = s.count()
    assert n > 500  # the first interval fetched from --since
    assert _one_error_line(r) == (
        f"error: interrupted: the watch stopped after 1 interval; {n:,} rows stored in {store} "
        "this session (each interval's in one transaction: none half-written)"
    )


def test_ctrl_c_during_a_write_says_what_the_write_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _replay_now(monkeypatch)
    monkeypatch.setattr(time, "sleep", lambda s: None)
    real = Store.ingest

    def ingest(self: Store, series: Any, **kw: Any) -> Any:
        return real(self, series, **{**kw, "on_progress": _interrupt})

    monkeypatch.setattr(Store, "ingest", ingest)
    monkeypatch.setenv("LIQCASCADE_INGEST_CHUNK", "100")
    store = tmp_path / "s.duckdb"
    r = run_cli("watch", "--store", str(store), "--since", SINCE)
    assert r.stdout == ""
    assert _one_error_line(r) == (
        "error: interrupted: the watch stopped before its first line; the interval being "
        f"written: interrupted; nothing was stored in {store} (the new store file was removed)"
    )
    assert not store.exists()


def test_the_library_returns_the_summary_of_an_interrupted_session(tmp_path: Path) -> None:
    ex = ReplayExchange(START)
    n = {"lines": 0}

    def emit(ln: dict[str, Any]) -> None:
        n["lines"] += 1
        if n["lines"] == 2:
            raise KeyboardInterrupt

    def sleep(s: float) -> None:
        if s >= 60:
            ex.now_ms += H

    store = tmp_path / "s.duckdb"
    opts = WatchOptions(exchanges=[ex], store=store, since=SINCE, interval=3600, draws=0)
    res = run_watch(opts, emit=emit, clock=lambda: ex.now_ms, sleep=sleep, log=lambda s: None)
    with Store(store, read_only=True) as s:
        rows = s.count()
    assert res == WatchSummary(intervals=1, live_intervals=1, interrupted=True,
                               rows_stored=rows, store=str(store))  # fmt: skip
    # the interrupted interval's rows were committed before its line: counted
    assert rows > 500


@pytest.mark.parametrize("store", [".", ".."])
def test_a_store_named_by_a_bare_dot_is_a_folder_not_an_internal_error(
    store: str, tmp_path: Path
) -> None:
    """``--store .`` has no file name to put the calibrations folder beside: it was
    ``internal error: ValueError: PosixPath('.') has an empty name``."""
    (tmp_path / "sub").mkdir()
    r = run_cli("watch", "--store", store, "--max-iterations", "1", cwd=tmp_path / "sub")
    assert r.exit_code == 2
    assert r.stderr.strip() == f"error: --store: {store}: is a folder, not a DuckDB store"
