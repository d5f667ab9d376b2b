"""Command modules of the ``liqcascade`` CLI; each exposes ``register(app)``.

Also the two constants of the command line's Ctrl-C rule, here (a module that imports
nothing) so that the console script (``liqcascade.__main__``) prints the same line
before it loads the command line as ``liqcascade.cli.main`` prints after.
"""

#: The exit code of Ctrl-C (SIGINT), as shells give it: 128 + 2.
EXIT_INTERRUPTED = 130
#: The line (after ``error: ``) of a Ctrl-C that came before the command's own code started.
BEFORE_START = "interrupted before the command started: nothing was done"
