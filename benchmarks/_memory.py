"""A command run in a fresh subprocess, with its peak memory (``wait4``'s ``ru_maxrss``)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time


def run_child(
    args: list[str], env: dict[str, str] | None = None
) -> tuple[float, resource.struct_rusage]:
    """Run ``python -m liqcascade.cli -q *args``; its wall seconds and resource usage.

    The usage is the child's as ``wait4`` returns it: CPU seconds of the child and of
    the processes it waited for, and ``ru_maxrss`` the largest resident set among them
    (the report's forked lane included: the larger lane's peak, not their sum).

    Raises
    ------
    subprocess.CalledProcessError
        The command failed.
    """
    cmd = [sys.executable, "-m", "liqcascade.cli", "-q", *args]
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, env=None if env is None else {**os.environ, **env}
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, cmd)
    return wall, usage


def peak_mib(usage: resource.struct_rusage) -> float:
    """``ru_maxrss`` in MiB (Linux reports kilobytes)."""
    return usage.ru_maxrss / 1024
