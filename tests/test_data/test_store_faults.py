"""Faults on the store with real bundled files: a file-size limit at COMMIT, a damaged or
cut-short store file, a store another process holds, Ctrl-C before the transaction.

The contract (as in test_store_failures.py): exit 2 and one line naming the store (5 for a
store another process holds), or 130 for Ctrl-C; the stored rows as they were, read
back; never "internal error".
"""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from clihelpers import run_cli
from liqcascade.data import Store, read_file
from liqcascade.data._store import _wal
from liqcascade.errors import InputError
from test_data.test_store import assert_same_rows, read_all

resource = pytest.importorskip("resource")  # file-size limits: POSIX only

SRC = str(Path(__file__).resolve().parents[2] / "src")
BUNDLED = Path(str(files("liqcascade.data.bundled") / "_files"))


def _seeded(path: Path) -> Path:
    """A store holding ETH's bundled 4h open interest and liquidations (3,068 rows)."""
    with Store(path) as s:
        s.ingest(
            [
                *read_file(BUNDLED / "eth_oi_4h.parquet"),
                *read_file(BUNDLED / "eth_liquidations_4h.parquet"),
            ]
        )
    return path


def _ingest_capped(path: Path, limit: int) -> subprocess.CompletedProcess[str]:
    """``data ingest`` of ETH's and BTC's bundled hourly bars (119,109 rows) under
    ``ulimit -f``: DuckDB writes the second series' rows at COMMIT (its checkpoint),
    where the limit fails it."""

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))

    code = "import sys; from liqcascade.cli import main; sys.exit(main(sys.argv[1:]))"
    bars = [str(BUNDLED / "eth_1h.parquet"), str(BUNDLED / "btc_1h.parquet")]
    args = ["data", "ingest", *bars, "--store", str(path)]
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": SRC}, preexec_fn=cap,
    )  # fmt: skip


def test_a_file_size_limit_at_commit_is_checked_and_says_nothing_was_stored(
    tmp_path: Path,
) -> None:
    """A COMMIT that fails writing invalidates DuckDB's connection: the rows could not be
    counted on it, and the message said "whether the rows were stored could not be
    checked" (a new store file then stayed). They are counted on a new connection."""
    old = _seeded(tmp_path / "old.duckdb")
    before = read_all(old)
    p = _ingest_capped(old, old.stat().st_size + (1 << 20))  # room for a little, not 119k rows
    assert p.returncode == 2 and p.stdout == "", p.stderr
    assert p.stderr.splitlines()[-1] == (
        f"error: --store: {old}: cannot write: File too large; nothing was stored "
        "(the store's rows are as they were)"
    )
    assert_same_rows(before, read_all(old))
    with Store(old) as s:  # and the store still takes writes
        assert s.ingest(read_file(BUNDLED / "btc_oi_4h.parquet")).rows_added > 1000

    new = tmp_path / "new.duckdb"
    p = _ingest_capped(new, 1 << 20)
    assert p.returncode == 2 and p.stdout == "", p.stderr
    assert p.stderr.splitlines()[-1] == (
        f"error: --store: {new}: cannot write: File too large; nothing was stored "
        "(the new store file was removed)"
    )
    assert not new.exists() and not _wal(new).exists()


def _cut_short(src: Path, dst: Path) -> Path:
    """``src``'s first half: its header and catalog, not all its data blocks."""
    data = src.read_bytes()
    dst.write_bytes(data[: len(data) // 2])
    return dst


def _overwritten(src: Path, dst: Path) -> Path:
    """``src`` with 4 KiB of its data blocks overwritten (their checksums then fail)."""
    data = bytearray(src.read_bytes())
    at = (len(data) * 2 // 3) // 4096 * 4096
    data[at : at + 4096] = os.urandom(4096)
    dst.write_bytes(bytes(data))
    return dst


@pytest.mark.parametrize("damage", [_cut_short, _overwritten], ids=["cut short", "overwritten"])
def test_a_damaged_store_is_one_line_naming_it(tmp_path: Path, damage: Any) -> None:
    """Was exit 1 ``internal error: IOException: Could not read enough bytes`` (or
    ``Error: Corrupt database file``): DuckDB opens such a file, and fails on the first
    query that reads a lost block."""
    bad = damage(_seeded(tmp_path / "s.duckdb"), tmp_path / "bad.duckdb")
    before = bad.read_bytes()
    calls = [
        ("data", "list"),
        ("data", "export", "--kind", "liquidations", "--out", str(tmp_path / "x.csv")),
        ("data", "ingest", str(BUNDLED / "btc_oi_4h.parquet")),
    ]
    for args in calls:
        r = run_cli(*args, "--store", str(bad))
        assert r.exit_code == 2 and r.stdout == "", (args, r.stderr)
        line = r.stderr.strip()
        assert "\n" not in line and "internal error" not in line
        # this DuckDB opens both files and fails on a query; one that refused them at
        # open would say "cannot open" (the same contract)
        assert line.startswith(
            (
                f"error: --store: {bad}: not a readable DuckDB store (damaged, or cut short): ",
                f"error: --store: {bad}: cannot open: ",
            )
        ), line
    assert bad.read_bytes() == before and not (tmp_path / "x.csv").exists()
    with pytest.raises(InputError) as e, Store(bad, read_only=True) as s:  # the library
        s.list_series()
    assert e.value.param == "store" and "--store" not in str(e.value)


_HOLDER = r"""
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("held", flush=True)
time.sleep(60)
"""


def test_a_store_another_process_holds_names_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DuckDB lets one process write a store and none read it meanwhile: the second gets
    one line naming the store and the holder (was DuckDB's raw 'IO Error: Could not set
    lock on file ... See also https://duckdb.org/...'), exit 5 (store busy, was 2) once
    the wait is over (none here)."""
    monkeypatch.setenv("LIQCASCADE_STORE_WAIT_S", "0")
    store = _seeded(tmp_path / "s.duckdb")
    before = read_all(store)
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(store)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        for args, rule in (
            (
                ("data", "ingest", str(BUNDLED / "btc_oi_4h.parquet")),
                "has it open; a store is written by one process at a time, and by none "
                "while another has it open",
            ),
            (  # only a writer keeps a reader out: DuckDB's refusal tells what it does
                ("data", "list"),
                "has it open to write; a store is opened by no other process while one "
                "has it open to write",
            ),
        ):
            r = run_cli(*args, "--store", str(store))
            assert r.exit_code == 5 and r.stdout == "", r.stderr
            assert r.stderr.strip() == (
                f"error: --store: {store}: cannot open: another process (PID {holder.pid}) "
                f"{rule}; waited 0 s (LIQCASCADE_STORE_WAIT_S): try again when that "
                "process is done"
            )
    finally:
        holder.kill()
        holder.wait(timeout=30)
    assert_same_rows(before, read_all(store))


def test_ctrl_c_while_comparing_with_the_stored_series_says_nothing_was_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before the transaction begins, the files are compared with the stored series (the
    levels check): a Ctrl-C there printed a bare ``error: interrupted``."""
    store = _seeded(tmp_path / "s.duckdb")
    before = read_all(store)

    def interrupted(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("liqcascade.data._ops.check_reference_levels", interrupted)
    r = run_cli("data", "ingest", str(BUNDLED / "btc_oi_4h.parquet"), "--store", str(store))
    assert r.exit_code == 130 and r.stdout == ""
    assert r.stderr.strip().splitlines()[-1] == (
        f"error: interrupted while comparing the files with the stored series; nothing was "
        f"stored in {store}"
    )
    assert_same_rows(before, read_all(store))
