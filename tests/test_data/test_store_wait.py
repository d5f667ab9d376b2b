"""Two processes on one store: the second waits for the first (``LIQCASCADE_STORE_WAIT_S``).

DuckDB lets one process open a store to write and no other open it meanwhile; several
may open it read-only, and none to write then. A command that finds the store held
waits, retrying, up to ``$LIQCASCADE_STORE_WAIT_S`` seconds (a ``note: waiting for the
store: PID N has it open ...`` line), then exits 5 with one ``error:`` line (store busy:
retry later), never 2 (bad input). The holder here is a real second process.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from importlib.resources import files
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from clihelpers import run_cli
from liqcascade.data import Store, read_file
from liqcascade.errors import StoreBusy

BUNDLED = Path(str(files("liqcascade.data.bundled") / "_files"))

_HOLDER = r"""
import sys, time, duckdb
con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "read")
print("held", flush=True)
time.sleep(float(sys.argv[3]))
con.close()
"""


def _seeded(path: Path) -> Path:
    """A store holding ETH's bundled 4h open interest (1,500-odd rows)."""
    with Store(path) as s:
        s.ingest(read_file(BUNDLED / "eth_oi_4h.parquet"))
    return path


def _hold(store: Path, how: str, seconds: float) -> subprocess.Popen[str]:
    """A process holding ``store`` open (``how``: "read" or "write") for ``seconds``."""
    p = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(store), how, str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert p.stdout is not None and p.stdout.readline().strip() == "held"
    return p


def _oi(store: Path) -> pd.DataFrame:
    with Store(store, read_only=True) as s:
        return s.read("open_interest")


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return _seeded(tmp_path / "s.duckdb")


def test_a_command_waits_for_the_holder_then_runs(
    store: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A writer holds the store 1.5 s; ``data list`` with a 20 s wait waits, says so once,
    and lists the store (exit 0); was exit 2 at once."""
    holder = _hold(store, "write", 1.5)
    t0 = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="liqcascade.data"):
        r = run_cli("data", "list", "--store", str(store), env={"LIQCASCADE_STORE_WAIT_S": "20"})
    waited = time.monotonic() - t0
    holder.wait(timeout=30)
    assert r.exit_code == 0, r.stderr
    assert "open_interest" in r.stdout and "error" not in r.stderr
    notes = [m for m in caplog.messages if m.startswith("note: waiting for the store")]
    assert notes == [
        f"note: waiting for the store: PID {holder.pid} has it open to write ({store}; up "
        "to 20 s, LIQCASCADE_STORE_WAIT_S)"
    ]
    assert 0.5 < waited < 15  # it waited for the holder, not for the whole 20 s


def test_a_shorter_wait_exits_5_with_one_error_line(store: Path) -> None:
    """The holder (a reader: the nightly report) outlasts a 0.3 s wait: exit 5, one line
    saying it reads (DuckDB's refusal tells), the store as it was."""
    before = _oi(store)
    holder = _hold(store, "read", 4)
    try:
        t0 = time.monotonic()
        r = run_cli(
            "data", "ingest", str(BUNDLED / "btc_oi_4h.parquet"), "--store", str(store),
            env={"LIQCASCADE_STORE_WAIT_S": "0.3"},
        )  # fmt: skip
        waited = time.monotonic() - t0
    finally:
        holder.kill()
        holder.wait(timeout=30)
    assert r.exit_code == 5 and r.stdout == "", r.stderr
    assert r.stderr.strip() == (
        f"error: --store: {store}: cannot open: another process (PID {holder.pid}) has it "
        "open to read; a store is written by no process while another has it open; "
        "waited 0.3 s (LIQCASCADE_STORE_WAIT_S): try again when that process is done"
    )
    assert waited < 3.5  # gave up after its wait, not when the holder let go
    pd.testing.assert_frame_equal(_oi(store), before)


def test_ingest_fails_before_reading_its_files(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An ingest needs the write lock: a busy store is waited for (here: given up on)
    before the files are read and validated, not after (was: 75,417 rows validated,
    then exit 2)."""
    read: list[Any] = []
    monkeypatch.setattr("liqcascade.data._ops._read", lambda *a, **k: read.append(a) or [])
    holder = _hold(store, "write", 4)
    try:
        r = run_cli(
            "data", "ingest", str(BUNDLED / "btc_oi_4h.parquet"), "--store", str(store),
            env={"LIQCASCADE_STORE_WAIT_S": "0.2"},
        )  # fmt: skip
    finally:
        holder.kill()
        holder.wait(timeout=30)
    assert r.exit_code == 5 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert read == []


def test_readers_do_not_wait_for_a_reader(store: Path) -> None:
    """Several processes may read at once: ``data list`` beside a reader runs at once,
    even with no wait at all."""
    holder = _hold(store, "read", 4)
    try:
        r = run_cli("data", "list", "--store", str(store), env={"LIQCASCADE_STORE_WAIT_S": "0"})
    finally:
        holder.kill()
        holder.wait(timeout=30)
    assert r.exit_code == 0 and "open_interest" in r.stdout, r.stderr


def test_the_library_raises_store_busy(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An InputError (callers that refuse any bad store alike) naming the parameter, the
    holder's id and the wait."""
    holder = _hold(store, "write", 4)
    try:
        with pytest.raises(StoreBusy) as e, Store(store, read_only=True, wait_s=0.1) as s:
            s.list_series()
    finally:
        holder.kill()
        holder.wait(timeout=30)
    assert e.value.param == "store" and e.value.pid == holder.pid
    assert e.value.waited_s == pytest.approx(0.1, abs=1e-9)
    assert "--store" not in str(e.value)


@pytest.mark.parametrize("value", ["soon", "-1", "inf"])
def test_a_bad_wait_is_refused(store: Path, value: str) -> None:
    r = run_cli("data", "list", "--store", str(store), env={"LIQCASCADE_STORE_WAIT_S": value})
    assert r.exit_code == 2 and r.stderr.strip() == (
        f"error: LIQCASCADE_STORE_WAIT_S must be a number of seconds >= 0 (got {value!r}); "
        "unset it for the default 30"
    )
