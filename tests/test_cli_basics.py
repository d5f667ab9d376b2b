from __future__ import annotations

from clihelpers import run_cli, run_cli_subprocess


def test_version() -> None:
    from liqcascade import __version__

    r = run_cli("--version")
    assert r.exit_code == 0
    assert __version__ in r.stdout


def test_unknown_option_is_one_error_line_exit_2() -> None:
    r = run_cli_subprocess("report", "--no-such-option")
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "--no-such-option" in lines[0]
    assert "Traceback" not in r.stderr


def test_unknown_command_exit_2() -> None:
    r = run_cli_subprocess("frobnicate")
    assert r.exit_code == 2
    assert r.stderr.strip().startswith("error:")
