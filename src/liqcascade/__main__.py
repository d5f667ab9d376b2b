"""The ``liqcascade`` console script (and ``python -m liqcascade``).

A tiny entry: it installs the command line's Ctrl-C rule before it loads anything
heavy (the command line imports typer and rich, a command numpy, pandas and numba: a
second or more on a loaded machine), so that a Ctrl-C at any moment of a run exits 130
with one line on stderr and no traceback; then it ends the process without interpreter
teardown (:func:`liqcascade.cli.leave` says why and what that skips).

Only the interpreter's own start-up comes before it (tens of milliseconds, before any
line of liqcascade runs): a Ctrl-C there is Python's (the process ends on SIGINT, or
Python says it could not import ``site``).
"""

from __future__ import annotations

import os
import signal
import sys

from liqcascade._blas import pin_blas
from liqcascade._cli import BEFORE_START, EXIT_INTERRUPTED, write_stderr_line

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only: this module loads nothing it does not need
    from collections.abc import Callable
    from types import FrameType
    from typing import NoReturn


def _exit_at_once(line: str) -> Callable[[int, FrameType | None], None]:
    """A SIGINT handler: ``error: line`` on stderr, then the process ends with 130 at once.

    For the moments when no command's code runs (loading the command line, writing
    out the output at the end): nothing to unwind, and an exception there could only
    end in a traceback.
    """

    def handler(signum: int, frame: FrameType | None) -> None:
        write_stderr_line(f"error: {line}")
        os._exit(EXIT_INTERRUPTED)

    return handler


def main() -> NoReturn:
    """Run the command line on ``sys.argv`` and end the process with its exit code.

    Exit codes and lines as :func:`liqcascade.cli.main`. A Ctrl-C while the command
    line loads: exit 130, ``error: interrupted before the command started: nothing
    was done``; after the command returned (while its output is written out): exit
    130, ``error: interrupted``. A process started with SIGINT ignored (a background
    job of a shell script) keeps it ignored. numpy's and scipy's BLAS run on one thread
    unless the environment says otherwise (:mod:`liqcascade._blas`).
    """
    ours = signal.getsignal(signal.SIGINT) is signal.default_int_handler
    if ours:
        signal.signal(signal.SIGINT, _exit_at_once(BEFORE_START))
    pin_blas()  # before numpy loads: the same figures on any number of cores
    from liqcascade import cli

    if ours:  # the command's code: KeyboardInterrupt, which cli.main turns into its line
        signal.signal(signal.SIGINT, signal.default_int_handler)
    said = None
    try:
        code = cli.main()
    except KeyboardInterrupt:  # between main's own statements, or a second Ctrl-C
        code, said = EXIT_INTERRUPTED, "error: interrupted"
    except Exception:  # with -v or LIQCASCADE_DEBUG main re-raises, for the traceback
        import traceback

        from liqcascade._shown import shown  # an escape sequence in a message is shown

        code, said = 1, shown(traceback.format_exc().rstrip("\n"), one_line=False)
    if ours:
        signal.signal(signal.SIGINT, _exit_at_once("interrupted"))
    if said is not None:
        sys.stderr.write(said + "\n")
    cli.leave(code)


if __name__ == "__main__":
    main()
