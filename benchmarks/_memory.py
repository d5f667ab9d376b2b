"""A command run in a fresh subprocess, with its peak memory.

The peak is read inside the child: its own ``VmHWM`` (``/proc/self/status``) and the
largest ``ru_maxrss`` of the processes it waited for (the report's forked lane), written
to a file when it exits. Not ``wait4``'s ``ru_maxrss`` of the child: Linux carries the
parent's high-water mark into a child started with ``vfork`` + ``exec`` (as
:mod:`subprocess` starts it), so a benchmark process holding 600 MiB reported a
600 MiB peak for every command it ran.

The child imports the package this process imports (its ``src`` folder first on
``PYTHONPATH``), so a benchmark run from a work tree measures that tree's code.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

SRC = Path(__file__).resolve().parents[1] / "src"

# main() and then leave(), as the console script runs (leave() ends with os._exit: no
# atexit hook would run)
_SHIM = """\
import os, resource, sys
from liqcascade.cli import leave, main
rc = main(sys.argv[1:])
own = 0
with open("/proc/self/status") as f:
    for line in f:
        if line.startswith("VmHWM:"):
            own = int(line.split()[1])
lanes = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
with open(os.environ["LIQCASCADE_BENCH_PEAK"], "w") as f:
    f.write(str(max(own, lanes)))
leave(rc)
"""


def run_child(
    args: list[str], env: dict[str, str] | None = None, stdout: IO[bytes] | None = None
) -> tuple[float, resource.struct_rusage, float | None]:
    """Run ``liqcascade -q *args`` in a fresh Python; wall seconds, usage, peak MiB.

    ``env`` is added to this process's environment; the command's standard output goes
    to ``stdout`` (a binary file), else nowhere. The usage is ``wait4``'s: CPU seconds
    of the child and of the processes it waited for. The peak is the larger of the
    child's resident high-water mark and its forked lane's (the larger lane's, not
    their sum), in MiB; None where ``/proc/self/status`` cannot be read.

    Raises
    ------
    subprocess.CalledProcessError
        The command failed.
    """
    with tempfile.TemporaryDirectory() as tmp:
        peak_file = Path(tmp) / "peak"
        cmd = [sys.executable, "-c", _SHIM, "-q", *args]
        path = os.pathsep.join(p for p in (str(SRC), os.environ.get("PYTHONPATH")) if p)
        full_env = {**os.environ, **(env or {}), "LIQCASCADE_BENCH_PEAK": str(peak_file)}
        full_env["PYTHONPATH"] = path
        t0 = time.perf_counter()
        out = subprocess.DEVNULL if stdout is None else stdout
        proc = subprocess.Popen(cmd, stdout=out, env=full_env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            raise subprocess.CalledProcessError(proc.returncode, cmd)
        try:
            peak: float | None = int(peak_file.read_text()) / 1024  # kB -> MiB
        except (OSError, ValueError):
            peak = None
    return wall, usage, peak
