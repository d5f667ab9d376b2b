"""``--on-alert``: nothing left running, one clear line on failure (live14 findings 6, 14)."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path
from typing import Any

import pytest


def _running(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie waiting for a reaper does not), after 2 s."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < 2:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return False
        if state in ("Z", "X"):
            return False
        time.sleep(0.05)
    return True


def test_a_hook_past_its_timeout_is_stopped_with_what_it_started(tmp_path: Path) -> None:
    """Was: only the shell killed after 60 s, its `sleep` left running with PPID 1."""
    from liqcascade.live._watch import _run_on_alert

    pid_file = tmp_path / "pid"
    log: list[str] = []
    t0 = time.monotonic()
    _run_on_alert(f"sleep 30 & echo $! > {pid_file}; wait", {"rule": "x"}, log.append,
                  timeout=1.0)  # fmt: skip
    assert time.monotonic() - t0 < 10
    pid = int(pid_file.read_text())
    assert not _running(pid)  # the grandchild is gone
    assert log == [
        "on_alert timed out after 1 s: stopped it and every process it started "
        f"(sleep 30 & echo $! > {pid_file}; wait)"
    ]


def test_a_hook_failing_without_stderr_says_so(tmp_path: Path) -> None:
    """Was ``--on-alert exited 3: `` (a trailing colon and nothing after it)."""
    from liqcascade.live._watch import _run_on_alert

    log: list[str] = []
    _run_on_alert("exit 3", {"rule": "x"}, log.append)
    _run_on_alert("echo oops >&2; exit 4", {"rule": "x"}, log.append)
    out = tmp_path / "a.json"
    _run_on_alert(f"cat > {out}", {"rule": "x", "value": 1.5}, log.append)
    assert log == ["on_alert exited 3 (nothing on stderr)", "on_alert exited 4: oops"]
    assert json.loads(out.read_text()) == {"rule": "x", "value": 1.5}


def test_ctrl_c_in_a_hook_stops_the_hook_too(tmp_path: Path) -> None:
    from liqcascade.live._watch import _run_on_alert

    pid_file = tmp_path / "pid"
    real = signal.getsignal(signal.SIGALRM)

    def alarm(*_: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGALRM, alarm)
    try:
        signal.setitimer(signal.ITIMER_REAL, 1.0)
        with pytest.raises(KeyboardInterrupt):
            _run_on_alert(f"sleep 30 & echo $! > {pid_file}; wait", {}, lambda s: None)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, real)
    assert not _running(int(pid_file.read_text()))


def test_the_command_line_shows_the_hooks_lines_with_its_flag(monkeypatch) -> None:
    """The library's line names the parameter (``on_alert``); `watch` prints the flag."""
    from liqcascade._cli import _common

    monkeypatch.setattr(_common.STATE, "flags", {"on_alert": "--on-alert"})
    assert _common.leading_flag("on_alert exited 3 (nothing on stderr)") == (
        "--on-alert exited 3 (nothing on stderr)"
    )
    assert _common.leading_flag("okx liquidations: 2 records") == "okx liquidations: 2 records"
