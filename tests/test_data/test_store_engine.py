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
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from liqcascade.data import Store, _store, read_file
from liqcascade.data._frame import SeriesFrame
from liqcascade.data._store import _wal, open_store_paths
from liqcascade.errors import InputError
from test_data.test_store import HOURLY, LIQ, OI, assert_same_rows, read_all
from test_data.test_store_failures import DISK_FULL, _CommitFails

#: Another process: opens the store to write (no waiting) and counts the hourly bars.
_WRITER = r"""
import sys, duckdb
con = duckdb.connect(sys.argv[1])
print(con.execute("SELECT count(*) FROM ohlcv").fetchone()[0])
con.close()
"""


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """The store's path (not made yet)."""
    return tmp_path / "s.duckdb"


@pytest.fixture
def kept(store: Path) -> Iterator[Store]:
    """A writer of ``store`` that keeps its engine; the engine is ended after the test."""
    s = Store(store, keep_engine=True)
    yield s
    s.close_engine()


def _logged(store: Path, kept: Store) -> None:
    """``store`` with the hourly bars (a plain writer), then the liquidations written by
    ``kept`` and let go: committed, in the write-ahead log beside the file."""
    with Store(store) as p:
        p.ingest(read_file(HOURLY))
    kept.ingest(read_file(LIQ))
    kept.close()
    assert _wal(store).exists()


def _other_process_writes(store: Path) -> int:
    r = subprocess.run([sys.executable, "-c", _WRITER, str(store)], capture_output=True,
                       text=True, timeout=120)  # fmt: skip
    assert r.returncode == 0, r.stderr  # a lock still held: "Could not set lock"
    return int(r.stdout)


def test_a_kept_engine_lets_go_of_the_file_between_writes(
    tmp_path: Path, store: Path, kept: Store
) -> None:
    plain = tmp_path / "plain.duckdb"
    added = []
    for f in (HOURLY, LIQ, OI):
        added.append(kept.ingest(read_file(f)).rows_added)
        kept.close()
        assert kept._engine is not None  # the engine stays, the file does not
        assert _other_process_writes(store) == 46
    assert added == [46, 60, 60]
    assert open_store_paths() == [store]  # its threads live on: the report would not fork
    kept.close_engine()
    assert kept._engine is None and open_store_paths() == []
    with Store(plain) as p:
        for f in (HOURLY, LIQ, OI):
            p.ingest(read_file(f))
    assert_same_rows(read_all(store), read_all(plain))


def test_a_kept_engine_reopens_after_another_process_wrote(store: Path, kept: Store) -> None:
    with kept:
        kept.ingest(read_file(HOURLY))
        kept.close()
        con = duckdb.connect(str(store))  # another writer adds a row between the uses
        con.execute("DELETE FROM ohlcv WHERE ts = (SELECT max(ts) FROM ohlcv)")
        con.close()
        assert kept.ingest(read_file(HOURLY)).rows_added == 1  # it sees the other's change
    with Store(store, read_only=True) as r:
        assert r.count("ohlcv") == 46


def test_a_store_replaced_between_writes_has_its_tables_made(store: Path, kept: Store) -> None:
    """The catalogue look-up is skipped only for the file as the writer left it: a file
    replaced meanwhile by an empty DuckDB database (no tables) gets them again (the
    replacement may even reuse the inode number)."""
    calls = []
    with kept as s:
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
    store: Path, kept: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store(store) as p:
        p.ingest([*read_file(HOURLY), *read_file(LIQ)])
    before = read_all(store)
    orig = Store._connect

    def connect(self: Store, create: bool = False) -> object:
        con = orig(self, create)
        return None if con is None else _CommitFails(con, False, DISK_FULL)

    monkeypatch.setattr(Store, "_connect", connect)
    want = re.escape("nothing was stored (the store's rows are as they were)")
    with pytest.raises(InputError, match=want):
        kept.ingest(read_file(OI))
    kept.close()
    monkeypatch.undo()
    assert_same_rows(before, read_all(store))
    assert _other_process_writes(store) == 46  # let go after the failure too
    assert kept.ingest(read_file(OI)).rows_added == 60  # and the next write goes in


def test_a_wrong_after_last_with_a_kept_engine_stores_nothing(store: Path, kept: Store) -> None:
    """The watch's word that rows follow the stored ones, when wrong, fails on the key
    and rolls back; the retry on the same attached file stores the new rows only."""
    bars = read_file(HOURLY)
    with kept:
        kept.ingest(bars)
        before = read_all(store)
        with pytest.raises(duckdb.ConstraintException):
            kept.ingest(bars, after_last=[True] * len(bars))
        assert kept.ingest(bars, after_last=[False] * len(bars)).rows_added == 0
    assert_same_rows(before, read_all(store))


def test_a_detach_that_fails_ends_the_engine(store: Path, kept: Store) -> None:
    """Should DuckDB refuse to detach (a database it invalidated), the whole engine is
    closed: the file is let go all the same."""
    kept.ingest(read_file(HOURLY))  # a new store: written and closed
    kept.ingest(read_file(LIQ))  # into the store: left attached
    assert kept._attached

    class Refuses:
        def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
            self.con = con

        def execute(self, sql: str, *a: object) -> object:
            if sql.startswith("DETACH"):
                raise duckdb.FatalException("database invalidated")
            return self.con.execute(sql, *a)

        def close(self) -> None:
            self.con.close()

    kept._engine = Refuses(kept._engine)  # type: ignore[assignment,arg-type]
    with pytest.raises(duckdb.FatalException):
        kept.close()
    assert kept._engine is None and kept._con is None
    assert _other_process_writes(store) == 46


def test_the_attached_name_is_not_a_table() -> None:
    assert _store._ATTACHED not in _store.KINDS


def test_a_detach_leaves_the_log_and_checkpoint_merges_it(store: Path, kept: Store) -> None:
    kept.ingest(read_file(HOURLY))  # a new store: checkpointed whole before it is published
    assert not _wal(store).exists()
    kept.ingest(read_file(LIQ))
    kept.close()
    assert _wal(store).exists()  # committed, in the log
    with Store(store, read_only=True) as r:  # another reader replays it
        assert r.count("liquidations") == 60
    # the log is this process's to merge: a read-only open does not
    assert _wal(store).exists()
    assert kept.checkpoint() is True
    assert not _wal(store).exists()
    assert kept._con is None  # let go again
    kept.ingest(read_file(OI))
    kept.close()
    assert _wal(store).exists()
    kept.close_engine()  # merges it too
    assert not _wal(store).exists()
    assert read_all(store)["open_interest"].shape[0] == 60


def test_a_write_that_finds_a_log_merges_both(store: Path, kept: Store) -> None:
    """Without checkpoint() between writes (a caller without idle time), the log never
    holds more than one write: every open replays it."""
    _logged(store, kept)
    kept.ingest(read_file(OI))
    kept.close()
    assert not _wal(store).exists()
    kept.close_engine()
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


def test_a_checkpoint_leaves_a_store_another_process_holds(store: Path, kept: Store) -> None:
    _logged(store, kept)
    p = subprocess.Popen([sys.executable, "-c", _HOLDER, str(store)], stdout=subprocess.PIPE,
                         text=True)  # fmt: skip
    try:
        assert p.stdout is not None and p.stdout.readline().strip() == "held"
        assert kept.checkpoint() is False  # no wait: the idle time goes on
        assert _wal(store).exists() and kept._con is None
    finally:
        p.kill()
        p.wait(timeout=30)
    assert kept.checkpoint() is True and not _wal(store).exists()
    kept.close_engine()
    assert len(read_all(store)["liquidations"]) == 60


def test_a_checkpoint_of_a_damaged_store_says_so_in_the_stores_words(
    store: Path, kept: Store
) -> None:
    """The watch merges the log in its idle time: a store file replaced by something
    else meanwhile was DuckDB's own IOException there, not the open's one line."""
    _logged(store, kept)
    good = store.read_bytes()
    store.write_bytes(b"not a store\n" * 400)
    with pytest.raises(InputError) as e:
        kept.checkpoint()
    assert e.value.param == "store"
    assert str(e.value) == (
        f"store: {store}: cannot open: not a DuckDB store (the file exists and is something "
        "else); give a new path or an existing store"
    )
    assert kept._con is None and _wal(store).exists()  # nothing merged, nothing held
    store.write_bytes(good)
    assert kept.checkpoint() is True and not _wal(store).exists()
    kept.close_engine()
    assert len(read_all(store)["liquidations"]) == 60


class _Recorded(_CommitFails):
    """:class:`_CommitFails` that also records every statement it is given."""

    def __init__(self, con: duckdb.DuckDBPyConnection, took_effect: bool, seen: list[str]) -> None:
        super().__init__(con, took_effect, DISK_FULL)
        self._seen = seen

    def execute(self, sql: str, *args: object) -> object:
        self._seen.append(sql)
        return super().execute(sql, *args)


def _events() -> SeriesFrame:
    """Two identical liquidation events (occurrences 1 and 2) and a third, appended."""
    ts = pd.Timestamp("2025-01-01 00:00:01.250", tz="UTC")
    frame = pd.DataFrame({"ts": [ts, ts, ts + pd.Timedelta(seconds=1)],
                          "side": ["long", "long", "short"], "price": [3000.5, 3000.5, 3001.0],
                          "qty": [0.25, 0.25, 1.0]})  # fmt: skip
    return SeriesFrame(kind="liquidation_events", venue="binance", symbol="ETH/USDT:USDT",
                       interval="events", frame=frame, file="events", layout="test")  # fmt: skip


@pytest.mark.parametrize("took_effect", [False, True])
def test_the_watchs_append_tells_a_failed_commit_by_its_last_rows_keys(
    store: Path, kept: Store, monkeypatch: pytest.MonkeyPatch, took_effect: bool
) -> None:
    """The watch's write (``count_total=False``, every series after its last stored row,
    so each goes in by a plain INSERT) counts no table before COMMIT: should COMMIT fail,
    each series' last row, looked up by its full key (occurrence included), tells
    whether it took effect (the INSERT's success proved that key was not stored)."""
    with Store(store) as p:
        p.ingest(read_file(HOURLY))
    before = read_all(store)
    seen: list[str] = []
    orig = Store._connect

    def connect(self: Store, create: bool = False) -> object:
        con = orig(self, create)
        return None if con is None else _Recorded(con, took_effect, seen)

    monkeypatch.setattr(Store, "_connect", connect)
    series = [*read_file(OI), _events()]
    outcome = "the 63 rows were stored nonetheless" if took_effect else (
        "nothing was stored (the store's rows are as they were)")  # fmt: skip
    with pytest.raises(InputError, match=re.escape(outcome)):
        kept.ingest(series, count_total=False)
    kept.close()
    monkeypatch.undo()
    commit = seen.index("COMMIT")
    assert not [q for q in seen[:commit] if "count(*)" in q]  # no count on the way
    assert [q for q in seen[commit:] if "count(*)" in q]  # the keys looked up after it
    with Store(store, read_only=True) as r:
        got = (r.count("open_interest"), r.count("liquidation_events"), r.count("ohlcv"))
    assert got == ((60, 3, 46) if took_effect else (0, 0, 46))
    if not took_effect:
        assert_same_rows(before, read_all(store))
        assert kept.ingest(series, count_total=False).rows_added == 63  # the next write goes in


@pytest.mark.parametrize("took_effect", [False, True])
def test_the_watchs_first_append_into_a_new_store_is_told_by_its_keys_too(
    store: Path, kept: Store, monkeypatch: pytest.MonkeyPatch, took_effect: bool
) -> None:
    """A new store's failed COMMIT (no count taken): the hidden file, read afresh, holds
    the last rows' keys (it becomes the store) or not (it is removed: no store)."""
    orig = Store._connect

    def connect(self: Store, create: bool = False) -> object:
        con = orig(self, create)
        return None if con is None else _CommitFails(con, took_effect, DISK_FULL)

    monkeypatch.setattr(Store, "_connect", connect)
    outcome = "the 63 rows were stored nonetheless" if took_effect else (
        "nothing was stored (the new store file was removed)")  # fmt: skip
    with pytest.raises(InputError, match=re.escape(outcome)):
        kept.ingest([*read_file(OI), _events()], count_total=False)
    kept.close()
    monkeypatch.undo()
    assert store.exists() is took_effect
    if took_effect:
        with Store(store, read_only=True) as r:
            assert (r.count("open_interest"), r.count("liquidation_events")) == (60, 3)
    assert not list(store.parent.glob(".*.partial"))  # the hidden file is gone either way
