"""A report that fails while writing (a file-size limit, a full disk, Ctrl-C) or is killed.

The contract: exit 2 and one line naming ``--out``; the previous report in the folder as
it was (report.html, summary.json and plotly.js: the old page keeps its figures); no
temporary file left; and a report killed with SIGKILL or SIGTERM leaves no process.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from liqcascade import _paths
from liqcascade.errors import InputError
from liqcascade.report import _build
from test_report.lanes import PRELUDE, ROOT

resource = pytest.importorskip("resource")  # file-size limits: POSIX only

PLOTLY = _build.PLOTLY_JS


def _previous(out: Path) -> dict[str, bytes]:
    """A previous report in ``out`` (its plotly.js not the vendored one: it is rewritten)."""
    out.mkdir()
    old = {"report.html": b"<html>old</html>", "summary.json": b"{}", PLOTLY: b"// old plotly"}
    for name, data in old.items():
        (out / name).write_bytes(data)
    return old


def _files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in out.iterdir()}


def test_a_file_size_limit_keeps_the_previous_report(tmp_path: Path) -> None:
    """Was exit 1 ``internal error: OSError: [Errno 27] File too large``, with plotly.js
    cut to the limit in place (it was copied over the old one): the previous page lost
    its figures."""
    out = tmp_path / "rep"
    old = _previous(out)

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, resource.RLIM_INFINITY))

    code = "import sys; from liqcascade.cli import main; sys.exit(main(sys.argv[1:]))"
    args = ["report", "--quick", "--section", "data", "--asset", "ETH", "--out", str(out)]
    # numba uncompiled: on a cold cache (a fresh clone, CI) numba writes its cache files
    # under the same limit and fails first (internal error: File too large)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "LIQCASCADE_DISABLE_NUMBA": "1"}
    p = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300,
        env=env, preexec_fn=cap,
    )  # fmt: skip
    assert p.returncode == 2 and p.stdout == "", p.stderr
    assert p.stderr.strip() == (
        f"error: --out: {out}: cannot write: File too large; nothing was written (the "
        "report there is as it was)"
    )
    assert _files(out) == old  # no temporary file either


def _contents(out: Path) -> dict[Path, bytes]:
    return {out / "report.html": b"<html>new</html>", out / "summary.json": b'{"new": 1}'}


@pytest.mark.parametrize("error", [OSError(errno.ENOSPC, "No space left on device"), None])
def test_a_failure_writing_the_second_file_replaces_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: OSError | None
) -> None:
    """report.html was renamed into place before summary.json was written: a full disk
    (or Ctrl-C) there left the new page beside the old summary."""
    out = tmp_path / "rep"
    old = _previous(out)
    made: list[int] = []
    real = _paths.tempfile.mkstemp

    def mkstemp(*args: Any, **kwargs: Any) -> tuple[int, str]:
        made.append(1)
        if len(made) == 2:
            raise error if error is not None else KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(_paths.tempfile, "mkstemp", mkstemp)
    with pytest.raises(InputError if error is not None else KeyboardInterrupt) as e:
        _build._write_outputs(out, _contents(out))
    if error is not None:
        assert str(e.value) == (
            f"out_dir: {out}: cannot write: No space left on device; nothing was written "
            "(the report there is as it was)"
        )
        assert e.value.param == "out_dir"
    assert _files(out) == old


def test_a_rename_that_fails_says_which_files_were_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "rep"
    _previous(out)
    real = os.replace

    def replace(src: str, dst: Any) -> None:
        if Path(dst).name == "summary.json":
            raise OSError(errno.EIO, "Input/output error")
        real(src, dst)

    monkeypatch.setattr(_paths.os, "replace", replace)
    with pytest.raises(InputError) as e:
        _build._write_outputs(out, _contents(out))
    assert str(e.value) == (
        f"out_dir: {out}: cannot write: Input/output error; only report.html replaced: run "
        "the report again"
    )
    assert (out / "report.html").read_bytes() == b"<html>new</html>"
    assert sorted(_files(out)) == sorted(["report.html", "summary.json", PLOTLY])


def test_outputs_are_readable_by_others_and_plotly_is_left_when_the_same(tmp_path: Path) -> None:
    out = tmp_path / "rep"
    vendored = _build.plotly_asset().read_bytes()
    out.mkdir()
    (out / PLOTLY).write_bytes(vendored)
    before = (out / PLOTLY).stat().st_ino
    _build._write_outputs(out, {out / PLOTLY: vendored, **_contents(out)})
    assert (out / PLOTLY).stat().st_ino == before  # not rewritten
    assert json.loads((out / "summary.json").read_text()) == {"new": 1}
    assert (out / "report.html").stat().st_mode & 0o777 == 0o644


_LANES = r"""
pid_file = Path(sys.argv[1])


def main_lane(ctx):
    time.sleep(60)
    return Section(id="x", title="")


def forked(ctx):
    tmp = pid_file.with_suffix(".tmp")
    tmp.write_text(str(os.getpid()))
    os.replace(tmp, pid_file)  # whole when it appears
    time.sleep(60)
    return Section(id="y", title="")


stand_in(main_lane=main_lane, forked=forked)
specs = [
    SectionSpec("cascade", "C", "stand_in_sections", "", builder="main_lane"),
    SectionSpec("q", "Q", "stand_in_sections", "", builder="forked"),
]
jobs, _ = plan(specs, ("ETH",))
run_all(jobs, ReportContext(asset="ETH", assets=("ETH",)), render, workers=2)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.skipif(sys.platform == "win32", reason="the forked lane needs fork")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_a_killed_report_leaves_no_forked_lane(tmp_path: Path, sig: signal.Signals) -> None:
    """The forked lane outlived a report killed with SIGKILL or SIGTERM, for good (it
    waited on the pool's queue), holding its memory and the report's stdout."""
    pid_file = tmp_path / "forked.pid"
    proc = subprocess.Popen(
        [sys.executable, "-c", PRELUDE + _LANES, str(pid_file)], stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )  # fmt: skip
    forked = 0
    try:
        deadline = time.monotonic() + 120
        while not pid_file.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        forked = int(pid_file.read_text())
        assert forked != proc.pid and _alive(forked)
        proc.send_signal(sig)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 10
        while _alive(forked) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(forked)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
        if forked and _alive(forked):
            os.kill(forked, signal.SIGKILL)
