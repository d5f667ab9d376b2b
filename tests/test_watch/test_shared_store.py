"""A watch shares its store with other processes: it holds nothing between intervals.

The watch opens its writer only for an interval's write (its reads read-only, closed as
the interval ends), so another process can open the store, even to write, while the
watch waits for its next interval (was: the writer stayed open the whole session, and
every other command on the store exited 2). A store held by another process at the
moment of a write is waited for (``LIQCASCADE_STORE_WAIT_S``); past the wait the
interval's rows are fetched and stored at the next interval. Driven by the fake
exchange's clock (no real sleeping), with real second processes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from liqcascade.data import Store
from liqcascade.data._store import open_store_paths
from liqcascade.live import WatchOptions, run_watch

from .fake import H, ReplayExchange

START = int(pd.Timestamp("2025-07-20 00:30", tz="UTC").value // 1_000_000)
SINCE = "2025-07-10"

#: Another process: opens the store to write (no waiting) and counts the hourly bars.
_WRITER = r"""
import sys, duckdb
con = duckdb.connect(sys.argv[1])
print(con.execute("SELECT count(*) FROM ohlcv").fetchone()[0])
con.close()
"""
_HOLDER = r"""
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("held", flush=True)
time.sleep(60)
"""


def _options(store: Path, ex: ReplayExchange, n: int) -> WatchOptions:
    return WatchOptions(exchanges=[ex], store=store, since=SINCE, max_iterations=n,
                        interval=3600, draws=0, liquidity="static")  # fmt: skip


def test_another_process_opens_the_store_to_write_between_intervals(tmp_path: Path) -> None:
    store = tmp_path / "live.duckdb"
    ex = ReplayExchange(START)
    lines: list[dict[str, Any]] = []
    counts: list[int] = []

    def pause(seconds: float) -> None:
        r = subprocess.run([sys.executable, "-c", _WRITER, str(store)], capture_output=True,
                           text=True, timeout=120)  # fmt: skip
        assert r.returncode == 0, r.stderr  # was: Could not set lock (the watch's PID)
        counts.append(int(r.stdout))
        ex.now_ms += H

    res = run_watch(_options(store, ex, 3), emit=lines.append, clock=lambda: ex.now_ms,
                    sleep=lambda s: None, pause=pause, log=lambda s: None)  # fmt: skip
    assert len(lines) == 3 and len(counts) == 2
    # what the other process saw is what the watch had stored by then: one new hour each
    added = [ln["rows_added"] for ln in lines]
    assert all(a > 0 for a in added), added
    assert counts[1] - counts[0] == 1  # the hour closed in between, nothing else
    with Store(store, read_only=True) as s:
        assert len(s.read("ohlcv")) == counts[1] + 1
    assert res.rows_stored == sum(added)
    # the session's writer kept its DuckDB engine between intervals: ended with the session
    assert open_store_paths() == []


def test_a_store_busy_at_the_write_is_written_at_the_next_interval(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process holds the store through the second interval's write: after a 0.2 s
    wait that interval stores nothing (one log line naming the holder), its line still
    comes, and the third interval stores the missed hour too: no gap."""
    monkeypatch.setenv("LIQCASCADE_STORE_WAIT_S", "0.2")
    store = tmp_path / "live.duckdb"
    ex = ReplayExchange(START)
    lines: list[dict[str, Any]] = []
    log: list[str] = []
    held: list[subprocess.Popen[str]] = []

    def pause(seconds: float) -> None:
        if not held:  # after the first interval: a process takes the store
            p = subprocess.Popen([sys.executable, "-c", _HOLDER, str(store)],
                                 stdout=subprocess.PIPE, text=True)  # fmt: skip
            assert p.stdout is not None and p.stdout.readline().strip() == "held"
            held.append(p)
        else:  # after the second: it lets go
            held[0].kill()
            held[0].wait(timeout=30)
        ex.now_ms += H

    try:
        run_watch(_options(store, ex, 3), emit=lines.append, clock=lambda: ex.now_ms,
                  sleep=lambda s: None, pause=pause, log=log.append)  # fmt: skip
    finally:
        for p in held:
            if p.poll() is None:
                p.kill()
                p.wait(timeout=30)
    pid = held[0].pid
    assert [ln["rows_added"] > 0 for ln in lines] == [True, False, True]
    busy = [x for x in log if "cannot open" in x]
    assert busy == [
        f"store: {store}: cannot open: another process (PID {pid}) has it open; a store is "
        "written by one process at a time, and by none while another has it open; waited "
        "0.2 s (LIQCASCADE_STORE_WAIT_S): try again when that process is done; this "
        "interval's rows are stored at the next one"
    ]
    with Store(store, read_only=True) as s:
        listed = s.list_series()
    hourly = listed[(listed["kind"] == "ohlcv") & (listed["interval"] == "1h")].iloc[0]
    assert int(hourly["gaps"]) == 0
    # the last hour closed by the third interval's clock is stored
    last_close = pd.Timestamp(hourly["last"]).tz_localize(None) + pd.Timedelta(hours=1)
    assert last_close == pd.Timestamp(ex.now_ms, unit="ms").floor("h")


def test_refresh_raises_store_busy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``refresh`` (``report --refresh``: one fetch, no next interval) does not leave a
    busy store's rows for later: it raises StoreBusy (exit 5), not 0 rows added."""
    from liqcascade.errors import StoreBusy
    from liqcascade.live import refresh

    monkeypatch.setenv("LIQCASCADE_STORE_WAIT_S", "0.1")
    store = tmp_path / "live.duckdb"
    # an empty store that another process reads (the nightly report): the write waits
    duckdb.connect(str(store)).close()
    reader = _HOLDER.replace("duckdb.connect(sys.argv[1])", "duckdb.connect(sys.argv[1], True)")
    p = subprocess.Popen(
        [sys.executable, "-c", reader, str(store)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert p.stdout is not None and p.stdout.readline().strip() == "held"
        ex = ReplayExchange(START)
        with pytest.raises(StoreBusy) as e:
            refresh(exchanges=[ex], store=store, since=SINCE, clock=lambda: ex.now_ms,
                    log=lambda s: None)  # fmt: skip
    finally:
        p.kill()
        p.wait(timeout=30)
    assert e.value.pid == p.pid and e.value.param == "store"
    assert "has it open to read" in str(e.value)  # the session's reads went on beside it


def test_the_interval_log_is_merged_in_the_idle_time(tmp_path: Path) -> None:
    """An interval's write leaves DuckDB's write-ahead log (its rows durable and read by
    any other process); the idle time (``catch_up``) merges it into the store file, and
    the session's end leaves no log."""
    from liqcascade.live import Watcher

    store = tmp_path / "live.duckdb"
    wal = store.with_name(store.name + ".wal")
    ex = ReplayExchange(START)
    w = Watcher(_options(store, ex, 3), clock=lambda: ex.now_ms, sleep=lambda s: None,
                log=lambda s: None)  # fmt: skip
    try:
        w.tick()
        w.catch_up()
        assert not wal.exists()
        ex.now_ms += H
        line = w.tick()
        assert line["rows_added"] > 0 and wal.exists()
        assert w.store._con is None  # let go: the log is no lock
        assert _other_count(store) > 0  # another process reads the new hour
        assert wal.exists()
        w.catch_up()
        assert not wal.exists()
        ex.now_ms += H
        w.tick()
        assert wal.exists()
    finally:
        w.close()
    assert not wal.exists() and open_store_paths() == []


def _other_count(store: Path) -> int:
    """Hourly bars another process reads (read-only: it replays the log, leaves it)."""
    reader = _WRITER.replace("duckdb.connect(sys.argv[1])", "duckdb.connect(sys.argv[1], True)")
    r = subprocess.run([sys.executable, "-c", reader, str(store)], capture_output=True,
                       text=True, timeout=120)  # fmt: skip
    assert r.returncode == 0, r.stderr
    return int(r.stdout)
