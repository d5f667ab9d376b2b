"""Failed writes: disk full (or a file-size limit) in the store or an export.

The contract: exit 2 and one line naming the store (or ``--out``) that says whether
anything was stored; stored rows as they were; a store file the failed call created is
removed with its ``.wal``; never "internal error".
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from clihelpers import run_cli
from liqcascade.data import Store, read_file
from liqcascade.errors import InputError
from test_data.test_store import HOURLY, LIQ, OI, _big_klines, read_all

resource = pytest.importorskip("resource")  # file-size limits: POSIX only

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _seeded(path: Path) -> Path:
    with Store(path) as s:
        s.ingest([*read_file(HOURLY), *read_file(LIQ)])
    return path


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


class _CommitFails:
    """A DuckDB connection whose COMMIT fails like a full disk (after taking effect or not)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, took_effect: bool) -> None:
        self._con, self._took_effect = con, took_effect

    def execute(self, sql: str, *args: Any) -> Any:
        if sql == "COMMIT":
            if self._took_effect:
                self._con.execute(sql).fetchall()
            raise duckdb.IOException('Could not write file "x.duckdb": No space left on device')
        return self._con.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


@pytest.fixture
def commit_fails(monkeypatch: pytest.MonkeyPatch):
    def arm(took_effect: bool) -> None:
        orig = Store._connect

        def connect(self: Store) -> Any:
            con = orig(self)
            return None if con is None else _CommitFails(con, took_effect)

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
    after = read_all(store)
    for k in before:
        pd.testing.assert_frame_equal(before[k], after[k])


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
    after = read_all(old)
    for k in before:
        pd.testing.assert_frame_equal(before[k], after[k])
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
