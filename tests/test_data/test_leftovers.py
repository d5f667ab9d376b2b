"""What a killed write leaves beside its target, and who may remove it.

A new store's hidden file (``.NAME.lqc-PID-TOKEN.partial``) and the temporary files of
the atomic writes (``.NAME.lqc-XXXX.tmp``: exports, the report, calibration files, pol
files)
are removed by a later write to the same target only when stale: no process holds its
lock. A process id says nothing on a shared volume (NFS, a container with its own PID
namespace): a live writer's PID may not exist here, a dead one's may have been reused.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from liqcascade._paths import is_stale, write_all_atomic
from liqcascade.data import Store, read_file
from test_data.test_store import OI

fcntl = pytest.importorskip("fcntl")  # POSIX locks

#: A process id no process has here (above Linux's largest), as a writer's in another
#: PID namespace, or on another host of a shared volume, looks from this one.
ELSEWHERE = 4_194_305

_HOLD = """
import fcntl, os, sys, time
import duckdb
if sys.argv[2] == "duckdb":
    con = duckdb.connect(sys.argv[1])  # DuckDB locks its file as an ingest's partial is
else:
    fd = os.open(sys.argv[1], os.O_RDONLY)  # a file or a folder
    fcntl.flock(fd, fcntl.LOCK_EX)  # as an atomic write or a pol build holds it
print("held", flush=True)
time.sleep(300)
"""


def _held(path: Path, how: str) -> subprocess.Popen[str]:
    """Another process holding ``path`` open and locked, as a live writer does."""
    p = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(path), how], stdout=subprocess.PIPE, text=True
    )
    assert p.stdout is not None and p.stdout.readline().strip() == "held"
    return p


def _stop(p: subprocess.Popen[str]) -> None:
    p.kill()
    p.wait(timeout=30)


def test_a_live_writer_s_partial_is_kept_whatever_its_pid(tmp_path: Path) -> None:
    """A partial named by a PID this host does not have was removed as a dead process's,
    while its writer (elsewhere) was still filling it; one named by a PID that runs here
    (reused after a kill) was kept for ever. The lock decides."""
    store = tmp_path / "s.duckdb"
    live = tmp_path / f".s.duckdb.lqc-{ELSEWHERE}-0123abcd.partial"
    holder = _held(live, "duckdb")
    reused = tmp_path / f".s.duckdb.lqc-{os.getppid()}-0123abcd.partial"  # a running PID
    reused.write_bytes(b"")
    try:
        with Store(store) as s:
            assert s.ingest(read_file(OI)).rows_added == 60
        assert live.exists(), "a live writer's partial was removed"
        assert not reused.exists(), "a stale partial was kept"
    finally:
        _stop(holder)
    store.unlink()  # the writer is gone: the next new store's ingest removes its file
    with Store(store) as s:
        assert s.ingest(read_file(OI)).rows_added == 60
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.duckdb"]


def test_a_new_store_s_partial_is_named_apart_from_another_host_s(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two hosts' writers can have the same PID: the partial's name has a random part,
    so one never removes or reuses the other's file."""
    names = []
    orig = Store._publish

    def seen(self: Store, temp: Path, final: Path) -> bool:
        names.append(temp.name)
        return orig(self, temp, final)

    monkeypatch.setattr(Store, "_publish", seen)
    for k in range(2):
        with Store(tmp_path / f"s{k}.duckdb") as s:
            s.ingest(read_file(OI))
    middles = [n[len(f".s{k}.duckdb.lqc-") : -len(".partial")] for k, n in enumerate(names)]
    assert all(n.startswith(f".s{k}.duckdb.lqc-") for k, n in enumerate(names)), names
    assert [m.split("-")[0] for m in middles] == [str(os.getpid())] * 2
    assert len(set(middles)) == 2 and all(len(m.split("-")[1]) == 8 for m in middles)


def _aged(path: Path, seconds: float) -> Path:
    t = time.time() - seconds
    os.utime(path, (t, t))
    return path


def test_a_killed_atomic_write_s_temporary_file_is_removed_by_the_next_write(
    tmp_path: Path,
) -> None:
    """``.NAME.XXXX.tmp`` left by a SIGKILL stayed for ever. The next write to NAME
    removes those no process holds locked and older than a minute (a file just made,
    not yet locked, is left)."""
    target = tmp_path / "summary.json"
    stale = tmp_path / ".summary.json.lqc-k1ll3d00.tmp"
    stale.write_bytes(b"{")
    _aged(stale, 120)
    fresh = tmp_path / ".summary.json.lqc-n0w00000.tmp"
    fresh.write_bytes(b"{")
    live = tmp_path / ".summary.json.lqc-l1ve0000.tmp"
    live.write_bytes(b"{")
    _aged(live, 120)
    holder = _held(live, "flock")
    try:
        assert is_stale(stale) and not is_stale(fresh) and not is_stale(live)
        write_all_atomic({target: "{}"})
    finally:
        _stop(holder)
    assert target.read_text() == "{}"
    assert not stale.exists() and fresh.exists() and live.exists()
    assert is_stale(live)  # its writer is gone


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_an_export_stages_a_locked_tmp_and_removes_a_killed_one_s(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    """``data export`` staged ``.NAME.XXXX`` (no suffix, never removed after a kill); it
    is ``.NAME.XXXX.tmp`` now, locked while pandas writes it, and a killed export's is
    removed by the next export to the same file."""
    import pandas as pd

    from clihelpers import run_cli

    store = tmp_path / "s.duckdb"
    with Store(store) as s:
        s.ingest(read_file(OI))
    out = tmp_path / f"x{suffix}"
    killed = tmp_path / f".{out.name}.lqc-k1ll3d00.tmp"
    killed.write_bytes(b"half")
    _aged(killed, 120)
    seen: list[tuple[str, bool]] = []
    method = "to_csv" if suffix == ".csv" else "to_parquet"
    orig = getattr(pd.DataFrame, method)

    def watched(self: pd.DataFrame, path: str, *args: object, **kwargs: object) -> None:
        seen.append((Path(path).name, is_stale(Path(path), older_than=0.0)))
        orig(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, method, watched)
    kind = "open_interest"
    r = run_cli("data", "export", "--kind", kind, "--out", str(out), "--store", str(store))
    assert r.exit_code == 0, r.stderr
    ((name, stale),) = seen
    assert name.startswith(f".{out.name}.lqc-") and name.endswith(".tmp") and not stale
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.duckdb", out.name]


def test_a_pol_file_write_removes_a_killed_one_s_tmp(tmp_path: Path) -> None:
    """The pol's private files go through the same staged, locked temporary file."""
    from liqcascade.solvency._pol_io import PRIVATE_FILE_MODE, write_private_file

    target = tmp_path / "pol.json"
    killed = tmp_path / ".pol.json.lqc-k1ll3d00.tmp"
    killed.write_bytes(b"{")
    _aged(killed, 120)
    write_private_file(target, b"{}")
    assert target.read_bytes() == b"{}" and target.stat().st_mode & 0o777 == PRIVATE_FILE_MODE
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pol.json"]


def test_a_calibration_written_to_a_file_is_written_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``to_json(path)`` (``liqmap calibrate --out``, the estimation settings) wrote the
    file in place: a kill mid-write left it cut short, the previous one lost. It goes
    through a staged ``.NAME.XXXX.tmp`` renamed over it, as every atomic write."""
    from liqcascade import _paths
    from liqcascade.positions._estimate import EstimationParams

    out = tmp_path / "params.json"
    out.write_text("old\n")
    staged: list[str] = []
    real = _paths.staged_file

    def seen(path: Path) -> tuple[int, str]:
        fd, tmp = real(path)
        staged.append(Path(tmp).name)
        return fd, tmp

    monkeypatch.setattr(_paths, "staged_file", seen)
    text = EstimationParams().to_json(out)
    assert out.read_text() == text + "\n"
    assert len(staged) == 1 and staged[0].startswith(".params.json.lqc-")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["params.json"]


def test_a_live_pol_build_s_tree_elsewhere_is_kept(tmp_path: Path) -> None:
    """A pol build stages its tree in ``.NAME.pol-build-PID-XXXX``; another build of the
    same target removed it when that PID did not run here, as a build in another PID
    namespace's does not. The build holds the tree locked: kept while it runs, removed
    once it is gone."""
    from liqcascade.solvency._pol_io import TreeStage

    target = tmp_path / "tree"
    other = tmp_path / f".tree.pol-build-{ELSEWHERE}-x1y2z3w4"
    other.mkdir()
    holder = _held(other, "flock")
    try:
        with TreeStage(target) as stage:
            assert is_stale(stage.path, older_than=0.0) is False  # its own, held
        assert other.is_dir(), "a live build's tree was removed"
    finally:
        _stop(holder)
    with TreeStage(target):
        assert not other.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_without_locks_no_process_is_signalled_for_a_pol_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where no lock tells a live build's tree (Windows: no fcntl), the tree is left and
    no process is asked about by ``os.kill(pid, 0)``: on Windows signal 0 is
    CTRL_C_EVENT, sent to whatever process group has that number."""
    from liqcascade import _paths
    from liqcascade.solvency import _pol_io
    from liqcascade.solvency._pol_io import TreeStage

    monkeypatch.setattr(_paths, "fcntl", None)
    signalled: list[int] = []
    monkeypatch.setattr(_pol_io.os, "kill", lambda pid, sig: signalled.append(pid))
    other = tmp_path / f".tree.pol-build-{ELSEWHERE}-x1y2z3w4"
    other.mkdir()
    with TreeStage(tmp_path / "tree"):
        pass
    assert signalled == []
    assert other.is_dir()


def test_without_locks_a_staged_file_is_not_open_when_renamed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows (no fcntl) renames no file a process holds open (a sharing violation):
    the staged file's descriptor, kept open for its lock, must be closed there before
    the rename, or every report, calibration, export and pol file write failed."""
    import pandas as pd

    from liqcascade import _paths
    from liqcascade.data._ops import _atomic_write
    from liqcascade.solvency._pol_io import write_private_file

    def open_here(path: str) -> bool:
        target = os.path.realpath(path)
        fds = Path("/proc/self/fd")
        return any(os.path.realpath(p) == target for p in fds.iterdir() if p.is_symlink())

    real_replace = os.replace

    def windows_replace(src: str, dst: str) -> None:
        if open_here(str(src)):
            raise PermissionError(32, "The process cannot access the file", str(src))
        real_replace(src, dst)

    monkeypatch.setattr(_paths, "fcntl", None)
    monkeypatch.setattr(os, "replace", windows_replace)
    _paths.write_all_atomic({tmp_path / "a.json": "{}", tmp_path / "b.txt": b"x"})
    write_private_file(tmp_path / "p.bin", b"secret")
    _atomic_write(pd.DataFrame({"ts": pd.to_datetime([0], utc=True), "v": [1.0]}),
                  tmp_path / "e.csv")  # fmt: skip
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "b.txt", "e.csv", "p.bin"]
    assert (tmp_path / "p.bin").read_bytes() == b"secret"


def _left(path: Path, folder: bool = False) -> None:
    """What a killed writer (or a user) left: an unlocked file or folder, 2 minutes old."""
    if folder:
        path.mkdir()
    else:
        path.write_bytes(b"x")
    _aged(path, 120)


def test_a_user_s_files_beside_the_target_are_never_taken_for_leftovers(tmp_path: Path) -> None:
    """The clean-up matched ``.NAME.*.tmp``, ``.NAME.*.partial`` and every name starting
    ``.NAME.pol-build-PID``: a user's ``.s.duckdb.backup.partial`` or
    ``.summary.json.old.tmp``, unlocked and old, was removed by the next write. Only the
    names the writers make (tempfile's eight random characters, a PID and token) go."""
    from liqcascade.solvency._pol_io import TreeStage

    mine = [".summary.json.old.tmp", ".summary.json.my-notes.tmp",
            ".summary.json.lqc-k1ll3d00.tmp.bak", ".s.duckdb.backup.partial",
            ".s.duckdb.lqc-12-abc.partial", ".s.duckdb.1.partial.keep",
            ".tree.pol-build-x-abcdefgh"]  # fmt: skip
    for name in mine:
        _left(tmp_path / name)
    _left(tmp_path / ".tree.pol-build-12-notes", folder=True)
    killed = [".summary.json.lqc-k1ll3d00.tmp", f".s.duckdb.lqc-{ELSEWHERE}-0123abcd.partial"]
    for name in killed:
        _left(tmp_path / name)
    _left(tmp_path / f".tree.pol-build-{ELSEWHERE}-k1ll3d00", folder=True)
    write_all_atomic({tmp_path / "summary.json": "{}"})
    with Store(tmp_path / "s.duckdb") as s:
        s.ingest(read_file(OI))
    with TreeStage(tmp_path / "tree"):
        pass
    kept = {*mine, ".tree.pol-build-12-notes", "summary.json", "s.duckdb"}
    assert {p.name for p in tmp_path.iterdir()} == kept


def test_a_folder_named_as_a_staged_file_is_not_removed(tmp_path: Path) -> None:
    """review20b: a write stages a file (``.NAME.lqc-XXXXXXXX.tmp``), never a folder, yet the
    default clean-up removed a folder of that name, its tree included."""
    folder = tmp_path / ".summary.json.lqc-abcdefgh.tmp"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    _aged(folder, 120)
    write_all_atomic({tmp_path / "summary.json": "{}"})
    assert (folder / "notes.txt").read_text() == "mine"


def test_a_user_s_name_shaped_like_an_unmarked_staged_one_is_kept(tmp_path: Path) -> None:
    """The clean-up took ``.NAME.`` + any eight of ``a-z0-9_`` + ``.tmp`` (tempfile's
    random part) and ``.NAME.DIGITS.partial``: a user's ``.data.csv.original.tmp`` or
    ``.s.duckdb.2024.partial``, old and unlocked, was removed by the next write. Staged
    names carry the package's mark (``lqc-``) now, and only marked ones go; leftovers
    of the unmarked form (older versions') cannot be told from a user's: left too."""
    mine = [".data.csv.original.tmp", ".data.csv.k1ll3d00.tmp", ".s.duckdb.2024.partial",
            f".s.duckdb.{ELSEWHERE}-0123abcd.partial"]  # fmt: skip
    for name in mine:
        _left(tmp_path / name)
    killed = [".data.csv.lqc-k1ll3d00.tmp", f".s.duckdb.lqc-{ELSEWHERE}-0123abcd.partial"]
    for name in killed:
        _left(tmp_path / name)
    write_all_atomic({tmp_path / "data.csv": "a\n"})
    with Store(tmp_path / "s.duckdb") as s:
        s.ingest(read_file(OI))
    assert {p.name for p in tmp_path.iterdir()} == {*mine, "data.csv", "s.duckdb"}
