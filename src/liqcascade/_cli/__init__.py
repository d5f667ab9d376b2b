"""Command modules of the ``liqcascade`` CLI; each exposes ``register(app)``.

Also the two constants of the command line's Ctrl-C rule, the closed pipe's line, and
the one writer of a line
to stderr outside Python's streams, here (a module that imports nothing when loaded) so
that the console script (``liqcascade.__main__``) prints the same line before it loads
the command line as ``liqcascade.cli.main`` prints after.
"""

#: The exit code of Ctrl-C (SIGINT), as shells give it: 128 + 2.
EXIT_INTERRUPTED = 130
#: The exit code of no live data: ``watch`` ran to ``--max-iterations`` and no venue
#: answered (:data:`liqcascade.live.EXIT_NO_LIVE_DATA`), or ``data fetch`` or ``report
#: --refresh`` could not reach its venue (:class:`~liqcascade.errors.VenueUnreachable`).
EXIT_NO_LIVE_DATA = 4
#: The exit code of a store another process held for longer than the wait
#: (:class:`~liqcascade.errors.StoreBusy`, ``$LIQCASCADE_STORE_WAIT_S``): try again later.
EXIT_STORE_BUSY = 5
#: The line (after ``error: ``) of a Ctrl-C that came before the command's own code started.
BEFORE_START = "interrupted before the command started: nothing was done"
#: The line of output that could not be written: the reader of stdout went away
#: (``liqcascade liqmap | head -1``, ``liqcascade --help | head -1``); the exit is 1.
CLOSED_PIPE = "error: cannot write the output to stdout: Broken pipe"


def write_stderr_line(line: str) -> None:
    """``line`` on file descriptor 2, unbuffered; nothing if stderr is gone too.

    For the console's moments outside Python's streams (a signal handler, the exit
    without teardown).
    """
    import os

    try:
        os.write(2, f"{line}\n".encode())
    except OSError:
        pass
