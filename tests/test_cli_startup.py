"""A light CLI start-up (issue 20, `pol build` end to end): each run imports only the
command it runs; `--version` and `pol build` load neither pandas nor the data package;
`--help` loads no model's package, and a command group's `--help` no pandas."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import typer.main

from liqcascade import cli

_PROBE = """
import json, sys
from liqcascade.cli import main
rc = main(sys.argv[1:])
heavy = ("pandas", "duckdb", "liqcascade.data", "liqcascade.cascade",
         "liqcascade.positions", "liqcascade.market")
print(json.dumps({"rc": rc, "loaded": [m for m in heavy if m in sys.modules]}), file=sys.stderr)
"""

#: Runs each argument (a command line, split at spaces) in turn, then says which of the
#: packages a help has no need of were loaded.
_HELP_PROBE = """
import contextlib, io, json, sys
from liqcascade.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    rcs = [main(line.split()) for line in sys.argv[1:]]
heavy = ("numpy", "pandas", "numba", "scipy", "duckdb", "plotly", "arch", "pyarrow",
         "liqcascade.data", "liqcascade.market", "liqcascade.margin", "liqcascade.positions")
loaded = [m for m in heavy if m in sys.modules]
print(json.dumps({"rcs": rcs, "loaded": loaded, "out": out.getvalue()}))
"""


def _help_loaded(lines: list[str], cwd: Path) -> tuple[list[int], list[str], str]:
    """Exit codes, the heavy packages loaded, and the output of ``lines`` run in turn."""
    src = str(Path(cli.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    p = subprocess.run([sys.executable, "-c", _HELP_PROBE, *lines], cwd=cwd, env=env,
                       capture_output=True, text=True, check=False)  # fmt: skip
    got = json.loads(p.stdout.strip().splitlines()[-1])
    return got["rcs"], got["loaded"], got["out"]


def test_help_loads_no_model_package(tmp_path: Path) -> None:
    """`liqcascade --help` builds every command's options and loads no library package,
    nor numpy, pandas or pyarrow (``_cli.cascade_backtest``, which registers ``cascade``'s
    subcommands, imports pandas in the functions that use it; ``_cli.watch`` imports
    ``liqcascade._json``, which imports numpy, where it writes JSON).
    """
    rcs, loaded, out = _help_loaded(["--help"], tmp_path)
    assert rcs == [0]
    assert "support-study" in out and "Commands" in out
    assert loaded == [], loaded


def test_group_helps_load_no_pandas(tmp_path: Path) -> None:
    """A command's help loads what it shows: `margin --help` lists `liq-price` without
    the margin maths (numba), `data --help` lists `ingest` without the layouts' registry;
    a help naming a registry (venues, layouts, ADL policies) has it written out
    (tests/test_cli_help_registries.py) and loads its package no more."""
    lines = ["data --help", "margin --help", "vol --help", "liqmap --help", "contagion --help",
             "support-study --help", "stress --help", "pol --help", "stops --help",
             "margin liq-price --help", "data ingest --help", "data export --help",
             "solvency --help"]  # fmt: skip
    rcs, loaded, out = _help_loaded(lines, tmp_path)
    assert rcs == [0] * len(lines)
    assert "ingest" in out and "liq-price" in out
    assert "Margin rules: binance, bybit, hyperliquid." in " ".join(out.split())
    assert loaded == []


def _loaded(args: list[str], cwd: Path) -> tuple[int, list[str], str]:
    src = str(Path(cli.__file__).resolve().parents[1])  # this checkout's package first
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    p = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    last = json.loads(p.stderr.strip().splitlines()[-1])
    return last["rc"], last["loaded"], p.stdout


def test_version_loads_no_heavy_module(tmp_path: Path) -> None:
    rc, loaded, out = _loaded(["--version"], tmp_path)
    assert (rc, loaded) == (0, [])
    assert out.startswith("liqcascade ")


def test_pol_build_and_verify_load_no_pandas(tmp_path: Path) -> None:
    users = tmp_path / "users.csv"
    users.write_text("user,balance\nalice,10\nbob,250\ncarol,7\n")
    out = tmp_path / "tree"
    rc, loaded, text = _loaded(
        ["-q", "pol", "build", str(users), "--out", str(out), "--json"], tmp_path
    )
    assert (rc, loaded) == (0, [])
    built = json.loads(text)
    assert built["total_liabilities"] == 267
    proof = tmp_path / "bob.json"
    rc, loaded, _ = _loaded(
        ["-q", "pol", "prove", "--tree", str(out), "--user", "bob", "--out", str(proof)], tmp_path
    )
    assert (rc, loaded) == (0, [])
    root, total = built["root"], str(built["total_liabilities"])
    rc, loaded, text = _loaded(
        ["pol", "verify", str(proof), "--root", root, "--total", total, "--json"], tmp_path
    )
    assert (rc, loaded) == (0, [])
    assert json.loads(text)["valid"] is True


def _names(app: typer.Typer) -> set[str]:
    group = typer.main.get_command(app)
    return set(group.commands)  # type: ignore[attr-defined]


def test_each_command_is_found_in_its_module() -> None:
    """The module a command line picks registers that command, for every command."""
    every = _names(cli.build_app())
    assert len(every) >= 15
    for name in every:
        modules = cli._modules_for(["-q", name, "--help"])
        assert len(modules) == 1, name
        assert name in _names(cli.build_app(modules)), name
    # unknown commands, --help and no command: everything, as before
    assert cli._modules_for(["nope"]) == cli._COMMAND_MODULES
    assert cli._modules_for(["--help"]) == cli._COMMAND_MODULES
    assert cli._modules_for([]) == cli._COMMAND_MODULES
    assert cli._modules_for(["-vv", "pol", "build"]) == ("pol",)
