"""A fresh Python process for each run, without paying the numeric stack's imports each time.

The documentation tests (tests/test_doc_snippets.py, tests/test_readme_blocks.py) run
each snippet and each ``liqcascade`` command of the pages as a user does, in a new
interpreter: ``python -c CODE`` or ``python -m liqcascade ...``. About 2.3 s of the
3.4 s of CPU of ``liqcascade margin liq-price`` was numpy, pandas, pyarrow, scipy,
numba, typer and rich importing, and numba loading its registries for the first
kernel (arch and statsmodels another second where a fit runs): the same modules every
time, before the first line of the command ran.

:func:`run` runs the same command in a process forked from a *warm* server: a Python
started once per test module that has imported those third-party modules
(:data:`PRELOADED`; nothing of liqcascade) and then waits. Each run is its own child
process, forked from that idle server: it gets the run's environment, working folder, ``sys.argv``,
``sys.path`` (the run's ``PYTHONPATH`` ahead of the interpreter's own), stdin from
``/dev/null``, stdout and stderr in files (or stderr into stdout), a fresh ``__main__``
module, and it imports ``liqcascade`` and everything else for itself; it ends as an
interpreter does (non-daemon threads joined, ``atexit`` handlers run, streams flushed)
with the exit code ``python`` would give (1 on an uncaught exception, its traceback on
stderr; a ``SystemExit``'s code). No two runs share anything but the modules the server
imported before any run, so a snippet that forgets ``import liqcascade`` or a top-level
``import numpy`` still fails, and a command still reads its environment (``COLUMNS``,
``HOME``, ``LIQCASCADE_STORE``) when it starts, as it would in a new interpreter.

Known leniencies of a warm run, none of them used by a page today: a *submodule* the
preloads imported is already an attribute of its package (``import pyarrow as pa;
pa.parquet`` works warm and fails cold, likewise ``rich.table``); the child ends with
``os._exit`` after the interpreter's own exit steps, so a crash in a late finaliser goes
unseen; a warning the preloads printed once is not printed again. A page's snippet
should import what it uses explicitly (``import pyarrow.parquet as pq``).

What could differ from a new interpreter is only what the preloaded modules read from
the environment while they import (numba's ``NUMBA_*``, BLAS's thread counts, typer's
``FORCE_COLOR``, arch's ``ARCH_DISABLE_NUMBA``, the locale): a run whose environment
differs from the server's in any variable other than :data:`FREE` (variables those
modules do not read) is run by :func:`subprocess.run` instead, as is any command other
than ``python -c`` / ``python -m`` with this interpreter, and everything off Linux. The
subprocess path itself stays covered by the CLI tests that start ``python -m liqcascade``
(tests/test_cli_startup.py, tests/test_cli_closed_pipe.py,
tests/test_cli_usage_sigint_ignored.py) and by ``tools/readme_blocks.py --check`` run as
a command.
"""

from __future__ import annotations

import atexit
import json
import locale
import os
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

__all__ = ["FREE", "PRELOADED", "run", "stop"]

#: The modules the server imports once (third-party only: none reads the variables in
#: :data:`FREE` while it imports; rich reads ``COLUMNS``, ``TERM`` and ``NO_COLOR`` when a
#: console is made, in the run).
PRELOADED = (
    "numpy",
    "pandas",
    "pyarrow",
    "pyarrow.compute",
    "pyarrow.dataset",
    "pyarrow.parquet",
    "scipy.optimize",
    "scipy.special",
    "scipy.stats",
    "numba",
    "arch",
    "statsmodels.stats.diagnostic",
    "typer",
    "rich.console",
    "rich.table",
)

#: Variables a run may set differently from the server (read by the run, not by the
#: preloaded modules as they import); ``PYTHONPATH`` and ``PYTHONUNBUFFERED`` are applied
#: in the child as the interpreter applies them at start.
FREE = frozenset(
    {"HOME", "PWD", "OLDPWD", "COLUMNS", "LINES", "NO_COLOR", "TERM", "MPLBACKEND",
     "PYTHONPATH", "PYTHONUNBUFFERED"}
)  # fmt: skip
_FREE_PREFIXES = ("LIQCASCADE_", "PYTEST_")

_SERVER = r"""
import importlib, json, os, sys
for name in json.loads(sys.argv[1]):
    importlib.import_module(name)
# numba's typing and target registries, loaded on the first kernel a process compiles
# or loads from its cache (numba's own modules, the same for every process)
from numba.core.registry import cpu_target
cpu_target.typing_context.refresh()
cpu_target.target_context.refresh()
base_path = list(sys.path)
own = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
own += [os.path.abspath(p) for p in own]
base_path = [p for p in base_path if p not in ("", *own)]
sys.stdout.write('"ready"\n')
sys.stdout.flush()
for line in sys.stdin:
    req = json.loads(line)
    pid = os.fork()
    if pid == 0:
        try:
            code = _child(req, base_path)
        except BaseException:
            code = 70
        os._exit(code)
    sys.stdout.write(json.dumps({"pid": pid}) + "\n")
    sys.stdout.flush()
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(json.dumps({"status": os.waitstatus_to_exitcode(status)}) + "\n")
    sys.stdout.flush()
"""

_CHILD = r"""
def _child(req, base_path):
    import io, os, runpy, sys, types, traceback
    os.setpgid(0, 0)
    env = req["env"]
    os.environ.clear()
    os.environ.update(env)
    os.chdir(req["cwd"])
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    out = os.open(req["stdout"], flags, 0o600)
    os.dup2(out, 1)
    os.dup2(out if req["stderr"] is None else os.open(req["stderr"], flags, 0o600), 2)
    unbuffered = bool(env.get("PYTHONUNBUFFERED"))
    enc = sys.stdout.encoding
    def stream(fd, mode, errors, line):
        raw = io.FileIO(fd, mode, closefd=False)
        buf = raw if unbuffered and mode == "wb" else (
            io.BufferedReader(raw) if mode == "rb" else io.BufferedWriter(raw))
        return io.TextIOWrapper(buf, encoding=enc, errors=errors, line_buffering=line,
                                write_through=unbuffered and mode == "wb")
    sys.stdin = sys.__stdin__ = stream(0, "rb", "strict", False)
    sys.stdout = sys.__stdout__ = stream(1, "wb", "strict", False)
    sys.stderr = sys.__stderr__ = stream(2, "wb", "backslashreplace", True)
    own = [os.path.abspath(p) for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    main = types.ModuleType("__main__")
    sys.modules["__main__"] = main
    code = 0
    try:
        try:
            if req["mode"] == "-c":
                sys.argv = ["-c", *req["args"]]
                sys.path[:] = ["", *own, *base_path]
                main.__dict__["__builtins__"] = __builtins__
                exec(compile(req["code"], "<string>", "exec"), main.__dict__)
            else:
                sys.argv = ["-m", *req["args"]]
                sys.path[:] = [os.getcwd(), *own, *base_path]
                runpy._run_module_as_main(req["code"], alter_argv=True)
        except SystemExit as exc:
            c = exc.code
            if c is None:
                code = 0
            elif isinstance(c, int):
                code = c & 0xFF
            else:
                print(c, file=sys.stderr)
                code = 1
        except BaseException as exc:
            tb = exc.__traceback__.tb_next  # from the run's own first frame, as python shows it
            traceback.print_exception(type(exc), exc, tb)
            code = 1
        import threading
        threading._shutdown()
        import atexit
        atexit._run_exitfuncs()
    finally:
        for s in (sys.stdout, sys.stderr):
            try:
                s.flush()
            except Exception:
                pass
    return code
"""


class _Server:
    """The warm interpreter of this test process (one, started on first use)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = dict(env)
        source = _CHILD + _SERVER
        self.proc = subprocess.Popen(
            [sys.executable, "-c", source, json.dumps(PRELOADED)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=self.env,
            text=True,
        )
        self.pending = b""
        if self._reply(time.monotonic() + 600) != "ready":  # pragma: no cover
            raise RuntimeError("the warm interpreter did not start")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        if self.alive():
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            self.proc.wait(timeout=30)

    def _reply(self, deadline: float | None) -> dict[str, Any] | None:
        """The server's next line (its own buffer: select() sees the pipe, not Python's)."""
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.pending:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([fd], [], [], wait)
            if not ready:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:  # pragma: no cover
                raise RuntimeError("the warm interpreter ended")
            self.pending += chunk
        line, _, self.pending = self.pending.partition(b"\n")
        return json.loads(line)

    def run(self, req: dict[str, Any], timeout: float | None) -> int:
        """The child's exit code (negative: the signal that ended it)."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        started = self._reply(None)
        assert started is not None
        deadline = None if timeout is None else time.monotonic() + timeout
        done = self._reply(deadline)
        if done is None:
            os.killpg(started["pid"], 9)
            self._reply(None)
            raise subprocess.TimeoutExpired(req["args"], timeout or 0.0)
        return int(done["status"])


_servers: list[_Server] = []
#: The keywords of :func:`subprocess.run` a warm run takes (any other: a cold run).
_KEYWORDS = frozenset(
    {"cwd", "env", "timeout", "text", "encoding", "check", "capture_output", "stdin",
     "stdout", "stderr"}
)  # fmt: skip


def _server_for(env: dict[str, str]) -> _Server | None:
    """The warm server, started with this run's environment when there is none yet;
    None when the run's environment differs from the server's in a variable not FREE."""
    if not _servers or not _servers[0].alive():
        _servers[:] = [_Server(env)]
        atexit.register(_servers[0].close)
    have = _servers[0].env
    keys = (set(have) | set(env)) - FREE
    if any(have.get(k) != env.get(k) for k in keys if not k.startswith(_FREE_PREFIXES)):
        return None
    return _servers[0]


def stop() -> None:
    """End the warm server (a module's teardown: its children's CPU is then counted
    in this process's, as a test's subprocesses are)."""
    for server in _servers:
        server.close()
    _servers.clear()


def _request(args: list[str]) -> tuple[str, str, list[str]] | None:
    """(mode, code or module, sys.argv[1:]) of ``python -c CODE ...`` / ``python -m M ...``."""
    if len(args) >= 3 and args[0] == sys.executable and args[1] in ("-c", "-m"):
        return args[1], args[2], list(args[3:])
    return None


def run(args: list[str], **kw: Any) -> subprocess.CompletedProcess[Any]:
    """:func:`subprocess.run` for ``[sys.executable, "-c" | "-m", ...]``, forked warm.

    Parameters
    ----------
    args : list of str
        The command; anything but this interpreter with ``-c`` or ``-m`` (or off Linux)
        is passed to :func:`subprocess.run` unchanged, as is every keyword below.
    **kw
        ``cwd``, ``env``, ``timeout``, ``text``/``encoding``, ``check`` and the streams
        as :func:`subprocess.run` takes them: stdin ``DEVNULL`` or none, stdout ``PIPE``
        (or ``capture_output=True``), stderr ``PIPE`` or ``STDOUT``.

    Returns
    -------
    subprocess.CompletedProcess
        As :func:`subprocess.run` returns it.
    """
    req = _request([str(a) for a in args]) if sys.platform.startswith("linux") else None
    capture = kw.get("capture_output", False)
    stdout = subprocess.PIPE if capture else kw.get("stdout")
    stderr = subprocess.PIPE if capture else kw.get("stderr")
    env = {str(k): str(v) for k, v in (kw.get("env") or os.environ).items()}
    supported = (
        req is not None
        and kw.get("stdin") in (None, subprocess.DEVNULL)
        and kw.get("input") is None
        and stdout == subprocess.PIPE
        and stderr in (subprocess.PIPE, subprocess.STDOUT)
        and set(kw) <= _KEYWORDS
    )
    server = _server_for(env) if supported else None
    if server is None or req is None:
        return subprocess.run(args, **kw)
    mode, code, argv = req
    with tempfile.TemporaryDirectory(prefix="warm") as tmp:
        out, err = Path(tmp) / "out", Path(tmp) / "err"
        status = server.run(
            {
                "mode": mode,
                "code": code,
                "args": argv,
                "env": env,
                "cwd": str(Path(kw.get("cwd") or os.getcwd()).resolve()),
                "stdout": str(out),
                "stderr": None if stderr == subprocess.STDOUT else str(err),
            },
            kw.get("timeout"),
        )
        text = kw.get("text") or kw.get("encoding") is not None
        enc = kw.get("encoding") or None

        def read(p: Path) -> Any:
            if not p.exists():
                return "" if text else b""
            data = p.read_bytes()
            if not text:
                return data
            # subprocess.run(text=True) decodes with universal newlines
            return (
                data.decode(enc or locale.getpreferredencoding(False))
                .replace("\r\n", "\n")
                .replace("\r", "\n")
            )

        result = subprocess.CompletedProcess(
            args, status, read(out), None if stderr == subprocess.STDOUT else read(err)
        )
    if kw.get("check"):
        result.check_returncode()
    return result
