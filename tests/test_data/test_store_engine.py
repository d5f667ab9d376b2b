"""A writer that keeps its DuckDB engine (``Store(keep_engine=True)``, the watch's).

Each open attaches the file to the kept engine and each close detaches it: the file
must be let go as a closed connection lets go of it (another process opens it to
write between uses and reads every committed row), a failed write must leave the
store as it was, and what is stored must be what a plain writer stores. A detach
leaves the write-ahead log, merged by ``checkpoint`` (the watch's idle time) or by the
next write. The catalogue look-up is skipped only for the file as the writer left it.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from liqcascade.data import Store, _store, read_file
from liqcascade.data._store import open_store_paths
from liqcascade.errors import InputError
from test_data.test_store import HOURLY, LIQ, OI, read_all
from test_data.test_store_failures import DISK_FULL, _CommitFails

#: Another process: opens the store to write (no waiting) and counts the hourly bars.
_WRITER = r"""
import sys, duckdb
con = duckdb.connect(sys.argv[1])
print(con.execute("SELECT count(*) FROM ohlcv").fetchone()[0])
con.close()
"""


def _other_process_writes(store: Path) -> int:
    r = subprocess.run([sys.executable, "-c", _WRITER, str(store)], capture_output=True,
                       text=True, timeout=120)  # fmt: skip
    assert r.returncode == 0, r.stderr  # a lock still held: "Could not set lock"
    return int(r.stdout)


def test_a_kept_engine_lets_go_of_the_file_between_writes(tmp_path: Path) -> None:
    kept, plain = tmp_path / "kept.duckdb", tmp_path / "plain.duckdb"
    s = Store(kept, keep_engine=True)
    added = []
    for f in (HOURLY, LIQ, OI):
        added.append(s.ingest(read_file(f)).rows_added)
        s.close()
        assert s._engine is not None  # the engine stays, the file does not
        assert _other_process_writes(kept) == 46
    assert added == [46, 60, 60]
    assert open_store_paths() == [kept]  # its threads live on: the report would not fork
    s.close_engine()
    assert s._engine is None and open_store_paths() == []
    with Store(plain) as p:
        for f in (HOURLY, LIQ, OI):
            p.ingest(read_file(f))
    a, b = read_all(kept), read_all(plain)
    for k in a:
        pd.testing.assert_frame_equal(a[k], b[k])


def test_a_kept_engine_reopens_after_another_process_wrote(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    with Store(store, keep_engine=True) as s:
        s.ingest(read_file(HOURLY))
        s.close()
        con = duckdb.connect(str(store))  # another writer adds a row between the uses
        con.execute("DELETE FROM ohlcv WHERE ts = (SELECT max(ts) FROM ohlcv)")
        con.close()
        assert s.ingest(read_file(HOURLY)).rows_added == 1  # it sees the other's change
    with Store(store, read_only=True) as r:
        assert r.count("ohlcv") == 46


def test_a_store_replaced_between_writes_has_its_tables_made(tmp_path: Path) -> None:
    """The catalogue look-up is skipped only for the file as the writer left it: a file
    replaced meanwhile by an empty DuckDB database (no tables) gets them again (the
    replacement may even reuse the inode number)."""
    store = tmp_path / "s.duckdb"
    calls = []
    with Store(store, keep_engine=True) as s:
        orig = s._ensure_tables

        def counted() -> None:
            calls.append(1)
            orig()

        s._ensure_tables = counted  # type: ignore[method-assign]
        s.ingest(read_file(HOURLY))
        s.close()
        s.ingest(read_file(LIQ))  # the file as it was left: no look-up
        s.close()
        assert len(calls) == 1
        store.unlink()
        duckdb.connect(str(store)).close()
        assert s.ingest(read_file(OI)).rows_added == 60
        assert len(calls) == 2
    with Store(store, read_only=True) as r:
        assert (r.count("open_interest"), r.count("ohlcv")) == (60, 0)


def test_a_failed_commit_with_a_kept_engine_leaves_the_store_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "s.duckdb"
    with Store(store) as p:
        p.ingest([*read_file(HOURLY), *read_file(LIQ)])
    before = read_all(store)
    orig = Store._connect

    def connect(self: Store, create: bool = False) -> object:
        con = orig(self, create)
        return None if con is None else _CommitFails(con, False, DISK_FULL)

    s = Store(store, keep_engine=True)
    monkeypatch.setattr(Store, "_connect", connect)
    want = re.escape("nothing was stored (the store's rows are as they were)")
    with pytest.raises(InputError, match=want):
        s.ingest(read_file(OI))
    s.close()
    monkeypatch.undo()
    after = read_all(store)
    for k in before:
        pd.testing.assert_frame_equal(before[k], after[k])
    assert _other_process_writes(store) == 46  # let go after the failure too
    assert s.ingest(read_file(OI)).rows_added == 60  # and the next write goes in
    s.close_engine()


def test_a_wrong_after_last_with_a_kept_engine_stores_nothing(tmp_path: Path) -> None:
    """The watch's word that rows follow the stored ones, when wrong, fails on the key
    and rolls back; the retry on the same attached file stores the new rows only."""
    store = tmp_path / "s.duckdb"
    bars = read_file(HOURLY)
    with Store(store, keep_engine=True) as s:
        s.ingest(bars)
        before = read_all(store)
        with pytest.raises(duckdb.ConstraintException):
            s.ingest(bars, after_last=[True] * len(bars))
        assert s.ingest(bars, after_last=[False] * len(bars)).rows_added == 0
    after = read_all(store)
    for k in before:
        pd.testing.assert_frame_equal(before[k], after[k])


def test_a_detach_that_fails_ends_the_engine(tmp_path: Path) -> None:
    """Should DuckDB refuse to detach (a database it invalidated), the whole engine is
    closed: the file is let go all the same."""
    store = tmp_path / "s.duckdb"
    s = Store(store, keep_engine=True)
    s.ingest(read_file(HOURLY))  # a new store: written and closed
    s.ingest(read_file(LIQ))  # into the store: left attached
    assert s._attached

    class Refuses:
        def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
            self.con = con

        def execute(self, sql: str, *a: object) -> object:
            if sql.startswith("DETACH"):
                raise duckdb.FatalException("database invalidated")
            return self.con.execute(sql, *a)

        def close(self) -> None:
            self.con.close()

    s._engine = Refuses(s._engine)  # type: ignore[assignment,arg-type]
    with pytest.raises(duckdb.FatalException):
        s.close()
    assert s._engine is None and s._con is None
    assert _other_process_writes(store) == 46


def test_the_attached_name_is_not_a_table() -> None:
    assert _store._ATTACHED not in _store.KINDS


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def test_a_detach_leaves_the_log_and_checkpoint_merges_it(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    s = Store(store, keep_engine=True)
    s.ingest(read_file(HOURLY))  # a new store: checkpointed whole before it is published
    assert not _wal(store).exists()
    s.ingest(read_file(LIQ))
    s.close()
    assert _wal(store).exists()  # committed, in the log
    with Store(store, read_only=True) as r:  # another reader replays it
        assert r.count("liquidations") == 60
    # the log is this process's to merge: a read-only open does not
    assert _wal(store).exists()
    assert s.checkpoint() is True
    assert not _wal(store).exists()
    assert s._con is None  # let go again
    s.ingest(read_file(OI))
    s.close()
    assert _wal(store).exists()
    s.close_engine()  # merges it too
    assert not _wal(store).exists()
    assert read_all(store)["open_interest"].shape[0] == 60


def test_a_write_that_finds_a_log_merges_both(tmp_path: Path) -> None:
    """Without checkpoint() between writes (a caller without idle time), the log never
    holds more than one write: every open replays it."""
    store = tmp_path / "s.duckdb"
    with Store(store) as p:
        p.ingest(read_file(HOURLY))
    s = Store(store, keep_engine=True)
    s.ingest(read_file(LIQ))
    s.close()
    assert _wal(store).exists()
    s.ingest(read_file(OI))
    s.close()
    assert not _wal(store).exists()
    s.close_engine()
    assert {k: len(v) for k, v in read_all(store).items()} == {
        "ohlcv": 46,
        "liquidations": 60,
        "open_interest": 60,
    }


_HOLDER = r"""
import sys, time, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print("held", flush=True)
time.sleep(60)
"""


def test_a_checkpoint_leaves_a_store_another_process_holds(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    with Store(store) as p:
        p.ingest(read_file(HOURLY))
    s = Store(store, keep_engine=True)
    s.ingest(read_file(LIQ))
    s.close()
    p = subprocess.Popen([sys.executable, "-c", _HOLDER, str(store)], stdout=subprocess.PIPE,
                         text=True)  # fmt: skip
    try:
        assert p.stdout is not None and p.stdout.readline().strip() == "held"
        assert s.checkpoint() is False  # no wait: the idle time goes on
        assert _wal(store).exists() and s._con is None
    finally:
        p.kill()
        p.wait(timeout=30)
    assert s.checkpoint() is True and not _wal(store).exists()
    s.close_engine()
    assert len(read_all(store)["liquidations"]) == 60
