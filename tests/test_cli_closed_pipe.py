"""Output into a pipe whose reader went away (``liqcascade liqmap | head -1``).

rich's console answered the broken pipe by exiting 1 with nothing on stderr: a
``set -o pipefail`` script saw a failure and no reason. The exit stays 1 (as
:func:`liqcascade.cli.leave` has it for a flush that fails) with one line saying why;
the help (``liqcascade --help | head -1``) ends the same way.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

MARGIN = ("margin", "liq-price", "--side", "long", "--size", "1", "--entry", "2000")


def _into_closed_pipe(entry: str, *args: str) -> subprocess.CompletedProcess[str]:
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first line is written
    try:
        return subprocess.run(
            [sys.executable, "-m", entry, *args],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=300,
        )
    finally:
        os.close(write)


@pytest.mark.parametrize("entry", ["liqcascade", "liqcascade.cli"])
def test_a_closed_pipe_is_exit_1_and_one_line(entry: str) -> None:
    p = _into_closed_pipe(entry, *MARGIN, "--margin", "100")
    lines = p.stderr.strip().splitlines()
    assert p.returncode == 1, (p.returncode, p.stderr)
    assert lines == ["error: cannot write the output to stdout: Broken pipe"], p.stderr


@pytest.mark.parametrize(
    "args", [("--help",), (), ("report", "--help"), ("data", "ingest", "--help")],
    ids=["top-level", "no-arguments", "command", "subcommand"],
)  # fmt: skip
def test_help_into_a_closed_pipe_says_so_as_any_output(args: tuple[str, ...]) -> None:
    # typer prints help through its own rich console: exit 1 and not a word
    p = _into_closed_pipe("liqcascade", *args)
    lines = p.stderr.strip().splitlines()
    assert p.returncode == 1, (p.returncode, p.stderr)
    assert lines == ["error: cannot write the output to stdout: Broken pipe"], p.stderr
