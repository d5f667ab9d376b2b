"""The console script (``liqcascade.__main__:main``, also ``python -m liqcascade``), run
for real in a subprocess.

Two defects it fixes: a Ctrl-C in the first ~0.1 s (while the command line loaded)
printed Python's KeyboardInterrupt traceback, and pyarrow's thread pools could abort
the interpreter at teardown (SIGABRT, exit 134) after a command printed its complete
output. Checked here: exit codes pass through, a Ctrl-C at any moment after the entry's
first line is exit 130 and one line, and the output is all written out although the
process ends with ``os._exit``.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clihelpers import terminal_sigint

SRC = Path(__file__).resolve().parents[1] / "src"


def _env(tmp: Path) -> dict[str, str]:
    path = os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])
    return {**os.environ, "PYTHONPATH": path, "HOME": str(tmp),
            "LIQCASCADE_STORE": str(tmp / "none.duckdb")}  # fmt: skip


def _run(args: list[str], tmp: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "liqcascade", *args],
        env=_env(tmp), cwd=tmp, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def _summary(root: Path, name: str, scale: float, n: int) -> str:
    heads = {f"h{i:04d}": {"label": f"headline {i}", "value": i * scale, "unit": "usd"}
             for i in range(n)}  # fmt: skip
    folder = root / name
    folder.mkdir()
    summary = {"front": {"as_of": "2025-07-31T20:00:00+00:00", "headlines": heads}}
    (folder / "summary.json").write_text(json.dumps(summary))
    return str(folder)


def test_exit_codes_pass_through(tmp_path: Path) -> None:
    r = _run(["--version"], tmp_path)
    assert (r.returncode, r.stdout.split()[0], r.stderr) == (0, "liqcascade", "")
    r = _run(["pol", "verify", "--nope"], tmp_path)
    assert (r.returncode, r.stdout, r.stderr) == (2, "", "error: No such option: --nope\n")


def test_a_large_json_to_a_pipe_is_written_whole_and_the_alert_exit_passes(tmp_path: Path) -> None:
    """``diff`` with an alert that fires: exit 3, and all of a ~180 kB JSON (more than a
    pipe's buffer and the 8 kB of Python's) reaches the pipe before ``os._exit``."""
    old, new = _summary(tmp_path, "old", 1.0, 1000), _summary(tmp_path, "new", 2.0, 1000)
    r = _run(["diff", old, new, "--json", "--alert", "h0001=0.5"], tmp_path)
    # the two made-up reports share a market date: diff warns that a move is not the market's
    assert r.returncode == 3 and r.stderr.startswith("warning: both reports are of the same market")
    assert len(r.stdout) > 100_000
    out = json.loads(r.stdout)  # the whole object, to its last brace
    assert out["fired"] is True and len(out["alerts"]) == 1


def _outcome(proc: subprocess.Popen[str]) -> tuple[int, list[str], str]:
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err.splitlines(), err


def _ours(code: int, lines: list[str], err: str) -> None:
    """Exit 130, one line ``error: interrupted…``, no traceback."""
    assert code == 130 and len(lines) == 1, (code, err)
    assert lines[0].startswith("error: interrupted") and "Traceback" not in err, err


#: Records when the command line starts to load: ``main`` installed its rule before.
_MARKED = """
import os, sys
class Mark:
    def find_spec(self, name, path=None, target=None):
        if name == "liqcascade.cli":
            open({marker!r}, "w").close()
sys.meta_path.insert(0, Mark())
sys.argv = ["liqcascade", "contagion", "--preset", "oct-2025"]
from liqcascade.__main__ import main
main()
"""


@pytest.mark.parametrize("delay_s", [0.0, 0.01, 0.03, 0.1])
def test_a_ctrl_c_while_the_command_line_loads_is_130_and_one_line(
    delay_s: float, tmp_path: Path
) -> None:
    """Was Python's KeyboardInterrupt traceback (the first ~0.1 s of every run)."""
    marker = tmp_path / "loading"
    code = _MARKED.format(marker=str(marker))
    proc = subprocess.Popen([sys.executable, "-c", code], env=_env(tmp_path), cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=terminal_sigint)  # fmt: skip
    t0 = time.monotonic()
    while not marker.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() - t0 < 60
        time.sleep(0.002)
    time.sleep(delay_s)
    proc.send_signal(signal.SIGINT)
    _ours(*_outcome(proc))


def _before_our_code(code: int, err: str) -> bool:
    """Whether a Ctrl-C ended the process before ``main`` ran: in the interpreter's own
    start-up (killed by SIGINT before Python handles it, or Python's own messages), or
    while the entry module's own imports ran (every liqcascade frame at module level)."""
    if code == -signal.SIGINT and not err:
        return True
    # sent between the fork and terminal_sigint's reset, in a suite run as a shell's
    # background job (SIGINT ignored), the signal is lost and the command runs to its end:
    # never our code's doing (a Ctrl-C our code ignored would leave `seen` empty)
    if code == 0 and not err:
        return True
    if "init_import_site" in err or "Could not import runpy module" in err:
        return True
    frames = re.findall(r'File "([^"]*)", line \d+, in (\S+)', err)
    ours = [fn for f, fn in frames if "liqcascade" in f]
    return "Traceback" in err and all(fn == "<module>" for fn in ours)


def test_a_ctrl_c_right_at_the_start_is_130_and_one_line(tmp_path: Path) -> None:
    """SIGINT 20 ms … 1 s after the spawn of ``python -m liqcascade``."""
    seen = []
    for delay_s in (0.02, 0.05, 0.1, 0.3, 1.0):
        proc = subprocess.Popen(
            [sys.executable, "-m", "liqcascade", "contagion", "--preset", "oct-2025"],
            env=_env(tmp_path), cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, preexec_fn=terminal_sigint,
        )  # fmt: skip
        time.sleep(delay_s)
        proc.send_signal(signal.SIGINT)
        code, lines, err = _outcome(proc)
        if not _before_our_code(code, err):
            _ours(code, lines, err)
            seen.append(delay_s)
    # Python starts in ~20 ms on a quiet machine: most reach the entry, 1 s always does
    assert seen, "no Ctrl-C reached the entry"


def test_sigint_ignored_at_start_stays_ignored(tmp_path: Path) -> None:
    """A background job of a shell script starts with SIGINT ignored: the entry keeps it."""
    code = (
        "import signal, sys; signal.signal(signal.SIGINT, signal.SIG_IGN);"
        "sys.argv = ['liqcascade', '--version'];"
        "import liqcascade.__main__ as m, liqcascade.cli as cli;"
        "leave, ign = cli.leave, signal.SIG_IGN;"
        "cli.leave = lambda c: (print(signal.getsignal(signal.SIGINT) is ign), leave(c));"
        "m.main()"
    )
    r = subprocess.run([sys.executable, "-c", code], env=_env(tmp_path), cwd=tmp_path,
                       capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert (r.returncode, r.stderr) == (0, "")
    assert r.stdout.splitlines()[-1] == "True"
