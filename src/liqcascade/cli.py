"""The ``liqcascade`` command line (typer + rich).

Exit codes: 0 success; 2 bad input or usage (one line ``error: …`` on stderr);
3 a check that says no (a proof ``pol verify`` refuses, an alert ``diff`` fires); 4 no
live data (``watch`` ran to ``--max-iterations`` and no venue answered in any interval;
``data fetch`` could not reach its venue: network errors or rate limits past the
retries, one line ``error: …``); 5 the store was busy (another process held it open
for longer than ``$LIQCASCADE_STORE_WAIT_S``, default 30 s: one line ``error: …``; try
again later);
130 aborted or interrupted
(Ctrl-C, SIGINT: one line ``error: interrupted…`` on stderr, whatever the command and
whenever it comes; see :func:`main`); 1 an unexpected internal error, and nothing else.
"""

from __future__ import annotations

import errno
import functools
import importlib
import os
import sys
from typing import Annotated, Any, NoReturn

import click
import typer
import typer.main

from liqcascade._cli import (
    BEFORE_START,
    EXIT_INTERRUPTED,
    EXIT_NO_LIVE_DATA,
    EXIT_STORE_BUSY,
    _common,
    write_stderr_line,
)
from liqcascade._cli._fraction_options import guard_fraction_options
from liqcascade._cli._help import HelpGroup
from liqcascade._cli._int_options import guard_int_options
from liqcascade._cli._number_hints import guard_number_options
from liqcascade._cli._repeated_options import refuse_repeated_options
from liqcascade._cli._sigint import interrupts_not_dropped
from liqcascade._store_reads import shared_store_reads
from liqcascade._version import __version__
from liqcascade.errors import InputError, StoreBusy, VenueUnreachable

# typer >= 0.20 vendors its own copy of click: catch both.
_CLICK_ERRORS: tuple[type[Exception], ...] = (click.ClickException,)
try:
    from typer._click.exceptions import ClickException as _TyperClickException

    _CLICK_ERRORS = (click.ClickException, _TyperClickException)
except ImportError:  # pragma: no cover - older typer uses click itself
    pass
_ABORTS = (click.exceptions.Abort, typer.Abort)
_EXITS = (click.exceptions.Exit, typer.Exit)


class _Interrupted(Exception):
    """Ctrl-C inside a command, carried past typer to :func:`main` with its line.

    typer turns a :class:`KeyboardInterrupt` raised by a command into a silent exit
    130; this one it lets through. ``line`` is the interrupt's own message (an
    :class:`~liqcascade.data.IngestInterrupted` says what was stored) or
    ``"interrupted"``.
    """

    def __init__(self, line: str) -> None:
        super().__init__(line)
        self.line = line


def _interrupt_line(exc: BaseException | None) -> str:
    """What a Ctrl-C prints after ``error: ``: the interrupt's message, else ``interrupted``."""
    text = "" if exc is None else str(exc).strip()
    return text if isinstance(exc, KeyboardInterrupt) and text else "interrupted"


#: Whether a command's own code has started and is running (set by the callbacks
#: :func:`_track_flags` wraps): an exit 130 that typer returns while none runs came
#: from a Ctrl-C that no command saw (while parsing), one while it runs from the
#: command itself.
_RUNNING = {"started": False, "command": False}

# Each module registers its commands on the app; order is the order of --help. A run
# imports only the module of the command it runs (the startup stays light: `--version`
# and `pol build` need neither pandas nor numba); --help and unknown commands load all,
# each light: a module imports the library inside its commands, and a help text naming a
# library's registry writes it out (tests/test_cli_help_registries.py checks it agrees).
_COMMAND_MODULES = (
    "report",
    "data",
    "margin",
    "liqmap",
    "cascade",
    "vol",
    "support",
    "stress",
    "solvency",
    "pol",
    "contagion",
    "collateral",
    "stops",
    "diff",
    "watch",
)


# the commands a module registers, where they are not the module's name
_COMMANDS_OF = {"support": ("support-study",)}
_ROOT_FLAGS = {"-v", "--verbose", "-q", "--quiet"}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"liqcascade {__version__}")
        raise typer.Exit()


def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
    verbose: Annotated[
        int,
        typer.Option(
            "-v",
            "--verbose",
            count=True,
            metavar="",
            help="More detail on stderr (a flag: repeat it, -vv, for more; takes no value).",
        ),
    ] = 0,
    quiet: Annotated[
        bool, typer.Option("-q", "--quiet", help="No progress bars or notes.")
    ] = False,
) -> None:
    """Liquidation-cascade risk in crypto derivatives, on real market data."""
    _common.STATE.verbosity = -1 if quiet else verbose


def _modules_for(args: list[str]) -> tuple[str, ...]:
    """The command modules a run with ``args`` needs (all of them when unsure)."""
    for a in args:
        if a == "--version":  # eager: prints and exits before any command
            return ()
        if a in _ROOT_FLAGS or (a.startswith("-v") and set(a[1:]) == {"v"}):
            continue
        for name in _COMMAND_MODULES:
            if a in _COMMANDS_OF.get(name, (name,)):
                return (name,)
        break  # --version, --help, an unknown command: everything (as before)
    return _COMMAND_MODULES


def build_app(modules: tuple[str, ...] = _COMMAND_MODULES) -> typer.Typer:
    """The ``liqcascade`` typer app with the commands of ``modules`` (default: all).

    Parameters
    ----------
    modules : tuple of str, optional
        Names of the command modules under ``liqcascade._cli`` (``"report"``,
        ``"cascade"``, …) whose ``register`` adds their commands, in ``--help`` order;
        default every module.
    """
    app = typer.Typer(
        name="liqcascade",
        help=(
            "Liquidation-cascade risk in crypto derivatives, on real market data.\n\n"
            "Example: liqcascade report --out report"
        ),
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode="rich",
        cls=HelpGroup,  # every help text reflows to the terminal's width
    )
    app.callback()(_root)
    for name in modules:
        importlib.import_module(f"liqcascade._cli.{name}").register(app)
    return app


def __getattr__(name: str) -> Any:
    if name == "app":  # the full app, for tools that introspect it
        return build_app()
    raise AttributeError(f"module 'liqcascade.cli' has no attribute {name!r}")


def _option_flags(command: Any) -> dict[str, str]:
    """Python parameter name -> its long flag, for the options of one click command."""
    flags: dict[str, str] = {}
    for p in getattr(command, "params", ()):
        if getattr(p, "param_type_name", "") != "option" or p.name is None:
            continue
        longs = [o for o in p.opts if o.startswith("--")]
        if longs:
            flags[p.name] = max(longs, key=len)
    return flags


def _track_flags(command: Any) -> None:
    """Make every command record its options' flags and values in ``_common.STATE`` when it runs.

    So an :class:`InputError` naming a library parameter (``param="as_of"``) prints
    with the flag of the command that ran (``--as-of``), and the market's age note says
    a date the command was given. A Ctrl-C inside the command
    leaves it as :class:`_Interrupted`, which :func:`main` prints as one line.
    """
    callback = getattr(command, "callback", None)
    if callback is not None:
        flags = _option_flags(command)
        group = bool(getattr(command, "commands", None))  # the root: options only

        @functools.wraps(callback)
        def run(*args: Any, **kwargs: Any) -> Any:
            _common.STATE.flags, _common.STATE.params = flags, kwargs
            _RUNNING["started"] = _RUNNING["started"] or not group
            _RUNNING["command"] = True
            try:
                out = callback(*args, **kwargs)
            except KeyboardInterrupt as exc:
                raise _Interrupted(_interrupt_line(exc)) from None
            _RUNNING["command"] = False
            return out

        command.callback = run
    for sub in (getattr(command, "commands", None) or {}).values():
        _track_flags(sub)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; map errors to exit codes.

    Parameters
    ----------
    argv : list of str, optional
        The arguments after the program name (default ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit code: 0 success (or help printed); 2 bad input or usage (one line
        ``error: …`` on stderr); a command's own code (3 a proof that does not verify or
        ``diff``'s alert, 4 no live data); 4 a venue that did not answer
        (:class:`~liqcascade.errors.VenueUnreachable`, one line); 5 a store another
        process held past the wait (:class:`~liqcascade.errors.StoreBusy`, one line);
        130 aborted or
        interrupted; 1 an unexpected internal error (one line; the traceback with ``-v``
        or ``LIQCASCADE_DEBUG``). A command's notes (``note: …`` on stderr: the market's
        age, :func:`liqcascade._cli._common.note_at_end`) print after its output, on
        exit 0 only.

    Notes
    -----
    Ctrl-C (SIGINT) is one rule for every command: exit 130 and one line on stderr,
    ``error: `` and the interrupt's message (what a command's own interrupt says, such
    as :class:`~liqcascade.data.IngestInterrupted`'s "interrupted; nothing was stored
    in PATH") or ``error: interrupted``, whether it comes while the command runs (in
    Python or inside a DuckDB query) or as it prints; before the command's own code
    started (while it loads or its arguments are parsed), ``error: interrupted before
    the command started: nothing was done``. A command that handles Ctrl-C itself
    prints its line and exits 130.
    """
    args = sys.argv[1:] if argv is None else argv
    # a Ctrl-C in a callback (numba compiling): sent again; the market's caveats (logged)
    # get the errors' runnable hints while the command runs
    with interrupts_not_dropped(), _common.hinted_warnings():
        return _main(args)


def _main(args: list[str]) -> int:
    """:func:`main` on ``args``, under its Ctrl-C handler."""
    _common.STATE.flags, _common.STATE.aliases, _common.STATE.params = {}, {}, {}
    _common.STATE.notes = []
    _RUNNING["started"] = _RUNNING["command"] = False
    try:
        command = typer.main.get_command(build_app(_modules_for(args)))
        _track_flags(command)
        guard_int_options(command)  # a 5000-digit --seed: our line, not typer's
        guard_fraction_options(command)  # --oi-share 20%: read as 0.2
        guard_number_options(command)  # --entry 95k: "write 95000", not typer's line
        refuse_repeated_options(command, args)  # --pricing a --pricing b: not the last
        with shared_store_reads():  # the command's store look-ups share one connection
            rv = command.main(args=args, prog_name="liqcascade", standalone_mode=False)
        if rv == EXIT_INTERRUPTED and not _RUNNING["command"]:
            # typer's answer to a Ctrl-C outside any command's code (while parsing)
            return _interrupted(None if _RUNNING["started"] else BEFORE_START)
        if isinstance(rv, int) and rv:  # typer.Exit(code) inside a command
            return rv
        _common.end_notes()  # a success: its notes (the market's age), after its output
    except _Interrupted as exc:
        return _interrupted(exc.line)
    except VenueUnreachable as exc:  # not the input's fault: it may work later
        _common.error(_common.error_line(exc))
        return EXIT_NO_LIVE_DATA
    except StoreBusy as exc:  # not the input's fault either: another process held the store
        _common.error(_common.error_line(exc))
        return EXIT_STORE_BUSY
    except InputError as exc:
        _common.error(_common.error_line(exc))
        return 2
    except _ABORTS:
        _common.error("aborted")
        return EXIT_INTERRUPTED
    except _CLICK_ERRORS as exc:  # usage errors: unknown option, bad value
        msg = _usage_message(exc)
        if not msg:  # no arguments: help was printed
            return 0
        _common.error(msg)
        return 2
    except _EXITS as exc:
        return int(exc.exit_code)
    except KeyboardInterrupt:  # before the command was built or parsed
        return _interrupted(BEFORE_START)
    except Exception as exc:  # an internal error: one line, traceback only with -v
        if _duckdb_interrupt(exc) or _kernel_interrupt(exc):  # Ctrl-C in DuckDB or numba
            return _interrupted(None)
        if (  # a user's path; one the package built with no name attached stays internal
            isinstance(exc, OSError) and exc.errno == errno.ENAMETOOLONG and exc.filename
        ):
            _common.error(f"{exc.filename}: {exc.strerror} (a path the system cannot hold)")
            return 2
        if _common.STATE.verbosity > 0 or os.environ.get("LIQCASCADE_DEBUG"):
            raise
        _common.error(
            f"internal error: {type(exc).__name__}: {exc} (for the traceback, put -v "
            "before the command: liqcascade -v COMMAND ...)"
        )
        return 1
    return 0


def _interrupted(line: str | None) -> int:
    """Print the one line of a Ctrl-C (``error: interrupted`` without one); exit 130."""
    _common.error(line or "interrupted")
    return EXIT_INTERRUPTED


#: How close (difflib's ratio) an option must be to an unknown one to be suggested: click
#: suggests from 0.6, which offered ``--json`` for ``report --store`` and ``--price`` for
#: ``--frobnicate``; typos (``--shok``, ``--as_of``, ``--out-dir``) stay at 0.7 or more.
SUGGEST_RATIO = 0.7


def _usage_message(exc: Exception) -> str:
    """Click's usage error as one line, its suggestions kept only when they are close.

    An unknown ``--store`` gets a note on where the commands without that option find
    the store (``LIQCASCADE_STORE``).
    """
    name = getattr(exc, "option_name", None)
    found = getattr(exc, "possibilities", None)
    if name is None or found is None:
        return str(getattr(exc, "format_message", exc.__str__)()).replace("\n", " ").strip()
    from difflib import SequenceMatcher

    close = [p for p in found if SequenceMatcher(None, name, p).ratio() >= SUGGEST_RATIO]
    msg = str(getattr(exc, "message", "")).strip()
    if close:
        msg += f" (did you mean {' or '.join(close)}?)"
    if name == "--store":
        msg += (
            "; this command reads the store that LIQCASCADE_STORE names (default "
            "~/.liqcascade/store.duckdb)"
        )
    return msg


def _kernel_interrupt(exc: BaseException) -> bool:
    """Whether ``exc`` is a compiled function's report of a Ctrl-C that landed in it.

    A numba dispatcher that returns while a :class:`KeyboardInterrupt` is pending makes
    Python raise ``SystemError: CPUDispatcher(...) returned a result with an exception
    set``, caused by that interrupt (perf16 saw exit 1 and this line for a Ctrl-C during
    the report's cascades).
    """
    return isinstance(exc, SystemError) and isinstance(
        exc.__cause__ or exc.__context__, KeyboardInterrupt
    )


def _duckdb_interrupt(exc: BaseException) -> bool:
    """Whether ``exc`` is DuckDB's answer to Ctrl-C (``RuntimeError: Query interrupted``…).

    DuckDB raises its own errors instead of :class:`KeyboardInterrupt` (see
    :func:`liqcascade.data._store.is_interrupt`); a run that never loaded duckdb
    cannot have had one (and does not load it to ask: the startup stays light).
    """
    if "duckdb" not in sys.modules:
        return False
    from liqcascade.data import is_interrupt

    return is_interrupt(exc)


def leave(code: int) -> NoReturn:
    """End the process with ``code`` once the output is written, without interpreter teardown.

    For the console script only, after :func:`main` returned (tests call :func:`main`
    in-process and never this). Flushes stdout and stderr, runs
    :func:`logging.shutdown` (as its ``atexit`` hook would), then :func:`os._exit`:
    pyarrow's thread pools can abort the interpreter at exit ("terminate called
    without an active exception", SIGABRT, exit 134; apache/arrow#34314, #50482) after
    a command printed its complete output, so ``liqcascade report && upload`` would
    fail after a good run. Output that cannot be written (the reader of a pipe went
    away) makes a success exit 1, with one line on stderr.

    Parameters
    ----------
    code : int
        The exit code, :func:`main`'s.

    Notes
    -----
    What the skipped teardown would have done, and why nothing is lost (checked
    command by command: the ``atexit`` hooks, ``weakref.finalize`` objects, threads
    and child processes alive after :func:`main` returned):

    - DuckDB stores: every command closes its :class:`~liqcascade.data.Store` before
      it returns (``with Store(...)``, ``finally: close()``; ``watch`` and ``refresh``
      close their watcher; the read-only connection the command's look-ups share is
      closed as :func:`main` returns, :mod:`liqcascade._store_reads`), and a committed
      DuckDB transaction is durable without a clean exit anyway. duckdb's own
      ``atexit`` hooks close its default connection, which the package never uses.
    - Worker processes and threads: ``report``'s forked lane
      (``ProcessPoolExecutor``, shut down in a ``finally``), ``liqmap`` bootstrap refits
      (``with ProcessPoolExecutor``), ``stress``'s dask cluster (closed in a
      ``finally``) and ``pol``'s ``ThreadPoolExecutor`` are all joined before the
      command returns; the cascade's preparation thread (``liqcascade-prep``) is idle
      (every job it runs is awaited), and ``concurrent.futures``' exit hook would only
      join it. ``pol``'s numba warm-up thread is a daemon: teardown does not wait for it
      either.
    - ``watch --on-alert``: each alert command is waited for, or its process group
      killed at its timeout or on Ctrl-C, inside the command.
    - Temporary files and folders: removed or moved into place by the code that made
      them (``pol``'s staged tree, the atomic writes of ``_paths``, ``data export``);
      none is left to a ``TemporaryDirectory`` finalizer.
    - numba: its cache files are written when a kernel compiles (each written to a
      temporary name and renamed); its and llvmlite's exit hooks only release memory.
    - logging: :func:`logging.shutdown` runs here. pyarrow's S3 finalizer: no command
      uses S3.
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError) as exc:  # a closed pipe (`| head`), a closed file
            if stream is sys.stdout:
                why = getattr(exc, "strerror", None) or exc
                write_stderr_line(f"error: cannot write the output to stdout: {why}")
                code = code or 1
    if "logging" in sys.modules:
        sys.modules["logging"].shutdown()
    os._exit(code)


def _entry() -> None:
    """The console script of older installs, and ``python -m liqcascade.cli``.

    As :func:`liqcascade.__main__.main` (not imported: it imports this module): BLAS on
    one thread (importing this module loads no numpy, so the pin still holds), then the
    exit without teardown. The early Ctrl-C rule is the console script's only.
    """
    from liqcascade._blas import pin_blas

    pin_blas()
    leave(main())


if __name__ == "__main__":
    _entry()
