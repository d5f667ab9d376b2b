"""Failed writes and Ctrl-C: disk full (or a file-size limit) in the store or an export,
an interrupt while reading, inserting or committing.

The contract: one line naming the store (or ``--out``) that says whether anything was
stored, checked rather than assumed; stored rows as they were; a store file the failed
call created is removed with its ``.wal``; exit 2 for a failed write, 130 for Ctrl-C;
never "internal error".
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from clihelpers import run_cli
from liqcascade.data import IngestInterrupted, Store, _store, read_file
from liqcascade.errors import InputError
from test_data.test_store import HOURLY, LIQ, OI, _big_klines, assert_same_rows, read_all

resource = pytest.importorskip("resource")  # file-size limits: POSIX only

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _seeded(path: Path) -> Path:
    with Store(path) as s:
        s.ingest([*read_file(HOURLY), *read_file(LIQ)])
    return path


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


DISK_FULL = duckdb.IOException('Could not write file "x.duckdb": No space left on device')
#: What DuckDB's Python client raises when SIGINT stops a query.
INTERRUPTED = RuntimeError("Query interrupted")


class _CommitFails:
    """A DuckDB connection whose COMMIT raises ``error`` (after taking effect or not)."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, took_effect: bool, error: BaseException
    ) -> None:
        self._con, self._took_effect, self._error = con, took_effect, error

    def execute(self, sql: str, *args: Any) -> Any:
        if sql == "COMMIT":
            if self._took_effect:
                self._con.execute(sql).fetchall()
            raise self._error
        return self._con.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


@pytest.fixture
def commit_fails(monkeypatch: pytest.MonkeyPatch):
    def arm(took_effect: bool, error: BaseException = DISK_FULL) -> None:
        orig = Store._connect

        def connect(self: Store, create: bool = False) -> Any:
            con = orig(self, create)
            return None if con is None else _CommitFails(con, took_effect, error)

        monkeypatch.setattr(Store, "_connect", connect)

    return arm


def test_a_failed_commit_keeps_the_stored_rows_and_says_so(tmp_path: Path, commit_fails) -> None:
    store = _seeded(tmp_path / "s.duckdb")
    before = read_all(store)
    commit_fails(False)
    with pytest.raises(InputError) as e, Store(store) as s:
        s.ingest(read_file(OI))
    assert str(e.value) == (
        f"store: {store}: cannot write: No space left on device; nothing was stored "
        "(the store's rows are as they were)"
    )
    assert e.value.param == "store"
    assert_same_rows(before, read_all(store))


def test_a_failed_commit_into_a_new_store_removes_it(tmp_path: Path, commit_fails) -> None:
    store = tmp_path / "new.duckdb"
    commit_fails(False)
    r = run_cli("data", "ingest", str(OI), "--store", str(store))
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.strip() == (
        f"error: --store: {store}: cannot write: No space left on device; nothing was stored "
        "(the new store file was removed)"
    )
    assert not store.exists() and not _wal(store).exists()


def test_a_commit_that_took_effect_is_never_reported_as_nothing_stored(
    tmp_path: Path, commit_fails
) -> None:
    store = tmp_path / "new.duckdb"
    commit_fails(True)
    want = r"cannot write: .*; the 60 rows were stored nonetheless$"
    with pytest.raises(InputError, match=want), Store(store) as s:
        s.ingest(read_file(OI))
    assert store.exists()  # holds the rows: never removed
    with Store(store, read_only=True) as s:
        assert s.count("open_interest") == 60


def _ingest_under_limit(args: list[str], limit: int, env: dict[str, str]) -> subprocess.Popen:
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))

    code = "import sys; from liqcascade.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.Popen(
        [sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env={**os.environ, "PYTHONPATH": SRC, **env}, preexec_fn=cap,
    )  # fmt: skip


def test_a_real_file_size_limit_on_ingest(tmp_path: Path) -> None:
    """``ulimit -f``: writes fail with EFBIG, as on a full disk (no root needed)."""
    big = tmp_path / "big.csv"
    _big_klines(big, 20_000)
    env = {"LIQCASCADE_INGEST_CHUNK": "2000"}
    new = tmp_path / "new.duckdb"
    p = _ingest_under_limit(["data", "ingest", str(big), "--store", str(new)], 1 << 20, env)
    out, err = p.communicate(timeout=300)
    assert p.returncode == 2 and out == "", err
    assert err.strip() == (
        f"error: --store: {new}: cannot write: File too large; nothing was stored "
        "(the new store file was removed)"
    )
    assert not new.exists() and not _wal(new).exists()

    old = _seeded(tmp_path / "old.duckdb")
    before = read_all(old)
    limit = old.stat().st_size + (256 << 10)  # room for a little, not 20,000 rows
    p = _ingest_under_limit(["data", "ingest", str(big), "--store", str(old)], limit, env)
    out, err = p.communicate(timeout=300)
    assert p.returncode == 2 and out == "", err
    assert err.strip() == (
        f"error: --store: {old}: cannot write: File too large; nothing was stored "
        "(the store's rows are as they were)"
    )
    assert_same_rows(before, read_all(old))
    with Store(old) as s:  # and the store still takes writes
        assert s.ingest(read_file(OI)).rows_added == 60


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_failed_export_names_out_and_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    store = _seeded(tmp_path / "s.duckdb")
    out = tmp_path / f"x{suffix}"
    out.write_text("old\n")

    def full(self: pd.DataFrame, path: Any, *args: Any, **kwargs: Any) -> None:
        Path(path).write_text("partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv" if suffix == ".csv" else "to_parquet", full)
    r = run_cli("data", "export", "--kind", "ohlcv", "--out", str(out), "--store", str(store))
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.strip() == (
        f"error: --out: {out}: cannot write: No space left on device; nothing was written "
        "(the file there is as it was)"
    )
    assert out.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.duckdb", out.name]  # no temp file


# -- Ctrl-C ----------------------------------------------------------------------------------

_INTERRUPT_CHILD = r"""
import signal, sys
sys.path[:0] = [{src!r}]
from pathlib import Path
from liqcascade.data import Store
from liqcascade.cli import main
signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C, whatever the parent set
orig = Store.ingest
def slow(self, series, on_progress=None, **kw):
    def hook(done, total):
        if on_progress is not None:
            on_progress(done, total)
        if done >= 10_000:  # 5 chunks of 2,000 inserted, not committed
            Path({marker!r}).write_text(str(done))
            # a query that runs until SIGINT stops it, inside the open transaction (on
            # one thread: DuckDB 2.0 can hang cancelling a multi-threaded range scan)
            self._con.execute("SET threads = 1")
            self._con.execute("SELECT sum(i) FROM range(10000000000000) t(i)").fetchall()
    return orig(self, series, on_progress=hook, **kw)
Store.ingest = slow
sys.exit(main(["data", "ingest", {big!r}, "--store", {store!r}]))
"""


def test_ctrl_c_while_duckdb_inserts_is_exit_130_saying_nothing_was_stored(
    tmp_path: Path,
) -> None:
    """Was exit 1 ``internal error: RuntimeError: Query interrupted``."""
    store = _seeded(tmp_path / "s.duckdb")
    before = read_all(store)
    big = tmp_path / "big.csv"
    _big_klines(big, 30_000)
    marker = tmp_path / "inserted"
    script = _INTERRUPT_CHILD.format(src=SRC, marker=str(marker), big=str(big), store=str(store))
    proc = subprocess.Popen(
        [sys.executable, "-c", script], env={**os.environ, "LIQCASCADE_INGEST_CHUNK": "2000"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), proc.communicate(timeout=30)
    time.sleep(0.3)  # into the query (a Ctrl-C just before it ends the same way)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert out == ""  # never reported success
    assert err.strip() == f"error: interrupted; nothing was stored in {store}"
    assert_same_rows(before, read_all(store))
    with Store(store) as s:  # the store still takes writes
        assert s.ingest(read_file(OI)).rows_added == 60


def test_ctrl_c_as_the_commit_takes_effect_says_the_rows_were_stored(
    tmp_path: Path, commit_fails
) -> None:
    """The sweep's 1-in-12 case: the interrupt hit COMMIT after it had taken effect."""
    store = _seeded(tmp_path / "s.duckdb")
    commit_fails(True, INTERRUPTED)
    r = run_cli("data", "ingest", str(OI), "--store", str(store))
    assert r.exit_code == 130 and r.stdout == ""
    assert r.stderr.strip() == (
        f"error: interrupted, but the commit had taken effect: 60 rows were added to {store}"
    )
    with Store(store, read_only=True) as s:
        assert s.count("open_interest") == 60


def test_ctrl_c_that_stops_the_commit_says_nothing_was_stored(tmp_path: Path, commit_fails) -> None:
    new = tmp_path / "new.duckdb"
    commit_fails(False, INTERRUPTED)
    r = run_cli("data", "ingest", str(OI), "--store", str(new))
    assert r.exit_code == 130 and r.stdout == ""
    assert r.stderr.strip() == (
        f"error: interrupted; nothing was stored in {new} (the new store file was removed)"
    )
    assert not new.exists() and not _wal(new).exists()
    with pytest.raises(IngestInterrupted) as e, Store(new) as s:  # the library: a Ctrl-C
        s.ingest(read_file(OI))
    assert isinstance(e.value, KeyboardInterrupt) and e.value.stored is False


def _ctrl_c_inside_a_frame_scan() -> duckdb.Error:
    """The error DuckDB raises when Ctrl-C lands in pandas code it calls (a real one)."""

    class Frame(pd.DataFrame):
        @property
        def _constructor(self) -> type:
            return Frame

        def __getitem__(self, key: Any) -> Any:
            raise KeyboardInterrupt

    con = duckdb.connect()
    try:
        con.register("x", Frame({"a": [1.0]}))
        con.execute("SELECT * FROM x").fetchall()
    except duckdb.Error as exc:
        return exc
    finally:
        con.close()
    raise AssertionError("DuckDB read the frame")


def test_ctrl_c_while_duckdb_reads_the_frame_is_an_interrupt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Was exit 1 ``internal error: Error: Traceback … KeyboardInterrupt``."""
    err = _ctrl_c_inside_a_frame_scan()
    lines = str(err).strip().splitlines()
    assert type(err) is duckdb.Error
    if lines[0].startswith("Traceback"):
        # the traceback's last line: "KeyboardInterrupt:" on Python 3.11, no colon from 3.12 on
        assert lines[-1] in ("KeyboardInterrupt:", "KeyboardInterrupt")
    else:  # DuckDB 1.4: "KeyboardInterrupt: <EMPTY MESSAGE>", then "At:" and the frames
        assert lines[0].startswith("KeyboardInterrupt:") and "At:" in lines
    store = _seeded(tmp_path / "s.duckdb")
    orig = Store._connect

    class Registering:
        def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
            self._con = con

        def register(self, name: str, frame: Any) -> Any:
            raise err

        def __getattr__(self, name: str) -> Any:
            return getattr(self._con, name)

    def connect(self: Store, create: bool = False) -> Any:
        con = orig(self, create)
        return None if con is None else Registering(con)

    monkeypatch.setattr(Store, "_connect", connect)
    monkeypatch.setattr(_store, "_VALUES_ROWS", 0)  # every series through a registered frame
    r = run_cli("data", "ingest", str(OI), "--store", str(store))
    assert r.exit_code == 130 and r.stdout == ""
    assert r.stderr.strip() == f"error: interrupted; nothing was stored in {store}"


def test_ctrl_c_after_the_ingest_says_the_rows_were_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the result prints, the rows are in: exit 130 says so (was silent)."""

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr("liqcascade._cli.data._common.emit", interrupted)
    store = tmp_path / "s.duckdb"
    r = run_cli("data", "ingest", str(OI), "--store", str(store))
    assert r.exit_code == 130
    assert (
        r.stderr.splitlines()[-1]
        == f"error: interrupted after the ingest: 60 rows added to {store}"
    )
    with Store(store, read_only=True) as s:
        assert s.count("open_interest") == 60


def test_ctrl_c_while_reading_says_nothing_was_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr("liqcascade.data._ops.read_raw", interrupted)
    store = tmp_path / "s.duckdb"
    r = run_cli("data", "ingest", str(OI), "--store", str(store))
    assert r.exit_code == 130 and r.stdout == ""
    assert r.stderr.strip() == f"error: interrupted while reading {OI}; nothing was stored"
    assert not store.exists()


def test_ctrl_c_inside_the_csv_parser_is_not_a_malformed_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """pandas turns Ctrl-C in its utf-8-sig decoder into this ParserError (no context)."""
    from liqcascade.data import _readers

    def stopped(*args: Any, **kwargs: Any) -> Any:
        raise pd.errors.ParserError(
            "Error tokenizing data. C error: Calling read(nbytes) on source failed. "
            "Try engine='python'."
        )

    monkeypatch.setattr(_readers.pd, "read_csv", stopped)
    with pytest.raises(KeyboardInterrupt):
        read_file(HOURLY)


def test_duckdb_interrupt_in_any_command_is_exit_130(monkeypatch: pytest.MonkeyPatch) -> None:
    def stopped(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("Query interrupted")

    monkeypatch.setattr("liqcascade.data._ops.list_store", stopped)
    r = run_cli("data", "list")
    assert r.exit_code == 130 and "internal error" not in r.stderr
    err = _ctrl_c_inside_a_frame_scan()

    def scan_stopped(*args: Any, **kwargs: Any) -> Any:
        raise err

    monkeypatch.setattr("liqcascade.data._ops.list_store", scan_stopped)
    r = run_cli("data", "list")
    assert r.exit_code == 130 and "internal error" not in r.stderr
    monkeypatch.setattr("liqcascade.data._ops.list_store", lambda *a, **k: 1 / 0)
    assert run_cli("data", "list").exit_code == 1  # other errors stay internal errors


class _Invalidated(_CommitFails):
    """A connection DuckDB invalidated at COMMIT: every statement after it fails."""

    def __init__(self, con: duckdb.DuckDBPyConnection, took_effect: bool) -> None:
        super().__init__(con, took_effect, DISK_FULL)
        self._dead = False

    def execute(self, sql: str, *args: Any) -> Any:
        if self._dead:
            raise duckdb.FatalException("database has been invalidated")
        if sql == "COMMIT":
            self._dead = True
        return super().execute(sql, *args)


@pytest.mark.parametrize(
    ("took_effect", "recount_fails"),
    [(False, 1), (True, 1), (True, 99)],
    ids=["not-taken-recount-fails-once", "taken-recount-fails-once", "taken-unreadable"],
)
def test_a_new_store_whose_commit_cannot_be_checked_is_published_only_if_it_holds_the_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, took_effect: bool, recount_fails: int
) -> None:
    """COMMIT fails and invalidates the connection, and the read-only recount cannot open
    the file (``stored`` unknown): the hidden file was published anyway, an empty store
    when the commit had not taken effect. The file decides: counted afresh, it becomes the
    store only if it holds the rows; else it is removed and nothing was stored."""
    store = tmp_path / "new.duckdb"
    orig_connect, orig_open = Store._connect, _store.duckdb.connect
    fails = [recount_fails]

    def connect(self: Store, create: bool = False) -> Any:
        con = orig_connect(self, create)
        return None if con is None else _Invalidated(con, took_effect)

    def open_db(path: str, read_only: bool = False, **kw: Any) -> Any:
        if read_only and fails[0] > 0:
            fails[0] -= 1
            raise duckdb.IOException(f'Could not open file "{path}": Resource busy')
        return orig_open(path, read_only=read_only, **kw)

    monkeypatch.setattr(Store, "_connect", connect)
    monkeypatch.setattr(_store.duckdb, "connect", open_db)
    with pytest.raises(InputError) as e, Store(store) as s:
        s.ingest(read_file(OI))
    monkeypatch.undo()
    kept = took_effect and recount_fails == 1
    outcome = (
        "the 60 rows were stored nonetheless"
        if kept
        else "nothing was stored (the new store file was removed)"
    )
    assert str(e.value) == f"store: {store}: cannot write: No space left on device; {outcome}"
    assert store.exists() is kept and not _wal(store).exists()
    assert [p.name for p in tmp_path.iterdir()] == (["new.duckdb"] if kept else [])
    if kept:
        with Store(store, read_only=True) as s:
            assert s.count() == 60


def test_a_store_of_a_newer_duckdb_says_to_upgrade() -> None:
    """DuckDB 1.x opening a 2.x store says only "version number 999 … 64 and 67"; the
    message adds who wrote it and what to do."""
    import duckdb

    from liqcascade.data._store import _open_cause

    exc = duckdb.IOException(
        "IO Error: Trying to read a database file with version number 999, but we can only "
        "read versions between 64 and 67. The database file was created with a newer version"
    )
    got = _open_cause(exc)
    assert got.startswith("Trying to read a database file with version number 999")
    assert f"newer DuckDB than the {duckdb.__version__} installed here: upgrade duckdb" in got
