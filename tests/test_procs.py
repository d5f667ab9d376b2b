"""Worker processes: one start-method rule (``liqcascade._procs``) and its call sites.

The bootstrap refits run in spawned workers on every platform and equal the serial
refits; a pool whose workers die leaves the rest to the calling process. The report's
second lane is forked, whatever multiprocessing's default start method (``"spawn"`` on
macOS and Windows, ``"forkserver"`` on Linux from Python 3.14), only where a fork is
sound, and otherwise the report runs one lane with the same results. The cascade's
preparation thread survives a fork. Small inputs: about 10 s in all.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import types
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from floats import assert_same
from liqcascade import _procs
from liqcascade._time import to_utc
from liqcascade.positions import _likelihood
from liqcascade.report._registry import SectionSpec
from liqcascade.report._run import plan, run_all
from liqcascade.report._section import ReportContext, Section

ROOT = Path(__file__).resolve().parents[1]
LINUX = sys.platform.startswith("linux")

# ---------------------------------------------------------------- the rule


def test_pools_spawn_on_every_platform() -> None:
    assert _procs.pool_context().get_start_method() == "spawn"


_INTERRUPTED_WORKER = """
import os, signal, time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from liqcascade._procs import pool_context, quiet_worker

if __name__ == "__main__":
    with ProcessPoolExecutor(1, mp_context=pool_context(), initializer=quiet_worker) as pool:
        pid = pool.submit(os.getpid).result()
        task = pool.submit(time.sleep, 60)
        time.sleep(0.5)
        os.kill(pid, signal.SIGINT)  # what a Ctrl-C at the terminal sends the worker
        try:
            task.result(timeout=60)
        except BrokenProcessPool:
            print("worker ended")
"""


@pytest.mark.skipif(not hasattr(os, "kill") or sys.platform == "win32", reason="POSIX signals")
def test_a_ctrl_c_ends_a_pool_worker_without_its_traceback(tmp_path: Path) -> None:
    """Each worker printed its KeyboardInterrupt traceback under the command's one line."""
    script = tmp_path / "workers.py"
    script.write_text(_INTERRUPTED_WORKER)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), *sys.path])}
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          env=env, timeout=120, check=False)  # fmt: skip
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "worker ended\n", "")


@pytest.mark.parametrize("platform", ["darwin", "win32", "freebsd14"])
def test_no_fork_off_linux(monkeypatch: pytest.MonkeyPatch, platform: str) -> None:
    monkeypatch.setattr(_procs.sys, "platform", platform)
    assert _procs.fork_refusal() == f"no safe fork on {platform} (Linux only)"
    assert _procs.fork_context() is None


@pytest.mark.skipif(not LINUX, reason="the thread rule is checked where a fork may happen")
def test_no_fork_while_another_thread_runs() -> None:
    stop = threading.Event()
    t = threading.Thread(target=stop.wait, name="stand-in-thread", daemon=True)
    t.start()
    try:
        # an earlier test in this process may have left its own (the cascade's preparation
        # thread, liqcascade-prep_0): the stand-in is among the names, sorted
        refusal = _procs.fork_refusal() or ""
        assert refusal.startswith("other threads are running (") and refusal.endswith(")")
        assert "stand-in-thread" in refusal[len("other threads are running (") : -1].split(", ")
        assert _procs.fork_context() is None
    finally:
        stop.set()
        t.join()


@pytest.mark.skipif(not LINUX, reason="the numba rule is checked where a fork may happen")
def test_no_fork_once_numba_started_its_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    numba = pytest.importorskip("numba")
    monkeypatch.setattr(numba, "threading_layer", lambda: "omp")
    # no other Python thread (an earlier test may have left the cascade's preparation one)
    monkeypatch.setattr(threading, "enumerate", lambda: [threading.current_thread()])
    assert _procs.fork_refusal() == "numba's omp threads are running"


def _os_threads() -> int:
    """This process's OS threads, native ones too (Python's own count leaves them out)."""
    return len(os.listdir("/proc/self/task"))


def _no_python_threads_nor_numba(monkeypatch: pytest.MonkeyPatch) -> None:
    """Leave out the rule's other reasons (an earlier test's threads, numba's pool)."""
    monkeypatch.setattr(threading, "enumerate", lambda: [threading.current_thread()])
    numba = sys.modules.get("numba")
    if numba is not None:
        monkeypatch.setattr(numba, "threading_layer", _no_threading_layer)


def _no_threading_layer() -> str:
    raise ValueError("no threading layer")  # numba's answer while no parallel kernel ran


def _a_store_file(folder: Path) -> Path:
    """An empty DuckDB file (a store opens a file that exists)."""
    import duckdb

    folder.mkdir(exist_ok=True)
    path = folder / "store.duckdb"
    duckdb.connect(str(path)).close()
    return path


@pytest.mark.skipif(not LINUX, reason="the store rule is checked where a fork may happen")
def test_no_fork_while_a_duckdb_store_is_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DuckDB re-creates nothing in a child: a child closing an inherited connection died
    of SIGSEGV, and a child's own connect of that file got the inherited database."""
    from liqcascade.data import Store

    _no_python_threads_nor_numba(monkeypatch)
    a, b = _a_store_file(tmp_path / "a"), _a_store_file(tmp_path / "b")
    assert _procs.fork_refusal() is None
    with Store(a) as st, Store(b, read_only=True) as other:
        assert _procs.fork_refusal() is None  # no connection yet
        assert st.count() == 0  # opens the connection (and DuckDB's worker threads)
        assert _procs.fork_refusal() == f"a DuckDB store is open ({a})"
        assert _procs.fork_context() is None
        assert other.count() == 0
        assert _procs.fork_refusal() == f"a DuckDB store is open ({a}, {b})"
        st.close()
        assert _procs.fork_refusal() == f"a DuckDB store is open ({b})"
    assert _procs.fork_refusal() is None


@pytest.mark.skipif(not LINUX, reason="the report forks its second lane on Linux only")
def test_an_open_store_keeps_the_report_in_one_lane(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from liqcascade.data import Store

    _no_python_threads_nor_numba(monkeypatch)
    jobs = _stand_in_jobs(monkeypatch)
    ctx = ReportContext(asset="ETH", assets=("ETH", "BTC"))
    with Store(_a_store_file(tmp_path / "a")) as st:
        assert st.count() == 0  # open
        assert _procs.fork_refusal() is not None
        done = run_all(jobs, ctx, _render, workers=2)
    assert [d.job.sid for d in done] == [j.sid for j in jobs]
    assert {d.lane for d in done} == {0}
    assert {d.section.summary["pid"] for d in done} == {os.getpid()}


@pytest.mark.skipif(not LINUX, reason="/proc/self/task: the fork rule is checked on Linux")
def test_pyarrows_native_threads_do_not_refuse_a_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    """Arrow resets its thread pools in a forked child, and its jemalloc registers
    pthread_atfork handlers: the report's fork with them running stays allowed."""
    import pyarrow.parquet as pq

    _no_python_threads_nor_numba(monkeypatch)
    parquet = ROOT / "src/liqcascade/data/bundled/_files/eth_1h.parquet"
    rows = pq.read_table(parquet).num_rows
    assert rows > 0
    assert _os_threads() > 1  # Arrow's pool threads (and, in Linux wheels, jemalloc's)
    assert _procs.fork_refusal() is None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # Python 3.12+: native threads
        pid = os.fork()
    if pid == 0:  # the child reads through Arrow's pool, as the forked lane does
        signal.alarm(60)  # a pool left waiting for its parent's threads ends the child
        ok = False
        try:
            ok = pq.read_table(parquet, use_threads=True).num_rows == rows
        except BaseException:
            pass
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


# ---------------------------------------------------------------- bootstrap refits

_SMALL = {"n_sobol": 8, "n_local": 2, "maxiter": 40, "restarts": 0}


@pytest.fixture(scope="module")
def eth_fit() -> tuple[Any, Any, Any, Any]:
    from liqcascade.market._inputs import load_market_frames

    eth = load_market_frames("ETH", "4h", None)
    t0, t1 = to_utc("2024-11-13"), to_utc("2025-01-01") - pd.Timedelta(microseconds=1)
    fit = _likelihood.fit_book(eth, t0, t1, **_SMALL)  # type: ignore[arg-type]
    return eth, t0, t1, fit.params


def _values(fits: list[Any]) -> list[list[float]]:
    return [list(p.to_dict().values()) for p in fits]


def test_refits_in_spawned_workers_equal_the_serial_ones(
    eth_fit: tuple[Any, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    eth, t0, t1, best = eth_fit
    asked: list[str] = []
    real = _procs.pool_context

    def spy() -> Any:
        ctx = real()
        asked.append(ctx.get_start_method())
        return ctx

    monkeypatch.setattr(_procs, "pool_context", spy)
    kw = {"n": 2, "seed": 3, **_SMALL}
    serial = _likelihood.bootstrap_fits(eth, t0, t1, best, **kw)  # type: ignore[arg-type]
    assert asked == []  # jobs=1: no pool
    pooled = _likelihood.bootstrap_fits(eth, t0, t1, best, jobs=2, **kw)  # type: ignore[arg-type]
    assert asked == ["spawn"]
    # the same code on the same task in a fresh interpreter: equal up to the last bits
    # a different CPU dispatch could move (none here: the kernels do not reduce in parallel)
    assert_same(_values(pooled), _values(serial), rtol=1e-12)
    assert pooled[0].scale != pooled[1].scale  # two resamples, two refits


_PARENT = os.getpid()
_REAL_REFIT = _likelihood._refit


def _dying_refit(task: tuple[Any, ...]) -> Any:
    """A worker's refit that kills its worker (pickled by name; runs in a forked child)."""
    if os.getpid() != _PARENT:
        os._exit(3)
    return _REAL_REFIT(task)


@pytest.mark.skipif(not LINUX, reason="a forked pool carries the stand-in into its workers")
def test_a_broken_pool_leaves_the_refits_to_this_process(
    eth_fit: tuple[Any, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    import multiprocessing

    eth, t0, t1, best = eth_fit
    kw = {"n": 2, "seed": 3, **_SMALL}
    serial = _likelihood.bootstrap_fits(eth, t0, t1, best, **kw)  # type: ignore[arg-type]
    monkeypatch.setattr(_procs, "pool_context", lambda: multiprocessing.get_context("fork"))
    monkeypatch.setattr(_likelihood, "_refit", _dying_refit)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # Python 3.12+: fork with threads
        with pytest.warns(RuntimeWarning, match=r"the other 2 refits run in this process"):
            got = _likelihood.bootstrap_fits(eth, t0, t1, best, jobs=2, **kw)  # type: ignore[arg-type]
    assert _values(got) == _values(serial)  # the same refits, all run here


# ---------------------------------------------------------------- the report's lanes


def _stand_in_jobs(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """A market-lane section and four queued ones, each returning its process id."""

    def section(ctx: ReportContext) -> Section:
        return Section(id="x", title="", summary={"pid": os.getpid(), "asset": ctx.asset})

    mod = types.ModuleType("stand_in_lane_sections")
    mod.section = section  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, mod.__name__, mod)
    specs = [SectionSpec("cascade", "C", mod.__name__, "", scope="asset")] + [
        SectionSpec(f"q{i}", "Q", mod.__name__, "", scope="asset") for i in range(2)
    ]
    return plan(specs, ("ETH", "BTC"))[0]


def _render(section: Section) -> dict[str, Any]:
    return {}


def test_one_lane_off_linux_runs_every_job_here(monkeypatch: pytest.MonkeyPatch) -> None:
    jobs = _stand_in_jobs(monkeypatch)
    monkeypatch.setattr(_procs.sys, "platform", "darwin")
    ctx = ReportContext(asset="ETH", assets=("ETH", "BTC"))
    done = run_all(jobs, ctx, _render, workers=2)
    assert [d.job.sid for d in done] == [j.sid for j in jobs]
    assert {d.lane for d in done} == {0}
    assert {d.section.summary["pid"] for d in done} == {os.getpid()}
    assert [d.section.summary["asset"] for d in done] == [j.asset for j in jobs]


LANES_SCRIPT = r"""
import json, multiprocessing, os, sys, time, types

multiprocessing.set_start_method(sys.argv[1], force=True)  # the default the report ignores

from liqcascade.report._registry import SectionSpec
from liqcascade.report._run import plan, run_all
from liqcascade.report._section import ReportContext, Section


def section(ctx):
    return Section(id="x", title="", summary={"pid": os.getpid()})


def pinned(ctx):  # a market-lane section: it ends once the forked lane took a queued one
    from liqcascade.report import _run

    deadline = time.monotonic() + 60  # instant sections: the main lane took them all first
    while _run._NEXT is not None and _run._NEXT.value == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    return section(ctx)


def render(section):  # module-level: the forked lane's call is pickled
    return {}


mod = types.ModuleType("stand_in_lane_sections")
mod.section, mod.pinned = section, pinned
sys.modules[mod.__name__] = mod
specs = [SectionSpec("cascade", "C", mod.__name__, "", builder="pinned", scope="asset")] + [
    SectionSpec(f"q{i}", "Q", mod.__name__, "", scope="asset") for i in range(2)
]
jobs, _ = plan(specs, ("ETH", "BTC"))
done = run_all(jobs, ReportContext(asset="ETH", assets=("ETH", "BTC")), render, workers=2)
pids = {d.job.sid: d.section.summary["pid"] for d in done}
print(json.dumps({"main": os.getpid(), "pids": pids, "lanes": {d.job.sid: d.lane for d in done}}))
"""


@pytest.mark.skipif(not LINUX, reason="the report forks its second lane on Linux only")
def test_the_report_forks_its_lane_whatever_the_default_start_method(tmp_path: Path) -> None:
    # Python 3.14 makes "forkserver" Linux's default; "spawn" is macOS's and Windows'
    out = subprocess.run(
        [sys.executable, "-c", LANES_SCRIPT, "forkserver"],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["lanes"]["cascade"] == 0 and got["lanes"]["cascade-btc"] == 0
    assert got["pids"]["cascade"] == got["main"]
    forked = {sid for sid, lane in got["lanes"].items() if lane == 1}
    assert forked, "the second lane took no section"  # 4 queued sections, 2 lanes
    assert {got["pids"][s] for s in forked} - {got["main"]}  # in another process


# ---------------------------------------------------------------- the cascade's thread


@pytest.mark.skipif(not LINUX, reason="os.fork")
def test_the_cascades_preparation_thread_survives_a_fork() -> None:
    from liqcascade.cascade import _prepare

    assert _prepare._pool().submit(int, "1").result() == 1  # the parent's thread exists
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # Python 3.12+: fork with threads
        pid = os.fork()
    if pid == 0:  # the child: before the at-fork rule, its submit waited forever
        ok = False
        try:
            ok = _prepare._pool().submit(int, "2").result(timeout=10) == 2
        except BaseException:
            pass
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_the_report_command_on_a_terminal_leaves_its_lane_free_to_fork(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a terminal the command showed rich's status spinner, whose refresh thread ran
    through the report: ``fork_refusal`` saw it and every interactive report ran one
    lane (the second lane's sections, about half the CPU, waited for the first); piped or
    with -q it ran two."""
    import liqcascade.report
    from clihelpers import run_cli
    from liqcascade._cli import _common

    def threads() -> set[str]:
        return {t.name for t in threading.enumerate()}

    before, seen = threads(), []  # the session's own threads (an earlier test's, pytest's)

    def stand_in(out: Path, options: Any, **kwargs: Any) -> dict[str, Path]:
        seen.append(threads() - before)
        kwargs["on_section"]("data", 0.25)  # the status line follows the sections
        seen.append(threads() - before)
        out.mkdir()
        for name in ("report.html", "summary.json"):
            (out / name).write_text("{}")
        return {"html": out / "report.html", "summary": out / "summary.json"}

    monkeypatch.setattr(liqcascade.report, "run_report", stand_in)
    monkeypatch.setattr(_common.stderr, "_force_terminal", True)
    monkeypatch.setattr(_common.stderr, "is_interactive", True)  # rich draws the status
    r = run_cli("report", "--section", "data", "--out", str(tmp_path / "r"))
    assert r.exit_code == 0, r.stderr
    assert seen == [set(), set()]  # no thread of its own: the report may fork its lane
    assert "report" in r.stderr and "done: data (0.2s)" in r.stderr  # the status was shown


# ---------------------------------------------------------------- one lane, said


def test_one_lane_for_a_reason_of_the_process_is_said(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two cores but a thread running: one lane, and a warning naming the thread."""
    from liqcascade.report._run import workers_default

    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1}, raising=False)
    monkeypatch.setattr(_procs.sys, "platform", "linux")
    stop = threading.Event()
    t = threading.Thread(target=stop.wait, name="notebook-kernel")
    t.start()
    try:
        with pytest.warns(RuntimeWarning, match=r"one lane, not two \(other threads .*notebook"):
            assert workers_default() == 1
    finally:
        stop.set()
        t.join()


def test_one_lane_of_the_platform_or_one_core_is_not_warned(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from liqcascade.report._run import workers_default

    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0}, raising=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert workers_default() == 1  # one core
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1}, raising=False)
    monkeypatch.setattr(_procs.sys, "platform", "darwin")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert workers_default() == 1  # macOS: no safe fork, nothing the user can change


@pytest.mark.parametrize(
    ("platform", "methods", "refusal"),
    [
        ("darwin", ["fork", "spawn"], "no safe fork on darwin (Linux only)"),
        ("linux", ["spawn", "forkserver"], "this Python has no fork"),
    ],
)
def test_platform_forks_is_fork_refusals_platform_part(
    monkeypatch: pytest.MonkeyPatch, platform: str, methods: list[str], refusal: str
) -> None:
    """One rule (session 24): ``platform_forks`` is False exactly where the platform refuses.

    ``platform_forks`` repeated ``fork_refusal``'s first two checks; both read
    ``_platform_refusal`` now, so a change to the platform rule reaches both.
    """
    monkeypatch.setattr(_procs.sys, "platform", platform)
    monkeypatch.setattr(_procs.multiprocessing, "get_all_start_methods", lambda: methods)
    assert _procs.fork_refusal() == refusal
    assert _procs.platform_forks() is False
    monkeypatch.setattr(_procs, "_platform_refusal", lambda: "a stand-in platform rule")
    assert _procs.fork_refusal() == "a stand-in platform rule"
    assert _procs.platform_forks() is False
    monkeypatch.setattr(_procs, "_platform_refusal", lambda: None)
    assert _procs.platform_forks() is True
