"""Ctrl-C is one rule for every command: exit 130 and one line on stderr (live14 finding 5).

It was exit 130 with nothing said for every command but ``data ingest`` (typer turns a
KeyboardInterrupt inside a command into a silent exit 130), and the same for DuckDB's
own answer to Ctrl-C (``RuntimeError: Query interrupted``). Now ``cli.main`` prints
``error: `` and the interrupt's message, or ``error: interrupted``, whenever it comes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from clihelpers import run_cli, terminal_sigint

SRC = Path(__file__).resolve().parents[1] / "src"
BEFORE = "error: interrupted before the command started: nothing was done\n"


def _raise(exc: BaseException) -> Any:
    def f(*_: Any, **__: Any) -> Any:
        raise exc

    return f


def _caused(exc: BaseException, cause: BaseException) -> BaseException:
    exc.__cause__ = cause
    return exc


@pytest.mark.parametrize(
    ("exc", "line"),
    [
        (KeyboardInterrupt(), "error: interrupted"),
        # DuckDB stops a query on SIGINT and raises this instead (was: silent 130)
        (RuntimeError("Query interrupted"), "error: interrupted"),
        # an interrupt that says what it left prints its own message
        (KeyboardInterrupt("interrupted; nothing was stored in x.duckdb"),
         "error: interrupted; nothing was stored in x.duckdb"),
        # a numba kernel that returned with the interrupt pending (was: exit 1, internal)
        (_caused(SystemError("CPUDispatcher(<function grid_walk_nb>) returned a result with "
                             "an exception set"), KeyboardInterrupt()), "error: interrupted"),
    ],
)  # fmt: skip
def test_ctrl_c_inside_a_command_is_130_and_one_line(
    exc: BaseException, line: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import duckdb  # noqa: F401  (loaded, as by any command that read a store)

    import liqcascade.report as diff  # `liqcascade diff` reads load_summary there

    monkeypatch.setattr(diff, "load_summary", _raise(exc))
    r = run_cli("diff", "a", "b")
    assert (r.exit_code, r.stdout, r.stderr) == (130, "", line + "\n")


def test_ctrl_c_while_the_arguments_are_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    """typer answers it with a silent exit 130 (no command's code has run)."""
    import typer.core

    monkeypatch.setattr(typer.core.TyperGroup, "make_context", _raise(KeyboardInterrupt()))
    r = run_cli("diff", "a", "b")
    assert (r.exit_code, r.stdout, r.stderr) == (130, "", BEFORE)


def test_ctrl_c_while_the_command_is_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    import liqcascade.cli as cli

    monkeypatch.setattr(cli, "build_app", _raise(KeyboardInterrupt()))
    r = run_cli("diff", "a", "b")
    assert (r.exit_code, r.stdout, r.stderr) == (130, "", BEFORE)


def test_a_command_that_exits_130_itself_is_not_reported_twice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``data ingest`` prints its own line (what was stored) and exits 130."""
    import typer

    import liqcascade.report as diff  # `liqcascade diff` reads load_summary there

    def own(*_: Any) -> Any:
        typer.echo("error: its own line", err=True)
        raise typer.Exit(130)

    monkeypatch.setattr(diff, "load_summary", own)
    r = run_cli("diff", "a", "b")
    assert (r.exit_code, r.stderr) == (130, "error: its own line\n")


_CHILD = """
import sys
sys.path.insert(0, {src!r})
sys.path.insert(0, {tests!r})
if {offline!r}:  # the watch as without a network, on any machine (a networked one could
    import time  # print the first line before the signal)
    import liqcascade.live._poll as poll
    from test_watch.fake import OfflineExchange
    poll.make_exchange = lambda _id: OfflineExchange(int(time.time() * 1000))
import liqcascade.cli as cli
from pathlib import Path
Path({marker!r}).write_text("ready")  # past Python's own start-up: main answers
sys.exit(cli.main({args!r}))
"""


@pytest.mark.parametrize(
    "args",
    [
        ["contagion", "--preset", "oct-2025"],
        ["watch", "--interval", "1", "--store", "{tmp}/new/s.duckdb"],
    ],
)
def test_a_real_sigint_gives_130_and_one_line(args: list[str], tmp_path: Path) -> None:
    """Was exit 130 and nothing on stderr (the watch: 130 or 0 by timing, silent)."""
    args = [a.format(tmp=tmp_path) for a in args]
    marker = tmp_path / "ready"
    env = {**os.environ, "LIQCASCADE_STORE": str(tmp_path / "none.duckdb"),
           "HOME": str(tmp_path)}  # fmt: skip
    code = _CHILD.format(src=str(SRC), tests=str(SRC.parent / "tests"), marker=str(marker),
                         args=args, offline=args[0] == "watch")  # fmt: skip
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=terminal_sigint)  # fmt: skip
    t0 = time.monotonic()
    # into the command's own work (the watch: it made the new store's folder)
    started = tmp_path / "new" if args[0] == "watch" else marker
    while not started.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() - t0 < 120
        time.sleep(0.02)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (out, err)
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: interrupted"), err
    if args[0] == "watch":
        assert lines[0] == (
            "error: interrupted: the watch stopped before its first line; nothing was stored"
        )


def test_a_system_error_not_caused_by_ctrl_c_stays_an_internal_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import liqcascade.report as diff

    exc = _caused(SystemError("returned a result with an exception set"), ValueError("x"))
    monkeypatch.setattr(diff, "load_summary", _raise(exc))
    r = run_cli("diff", "a", "b")
    assert r.exit_code == 1
    assert r.stderr.startswith("error: internal error: SystemError: returned a result")


def test_an_interrupt_dropped_in_a_callback_is_sent_again() -> None:
    """A Ctrl-C inside a weak-reference callback (numba's type cache, as it compiles)
    was printed as "Exception ignored" and dropped: the command ran on to exit 0."""
    import gc
    import weakref

    from liqcascade._cli._sigint import interrupts_not_dropped

    class Thing:
        pass

    def callback(_ref: object) -> None:
        raise KeyboardInterrupt  # where the signal handler would raise it

    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt), interrupts_not_dropped():
            thing = Thing()
            ref = weakref.ref(thing, callback)
            del thing  # the callback runs: its interrupt is dropped, then sent again
            gc.collect()
            for _ in range(500):  # the resent SIGINT lands within ~10 ms
                time.sleep(0.01)
        assert ref() is None
    finally:
        signal.signal(signal.SIGINT, before)


def test_other_dropped_exceptions_keep_their_hook() -> None:
    from liqcascade._cli._sigint import interrupts_not_dropped

    seen: list[type[BaseException]] = []

    def mine(u: Any) -> None:
        seen.append(u.exc_type)

    before_hook = sys.unraisablehook
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.unraisablehook = mine
    try:
        with interrupts_not_dropped():
            assert sys.unraisablehook is not mine
            sys.unraisablehook(_Unraisable(ValueError, ValueError("x")))
        assert sys.unraisablehook is mine and seen == [ValueError]
    finally:
        sys.unraisablehook = before_hook
        signal.signal(signal.SIGINT, before)


class _Unraisable:
    def __init__(self, exc_type: type[BaseException], exc_value: BaseException) -> None:
        self.exc_type, self.exc_value = exc_type, exc_value
        self.exc_traceback, self.err_msg, self.object = None, None, None
