"""One read-only connection per store file for a command's look-ups (liqcascade._store_reads).

Inside ``shared_store_reads()`` the look-ups of one store share one DuckDB connection and
its listing; outside, each opens and closes its own. The block must not hide a change:
a writer of this process closes the shared reader first, and a released reader lets
another process write and is asked afresh. The fork rule still holds: no connection is
open when the report forks.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest

from liqcascade import _procs
from liqcascade._store_reads import release_store_reads, shared_store_reads
from liqcascade.data import SeriesNotFound, Store, load_series, read_file
from liqcascade.data._store import open_store_paths

LINUX = sys.platform.startswith("linux")


def _bars(folder: Path, symbol_rows: int = 24, start: str = "2024-01-01") -> Path:
    ts = pd.date_range(start, periods=symbol_rows, freq="1h", tz="UTC")
    close = [100.0 + 0.1 * i for i in range(symbol_rows)]
    df = pd.DataFrame(
        {
            "ts": ts.strftime("%Y-%m-%d %H:%M:%S"),
            "open": close,
            "high": [c + 0.5 for c in close],
            "low": [c - 0.5 for c in close],
            "close": close,
            "volume": 1000.0,
        }
    )
    path = folder / f"bars_{start}.csv"
    df.to_csv(path, index=False)
    return path


def _ingest(store: Path, csv: Path) -> int:
    series = read_file(csv, venue="binance", symbol="SOLUSDT")
    with Store(store) as st:
        return st.ingest(series).rows_added


@pytest.fixture
def small_store(tmp_path: Path) -> Path:
    """A store holding 24 hourly SOL bars (nothing of ETH or BTC)."""
    path = tmp_path / "small.duckdb"
    assert _ingest(path, _bars(tmp_path)) == 24
    return path


def _lookups(store: Path) -> None:
    """What the report's readers do: a series the store lacks, the listing, a read."""
    eth = load_series("ohlcv", asset="ETH", interval="1h", store=store, end="2024-01-02")
    assert eth.attrs["source"].startswith("bundled:")
    with pytest.raises(SeriesNotFound):
        load_series("funding", asset="SOL", interval="8h", store=store)
    with Store(store, read_only=True) as st:
        assert st.list_series(gaps=False)["rows"].tolist() == [24]
        assert len(st.read("ohlcv", symbol="SOLUSDT")) == 24


def test_outside_a_block_every_look_up_opens_and_closes(
    small_store: Path, connects: list[str]
) -> None:
    for _ in range(3):
        _lookups(small_store)
    assert len(connects) >= 9  # each look-up its own connection, as before
    assert open_store_paths() == []


def test_in_a_block_the_look_ups_share_one_connection(
    small_store: Path, connects: list[str]
) -> None:
    with shared_store_reads():
        for _ in range(3):
            _lookups(small_store)
            with shared_store_reads():  # a nested block shares the outer one's reader
                _lookups(small_store)
        assert connects == [str(small_store)]
        assert open_store_paths() == [small_store]
    assert open_store_paths() == []  # the block's end closed it
    _lookups(small_store)  # and a store is read as before after it
    assert open_store_paths() == []


def test_the_cached_listing_is_a_copy(small_store: Path) -> None:
    with shared_store_reads(), Store(small_store, read_only=True) as st:
        first = st.list_series(gaps=False)
        first.loc[0, "rows"] = -1
        assert st.list_series(gaps=False)["rows"].tolist() == [24]


def test_a_writer_of_this_process_closes_the_reader_and_its_rows_are_seen(
    small_store: Path, tmp_path: Path, connects: list[str]
) -> None:
    with shared_store_reads():
        _lookups(small_store)
        # DuckDB refuses a file open read-only and to write in one process: the writer
        # closes the shared reader, and the next look-up lists the new rows
        assert _ingest(small_store, _bars(tmp_path, 24, "2024-01-02")) == 24
        with Store(small_store, read_only=True) as st:
            assert st.list_series(gaps=False)["rows"].tolist() == [48]
            assert st.count("ohlcv") == 48
        got = load_series("ohlcv", asset="SOL", interval="1h", store=small_store)
        assert len(got) == 48
    assert open_store_paths() == []


def _write_elsewhere(store: Path, sql: str) -> subprocess.CompletedProcess[str]:
    """Another process writing ``sql`` into ``store`` (DuckDB alone: a quick start)."""
    code = "import duckdb, sys; c = duckdb.connect(sys.argv[1]); c.execute(sys.argv[2]); c.close()"
    return subprocess.run(
        [sys.executable, "-c", code, str(store), sql], capture_output=True, text=True, timeout=120
    )


def test_a_released_reader_lets_another_process_write_and_asks_afresh(
    small_store: Path,
) -> None:
    """The watch releases its readers between intervals: what was written meanwhile is
    seen; while the reader is open, no other process can write (nothing goes stale)."""
    row = "INSERT INTO ohlcv VALUES ('binance', 'SOLUSDT', '1h', TIMESTAMP '2024-02-01', 1, 1, 1, 1, 1, NULL, NULL, NULL)"  # noqa: E501
    with shared_store_reads(), Store(small_store, read_only=True) as st:
        assert st.list_series(gaps=False)["rows"].tolist() == [24]
        blocked = _write_elsewhere(small_store, row)
        assert blocked.returncode != 0 and "lock" in blocked.stderr
        assert release_store_reads() == [small_store]
        assert open_store_paths() == []
        done = _write_elsewhere(small_store, row)
        assert done.returncode == 0, done.stderr
        assert st.list_series(gaps=False)["rows"].tolist() == [25]  # opened and asked anew


def test_another_threads_look_ups_open_their_own(small_store: Path, connects: list[str]) -> None:
    errors: list[BaseException] = []

    def other() -> None:
        try:
            _lookups(small_store)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    with shared_store_reads():
        _lookups(small_store)
        t = threading.Thread(target=other)
        t.start()
        t.join()
        assert errors == []
        assert connects.count(str(small_store)) >= 2  # the thread's own, never the shared one
        assert open_store_paths() == [small_store]


def _no_python_threads_nor_numba(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(threading, "enumerate", lambda: [threading.current_thread()])
    numba = sys.modules.get("numba")
    if numba is not None:

        def none() -> str:
            raise ValueError("no threading layer")

        monkeypatch.setattr(numba, "threading_layer", none)


@pytest.mark.skipif(not LINUX, reason="the report forks its second lane on Linux only")
def test_the_fork_rule_closes_the_shared_reader_and_the_child_reads_its_own(
    small_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DuckDB is not fork-safe: the report forks only with no connection open. The shared
    reader is idle between look-ups: the rule closes it (a plain open store still refuses)."""
    _no_python_threads_nor_numba(monkeypatch)
    with shared_store_reads():
        _lookups(small_store)
        assert open_store_paths() == [small_store]
        assert _procs.fork_refusal() is None
        assert open_store_paths() == []  # closed, not inherited by a child
        pid = os.fork()
        if pid == 0:  # the forked lane reads the store through its own connections
            signal.alarm(60)
            ok = False
            try:
                with shared_store_reads():
                    _lookups(small_store)
                ok = True
            except BaseException:
                pass
            os._exit(0 if ok else 1)
        _lookups(small_store)  # the parent reads on meanwhile (read-only: both may)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        with Store(small_store) as st:  # a writer's connection is not shared: it refuses
            assert st.count() == 24
            assert _procs.fork_refusal() == f"a DuckDB store is open ({small_store})"
