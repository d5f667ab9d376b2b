"""numpy's and scipy's BLAS run on one thread in the command line and in the suite
(``liqcascade._blas``): threaded BLAS ends arch's fits a few digits apart by core count."""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys
import textwrap

import pytest

from liqcascade._blas import BLAS_THREAD_VARIABLES, pin_blas

_PROBE = textwrap.dedent(
    """
    import ctypes

    def blas_threads():
        '''{library file: threads} of the OpenBLAS builds numpy and scipy loaded.'''
        import numpy, scipy.linalg  # noqa: F401  (both load their BLAS)
        libs = sorted({ln.split()[-1] for ln in open("/proc/self/maps") if "openblas" in ln})
        out = {}
        for path in libs:
            lib = ctypes.CDLL(path)
            for name in ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads",
                         "openblas_get_num_threads64_", "openblas_get_num_threads"):
                f = getattr(lib, name, None)
                if f is not None:
                    out[path.rsplit("/", 1)[-1]] = int(f())
                    break
        return out
    """
)


_PRINT = "\nimport json\nprint(json.dumps(blas_threads()))"


def _threads_in(code: str, env: dict[str, str]) -> dict[str, int]:
    r = subprocess.run(
        [sys.executable, "-c", _PROBE + textwrap.dedent(code) + _PRINT],
        env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    found: dict[str, int] = json.loads(r.stdout.strip().splitlines()[-1])
    if not found:
        pytest.skip("no OpenBLAS loaded (numpy built against another BLAS)")
    return found


def _bare_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in BLAS_THREAD_VARIABLES}
    env["PYTHONPATH"] = os.pathsep.join(sys.path)
    return env


@pytest.mark.skipif(not os.path.exists("/proc/self/maps"), reason="reads /proc/self/maps")
def test_python_m_liqcascade_cli_takes_the_same_entry() -> None:
    """review15 #2: ``python -m liqcascade.cli`` (and older installs' console script)
    called cli.main without the pin."""
    code = """
    import sys
    import liqcascade.cli as cli
    cli.main = lambda argv=None: 0
    cli.leave = lambda code: None
    cli._entry()
    """
    found = _threads_in(code, _bare_env())
    assert set(found.values()) == {1}, found


@pytest.mark.skipif(not os.path.exists("/proc/self/maps"), reason="reads /proc/self/maps")
def test_the_console_entry_runs_blas_on_one_thread() -> None:
    """What ``liqcascade`` does before the command line loads, then numpy and scipy."""
    code = """
    import sys
    import liqcascade.__main__ as entry
    from liqcascade import cli
    cli.main = lambda argv=None: 0  # the command itself is not the point
    cli.leave = lambda code: None
    entry.main()
    """
    found = _threads_in(code, _bare_env())
    assert set(found.values()) == {1}, found


@pytest.mark.skipif(
    not os.path.exists("/proc/self/maps") or len(os.sched_getaffinity(0)) < 2,
    reason="reads /proc/self/maps; needs two cores",
)
def test_the_probe_sees_a_count_above_one() -> None:
    """The probe can tell: a user's own count (here 2) is what BLAS runs on."""
    found = _threads_in("", {**_bare_env(), "OPENBLAS_NUM_THREADS": "2"})
    assert set(found.values()) == {2}, found


def test_a_users_own_count_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "3")
    monkeypatch.delenv("MKL_NUM_THREADS", raising=False)
    pin_blas()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "3" and os.environ["MKL_NUM_THREADS"] == "1"
    pin_blas(override=True)
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1"


def test_this_suite_runs_blas_on_one_thread() -> None:
    """conftest pins BLAS before numpy loads: the suite's fits are the command line's."""
    import numpy  # noqa: F401

    assert all(os.environ[v] == "1" for v in BLAS_THREAD_VARIABLES)
    libs = sorted({ln.split()[-1] for ln in open("/proc/self/maps") if "openblas" in ln})
    if not libs:
        pytest.skip("no OpenBLAS loaded")
    lib = ctypes.CDLL(libs[0])
    get = getattr(lib, "scipy_openblas_get_num_threads64_", None) or getattr(
        lib, "openblas_get_num_threads", None
    )
    if get is None:
        pytest.skip("this OpenBLAS build names its thread getter otherwise")
    assert get() == 1


def _counts_in(code: str) -> list[dict[str, int]]:
    """The thread counts ``code`` prints (one JSON line each, via ``blas_threads()``)."""
    r = subprocess.run(
        [sys.executable, "-c", _PROBE + textwrap.dedent(code)],
        env=_bare_env(), capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    seen = [json.loads(ln) for ln in r.stdout.strip().splitlines() if ln.startswith("{")]
    if not seen or not seen[0]:
        pytest.skip("no OpenBLAS loaded (numpy built against another BLAS)")
    return seen


@pytest.mark.skipif(
    not os.path.exists("/proc/self/maps") or len(os.sched_getaffinity(0)) < 2,
    reason="reads /proc/self/maps; needs two cores",
)
def test_a_library_report_runs_blas_on_one_thread_and_restores_it() -> None:
    """review24: ``build_report`` from Python ran BLAS on every core (``het_arch`` on
    75,000 hourly bars 0.78 s of CPU against 0.17 s), with figures other than the
    command line's; it now pins BLAS for the call, and gives the count back."""
    code = """
    import json
    import liqcascade.report._build as build
    print(json.dumps(blas_threads()))
    build.run_report = lambda *a, **k: print(json.dumps(blas_threads())) or {}
    build.build_report("unused", sections=("support",))
    print(json.dumps(blas_threads()))
    """
    before, inside, after = _counts_in(code)
    assert set(inside.values()) == {1}, inside
    assert after == before and max(before.values()) >= 2, before


def test_one_blas_thread_keeps_a_users_own_count(monkeypatch: pytest.MonkeyPatch) -> None:
    """An environment that names a count (this suite's conftest does) is left alone."""
    from liqcascade import _blas

    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "3")
    monkeypatch.setattr(_blas, "_loaded_openblas", lambda: pytest.fail("BLAS was touched"))
    with _blas.one_blas_thread():
        pass
